package widget

import (
	_ "embed"
	"html/template"
	"net/http"
)

//go:embed demo.html
var demoHTML string

var demoPage = template.Must(template.New("demo").Parse(demoHTML))

// demo serves a page with enroll and log-in buttons for the demo app, so
// that a new server has something to try at once.
func (h *Handler) demo(w http.ResponseWriter, r *http.Request) {
	if h.cfg.DemoPublicID == "" {
		http.Error(w, "the demo is off: start the server with --demo", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	demoPage.Execute(w, struct{ PublicID string }{h.cfg.DemoPublicID})
}
