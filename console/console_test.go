package console_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage/console"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
	"github.com/visagehq/visage/store/sqlite"
)

// The console's sessions over real HTTP, without the face engine: the
// console mounted on the public listener as `visage serve` mounts it, or
// on a listener of its own.

type fixture struct {
	t     *testing.T
	url   string // the listener serving the console
	token string // an admin token
	svc   *service.Service
	clock *testface.Clock
	log   *testface.Log
}

type options struct {
	cfg      console.Config
	apart    bool // on a listener of its own (ConsoleHandler); url is that one, public the other
	tls      bool
	public   *string
	observed *vhttp.Metrics
}

func newFixture(t *testing.T, o options) *fixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &testface.Log{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	svc := service.New(service.Config{Store: st, Gallery: index.New(), PINKey: []byte("k"), Logger: log})
	token, err := svc.CreateAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clk := testface.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	cfg := o.cfg
	cfg.Now, cfg.Logger = clk.Now, log
	con := console.New(svc, cfg)
	vcfg := vhttp.Config{Logger: log, Console: con.Session, ConsoleListener: o.apart, Metrics: o.observed}
	if !o.apart {
		for _, p := range con.Patterns() {
			vcfg.Mounts = append(vcfg.Mounts, vhttp.Mount{Pattern: p, Handler: con})
		}
	}
	api := vhttp.New(svc, vcfg)
	start := httptest.NewServer
	if o.tls {
		start = httptest.NewTLSServer
	}
	var ts *httptest.Server
	if o.apart {
		ts = start(api.ConsoleHandler(con))
		pub := httptest.NewServer(api)
		t.Cleanup(pub.Close)
		*o.public = pub.URL
	} else {
		ts = start(api)
	}
	t.Cleanup(ts.Close)
	return &fixture{t: t, url: ts.URL, token: token, svc: svc, clock: clk, log: logs}
}

// browser is a client with a cookie jar of its own, sending what a page of
// the console sends: its origin, and the CSRF token once it has one.
type browser struct {
	f      *fixture
	base   string
	client *http.Client
	cookie *http.Cookie
	csrf   string
	origin string
	from   string // X-Forwarded-For: the address the request comes from
}

func (f *fixture) browser() *browser {
	c := &http.Client{}
	if strings.HasPrefix(f.url, "https:") {
		c.Transport = &http.Transport{TLSClientConfig: tlsInsecure()}
	}
	return &browser{f: f, base: f.url, client: c, origin: f.url}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (a answer) code() string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (b *browser) do(method, path string, body any, hdr map[string]string) answer {
	b.f.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		b.f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.origin != "" && method != http.MethodGet {
		req.Header.Set("Origin", b.origin)
	}
	if b.csrf != "" && method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	if b.from != "" {
		req.Header.Set("X-Forwarded-For", b.from)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	json.Unmarshal(raw, &a.body)
	for _, c := range resp.Cookies() {
		if c.Name == "visage_console" {
			if c.MaxAge < 0 {
				b.cookie = nil
			} else {
				b.cookie = c
			}
		}
	}
	return a
}

// signIn signs in with token and keeps the session.
func (b *browser) signIn(token string) answer {
	b.f.t.Helper()
	a := b.do("POST", "/console/api/session", map[string]string{"token": token}, nil)
	if a.status == http.StatusOK {
		b.csrf, _ = a.body["csrf_token"].(string)
	}
	return a
}

func (b *browser) mustSignIn() {
	b.f.t.Helper()
	if a := b.signIn(b.f.token); a.status != http.StatusOK || b.csrf == "" || b.cookie == nil {
		b.f.t.Fatalf("sign-in: %d %s", a.status, a.raw)
	}
}

func TestPageAndAssets(t *testing.T) {
	f := newFixture(t, options{})
	b := f.browser()
	a := b.do("GET", "/console", nil, nil)
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || !strings.Contains(a.raw, "/console/console.js?v=") {
		t.Fatalf("GET /console: %d %q %q", a.status, a.header.Get("Content-Type"), a.raw)
	}
	csp := a.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for name, ct := range map[string]string{"console.js": "text/javascript", "console.css": "text/css"} {
		a := b.do("GET", "/console/"+name, nil, nil)
		if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), ct) || len(a.raw) < 1000 {
			t.Errorf("GET /console/%s: %d %q, %d bytes", name, a.status, a.header.Get("Content-Type"), len(a.raw))
		}
	}
	// Nothing loaded from elsewhere.
	for _, ext := range []string{`src="http`, `href="http`, `src="//`, `href="//`} {
		if strings.Contains(a.raw, ext) {
			t.Errorf("the page loads from elsewhere: %s", ext)
		}
	}
	if a := b.do("GET", "/console/nothing", nil, nil); a.status != 404 {
		t.Errorf("GET /console/nothing: %d", a.status)
	}
}

