package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/visitor"
)

// A session is an operator signed in with an admin token. The browser
// holds its ID in an HttpOnly cookie; the server keeps, under the ID's
// hash, the token's ID (never the token), the CSRF token the page sends
// back on every change, and its times. Sessions live in this process's
// memory: with several replicas behind one address, an operator signs in
// again on each (docs/console.md).
type session struct {
	tokenID  string
	csrf     string
	created  time.Time
	lastSeen time.Time
}

// sessions are the open sessions, by the SHA-256 of their ID.
type sessions struct {
	mu   sync.Mutex
	byID map[[32]byte]*session
	max  int
}

// cookieName is the console session's cookie.
const cookieName = "visage_console"

// csrfHeader carries the session's CSRF token on every state-changing
// request.
const csrfHeader = "X-CSRF-Token"

func randomString() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashID(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// open starts a session for the admin token tokenID and returns its ID.
// At the limit, the expired sessions go first, then the least recently
// used one.
func (c *Console) open(tokenID string, now time.Time) (string, *session) {
	id := randomString()
	s := &session{tokenID: tokenID, csrf: randomString(), created: now, lastSeen: now}
	c.sessions.mu.Lock()
	defer c.sessions.mu.Unlock()
	if len(c.sessions.byID) >= c.sessions.max {
		var oldest [32]byte
		var oldestSeen time.Time
		for k, v := range c.sessions.byID {
			if c.expired(v, now) {
				delete(c.sessions.byID, k)
				continue
			}
			if oldestSeen.IsZero() || v.lastSeen.Before(oldestSeen) {
				oldest, oldestSeen = k, v.lastSeen
			}
		}
		if len(c.sessions.byID) >= c.sessions.max {
			delete(c.sessions.byID, oldest)
		}
	}
	c.sessions.byID[hashID(id)] = s
	return id, s
}

// expired says whether s has been idle too long or lived too long.
func (c *Console) expired(s *session, now time.Time) bool {
	return now.Sub(s.lastSeen) > c.cfg.IdleTimeout || now.Sub(s.created) > c.cfg.Lifetime
}

// close ends the session with this ID, if there is one.
func (c *Console) close(id string) {
	c.sessions.mu.Lock()
	defer c.sessions.mu.Unlock()
	delete(c.sessions.byID, hashID(id))
}

// current returns the session of r's cookie, still valid, and marks it
// used. A state-changing request (any method but GET, HEAD and OPTIONS)
// must also come from the console's own origin and carry the session's
// CSRF token: CSRF_FAILED otherwise.
func (c *Console) current(r *http.Request) (*session, error) {
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return nil, visage.Errorf(visage.CodeUnauthorized, "sign in: an admin token (Authorization: Bearer vsa_…) or a console session is required")
	}
	now := c.cfg.Now()
	c.sessions.mu.Lock()
	s, ok := c.sessions.byID[hashID(ck.Value)]
	if ok && c.expired(s, now) {
		delete(c.sessions.byID, hashID(ck.Value))
		ok = false
	}
	var snapshot session
	if ok {
		snapshot = *s
	}
	c.sessions.mu.Unlock()
	if !ok {
		return nil, visage.Errorf(visage.CodeUnauthorized, "the console session has ended; sign in again")
	}
	if changes(r.Method) {
		if err := c.sameOrigin(r); err != nil {
			return nil, err
		}
		got := r.Header.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(snapshot.csrf)) != 1 {
			return nil, visage.Errorf(visage.CodeCSRFFailed, "the request lacks the console session's CSRF token (%s)", csrfHeader)
		}
	}
	c.sessions.mu.Lock()
	if s.lastSeen.Before(now) {
		s.lastSeen = now
	}
	c.sessions.mu.Unlock()
	return &snapshot, nil
}

// changes says whether a request of this method may change something.
func changes(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// sameOrigin checks that r was sent by a page of the console's own
// origin: its Origin header names this host (and https when r came over
// TLS), and its Sec-Fetch-Site, when the browser sends one, says
// same-origin. A request with neither header is refused: every browser
// sends Origin with a POST, PUT, PATCH or DELETE made by a script, and a
// client that is not a browser has the admin token to use instead.
func (c *Console) sameOrigin(r *http.Request) error {
	refuse := func(why string) error {
		return visage.Errorf(visage.CodeCSRFFailed, "the request does not come from the console's own page: %s", why)
	}
	site, origin := r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Origin")
	if site == "" && origin == "" {
		return refuse("it has neither an Origin nor a Sec-Fetch-Site header")
	}
	if site != "" && site != "same-origin" {
		return refuse("Sec-Fetch-Site is " + site)
	}
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return refuse("Origin is not a web origin")
	}
	if c.overTLS(r) && u.Scheme != "https" {
		return refuse("Origin is not https")
	}
	hosts := []string{r.Host}
	if fwd := visitor.Last(r.Header.Values("X-Forwarded-Host")); fwd != "" && visitor.Proxied(r, c.cfg.AddressHeader) {
		hosts = append(hosts, fwd)
	}
	for _, h := range hosts {
		if strings.EqualFold(u.Host, h) {
			return nil
		}
	}
	return refuse("Origin is another site")
}

// overTLS says whether the browser reached the console over TLS: the
// connection was, or a proxy the operator trusts says it was
// (X-Forwarded-Proto).
func (c *Console) overTLS(r *http.Request) bool {
	return r.TLS != nil || (visitor.Proxied(r, c.cfg.AddressHeader) && strings.EqualFold(visitor.Last(r.Header.Values("X-Forwarded-Proto")), "https"))
}

// setCookie gives the browser the session's ID: HttpOnly (no script
// reads it), SameSite=Strict (no other site's page sends it), Secure when
// the console was reached over TLS, for the whole host (the admin API is
// at /admin). maxAge < 0 deletes it.
func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.overTLS(r)})
}
