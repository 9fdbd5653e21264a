// Package console is the operator console: a web page, at /console, from
// which the server's operator manages applications, keys, faces and
// webhooks and reads usage and the audit log, signed in with an admin
// token. Sign-ins, refused ones (a bounded number) and sign-outs are
// themselves in the audit log.
//
// The page and its script are built from TypeScript in web/src/console
// with the widget's (web/cmd/bundle) and embedded in the binary; they
// load nothing from anywhere else. The script calls the admin API
// (/admin/…) with a session this package opens at sign-in: an HttpOnly,
// SameSite=Strict cookie, and a CSRF token that every change must carry
// in X-CSRF-Token, from the console's own origin. The http package asks
// Session (http.Config.Console) about every admin request that has no
// bearer token. docs/console.md has the whole model.
package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
	"github.com/visagehq/visage/internal/visitor"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/web"
)

// Config tunes the console.
type Config struct {
	// IdleTimeout ends a session unused for that long (default 30 min);
	// Lifetime ends any session that long after sign-in (default 12 h).
	IdleTimeout, Lifetime time.Duration
	// SignInBurst wrong admin tokens may be tried from one address (an
	// IPv6 /64) before it must wait, and one more every SignInEvery
	// (defaults 10 and 1 min): 10 guesses, then 1,440 a day, against a
	// 160-bit token.
	SignInBurst int
	SignInEvery time.Duration
	// MaxSessions open at once (default 1000); beyond, the least
	// recently used one ends.
	MaxSessions int
	// AddressHeader names the header with the client's address, set by a
	// proxy the operator trusts (internal/visitor), as for the API.
	AddressHeader string
	Logger        *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Tokens checks admin tokens and records the console's sign-ins in the
// audit log: *service.Service. CheckAdminToken records the token's ID as
// the caller (service.SetCaller); the others write an audit entry with
// ctx's caller (service/console.go).
type Tokens interface {
	CheckAdminToken(ctx context.Context, secret string) error
	ConsoleSignedIn(ctx context.Context, tokenID string) error
	ConsoleSignInRefused(ctx context.Context, reason string, unrecorded int) error
	ConsoleSignedOut(ctx context.Context, tokenID string) error
}

// Console serves the console's page, its assets and its sessions.
type Console struct {
	tokens   Tokens
	cfg      Config
	mux      *http.ServeMux
	sessions sessions
	throttle *throttle
	refusals *refusals
}

// New returns the console, checking admin tokens with tokens.
func New(tokens Tokens, cfg Config) *Console {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = 12 * time.Hour
	}
	if cfg.SignInBurst <= 0 {
		cfg.SignInBurst = 10
	}
	if cfg.SignInEvery <= 0 {
		cfg.SignInEvery = time.Minute
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 1000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Console{tokens: tokens, cfg: cfg, mux: http.NewServeMux(),
		sessions: sessions{byID: map[[32]byte]*session{}, max: cfg.MaxSessions},
		throttle: newThrottle(cfg.SignInBurst, cfg.SignInEvery, 10_000),
		refusals: newRefusals(time.Minute, 100)}
	c.mux.HandleFunc("GET /console", c.page)
	c.mux.HandleFunc("GET /console/{$}", c.page)
	c.mux.HandleFunc("GET /console/console.js", c.asset("console.js"))
	c.mux.HandleFunc("GET /console/console.css", c.asset("console.css"))
	c.mux.HandleFunc("POST /console/api/session", c.signIn)
	c.mux.HandleFunc("GET /console/api/session", c.status)
	c.mux.HandleFunc("DELETE /console/api/session", c.signOut)
	c.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, visage.Errorf(visage.CodeNotFound, "no such page of the console"))
	})
	return c
}

// Patterns are the paths to route to the console (http.Mount).
func (c *Console) Patterns() []string { return []string{"/console", "/console/"} }

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Nothing but the console's own files, and never in a frame.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// Session is the hook of http.Config.Console: the admin token's ID behind
// the session of r's cookie, UNAUTHORIZED without a valid one, and
// CSRF_FAILED for a change without the session's CSRF token or from
// another origin.
func (c *Console) Session(r *http.Request) (tokenID string, err error) {
	s, err := c.current(r)
	if err != nil {
		return "", err
	}
	return s.tokenID, nil
}

// sessionJSON is what the page learns of its session: the CSRF token to
// send back, and when the session ends.
func (c *Console) sessionJSON(s *session) map[string]any {
	return map[string]any{"csrf_token": s.csrf, "expires_at": s.created.Add(c.cfg.Lifetime).UTC().Format(time.RFC3339),
		"idle_timeout_seconds": int(c.cfg.IdleTimeout.Seconds())}
}

