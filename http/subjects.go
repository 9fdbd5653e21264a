package http

import (
	"net/http"

	"github.com/visagehq/visage"
)

// A data subject's rights over HTTP (docs/privacy.md): the app's backend
// with its key, or the operator with the admin token, exports what
// Visage holds about a person or erases them with a receipt. The person
// is named by facial_id or external_id.

func (s *Server) exportSubject(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	q := r.URL.Query()
	out, err := s.svc.ExportSubject(r.Context(), app, q.Get("facial_id"), q.Get("external_id"))
	if err != nil {
		return err
	}
	// A person's data: no cache on the way may keep it.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) eraseSubject(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	who, err := parseFaceRequest(r) // facial_id or external_id, as JSON or a form
	if err != nil {
		return err
	}
	receipt, err := s.svc.EraseSubject(r.Context(), app, who.FacialID, who.ExternalID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, receipt)
	return nil
}

// The admin API's forms of the same, for the app named in the path.

func (s *Server) adminExportSubject(w http.ResponseWriter, r *http.Request) error {
	app, err := s.svc.App(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	return s.exportSubject(w, r, app)
}

func (s *Server) adminEraseSubject(w http.ResponseWriter, r *http.Request) error {
	app, err := s.svc.App(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	return s.eraseSubject(w, r, app)
}
