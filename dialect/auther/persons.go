package auther

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
	"github.com/visagehq/visage/internal/upload"
	"github.com/visagehq/visage/service"
)

// person is Auther's answer about one person: the ID the caller chose and
// when it was created and last given a new photo.
type person struct {
	PersonID string `json:"personId"`
	Created  string `json:"created"`
	Updated  string `json:"updated"`
}

// timeFormat is Auther's: UTC with milliseconds, "2020-09-03T16:05:08.938Z".
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func personOf(f *visage.Face) person {
	return person{PersonID: f.ExternalID, Created: f.CreatedAt.UTC().Format(timeFormat), Updated: f.UpdatedAt.UTC().Format(timeFormat)}
}

// personID is the path's person ID, checked here (service.ValidID) so
// that a bad one gets its own code rather than the body's.
func personID(r *http.Request) (string, error) {
	id := r.PathValue("personId")
	var ve *visage.Error
	if err := service.ValidID("personId", id); errors.As(err, &ve) {
		return "", errorOf("P_003", ve.Message)
	}
	return id, nil
}

// decode reads a JSON object body into v. Unknown fields are ignored, as
// a client may send more than this dialect reads.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errorOf("R_002", "the body is empty; send a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errorOf("R_002", reply.JSONError(err))
	}
	return nil
}

// decodeImage decodes the base64 image of a field, plain or as a data: URL.
func decodeImage(field, s string) ([]byte, error) {
	if s == "" {
		return nil, errorOf("R_002", field+" is required")
	}
	b, err := upload.Base64(s)
	if err != nil || len(b) == 0 {
		return nil, errorOf("R_002", field+" is not a base64-encoded image")
	}
	return b, nil
}

// faceImage reads the {"faceImage": "…"} body of most endpoints.
func faceImage(body []byte) ([]byte, error) {
	var req struct {
		FaceImage string `json:"faceImage"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	return decodeImage("faceImage", req.FaceImage)
}

func (h *handler) createPerson(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte) error {
	return h.putPerson(w, r, app, body, false)
}

func (h *handler) updatePerson(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte) error {
	return h.putPerson(w, r, app, body, true)
}

func (h *handler) putPerson(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte, replace bool) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	img, err := faceImage(body)
	if err != nil {
		return err
	}
	f, err := h.svc.PutPerson(r.Context(), app, id, img, replace)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personOf(f))
	return nil
}

func (h *handler) checkPerson(w http.ResponseWriter, r *http.Request, app *visage.App, _ []byte) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	f, err := h.svc.FaceByExternalID(r.Context(), app, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personOf(f))
	return nil
}

// deletePerson answers the person as it was: Auther's page shows no body,
// and a JSON one suits clients that parse every answer.
func (h *handler) deletePerson(w http.ResponseWriter, r *http.Request, app *visage.App, _ []byte) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	f, err := h.svc.DeleteByExternalID(r.Context(), app, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personOf(f))
	return nil
}

func (h *handler) search(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte) error {
	img, err := faceImage(body)
	if err != nil {
		return err
	}
	m, err := h.svc.Identify(r.Context(), app, img, searchSimilarity)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, personOf(m.Face))
	return nil
}

func (h *handler) verify(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	img, err := faceImage(body)
	if err != nil {
		return err
	}
	m, err := h.svc.VerifyPerson(r.Context(), app, img, id, verifySimilarity)
	if err != nil {
		return err
	}
	if !m.Match {
		return errorOf("V_001", fmt.Sprintf("similarity %.2f %% is below the %d %% required", m.Similarity, verifySimilarity))
	}
	writeJSON(w, http.StatusOK, personOf(m.Face))
	return nil
}

// compare answers the similarity when it reaches the threshold and 0
// otherwise, the way a face search leaves out what scores below its
// threshold: a client that reads any non-zero similarity as a match and
// one that compares it with the threshold are then both right. A
// threshold of 0 always gets the score.
func (h *handler) compare(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte) error {
	var req struct {
		SourceImage         string   `json:"sourceImage"`
		TargetImage         string   `json:"targetImage"`
		SimilarityThreshold *float64 `json:"similarityThreshold"`
	}
	if err := decode(body, &req); err != nil {
		return err
	}
	threshold := float64(compareSimilarity)
	if t := req.SimilarityThreshold; t != nil {
		if *t < 0 || *t > 100 {
			return errorOf("R_002", "similarityThreshold must be a number from 0 to 100")
		}
		threshold = *t
	}
	source, err := decodeImage("sourceImage", req.SourceImage)
	if err != nil {
		return err
	}
	target, err := decodeImage("targetImage", req.TargetImage)
	if err != nil {
		return err
	}
	c, err := h.svc.CompareAt(r.Context(), app, source, target, threshold)
	var ve *visage.Error
	if errors.As(err, &ve) {
		// The service numbers the images; say which field was meant.
		msg := strings.Replace(strings.Replace(ve.Message, "image 1", "sourceImage", 1), "image 2", "targetImage", 1)
		return &visage.Error{Code: ve.Code, Message: msg, Err: ve.Err}
	}
	if err != nil {
		return err
	}
	similarity := 0.0
	if c.Match {
		similarity = math.Round(c.Similarity*100) / 100
	}
	writeJSON(w, http.StatusOK, map[string]float64{"similarity": similarity})
	return nil
}
