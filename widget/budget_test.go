package widget_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/fakecam"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
	"github.com/visagehq/visage/widget"
)

// Widget sessions, opened with the public ID any page shows, spend the
// app's page budget and never its private key's: a flood of them is
// refused (429 with Retry-After) while the backend's calls go on, and the
// usage shows the sessions apart from the calls.
func TestPagesSpendTheirOwnBudget(t *testing.T) {
	svc, s := budgetServer(t, widget.Config{})
	ctx := context.Background()
	app, err := svc.CreateApp(ctx, "shop", "tiny")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := svc.CreateKey(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}

	opened := 0
	for i := range 20 {
		c, code, m := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
		if code == http.StatusCreated {
			opened++
			s.post("DELETE", "/widget/v1/sessions/"+c.id, map[string]string{"X-Visage-Nonce": c.nonce}, "", nil)
			continue
		}
		if code != http.StatusTooManyRequests || errCode(m) != "TOO_MANY_REQUESTS" {
			t.Fatalf("session %d: %d %v, want 429 TOO_MANY_REQUESTS", i+1, code, m)
		}
	}
	if opened != 5 {
		t.Errorf("%d of 20 sessions opened at once, want the plan's 5", opened)
	}
	auth := map[string]string{"Authorization": "Bearer " + key}
	for i := range 3 {
		if code, m := s.post("GET", "/v1/usage", auth, "", nil); code != http.StatusOK {
			t.Fatalf("the backend's call %d after the flood: %d %v", i+1, code, m)
		} else if i == 2 && (m["widget_sessions"] != 5.0 || m["calls"] != 2.0) {
			t.Errorf("usage: %v widget sessions and %v calls shown; want 5 and 2 (the sessions apart)", m["widget_sessions"], m["calls"])
		}
	}
}

// A session gets so many frames analysed (Config.MaxAnalysedFrames, 200
// by default), then ends with TIMEOUT: a page that keeps one open for its
// whole idle time cannot have hundreds analysed for one session. The
// analysed frames are counted in the usage.
func TestAnalysedFramesAreBoundedAndCounted(t *testing.T) {
	ps := people(t)
	svc, s := budgetServer(t, widget.Config{MaxAnalysedFrames: 4})
	ctx := context.Background()
	app, err := svc.CreateApp(ctx, "shop", "tiny")
	if err != nil {
		t.Fatal(err)
	}
	c, code, m := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	if code != http.StatusCreated {
		t.Fatalf("open: %d %v", code, m)
	}
	r := rng(12)
	for i := range 5 {
		code, m := c.frame(t, fakecam.Camera(ps[0].Frontal, r))
		if i < 4 && code != http.StatusOK {
			t.Fatalf("frame %d: %d %v", i+1, code, m)
		}
		if i == 4 && (code != http.StatusUnprocessableEntity || errCode(m) != "TIMEOUT") {
			t.Fatalf("frame 5 of a session given 4: %d %v, want 422 TIMEOUT", code, m)
		}
	}
	days, err := svc.Usage(ctx, app, time.Now().Add(-time.Hour), time.Now())
	if err != nil || len(days) != 1 || days[0].Sessions != 1 || days[0].Frames != 4 || days[0].Calls != 0 {
		t.Fatalf("usage: %+v, %v; want 1 session, 4 frames and no API call", days, err)
	}
}

// budgetServer is a widget server whose "tiny" plan allows 3 API calls
// and 5 widget sessions a minute.
func budgetServer(t *testing.T, cfg widget.Config) (*service.Service, *server) {
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	plans := map[string]service.Plan{"tiny": {PerMinute: 3, PerMonth: 1000, SessionsPerMinute: 5, SessionsPerMonth: 1000}}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration, PINKey: []byte("k"), Logger: quiet, Plans: plans})
	return svc, serve(t, svc, cfg)
}
