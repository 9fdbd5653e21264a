// Package http is Visage's native REST API: it translates requests into
// service calls and service results and errors into JSON. It holds no
// business rules.
package http

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/service"
)

// Config tunes the server.
type Config struct {
	// MaxBody is the largest request body accepted (413 beyond).
	// Default 32 MiB: five 6 MB photos, base64-encoded.
	MaxBody int64
	// Timeout bounds one request's work. Default 30 s.
	Timeout time.Duration
	// BodyTimeout is how long the body of a request carrying small JSON
	// (settings, a payload, a PIN) may take to arrive, UploadTimeout that
	// of a request carrying photos (the /v1 face calls, and the mounted
	// and wrapped handlers: the widget's frames, the dialects). Both
	// count from the end of the headers. A client sending slower is cut
	// off: without them, a few thousand connections trickling a byte at
	// a time hold the server's sockets and memory for as long as they
	// like. Defaults 10 s and 20 s, which leaves a photo upload 10 s of
	// the request's 30 for its work.
	BodyTimeout, UploadTimeout time.Duration
	Logger                     *slog.Logger
	// Ready reports whether the server can serve (store reachable).
	Ready func(context.Context) error
	// Metrics, when set, are updated and served at /metrics to the
	// admin token, and without one by AdminHandler.
	Metrics *Metrics
	// Mounts are handlers of other packages (the browser widget) served
	// under this server's request IDs, limits, logs and metrics.
	Mounts []Mount
	// AddressHeader names the request header with the client's address,
	// set by a proxy the operator trusts (visitor.Address): the address
	// the audit log records.
	AddressHeader string
	// Console, when set, lets the admin API be called with a session of
	// the operator console (package console) instead of a bearer token:
	// a request without an Authorization header is given to it, and it
	// answers the admin token's ID behind the session, or why the request
	// is refused (UNAUTHORIZED, CSRF_FAILED). ConsoleListener says the
	// console has a listener of its own (ConsoleHandler, `visage serve
	// --console-addr`): then only that listener takes console sessions,
	// and the public one the admin token alone.
	Console         func(*http.Request) (tokenID string, err error)
	ConsoleListener bool
}

// Mount routes the paths matching Pattern (as net/http's ServeMux takes
// it) to Handler.
type Mount struct {
	Pattern string
	Handler http.Handler
}

// Server is the native API's handler.
type Server struct {
	svc *service.Service
	cfg Config
	mux *http.ServeMux
}

// New returns the API handler for svc.
func New(svc *service.Service, cfg Config) *Server {
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 32 << 20
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = 10 * time.Second
	}
	if cfg.UploadTimeout == 0 {
		cfg.UploadTimeout = 20 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{svc: svc, cfg: cfg, mux: http.NewServeMux()}
	s.routes()
	return s
}

// route is one endpoint. The table is the single list of what the server
// serves: routes() registers it, and a test checks /openapi.json against it.
type route struct {
	pattern string // "METHOD /path", as net/http's ServeMux takes it
	app     appHandler
	admin   adminHandler
	plain   http.HandlerFunc
	upload  bool // its body carries photos: UploadTimeout, not BodyTimeout
}

func (s *Server) routeTable() []route {
	return []route{
		{pattern: "POST /v1/enroll", app: s.enroll, upload: true},
		{pattern: "POST /v1/authenticate", app: s.authenticate, upload: true},
		{pattern: "POST /v1/verify", app: s.verify, upload: true},
		{pattern: "POST /v1/compare", app: s.compare, upload: true},
		{pattern: "POST /v1/detect", app: s.detect, upload: true},
		{pattern: "GET /v1/faces", app: s.listFaces},
		{pattern: "GET /v1/faces/{id}", app: s.getFace},
		{pattern: "DELETE /v1/faces/{id}", app: s.deleteFace},
		{pattern: "PUT /v1/faces/{id}/payload", app: s.setPayload},
		{pattern: "PUT /v1/faces/{id}/pin", app: s.setPIN},
		{pattern: "GET /v1/stats", app: s.stats},
		{pattern: "GET /v1/usage", app: s.usage},
		{pattern: "POST /admin/apps", admin: s.adminCreateApp},
		{pattern: "GET /admin/apps", admin: s.adminListApps},
		{pattern: "GET /admin/apps/{app}", admin: s.adminGetApp},
		{pattern: "DELETE /admin/apps/{app}", admin: s.adminDeleteApp},
		{pattern: "PUT /admin/apps/{app}/settings", admin: s.adminSetSettings},
		{pattern: "POST /admin/apps/{app}/keys", admin: s.adminCreateKey},
		{pattern: "GET /admin/apps/{app}/keys", admin: s.adminListKeys},
		{pattern: "DELETE /admin/apps/{app}/keys/{key}", admin: s.adminRevokeKey},
		{pattern: "PATCH /admin/apps/{app}", admin: s.adminPatchApp},
		{pattern: "GET /admin/plans", admin: s.adminPlans},
		{pattern: "GET /admin/apps/{app}/faces", admin: s.adminListFaces},
		{pattern: "GET /admin/apps/{app}/faces/{face}", admin: s.adminGetFace},
		{pattern: "DELETE /admin/apps/{app}/faces/{face}", admin: s.adminDeleteFace},
		{pattern: "GET /admin/apps/{app}/usage", admin: s.adminUsage},
		{pattern: "GET /v1/subjects/export", app: s.exportSubject},
		{pattern: "POST /v1/subjects/erase", app: s.eraseSubject},
		{pattern: "GET /admin/apps/{app}/subjects/export", admin: s.adminExportSubject},
		{pattern: "POST /admin/apps/{app}/subjects/erase", admin: s.adminEraseSubject},
		{pattern: "GET /admin/audit", admin: s.adminAudit},
		{pattern: "POST /admin/apps/{app}/webhooks", admin: s.adminCreateWebhook},
		{pattern: "GET /admin/apps/{app}/webhooks", admin: s.adminListWebhooks},
		{pattern: "GET /admin/apps/{app}/webhooks/{hook}", admin: s.adminGetWebhook},
		{pattern: "PATCH /admin/apps/{app}/webhooks/{hook}", admin: s.adminPatchWebhook},
		{pattern: "DELETE /admin/apps/{app}/webhooks/{hook}", admin: s.adminDeleteWebhook},
		{pattern: "GET /admin/apps/{app}/webhooks/{hook}/deliveries", admin: s.adminWebhookDeliveries},
		{pattern: "POST /admin/apps/{app}/webhooks/{hook}/deliveries/{event}/redeliver", admin: s.adminRedeliver},
		{pattern: "GET /healthz", plain: healthz},
		{pattern: "GET /readyz", plain: s.readyz},
		{pattern: "GET /metrics", admin: s.metrics},
		{pattern: "GET /openapi.json", plain: s.openapiJSON},
		{pattern: "GET /docs", plain: s.docsPage},
	}
}

