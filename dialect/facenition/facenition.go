// Package facenition speaks Facenition's API: POST-only endpoints, an
// optional /v1/ or /v2/ prefix (none means v1; an X-API-Version header
// overrides the path), client tokens in X-Auth-Token or an auth_token
// field, v2's email + SMS verification before a token is issued, and
// errors as {"ok": false, "error": "…"}.
//
// It is a thin adapter: each endpoint turns a request into a call of the
// service and the result into Facenition's shape. A client token is a
// Visage private key of an app made for that client. The one state of its
// own is what the service has no notion of: the one-time codes of v2's
// verification and what may be sent, kept where the replicas share them
// (Config.Shared). docs/migrating-from-facenition.md
// documents every choice made where Facenition's page is silent.
package facenition

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/service"
)

// Config tunes the dialect. The zero value works for v1; v2 needs SMTP
// and SMS, or DevLogCodes on a development machine.
type Config struct {
	Logger *slog.Logger
	SMTP   SMTP
	SMS    SMS
	// DevLogCodes prints v2's codes to the log instead of sending them,
	// but only when neither SMTP nor SMS is configured: a server that can
	// send codes never also logs them.
	DevLogCodes bool
	// Now is the clock of codes and verifications; default time.Now.
	Now func() time.Time
	// CodeTTL is how long codes, and then a verified pair, stay good
	// (410 after). Default 10 minutes.
	CodeTTL time.Duration
	// MaxAttempts is how many wrong tries void a pair's codes (429).
	// Default 5.
	MaxAttempts int
	// ResendAfter is how soon new codes may be sent to the same pair
	// (429 before): new-credentials sends mail and SMS to addresses the
	// caller chooses. Default 30 s.
	ResendAfter time.Duration
	// MaxBody is the largest request body (400 beyond). Default 32 MiB.
	MaxBody int64
	// Timeout bounds one request's work. Default 30 s.
	Timeout time.Duration
	// Plan is the plan of the apps made for clients; default "free".
	Plan string
	// RequireVerifiedTokens refuses v1's unverified generateToken (403),
	// for servers that should not hand tokens to anyone who asks.
	RequireVerifiedTokens bool
	// OpenSignup lets anyone ask for v2's codes (new-credentials), and
	// SignupDomains the emails of these domains; otherwise it is refused
	// (403): it sends mail and SMS to addresses the caller chooses.
	OpenSignup    bool
	SignupDomains []string
	// What new-credentials may send: per client address an hour, per
	// email and per phone a day, and over the whole server an hour (429
	// with Retry-After beyond). Defaults DefaultCodesPerClient,
	// DefaultCodesPerDestination, DefaultCodesPerHour.
	CodesPerClient, CodesPerDestination, CodesPerHour int
	// Shared holds the codes, the verified pairs and the sending budgets
	// across the replicas of a deployment (cluster.Redis); nil holds them
	// in this process's memory, for a server alone.
	Shared cluster.State
	// Secret keys the HMACs that stand for codes and addresses in Shared.
	// Replicas must have the same one, or one cannot check the codes
	// another sent. Default: made at start, which serves a server alone.
	Secret []byte
}

// SMTP is where verification emails go. Empty Addr: no email.
type SMTP struct {
	Addr               string // host:port
	From               string // default "visage@localhost"
	Username, Password string // PLAIN auth when Username is set
	// ImplicitTLS connects with TLS from the start (port 465); otherwise
	// STARTTLS is used whenever the server offers it, and RequireTLS
	// refuses to send over a connection it could not encrypt.
	ImplicitTLS bool
	RequireTLS  bool
	TLSConfig   *tls.Config
	Timeout     time.Duration // per message; default 10 s
}

// SMS is the HTTP endpoint that sends text messages: it receives a POST
// of {"to": "+15550100", "message": "…"} and answers 2xx once accepted.
// Empty URL: no SMS.
type SMS struct {
	URL string
	// Authorization, when set, is sent as the Authorization header.
	Authorization string
	// Client defaults to one with a 10 s timeout.
	Client *http.Client
}

type handler struct {
	svc   *service.Service
	cfg   Config
	log   *slog.Logger
	codes *codeBook
	sends *sendLimits
}

