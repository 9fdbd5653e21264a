package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
	"github.com/visagehq/visage/webhook"
)

// The webhooks' admin API over real HTTP, on a real SQLite store, with a
// deliverer running and a real receiver; no engine is needed, the events
// are the settings' changes.

// hookReceiver records what it is sent and answers fail's status, or 204.
type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
	fail atomic.Int32
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got, r.body = append(r.got, req), append(r.body, b)
		r.mu.Unlock()
		if st := r.fail.Load(); st != 0 {
			w.WriteHeader(int(st))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

type adminClient struct {
	t     *testing.T
	url   string
	token string
}

func (c *adminClient) call(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func TestWebhooksOverHTTP(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Config{Store: db, Gallery: index.New(), PINKey: []byte("k"), Logger: quiet})
	ts := httptest.NewServer(vhttp.New(svc, vhttp.Config{Logger: quiet}))
	t.Cleanup(ts.Close)
	token, err := svc.CreateAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := &adminClient{t: t, url: ts.URL, token: token}
	dctx, stop := context.WithCancel(context.Background())
	d := &webhook.Deliverer{Store: db, Backoff: 10 * time.Millisecond, Poll: 20 * time.Millisecond, Log: quiet}
	delivering := make(chan struct{})
	go func() { d.Run(dctx); close(delivering) }()
	t.Cleanup(func() { stop(); <-delivering })

	newApp := func(name string) string {
		st, app := c.call("POST", "/admin/apps", map[string]string{"name": name})
		if st != http.StatusCreated {
			t.Fatalf("create app: %d %v", st, app)
		}
		return app["id"].(string)
	}
	appA, appB := newApp("A"), newApp("B")
	rcv := newHookReceiver(t)
	hooks := "/admin/apps/" + appA + "/webhooks"

	// Refused: URLs, event types, bodies.
	for _, body := range []map[string]any{
		{},
		{"url": ""},
		{"url": "ftp://example.com/x"},
		{"url": "/relative"},
		{"url": "https://user:pass@example.com/x"},
		{"url": "https://example.com/a b"},
		{"url": "https://example.com/" + strings.Repeat("a", 2100)},
		{"url": "mailto:ops@example.com"},
		{"url": rcv.URL, "events": []string{"face.enrolled", "face.exploded"}},
		{"url": rcv.URL, "secret": "whsec_mine"},
	} {
		if st, out := c.call("POST", hooks, body); st != http.StatusBadRequest || codeOf(out) != "INVALID_REQUEST" {
			t.Errorf("create %v: %d %v", body, st, out)
		}
	}
	if st, out := c.call("POST", "/admin/apps/nope/webhooks", map[string]any{"url": rcv.URL}); st != http.StatusNotFound {
		t.Errorf("create for no app: %d %v", st, out)
	}

	st, created := c.call("POST", hooks, map[string]any{"url": rcv.URL + "/in?token=path-secret", "events": []string{"app.settings_changed", "face.enrolled"}})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, created)
	}
	secret, _ := created["secret"].(string)
	hookID := created["id"].(string)
	if !strings.HasPrefix(secret, "whsec_") || created["enabled"] != true || fmt.Sprint(created["events"]) != "[face.enrolled app.settings_changed]" {
		t.Fatalf("created %v", created)
	}
	hook := hooks + "/" + hookID

	// Read: never the secret again.
	st, one := c.call("GET", hook, nil)
	if st != 200 || one["secret"] != nil || one["url"] != rcv.URL+"/in?token=path-secret" {
		t.Errorf("get: %d %v", st, one)
	}
	st, list := c.call("GET", hooks, nil)
	if st != 200 || len(list["webhooks"].([]any)) != 1 || strings.Contains(fmt.Sprint(list), secret) {
		t.Errorf("list: %d %v", st, list)
	}

	// Another app sees and touches nothing of it.
	other := "/admin/apps/" + appB + "/webhooks/" + hookID
	for _, call := range []struct {
		method, path string
		body         any
	}{
		{"GET", other, nil},
		{"PATCH", other, map[string]any{"enabled": false}},
		{"DELETE", other, nil},
		{"GET", other + "/deliveries", nil},
		{"POST", other + "/deliveries/msg_x/redeliver", nil},
	} {
		if st, out := c.call(call.method, call.path, call.body); st != http.StatusNotFound || codeOf(out) != "NOT_FOUND" {
			t.Errorf("%s %s: %d %v", call.method, call.path, st, out)
		}
	}
	if st, list := c.call("GET", "/admin/apps/"+appB+"/webhooks", nil); st != 200 || len(list["webhooks"].([]any)) != 0 {
		t.Errorf("app B lists %v", list)
	}
	// An app's key is not an admin token.
	keyA, _, _ := svc.CreateKey(context.Background(), appA)
	if st, _ := (&adminClient{t: t, url: ts.URL, token: keyA}).call("GET", hooks, nil); st != http.StatusUnauthorized {
		t.Errorf("an app key lists webhooks: %d", st)
	}

	// An event: delivered, signed.
	if st, out := c.call("PUT", "/admin/apps/"+appA+"/settings", map[string]any{"level": 5}); st != 200 {
		t.Fatalf("settings: %d %v", st, out)
	}
	if st, out := c.call("PUT", "/admin/apps/"+appB+"/settings", map[string]any{"level": 5}); st != 200 {
		t.Fatalf("settings: %d %v", st, out)
	}
	waitUntil(t, "the delivery", func() bool { return rcv.count() >= 1 })
	wh, _ := standardwebhooks.NewWebhook(secret)
	rcv.mu.Lock()
	first, firstBody := rcv.got[0], rcv.body[0]
	rcv.mu.Unlock()
	if err := wh.Verify(firstBody, first.Header); err != nil {
		t.Errorf("does not verify: %v", err)
	}
	var ev struct {
		Type string
		Data map[string]any
	}
	json.Unmarshal(firstBody, &ev)
	if ev.Type != "app.settings_changed" || ev.Data["app_id"] != appA || fmt.Sprint(ev.Data["changed"]) != "[level]" || first.URL.RawQuery != "token=path-secret" {
		t.Errorf("delivered %s to %s", firstBody, first.URL)
	}
	eventID := first.Header.Get("webhook-id")

	var log map[string]any
	waitUntil(t, "the log", func() bool {
		_, log = c.call("GET", hook+"/deliveries", nil)
		entries, _ := log["deliveries"].([]any)
		return len(entries) == 1
	})
	entry := log["deliveries"].([]any)[0].(map[string]any)
	if entry["event_id"] != eventID || entry["status"] != 204.0 || entry["outcome"] != "delivered" || entry["attempt"] != 1.0 {
		t.Errorf("log entry %v", entry)
	}
	if st, out := c.call("GET", hook+"/deliveries?limit=0", nil); st != http.StatusBadRequest {
		t.Errorf("limit 0: %d %v", st, out)
	}

	// Redeliver: once, at once, the same webhook-id; the answer says how
	// it went.
	st, again := c.call("POST", hook+"/deliveries/"+eventID+"/redeliver", nil)
	if st != 200 || again["delivered"] != true || again["delivery"].(map[string]any)["manual"] != true {
		t.Fatalf("redeliver: %d %v", st, again)
	}
	rcv.fail.Store(500)
	st, failed := c.call("POST", hook+"/deliveries/"+eventID+"/redeliver", nil)
	if st != 200 || failed["delivered"] != false || failed["delivery"].(map[string]any)["status"] != 500.0 || failed["delivery"].(map[string]any)["outcome"] != "failed" {
		t.Fatalf("redeliver to a failing receiver: %d %v", st, failed)
	}
	rcv.fail.Store(0)
	rcv.mu.Lock()
	if n := len(rcv.got); n != 3 || rcv.got[1].Header.Get("webhook-id") != eventID || rcv.got[2].Header.Get("webhook-id") != eventID {
		t.Errorf("the receiver got %d requests", n)
	}
	rcv.mu.Unlock()
	if _, log = c.call("GET", hook+"/deliveries?limit=2", nil); len(log["deliveries"].([]any)) != 2 || log["next"] == nil {
		t.Errorf("page of 2: %v", log)
	}
	// App B's event is not app A's to redeliver; unknown events are not found.
	evsB, err := db.Events(context.Background(), appB, 0, nil, 10)
	if err != nil || len(evsB) == 0 {
		t.Fatalf("app B's events: %v %v", evsB, err)
	}
	for _, id := range []string{evsB[len(evsB)-1].ID, "msg_nothing"} {
		if st, out := c.call("POST", hook+"/deliveries/"+id+"/redeliver", nil); st != http.StatusNotFound {
			t.Errorf("redeliver %s: %d %v", id, st, out)
		}
	}

	// Change: a type it does not take is refused at redelivery.
	if st, out := c.call("PATCH", hook, map[string]any{"events": []string{"face.deleted"}, "url": "http://localhost:1/x", "enabled": false}); st != 200 || out["enabled"] != false || fmt.Sprint(out["events"]) != "[face.deleted]" {
		t.Errorf("patch: %d %v", st, out)
	}
	if st, out := c.call("POST", hook+"/deliveries/"+eventID+"/redeliver", nil); st != http.StatusBadRequest {
		t.Errorf("redeliver an unsubscribed type: %d %v", st, out)
	}
	if st, out := c.call("PATCH", hook, map[string]any{"url": "https://a:b@example.com"}); st != http.StatusBadRequest {
		t.Errorf("patch with credentials: %d %v", st, out)
	}
	// Everything is events: an empty list takes them all.
	if st, out := c.call("PATCH", hook, map[string]any{"events": []string{}}); st != 200 || len(out["events"].([]any)) != 0 {
		t.Errorf("patch to every event: %d %v", st, out)
	}

	// At most 10 webhooks.
	for i := 2; i <= 10; i++ {
		if st, out := c.call("POST", hooks, map[string]any{"url": rcv.URL}); st != http.StatusCreated {
			t.Fatalf("webhook %d: %d %v", i, st, out)
		}
	}
	if st, out := c.call("POST", hooks, map[string]any{"url": rcv.URL}); st != http.StatusConflict || codeOf(out) != "CONFLICT" {
		t.Errorf("the eleventh webhook: %d %v", st, out)
	}
	if st, out := c.call("DELETE", hook, nil); st != 200 || out["deleted"] != true {
		t.Errorf("delete: %d %v", st, out)
	}
	if st, _ := c.call("GET", hook, nil); st != http.StatusNotFound {
		t.Errorf("get after delete: %d", st)
	}

	// The audit log has every change, and neither the secret nor the
	// URL's path and query.
	st, audit := c.call("GET", "/admin/audit?app="+appA, nil)
	if st != 200 {
		t.Fatalf("audit: %d", st)
	}
	var actions []string
	for _, e := range audit["entries"].([]any) {
		e := e.(map[string]any)
		if a := e["action"].(string); strings.HasPrefix(a, "webhook.") && e["target"] == hookID {
			actions = append(actions, a)
		}
	}
	want := "[webhook.create webhook.redeliver webhook.redeliver webhook.update webhook.update webhook.delete]"
	if fmt.Sprint(actions) != want {
		t.Errorf("audit: %v, want %s", actions, want)
	}
	raw := fmt.Sprint(audit)
	for _, leak := range []string{secret, "path-secret", strings.TrimPrefix(secret, "whsec_")[:12]} {
		if strings.Contains(raw, leak) {
			t.Errorf("the audit log shows %q", leak)
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
