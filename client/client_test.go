package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visagehq/visage/client"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// These tests run the client against the whole server over real HTTP, as
// http/server_test.go builds it: real engine, real SQLite, real gallery,
// faces cut from the demo photos.

type server struct {
	http.Handler
	key, adminToken string
}

func newServer(t *testing.T) *server {
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration, PINKey: []byte("k")})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	app, err := svc.CreateApp(ctx, "test", "pro")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := svc.CreateKey(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	token, err := svc.CreateAdminToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &server{Handler: vhttp.New(svc, vhttp.Config{Logger: quiet}), key: key, adminToken: token}
}

// start serves h on loopback for the test.
func start(t *testing.T, h http.Handler) string {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// codeOf is err's API code, "" when err is not an *client.Error.
func codeOf(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestFaces(t *testing.T) {
	s := newServer(t)
	c := client.New(start(t, s), s.key)
	ctx := context.Background()
	alice := testface.Person(t, 6, 0, 0)

	en, err := c.Enroll(ctx, client.EnrollRequest{Photos: []client.Photo{client.Bytes(alice)}, ExternalID: "alice", Payload: map[string]int{"user": 42}})
	if err != nil {
		t.Fatal(err)
	}
	if en.FacialID == "" || en.ExternalID != "alice" || en.Timestamp.IsZero() || en.Quality.Score < 0.5 || en.Details.Gender == "" {
		t.Fatalf("enroll: %+v", en)
	}

	// Another photo of her, read from a reader.
	m, err := c.Authenticate(ctx, client.AuthenticateRequest{Photo: client.Read(bytes.NewReader(testface.Person(t, 6, 0, 15)))})
	if err != nil {
		t.Fatal(err)
	}
	if m.FacialID != en.FacialID || m.ExternalID != "alice" || string(m.Payload) != `{"user":42}` || m.Similarity < 80 {
		t.Fatalf("authenticate: %+v %s", m, m.Payload)
	}
	v, err := c.Verify(ctx, client.VerifyRequest{Photo: client.Bytes(testface.Person(t, 6, 0, 15)), ExternalID: "alice"})
	if err != nil || !v.Match || v.FacialID != en.FacialID {
		t.Fatalf("verify: %+v %v", v, err)
	}

	same, err := c.Compare(ctx, client.Bytes(alice), client.Bytes(testface.Person(t, 6, 0, 15)))
	if err != nil || !same.Match || same.Cosine <= 0 {
		t.Fatalf("compare, one person: %+v %v", same, err)
	}
	other, err := c.Compare(ctx, client.Bytes(alice), client.Bytes(testface.Person(t, 6, 1, 0)))
	if err != nil || other.Match || other.Similarity >= same.Similarity {
		t.Fatalf("compare, two people: %+v %v", other, err)
	}

	faces, err := c.Detect(ctx, client.Bytes(testface.Sample(t, 5)))
	if err != nil || len(faces) < 3 {
		t.Fatalf("detect: %d faces, %v", len(faces), err)
	}
	for _, f := range faces {
		if f.Box.W <= 0 || len(f.Landmarks) != 68 || f.Quality.Size <= 0 || f.Gender == "" {
			t.Errorf("detected face: %+v", f)
		}
	}

	page, err := c.Faces(ctx, "", 10)
	if err != nil || len(page.Faces) != 1 || page.Faces[0].FacialID != en.FacialID || page.Next != "" {
		t.Fatalf("faces: %+v %v", page, err)
	}
	if err := c.SetPayload(ctx, en.FacialID, json.RawMessage(`{"user":43}`)); err != nil {
		t.Fatal(err)
	}
	f, err := c.Face(ctx, en.FacialID)
	if err != nil || f.ExternalID != "alice" || string(f.Payload) != `{"user":43}` || f.HasPIN || f.CreatedAt.IsZero() {
		t.Fatalf("face: %+v %v", f, err)
	}
	if err := c.SetPIN(ctx, en.FacialID, "2468"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx, client.AuthenticateRequest{Photo: client.Bytes(testface.Person(t, 6, 0, 15))}); codeOf(err) != "PIN_REQUIRED" {
		t.Errorf("authenticate without the PIN: %v", err)
	}
	if m, err := c.Authenticate(ctx, client.AuthenticateRequest{Photo: client.Bytes(testface.Person(t, 6, 0, 15)), PIN: "2468"}); err != nil || m.FacialID != en.FacialID {
		t.Errorf("authenticate with the PIN: %+v %v", m, err)
	}

	stats, err := c.Stats(ctx)
	if err != nil || stats.IndexedFaces != 1 || stats.TotalCalls == 0 {
		t.Fatalf("stats: %+v %v", stats, err)
	}
	yesterday := time.Now().UTC().AddDate(0, 0, -1)
	usage, err := c.Usage(ctx, yesterday, time.Now())
	if err != nil || usage.From != yesterday.Format(time.DateOnly) || usage.Calls == 0 || len(usage.Days) == 0 {
		t.Fatalf("usage: %+v %v", usage, err)
	}

	export, err := c.ExportSubject(ctx, client.Person{ExternalID: "alice"})
	if err != nil || !strings.Contains(string(export), en.FacialID) || !strings.Contains(string(export), `"user":43`) {
		t.Fatalf("export: %s %v", export, err)
	}
	bob, err := c.Enroll(ctx, client.EnrollRequest{Photos: []client.Photo{client.Bytes(testface.Person(t, 6, 1, 0))}, ExternalID: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	receipt, err := c.EraseSubject(ctx, client.Person{FacialID: bob.FacialID})
	if err != nil || receipt.ExternalID != "bob" || receipt.Removed.Templates != 1 || receipt.AuditSeq == 0 {
		t.Fatalf("erase: %+v %v", receipt, err)
	}

	if err := c.DeleteFace(ctx, en.FacialID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Face(ctx, en.FacialID)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 404 || e.Code != "NOT_FOUND" || e.Message == "" {
		t.Fatalf("face after delete: %v", err)
	}
	if _, err := c.Authenticate(ctx, client.AuthenticateRequest{Photo: client.Bytes(alice)}); codeOf(err) != "UNRECOGNIZED_FACE" {
		t.Errorf("authenticate after delete: %v", err)
	}
}

func TestErrors(t *testing.T) {
	s := newServer(t)
	url := start(t, s)
	c := client.New(url, s.key)
	ctx := context.Background()
	_, err := c.Enroll(ctx, client.EnrollRequest{Photos: []client.Photo{client.Read(bytes.NewReader(testface.Blank(t)))}})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 422 || e.Code != "NO_FACE" {
		t.Errorf("enroll a photo without a face: %v", err)
	}
	if _, err := c.Authenticate(ctx, client.AuthenticateRequest{}); codeOf(err) != "INVALID_REQUEST" {
		t.Errorf("authenticate without a photo: %v", err)
	}
	if err := c.DeleteFace(ctx, "no-such-face"); codeOf(err) != "NOT_FOUND" {
		t.Errorf("delete an unknown face: %v", err)
	}
	if _, err := client.New(url, "vsk_notakeyatallnotakeyatall").Stats(ctx); codeOf(err) != "UNAUTHORIZED" {
		t.Errorf("an unknown key: %v", err)
	}
}

func TestAdmin(t *testing.T) {
	s := newServer(t)
	url := start(t, s)
	adm := client.NewAdmin(url, s.adminToken)
	ctx := context.Background()

	app, err := adm.CreateApp(ctx, "shop", "")
	if err != nil || app.ID == "" || app.PublicID == "" || app.Plan != "free" || app.Key == nil || app.Key.Secret == "" {
		t.Fatalf("create app: %+v %v", app, err)
	}
	if _, err := client.New(url, app.Key.Secret).Stats(ctx); err != nil {
		t.Fatalf("the new app's key: %v", err)
	}
	apps, err := adm.Apps(ctx)
	if err != nil || len(apps) != 2 {
		t.Fatalf("apps: %+v %v", apps, err)
	}
	if got, err := adm.SetSettings(ctx, app.ID, map[string]any{"level": 5, "prevent_duplicates": true}); err != nil ||
		got.Settings.Level != 5 || !got.Settings.PreventDuplicates {
		t.Fatalf("settings: %+v %v", got, err)
	}
	if got, err := adm.App(ctx, app.ID); err != nil || got.Name != "shop" || got.Settings.Level != 5 {
		t.Fatalf("app: %+v %v", got, err)
	}

	k, err := adm.CreateKey(ctx, app.ID)
	if err != nil || k.Secret == "" {
		t.Fatalf("create key: %+v %v", k, err)
	}
	keys, err := adm.Keys(ctx, app.ID)
	if err != nil || len(keys) != 2 || keys[0].Secret != "" {
		t.Fatalf("keys: %+v %v", keys, err)
	}
	if err := adm.RevokeKey(ctx, app.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := client.New(url, k.Secret).Stats(ctx); codeOf(err) != "UNAUTHORIZED" {
		t.Errorf("a revoked key: %v", err)
	}
	if err := adm.DeleteApp(ctx, app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.App(ctx, app.ID); codeOf(err) != "NOT_FOUND" {
		t.Errorf("app after delete: %v", err)
	}
	if _, err := client.NewAdmin(url, "vsa_nope").Apps(ctx); codeOf(err) != "UNAUTHORIZED" {
		t.Errorf("a wrong admin token: %v", err)
	}
}

// overloaded stands for a server under load in front of the real one: it
// refuses the first refuse requests (every one when refuse < 0), 429 and
// 503 in turn, with Retry-After, as the server does, and passes the rest.
type overloaded struct {
	next       http.Handler
	refuse     int32
	retryAfter string
	seen       atomic.Int32
}

func (o *overloaded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := o.seen.Add(1)
	if o.refuse >= 0 && n > o.refuse {
		o.next.ServeHTTP(w, r)
		return
	}
	status, code := http.StatusTooManyRequests, "RATE_LIMIT"
	if n%2 == 0 {
		status, code = http.StatusServiceUnavailable, "TIMEOUT"
	}
	w.Header().Set("Retry-After", o.retryAfter)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": "busy"}})
}

// Refusals for load are sent again after Retry-After, photos and all.
func TestRetry(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	alice := testface.Person(t, 6, 0, 0)
	en, err := client.New(start(t, s), s.key).Enroll(ctx, client.EnrollRequest{Photos: []client.Photo{client.Bytes(alice)}})
	if err != nil {
		t.Fatal(err)
	}

	o := &overloaded{next: s, refuse: 2, retryAfter: "1"}
	c := client.New(start(t, o), s.key)
	began := time.Now()
	m, err := c.Authenticate(ctx, client.AuthenticateRequest{Photo: client.Read(bytes.NewReader(testface.Person(t, 6, 0, 15)))})
	if err != nil || m.FacialID != en.FacialID {
		t.Fatalf("authenticate through two refusals: %+v %v", m, err)
	}
	if took := time.Since(began); took < 2*time.Second || o.seen.Load() != 3 {
		t.Errorf("%d requests in %v, want 3 after two waits of 1 s", o.seen.Load(), took)
	}

	// Retries run out: the last refusal is the error, with its wait.
	o = &overloaded{next: s, refuse: -1, retryAfter: "1"}
	_, err = client.New(start(t, o), s.key, client.WithRetries(1, time.Minute)).Stats(ctx)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 503 || e.Code != "TIMEOUT" || e.RetryAfter != time.Second || o.seen.Load() != 2 {
		t.Errorf("after one retry: %v, %d requests", err, o.seen.Load())
	}

	// A wait longer than the longest allowed is not waited for.
	o = &overloaded{next: s, refuse: -1, retryAfter: "60"}
	began = time.Now()
	_, err = client.New(start(t, o), s.key).Stats(ctx)
	if codeOf(err) != "RATE_LIMIT" || o.seen.Load() != 1 || time.Since(began) > time.Second {
		t.Errorf("Retry-After 60: %v, %d requests in %v", err, o.seen.Load(), time.Since(began))
	}
}

// A context that ends before the wait does returns at once.
func TestRetryRespectsContext(t *testing.T) {
	s := newServer(t)
	o := &overloaded{next: s, refuse: -1, retryAfter: "1"}
	c := client.New(start(t, o), s.key)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := c.Stats(ctx)
	var e *client.Error
	if !errors.As(err, &e) || e.Code != "RATE_LIMIT" || e.RetryAfter != time.Second || o.seen.Load() != 1 {
		t.Errorf("deadline before Retry-After: %v, %d requests", err, o.seen.Load())
	}
	if took := time.Since(began); took > 250*time.Millisecond {
		t.Errorf("deadline before Retry-After: returned after %v", took)
	}

	// Cancelled while waiting: the context's error, and the refusal.
	o = &overloaded{next: s, refuse: -1, retryAfter: "5"}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	began = time.Now()
	_, err = client.New(start(t, o), s.key).Stats(ctx)
	if !errors.Is(err, context.Canceled) || codeOf(err) != "RATE_LIMIT" || time.Since(began) > time.Second {
		t.Errorf("cancelled while waiting: %v after %v", err, time.Since(began))
	}
}