// New returns the dialect's handler, serving paths relative to its root
// (/generateToken, /v1/generate, /v2/new-credentials …).
func New(svc *service.Service, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = 10 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.ResendAfter <= 0 {
		cfg.ResendAfter = 30 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 32 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.SMTP.From == "" {
		cfg.SMTP.From = "visage@localhost"
	}
	if cfg.SMTP.Timeout <= 0 {
		cfg.SMTP.Timeout = 10 * time.Second
	}
	if cfg.SMS.Client == nil {
		cfg.SMS.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.CodesPerClient <= 0 {
		cfg.CodesPerClient = DefaultCodesPerClient
	}
	if cfg.CodesPerDestination <= 0 {
		cfg.CodesPerDestination = DefaultCodesPerDestination
	}
	if cfg.CodesPerHour <= 0 {
		cfg.CodesPerHour = DefaultCodesPerHour
	}
	if len(cfg.Secret) == 0 {
		if cfg.Shared != nil {
			cfg.Logger.Warn("facenition: a shared state without a secret: codes sent by one replica cannot be checked by another")
		}
		cfg.Secret = make([]byte, 32)
		rand.Read(cfg.Secret)
	}
	shared := cluster.OrMemory(cfg.Shared)
	return &handler{svc: svc, cfg: cfg, log: cfg.Logger,
		codes: &codeBook{shared: shared, secret: cfg.Secret, ttl: cfg.CodeTTL},
		sends: newSendLimits(&cfg, shared, cfg.Secret)}
}

// endpoint is one of Facenition's calls. Exactly one of open (no token)
// and app (a client token, counted against the app's plan) is set.
type endpoint struct {
	open   func(w http.ResponseWriter, r *http.Request, req *request) error
	app    func(w http.ResponseWriter, r *http.Request, req *request, app *visage.App) error
	v2Only bool
}

func (h *handler) endpoint(name string) (endpoint, bool) {
	ep, ok := map[string]endpoint{
		"new-credentials":          {open: h.newCredentials, v2Only: true},
		"authenticate-credentials": {open: h.authenticateCredentials, v2Only: true},
		"generateToken":            {open: h.generateToken},
		"token":                    {open: h.token},
		"generate":                 {app: h.generate},
		"authenticate":             {app: h.authenticate},
		"match":                    {app: h.match},
		"delete":                   {app: h.delete},
	}[name]
	return ep, ok
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	version, name, ok := splitPath(r.URL.Path)
	if v := r.Header.Get("X-API-Version"); ok && v != "" {
		if version, ok = parseVersion(v); !ok {
			h.writeError(w, r, fail(http.StatusBadRequest, "X-API-Version must be 1 or 2"))
			return
		}
	}
	ep, found := h.endpoint(name)
	if !ok || !found {
		h.writeError(w, r, fail(http.StatusNotFound, "no endpoint %s", r.URL.Path))
		return
	}
	if ep.v2Only && version == 1 {
		h.writeError(w, r, fail(http.StatusNotFound, "%s exists in API v2 only: call /v2/%s or send X-API-Version: 2", name, name))
		return
	}
	// Facenition documents no 405: every call is a POST, and any other
	// method finds nothing.
	if r.Method != http.MethodPost {
		h.writeError(w, r, fail(http.StatusNotFound, "%s answers POST only", name))
		return
	}
	if r.ContentLength > h.cfg.MaxBody {
		h.writeError(w, r, fail(http.StatusBadRequest, "the request body is %d bytes, over the %d-byte limit", r.ContentLength, h.cfg.MaxBody))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)
	w.Header().Set("Cache-Control", "no-store") // answers carry tokens

	if ep.app != nil {
		h.serveApp(w, r, version, name, ep)
		return
	}
	req, err := h.parse(r, version)
	if err == nil {
		err = ep.open(w, r, req)
	}
	if err != nil {
		h.writeError(w, r, err)
	}
}

// serveApp authenticates the client token, admits the call under the
// app's plan, runs it and counts it, as the native API does.
func (h *handler) serveApp(w http.ResponseWriter, r *http.Request, version int, name string, ep endpoint) {
	ctx := r.Context()
	var app *visage.App
	// A token in the header is checked before the body is read, so a
	// stranger cannot make the server read a large upload.
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		a, err := h.svc.AppForKey(ctx, tok)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		app = a
	}
	req, err := h.parse(r, version)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if app == nil {
		tok := req.fields["auth_token"]
		if tok == "" {
			h.writeError(w, r, fail(http.StatusUnauthorized, "a client token is required: send it in X-Auth-Token or an auth_token field"))
			return
		}
		if app, err = h.svc.AppForKey(ctx, tok); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	adm, err := h.svc.Admit(ctx, app)
	if adm.Limit > 0 {
		// The same IETF RateLimit fields as the native API.
		w.Header().Set("RateLimit-Limit", strconv.Itoa(adm.Limit))
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(adm.Remaining))
		w.Header().Set("RateLimit-Reset", seconds(adm.RetryAfter))
	}
	if err != nil {
		if adm.RetryAfter > 0 {
			w.Header().Set("Retry-After", seconds(adm.RetryAfter))
		}
		h.writeError(w, r, err)
		return
	}
	err = ep.app(w, r, req, app)
	if err != nil {
		h.writeError(w, r, err)
	}
	// Counted even if the client has gone: the engine did the work.
	if rerr := h.svc.Record(context.WithoutCancel(ctx), app, "facenition "+name, err); rerr != nil {
		h.log.Error("facenition: usage not recorded", "err", rerr)
	}
}

// splitPath reads "/name", "/v1/name" or "/v2/name". The leading slash is
// optional, for a mount that strips it along with its prefix.
func splitPath(p string) (version int, name string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] != "":
		return 1, parts[0], true
	case len(parts) == 2 && parts[1] != "":
		if v, ok := parseVersion(parts[0]); ok && strings.HasPrefix(parts[0], "v") {
			return v, parts[1], true
		}
	}
	return 1, "", false
}

// parseVersion accepts "1", "2", "v1", "v2" (and "1.0", "2.0").
func parseVersion(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "v"), ".0")
	switch s {
	case "1":
		return 1, true
	case "2":
		return 2, true
	}
	return 0, false
}