func TestSignInOpensASession(t *testing.T) {
	f := newFixture(t, options{})
	b := f.browser()
	if a := b.do("GET", "/admin/apps", nil, nil); a.status != 401 || a.code() != "UNAUTHORIZED" {
		t.Fatalf("/admin/apps before sign-in: %d %s", a.status, a.raw)
	}
	if a := b.do("GET", "/console/api/session", nil, nil); a.status != 401 {
		t.Fatalf("session before sign-in: %d", a.status)
	}
	if a := b.signIn("vsa_notatokenatallreally"); a.status != 401 || b.cookie != nil {
		t.Fatalf("wrong token: %d %s, cookie %v", a.status, a.raw, b.cookie)
	}
	b.mustSignIn()
	c := b.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || len(c.Value) < 43 {
		t.Errorf("cookie: %+v", c)
	}
	a := b.do("GET", "/admin/apps", nil, nil)
	if a.status != 200 {
		t.Fatalf("/admin/apps signed in: %d %s", a.status, a.raw)
	}
	// The page reloaded learns its CSRF token again.
	if a := b.do("GET", "/console/api/session", nil, nil); a.status != 200 || a.body["csrf_token"] != b.csrf {
		t.Errorf("session: %d %v", a.status, a.body)
	}
	// A change with the session: the app is made.
	if a := b.do("POST", "/admin/apps", map[string]string{"name": "Shop"}, nil); a.status != 201 {
		t.Fatalf("create with the session: %d %s", a.status, a.raw)
	}
	// The token is never logged, nor the session's secrets.
	logs := f.log.String()
	for _, secret := range []string{f.token, c.Value, b.csrf} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a secret %q", secret)
		}
	}
	if !strings.Contains(logs, "console sign-in") {
		t.Error("the sign-in is not logged")
	}
}

