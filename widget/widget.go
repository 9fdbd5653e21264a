// Package widget serves the browser widget: the fio.js-compatible library,
// FaceAuth's script tag, the demo page, and the short-lived sessions
// through which a page sends camera frames. The page only shows; the
// server decides everything — guidance, the consistency of the frames,
// liveness, the active challenge — and then enrolls, identifies or
// verifies through the service, exactly as the REST API does.
//
// The protocol (docs/widget.md): open a session with the app's public ID,
// send frames until the answer says done, then complete (with a PIN when
// asked). Every answer carries the nonce the next request must send.
package widget

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/web"
)

// Config tunes the widget.
type Config struct {
	// CountryHeader names the request header carrying the client's ISO
	// 3166-1 country code, set by a proxy in front of Visage that the
	// operator trusts (e.g. Cloudflare's CF-IPCountry). Without it, an
	// app that restricts countries cannot know them and refuses every
	// session.
	CountryHeader string
	// Movements are what the server draws a session's two head
	// movements from; default liveness.DefaultMovements.
	Movements []liveness.Movement
	// OnVerdict, when set, is told each session's liveness verdict with
	// the session's ID (for metrics and benchmarks); it must be quick.
	OnVerdict func(session string, why liveness.Reason)
	// TTL bounds a session's life from its opening. Default 15 minutes:
	// the consent screen alone may wait 10.
	TTL time.Duration
	// DemoPublicID, when set, serves the demo page at /demo for that app.
	DemoPublicID string
	Logger       *slog.Logger

	// The sessions open at a time (docs/widget.md, Limits): on the whole
	// server, a memory budget (default 1000; over it, 503); per app
	// (default 100) and per visitor's address (default 10; over either,
	// 429), so that one address cannot take an app's sessions from
	// everyone else.
	MaxSessions           int
	MaxSessionsPerApp     int
	MaxSessionsPerAddress int
	// AddressHeader names the request header carrying the visitor's
	// address (its last one), set by a proxy in front of Visage that the
	// operator trusts: e.g. CF-Connecting-IP behind Cloudflare. Without
	// it, X-Forwarded-For is trusted from loopback and private addresses
	// only (clientAddress).
	AddressHeader string
	// MaxAnalysedFrames is how many frames one session may have analysed
	// (default 200; over it, TIMEOUT).
	MaxAnalysedFrames int
	// Shared counts the sessions open per app and per address across the
	// replicas of a deployment (cluster.Redis); nil counts them in this
	// process's memory, for a server alone. MaxSessions stays per server.
	Shared cluster.State
	// Replicas, on a replica among several (replica.Member), lets any
	// replica take a session's requests: a session lives where it was
	// opened, its ID names that replica, and the others pass its
	// requests there. nil on a server alone.
	Replicas Replicas
}

// Replicas is what the widget needs of the replicas of a deployment.
//
// A session stays in the memory of the replica that opened it: what it
// keeps of its frames (the reference crop the depth check follows skin
// in, and the templates) is face data, which is not to be written to a
// shared store, nor to travel more than a frame itself does. So a
// replica given another's session passes the request to it, body and
// all, and relays its answer.
type Replicas interface {
	// ID is this replica's; it starts the IDs of the sessions it opens.
	ID() string
	// Forward passes r to the replica owner and writes its answer to w;
	// when the owner is gone, it calls gone(w) instead.
	Forward(w http.ResponseWriter, r *http.Request, owner string, gone func(http.ResponseWriter))
}

// Limits of the protocol.
const (
	maxFrames       = 600 // per session: a minute or two of frames
	maxIdle         = 120 * time.Second
	defaultIdle     = 27 * time.Second // fio.js's idleTimeout
	frameIntervalMS = 150
)

// Handler serves the widget's routes (Patterns) under the main listener.
type Handler struct {
	svc      *service.Service
	cfg      Config
	mux      *http.ServeMux
	sessions sessions
}

