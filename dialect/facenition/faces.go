package facenition

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/service"
)

// payloadKey is the key of the face payload under which generate records
// what authenticate needs: {"facenition": {"accuracy": 6}}. Facenition
// clients cannot set payloads, so the dialect owns the whole payload.
const payloadKey = "facenition"

type facePayload struct {
	Facenition *struct {
		Accuracy int `json:"accuracy"`
	} `json:"facenition"`
}

// recordedAccuracy is the accuracy a face was generated at; ok is false
// for a face enrolled another way (the native API), which any accuracy
// may then authenticate.
func recordedAccuracy(payload json.RawMessage) (int, bool) {
	var p facePayload
	if json.Unmarshal(payload, &p) != nil || p.Facenition == nil || p.Facenition.Accuracy == 0 {
		return 0, false
	}
	return p.Facenition.Accuracy, true
}

// at is the app seen at a Facenition accuracy: the service matches at
// the app's level, and accuracy N is Visage's level N (docs/scores.md).
func at(app *visage.App, accuracy int) *visage.App {
	a := *app
	a.Settings.Level = accuracy
	return &a
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// generate enrolls a person under the client's user_id from 1 to 5
// photos, and records the accuracy for authenticate. The photos must show
// one person at the app's own level (4 unless changed): the accuracy
// sent governs authentication, not enrollment.
func (h *handler) generate(w http.ResponseWriter, r *http.Request, req *request, app *visage.App) error {
	userID, err := req.userID()
	if err != nil {
		return err
	}
	acc, err := req.accuracy()
	if err != nil {
		return err
	}
	payload, _ := json.Marshal(map[string]any{payloadKey: map[string]int{"accuracy": acc}})
	en, err := h.svc.Enroll(r.Context(), app, service.EnrollRequest{Images: req.images, ExternalID: userID, Payload: payload})
	if visage.ErrorCode(err) == visage.CodeConflict {
		return fail(http.StatusConflict, "user_id %q is already enrolled: delete it first to enroll it again", userID)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user_id": userID, "face_id": en.FacialID, "accuracy": acc, "images": len(req.images)})
	return nil
}

// authenticate verifies one photo against one enrolled user (1:1) at the
// accuracy the user was generated at. A face that does not match is an
// answer (authenticated: false), not an error.
func (h *handler) authenticate(w http.ResponseWriter, r *http.Request, req *request, app *visage.App) error {
	userID, err := req.userID()
	if err != nil {
		return err
	}
	acc, err := req.accuracy()
	if err != nil {
		return err
	}
	if len(req.images) != 1 {
		return fail(http.StatusBadRequest, "authenticate takes one image, got %d", len(req.images))
	}
	f, err := h.svc.FaceByExternalID(r.Context(), app, userID)
	if visage.ErrorCode(err) == visage.CodeNotFound {
		return fail(http.StatusNotFound, "no user %q is enrolled", userID)
	}
	if err != nil {
		return err
	}
	if rec, ok := recordedAccuracy(f.Payload); ok && rec != acc {
		return fail(http.StatusConflict, "user %q was generated at accuracy %d: authenticate with the same accuracy", userID, rec)
	}
	// Facenition has no PINs; a face given one elsewhere (the widget, the
	// native API) is authenticated with the optional field pin.
	v, err := h.svc.Verify(r.Context(), at(app, acc), req.images[0], f.ID, "", strings.TrimSpace(req.fields["pin"]))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "authenticated": v.Match, "user_id": userID, "similarity": round2(v.Similarity), "accuracy": acc})
	return nil
}

// match compares the largest face of two photos at the accuracy.
func (h *handler) match(w http.ResponseWriter, r *http.Request, req *request, app *visage.App) error {
	acc, err := req.accuracy()
	if err != nil {
		return err
	}
	if len(req.images) != 2 {
		return fail(http.StatusBadRequest, "match takes two images (the field image twice), got %d", len(req.images))
	}
	c, err := h.svc.Compare(r.Context(), at(app, acc), req.images[0], req.images[1])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "match": c.Match, "similarity": round2(c.Similarity), "accuracy": acc})
	return nil
}

// delete removes an enrolled user: templates and all are gone when it
// answers.
func (h *handler) delete(w http.ResponseWriter, r *http.Request, req *request, app *visage.App) error {
	userID, err := req.userID()
	if err != nil {
		return err
	}
	f, err := h.svc.FaceByExternalID(r.Context(), app, userID)
	if visage.ErrorCode(err) == visage.CodeNotFound {
		return fail(http.StatusNotFound, "no user %q is enrolled", userID)
	}
	if err != nil {
		return err
	}
	if err := h.svc.DeleteFace(r.Context(), app, f.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user_id": userID, "deleted": true})
	return nil
}