func TestSignInOverTLSSetsSecureCookie(t *testing.T) {
	f := newFixture(t, options{tls: true})
	b := f.browser()
	b.mustSignIn()
	if !b.cookie.Secure {
		t.Errorf("cookie over TLS: %+v", b.cookie)
	}
	// An http:// origin does not pass for the https one.
	b.origin = strings.Replace(f.url, "https:", "http:", 1)
	if a := b.do("POST", "/admin/apps", map[string]string{"name": "x"}, nil); a.status != 403 || a.code() != "CSRF_FAILED" {
		t.Errorf("http origin over TLS: %d %s", a.status, a.raw)
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t, options{})
	b := f.browser()
	b.mustSignIn()
	create := map[string]string{"name": "Shop"}
	for _, c := range []struct {
		name string
		hdr  map[string]string
	}{
		{"no CSRF header", map[string]string{"X-CSRF-Token": ""}},
		{"a wrong CSRF token", map[string]string{"X-CSRF-Token": strings.Repeat("A", 43)}},
		{"another site's origin", map[string]string{"Origin": "https://evil.example"}},
		{"an origin of null", map[string]string{"Origin": "null"}},
		{"a cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"a same-site fetch from another port", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": ""}},
		{"neither Origin nor Sec-Fetch-Site", map[string]string{"Origin": ""}},
	} {
		a := b.do("POST", "/admin/apps", create, c.hdr)
		if a.status != 403 || a.code() != "CSRF_FAILED" {
			t.Errorf("%s: %d %s, want 403 CSRF_FAILED", c.name, a.status, a.raw)
		}
	}
	for _, m := range []string{"DELETE /admin/apps/x", "PUT /admin/apps/x/settings", "PATCH /admin/apps/x", "POST /admin/apps/x/keys"} {
		method, path, _ := strings.Cut(m, " ")
		if a := b.do(method, path, map[string]any{}, map[string]string{"X-CSRF-Token": ""}); a.status != 403 {
			t.Errorf("%s without the CSRF header: %d", m, a.status)
		}
	}
	if apps := b.do("GET", "/admin/apps", nil, nil).body["apps"].([]any); len(apps) != 0 {
		t.Fatalf("a refused request made an app: %v", apps)
	}
	// The browser's own request passes, Sec-Fetch-Site alone too.
	if a := b.do("POST", "/admin/apps", create, map[string]string{"Sec-Fetch-Site": "same-origin"}); a.status != 201 {
		t.Errorf("same-origin: %d %s", a.status, a.raw)
	}
	if a := b.do("POST", "/admin/apps", create, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": ""}); a.status != 201 {
		t.Errorf("Sec-Fetch-Site same-origin alone: %d %s", a.status, a.raw)
	}
	// Signing in needs the console's own page too (no login CSRF).
	other := f.browser()
	other.origin = "https://evil.example"
	if a := other.signIn(f.token); a.status != 403 || a.code() != "CSRF_FAILED" || other.cookie != nil {
		t.Errorf("sign-in from another origin: %d %s", a.status, a.raw)
	}
	// The admin token still works as before, with no cookie or CSRF token.
	req, _ := http.NewRequest("POST", f.url+"/admin/apps", strings.NewReader(`{"name":"CLI"}`))
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("admin token: %d", resp.StatusCode)
	}
}

func TestSessionExpires(t *testing.T) {
	f := newFixture(t, options{})
	b := f.browser()
	b.mustSignIn()
	// Used every 29 minutes, it stays.
	for i := 0; i < 3; i++ {
		f.clock.Add(29 * time.Minute)
		if a := b.do("GET", "/admin/apps", nil, nil); a.status != 200 {
			t.Fatalf("after %d × 29 min of use: %d", i+1, a.status)
		}
	}
	// Idle for 31 minutes, it ends.
	f.clock.Add(31 * time.Minute)
	if a := b.do("GET", "/admin/apps", nil, nil); a.status != 401 || a.code() != "UNAUTHORIZED" {
		t.Fatalf("idle 31 min: %d %s", a.status, a.raw)
	}
	if a := b.do("GET", "/console/api/session", nil, nil); a.status != 401 {
		t.Errorf("session after idling: %d", a.status)
	}
	// In use all along, it ends at 12 hours.
	b.mustSignIn()
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		f.clock.Add(20 * time.Minute)
		if a := b.do("GET", "/admin/apps", nil, nil); a.status != 200 {
			t.Fatalf("at %v: %d", elapsed+20*time.Minute, a.status)
		}
	}
	f.clock.Add(21 * time.Minute)
	if a := b.do("GET", "/admin/apps", nil, nil); a.status != 401 {
		t.Errorf("past 12 h: %d", a.status)
	}
}

