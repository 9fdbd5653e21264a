// Package http is Visage's native REST API: it translates requests into
// service calls and service results and errors into JSON. It holds no
// business rules.
package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	Logger  *slog.Logger
	// Ready reports whether the server can serve (store reachable).
	Ready func(context.Context) error
	// Metrics, when set, are updated and served at /metrics.
	Metrics *Metrics
	// Mounts are handlers of other packages (the browser widget) served
	// under this server's request IDs, limits, logs and metrics.
	Mounts []Mount
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
}

func (s *Server) routeTable() []route {
	return []route{
		{pattern: "POST /v1/enroll", app: s.enroll},
		{pattern: "POST /v1/authenticate", app: s.authenticate},
		{pattern: "POST /v1/verify", app: s.verify},
		{pattern: "POST /v1/compare", app: s.compare},
		{pattern: "POST /v1/detect", app: s.detect},
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
		{pattern: "GET /healthz", plain: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}},
		{pattern: "GET /readyz", plain: s.readyz},
		{pattern: "GET /metrics", plain: s.metrics},
		{pattern: "GET /openapi.json", plain: s.openapiJSON},
		{pattern: "GET /docs", plain: s.docsPage},
	}
}

// metrics serves the Prometheus metrics. They name app IDs and counts,
// never a face; keep the port off the internet all the same.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Metrics == nil {
		writeError(w, r, s.cfg.Logger, visage.Errorf(visage.CodeNotFound, "metrics are off"))
		return
	}
	s.cfg.Metrics.handler().ServeHTTP(w, r)
}

func (s *Server) routes() {
	for _, rt := range s.routeTable() {
		switch {
		case rt.app != nil:
			s.mux.Handle(rt.pattern, s.withApp(rt.app))
		case rt.admin != nil:
			s.mux.Handle(rt.pattern, s.withAdmin(rt.admin))
		default:
			s.mux.Handle(rt.pattern, rt.plain)
		}
	}
	for _, m := range s.cfg.Mounts {
		s.mux.Handle(m.Pattern, m.Handler)
	}
}

// ServeHTTP gives every request an ID, a body limit, a deadline and a log
// line (method, route, status, duration: never a body, key or template).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := newRequestID()
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), requestIDKey{}, id), s.cfg.Timeout)
	defer cancel()
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	w.Header().Set("X-Request-Id", id)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error("panic", "request_id", id, "panic", p)
			writeError(rec, r, s.cfg.Logger, visage.Errorf(visage.CodeInternal, "internal error"))
		}
		s.cfg.Logger.Info("request", "request_id", id, "method", r.Method, "path", s.logPath(r),
			"status", rec.status, "ms", time.Since(start).Milliseconds())
		if s.cfg.Metrics != nil {
			// r.Pattern is the route the mux matched: a bounded label,
			// unlike the path with its IDs.
			s.cfg.Metrics.observe(r.Pattern, rec.status, time.Since(start))
		}
	}()
	if r.ContentLength > s.cfg.MaxBody {
		// Refuse before reading: the declared size is enough.
		writeError(rec, r, s.cfg.Logger, visage.Errorf(visage.CodeRequestTooLarge, "the request body is %d bytes, over the %d-byte limit", r.ContentLength, s.cfg.MaxBody))
		return
	}
	s.mux.ServeHTTP(rec, r)
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
		if rerr := s.svc.Record(context.WithoutCancel(r.Context()), app, err == nil); rerr != nil {
			s.cfg.Logger.Error("usage not recorded", "request_id", requestID(r.Context()), "err", rerr)
		}
	})
}

type requestIDKey struct{}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
