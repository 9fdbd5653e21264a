package widget_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/visagehq/visage"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/widget"
)

// FACEIO's own npm client, @faceio/fiojs 3 (deps/src/fiojs, fetched by
// make setup), run unmodified against Visage. The package is a thin
// wrapper: its constructor adds <script src="https://cdn.faceio.net/fio.js">
// and, once that has loaded, news the global faceIO(appID) it defines;
// its methods call that object's (fetchAllErrorCodes excepted: it answers
// from a table of its own). Here Chromium resolves cdn.faceio.net to a TLS
// listener of the test that is the Visage server itself, so the fio.js it
// loads is Visage's, and Visage's fio.js, which talks to the server it was
// loaded from, sends the widget API there too: a site that keeps the
// package and points cdn.faceio.net at Visage (docs/widget.md).

const fiojsHost = "cdn.faceio.net"

// fiojsPage is an app's page built with the package, as a bundler would
// make it: index.js is CommonJS (module.exports = class faceio), so the
// page gives it a module object, and the README's code runs in a scope of
// its own, as an ES module's import would (a global named faceIO would
// hide Visage's from the package). fioReady settles when fio.js has
// loaded: the package's own load handler, added before this one, has made
// its faceIO by then, and calling a method sooner fails (the README: "let
// the DOM load").
var fiojsPage = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Example shop (npm build)</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;background:#fafafa}</style></head>
<body><h1>Example shop</h1><p>Built with <code>@faceio/fiojs</code>.</p>
<script>var module = {exports: {}};</script>
<script src="/node_modules/@faceio/fiojs/index.js"></script>
<script>(() => {
	const faceIO = module.exports; // import faceIO from '@faceio/fiojs'
	window.fio = new faceIO("{{.Pub}}");
	const cdn = document.querySelector('script[src="https://` + fiojsHost + `/fio.js"]');
	window.fioReady = new Promise((ok, fail) => {
		cdn.addEventListener("load", () => ok(true));
		cdn.addEventListener("error", () => fail(new Error("https://` + fiojsHost + `/fio.js did not load")));
	});
})();</script>
</body></html>`))

// requestLog is what the Visage listener was asked: "METHOD host/path".
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.reqs = append(l.reqs, r.Method+" "+r.Host+r.URL.Path)
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// count is how many requests began with prefix.
func (l *requestLog) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// exactly is how many requests were req.
func (l *requestLog) exactly(req string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if r == req {
			n++
		}
	}
	return n
}

// waitCount waits up to 5 s for at least n requests beginning with prefix
// (the widget's DELETE is sent without waiting for it).
func (l *requestLog) waitCount(t testing.TB, prefix string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); l.count(prefix) < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("%d requests %q, want %d; the listener saw %q", l.count(prefix), prefix, n, l.reqs)
		}
	}
}

// tlsVisage serves s's service with the widget mounted, as serve does,
// over TLS: the listener cdn.faceio.net is mapped to. It returns the
// listener's port and the base64 SHA-256 of its certificate's public key,
// the one certificate Chromium is told to accept.
func tlsVisage(t testing.TB, s *server, log *requestLog) (port, spki string) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	wid := widget.New(s.svc, widget.Config{
		Logger:    quiet,
		OnVerdict: func(session string, why liveness.Reason) { t.Logf("session %s: liveness verdict %s", session, why) },
	})
	var mounts []vhttp.Mount
	for _, p := range wid.Patterns() {
		mounts = append(mounts, vhttp.Mount{Pattern: p, Handler: wid})
	}
	ts := httptest.NewTLSServer(log.wrap(vhttp.New(s.svc, vhttp.Config{Logger: quiet, Mounts: mounts})))
	t.Cleanup(ts.Close)
	sum := sha256.Sum256(ts.Certificate().RawSubjectPublicKeyInfo)
	_, port, _ = net.SplitHostPort(ts.Listener.Addr().String())
	return port, base64.StdEncoding.EncodeToString(sum[:])
}

// npmShop serves the page and the package's index.js, as is, from
// another origin (http://localhost:port).
func npmShop(t testing.TB, indexJS []byte) (port string) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fiojsPage.Execute(w, map[string]any{"Pub": r.URL.Query().Get("pub")})
		case "/node_modules/@faceio/fiojs/index.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write(indexJS)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	_, port, _ = net.SplitHostPort(ts.Listener.Addr().String())
	return port
}

// An unmodified page built with @faceio/fiojs 3.0.0 works against Visage
// once cdn.faceio.net leads there: its error codes are Visage's, enroll
// with showAbortBtn ends with ABORTED_BY_USER when the person closes the
// dialog (and the session is dropped on the server), restartSession ends
// a running login and lets the next one start, and an enrollment then
// logins give back the same facial ID and payload.
func TestBrowserFioJSPackage(t *testing.T) {
	indexJS, err := os.ReadFile(filepath.Join(testface.Deps(), "src", "fiojs", "index.js"))
	if err != nil {
		t.Skip("@faceio/fiojs not fetched: run `make setup` (make test does it)")
	}
	testface.Chromium(t)
	ps := people(t)
	start := time.Now()

	s := newServer(t, widget.Config{})
	var log requestLog
	visagePort, spki := tlsVisage(t, s, &log)
	port := npmShop(t, indexJS)
	app := s.app(visage.AppSettings{AllowedOrigins: []string{"http://localhost:" + port}, RequireLiveness: true})
	b := newTab(t, "fiojs", tabOptions{clip: emptyClip(), follow: &ps[0], flags: []chromedp.ExecAllocatorOption{
		chromedp.Flag("host-resolver-rules", "MAP "+fiojsHost+" 127.0.0.1:"+visagePort),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki)}})
	b.open("localhost", port, "pub="+app.PublicID)
	eval[bool](b, `fioReady`)
	if n := log.exactly("GET " + fiojsHost + "/fio.js"); n != 1 {
		t.Fatalf("GET https://%s/fio.js reached the Visage listener %d times, want 1", fiojsHost, n)
	}

	// The package answers fetchAllErrorCodes from its own table (it never
	// asks fio.js): every name in it must be Visage's with the same number,
	// and Visage's fio.js must have both spellings of 17 and 18.
	codes := eval[map[string]float64](b, `new window.faceIO("x").fetchAllErrorCodes()`)
	pkg := eval[map[string]float64](b, `fio.fetchAllErrorCodes()`)
	for name, n := range pkg {
		if codes[name] != n {
			t.Errorf("@faceio/fiojs has %s = %v, Visage's fio.js %v", name, n, codes[name])
		}
	}
	for name, n := range map[string]float64{
		"FORBIDDDEN_ORIGIN": 17, "FORBIDDEN_ORIGIN": 17, "FORBIDDDEN_COUNTRY": 18, "FORBIDDEN_COUNTRY": 18,
		"UPGRADE_REQUIRED": 23, "ABORTED_BY_USER": 24,
	} {
		if codes[name] != n {
			t.Errorf("Visage's fio.js has %s = %v, want %v", name, codes[name], n)
		}
	}
	for _, name := range []string{"FORBIDDEN_ORIGIN", "FORBIDDEN_COUNTRY", "UPGRADE_REQUIRED", "ABORTED_BY_USER"} {
		if _, ok := pkg[name]; !ok {
			t.Errorf("the package has no %s (is deps/src/fiojs another version?)", name)
		}
	}
	if len(pkg) != 24 {
		t.Errorf("the package lists %d codes, want 24: %v", len(pkg), pkg)
	}

	// showAbortBtn: closing the dialog is ABORTED_BY_USER, on the consent
	// screen (TERMS_NOT_ACCEPTED without it) and while scanning
	// (SESSION_EXPIRED without it), and each session is dropped.
	deletes := "DELETE " + fiojsHost + "/widget/v1/sessions/"
	for i, tc := range []struct{ call, screen string }{
		{`fio.enroll({showAbortBtn: true})`, "consent"},
		{`fio.enroll({showAbortBtn: true, userConsent: true, enrollIntroTimeout: 1})`, "scan"},
	} {
		b.name = "fiojs-abort-" + tc.screen
		b.shots = map[string]bool{}
		b.start(tc.call)
		b.waitState(tc.screen)
		b.click("button.x")
		if r := b.wait(); r.Code != "ABORTED_BY_USER" {
			t.Fatalf("%s closed on %s: %+v, want ABORTED_BY_USER", tc.call, tc.screen, r)
		}
		log.waitCount(t, deletes, i+1)
	}

	b.name, b.shots = "fiojs-enroll", map[string]bool{}
	b.start(`fio.enroll({payload: {whoami: 123456, email: "john.doe@example.com"}, showAbortBtn: true, userConsent: true, enrollIntroTimeout: 1})`)
	r := b.wait()
	id, _ := r.OK["facialId"].(string)
	if r.Code != "" || id == "" || r.OK["timestamp"] == nil || r.OK["details"] == nil {
		t.Fatalf("enroll: %+v", r)
	}
	logTime(t, "enroll through @faceio/fiojs", r)

	// restartSession, during a login: the login ends (SESSION_EXPIRED),
	// its session is dropped, the dialog goes, and the next call starts.
	b.name, b.shots = "fiojs-restart", map[string]bool{}
	b.start(`fio.authenticate()`)
	b.waitState("scan")
	if !eval[bool](b, `fio.restartSession()`) {
		t.Error("restartSession() did not resolve true")
	}
	if r := b.wait(); r.Code != "SESSION_EXPIRED" {
		t.Fatalf("the login under way at restartSession: %+v, want SESSION_EXPIRED", r)
	}
	if eval[bool](b, `!!document.getElementById('visage-fio')`) {
		t.Error("the dialog is still there after restartSession")
	}
	log.waitCount(t, deletes, 3)

	b.name, b.shots = "fiojs-authenticate", map[string]bool{}
	b.start(`fio.authenticate({locale: "auto"})`)
	a := b.wait()
	if a.Code != "" || a.OK["facialId"] != id {
		t.Fatalf("authenticate after restartSession: %+v, enrolled %s", a, id)
	}
	if p, _ := a.OK["payload"].(map[string]any); p["email"] != "john.doe@example.com" || p["whoami"] != float64(123456) {
		t.Errorf("payload %v", a.OK["payload"])
	}
	logTime(t, "authenticate through @faceio/fiojs", a)

	// Every session the page opened went to cdn.faceio.net, that is to
	// the Visage listener: the five calls' (two aborted, the enrollment,
	// the restarted login, the login).
	if n := log.exactly("POST " + fiojsHost + "/widget/v1/sessions"); n != 5 {
		t.Errorf("%d sessions opened at %s, want 5", n, fiojsHost)
	}
	t.Logf("the whole test: %.1f s", time.Since(start).Seconds())
}
