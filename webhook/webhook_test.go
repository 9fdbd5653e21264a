package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/store"
	"github.com/visagehq/visage/store/postgres"
	"github.com/visagehq/visage/store/sqlite"
	"github.com/visagehq/visage/webhook"
)

// These tests deliver through real stores (SQLite, and PostgreSQL when a
// server answers) to real HTTP receivers, with backoffs in milliseconds.

var ctx = context.Background()

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// backends open a new, empty store of each kind; open again opens the
// same one (another pool on the same database).
var backends = []struct {
	name string
	new  func(t *testing.T) (open func() store.Store)
}{
	{"sqlite", func(t *testing.T) func() store.Store {
		path := filepath.Join(t.TempDir(), "visage.db")
		var once sync.Once
		var s *sqlite.Store
		return func() store.Store {
			// One process opens the file once: a second store would be a
			// second writer.
			once.Do(func() {
				var err error
				if s, err = sqlite.Open(path, storetest.Key); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
			})
			return s
		}
	}},
	{"postgres", func(t *testing.T) func() store.Store {
		url, _ := storetest.PostgresSchema(t)
		return func() store.Store {
			s, err := postgres.Open(ctx, url, storetest.Key)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}},
}

func eachBackend(t *testing.T, test func(t *testing.T, open func() store.Store)) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b.new(t))
		})
	}
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is an HTTP endpoint whose answer the test sets: 200, or a
// status to fail with.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status atomic.Int32 // 0: 200
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.Start()
	t.Cleanup(r.Close)
	return r
}

// receiverAt starts a receiver on addr (one that refused connections
// until now).
func receiverAt(t *testing.T, addr string) *receiver {
	t.Helper()
	var l net.Listener
	var err error
	for range 50 { // the port was closed moments ago: it may linger
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.Listener.Close()
	r.Listener = l
	r.Start()
	t.Cleanup(r.Close)
	return r
}

// refusingAddr is an address nothing listens on.
func refusingAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{req.Header.Clone(), body})
	r.mu.Unlock()
	if st := r.status.Load(); st != 0 {
		w.WriteHeader(int(st))
		return
	}
	w.Write([]byte("thanks")) // never logged
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// ids lists the webhook-id of every request, in arrival order.
func (r *receiver) ids() []string {
	var ids []string
	for _, g := range r.requests() {
		ids = append(ids, g.header.Get("webhook-id"))
	}
	return ids
}

