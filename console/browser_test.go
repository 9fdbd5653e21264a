package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/visagehq/visage/console"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
	"github.com/visagehq/visage/store/sqlite"
	"github.com/visagehq/visage/webhook"
)

// The console end to end, in Debian's Chromium, headless, against a whole
// server (real engine, SQLite, gallery) with the console mounted as
// `visage serve` mounts it: one browser for the whole flow, a screenshot
// of every page saved beside the widget's (bin/screenshots, or
// $VISAGE_SCREENSHOTS) as console-*.png.

// page is the browser's one tab.
type page struct {
	t   *testing.T
	ctx context.Context
}

func newPage(t *testing.T) *page {
	return &page{t: t, ctx: testface.Browser(t, 1200, 900, chromedp.Flag("lang", "en-US"))}
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	testface.Do(p.t, p.ctx, steps...)
}

func pageEval[T any](p *page, expr string) T {
	p.t.Helper()
	return testface.Eval[T](p.t, p.ctx, expr)
}

// until waits for a JavaScript condition to hold.
func (p *page) until(what, cond string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if pageEval[bool](p, "!!("+cond+")") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.shot("stuck")
	p.t.Fatalf("waited 20 s for %s (%s); the page says: %s", what, cond, pageEval[string](p, "document.body.innerText"))
}

