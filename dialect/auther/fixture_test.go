package auther_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/dialect/auther"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// The tests run the Auther API over real HTTP on a real service: the real
// engine, SQLite in a temporary folder, the real gallery, and faces cut
// from the demo photos `make setup` fetches.

type fixture struct {
	t     *testing.T
	base  string // the Auther base URL: the server's /auther
	svc   *service.Service
	clock *testface.Clock
	ctx   context.Context
}

type options struct {
	plans   map[string]service.Plan
	maxBody int64
	shared  cluster.State
}

// newFixture mounts the dialect under /auther/ as `visage serve` does.
func newFixture(t *testing.T, o options) *fixture {
	t.Helper()
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := testface.NewClock(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC))
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration,
		PINKey: []byte("k"), Logger: quiet, Now: c.Now, Plans: o.plans})
	f := &fixture{t: t, svc: svc, clock: c, ctx: context.Background()}
	return f.replica(o)
}

// replica is another server of the fixture's service, as a replica of
// one deployment is: its own handler, with o's settings.
func (f *fixture) replica(o options) *fixture {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	mux.Handle("/auther/", http.StripPrefix("/auther", auther.New(f.svc, auther.Config{Logger: quiet, Now: f.clock.Now, MaxBody: o.maxBody, Shared: o.shared})))
	ts := httptest.NewServer(mux)
	f.t.Cleanup(ts.Close)
	r := *f
	r.base = ts.URL + "/auther"
	return &r
}

// newApp creates an app with these settings and returns it and its key.
func (f *fixture) newApp(set visage.AppSettings) (*visage.App, string) {
	f.t.Helper()
	app, err := f.svc.CreateApp(f.ctx, "test", "free")
	if err != nil {
		f.t.Fatal(err)
	}
	if set.Level == 0 {
		set.Level = 4
	}
	if err := f.svc.UpdateSettings(f.ctx, app, set); err != nil {
		f.t.Fatal(err)
	}
	key, _, err := f.svc.CreateKey(f.ctx, app.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return app, key
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (a answer) code() string { c, _ := a.body["code"].(string); return c }

// do sends a request with the key in X-API-Key (none when key is "") and
// extra headers; body is sent as is when it is []byte, JSON-encoded
// otherwise.
func (f *fixture) do(method, path, key string, body any, headers ...string) answer {
	f.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		raw, _ = json.Marshal(b)
	}
	req, err := http.NewRequest(method, f.base+path, bytes.NewReader(raw))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(data)}
	if err := json.Unmarshal(data, &a.body); err != nil {
		f.t.Fatalf("%s %s: %d, not a JSON object: %q", method, path, resp.StatusCode, data)
	}
	return a
}

// want fails unless the answer has this status and, for errors, this code.
func (a answer) want(t *testing.T, status int, code string) answer {
	t.Helper()
	if a.status != status || a.code() != code {
		t.Fatalf("got %d %s, want %d %q", a.status, a.raw, status, code)
	}
	if code != "" {
		if m, _ := a.body["message"].(string); m == "" {
			t.Fatalf("error without a message: %s", a.raw)
		}
	}
	return a
}

func b64(img []byte) string { return base64.StdEncoding.EncodeToString(img) }

func faceBody(img []byte) map[string]string { return map[string]string{"faceImage": b64(img)} }

// photos are the people of the tests, cut from demo photo 6.
type photos struct {
	alice, alice2, bob, carol, group, blank []byte
}

func loadPhotos(t *testing.T) photos {
	return photos{
		alice:  testface.Person(t, 6, 0, 0),
		alice2: testface.Person(t, 6, 0, 12), // the same person, cut differently
		bob:    testface.Person(t, 6, 1, 0),
		carol:  testface.Person(t, 6, 3, 0), // never enrolled
		group:  testface.Sample(t, 1),
		blank:  blank(t),
	}
}
