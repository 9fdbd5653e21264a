// Package faceio answers FACEIO's REST API (deletefacialid, checkfacialid,
// setfacialidpayload, setfacialidpincode, stat, about, status) on top of
// Visage's service, so that a backend written for api.faceio.net works
// with only its base URL and key changed. Each request becomes one
// service call; the package holds no business rule and never touches the
// store or the engine. docs/migrating-from-faceio.md says what maps to
// what and every choice made where FACEIO's page is silent.
package faceio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
	"github.com/visagehq/visage/service"
)

// Config tunes the handler.
type Config struct {
	Logger *slog.Logger
	// Ready reports whether the server can serve (the store reachable);
	// /status answers 500 when it fails. Nil: always ready.
	Ready func(context.Context) error
	// Version is shown by /about; default the build's VCS revision.
	Version string
	// MaxBody is the largest request body read; default 1 MiB, ample for
	// a 16 KB payload and its encoding.
	MaxBody int64
	// Timeout bounds one request's work; default 30 s.
	Timeout time.Duration
}

// New returns the FACEIO handler. It serves paths relative to its root
// ("/checkfacialid", …): mount it with http.StripPrefix.
func New(svc *service.Service, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Version == "" {
		cfg.Version = buildVersion()
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &handler{svc: svc, cfg: cfg}
}

type handler struct {
	svc *service.Service
	cfg Config
}

// endpoint is one FACEIO command.
type endpoint struct {
	// flag is the boolean field the endpoint answers, false on any
	// failure ("" when it has none), so a client reading only that field
	// never mistakes an error for success.
	flag string
	// keyed endpoints need the app's key and count against its plan.
	keyed bool
	run   func(h *handler, ctx context.Context, app *visage.App, p params) (map[string]any, error)
}

var endpoints = map[string]endpoint{
	"deletefacialid":     {flag: "payload", keyed: true, run: (*handler).deleteFacialID},
	"checkfacialid":      {flag: "valid", keyed: true, run: (*handler).checkFacialID},
	"setfacialidpayload": {flag: "payload", keyed: true, run: (*handler).setPayload},
	"setfacialidpincode": {flag: "payload", keyed: true, run: (*handler).setPIN},
	"stat":               {keyed: true, run: (*handler).stat},
	"about":              {run: (*handler).about},
	"status":             {run: (*handler).status},
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// Paths are matched without case or trailing slash: FACEIO's page
	// writes the commands in capitals too.
	name := strings.ToLower(strings.Trim(r.URL.Path, "/"))
	status := h.serve(w, r, name)
	if _, known := endpoints[name]; !known {
		name = "unknown" // a bounded label; never the raw path
	}
	h.cfg.Logger.Info("faceio request", "method", r.Method, "endpoint", name, "status", status,
		"ms", time.Since(start).Milliseconds())
}

// serve answers the request and returns its HTTP status.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, name string) (status int) {
	ep, ok := endpoints[name]
	if !ok {
		return h.fail(w, r, ep, errNotFound("no such endpoint; FACEIO's are deletefacialid, checkfacialid, setfacialidpayload, setfacialidpincode, stat, about and status"))
	}
	defer func() {
		if p := recover(); p != nil {
			h.cfg.Logger.Error("faceio panic", "endpoint", name, "panic", p)
			status = h.fail(w, r, ep, errors.New("panic"))
		}
	}()
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		return h.fail(w, r, ep, errMethod)
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	// A key in a header is checked before the body is read, so that an
	// unknown one costs no upload.
	var app *visage.App
	if key := headerKey(r); ep.keyed && key != "" {
		var err error
		if app, err = h.svc.AppForKey(ctx, key); err != nil {
			return h.fail(w, r, ep, err)
		}
	}
	p, err := readParams(w, r, h.cfg.MaxBody)
	if err != nil {
		return h.fail(w, r, ep, err)
	}
	if !ep.keyed {
		fields, err := ep.run(h, ctx, nil, p)
		return h.answer(w, r, ep, fields, err)
	}
	if app == nil {
		if app, err = h.appForParam(ctx, p); err != nil {
			return h.fail(w, r, ep, err)
		}
	}
	adm, err := h.svc.Admit(ctx, app)
	if adm.Limit > 0 {
		// The same IETF RateLimit fields as the native API.
		w.Header().Set("RateLimit-Limit", strconv.Itoa(adm.Limit))
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(adm.Remaining))
		w.Header().Set("RateLimit-Reset", strconv.Itoa(seconds(adm.RetryAfter)))
	}
	if err != nil {
		if adm.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(seconds(adm.RetryAfter)))
		}
		return h.fail(w, r, ep, err)
	}
	fields, err := ep.run(h, ctx, app, p)
	status = h.answer(w, r, ep, fields, err)
	// Count the call even if the client has gone, as the native API does.
	if rerr := h.svc.Record(context.WithoutCancel(ctx), app, "faceio "+name, err); rerr != nil {
		h.cfg.Logger.Error("faceio usage not recorded", "endpoint", name, "err", rerr)
	}
	return status
}