// firsts lists the webhook-ids in the order of their first arrival:
// duplicates (redeliveries of the same event) are dropped, as a receiver
// deduplicating by webhook-id does.
func firsts(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func createApp(t *testing.T, s store.Store, id string) {
	t.Helper()
	storetest.CreateApp(t, s, id)
}

func createHook(t *testing.T, s store.Store, app, id, url string, events ...string) *store.Webhook {
	t.Helper()
	h := &store.Webhook{ID: id, AppID: app, URL: url, Secret: webhook.NewSecret(), Events: events}
	if err := s.CreateWebhook(ctx, h); err != nil {
		t.Fatal(err)
	}
	return h
}

// emit records events of the app: face f's typ, with data naming it.
func emit(t *testing.T, s store.Store, app string, evs ...[2]string) []store.Event {
	t.Helper()
	var out []store.Event
	for _, e := range evs {
		typ, face := e[0], e[1]
		data, _ := json.Marshal(map[string]string{"facial_id": face})
		ev := store.Event{ID: fmt.Sprintf("msg_%s_%d", face, time.Now().UnixNano()), AppID: app, Type: typ, FaceID: face, Data: data}
		out = append(out, ev)
	}
	if err := s.Record(ctx, store.Journal{Events: out}); err != nil {
		t.Fatal(err)
	}
	return out
}

func fast(s store.Store) *webhook.Deliverer {
	return &webhook.Deliverer{Store: s, Backoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Poll: 20 * time.Millisecond, Log: quiet}
}

// run runs d until the end of the test.
func run(t *testing.T, d *webhook.Deliverer) {
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(c); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitFor polls cond until it holds, or fails the test after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Sign agrees with the Standard Webhooks library's signer.
func TestSignMatchesTheStandard(t *testing.T) {
	secret := webhook.NewSecret()
	if !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+44 {
		t.Fatalf("secret %q", secret)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1700000000, 0)
	body := []byte(`{"type":"face.enrolled","data":{}}`)
	got, err := webhook.Sign(secret, "msg_1", at, body)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := wh.Sign("msg_1", at, body)
	if got != want {
		t.Errorf("Sign = %s, the library signs %s", got, want)
	}
	if _, err := webhook.Sign("whsec_not base64!", "msg_1", at, body); err == nil {
		t.Error("a malformed secret signs")
	}
}

// Every delivery verifies with the Standard Webhooks library, carries
// the event's ID, type, time and data with the app's ID, and only the
// types the webhook takes, of its own app.
func TestDeliveriesAreSignedAndShaped(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func() store.Store) {
		s := open()
		createApp(t, s, "app-a")
		createApp(t, s, "app-b")
		emit(t, s, "app-a", [2]string{"face.enrolled", "before"}) // before the webhook: not sent
		rcv := newReceiver(t)
		h := createHook(t, s, "app-a", "hook-a", rcv.URL+"/hook?x=1", "face.enrolled", "face.deleted")
		evs := emit(t, s, "app-a", [2]string{"face.enrolled", "f1"}, [2]string{"face.payload_updated", "f1"}, [2]string{"face.deleted", "f1"})
		emit(t, s, "app-b", [2]string{"face.enrolled", "other-app"})
		run(t, fast(s))
		waitFor(t, "two deliveries", func() bool { return len(rcv.requests()) >= 2 })
		time.Sleep(100 * time.Millisecond) // nothing else comes
		got := rcv.requests()
		if fmt.Sprint(firsts(rcv.ids())) != fmt.Sprint([]string{evs[0].ID, evs[2].ID}) {
			t.Fatalf("received %v, want %s and %s", rcv.ids(), evs[0].ID, evs[2].ID)
		}
		wh, werr := standardwebhooks.NewWebhook(h.Secret)
		if werr != nil {
			t.Fatal(werr)
		}
		for i, g := range got[:2] {
			if err := wh.Verify(g.body, g.header); err != nil {
				t.Errorf("delivery %d does not verify: %v", i, err)
			}
			if ua := g.header.Get("User-Agent"); !strings.HasPrefix(ua, "Visage") || g.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", g.header)
			}
			var body struct {
				Type      string
				Timestamp time.Time
				Data      map[string]any
			}
			if err := json.Unmarshal(g.body, &body); err != nil {
				t.Fatal(err)
			}
			ev := []store.Event{evs[0], evs[2]}[i]
			stored, _ := s.EventByID(ctx, "app-a", ev.ID)
			if body.Type != ev.Type || !body.Timestamp.Equal(stored.At) || body.Data["app_id"] != "app-a" || body.Data["facial_id"] != "f1" || len(body.Data) != 2 {
				t.Errorf("body %s for event %+v", g.body, stored)
			}
			// A tampered body does not verify.
			if wh.Verify(append(g.body, ' '), g.header) == nil {
				t.Error("a changed body verifies")
			}
		}
		var log []store.Delivery
		var err error
		waitFor(t, "two deliveries logged", func() bool {
			log, err = s.Deliveries(ctx, "app-a", "hook-a", 0, 10)
			return err != nil || len(log) >= 2
		})
		if err != nil || len(log) != 2 || log[0].EventID != evs[2].ID || log[0].Status != 200 || log[0].Attempt != 1 || log[0].Outcome != store.OutcomeDelivered {
			t.Errorf("delivery log %+v %v", log, err)
		}
		cur, _ := s.Webhook(ctx, "app-a", "hook-a")
		if last, _ := s.EventByID(ctx, "app-a", evs[2].ID); cur.Cursor != last.Seq || cur.Attempts != 0 {
			t.Errorf("webhook after: %+v", cur)
		}
	})
}