// New returns the widget handler.
func New(svc *service.Service, cfg Config) *Handler {
	if len(cfg.Movements) == 0 {
		cfg.Movements = liveness.DefaultMovements
	}
	if cfg.TTL == 0 {
		cfg.TTL = 15 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for _, l := range []struct {
		v   *int
		def int
	}{{&cfg.MaxSessions, defaultMaxSessions}, {&cfg.MaxSessionsPerApp, defaultMaxSessionsPerApp}, {&cfg.MaxSessionsPerAddress, defaultMaxSessionsPerAddress},
		{&cfg.MaxAnalysedFrames, defaultMaxAnalysedFrames}} {
		if *l.v <= 0 {
			*l.v = l.def
		}
	}
	h := &Handler{svc: svc, cfg: cfg, mux: http.NewServeMux(), sessions: newSessions(cfg.Shared)}
	for _, name := range []string{"fio.js", "fio.mjs", "widget.js", "fio.d.ts"} {
		h.mux.HandleFunc("GET /"+name, h.asset(name))
	}
	h.mux.HandleFunc("GET /demo", h.demo)
	h.mux.HandleFunc("OPTIONS /widget/v1/", h.preflight)
	h.mux.HandleFunc("POST /widget/v1/sessions", h.cors(h.open))
	h.mux.HandleFunc("POST /widget/v1/sessions/{id}/frames", h.owned(h.cors(h.frame)))
	h.mux.HandleFunc("POST /widget/v1/sessions/{id}/complete", h.owned(h.cors(h.complete)))
	h.mux.HandleFunc("DELETE /widget/v1/sessions/{id}", h.owned(h.cors(h.abort)))
	return h
}

// Patterns are the paths to route to the handler.
func (h *Handler) Patterns() []string {
	return []string{"/fio.js", "/fio.mjs", "/widget.js", "/fio.d.ts", "/demo", "/widget/v1/"}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// asset serves a bundle. Any site may load it, as a script or as a
// module (which browsers fetch with CORS).
func (h *Handler) asset(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ctype, ok := web.Asset(name)
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(body)
	}
}

// The session endpoints answer any origin at the CORS level: the widget
// runs on the app's own site, not on Visage's. Which origins may use an
// app is decided when the session opens (checkOrigin), not by the
// browser.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	allowOrigin(w, r)
	w.Header().Set("Access-Control-Allow-Methods", "POST, DELETE")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Visage-Nonce")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// sessionID makes a new session's ID: on a replica, its ID, a dot, and
// the random part.
func (h *Handler) sessionID() string {
	if h.cfg.Replicas == nil {
		return token()
	}
	return h.cfg.Replicas.ID() + "." + token()
}

// owned passes the request of a session another replica opened to it
// (Config.Replicas), and serves the others. It comes before cors: the
// owner's answer carries its own CORS headers.
func (h *Handler) owned(next http.HandlerFunc) http.HandlerFunc {
	if h.cfg.Replicas == nil {
		return next
	}
	self := h.cfg.Replicas.ID()
	return func(w http.ResponseWriter, r *http.Request) {
		owner, _, ok := strings.Cut(r.PathValue("id"), ".")
		if !ok || owner == self {
			next(w, r)
			return
		}
		h.cfg.Replicas.Forward(w, r, owner, func(w http.ResponseWriter) {
			allowOrigin(w, r)
			writeFio(w, errExpired)
		})
	}
}

func (h *Handler) cors(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allowOrigin(w, r)
		next(w, r)
	}
}

// allowOrigin echoes the page's origin, except "null": that is what any
// sandboxed iframe or local file sends, whoever wrote it, and allowing it
// would hand the answers to all of them.
func allowOrigin(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		w.Header().Set("Access-Control-Allow-Origin", o)
	}
}

// openRequest opens a session.
type openRequest struct {
	PublicID  string    `json:"public_id"`
	Operation Operation `json:"operation"`
	UserID    string    `json:"user_id"`
	// IdleTimeout is fio.js's idleTimeout in seconds: how long to wait for
	// a face before NO_FACES_DETECTED.
	IdleTimeout float64 `json:"idle_timeout"`
}

func (h *Handler) open(w http.ResponseWriter, r *http.Request) {
	var req openRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	if err := dec.Decode(&req); err != nil {
		writeFio(w, fioErr("PROCESSING_ERR", http.StatusBadRequest, "the body must be JSON: {public_id, operation}"))
		return
	}
	if !slices.Contains([]Operation{Enroll, Authenticate, Verify}, req.Operation) {
		writeFio(w, fioErr("PROCESSING_ERR", http.StatusBadRequest, `operation must be "enroll", "authenticate" or "verify"`))
		return
	}
	if req.Operation == Verify && (req.UserID == "" || len(req.UserID) > service.MaxExternalID) {
		writeFio(w, fioErr("PROCESSING_ERR", http.StatusBadRequest, "verify needs the user_id the page names"))
		return
	}
	app, err := h.svc.AppByPublicID(r.Context(), req.PublicID)
	if err != nil {
		writeFio(w, asFio(err))
		return
	}
	if err := h.checkOrigin(r, app); err != nil {
		writeFio(w, err)
		return
	}
	if err := h.checkCountry(r, app); err != nil {
		writeFio(w, err)
		return
	}
	idle := time.Duration(req.IdleTimeout * float64(time.Second))
	if idle <= 0 {
		idle = defaultIdle
	}
	idle = min(idle, maxIdle)
	now := time.Now()
	s := &session{id: h.sessionID(), nonce: token(), app: app, op: req.Operation, userID: req.UserID, client: h.clientAddress(r),
		idle: idle, opened: now, expires: now.Add(h.cfg.TTL), pin: "none", seen: map[[32]byte]bool{}}
	for _, m := range liveness.Draw(h.cfg.Movements) {
		s.moves = append(s.moves, liveness.Move{Movement: m})
	}
	if s.op == Enroll && app.Settings.RequirePIN {
		s.pin = "choose"
	}
	// The limits on open sessions before the plan's page budget: a
	// visitor refused for holding too many must not spend the app's
	// sessions. The page budget is the app's widget sessions, apart from
	// the requests of its private key: a flood of pages never spends the
	// backend's.
	if err := h.sessions.add(r.Context(), s, h.cfg); err != nil {
		writeFio(w, err)
		return
	}
	if adm, err := h.svc.AdmitSession(r.Context(), app); err != nil {
		h.forget(s)
		fe := asFio(err)
		fe.retry = adm.RetryAfter
		writeFio(w, fe)
		return
	}
	// At expiry the session goes, frames and all, even if the page never
	// comes back: camera frames do not wait in memory for a sweep.
	s.mu.Lock()
	s.expiry = time.AfterFunc(h.cfg.TTL, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.ended {
			h.finish(s, false)
		}
	})
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"session": s.id, "nonce": s.nonce, "expires_in": int(h.cfg.TTL.Seconds()),
		"pin": s.pin, "frame_interval_ms": frameIntervalMS,
	})
}

