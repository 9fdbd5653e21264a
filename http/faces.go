package http

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/service"
)

// Response shapes of the native API (snake_case, as in docs/api.md);
// face.Quality already serialises in that shape.

// round keeps digits decimals of v, for readable scores.
func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
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
	writeJSON(w, http.StatusCreated, map[string]any{
		"facial_id":   en.FacialID,
		"external_id": en.ExternalID,
		"timestamp":   en.Timestamp.Format(time.RFC3339),
		"details":     map[string]any{"age": round(float64(en.Age), 1), "gender": gender(en.Female)},
		"quality":     en.Quality,
	})
	return nil
}

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
		"similarity":  round(rec.Similarity, 2),
	})
	return nil
}

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
	v, err := s.svc.Verify(r.Context(), app, img, req.FacialID, req.ExternalID, req.PIN)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"match": v.Match, "similarity": round(v.Similarity, 2),
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
		"match": c.Match, "similarity": round(c.Similarity, 2),
		"cosine": round(float64(c.Cosine), 4), "distance": round(c.Distance, 4),
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
	return map[string]any{
		"box": f.Box, "score": f.Score, "landmarks": f.Landmarks,
		"quality":  f.Quality,
		"liveness": f.Liveness, "age": f.Age, "gender": gender(*f.Female),
	}
}

func (s *Server) faceJSON(app *visage.App, f *visage.Face) map[string]any {
	return map[string]any{
		"facial_id": f.ID, "external_id": f.ExternalID, "payload": rawOrNull(f.Payload),
		"created_at": f.CreatedAt.Format(time.RFC3339), "updated_at": f.UpdatedAt.Format(time.RFC3339),
		"has_pin":            f.PINHash != nil,
		"needs_reenrollment": s.svc.NeedsReenrollment(app, f.ID),
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
		out[i] = s.faceJSON(app, &faces[i])
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
	writeJSON(w, http.StatusOK, s.faceJSON(app, f))
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
