package http

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/service"
)

// Response shapes of the native API (snake_case, as in docs/api.md).

type qualityJSON struct {
	Size      float32     `json:"size"`
	Sharpness *float32    `json:"sharpness,omitempty"`
	Yaw       *float32    `json:"yaw,omitempty"`
	Pitch     *float32    `json:"pitch,omitempty"`
	Roll      *float32    `json:"roll,omitempty"`
	EyesOpen  *[2]float32 `json:"eyes_open,omitempty"`
}

func gender(female float32) string {
	if female >= 0.5 {
		return "female"
	}
	return "male"
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	req, err := parseFaceRequest(r)
	if err != nil {
		return err
	}
	en, err := s.svc.Enroll(r.Context(), app, service.EnrollRequest{Images: req.images, ExternalID: req.ExternalID, Payload: req.Payload, PIN: req.PIN})
	if err != nil {
		return err
	}
	q := en.Quality
	writeJSON(w, http.StatusCreated, map[string]any{
		"facial_id":   en.FacialID,
		"external_id": en.ExternalID,
		"timestamp":   en.Timestamp.Format(time.RFC3339),
		"details":     map[string]any{"age": round1(en.Age), "gender": gender(en.Female)},
		"quality":     qualityJSON{q.Size, q.Sharpness, q.Yaw, q.Pitch, q.Roll, q.EyesOpen},
	})
	return nil
}

func round1(v float32) float64 { return float64(int(v*10+0.5)) / 10 }

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	req, err := parseFaceRequest(r)
	if err != nil {
		return err
	}
	img, err := req.oneImage()
	if err != nil {
		return err
	}
	rec, err := s.svc.Authenticate(r.Context(), app, img, req.PIN)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"facial_id":   rec.FacialID,
		"external_id": rec.ExternalID,
		"payload":     rawOrNull(rec.Payload),
		"similarity":  round2(rec.Similarity),
	})
	return nil
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

func rawOrNull(p json.RawMessage) json.RawMessage {
	if len(p) == 0 {
		return json.RawMessage("null")
	}
	return p
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	req, err := parseFaceRequest(r)
	if err != nil {
		return err
	}
	img, err := req.oneImage()
	if err != nil {
		return err
	}
	v, err := s.svc.Verify(r.Context(), app, img, req.FacialID, req.ExternalID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"match": v.Match, "similarity": round2(v.Similarity),
		"facial_id": v.FacialID, "external_id": v.ExternalID,
	})
	return nil
}

func (s *Server) compare(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	req, err := parseFaceRequest(r)
	if err != nil {
		return err
	}
	if len(req.images) != 2 {
		return visage.Errorf(visage.CodeInvalidRequest, "compare takes two images (image1 and image2), got %d", len(req.images))
	}
	c, err := s.svc.Compare(r.Context(), app, req.images[0], req.images[1])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"match": c.Match, "similarity": round2(c.Similarity),
		"cosine": round2(float64(c.Cosine)*100) / 100, "distance": round2(c.Distance*100) / 100,
	})
	return nil
}

func (s *Server) detect(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	req, err := parseFaceRequest(r)
	if err != nil {
		return err
	}
	img, err := req.oneImage()
	if err != nil {
		return err
	}
	faces, err := s.svc.Detect(r.Context(), img)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(faces))
	for i, f := range faces {
		out[i] = detectedFace(f)
	}
	writeJSON(w, http.StatusOK, map[string]any{"faces": out})
	return nil
}

func detectedFace(f face.Face) map[string]any {
	q := f.Quality
	return map[string]any{
		"box": f.Box, "score": f.Score, "landmarks": f.Landmarks,
		"quality":  qualityJSON{q.Size, q.Sharpness, q.Yaw, q.Pitch, q.Roll, q.EyesOpen},
		"liveness": f.Liveness, "age": f.Age, "gender": gender(*f.Female),
	}
}

func faceJSON(f *visage.Face) map[string]any {
	return map[string]any{
		"facial_id": f.ID, "external_id": f.ExternalID, "payload": rawOrNull(f.Payload),
		"created_at": f.CreatedAt.Format(time.RFC3339), "updated_at": f.UpdatedAt.Format(time.RFC3339),
		"has_pin": f.PINHash != nil,
	}
}

func (s *Server) listFaces(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	limit := 100
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return visage.Errorf(visage.CodeInvalidRequest, "limit must be a number")
		}
		limit = n
	}
	faces, err := s.svc.Faces(r.Context(), app, r.URL.Query().Get("after"), limit)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(faces))
	for i := range faces {
		out[i] = faceJSON(&faces[i])
	}
	body := map[string]any{"faces": out}
	if len(faces) == limit {
		body["next"] = faces[len(faces)-1].ID
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) getFace(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	f, err := s.svc.Face(r.Context(), app, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, faceJSON(f))
	return nil
}

func (s *Server) deleteFace(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	if err := s.svc.DeleteFace(r.Context(), app, r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"facial_id": r.PathValue("id"), "deleted": true})
	return nil
}

func (s *Server) setPayload(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	req, err := parseFaceRequest(r)
	if err != nil {
		return err
	}
	if err := s.svc.SetPayload(r.Context(), app, r.PathValue("id"), req.Payload); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"facial_id": r.PathValue("id"), "updated": true})
	return nil
}

func (s *Server) setPIN(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	req, err := parseFaceRequest(r)
	if err != nil {
		return err
	}
	if err := s.svc.SetPIN(r.Context(), app, r.PathValue("id"), req.PIN); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"facial_id": r.PathValue("id"), "updated": true})
	return nil
}
