package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/store"
	"github.com/visagehq/visage/store/sqlite"
	"github.com/visagehq/visage/webhook"
)

// The webhooks' crash test runs the real binary: with the receiver down,
// it enrolls faces over HTTP, changes their payloads and deletes some,
// then SIGKILLs the server. With the receiver up and the server started
// again on the same data folder, every event of every acknowledged
// change arrives, signed, in order per face; an event may arrive twice,
// but only under its one webhook-id.

// hookEvent is what the receiver got.
type hookEvent struct {
	id, typ, face string
	body          []byte
}

type hookSink struct {
	mu     sync.Mutex
	got    []hookEvent
	bad    []string
	secret string
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	wh, err := standardwebhooks.NewWebhook(h.secret)
	if err == nil {
		err = wh.Verify(body, r.Header)
	}
	if err != nil {
		h.bad = append(h.bad, fmt.Sprintf("%s: %v", r.Header.Get("webhook-id"), err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev struct {
		Type string
		Data struct {
			FacialID string `json:"facial_id"`
		}
	}
	json.Unmarshal(body, &ev)
	h.got = append(h.got, hookEvent{r.Header.Get("webhook-id"), ev.Type, ev.Data.FacialID, body})
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookSink) events() []hookEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

func TestWebhooksSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: not in -short mode")
	}
	engineArgs(t) // skips when the models are not fetched
	ortLib, _ := filepath.Abs(filepath.Join(deps, "onnxruntime", "libonnxruntime.so.1"))
	models, _ := filepath.Abs(filepath.Join(deps, "models"))
	tmp := t.TempDir()
	bin := visageBinary(t)
	data := filepath.Join(tmp, "data")
	out, err := exec.Command(bin, "app", "create", "hooks", "--plan", "enterprise", "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("app create: %v\n%s", err, out)
	}
	appID := regexp.MustCompile(`(?m)^app\s+(\S+)`).FindSubmatch(out)
	key := regexp.MustCompile(`private key (vsk_\S+)`).FindSubmatch(out)
	out, err = exec.Command(bin, "admin", "token", "--data", data).CombinedOutput()
	token := regexp.MustCompile(`admin token (vsa_\S+)`).FindSubmatch(out)
	if err != nil || appID == nil || key == nil || token == nil {
		t.Fatalf("app, key or token missing: %v\n%s", err, out)
	}

	// The receiver's address, where nothing listens yet: it is down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	recvAddr := l.Addr().String()
	l.Close()

	flags := []string{"--webhook-backoff", "50ms"}
	srv := startCrashServer(t, bin, data, ortLib, models, filepath.Join(tmp, "serve-1.log"), flags...)
	admin := &crashClient{t: t, key: string(token[1]), base: "http://" + srv.addr, hc: &http.Client{Timeout: crashCallTimeout}}
	body, _ := json.Marshal(map[string]any{"url": "http://" + recvAddr + "/hook"})
	st, hook, err := admin.call(context.Background(), "POST", "/admin/apps/"+string(appID[1])+"/webhooks", "application/json", body)
	if err != nil || st != http.StatusCreated {
		t.Fatalf("create webhook: %d %v %v", st, hook, err)
	}
	secret := hook["secret"].(string)
	hookPath := "/admin/apps/" + string(appID[1]) + "/webhooks/" + hook["id"].(string)

	// Each person: enroll, two payloads, and for every other one a
	// delete; the people at once, each person's calls in turn.
	c := &crashClient{t: t, key: string(key[1]), base: admin.base, hc: &http.Client{Timeout: crashCallTimeout}}
	var mu sync.Mutex
	want := map[string][]string{} // facial ID → event types of the acknowledged changes, in order
	var wg sync.WaitGroup
	for p, who := range crashPeople {
		wg.Go(func() {
			ctx := context.Background()
			img := testface.Person(t, who.sample, who.face, 0)
			b, ct := crashMultipart(img, "external_id", fmt.Sprintf("person-%d", p))
			st, res, err := c.call(ctx, "POST", "/v1/enroll", ct, b)
			if err != nil || st != http.StatusCreated {
				t.Errorf("enroll person %d: %d %v %v", p, st, res, err)
				return
			}
			fid := res["facial_id"].(string)
			types := []string{"face.enrolled"}
			for n := range 2 {
				pb, _ := json.Marshal(map[string]any{"payload": map[string]int{"n": n}})
				if st, res, err := c.call(ctx, "PUT", "/v1/faces/"+fid+"/payload", "application/json", pb); err != nil || st != http.StatusOK {
					t.Errorf("payload of %s: %d %v %v", fid, st, res, err)
					return
				}
				types = append(types, "face.payload_updated")
			}
			if p%2 == 0 {
				if st, res, err := c.call(ctx, "DELETE", "/v1/faces/"+fid, "", nil); err != nil || st != http.StatusOK {
					t.Errorf("delete %s: %d %v %v", fid, st, res, err)
					return
				}
				types = append(types, "face.deleted")
			}
			mu.Lock()
			want[fid] = types
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		srv.kill()
		t.FailNow()
	}
	// The server has been trying: refused attempts are in the log.
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, log, err := admin.call(context.Background(), "GET", hookPath+"/deliveries", "", nil)
		if err != nil || st != http.StatusOK {
			t.Fatalf("deliveries: %d %v %v", st, log, err)
		}
		if entries, _ := log["deliveries"].([]any); len(entries) >= 2 {
			if e := entries[0].(map[string]any); e["outcome"] != "retrying" || e["status"] != nil {
				t.Errorf("an attempt at a receiver that is down: %v", e)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no failed attempt logged while the receiver is down")
		}
		time.Sleep(100 * time.Millisecond)
	}
	srv.kill()
	if !srv.killedBySIGKILL() {
		t.Fatalf("the server did not die of the SIGKILL: %v", srv.cmd.ProcessState)
	}

	// The receiver up, the server again.
	sink := &hookSink{secret: secret}
	var rl net.Listener
	for range 50 {
		if rl, err = net.Listen("tcp", recvAddr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	recv := httptest.NewUnstartedServer(sink)
	recv.Listener.Close()
	recv.Listener = rl
	recv.Start()
	defer recv.Close()
	srv = startCrashServer(t, bin, data, ortLib, models, filepath.Join(tmp, "serve-2.log"), flags...)
	defer srv.kill()

	total := 0
	for _, types := range want {
		total += len(types)
	}
	deadline = time.Now().Add(60 * time.Second)
	for {
		ids := map[string]bool{}
		for _, e := range sink.events() {
			ids[e.id] = true
		}
		if len(ids) >= total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events arrived within 60 s; log in %s:\n%s", len(ids), total, srv.log, logTail(srv.log))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // anything more would have come by now

	got := sink.events()
	if len(sink.bad) > 0 {
		t.Errorf("deliveries that do not verify: %v", sink.bad)
	}
	first := map[string]hookEvent{}
	perFace := map[string][]string{}
	for _, e := range got {
		if prev, ok := first[e.id]; ok {
			if !bytes.Equal(prev.body, e.body) {
				t.Errorf("webhook-id %s came twice with different bodies:\n%s\n%s", e.id, prev.body, e.body)
			}
			continue
		}
		first[e.id] = e
		perFace[e.face] = append(perFace[e.face], e.typ)
	}
	for fid, types := range want {
		if !slices.Equal(perFace[fid], types) {
			t.Errorf("face %s: events %v, want %v", fid, perFace[fid], types)
		}
	}
	if len(perFace) != len(want) {
		t.Errorf("events about %d faces, want %d: %v", len(perFace), len(want), perFace)
	}
	t.Logf("%d events of %d faces delivered (%d requests) after a SIGKILL with the receiver down", len(first), len(want), len(got))
}

// `visage store copy` takes the webhooks along, secrets included.
func TestStoreCopyKeepsWebhooks(t *testing.T) {
	ctx := context.Background()
	open := func(name string) *sqlite.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), name), storetest.Key)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	src, dst := open("src.db"), open("dst.db")
	storetest.CreateApp(t, src, "app-c")
	h := &store.Webhook{ID: "hook-c", AppID: "app-c", URL: "https://example.com/in", Secret: webhook.NewSecret(), Events: []string{"face.deleted"}, Disabled: true}
	if err := src.CreateWebhook(ctx, h); err != nil {
		t.Fatal(err)
	}
	if _, err := copyStore(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Webhook(ctx, "app-c", "hook-c")
	if err != nil || got.URL != h.URL || got.Secret != h.Secret || fmt.Sprint(got.Events) != "[face.deleted]" || !got.Disabled || !got.CreatedAt.Equal(h.CreatedAt) {
		t.Errorf("copied %+v %v, want %+v", got, err, h)
	}
}