// checkOrigin holds the page's origin against the app's allowed origins.
// Only the Origin header can prove one: browsers send it with every
// request the widget makes, and pages cannot change it. A Referer can be
// left out or trimmed by the page's referrer policy, and "null" is what
// any sandboxed iframe or local file sends, so neither passes for an
// allowed origin. Without allowed origins, the Referer still tells that
// a request named an origin at all (reject_empty_origin).
func (h *Handler) checkOrigin(r *http.Request, app *visage.App) *fioError {
	set := app.Settings
	origin := r.Header.Get("Origin")
	if origin == "null" {
		origin = ""
	}
	if origin == "" && refererOrigin(r) == "" && set.RejectEmptyOrigin {
		return fioErr("EMPTY_ORIGIN", http.StatusForbidden, "the request names no origin (Origin or Referer) and the application requires one")
	}
	if len(set.AllowedOrigins) > 0 && !slices.Contains(set.AllowedOrigins, strings.ToLower(origin)) {
		if origin == "" {
			return fioErr("FORBIDDDEN_ORIGIN", http.StatusForbidden, "the application allows only some origins and the request's Origin header names none")
		}
		return fioErr("FORBIDDDEN_ORIGIN", http.StatusForbidden, "the origin "+origin+" is not among the application's allowed origins")
	}
	return nil
}

// refererOrigin is the origin of the Referer header, or "".
func refererOrigin(r *http.Request) string {
	u, err := url.Parse(r.Header.Get("Referer"))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// checkCountry holds the trusted country header against the app's allowed
// countries.
func (h *Handler) checkCountry(r *http.Request, app *visage.App) *fioError {
	allowed := app.Settings.AllowedCountries
	if len(allowed) == 0 {
		return nil
	}
	var country string
	if h.cfg.CountryHeader != "" {
		country = strings.ToUpper(strings.TrimSpace(r.Header.Get(h.cfg.CountryHeader)))
	}
	if country == "" {
		return fioErr("FORBIDDDEN_COUNTRY", http.StatusForbidden, "the application allows only some countries and the client's country is unknown")
	}
	if !slices.Contains(allowed, country) {
		return fioErr("FORBIDDDEN_COUNTRY", http.StatusForbidden, "the application does not allow sessions from "+country)
	}
	return nil
}

// abort ends a session at the page's request (closed widget,
// restartSession).
func (h *Handler) abort(w http.ResponseWriter, r *http.Request) {
	s, err := h.sessions.take(r.PathValue("id"), r.Header.Get("X-Visage-Nonce"), time.Now())
	if err != nil {
		writeFio(w, asFio(err))
		return
	}
	h.finish(s, false)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// finish ends a session and counts it, with the frames it had analysed,
// as the app's page usage.
func (h *Handler) finish(s *session, success bool) {
	s.end()
	h.forget(s)
	// Counted after the answer's context may be gone: the engine was used.
	if err := h.svc.RecordSession(context.Background(), s.app, s.analysed); err != nil {
		h.cfg.Logger.Error("widget usage not recorded", "app", s.app.ID, "err", err)
	}
}

// forget removes an ended or refused session. Its places in the shared
// sets that cannot be freed now free themselves at its expiry.
func (h *Handler) forget(s *session) {
	if err := h.sessions.remove(context.Background(), s.id); err != nil {
		h.cfg.Logger.Warn("widget session's places not freed until its expiry", "app", s.app.ID, "err", err)
	}
}
