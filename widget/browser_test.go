package widget_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/internal/fakecam"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/widget"
)

// End-to-end tests: Debian's Chromium, headless, with a fake camera
// playing a clip made from a real photo, on a page of another origin
// ("the shop") that loads fio.js from the Visage server. Each test saves
// a screenshot of every screen the widget shows into testface.ScreenshotDir.

// shop serves the pages of a site that uses the widget, on its own port:
// reached as http://localhost:port it is another origin than Visage's
// http://127.0.0.1:port.
func shop(t testing.TB, visageURL string) (port string) {
	page := template.Must(template.New("p").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example shop</title><style>body{font-family:system-ui,sans-serif;margin:2rem;background:#fafafa}</style></head>
<body><h1>Example shop</h1><p>Sign in to your account.</p>
{{if .Embed}}<script src="{{.Visage}}/widget.js" data-api-key="{{.Pub}}" data-user-id="{{.User}}"></script>
<script>window.__r = null;
FaceAuth.onSuccess(function (d) { window.__r = {ok: d}; });
FaceAuth.onError(function (e) { window.__r = {code: e.code}; });</script>
{{else}}<script src="{{.Visage}}/fio.js"></script>
<script>window.fio = new faceIO("{{.Pub}}", {host: "{{.Visage}}"});</script>{{end}}
</body></html>`))
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, map[string]any{"Visage": visageURL, "Pub": q.Get("pub"), "Embed": q.Get("embed") != "", "User": q.Get("user")})
	}))
	t.Cleanup(ts.Close)
	_, port, _ = net.SplitHostPort(ts.Listener.Addr().String())
	return port
}

// tab is a Chromium whose camera plays one clip.
type tab struct {
	t     testing.TB
	ctx   context.Context
	name  string
	shots map[string]bool
}

type tabOptions struct {
	clip []image.Image
	deny bool // camera permission refused instead of granted
	// follow, when set, replaces the clip with a person who does what
	// the widget asks (follower).
	follow *bench.Person
	flags  []chromedp.ExecAllocatorOption // more Chromium flags
}

func newTab(t testing.TB, name string, o tabOptions) *tab {
	t.Helper()
	video := filepath.Join(t.TempDir(), "camera.y4m")
	if err := writeY4M(video, o.clip); err != nil {
		t.Fatal(err)
	}
	flags := append([]chromedp.ExecAllocatorOption{
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video),
	}, o.flags...)
	if !o.deny {
		flags = append(flags, chromedp.Flag("use-fake-ui-for-media-stream", true))
	}
	ctx := testface.Browser(t, 1024, 768, flags...)
	if o.follow != nil {
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: follower(t, o.follow)}); err != nil {
			t.Fatal(err)
		}
	}
	return &tab{t: t, ctx: ctx, name: name, shots: map[string]bool{}}
}

// follower is the script of a person at the camera who does what the
// widget says a quarter of a second after it says it: the page's camera
// is a canvas (getUserMedia replaced) showing their frontal photo, or
// their photo turned the way asked, each frame shifted a little as a
// hand-held camera's are. The time from the call to the
// result is measured with it: a looping file turns when it turns, not
// when asked, and its wait would be counted as the widget's.
func follower(t testing.TB, p *bench.Person) string {
	var urls []string
	for _, img := range []image.Image{p.Frontal, p.Left, p.Right} {
		// The photo fills the frame, as the camera's picture does: a
		// border around it is what the texture model looks for in a print.
		urls = append(urls, "data:image/jpeg;base64,"+base64.StdEncoding.EncodeToString(jpegOf(t, fakecam.Jitter(img, rand.New(rand.NewPCG(1, 1))))))
	}
	photos, _ := json.Marshal(urls)
	return `(() => {
	const imgs = ` + string(photos) + `.map(src => Object.assign(new Image(), {src}));
	const canvas = Object.assign(document.createElement('canvas'), {width: ` + fmt.Sprint(camW) + `, height: ` + fmt.Sprint(camH) + `});
	const ctx = canvas.getContext('2d');
	let pose = 0, want = 0, since = 0;
	setInterval(() => {
		const h = document.getElementById('visage-fio');
		const g = h && h.shadowRoot && h.shadowRoot.querySelector('[data-guidance]');
		const say = g ? g.dataset.guidance : '';
		const next = say === 'turn_left' ? 1 : say === 'turn_right' ? 2 : say === 'hold' ? want : 0;
		if (next !== want) { want = next; since = performance.now(); }
		if (pose !== want && performance.now() - since >= 250) pose = want;
		// As fakecam.Jitter: zoomed by up to 2 %, shifted by up to 4 pixels.
		const s = 1 + (Math.random() - 0.5) * 0.04, dx = (Math.random() - 0.5) * 8, dy = (Math.random() - 0.5) * 8;
		ctx.fillStyle = '#808080';
		ctx.fillRect(0, 0, canvas.width, canvas.height);
		ctx.drawImage(imgs[pose], canvas.width * (1 - s) / 2 + dx, canvas.height * (1 - s) / 2 + dy, canvas.width * s, canvas.height * s);
	}, 1000 / ` + fmt.Sprint(camFPS) + `);
	navigator.mediaDevices.getUserMedia = () => Promise.resolve(canvas.captureStream(` + fmt.Sprint(camFPS) + `));
})()`
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	testface.Do(b.t, b.ctx, steps...)
}

// eval evaluates a JavaScript expression in the page (awaiting it when it
// is a promise) into a value of type T.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	return testface.Eval[T](b.t, b.ctx, expr)
}

func (b *tab) open(host, port, query string) {
	b.t.Helper()
	b.do(chromedp.Navigate(fmt.Sprintf("http://%s:%s/?%s", host, port, query)), chromedp.WaitReady("body"))
}

// result is how a widget call ended: its value, or the fioErrCode name.
type result struct {
	OK   map[string]any `json:"ok"`
	Code string         `json:"code"`
	MS   float64        `json:"ms"`
}

// start calls the widget (call is a JS expression giving a promise); the
// outcome lands in window.__r.
func (b *tab) start(call string) {
	b.t.Helper()
	eval[bool](b, `(() => {
		window.__r = null; const t0 = performance.now();
		const errs = fio.fetchAllErrorCodes();
		(`+call+`).then(v => window.__r = {ok: v, ms: performance.now() - t0},
			c => window.__r = {code: Object.keys(errs).find(k => errs[k] === c) || String(c), ms: performance.now() - t0});
		return true })()`)
}

// wait polls the widget until the call ends, saving a screenshot of each
// new screen and typing the PINs each time the PIN pad waits for one.
func (b *tab) wait(pins ...string) result {
	b.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	typed := 0
	for time.Now().Before(deadline) {
		st := eval[struct {
			State    string  `json:"state"`
			Guidance string  `json:"guidance"`
			PINWait  bool    `json:"pinWait"`
			R        *result `json:"r"`
		}](b, `(() => {
			const h = document.getElementById('visage-fio');
			const i = h && h.shadowRoot && h.shadowRoot.querySelector('[data-pin-input]');
			const g = h && h.shadowRoot && h.shadowRoot.querySelector('[data-guidance]');
			return {state: (h && h.dataset.state) || '', guidance: (g && g.dataset.guidance) || '',
				pinWait: !!i && i.value === '' && !i.disabled, r: window.__r};
		})()`)
		b.shoot(st.State)
		if st.State == "scan" && slices.Contains([]string{"turn_left", "turn_right", "face_camera"}, st.Guidance) {
			b.shoot("scan-" + st.Guidance) // the movements' guidance, arrow and all
		}
		if st.State == "pin" && st.PINWait && len(pins) > 0 {
			if typed > 0 {
				b.shoot("pin-again") // the pad with what was wrong with the last PIN
			}
			typed++
			b.do(chromedp.KeyEvent(pins[0] + "\r"))
			pins = pins[1:]
			time.Sleep(200 * time.Millisecond)
		}
		if st.R != nil {
			return *st.R
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.screenshot("stuck")
	b.t.Fatal("the widget gave no result in 90 s")
	return result{}
}

// shoot saves the first sight of each screen. The live video and the
// guidance need a moment to show; other screens are taken at once, before
// the next one replaces them.
func (b *tab) shoot(state string) {
	if state == "" || b.shots[state] {
		return
	}
	b.shots[state] = true
	if state == "scan" {
		time.Sleep(600 * time.Millisecond)
	}
	b.screenshot(state)
}

func (b *tab) screenshot(state string) {
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(testface.ScreenshotDir(b.t), b.name+"-"+state+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// click clicks the element of the widget's shadow root matching sel.
func (b *tab) click(sel string) {
	b.t.Helper()
	if !eval[bool](b, `(() => { const e = document.getElementById('visage-fio').shadowRoot.querySelector('`+sel+`'); if (!e) return false; e.click(); return true })()`) {
		b.t.Fatalf("no %s in the widget", sel)
	}
}

// enrolled enrolls person through the service, as a backend would.
func enrolled(t testing.TB, s *server, app *visage.App, externalID, pin string, photos ...[]byte) string {
	t.Helper()
	e, err := s.svc.Enroll(context.Background(), app, service.EnrollRequest{Images: photos, ExternalID: externalID, PIN: pin})
	if err != nil {
		t.Fatal(err)
	}
	return e.FacialID
}

func logTime(t testing.TB, what string, r result) {
	t.Logf("%s: %.1f s from the call to the result", what, r.MS/1000)
}

// Enroll with the consent screen and a payload, then log in three times,
// as a person who does what the widget asks: the same facial ID and
// payload come back each time. It logs how long each call took and the
// median login.
func TestBrowserEnrollThenAuthenticate(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{AllowedOrigins: []string{"http://localhost:" + port}, PreventDuplicates: true, RequireLiveness: true})
	b := newTab(t, "enroll", tabOptions{follow: &ps[0]})
	b.open("localhost", port, "pub="+app.PublicID)

	b.start(`fio.enroll({payload: {whoami: 123456, email: "john.doe@example.com"}, enrollIntroTimeout: 2})`)
	b.waitState("consent")
	b.click("[data-accept]")
	r := b.wait()
	if r.Code != "" || r.OK["facialId"] == nil || r.OK["timestamp"] == nil || r.OK["details"] == nil {
		t.Fatalf("enroll: %+v", r)
	}
	logTime(t, "enroll (consent, intro, camera, frames, two turns)", r)

	var took []float64
	for i := range 3 {
		b.name = fmt.Sprintf("authenticate-%d", i+1)
		b.shots = map[string]bool{}
		b.start(`fio.authenticate({locale: "auto"})`)
		a := b.wait()
		if a.Code != "" || a.OK["facialId"] != r.OK["facialId"] {
			t.Fatalf("authenticate: %+v, enrolled %v", a, r.OK["facialId"])
		}
		if p, _ := a.OK["payload"].(map[string]any); p["email"] != "john.doe@example.com" || p["whoami"] != float64(123456) {
			t.Errorf("payload %v", a.OK["payload"])
		}
		logTime(t, b.name, a)
		took = append(took, a.MS/1000)
	}
	slices.Sort(took)
	t.Logf("authenticate: median %.1f s from the call to the result", took[len(took)/2])
}

// waitState polls until the widget shows state, saving screenshots as
// wait does.
func (b *tab) waitState(state string) {
	b.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		st := eval[string](b, `(document.getElementById('visage-fio') || {dataset: {}}).dataset.state || ''`)
		b.shoot(st)
		if st == state {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("the widget never showed %s", state)
}

// Someone who is not enrolled is not recognised.
func TestBrowserUnrecognizedFace(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{})
	enrolled(t, s, app, "", "", ps[0].Enroll)
	b := newTab(t, "unrecognized", tabOptions{clip: turnClip(ps[1])})
	b.open("localhost", port, "pub="+app.PublicID)
	b.start(`fio.authenticate()`)
	if r := b.wait(); r.Code != "UNRECOGNIZED_FACE" {
		t.Fatalf("a stranger: %+v, want UNRECOGNIZED_FACE", r)
	}
}

// A camera that sees no face gives up after idleTimeout — here in
// Arabic, on a phone-sized screen.
func TestBrowserNoFace(t *testing.T) {
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{})
	b := newTab(t, "noface-ar-phone", tabOptions{clip: emptyClip()})
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.open("localhost", port, "pub="+app.PublicID)
	b.start(`fio.authenticate({idleTimeout: 3, locale: "ar"})`)
	b.waitState("scan")
	if dir := eval[string](b, `document.getElementById('visage-fio').shadowRoot.querySelector('[dir]').getAttribute('dir')`); dir != "rtl" {
		t.Errorf("Arabic widget dir=%q, want rtl", dir)
	}
	r := b.wait()
	if r.Code != "NO_FACES_DETECTED" {
		t.Fatalf("no face: %+v, want NO_FACES_DETECTED", r)
	}
	if r.MS < 3000 {
		t.Errorf("NO_FACES_DETECTED after %.0f ms, before the 3 s idleTimeout", r.MS)
	}
}

// Camera access refused by the person.
func TestBrowserPermissionRefused(t *testing.T) {
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{})
	b := newTab(t, "permission", tabOptions{clip: emptyClip(), deny: true})
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "camera"}, Setting: browser.PermissionSettingDenied, Origin: "http://localhost:" + port}); err != nil {
		t.Fatal(err)
	}
	b.open("localhost", port, "pub="+app.PublicID)
	b.start(`fio.authenticate()`)
	if r := b.wait(); r.Code != "PERMISSION_REFUSED" {
		t.Fatalf("camera refused: %+v, want PERMISSION_REFUSED", r)
	}
}

// A page on an origin the app does not allow. The page also imports the
// ES module build, as a bundler-less site would.
func TestBrowserForbiddenOrigin(t *testing.T) {
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{AllowedOrigins: []string{"http://localhost:" + port}})
	b := newTab(t, "origin", tabOptions{clip: emptyClip()})
	b.open("localhost", port, "pub="+app.PublicID)
	if n := eval[float64](b, `import("`+s.url+`/fio.mjs").then(m => new m.default("`+app.PublicID+`").fetchAllErrorCodes().FORBIDDDEN_COUNTRY)`); n != 18 {
		t.Errorf("fio.mjs default export: FORBIDDDEN_COUNTRY = %v, want 18", n)
	}
	b.open("127.0.0.1", port, "pub="+app.PublicID) // same page, another origin
	b.start(`fio.authenticate()`)
	if r := b.wait(); r.Code != "FORBIDDDEN_ORIGIN" {
		t.Fatalf("forbidden origin: %+v, want FORBIDDDEN_ORIGIN", r)
	}
}

// A second call while one runs is refused with SESSION_IN_PROGRESS and
// the first goes on to its result.
func TestBrowserSessionInProgress(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{})
	id := enrolled(t, s, app, "", "", ps[0].Enroll)
	b := newTab(t, "inprogress", tabOptions{clip: turnClip(ps[0])})
	b.open("localhost", port, "pub="+app.PublicID)
	b.start(`fio.authenticate()`)
	second := eval[string](b, `fio.authenticate().then(() => "resolved", c => Object.keys(fio.fetchAllErrorCodes()).find(k => fio.fetchAllErrorCodes()[k] === c))`)
	if second != "SESSION_IN_PROGRESS" {
		t.Errorf("second call: %q, want SESSION_IN_PROGRESS", second)
	}
	if r := b.wait(); r.Code != "" || r.OK["facialId"] != id {
		t.Fatalf("the first call after the second was refused: %+v, want facial ID %s", r, id)
	}
}

// A printed photo held up to the camera (NUAA's print attacks), for an
// app that requires liveness.
func TestBrowserPadAttack(t *testing.T) {
	dir := testface.Datasets(t, "nuaa-print")
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{RequireLiveness: true})
	attacks, _ := filepath.Glob(filepath.Join(dir, "ImposterRaw", "0001", "*.jpg"))
	if len(attacks) == 0 {
		t.Skip("no NUAA attack frames")
	}
	photo, err := os.ReadFile(attacks[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	b := newTab(t, "pad", tabOptions{clip: jittered(img)})
	b.open("localhost", port, "pub="+app.PublicID)
	b.start(`fio.authenticate()`)
	if r := b.wait(); r.Code != "PAD_ATTACK" {
		t.Fatalf("printed photo: %+v, want PAD_ATTACK", r)
	}
}

// An enrolled person's photo, squeezed by software to imitate the turns
// asked: it reaches the pose, but its skin moves as one flat picture's
// does.
func TestBrowserSqueezedPhoto(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{RequireLiveness: true})
	enrolled(t, s, app, "", "", ps[0].Enroll)
	b := newTab(t, "squeezed", tabOptions{clip: squeezeClip(ps[0].Frontal)})
	b.open("localhost", port, "pub="+app.PublicID)
	b.start(`fio.authenticate()`)
	if r := b.wait(); r.Code != "PAD_ATTACK" {
		t.Fatalf("squeezed photo: %+v, want PAD_ATTACK", r)
	}
}

// Three wrong PINs end the authentication with WRONG_PIN_CODE.
func TestBrowserWrongPIN(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{RequirePIN: true})
	enrolled(t, s, app, "", "2468", ps[0].Enroll)
	b := newTab(t, "pin", tabOptions{clip: turnClip(ps[0])})
	b.open("localhost", port, "pub="+app.PublicID)
	b.start(`fio.authenticate()`)
	if r := b.wait("1111", "2222", "3333"); r.Code != "WRONG_PIN_CODE" {
		t.Fatalf("three wrong PINs: %+v, want WRONG_PIN_CODE", r)
	}
}

// FaceAuth's script tag: verifies that the person at the camera is the
// user the page names.
func TestBrowserFaceAuthEmbed(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	port := shop(t, s.url)
	app := s.app(visage.AppSettings{})
	enrolled(t, s, app, "alice", "", ps[0].Enroll)
	enrolled(t, s, app, "bob", "", ps[1].Enroll)
	b := newTab(t, "faceauth", tabOptions{clip: turnClip(ps[0])})
	for _, tc := range []struct{ user, want string }{{"alice", ""}, {"bob", "UNRECOGNIZED_FACE"}} {
		b.shots = map[string]bool{}
		b.name = "faceauth-" + tc.user
		b.open("localhost", port, "embed=1&pub="+app.PublicID+"&user="+tc.user)
		eval[bool](b, `(FaceAuth.start(), true)`)
		r := b.wait()
		if r.Code != tc.want || (tc.want == "" && r.OK["identity"] != tc.user) {
			t.Errorf("FaceAuth as %s: %+v, want %q", tc.user, r, tc.want)
		}
	}
}

// The demo page of `make run`: enroll with a name, then log in and be
// greeted by it. Its app has liveness and duplicate prevention on, as
// `visage serve --demo` creates it.
func TestBrowserDemo(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{RequireLiveness: true, PreventDuplicates: true})
	s = s.withDemo(t, app.PublicID)
	b := newTab(t, "demo", tabOptions{clip: turnClip(ps[0])})
	b.do(chromedp.Navigate(s.url+"/demo"), chromedp.WaitReady("#enroll"),
		chromedp.SendKeys("#name", "Ada"), chromedp.Click("#enroll"))
	b.waitState("consent")
	b.click("[data-accept]")
	if out := b.output(); !strings.HasPrefix(out, "Enrolled Ada.") {
		t.Fatalf("demo enroll: %q", out)
	}
	b.do(chromedp.Click("#login"))
	if out := b.output(); !strings.HasPrefix(out, "Welcome back, Ada!") {
		t.Fatalf("demo login: %q", out)
	}
}

// output waits for the demo page's result line to change, then returns it.
func (b *tab) output() string {
	b.t.Helper()
	before := eval[string](b, `document.getElementById('out').textContent`)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if out := eval[string](b, `document.getElementById('out').textContent`); out != before && out != "" {
			return out
		}
	}
	b.screenshot("stuck")
	b.t.Fatal("the demo page showed no result in 60 s")
	return ""
}
