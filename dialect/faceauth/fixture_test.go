package faceauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage/dialect/faceauth"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// server is a whole Visage over real HTTP — real engine, SQLite and
// gallery — with the FaceAuth dialect at the root of its own listener,
// or under /api/v1 of the native server as `visage serve` mounts it.
type server struct {
	t    *testing.T
	url  string // the dialect's base URL: FaceAuth's ".../api/v1"
	root string // the listener's URL
	svc  *service.Service
	st   *sqlite.Store
	log  *testface.Log
	now  *testface.Clock
}

type options struct {
	plans    map[string]service.Plan
	closed   bool           // registration off
	engine   service.Engine // default: the real one
	maxBody  int64
	mounted  bool // under /api/v1 of the native server
	withLogs bool // keep the dialect's log in server.log
}

func newServer(t *testing.T, o options) *server {
	t.Helper()
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var engine service.Engine = e
	if o.engine != nil {
		engine = o.engine
	}
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: engine, Table: e.Pack().Calibration,
		PINKey: []byte("k"), Logger: quiet, Plans: o.plans})
	s := &server{t: t, svc: svc, st: st, log: &testface.Log{}, now: testface.NewClock(time.Date(2026, 6, 24, 9, 0, 0, 0, time.UTC))}
	h := faceauth.New(svc, faceauth.Config{Logger: slog.New(slog.NewTextHandler(s.log, nil)), AllowRegister: !o.closed,
		MaxBody: o.maxBody, Now: s.now.Now})
	var ts *httptest.Server
	if o.mounted {
		mount := vhttp.Mount{Pattern: "/api/v1/", Handler: http.StripPrefix("/api/v1", h)}
		ts = httptest.NewServer(vhttp.New(svc, vhttp.Config{Logger: quiet, Mounts: []vhttp.Mount{mount}}))
		s.url = ts.URL + "/api/v1"
	} else {
		ts = httptest.NewServer(h)
		s.url = ts.URL
	}
	t.Cleanup(ts.Close)
	s.root = ts.URL
	return s
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	body   map[string]any
}

// code is the FaceAuth error code of an answer, "" for none.
func (a answer) code() string { c, _ := a.body["code"].(string); return c }

// req is a request: its headers, and a body that is JSON (any value), a
// multipart form (*form) or raw bytes with a Content-Type.
type req struct {
	hdr  map[string]string
	body any
	ct   string
}

// form is a multipart body: files per field in order, and text fields.
type form struct {
	files  [][2]any // {field string, data []byte}
	fields map[string]string
}

func files(kv ...any) *form {
	f := &form{fields: map[string]string{}}
	for i := 0; i < len(kv); i += 2 {
		f.files = append(f.files, [2]any{kv[i], kv[i+1]})
	}
	return f
}

func (f *form) with(k, v string) *form { f.fields[k] = v; return f }

func (f *form) encode() ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range f.fields {
		w.WriteField(k, v)
	}
	for _, p := range f.files {
		fw, _ := w.CreateFormFile(p[0].(string), p[0].(string)+".jpg")
		fw.Write(p[1].([]byte))
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func key(k string) map[string]string    { return map[string]string{"X-API-Key": k} }
func bearer(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }

func (s *server) do(method, path string, r req) answer {
	s.t.Helper()
	var rd io.Reader
	ct := r.ct
	switch b := r.body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case *form:
		data, fct := b.encode()
		rd, ct = bytes.NewReader(data), fct
	default:
		data, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(data), "application/json"
	}
	hr, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	for k, v := range r.hdr {
		hr.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := http.DefaultClient.Do(hr.WithContext(ctx))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		s.t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		s.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	return a
}

// want fails unless the answer has the status and, for an error, the
// code in FaceAuth's error shape.
func want(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.code() != code {
		t.Fatalf("%s: %d %v, want %d %q", what, a.status, a.body, status, code)
	}
	if code != "" {
		if a.body["success"] != false || a.body["error"] == "" || len(a.body) != 3 {
			t.Fatalf("%s: error body %v is not {success: false, error, code}", what, a.body)
		}
	} else if a.body["success"] != true {
		t.Fatalf("%s: success is not true: %v", what, a.body)
	}
}

// register signs up and returns the fa_ key.
func (s *server) register(email string) string {
	s.t.Helper()
	a := s.do("POST", "/register", req{body: map[string]string{"email": email, "name": "Test"}})
	want(s.t, "register "+email, a, 200, "")
	return a.body["api_key"].(string)
}

// photos are the people of the tests: three photos of Alice to enroll
// and a fourth to verify, Bob, and a picture without a face.
type photos struct {
	alice        [3][]byte
	alice2, bob  []byte
	blank, group []byte
}

func people(t *testing.T) photos {
	return photos{
		alice:  [3][]byte{testface.Person(t, 6, 0, 0), testface.Person(t, 6, 0, 4), testface.Person(t, 6, 0, 8)},
		alice2: testface.Person(t, 6, 0, 12),
		bob:    testface.Person(t, 6, 1, 0),
		blank:  blankJPEG(t),
		group:  testface.Sample(t, 6),
	}
}

// blankJPEG is a plain grey picture: an image without a face.
func blankJPEG(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	img.Set(10, 10, color.Gray{Y: 30})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writePhotos puts the photos in a folder under the names the client
// script and the documentation use.
func writePhotos(t *testing.T, p photos) string {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"alice-1.jpg": p.alice[0], "alice-2.jpg": p.alice[1], "alice-3.jpg": p.alice[2],
		"alice-4.jpg": p.alice2, "bob.jpg": p.bob, "landscape.jpg": p.blank,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// noSecrets fails if the log holds any of the secrets.
func noSecrets(t *testing.T, log string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Fatalf("the log holds a secret (%s…):\n%s", s[:min(len(s), 6)], log)
		}
	}
}

func mustAbs(t *testing.T, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func num(v any) float64 {
	f, ok := v.(float64)
	if !ok {
		panic(fmt.Sprintf("%v is not a number", v))
	}
	return f
}
