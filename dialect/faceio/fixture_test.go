package faceio_test

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
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/dialect/faceio"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// fixture is a whole Visage over real HTTP — real engine, SQLite and
// gallery — with the FACEIO dialect mounted under /faceio/ as `visage
// serve` mounts it. Apps on "free" may make two calls a minute; apps on
// "pro" are unlimited.
type fixture struct {
	t     *testing.T
	base  string // the dialect's base URL, ".../faceio"
	svc   *service.Service
	photo []byte
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration,
		PINKey: []byte("k"), Logger: quiet, Plans: map[string]service.Plan{"free": {PerMinute: 2}, "pro": {}}})
	return &fixture{t: t, base: serve(t, faceio.New(svc, faceio.Config{Logger: quiet, Ready: st.Ping})), svc: svc,
		photo: testface.Person(t, 6, 0, 0)}
}

// serve mounts h under /faceio/ of a test server and returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	mux := http.NewServeMux()
	mux.Handle("/faceio/", http.StripPrefix("/faceio", h))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts.URL + "/faceio"
}

// app creates an app on plan and returns it with a private key.
func (f *fixture) app(plan string) (*visage.App, string) {
	f.t.Helper()
	ctx := context.Background()
	a, err := f.svc.CreateApp(ctx, "faceio test", plan)
	if err != nil {
		f.t.Fatal(err)
	}
	key, _, err := f.svc.CreateKey(ctx, a.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a, key
}

// enroll enrolls the test person in app and returns the facial ID.
func (f *fixture) enroll(app *visage.App) string {
	f.t.Helper()
	en, err := f.svc.Enroll(context.Background(), app, service.EnrollRequest{Images: [][]byte{f.photo}})
	if err != nil {
		f.t.Fatal(err)
	}
	return en.FacialID
}

// face is the app's face, or nil when it does not exist.
func (f *fixture) face(app *visage.App, fid string) *visage.Face {
	f.t.Helper()
	fc, err := f.svc.Face(context.Background(), app, fid)
	if visage.ErrorCode(err) == visage.CodeNotFound {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return fc
}

// call is one request: where the parameters go (enc: "query", "form",
// "multipart" or "json") and where the key goes ("header", "param" or
// nowhere).
type call struct {
	method, endpoint string
	enc, keyIn, key  string
	params           map[string]any
}

type answer struct {
	status int
	body   map[string]any
	header http.Header
}

func (f *fixture) do(c call) answer {
	f.t.Helper()
	params := map[string]any{}
	for k, v := range c.params {
		params[k] = v
	}
	if c.keyIn == "param" {
		params["key"] = c.key
	}
	u := f.base + "/" + c.endpoint
	var body io.Reader
	ctype := ""
	switch c.enc {
	case "", "query":
		if q := textValues(params).Encode(); q != "" {
			u += "?" + q
		}
	case "form":
		body, ctype = strings.NewReader(textValues(params).Encode()), "application/x-www-form-urlencoded"
	case "multipart":
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range textValues(params) {
			mw.WriteField(k, v[0])
		}
		mw.Close()
		body, ctype = &buf, mw.FormDataContentType()
	case "json":
		j, _ := json.Marshal(params)
		body, ctype = bytes.NewReader(j), "application/json"
	default:
		f.t.Fatalf("encoding %q", c.enc)
	}
	req, err := http.NewRequest(c.method, u, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.keyIn == "header" {
		req.Header.Set("WWW-Authenticate", "Bearer "+c.key)
	}
	return f.send(req)
}

// send sends req and checks what every FACEIO answer must be: JSON whose
// status field repeats the HTTP status.
func (f *fixture) send(req *http.Request) answer {
	f.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("%s %s: Content-Type %q", req.Method, req.URL.Path, ct)
	}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		f.t.Fatalf("%s %s: %d, not JSON: %q", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	if s, ok := a.body["status"].(float64); !ok || int(s) != resp.StatusCode {
		f.t.Errorf("%s %s: HTTP %d but body status %v", req.Method, req.URL.Path, resp.StatusCode, a.body["status"])
	}
	return a
}

// textValues is how a FACEIO client sends params as text: objects as
// their JSON.
func textValues(params map[string]any) url.Values {
	v := url.Values{}
	for k, x := range params {
		switch x := x.(type) {
		case string:
			v.Set(k, x)
		case map[string]any, []any:
			j, _ := json.Marshal(x)
			v.Set(k, string(j))
		default:
			v.Set(k, fmt.Sprint(x))
		}
	}
	return v
}

// expect checks an answer's status and fields.
func expect(t *testing.T, what string, a answer, status int, fields map[string]any) {
	t.Helper()
	if a.status != status {
		t.Errorf("%s: status %d, want %d (%v)", what, a.status, status, a.body)
		return
	}
	for k, want := range fields {
		if got, ok := a.body[k]; !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %s = %v, want %v (%v)", what, k, got, want, a.body)
		}
	}
	if e, _ := a.body["error"].(string); (status != http.StatusOK) != (e != "") {
		t.Errorf("%s: status %d with error %q", what, status, e)
	}
}
