package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// The admin endpoints of the operator console, on faces stored as the
// service stores them, without the engine: templates of the server's
// recogniser ("current") and of another ("old").

func unitVector(n, hot int) []float32 {
	v := make([]float32, n)
	v[hot] = 1
	return v
}

func TestAdminFacesAndUsage(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	gallery := index.New()
	svc := service.New(service.Config{Store: st, Gallery: gallery, Table: &match.Table{Model: "current"}, PINKey: []byte("k")})
	ts := httptest.NewServer(vhttp.New(svc, vhttp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(ts.Close)
	token, err := svc.CreateAdminToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, url: ts.URL, svc: svc}

	app, _ := svc.CreateApp(ctx, "Shop", "free")
	other, _ := svc.CreateApp(ctx, "Other", "free")
	put := func(a *visage.App, id, external string, payload string, pin []byte, ts ...visage.Template) {
		f := &visage.Face{ID: id, AppID: a.ID, ExternalID: external, Templates: ts, PINHash: pin}
		if payload != "" {
			f.Payload = json.RawMessage(payload)
		}
		if err := st.CreateFace(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := gallery.Put(a.ID, id, ts); err != nil {
			t.Fatal(err)
		}
	}
	put(app, "00000000-0000-0000-0000-00000000000a", "alice", `{"user":"zq7xk"}`, []byte("pinhash"),
		visage.Template{Model: "current", Vector: unitVector(8, 0)},
		visage.Template{Model: "current", Vector: unitVector(8, 1)},
		visage.Template{Model: "current", Vector: unitVector(8, 2), Learned: true})
	put(app, "00000000-0000-0000-0000-00000000000b", "bob", "", nil, visage.Template{Model: "old", Vector: unitVector(4, 0)})
	put(app, "00000000-0000-0000-0000-00000000000c", "", "", nil, visage.Template{Model: "current", Vector: unitVector(8, 3)})
	put(other, "00000000-0000-0000-0000-00000000000d", "carol", "", nil, visage.Template{Model: "current", Vector: unitVector(8, 4)})

	base := "/admin/apps/" + app.ID

	// Rename and plan.
	if code, body := s.call("PATCH", base, token, map[string]string{"name": "Shop 2", "plan": "pro"}); code != 200 || body["name"] != "Shop 2" || body["plan"] != "pro" {
		t.Errorf("PATCH: %d %v", code, body)
	}
	if code, body := s.call("PATCH", base, token, map[string]string{"name": "Shop 3", "plan": "gold"}); code != 400 || codeOf(body) != "INVALID_REQUEST" {
		t.Errorf("PATCH to an unknown plan: %d %v", code, body)
	}
	if a, _ := svc.App(ctx, app.ID); a.Name != "Shop 2" || a.Plan != "pro" {
		t.Errorf("a refused PATCH changed the app: %+v", a)
	}
	if code, _ := s.call("PATCH", base, token, map[string]string{}); code != 400 {
		t.Errorf("PATCH with nothing: %d", code)
	}
	if code, body := s.call("GET", "/admin/plans", token, nil); code != 200 || len(body["plans"].([]any)) != 3 {
		t.Errorf("plans: %d %v", code, body)
	}

	// A page of two, then the rest.
	code, body := s.call("GET", base+"/faces?limit=2", token, nil)
	faces, _ := body["faces"].([]any)
	if code != 200 || len(faces) != 2 || body["next"] != "00000000-0000-0000-0000-00000000000b" {
		t.Fatalf("first page: %d %v", code, body)
	}
	first := faces[0].(map[string]any)
	if first["external_id"] != "alice" || first["has_pin"] != true || first["payload_bytes"] != float64(len(`{"user":"zq7xk"}`)) || first["needs_reenrollment"] != false {
		t.Errorf("alice in the list: %v", first)
	}
	if faces[1].(map[string]any)["needs_reenrollment"] != true {
		t.Errorf("bob, enrolled with another recogniser: %v", faces[1])
	}
	_, body = s.call("GET", base+"/faces?limit=2&after=00000000-0000-0000-0000-00000000000b", token, nil)
	if faces, _ := body["faces"].([]any); len(faces) != 1 || body["next"] != nil {
		t.Errorf("second page: %v", body)
	}

	// Found by external ID or by facial ID; another app's face is not.
	for q, want := range map[string]int{"bob": 1, "00000000-0000-0000-0000-00000000000c": 1, "carol": 0, "00000000-0000-0000-0000-00000000000d": 0, "nobody": 0} {
		_, body := s.call("GET", base+"/faces?q="+q, token, nil)
		if faces, _ := body["faces"].([]any); len(faces) != want {
			t.Errorf("q=%s: %v, want %d faces", q, body, want)
		}
	}

	// One face's details: what it is made of, never its templates or payload.
	code, body = s.call("GET", base+"/faces/00000000-0000-0000-0000-00000000000a", token, nil)
	if code != 200 || body["enrolled_templates"] != float64(2) || body["learned_templates"] != float64(1) ||
		body["current_model"] != "current" || body["needs_reenrollment"] != false {
		t.Errorf("alice: %d %v", code, body)
	}
	raw, _ := json.Marshal(body)
	for _, secret := range []string{"user", "zq7xk", "pinhash", "vector", `"templates"`, "payload\""} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the face's details show %q: %s", secret, raw)
		}
	}
	if _, body := s.call("GET", base+"/faces/00000000-0000-0000-0000-00000000000b", token, nil); body["needs_reenrollment"] != true {
		t.Errorf("bob: %v", body)
	}
	if code, body := s.call("GET", base+"/faces/00000000-0000-0000-0000-00000000000d", token, nil); code != 404 || codeOf(body) != "NOT_FOUND" {
		t.Errorf("another app's face: %d %v", code, body)
	}
	if code, _ := s.call("DELETE", base+"/faces/00000000-0000-0000-0000-00000000000d", token, nil); code != 404 {
		t.Errorf("deleting another app's face: %d", code)
	}
	if code, _ := s.call("DELETE", base+"/faces/00000000-0000-0000-0000-00000000000b", token, nil); code != 200 {
		t.Errorf("delete: %d", code)
	}
	if code, _ := s.call("GET", base+"/faces/00000000-0000-0000-0000-00000000000b", token, nil); code != 404 {
		t.Errorf("a deleted face: %d", code)
	}
	if gallery.Len(app.ID) != 2 {
		t.Errorf("gallery: %d faces", gallery.Len(app.ID))
	}

	// Usage: every day of the period, with its counts and the faces now.
	today := time.Now().UTC()
	if err := st.CountCall(ctx, app.ID, today, true); err != nil {
		t.Fatal(err)
	}
	st.CountCall(ctx, app.ID, today, false)
	st.CountSession(ctx, app.ID, today, 17)
	from := today.AddDate(0, 0, -6).Format(time.DateOnly)
	code, body = s.call("GET", base+"/usage?from="+from+"&to="+today.Format(time.DateOnly), token, nil)
	days, _ := body["days"].([]any)
	if code != 200 || len(days) != 7 || body["faces"] != float64(2) {
		t.Fatalf("usage: %d %v", code, body)
	}
	last := days[6].(map[string]any)
	if last["day"] != today.Format(time.DateOnly) || last["calls"] != float64(2) || last["succeeded"] != float64(1) ||
		last["refused"] != float64(1) || last["widget_sessions"] != float64(1) || last["widget_frames"] != float64(17) {
		t.Errorf("today: %v", last)
	}
	if days[0].(map[string]any)["calls"] != float64(0) {
		t.Errorf("a day without calls: %v", days[0])
	}
	if totals := body["totals"].(map[string]any); totals["calls"] != float64(2) {
		t.Errorf("totals: %v", totals)
	}
	if code, _ := s.call("GET", "/admin/apps/nope/usage", token, nil); code != 404 {
		t.Errorf("usage of no app: %d", code)
	}
	if code, _ := s.call("GET", base+"/faces", "", nil); code != 401 {
		t.Errorf("faces without a token: %d", code)
	}
}