func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// headerKey is the key from WWW-Authenticate (as FACEIO documents), else
// Authorization (as Visage's native API takes it); "" when neither is set.
func headerKey(r *http.Request) string {
	for _, h := range []string{"WWW-Authenticate", "Authorization"} {
		if v := strings.TrimSpace(r.Header.Get(h)); v != "" {
			if scheme, key, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
				return strings.TrimSpace(key)
			}
			return v
		}
	}
	return ""
}

// appForParam is the app of the key parameter, for a request that sent
// no key in a header.
func (h *handler) appForParam(ctx context.Context, p params) (*visage.App, error) {
	key := p.get("key")
	if key == "" {
		return nil, visage.Errorf(visage.CodeUnauthorized, "missing API key: send WWW-Authenticate: Bearer <key> or the key parameter")
	}
	return h.svc.AppForKey(ctx, key)
}

// answer writes a success (status 200 with fields) or err's failure.
func (h *handler) answer(w http.ResponseWriter, r *http.Request, ep endpoint, fields map[string]any, err error) int {
	if err != nil {
		return h.fail(w, r, ep, err)
	}
	writeReply(w, http.StatusOK, fields)
	return http.StatusOK
}

// codeMethod is this package's own code: the service knows no methods.
// Its failures carry visage codes so that fail maps them like the
// service's.
const codeMethod visage.Code = "METHOD_NOT_ALLOWED"

var errMethod = visage.Errorf(codeMethod, "only GET and POST are accepted")

func errNotFound(msg string) error { return visage.Errorf(visage.CodeNotFound, "%s", msg) }

// statusOf maps every code to one of the statuses FACEIO documents
// (400, 401, 404, 405, 429, 500): its clients know no other.
func statusOf(code visage.Code) int {
	switch code {
	case visage.CodeUnauthorized:
		return http.StatusUnauthorized
	case visage.CodeNotFound:
		return http.StatusNotFound
	case codeMethod:
		return http.StatusMethodNotAllowed
	case visage.CodeRateLimit, visage.CodeQuotaExceeded, visage.CodePINLocked:
		return http.StatusTooManyRequests
	case visage.CodeInvalidRequest, visage.CodeRequestTooLarge, visage.CodeUniquePINRequired,
		visage.CodePINRequired, visage.CodeConflict:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// fail writes FACEIO's failure shape: the status again in the body, an
// error message, and the endpoint's boolean as false.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, ep endpoint, err error) int {
	var ve *visage.Error
	code, msg := visage.CodeInternal, "internal error"
	switch {
	case errors.As(err, &ve):
		// A visage.Error's message is written to be shown to clients.
		code, msg = ve.Code, ve.Message
	case errors.Is(err, context.DeadlineExceeded):
		msg = "the server is busy or the request took too long; retry after the time in Retry-After"
	}
	status := statusOf(code)
	if errors.Is(err, context.DeadlineExceeded) || code == visage.CodeUnavailable {
		// Overload is answered 503 with Retry-After, as every Visage API
		// answers it: FACEIO's table has no status for it, and a 500
		// would tell the client nothing about coming back.
		status = http.StatusServiceUnavailable
	}
	if status == http.StatusInternalServerError {
		h.cfg.Logger.Error("faceio request failed", "path", r.URL.Path, "err", err)
	}
	fields := map[string]any{"error": msg}
	if ep.flag != "" {
		fields[ep.flag] = false
	}
	reply.SetRetryAfter(w.Header(), status, reply.RetryAfter(err))
	writeReply(w, status, fields)
	return status
}

// writeReply writes {"status": N, …fields}: status first, as FACEIO's
// answers read, the other fields in name order.
func writeReply(w http.ResponseWriter, status int, fields map[string]any) {
	b := fmt.Appendf(nil, `{"status":%d`, status)
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v, err := json.Marshal(fields[k])
		if err != nil {
			v = []byte("null")
		}
		b = strconv.AppendQuote(append(b, ','), k)
		b = append(append(b, ':'), v...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, "}\n"...))
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
	}
	return "dev"
}
