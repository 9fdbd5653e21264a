// Package auther speaks Auther's REST API: persons named by an ID the
// caller chooses, created, updated, checked and deleted with one photo
// each; 1:N search, 1:1 verify and compare; JSON bodies with base64
// images; errors as {code, message}; optional RSA request signing. It is a
// thin adapter: each request becomes one call into the service, whose
// result or error it writes in Auther's shape. docs/migrating-from-auther.md
// says what maps to what and every choice made where Auther's page is
// silent.
package auther

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/service"
)

// Config tunes the handler. Zero values take the defaults.
type Config struct {
	Logger *slog.Logger
	// Now is the clock that signature timestamps are checked against;
	// default time.Now.
	Now func() time.Time
	// ReplayWindow is how far a signed request's timestamp may be from
	// the clock, either way; default 5 minutes.
	ReplayWindow time.Duration
	// MaxBody is the largest request body read; default 32 MiB.
	MaxBody int64
	// Timeout bounds one request's work; default 30 s.
	Timeout time.Duration
	// Shared remembers the signatures used, across the replicas of a
	// deployment (cluster.Redis); nil remembers them in this process's
	// memory, for a server alone.
	Shared cluster.State
}

// The thresholds Auther states, on Visage's calibrated similarity scale
// (docs/scores.md): search answers a person only at 98 %, verify accepts
// at 80 %, compare decides at 80 % unless the request says otherwise.
const (
	searchSimilarity  = 98
	verifySimilarity  = 80
	compareSimilarity = 80
)

type handler struct {
	svc  *service.Service
	cfg  Config
	mux  *http.ServeMux
	seen *replays
}

// New returns the Auther API for svc. It serves paths relative to its own
// root (/persons/{personId}, /search, …), so mount it with
// http.StripPrefix or at the root of a listener of its own.
func New(svc *service.Service, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReplayWindow <= 0 {
		cfg.ReplayWindow = 5 * time.Minute
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 32 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	h := &handler{svc: svc, cfg: cfg, mux: http.NewServeMux(),
		seen: &replays{shared: cluster.OrMemory(cfg.Shared), window: cfg.ReplayWindow}}
	// Patterns without a method, so that a wrong method gets Auther's
	// error shape from route rather than the mux's plain-text 405.
	h.mux.Handle("/persons/{personId}", h.route(map[string]appHandler{
		http.MethodPost:   h.createPerson,
		http.MethodPut:    h.updatePerson,
		http.MethodGet:    h.checkPerson,
		http.MethodDelete: h.deletePerson,
	}))
	h.mux.Handle("/persons/{personId}/verify", h.route(map[string]appHandler{http.MethodPost: h.verify}))
	h.mux.Handle("/search", h.route(map[string]appHandler{http.MethodPost: h.search}))
	h.mux.Handle("/compare", h.route(map[string]appHandler{http.MethodPost: h.compare}))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, cfg.Logger, errorOf("R_001", "no Auther endpoint at "+r.URL.Path))
	})
	return h
}

// ServeHTTP bounds the request's body and time. A path without its
// leading slash (a StripPrefix that took it) gets it back.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/") {
		r2 := *r
		u := *r.URL
		u.Path = "/" + u.Path
		if u.RawPath != "" {
			u.RawPath = "/" + u.RawPath
		}
		r2.URL = &u
		r = &r2
	}
	if r.ContentLength > h.cfg.MaxBody {
		writeError(w, h.cfg.Logger, errorOf("R_004", "the limit is "+strconv.FormatInt(h.cfg.MaxBody, 10)+" bytes"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)
	h.mux.ServeHTTP(w, r)
}

// appHandler serves a request of an authenticated app; body is the raw
// request body, already read and, when signed, checked.
type appHandler func(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte) error

// route picks the handler of the request's method and runs it the way the
// native API's withApp does: the key names the app, the app's plan admits
// the call, the call is recorded, success or not.
func (h *handler) route(methods map[string]appHandler) http.Handler {
	allow := slices.Sorted(maps.Keys(methods))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, h.cfg.Logger, errorOf("R_003", r.Method+" is not served here"))
			return
		}
		key := apiKey(r)
		if key == "" {
			writeError(w, h.cfg.Logger, errorOf("A_001", "send the application's private key in the X-API-Key header"))
			return
		}
		app, err := h.svc.AppForKey(r.Context(), key)
		if err != nil {
			writeError(w, h.cfg.Logger, err)
			return
		}
		adm, err := h.svc.Admit(r.Context(), app)
		if adm.Limit > 0 {
			w.Header().Set("RateLimit-Limit", strconv.Itoa(adm.Limit))
			w.Header().Set("RateLimit-Remaining", strconv.Itoa(adm.Remaining))
			w.Header().Set("RateLimit-Reset", seconds(adm.RetryAfter))
		}
		if err != nil {
			if adm.RetryAfter > 0 {
				w.Header().Set("Retry-After", seconds(adm.RetryAfter))
			}
			writeError(w, h.cfg.Logger, err)
			return
		}
		err = h.serve(w, r, app, serve)
		if err != nil {
			writeError(w, h.cfg.Logger, err)
		}
		// Counted even if the client has gone: the work was done.
		if rerr := h.svc.Record(context.WithoutCancel(r.Context()), app, "auther "+r.Pattern, err); rerr != nil {
			h.cfg.Logger.Error("auther: usage not recorded", "app", app.ID, "err", rerr)
		}
	})
}

// serve reads the body, checks the signature over it and runs the handler.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, app *visage.App, serve appHandler) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorOf("R_004", "the limit is "+strconv.FormatInt(tooBig.Limit, 10)+" bytes")
		}
		return err
	}
	if err := h.checkSignature(r, app, body); err != nil {
		return err
	}
	return serve(w, r, app, body)
}

// apiKey finds the private key: X-API-Key as documented, or the spellings
// other clients use (Api-Key, Authorization with or without "Bearer").
func apiKey(r *http.Request) string {
	for _, name := range []string{"X-API-Key", "Api-Key"} {
		if k := strings.TrimSpace(r.Header.Get(name)); k != "" {
			return k
		}
	}
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return auth
}

func seconds(d time.Duration) string { return strconv.Itoa(int(math.Ceil(d.Seconds()))) }