// The usage per endpoint and per outcome, counted as the API answers:
// an enrollment and a refusal (NO_FACE) under "POST /v1/enroll", a PAD
// attack per day, and the gallery's size on the days it was recorded.
func TestAdminUsageByEndpoint(t *testing.T) {
	ctx := context.Background()
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{6}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration, PINKey: []byte("k")})
	ts := httptest.NewServer(vhttp.New(svc, vhttp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(ts.Close)
	token, err := svc.CreateAdminToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, url: ts.URL, svc: svc}
	app, _ := svc.CreateApp(ctx, "Shop", "free")
	key, _, err := svc.CreateKey(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}

	if code, body := s.call("POST", "/v1/enroll", key, multipartOf(t, map[string][]byte{"image": testface.Person(t, 6, 0, 0)}, nil)); code != 201 {
		t.Fatalf("enroll: %d %v", code, body)
	}
	if code, body := s.call("POST", "/v1/enroll", key, multipartOf(t, map[string][]byte{"image": testface.Blank(t)}, nil)); code != 422 || codeOf(body) != "NO_FACE" {
		t.Fatalf("enroll a picture without a face: %d %v", code, body)
	}
	// A presentation attack, counted as the API counts one.
	if err := svc.Record(ctx, app, "POST /v1/authenticate", visage.Errorf(visage.CodePadAttack, "not live")); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC()
	if err := st.RecordFaces(ctx, app.ID, today, 1); err != nil {
		t.Fatal(err)
	}

	// The refusal is counted once its answer is sent: wait for it.
	path := "/admin/apps/" + app.ID + "/usage?from=" + today.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)
	var body map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for {
		var code int
		code, body = s.call("GET", path, token, nil)
		if code != 200 {
			t.Fatalf("usage: %d %v", code, body)
		}
		counted := 0.0
		for _, e := range body["endpoints"].([]any) {
			counted += e.(map[string]any)["calls"].(float64)
		}
		if counted == 3 && body["totals"].(map[string]any)["calls"] == float64(3) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	endpoints, _ := body["endpoints"].([]any)
	if len(endpoints) != 2 {
		t.Fatalf("endpoints: %v", body["endpoints"])
	}
	enroll := endpoints[0].(map[string]any) // the most called first
	if enroll["endpoint"] != "POST /v1/enroll" || enroll["calls"] != float64(2) || enroll["succeeded"] != float64(1) || enroll["refused"] != float64(1) ||
		fmt.Sprint(enroll["refusals"]) != "map[NO_FACE:1]" {
		t.Errorf("POST /v1/enroll: %v", enroll)
	}
	auth := endpoints[1].(map[string]any)
	if auth["endpoint"] != "POST /v1/authenticate" || auth["calls"] != float64(1) || auth["succeeded"] != float64(0) ||
		fmt.Sprint(auth["refusals"]) != "map[PAD_ATTACK:1]" {
		t.Errorf("POST /v1/authenticate: %v", auth)
	}
	if fmt.Sprint(body["refusals"]) != "map[NO_FACE:1 PAD_ATTACK:1]" {
		t.Errorf("refusals: %v", body["refusals"])
	}
	days := body["days"].([]any)
	yesterday, last := days[0].(map[string]any), days[1].(map[string]any)
	if v, ok := yesterday["faces"]; !ok || v != nil {
		t.Errorf("yesterday's faces, not recorded: %v", yesterday)
	}
	if last["faces"] != float64(1) || last["pad_attacks"] != float64(1) || last["calls"] != float64(3) || last["refused"] != float64(2) {
		t.Errorf("today: %v", last)
	}
	if yesterday["pad_attacks"] != float64(0) {
		t.Errorf("yesterday: %v", yesterday)
	}
	if totals := body["totals"].(map[string]any); totals["pad_attacks"] != float64(1) {
		t.Errorf("totals: %v", totals)
	}
}