// A receiver that refuses connections, then answers 500, then comes
// back: every event arrives, in order (so in order per face), none lost,
// and the log holds every failed attempt.
func TestReceiverDownThenUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func() store.Store) {
		s := open()
		createApp(t, s, "app-d")
		addr := refusingAddr(t)
		createHook(t, s, "app-d", "hook-d", "http://"+addr+"/in")
		run(t, fast(s))
		var want []store.Event
		faces := []string{"f1", "f2", "f3"}
		for round := range 5 {
			for _, f := range faces {
				typ := []string{"face.enrolled", "face.payload_updated", "face.payload_updated", "face.payload_updated", "face.deleted"}[round]
				want = append(want, emit(t, s, "app-d", [2]string{typ, f})...)
			}
			time.Sleep(30 * time.Millisecond)
		}
		waitFor(t, "failed attempts while refused", func() bool {
			log, _ := s.Deliveries(ctx, "app-d", "hook-d", 0, 10)
			return len(log) >= 3
		})
		rcv := receiverAt(t, addr)
		rcv.status.Store(500)
		waitFor(t, "attempts answered 500", func() bool { return len(rcv.requests()) >= 3 })
		rcv.status.Store(0)
		waitFor(t, "every event", func() bool { return len(firsts(rcv.ids())) >= len(want) })
		var wantIDs []string
		for _, ev := range want {
			wantIDs = append(wantIDs, ev.ID)
		}
		if got := firsts(rcv.ids()); fmt.Sprint(got) != fmt.Sprint(wantIDs) {
			t.Fatalf("received in order %v\nwant %v", got, wantIDs)
		}
		// Only the head was retried: while it failed, nothing after it went.
		for _, id := range rcv.ids()[:3] {
			if id != wantIDs[0] {
				t.Errorf("sent %s while the first event was failing", id)
			}
		}
		var log []store.Delivery
		waitFor(t, "the last delivery logged", func() bool {
			log, _ = s.Deliveries(ctx, "app-d", "hook-d", 0, 1000)
			return len(log) > 0 && log[0].EventID == wantIDs[len(wantIDs)-1]
		})
		var refused, failed500, delivered int
		for _, d := range log {
			switch {
			case d.Outcome == store.OutcomeDelivered:
				delivered++
			case d.Status == 500 && d.Outcome == store.OutcomeRetrying:
				failed500++
			case d.Status == 0 && strings.Contains(d.Error, "connect") && d.Outcome == store.OutcomeRetrying:
				refused++
			default:
				t.Errorf("unexpected log entry %+v", d)
			}
		}
		if refused < 3 || failed500 < 3 || delivered != len(want) {
			t.Errorf("log: %d refused, %d 500s, %d delivered (want %d)", refused, failed500, delivered, len(want))
		}
		// The attempts at the first event count up.
		var attempts []int
		for _, d := range slices.Backward(log) {
			if d.EventID == wantIDs[0] {
				attempts = append(attempts, d.Attempt)
			}
		}
		for i, a := range attempts {
			if a != i+1 {
				t.Fatalf("attempts at the first event: %v", attempts)
			}
		}
	})
}

// An event that keeps failing is given up once it is 24 hours old (the
// clock is moved, not waited for): logged, and the next event goes.
func TestGiveUpAfterADay(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func() store.Store) {
		s := open()
		createApp(t, s, "app-g")
		rcv := newReceiver(t)
		rcv.status.Store(503)
		createHook(t, s, "app-g", "hook-g", rcv.URL)
		evs := emit(t, s, "app-g", [2]string{"face.enrolled", "f1"}, [2]string{"face.deleted", "f1"})
		var mu sync.Mutex
		now := time.Now()
		d := fast(s)
		d.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(by time.Duration) { mu.Lock(); now = now.Add(by); mu.Unlock() }
		tick := func() { d.Tick(ctx); d.Wait() }

		tick()
		h, _ := s.Webhook(ctx, "app-g", "hook-g")
		if h.Attempts != 1 || len(rcv.requests()) != 1 {
			t.Fatalf("after one failure: %+v, %d requests", h, len(rcv.requests()))
		}
		tick() // not due yet: the clock has not moved
		if len(rcv.requests()) != 1 {
			t.Fatalf("retried before its time: %d requests", len(rcv.requests()))
		}
		for range 3 {
			advance(time.Hour)
			tick()
		}
		if h, _ = s.Webhook(ctx, "app-g", "hook-g"); h.Attempts != 4 {
			t.Fatalf("after four failures: %+v", h)
		}
		// A day later the head fails once more and is given up; the next
		// event, as old, is tried once, fails and is given up too.
		advance(24 * time.Hour)
		tick()
		log, _ := s.Deliveries(ctx, "app-g", "hook-g", 0, 100)
		var outcomes []string
		for _, l := range slices.Backward(log) {
			outcomes = append(outcomes, l.EventID+" "+l.Outcome)
		}
		want := []string{evs[0].ID + " retrying", evs[0].ID + " retrying", evs[0].ID + " retrying", evs[0].ID + " retrying", evs[0].ID + " given_up", evs[1].ID + " given_up"}
		if fmt.Sprint(outcomes) != fmt.Sprint(want) {
			t.Fatalf("log:\n%s\nwant:\n%s", strings.Join(outcomes, "\n"), strings.Join(want, "\n"))
		}
		if h, _ = s.Webhook(ctx, "app-g", "hook-g"); h.Attempts != 0 {
			t.Errorf("after giving up: %+v", h)
		}
		// A new event, the receiver back: delivered.
		rcv.status.Store(0)
		fresh := emit(t, s, "app-g", [2]string{"face.enrolled", "f2"})
		d.Now = time.Now
		tick()
		if ids := rcv.ids(); ids[len(ids)-1] != fresh[0].ID {
			t.Errorf("after giving up, received %v", ids)
		}
	})
}