// metrics serves the Prometheus metrics. They name app IDs and counts,
// never a face, but they tell the server's load and its apps: the public
// listener serves them to the admin token only (AdminHandler serves them
// on a listener of their own).
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Metrics == nil {
		return visage.Errorf(visage.CodeNotFound, "metrics are off")
	}
	s.cfg.Metrics.handler().ServeHTTP(w, r)
	return nil
}

func (s *Server) routes() {
	for _, rt := range s.routeTable() {
		var h http.Handler
		switch {
		case rt.app != nil:
			h = s.withApp(rt.app)
		case rt.admin != nil:
			h = s.withAdmin(rt.admin)
		default:
			h = rt.plain
		}
		limit := s.cfg.BodyTimeout
		if rt.upload {
			limit = s.cfg.UploadTimeout
		}
		s.mux.Handle(rt.pattern, bodyDeadline(limit, h))
	}
	for _, m := range s.cfg.Mounts {
		s.mux.Handle(m.Pattern, bodyDeadline(s.cfg.UploadTimeout, m.Handler))
	}
}

// ServeHTTP serves the public listener: the routes and the mounts,
// behind the edge (see serve).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, "main", s.mux, func(r *http.Request) (string, string) { return s.logPath(r), r.Pattern })
}

// logPath is the path to log: the mounted handlers' paths may carry
// secrets (FaceAuth puts a key in /api/v1/usage/{key}), so they are
// logged by their mount's pattern; they log their own details.
func (s *Server) logPath(r *http.Request) string {
	for _, m := range s.cfg.Mounts {
		if r.Pattern == m.Pattern {
			return m.Pattern + "…"
		}
	}
	return r.URL.Path
}

func healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// appHandler is a handler for a request authenticated as an app.
type appHandler func(w http.ResponseWriter, r *http.Request, app *visage.App) error

// withApp finds the app from the private key (Authorization: Bearer, or
// X-API-Key) and runs h, turning its error into the error response.
func (s *Server) withApp(h appHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-API-Key")
		if auth := r.Header.Get("Authorization"); key == "" && strings.HasPrefix(auth, "Bearer ") {
			key = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
		}
		if key == "" {
			writeError(w, r, s.cfg.Logger, visage.Errorf(visage.CodeUnauthorized, "an API key is required: Authorization: Bearer <key> or X-API-Key"))
			return
		}
		app, err := s.svc.AppForKey(r.Context(), key)
		if err != nil {
			writeError(w, r, s.cfg.Logger, err)
			return
		}
		adm, err := s.svc.Admit(r.Context(), app)
		if adm.Limit > 0 {
			// The IETF RateLimit fields: the minute's limit, what is left,
			// and seconds until a request can pass again.
			w.Header().Set("RateLimit-Limit", strconv.Itoa(adm.Limit))
			w.Header().Set("RateLimit-Remaining", strconv.Itoa(adm.Remaining))
			w.Header().Set("RateLimit-Reset", strconv.Itoa(int(math.Ceil(adm.RetryAfter.Seconds()))))
		}
		if err != nil {
			if s.cfg.Metrics != nil {
				s.cfg.Metrics.refused(visage.ErrorCode(err))
			}
			if adm.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(adm.RetryAfter.Seconds()))))
			}
			writeError(w, r, s.cfg.Logger, err)
			return
		}
		err = h(w, r, app)
		if err != nil {
			writeError(w, r, s.cfg.Logger, err)
		}
		// Count the call even if the client has gone: it used the engine.
		if rerr := s.svc.Record(context.WithoutCancel(r.Context()), app, r.Pattern, err); rerr != nil {
			s.cfg.Logger.Error("usage not recorded", "request_id", requestID(r.Context()), "err", rerr)
		}
	})
}