// signIn opens a session for a right admin token ({"token": "vsa_…"}).
// The attempt must come from the console's own page, and counts against
// its address's sign-in budget unless the token is right.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if err := c.sameOrigin(r); err != nil {
		c.fail(w, err)
		return
	}
	addr := visitor.Address(r, c.cfg.AddressHeader)
	now := c.cfg.Now()
	if ok, retry := c.throttle.take(addr, now); !ok {
		c.cfg.Logger.Warn("console sign-in throttled", "address", addr)
		c.refused(r, addr, now, "throttled")
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(retry.Seconds())))))
		c.fail(w, visage.Errorf(visage.CodeRateLimit, "too many sign-in attempts from this address; try again later"))
		return
	}
	var req struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&req); err != nil {
		c.throttle.give(addr)
		c.fail(w, visage.Errorf(visage.CodeInvalidRequest, "%s", reply.JSONError(err)))
		return
	}
	// CheckAdminToken records the token's ID as the caller of the
	// context it is given: a record of this function's own, read back.
	probe := service.WithCaller(r.Context(), addr)
	if err := c.tokens.CheckAdminToken(probe, strings.TrimSpace(req.Token)); err != nil {
		if visage.ErrorCode(err) == visage.CodeUnauthorized {
			c.cfg.Logger.Warn("console sign-in refused: wrong admin token", "address", addr)
			c.refused(r, addr, now, "wrong_token")
			c.fail(w, visage.Errorf(visage.CodeUnauthorized, "this is not an admin token of this server"))
			return
		}
		c.throttle.give(addr) // the store failed; no token was tried
		c.fail(w, err)
		return
	}
	c.throttle.give(addr)
	tokenID := service.CallerOf(probe).ID
	service.SetCaller(r.Context(), "console", tokenID)
	// A sign-in the audit log cannot record opens no session.
	if err := c.tokens.ConsoleSignedIn(service.WithCaller(r.Context(), addr), tokenID); err != nil {
		c.cfg.Logger.Error("console sign-in not recorded in the audit log; refused", "token_id", tokenID, "address", addr, "err", err)
		c.fail(w, visage.Errorf(visage.CodeUnavailable, "the sign-in could not be recorded in the audit log; try again"))
		return
	}
	id, s := c.open(tokenID, now)
	c.cfg.Logger.Info("console sign-in", "token_id", tokenID, "address", addr)
	c.setCookie(w, r, id, int(c.cfg.Lifetime.Seconds()))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c.sessionJSON(s))
}

// refused records a refused sign-in from addr in the audit log, as far
// as refusals allows (one a minute per address, 100 a minute in all).
func (c *Console) refused(r *http.Request, addr string, now time.Time, reason string) {
	record, unrecorded := c.refusals.note(addr, now)
	if !record {
		return
	}
	if err := c.tokens.ConsoleSignInRefused(service.WithCaller(r.Context(), addr), reason, unrecorded); err != nil {
		c.cfg.Logger.Error("refused console sign-in not recorded in the audit log", "address", addr, "err", err)
	}
}

// status tells the page whether it is signed in, with its CSRF token: a
// page reloaded keeps its session. Only a page of the console's origin
// can read the answer (the same-origin policy), and the cookie is sent
// only from it (SameSite=Strict).
func (c *Console) status(w http.ResponseWriter, r *http.Request) {
	s, err := c.current(r)
	if err != nil {
		c.fail(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c.sessionJSON(s))
}

// signOut ends the session (with its CSRF token) and deletes the cookie.
// Without a session it only deletes the cookie.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(cookieName)
	if err == nil && ck.Value != "" {
		s, err := c.current(r)
		if err != nil && visage.ErrorCode(err) != visage.CodeUnauthorized {
			c.fail(w, err)
			return
		}
		c.close(ck.Value)
		if s != nil {
			addr := visitor.Address(r, c.cfg.AddressHeader)
			c.cfg.Logger.Info("console sign-out", "token_id", s.tokenID, "address", addr)
			if err := c.tokens.ConsoleSignedOut(service.WithCaller(r.Context(), addr), s.tokenID); err != nil {
				c.cfg.Logger.Error("console sign-out not recorded in the audit log", "token_id", s.tokenID, "address", addr, "err", err)
			}
		}
	}
	c.setCookie(w, r, "", -1)
	writeJSON(w, http.StatusOK, map[string]any{"signed_out": true})
}

// pageHTML is the console's page: the script builds everything in it.
const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Visage console</title>
<link rel="stylesheet" href="/console/console.css?v={{v}}">
<script defer src="/console/console.js?v={{v}}"></script>
</head>
<body>
<div id="console"><noscript>The Visage console needs JavaScript.</noscript></div>
</body>
</html>
`

// version names the bundles' content, so that a new binary's page never
// runs an old script from the browser's cache.
func version() string {
	h := sha256.New()
	for _, name := range []string{"console.js", "console.css"} {
		b, _, _ := web.Asset(name)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

func (c *Console) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(strings.ReplaceAll(pageHTML, "{{v}}", version())))
}

func (c *Console) asset(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ctype, ok := web.Asset(name)
		if !ok {
			c.fail(w, visage.Errorf(visage.CodeNotFound, "the console's %s is missing from this build", name))
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "private, max-age=86400")
		w.Write(body)
	}
}

// statusOf is the HTTP status of the errors the console's own endpoints
// answer; they have the API's error shape.
var statusOf = map[visage.Code]int{
	visage.CodeInvalidRequest: http.StatusBadRequest,
	visage.CodeUnauthorized:   http.StatusUnauthorized,
	visage.CodeCSRFFailed:     http.StatusForbidden,
	visage.CodeNotFound:       http.StatusNotFound,
	visage.CodeRateLimit:      http.StatusTooManyRequests,
	visage.CodeUnavailable:    http.StatusServiceUnavailable,
}

func (c *Console) fail(w http.ResponseWriter, err error) {
	var ve *visage.Error
	code, msg := visage.CodeInternal, "internal error"
	if errors.As(err, &ve) {
		code, msg = ve.Code, ve.Message
	}
	st, ok := statusOf[code]
	if !ok {
		c.cfg.Logger.Error("console request failed", "err", err)
		st, code, msg = http.StatusInternalServerError, visage.CodeInternal, "internal error"
	}
	reply.SetRetryAfter(w.Header(), st, reply.DefaultRetryAfter)
	writeJSON(w, st, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