// click clicks, as a mouse does, the element sel. A page that replaces
// the element between finding it and clicking it (a list re-rendered)
// is asked again.
func (p *page) click(sel string) {
	p.t.Helper()
	for attempt := 1; ; attempt++ {
		p.until(sel, "document.querySelector("+jsString(sel)+")")
		ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)))
		cancel()
		if err == nil {
			return
		}
		if attempt == 5 || !strings.Contains(err.Error(), "Could not find node") {
			p.t.Fatalf("click %s: %v", sel, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// typeInto types text into the field sel, after emptying it.
func (p *page) typeInto(sel, text string) {
	p.t.Helper()
	p.until(sel, "document.querySelector("+jsString(sel)+")")
	pageEval[bool](p, "(() => { const e = document.querySelector("+jsString(sel)+"); e.value = ''; e.focus(); return true })()")
	p.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

func (p *page) shot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(testface.ScreenshotDir(p.t), "console-"+name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// enroll enrolls photo over the native API with key, as an app's backend.
func enroll(t *testing.T, base, key, externalID string, photo []byte) string {
	t.Helper()
	status, out := tryEnroll(t, base, key, externalID, photo)
	if status != 201 {
		t.Fatalf("enroll: %d %v", status, out)
	}
	return out["facial_id"].(string)
}

// tryEnroll sends an enrollment and returns the answer's status and body.
func tryEnroll(t *testing.T, base, key, externalID string, photo []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("image", "me.jpg")
	fw.Write(photo)
	w.WriteField("external_id", externalID)
	w.Close()
	req, _ := http.NewRequest("POST", base+"/v1/enroll", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func TestBrowserConsole(t *testing.T) {
	testface.Chromium(t)
	eng := testface.Engine(t)
	photo := testface.Person(t, 1, 0, 0)
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{4}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: eng, Table: eng.Pack().Calibration, PINKey: []byte("k"), Logger: quiet})
	token, err := svc.CreateAdminToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	con := console.New(svc, console.Config{Logger: quiet})
	var mounts []vhttp.Mount
	for _, p := range con.Patterns() {
		mounts = append(mounts, vhttp.Mount{Pattern: p, Handler: con})
	}
	ts := httptest.NewServer(vhttp.New(svc, vhttp.Config{Logger: quiet, Mounts: mounts, Console: con.Session}))
	t.Cleanup(ts.Close)
	// Webhooks are delivered as `visage serve` delivers them, to a
	// receiver that takes everything.
	received := make(chan string, 100)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		received <- r.Header.Get("webhook-id")
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	delivering, stopDelivering := context.WithCancel(ctx)
	deliverer := &webhook.Deliverer{Store: st, Poll: 100 * time.Millisecond, Log: quiet}
	delivered := make(chan struct{})
	go func() { deliverer.Run(delivering); close(delivered) }()
	t.Cleanup(func() { stopDelivering(); <-delivered })

	p := newPage(t)

	// Sign in, with the keyboard: the token field has the focus.
	p.do(chromedp.Navigate(ts.URL+"/console"), chromedp.WaitVisible(chromedp.CSS(`form[data-form="signin"]`)))
	p.until("the token field's focus", `document.activeElement && document.activeElement.name === "token"`)
	p.shot("signin")
	p.do(chromedp.KeyEvent("vsa_wrongwrongwrongwrongwrong\r"))
	p.until("the refusal", `document.querySelector('[role="alert"]').textContent.length > 0`)
	p.shot("signin-refused")
	p.typeInto(`input[name="token"]`, token+"\n")
	p.until("the apps page", `document.querySelector('[data-page="apps"] form[data-form="create-app"]')`)

	// Create an app: its first key is shown once.
	p.typeInto(`form[data-form="create-app"] input[name="name"]`, "Shop")
	p.click(`form[data-form="create-app"] button[type="submit"]`)
	p.until("the new app's key", `document.querySelector('.secretbox input.secret')`)
	appKey := pageEval[string](p, `document.querySelector('.secretbox input.secret').value`)
	if !strings.HasPrefix(appKey, "vsk_") {
		t.Fatalf("the key shown: %q", appKey)
	}
	p.until("the app in the list", `document.querySelector('.list a[data-app-id]')`)
	p.shot("apps")
	apps, _ := svc.Apps(ctx)
	if len(apps) != 1 || apps[0].Name != "Shop" {
		t.Fatalf("apps: %+v", apps)
	}
	app := apps[0]

	// Its page: change a setting, and rename it.
	p.click(`.list a[data-app-id]`)
	p.until("the app's settings", `document.querySelector('form[data-form="settings"] select[name="level"]')`)
	pageEval[bool](p, `(() => { const s = document.querySelector('select[name="level"]'); s.value = "5"; s.dispatchEvent(new Event("change")); return true })()`)
	p.click(`form[data-form="settings"] input[name="prevent_duplicates"]`)
	p.typeInto(`form[data-form="settings"] textarea[name="allowed_origins"]`, "https://shop.example")
	p.click(`form[data-form="settings"] button[type="submit"]`)
	p.until("the settings saved", `document.querySelector('.status.ok')`)
	got, _ := svc.App(ctx, app.ID)
	if got.Settings.Level != 5 || !got.Settings.PreventDuplicates || len(got.Settings.AllowedOrigins) != 1 || got.Settings.AllowedOrigins[0] != "https://shop.example" {
		t.Errorf("settings after saving: %+v", got.Settings)
	}
	p.typeInto(`form[data-form="identity"] input[name="name"]`, "Shop EU")
	p.click(`form[data-form="identity"] button[type="submit"]`)
	p.until("the new name", `document.querySelector('h1').textContent === "Shop EU"`)
	p.shot("app")

	// Keys: make one, then revoke it.
	p.click(`nav a[data-section="keys"]`)
	p.until("the keys page", `document.querySelector('[data-page="keys"] button[data-create-key]')`)
	p.click(`button[data-create-key]`)
	p.until("the new key", `document.querySelector('.secretbox input.secret') && document.querySelectorAll('[data-key-prefix]').length === 2`)
	newKey := pageEval[string](p, `document.querySelector('.secretbox input.secret').value`)
	p.shot("keys")
	prefix := newKey[:12]
	p.click(`button[data-revoke="` + prefix + `"]`)
	p.click(`.confirm button[data-confirm="yes"]`)
	p.until("the key revoked", `document.querySelectorAll('[data-key-status="revoked"]').length === 1`)
	p.shot("keys-revoked")
	keys, _ := svc.Keys(ctx, app.ID)
	revoked := 0
	for _, k := range keys {
		if k.RevokedAt != nil {
			revoked++
			if k.Prefix != prefix {
				t.Errorf("revoked %s, not %s", k.Prefix, prefix)
			}
		}
	}
	if len(keys) != 2 || revoked != 1 {
		t.Errorf("keys: %d, revoked %d", len(keys), revoked)
	}

	// A face enrolled over the native API with the app's first key.
	facialID := enroll(t, ts.URL, appKey, "alice", photo)

	// Faces: find it, read what it is made of, delete it.
	p.click(`nav a[data-section="faces"]`)
	p.until("the faces page", `document.querySelector('[data-page="faces"] form[data-form="face-search"]')`)
	p.until("the face in the list", `document.querySelector('button[data-face="`+facialID+`"]')`)
	p.typeInto(`input[name="q"]`, "alice\n")
	p.until("the search's answer", `document.querySelectorAll('button[data-face]').length === 1`)
	p.click(`button[data-face="` + facialID + `"]`)
	p.until("the face's details", `document.querySelector('dd[data-field="learned_templates"]')`)
	if v := pageEval[string](p, `document.querySelector('dd[data-field="needs_reenrollment"]').textContent`); v != "No" {
		t.Errorf("needs re-enrollment: %q", v)
	}
	if v := pageEval[string](p, `document.querySelector('dd[data-field="enrolled_templates"]').textContent`); v != "1" {
		t.Errorf("enrolled templates: %q", v)
	}
	p.shot("faces")
	p.click(`button[data-delete-face]`)
	p.click(`.confirm button[data-confirm="yes"]`)
	p.until("the face gone", `document.querySelector('[data-faces-empty]')`)
	if _, err := svc.Face(ctx, got, facialID); err == nil {
		t.Error("the face is still in the store")
	}

	// Usage: the enrollment is today's call.
	p.click(`nav a[data-section="usage"]`)
	today := time.Now().UTC().Format(time.DateOnly)
	p.until("today's call in the chart", `document.querySelector('rect[data-key="succeeded"][data-day="`+today+`"][data-value="1"]')`)
	if v := pageEval[string](p, `document.querySelector('dd[data-total="calls"]').textContent`); v != "1" {
		t.Errorf("calls: %q", v)
	}
	p.shot("usage")

	// Delete an app: the button works once its name is typed, then asks.
	made, err := svc.CreateApp(ctx, "Old shop", "free")
	if err != nil {
		t.Fatal(err)
	}
	pageEval[bool](p, `(() => { location.hash = "#/apps/`+made.ID+`"; return true })()`)
	p.until("the app to delete", `document.querySelector('button[data-delete-app]')`)
	if !pageEval[bool](p, `document.querySelector('button[data-delete-app]').disabled`) {
		t.Error("the delete button works before the name is typed")
	}
	p.typeInto(`input[name="confirm-name"]`, "Old shop")
	p.click(`button[data-delete-app]`)
	p.shot("app-delete")
	p.click(`.confirm button[data-confirm="yes"]`)
	p.until("the apps page", `document.querySelector('[data-page="apps"] .list')`)
	if apps, _ := svc.Apps(ctx); len(apps) != 1 || apps[0].ID != app.ID {
		t.Errorf("apps after deleting one: %+v", apps)
	}
	p.click(`nav a[data-section="usage"]`)
	p.until("the usage page", `document.querySelector('rect[data-key="succeeded"]')`)

	// Readable on a phone, and in Arabic, right to left.
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	p.do(chromedp.Reload())
	p.until("the usage page again", `document.querySelector('rect[data-key="succeeded"]')`)
	if overflow := pageEval[bool](p, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the usage page is wider than a phone's screen")
	}
	p.shot("usage-phone")
	pageEval[bool](p, `(() => { const s = document.querySelector('select[name="lang"]'); s.value = "ar"; s.dispatchEvent(new Event("change")); return true })()`)
	p.until("Arabic", `document.documentElement.dir === "rtl" && document.querySelector('rect[data-key="succeeded"]')`)
	p.click(`nav a[data-section="apps"]`)
	p.until("the apps page in Arabic", `document.querySelector('[data-page="apps"] .list a[data-app-id]')`)
	if overflow := pageEval[bool](p, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the apps page is wider than a phone's screen")
	}
	p.shot("apps-phone-ar")
	pageEval[bool](p, `(() => { const s = document.querySelector('select[name="lang"]'); s.value = "en"; s.dispatchEvent(new Event("change")); return true })()`)
	p.do(chromedp.EmulateViewport(1200, 900))

	// The audit log: every action above, and the sign-ins, the refused
	// one too.
	p.click(`nav a[data-section="audit"]`)
	p.until("the audit log", `document.querySelector('[data-page="audit"] tr[data-action="console.sign_in"]')`)
	for _, action := range []string{"console.sign_in_refused", "app.create", "app.delete"} {
		if !pageEval[bool](p, `!!document.querySelector('tr[data-action="`+action+`"]')`) {
			t.Errorf("the audit log does not show %s", action)
		}
	}
	p.shot("audit")
	// … filtered by the app: its own entries only.
	pageEval[bool](p, `(() => { const s = document.querySelector('form[data-form="audit-filter"] select[name="app"]'); s.value = `+jsString(app.ID)+`; return true })()`)
	p.click(`form[data-form="audit-filter"] button[type="submit"]`)
	p.until("the app's entries", `document.querySelector('tr[data-action="face.delete"]') && !document.querySelector('tr[data-action="console.sign_in"]')`)
	shown := pageEval[[]string](p, `Array.from(document.querySelectorAll('tr[data-action]')).map(r => r.dataset.app + " " + r.dataset.action)`)
	for _, action := range []string{"app.create", "app.settings", "app.edit", "key.create", "key.revoke", "face.enroll", "face.delete"} {
		if !slices.Contains(shown, app.ID+" "+action) {
			t.Errorf("the app's audit log does not show %s: %v", action, shown)
		}
	}
	for _, row := range shown {
		if !strings.HasPrefix(row, app.ID+" ") {
			t.Errorf("the app's audit log shows %s", row)
		}
	}
	if d := pageEval[string](p, `document.querySelector('tr[data-action="app.settings"] [data-detail="changed"]').textContent`); !strings.Contains(d, "prevent_duplicates") || !strings.Contains(d, "level") {
		t.Errorf("the settings entry's detail: %q", d)
	}
	if body := pageEval[string](p, `document.body.innerText`); strings.Contains(body, token) || strings.Contains(body, appKey) {
		t.Error("the audit page shows a secret")
	}
	p.shot("audit-app")

	// Webhooks: add one for face.enrolled; its secret is shown once.
	pageEval[bool](p, `(() => { location.hash = "#/webhooks/`+app.ID+`"; return true })()`)
	p.until("the webhooks page", `document.querySelector('[data-page="webhooks"] [data-webhooks-empty]')`)
	hookURL := receiver.URL + "/visage"
	p.typeInto(`form[data-form="create-webhook"] input[name="url"]`, hookURL)
	p.click(`form[data-form="create-webhook"] input[name="event"][value="face.enrolled"]`)
	p.click(`form[data-form="create-webhook"] button[type="submit"]`)
	p.until("the webhook listed", `document.querySelector('tr[data-webhook-url=`+jsString(hookURL)+`]') && document.querySelector('.secretbox input.secret')`)
	if secret := pageEval[string](p, `document.querySelector('.secretbox input.secret').value`); !strings.HasPrefix(secret, "whsec_") {
		t.Errorf("the webhook's secret shown: %q", secret)
	}
	hooks, err := svc.Webhooks(ctx, app.ID)
	if err != nil || len(hooks) != 1 || hooks[0].URL != hookURL || fmt.Sprint(hooks[0].Events) != "[face.enrolled]" || hooks[0].Disabled {
		t.Fatalf("webhooks: %+v %v", hooks, err)
	}
	p.shot("webhooks")
	// A face enrolled: its event is delivered, and sent again from the log.
	enroll(t, ts.URL, appKey, "bob", photo)
	select {
	case <-received:
	case <-time.After(10 * time.Second):
		t.Fatal("the face.enrolled event was not delivered")
	}
	p.click(`button[data-deliveries="` + hooks[0].ID + `"]`)
	p.until("the delivery in the log", `document.querySelector('tr[data-outcome="delivered"][data-manual="false"] button[data-redeliver]')`)
	p.click(`tr[data-outcome="delivered"] button[data-redeliver]`)
	p.until("the redelivery in the log", `document.querySelector('tr[data-manual="true"][data-outcome="delivered"]')`)
	select {
	case <-received:
	case <-time.After(10 * time.Second):
		t.Fatal("the event was not sent again")
	}
	p.shot("webhook-deliveries")
	// Edit its events, disable it and enable it again.
	p.click(`button[data-edit-webhook="` + hooks[0].ID + `"]`)
	p.click(`form[data-form="edit-webhook"] input[name="event"][value="face.deleted"]`)
	p.click(`form[data-form="edit-webhook"] button[type="submit"]`)
	p.until("the events saved", `document.querySelector('[data-webhook-editor]').hidden && document.querySelector('tr[data-webhook-id]').textContent.includes("A face is deleted")`)
	p.click(`button[data-toggle-webhook="` + hooks[0].ID + `"]`)
	p.until("the webhook disabled", `document.querySelector('[data-webhook-state="disabled"]')`)
	if h, _ := svc.Webhook(ctx, app.ID, hooks[0].ID); !h.Disabled || fmt.Sprint(h.Events) != "[face.enrolled face.deleted]" {
		t.Errorf("the webhook after editing and disabling: %+v", h)
	}
	p.click(`button[data-toggle-webhook="` + hooks[0].ID + `"]`)
	p.until("the webhook enabled", `document.querySelector('[data-webhook-state="enabled"]')`)

	// Usage: the enrollments under POST /v1/enroll, with a refused one,
	// and the gallery today.
	if status, out := tryEnroll(t, ts.URL, appKey, "nobody", testface.Blank(t)); status != 422 {
		t.Fatalf("enroll a picture without a face: %d %v", status, out)
	}
	// The refusal is counted once its answer is sent: wait for it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err := svc.Outcomes(ctx, got, time.Now(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(out, func(o store.Outcome) bool { return o.Code == "NO_FACE" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refusal is not counted: %+v", out)
		}
	}
	pageEval[bool](p, `(() => { location.hash = "#/usage/`+app.ID+`"; return true })()`)
	p.until("the enrollments under their endpoint", `document.querySelector('rect[data-endpoint="POST /v1/enroll"][data-key="succeeded"][data-value="2"]')`)
	if !pageEval[bool](p, `!!document.querySelector('rect[data-endpoint="POST /v1/enroll"][data-key="refused"][data-value="1"]') && !!document.querySelector('rect[data-code="NO_FACE"][data-value="1"]')`) {
		t.Error("the refusal is not charted under its endpoint and its code")
	}
	if !pageEval[bool](p, `!!document.querySelector('circle[data-key="faces"][data-day="`+today+`"][data-value="1"]')`) {
		t.Error("the gallery's size today is not charted")
	}
	p.shot("usage-charts")

	// The audit log and the webhooks on a phone.
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	for _, page := range []string{"audit", "webhooks"} {
		pageEval[bool](p, `(() => { location.hash = "#/`+page+`/`+app.ID+`"; return true })()`)
		p.until("the "+page+" page on a phone", `document.querySelector('[data-page="`+page+`"] tr[data-action], [data-page="`+page+`"] tr[data-webhook-id]')`)
		if overflow := pageEval[bool](p, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
			t.Errorf("the %s page is wider than a phone's screen", page)
		}
		p.shot(page + "-phone")
	}
	// … and in Arabic, right to left.
	pageEval[bool](p, `(() => { const s = document.querySelector('select[name="lang"]'); s.value = "ar"; s.dispatchEvent(new Event("change")); return true })()`)
	pageEval[bool](p, `(() => { location.hash = "#/audit/`+app.ID+`"; return true })()`)
	p.until("the audit log in Arabic", `document.documentElement.dir === "rtl" && document.querySelector('[data-page="audit"] tr[data-action="app.settings"]')`)
	if overflow := pageEval[bool](p, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the audit page in Arabic is wider than a phone's screen")
	}
	p.shot("audit-phone-ar")
	pageEval[bool](p, `(() => { const s = document.querySelector('select[name="lang"]'); s.value = "en"; s.dispatchEvent(new Event("change")); return true })()`)
	p.do(chromedp.EmulateViewport(1200, 900))

	// Delete the webhook, confirmed.
	pageEval[bool](p, `(() => { location.hash = "#/webhooks/`+app.ID+`"; return true })()`)
	p.click(`button[data-delete-webhook="` + hooks[0].ID + `"]`)
	p.click(`.confirm button[data-confirm="yes"]`)
	p.until("the webhook gone", `document.querySelector('[data-webhooks-empty]')`)
	if left, _ := svc.Webhooks(ctx, app.ID); len(left) != 0 {
		t.Errorf("webhooks after deleting: %+v", left)
	}

	// Sign out: the session is gone, the admin API refuses the cookie.
	p.click(`button[data-signout]`)
	p.until("the sign-in page", `document.querySelector('form[data-form="signin"]')`)
	status := pageEval[float64](p, `fetch("/admin/apps").then(r => r.status)`)
	if status != 401 {
		t.Errorf("/admin/apps after signing out: %v", status)
	}
	if out, _ := svc.AuditLog(ctx, store.AuditFilter{Action: "console.sign_out"}, 0, 10); len(out) != 1 || out[0].Actor != "console" || out[0].ActorID == "" {
		t.Errorf("the sign-out in the audit log: %+v", out)
	}
}
