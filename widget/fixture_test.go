package widget_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/visagehq/visage"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
	"github.com/visagehq/visage/widget"
)

// server is a whole Visage server over real HTTP — real engine, SQLite
// and gallery — with the widget mounted as `visage serve` mounts it.
type server struct {
	t   testing.TB
	url string
	svc *service.Service
	// store is the service's store, when newServer made it.
	store *sqlite.Store
	// http is the client the requests go through: nil for the default,
	// or one bound to another loopback address (from).
	http *http.Client
}

func newServer(t testing.TB, cfg widget.Config) *server {
	t.Helper()
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration, PINKey: []byte("k"), Logger: quiet})
	s := serve(t, svc, cfg)
	s.store = st
	return s
}

// withDemo is another server on the same service, serving /demo for the
// app with this public ID.
func (s *server) withDemo(t testing.TB, publicID string) *server {
	return serve(t, s.svc, widget.Config{DemoPublicID: publicID})
}

func serve(t testing.TB, svc *service.Service, cfg widget.Config) *server {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Logger = quiet
	if cfg.OnVerdict == nil {
		// Shown when a test fails: why a session was or was not live.
		cfg.OnVerdict = func(session string, why liveness.Reason) { t.Logf("session %s: liveness verdict %s", session, why) }
	}
	wid := widget.New(svc, cfg)
	var mounts []vhttp.Mount
	for _, p := range wid.Patterns() {
		mounts = append(mounts, vhttp.Mount{Pattern: p, Handler: wid})
	}
	ts := httptest.NewServer(vhttp.New(svc, vhttp.Config{Logger: quiet, Mounts: mounts}))
	t.Cleanup(ts.Close)
	return &server{t: t, url: ts.URL, svc: svc}
}

// app creates an app with these settings (level 4 when left at 0).
func (s *server) app(set visage.AppSettings) *visage.App {
	s.t.Helper()
	ctx := context.Background()
	a, err := s.svc.CreateApp(ctx, "widget test", "pro")
	if err != nil {
		s.t.Fatal(err)
	}
	if set.Level == 0 {
		set.Level = 4
	}
	if err := s.svc.UpdateSettings(ctx, a, set); err != nil {
		s.t.Fatal(err)
	}
	return a
}

// post sends a widget request and decodes the JSON answer.
func (s *server) post(method, path string, hdr map[string]string, ctype string, body []byte) (int, map[string]any) {
	s.t.Helper()
	code, _, m := s.request(method, path, hdr, ctype, body)
	return code, m
}

// request is post that also gives the answer's headers.
func (s *server) request(method, path string, hdr map[string]string, ctype string, body []byte) (int, http.Header, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc := s.http
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			s.t.Fatalf("%s %s: %d %q is not JSON", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, resp.Header, out
}

// from is the same server seen from another client address: requests
// leave from ip, one of the loopback addresses 127.0.0.0/8 that Linux
// answers on, so the server tells visitors apart as it would on the
// Internet.
func (s *server) from(ip string) *server {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	s.t.Cleanup(tr.CloseIdleConnections)
	c := *s
	c.http = &http.Client{Transport: tr}
	return &c
}

func jsonBody(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// errCode is the fio error name of an answer.
func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}
