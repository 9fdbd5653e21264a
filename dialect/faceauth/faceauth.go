// Package faceauth speaks FaceAuth's REST API — register, enroll, verify,
// match, usage, health under its /api/v1 — so that a client written for
// FaceAuth works against Visage with only its base URL changed.
//
// It is a thin adapter: each endpoint reads FaceAuth's request, makes one
// call into the service and writes FaceAuth's answer, with FaceAuth's
// error codes and statuses. The rules are the service's; the one thing
// decided here is FaceAuth's match rule (distance ≤ 0.42 and confidence
// ≥ 85 %), read on Visage's calibrated scale. What maps to what, and
// every choice where FaceAuth's page says nothing, is in
// docs/migrating-from-faceauth.md.
package faceauth

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/service"
)

// Config tunes the handler.
type Config struct {
	Logger *slog.Logger
	// AllowRegister opens POST /register to anyone who can reach the
	// server: each call creates an account, an app and a key. Off (the
	// zero value) it answers 403 REGISTRATION_DISABLED, and keys come
	// from the administrator (`visage key create`, then any tag works).
	AllowRegister bool
	// MaxBody is the largest request body read (413 beyond). Default
	// 32 MiB, as the native API: a few large photos.
	MaxBody int64
	// Timeout bounds one request's work. Default 30 s.
	Timeout time.Duration
	// Now is the clock of /health's uptime; default time.Now.
	Now func() time.Time
}

// handler serves FaceAuth's paths relative to its root.
type handler struct {
	svc     *service.Service
	cfg     Config
	mux     *http.ServeMux
	started time.Time
}

// New returns FaceAuth's API for svc, serving /register, /enroll,
// /verify, /match, /usage/{api_key} and /health relative to its root:
// mount it with http.StripPrefix("/api/v1", …) to keep FaceAuth's paths.
func New(svc *service.Service, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 32 << 20
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &handler{svc: svc, cfg: cfg, mux: http.NewServeMux(), started: cfg.Now()}
	h.mux.HandleFunc("POST /register", h.register)
	h.mux.Handle("POST /enroll", h.withApp(h.enroll))
	h.mux.Handle("POST /verify", h.withApp(h.verify))
	h.mux.Handle("POST /match", h.withApp(h.match))
	h.mux.HandleFunc("GET /usage/{api_key}", h.usage)
	// Without a key in the path, the key comes from the headers: the way
	// to read usage without putting the key in a URL.
	h.mux.HandleFunc("GET /usage", h.usage)
	h.mux.HandleFunc("GET /usage/{$}", h.usage)
	h.mux.HandleFunc("GET /health", h.health)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, h.cfg.Logger, fail(http.StatusNotFound, codeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return h
}

// ServeHTTP bounds every request's body and time: the handler may be
// served on a listener of its own, without the native server's limits.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > h.cfg.MaxBody {
		writeError(w, r, h.cfg.Logger, visage.Errorf(visage.CodeRequestTooLarge, "the request body is %d bytes, over the %d-byte limit", r.ContentLength, h.cfg.MaxBody))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	h.mux.ServeHTTP(w, r.WithContext(ctx))
}

// appHandler serves a request of an app that was admitted by its plan.
type appHandler func(w http.ResponseWriter, r *http.Request, app *visage.App, f *form) (any, error)

// withApp authenticates the app by its key (X-API-Key, Authorization:
// Bearer, or the body's api_key field, in that order), applies the
// plan's limits, runs h and counts the call. A key in a header is checked
// before the body is read, so an unknown key costs no upload.
func (h *handler) withApp(next appHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var app *visage.App
		var err error
		if key := headerKey(r); key != "" {
			if app, err = h.appForKey(ctx, key); err != nil {
				writeError(w, r, h.cfg.Logger, err)
				return
			}
		}
		f, err := readForm(r)
		if err != nil {
			writeError(w, r, h.cfg.Logger, err)
			return
		}
		if app == nil {
			if app, err = h.appForKey(ctx, f.value("api_key")); err != nil {
				writeError(w, r, h.cfg.Logger, err)
				return
			}
		}
		adm, err := h.svc.Admit(ctx, app)
		setRateHeaders(w, adm, err != nil)
		if err != nil {
			writeError(w, r, h.cfg.Logger, err)
			return
		}
		body, err := next(w, r, app, f)
		if err != nil {
			writeError(w, r, h.cfg.Logger, err)
		} else {
			writeJSON(w, http.StatusOK, body)
		}
		// Count the call even if the client has gone: it used the engine.
		if rerr := h.svc.Record(context.WithoutCancel(ctx), app, "faceauth "+r.Pattern, err); rerr != nil {
			h.cfg.Logger.Error("faceauth usage not recorded", "route", r.Pattern, "err", rerr)
		}
	})
}

// appForKey tells a missing key from a wrong one, as FaceAuth does.
func (h *handler) appForKey(ctx context.Context, key string) (*visage.App, error) {
	if key == "" {
		return nil, fail(http.StatusUnauthorized, codeMissingKey, "an API key is required: X-API-Key, Authorization: Bearer, or the api_key field")
	}
	app, err := h.svc.AppForKey(ctx, key)
	if visage.ErrorCode(err) == visage.CodeUnauthorized {
		return nil, fail(http.StatusUnauthorized, codeInvalidKey, "the API key is unknown or revoked")
	}
	return app, err
}

// setRateHeaders gives the plan's minute limit as the native API does
// (IETF RateLimit fields), and Retry-After on a refusal.
func setRateHeaders(w http.ResponseWriter, adm service.Admission, refused bool) {
	reset := strconv.Itoa(int(math.Ceil(adm.RetryAfter.Seconds())))
	if adm.Limit > 0 {
		w.Header().Set("RateLimit-Limit", strconv.Itoa(adm.Limit))
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(adm.Remaining))
		w.Header().Set("RateLimit-Reset", reset)
	}
	if refused && adm.RetryAfter > 0 {
		w.Header().Set("Retry-After", reset)
	}
}