func TestSignInIsThrottled(t *testing.T) {
	f := newFixture(t, options{cfg: console.Config{SignInBurst: 3, SignInEvery: time.Minute}})
	guesser := f.browser()
	guesser.from = "203.0.113.7"
	for i := 0; i < 3; i++ {
		if a := guesser.signIn("vsa_guess" + strconv.Itoa(i) + "xxxxxxxxxxxxxxxx"); a.status != 401 {
			t.Fatalf("guess %d: %d %s", i, a.status, a.raw)
		}
	}
	a := guesser.signIn(f.token)
	if a.status != 429 || a.code() != "RATE_LIMIT" || guesser.cookie != nil {
		t.Fatalf("4th attempt: %d %s", a.status, a.raw)
	}
	if ra, _ := strconv.Atoi(a.header.Get("Retry-After")); ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}
	// Another address is not held back; right tokens do not count.
	op := f.browser()
	op.from = "198.51.100.9"
	for i := 0; i < 5; i++ {
		if a := op.signIn(f.token); a.status != 200 {
			t.Fatalf("operator's sign-in %d: %d %s", i, a.status, a.raw)
		}
	}
	// The same /64 counts as one address.
	v6 := f.browser()
	v6.from = "2001:db8:1:2::1"
	for i := 0; i < 3; i++ {
		v6.from = "2001:db8:1:2::" + strconv.Itoa(i+1)
		v6.signIn("vsa_guessxxxxxxxxxxxxxxxxxx")
	}
	v6.from = "2001:db8:1:2::99"
	if a := v6.signIn("vsa_guessxxxxxxxxxxxxxxxxxx"); a.status != 429 {
		t.Errorf("4th guess from the same /64: %d", a.status)
	}
	// A minute later, one more try.
	f.clock.Add(time.Minute)
	if a := guesser.signIn(f.token); a.status != 200 {
		t.Errorf("after a minute: %d %s", a.status, a.raw)
	}
}

func TestSignOut(t *testing.T) {
	f := newFixture(t, options{})
	b := f.browser()
	b.mustSignIn()
	old := b.cookie
	if a := b.do("DELETE", "/console/api/session", nil, map[string]string{"X-CSRF-Token": ""}); a.status != 403 {
		t.Errorf("sign-out without the CSRF token: %d", a.status)
	}
	if a := b.do("DELETE", "/console/api/session", nil, nil); a.status != 200 || b.cookie != nil {
		t.Fatalf("sign-out: %d %s, cookie %v", a.status, a.raw, b.cookie)
	}
	b.cookie = old // a copy of the cookie kept
	if a := b.do("GET", "/admin/apps", nil, nil); a.status != 401 {
		t.Errorf("after sign-out: %d", a.status)
	}
}

// With --console-addr the console, its sessions and /metrics are on the
// console's listener only; the public one keeps /admin with the token.
func TestConsoleListener(t *testing.T) {
	var public string
	metrics := vhttp.NewMetrics(func() map[string]int { return nil })
	f := newFixture(t, options{apart: true, public: &public, observed: metrics})
	b := f.browser()
	b.mustSignIn()
	if a := b.do("GET", "/admin/apps", nil, nil); a.status != 200 {
		t.Errorf("/admin with the session on the console listener: %d", a.status)
	}
	if a := b.do("GET", "/metrics", nil, nil); a.status != 200 || !strings.Contains(a.raw, "visage_http_requests_total") {
		t.Errorf("/metrics on the console listener: %d", a.status)
	}
	if a := b.do("POST", "/v1/enroll", map[string]string{}, nil); a.status != 404 && a.status != 405 {
		t.Errorf("/v1/enroll on the console listener: %d", a.status)
	}
	if a := b.do("GET", "/", nil, nil); a.status != 200 || !strings.Contains(a.raw, "console.js") {
		t.Errorf("/ on the console listener: %d", a.status)
	}

	pub := f.browser()
	pub.base, pub.origin, pub.cookie, pub.csrf = public, public, b.cookie, b.csrf
	if a := pub.do("GET", "/console", nil, nil); a.status != 404 {
		t.Errorf("/console on the public listener: %d", a.status)
	}
	if a := pub.do("GET", "/admin/apps", nil, nil); a.status != 401 {
		t.Errorf("the console's session on the public listener: %d", a.status)
	}
	req, _ := http.NewRequest("GET", public+"/admin/apps", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the admin token on the public listener: %d", resp.StatusCode)
	}
}

