package http

import (
	"net/http"
	"time"

	"github.com/visagehq/visage"
)

func (s *Server) stats(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	st, err := s.svc.Stats(r.Context(), app)
	if err != nil {
		return err
	}
	recent := st.RecentFaces
	if recent == nil {
		recent = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"total_calls": st.TotalCalls, "indexed_faces": st.IndexedFaces, "recent_facial_ids": recent,
	})
	return nil
}

// period reads ?from=YYYY-MM-DD&to=YYYY-MM-DD, the last 30 days by
// default.
func period(r *http.Request) (from, to time.Time, err error) {
	to = time.Now().UTC()
	from = to.AddDate(0, 0, -29)
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if v := r.URL.Query().Get(name); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return from, to, visage.Errorf(visage.CodeInvalidRequest, "%s must be a date, YYYY-MM-DD", name)
			}
			*dst = t
		}
	}
	return from, to, nil
}

// usage answers calls per day over ?from=YYYY-MM-DD&to=YYYY-MM-DD
// (default: the last 30 days).
func (s *Server) usage(w http.ResponseWriter, r *http.Request, app *visage.App) error {
	from, to, err := period(r)
	if err != nil {
		return err
	}
	days, err := s.svc.Usage(r.Context(), app, from, to)
	if err != nil {
		return err
	}
	// API calls, and apart from them what pages spent with the public ID:
	// widget sessions and the frames they had analysed.
	out := make([]map[string]any, len(days))
	var calls, ok, sessions, frames int64
	for i, d := range days {
		out[i] = map[string]any{"day": d.Day.Format(time.DateOnly), "calls": d.Calls, "succeeded": d.Succeeded,
			"success_rate":    float64(d.Succeeded) / float64(max(d.Calls, 1)),
			"widget_sessions": d.Sessions, "widget_frames": d.Frames}
		calls, ok = calls+d.Calls, ok+d.Succeeded
		sessions, frames = sessions+d.Sessions, frames+d.Frames
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "days": out,
		"calls": calls, "success_rate": float64(ok) / float64(max(calls, 1)),
		"widget_sessions": sessions, "widget_frames": frames,
	})
	return nil
}
