package http

import "net/http"

// ConsoleHandler serves the operator console's own listener (`visage
// serve --console-addr`), for the operator's network only: the console
// (console, served under /console/), the admin API, which takes the admin
// token and the console's sessions (Config.Console), /metrics without a
// token, as the admin listener serves it, and the probes. Nothing of the
// /v1 API, the widget or the dialects: an app's traffic has no business
// there. Every request goes through the same edge as the public
// listener's, logged with listener=console.
func (s *Server) ConsoleHandler(console http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		if rt.admin == nil || rt.pattern == "GET /metrics" {
			continue
		}
		limit := s.cfg.BodyTimeout
		if rt.upload {
			limit = s.cfg.UploadTimeout
		}
		mux.Handle(rt.pattern, bodyDeadline(limit, s.adminGuard(rt.admin, s.cfg.Console)))
	}
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if err := s.metrics(w, r); err != nil {
			writeError(w, r, s.cfg.Logger, err)
		}
	})
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if console != nil {
		h := bodyDeadline(s.cfg.BodyTimeout, console)
		mux.Handle("/console", h)
		mux.Handle("/console/", h)
		mux.Handle("GET /{$}", http.RedirectHandler("/console", http.StatusSeeOther))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, "console", mux, func(r *http.Request) (string, string) { return r.URL.Path, r.Pattern })
	})
}