func tlsInsecure() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// Sign-ins, refused ones and sign-outs are in the audit log, with the
// token's ID and the address, never a token; a guesser writes one entry
// a minute, which says how many refusals it stands for.
func TestSignInsAreAudited(t *testing.T) {
	f := newFixture(t, options{cfg: console.Config{SignInBurst: 1, SignInEvery: 2 * time.Minute}})
	guesser := f.browser()
	guesser.from = "203.0.113.7"
	var guesses []string
	guess := func(status int) {
		t.Helper()
		g := "vsa_guess" + strconv.Itoa(len(guesses)) + "xxxxxxxxxxxxxxxxxxxx"
		guesses = append(guesses, g)
		if a := guesser.signIn(g); a.status != status {
			t.Fatalf("guess %d: %d %s, want %d", len(guesses), a.status, a.raw, status)
		}
	}
	guess(401) // recorded
	guess(429) // not: the address has an entry this minute
	guess(429)
	f.clock.Add(61 * time.Second)
	guess(429) // recorded, throttled, standing for the two before

	op := f.browser()
	op.from = "198.51.100.9"
	op.mustSignIn()
	cookie, csrf := op.cookie.Value, op.csrf
	if a := op.do("DELETE", "/console/api/session", nil, nil); a.status != 200 {
		t.Fatalf("sign-out: %d %s", a.status, a.raw)
	}
	probe := service.WithCaller(context.Background(), "")
	if err := f.svc.CheckAdminToken(probe, f.token); err != nil {
		t.Fatal(err)
	}
	tokenID := service.CallerOf(probe).ID

	a := op.do("GET", "/admin/audit", nil, map[string]string{"Authorization": "Bearer " + f.token})
	if a.status != 200 {
		t.Fatalf("audit: %d %s", a.status, a.raw)
	}
	var got []string
	for _, e := range a.body["entries"].([]any) {
		e := e.(map[string]any)
		if e["action"] == "admin_token.create" {
			continue
		}
		detail, _ := json.Marshal(e["detail"])
		got = append(got, fmt.Sprintf("%s %s %v %v %v %s", e["action"], e["actor"], e["actor_id"], e["address"], e["target"], detail))
	}
	want := []string{
		`console.sign_in_refused public <nil> 203.0.113.7 <nil> {"reason":"wrong_token"}`,
		`console.sign_in_refused public <nil> 203.0.113.7 <nil> {"reason":"throttled","unrecorded":2}`,
		fmt.Sprintf(`console.sign_in console %s 198.51.100.9 %s null`, tokenID, tokenID),
		fmt.Sprintf(`console.sign_out console %s 198.51.100.9 %s null`, tokenID, tokenID),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, secret := range append([]string{f.token, cookie, csrf}, guesses...) {
		if strings.Contains(a.raw, secret) {
			t.Errorf("the audit log holds a secret %q", secret)
		}
		if strings.Contains(f.log.String(), secret) {
			t.Errorf("the log holds a secret %q", secret)
		}
	}
	if !strings.Contains(f.log.String(), "console sign-out") {
		t.Error("the sign-out is not logged")
	}
}

// A flood of refusals from many addresses writes at most 100 entries a
// minute.
func TestRefusalsAreBounded(t *testing.T) {
	f := newFixture(t, options{})
	b := f.browser()
	for i := 0; i < 130; i++ {
		b.from = fmt.Sprintf("203.0.%d.%d", i/250, i%250+1)
		if a := b.signIn("vsa_guessxxxxxxxxxxxxxxxxxxxxxx"); a.status != 401 {
			t.Fatalf("guess %d: %d", i, a.status)
		}
	}
	entries, err := f.svc.AuditLog(context.Background(), store.AuditFilter{Action: "console.sign_in_refused"}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 100 {
		t.Errorf("%d refusals recorded, want 100", len(entries))
	}
	f.clock.Add(time.Minute)
	b.signIn("vsa_guessxxxxxxxxxxxxxxxxxxxxxx")
	if entries, _ := f.svc.AuditLog(context.Background(), store.AuditFilter{Action: "console.sign_in_refused"}, 0, 1000); len(entries) != 101 {
		t.Errorf("a minute later: %d entries, want 101", len(entries))
	}
}