// A receiver that redirects is not followed: a failed attempt, and the
// other address gets nothing.
func TestRedirectsAreNotFollowed(t *testing.T) {
	other := newReceiver(t)
	redirect := httptest.NewServer(http.RedirectHandler(other.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	h := &store.Webhook{ID: "h", AppID: "a", URL: redirect.URL, Secret: webhook.NewSecret()}
	ev := &store.Event{ID: "msg_1", AppID: "a", Type: "face.enrolled", At: time.Now(), Data: json.RawMessage(`{}`)}
	d, ok := (&webhook.Sender{}).Send(ctx, h, ev, time.Now())
	if ok || d.Status != http.StatusTemporaryRedirect || len(other.requests()) != 0 {
		t.Errorf("redirect: ok %v, %+v, the target got %d", ok, d, len(other.requests()))
	}
	// A body the receiver will not stop sending is cut off, not read to
	// its end.
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 64<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(endless.Close)
	h.URL = endless.URL
	done := make(chan struct{})
	go func() {
		d, ok = (&webhook.Sender{}).Send(ctx, h, ev, time.Now())
		close(done)
	}()
	select {
	case <-done:
		if !ok || d.Status != 200 {
			t.Errorf("endless body: %v %+v", ok, d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the sender reads an endless body")
	}
}

// Two deliverers on one PostgreSQL database (two replicas) deliver every
// event once, in order, and share the webhooks between them.
func TestTwoDeliverersDeliverOnce(t *testing.T) {
	t.Parallel()
	url, _ := storetest.PostgresSchema(t)
	open := func() store.Store {
		s, err := postgres.Open(ctx, url, storetest.Key)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s1, s2 := open(), open()
	const hooks, perFace, faces = 4, 10, 5
	var rcvs []*receiver
	for i := range hooks {
		app := fmt.Sprintf("app-%d", i)
		createApp(t, s1, app)
		rcvs = append(rcvs, newReceiver(t))
		createHook(t, s1, app, "hook-"+app, rcvs[i].URL)
	}
	d1, d2 := fast(s1), fast(s2)
	d1.Owner, d2.Owner = "replica-1", "replica-2"
	run(t, d1)
	run(t, d2)
	want := make([][]string, hooks)
	for round := range perFace {
		for i := range hooks {
			for f := range faces {
				evs := emit(t, []store.Store{s1, s2}[(round+f)%2], fmt.Sprintf("app-%d", i), [2]string{"face.payload_updated", fmt.Sprintf("f%d", f)})
				want[i] = append(want[i], evs[0].ID)
			}
		}
	}
	for i, r := range rcvs {
		waitFor(t, "every event", func() bool { return len(r.requests()) >= len(want[i]) })
		waitFor(t, "the last delivery logged", func() bool {
			log, _ := s1.Deliveries(ctx, fmt.Sprintf("app-%d", i), fmt.Sprintf("hook-app-%d", i), 0, 1)
			return len(log) == 1 && log[0].EventID == want[i][len(want[i])-1]
		})
	}
	time.Sleep(300 * time.Millisecond) // any duplicate would come by now
	owners := map[string]bool{}
	for i, r := range rcvs {
		if got := r.ids(); fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("webhook %d received %d requests, want each of %d events once, in order", i, len(got), len(want[i]))
		}
		log, _ := s1.Deliveries(ctx, fmt.Sprintf("app-%d", i), fmt.Sprintf("hook-app-%d", i), 0, 1000)
		if len(log) != len(want[i]) {
			t.Errorf("webhook %d: %d log entries for %d events", i, len(log), len(want[i]))
		}
		h, _ := s1.Webhook(ctx, fmt.Sprintf("app-%d", i), fmt.Sprintf("hook-app-%d", i))
		owners[h.LeaseOwner] = true
	}
	t.Logf("lease holders at the end: %v", owners)
}

// A deliverer that stops gives its leases up, so that another replica
// takes over at once rather than when they run out.
func TestStopReleasesLeases(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func() store.Store) {
		s := open()
		createApp(t, s, "app-s")
		rcv := newReceiver(t)
		createHook(t, s, "app-s", "hook-s", rcv.URL)
		emit(t, s, "app-s", [2]string{"face.enrolled", "f1"})
		d := fast(s)
		d.Owner = "leaving"
		c, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { d.Run(c); close(done) }()
		waitFor(t, "the delivery", func() bool { return len(rcv.requests()) == 1 })
		if h, _ := s.Webhook(ctx, "app-s", "hook-s"); h.LeaseOwner != "leaving" {
			t.Fatalf("lease %q", h.LeaseOwner)
		}
		cancel()
		<-done
		if h, _ := s.Webhook(ctx, "app-s", "hook-s"); h.LeaseOwner != "" || !h.LeaseUntil.IsZero() {
			t.Errorf("after stopping, lease %q until %v", h.LeaseOwner, h.LeaseUntil)
		}
	})
}
