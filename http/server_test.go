package http_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visagehq/visage/face"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// These tests run the whole server over real HTTP: real engine, real
// SQLite, real gallery, faces cut from the demo photos.

type server struct {
	t    *testing.T
	url  string
	svc  *service.Service
	keyA string
	keyB string
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
	ts := httptest.NewServer(vhttp.New(svc, vhttp.Config{MaxBody: 32 << 20, Logger: quiet}))
	t.Cleanup(ts.Close)
	s := &server{t: t, url: ts.URL, svc: svc}
	s.keyA, s.keyB = s.newApp(), s.newApp()
	return s
}

func (s *server) newApp() string {
	ctx := context.Background()
	app, err := s.svc.CreateApp(ctx, "test", "free")
	if err != nil {
		s.t.Fatal(err)
	}
	key, _, err := s.svc.CreateKey(ctx, app.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return key
}

// call sends body (JSON-encoded unless it is already bytes) and decodes
// the JSON answer.
func (s *server) call(method, path, key string, body any) (int, map[string]any) {
	s.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case *multipartBody:
		rd, ct = &b.buf, b.ct
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Content-Type", ct)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		s.t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func codeOf(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

type multipartBody struct {
	buf bytes.Buffer
	ct  string
}

func multipartOf(t *testing.T, files map[string][]byte, fields map[string]string) *multipartBody {
	m := &multipartBody{}
	w := multipart.NewWriter(&m.buf)
	for name, data := range files {
		fw, _ := w.CreateFormFile(name, name+".jpg")
		fw.Write(data)
	}
	for k, v := range fields {
		w.WriteField(k, v)
	}
	w.Close()
	m.ct = w.FormDataContentType()
	return m
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestLifecycleOverHTTP(t *testing.T) {
	s := newServer(t)
	alice := testface.Person(t, 6, 0, 0)

	st, body := s.call("POST", "/v1/enroll", s.keyA, multipartOf(t, map[string][]byte{"image": alice}, map[string]string{"external_id": "alice", "payload": `{"plan":"gold"}`}))
	if st != http.StatusCreated {
		t.Fatalf("enroll: %d %v", st, body)
	}
	id := body["facial_id"].(string)

	st, body = s.call("POST", "/v1/authenticate", s.keyA, map[string]string{"image": b64(testface.Person(t, 6, 0, 15))})
	if st != 200 || body["facial_id"] != id || body["external_id"] != "alice" || body["payload"].(map[string]any)["plan"] != "gold" {
		t.Fatalf("authenticate: %d %v", st, body)
	}
	st, body = s.call("POST", "/v1/verify", s.keyA, map[string]string{"image": b64(testface.Person(t, 6, 0, 15)), "facial_id": id})
	if st != 200 || body["match"] != true {
		t.Fatalf("verify: %d %v", st, body)
	}
	if st, body = s.call("GET", "/v1/faces/"+id, s.keyA, nil); st != 200 || body["external_id"] != "alice" ||
		body["has_pin"] != false || body["needs_reenrollment"] != false {
		t.Fatalf("get: %d %v", st, body)
	}
	if st, body = s.call("GET", "/v1/faces", s.keyA, nil); st != 200 || len(body["faces"].([]any)) != 1 {
		t.Fatalf("list: %d %v", st, body)
	}
	if st, body = s.call("DELETE", "/v1/faces/"+id, s.keyA, nil); st != 200 {
		t.Fatalf("delete: %d %v", st, body)
	}
	st, body = s.call("POST", "/v1/authenticate", s.keyA, map[string]string{"image": b64(testface.Person(t, 6, 0, 15))})
	if st != http.StatusUnprocessableEntity || codeOf(body) != "UNRECOGNIZED_FACE" {
		t.Fatalf("authenticate after delete: %d %v", st, body)
	}
}

func TestOtherAppsFacesAreNotFound(t *testing.T) {
	s := newServer(t)
	alice := testface.Person(t, 3, 0, 0)
	_, body := s.call("POST", "/v1/enroll", s.keyA, map[string]any{"images": []string{b64(alice)}, "external_id": "alice"})
	id, _ := body["facial_id"].(string)
	if id == "" {
		t.Fatalf("enroll: %v", body)
	}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/faces/" + id, nil},
		{"DELETE", "/v1/faces/" + id, nil},
		{"PUT", "/v1/faces/" + id + "/payload", map[string]any{"payload": 1}},
		{"PUT", "/v1/faces/" + id + "/pin", map[string]any{"pin": "1234"}},
		{"POST", "/v1/verify", map[string]any{"image": b64(alice), "facial_id": id}},
		{"POST", "/v1/verify", map[string]any{"image": b64(alice), "external_id": "alice"}},
	} {
		if st, body := s.call(c.method, c.path, s.keyB, c.body); st != 404 || codeOf(body) != "NOT_FOUND" {
			t.Errorf("%s %s with another app's key: %d %v", c.method, c.path, st, body)
		}
	}
	if st, body := s.call("GET", "/v1/faces/"+id, s.keyA, nil); st != 200 {
		t.Fatalf("the owner lost its face: %d %v", st, body)
	}
}

func TestAuthentication(t *testing.T) {
	s := newServer(t)
	for _, key := range []string{"", "vsk_notakeyatallnotakeyatall", "garbage"} {
		if st, body := s.call("GET", "/v1/faces", key, nil); st != 401 || codeOf(body) != "UNAUTHORIZED" {
			t.Errorf("key %q: %d %v", key, st, body)
		}
	}
}

// pngClaiming is a valid PNG header whose IHDR claims w×h pixels.
func pngClaiming(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}

// Bad input gets a 4xx with a code: never a 5xx, never a hang.
func TestBadInput(t *testing.T) {
	s := newServer(t)
	cases := map[string]struct {
		body   any
		status int
		code   string
	}{
		"empty body":     {[]byte{}, 400, "INVALID_REQUEST"},
		"not JSON":       {[]byte("{nope"), 400, "INVALID_REQUEST"},
		"wrong types":    {[]byte(`{"image": 42, "pin": [1]}`), 400, "INVALID_REQUEST"},
		"no image":       {map[string]string{"pin": "1234"}, 400, "INVALID_REQUEST"},
		"bad base64":     {map[string]string{"image": "%%%"}, 400, "INVALID_REQUEST"},
		"zero-byte file": {multipartOf(t, map[string][]byte{"image": {}}, nil), 400, "IMAGE_INVALID"},
		"60000x60000":    {map[string]string{"image": b64(pngClaiming(60000, 60000))}, 413, "IMAGE_TOO_LARGE"},
		"100 MB body":    {bytes.Repeat([]byte("a"), 100<<20), 413, "REQUEST_TOO_LARGE"},
		"100 MB of JSON": {append([]byte(`{"image":"`), bytes.Repeat([]byte("A"), 100<<20)...), 413, "REQUEST_TOO_LARGE"},
	}
	for name, c := range cases {
		st, body := s.call("POST", "/v1/enroll", s.keyA, c.body)
		if st != c.status || codeOf(body) != c.code {
			t.Errorf("%s: %d %v, want %d %s", name, st, body, c.status, c.code)
		}
	}
	// Every broken file of the research set, when it is beside the checkout.
	files, _ := filepath.Glob(filepath.Join(testface.Datasets(t, "face-counts"), "broken_files", "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		st, body := s.call("POST", "/v1/enroll", s.keyA, multipartOf(t, map[string][]byte{"image": data}, nil))
		if st >= 500 || (st >= 300 && codeOf(body) == "") {
			t.Errorf("%s: %d %v", filepath.Base(f), st, body)
		}
		if strings.HasPrefix(filepath.Base(f), "einstein.") && !strings.HasSuffix(f, ".ico") && st != http.StatusCreated {
			t.Errorf("%s: %d %v, want the face enrolled", filepath.Base(f), st, body)
		}
	}
}

func TestRateLimitAndQuota(t *testing.T) {
	e := testface.Engine(t)
	path := filepath.Join(t.TempDir(), "visage.db")
	key := bytes.Repeat([]byte{3}, 32)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	plans := map[string]service.Plan{"free": {PerMinute: 3}, "pro": {PerMinute: 1000, PerMonth: 4}}
	start := func() (*server, func()) {
		st, err := sqlite.Open(path, key)
		if err != nil {
			t.Fatal(err)
		}
		svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration, PINKey: []byte("k"), Plans: plans})
		ts := httptest.NewServer(vhttp.New(svc, vhttp.Config{Logger: quiet}))
		return &server{t: t, url: ts.URL, svc: svc}, func() { ts.Close(); st.Close() }
	}
	s, stop := start()
	ctx := context.Background()
	free, _ := s.svc.CreateApp(ctx, "free", "free")
	freeKey, _, _ := s.svc.CreateKey(ctx, free.ID)
	pro, _ := s.svc.CreateApp(ctx, "pro", "pro")
	proKey, _, _ := s.svc.CreateKey(ctx, pro.ID)

	for i := 0; i < 3; i++ {
		if st, body := s.call("GET", "/v1/faces", freeKey, nil); st != 200 {
			t.Fatalf("call %d: %d %v", i+1, st, body)
		}
	}
	req, _ := http.NewRequest("GET", s.url+"/v1/faces", nil)
	req.Header.Set("X-API-Key", freeKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("RateLimit-Limit") != "3" || resp.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("4th call in a minute: %d, headers %v", resp.StatusCode, resp.Header)
	}

	// The month's quota counts across a restart.
	for i := 0; i < 3; i++ {
		s.call("GET", "/v1/faces", proKey, nil)
	}
	stop()
	s, stop = start()
	defer stop()
	if st, body := s.call("GET", "/v1/faces", proKey, nil); st != 200 {
		t.Fatalf("4th call of the month: %d %v", st, body)
	}
	if st, body := s.call("GET", "/v1/faces", proKey, nil); st != 429 || codeOf(body) != "QUOTA_EXCEEDED" {
		t.Fatalf("5th call of the month after a restart: %d %v", st, body)
	}
	if st, body := s.call("GET", "/v1/stats", proKey, nil); st != 429 {
		t.Fatalf("stats over quota: %d %v", st, body)
	}
}

func TestStatsAndUsage(t *testing.T) {
	s := newServer(t)
	s.call("POST", "/v1/enroll", s.keyA, map[string]string{"image": b64(testface.Person(t, 5, 0, 0))})
	s.call("POST", "/v1/authenticate", s.keyA, map[string]string{"image": "%%%"}) // a failure
	st, body := s.call("GET", "/v1/stats", s.keyA, nil)
	if st != 200 || body["indexed_faces"] != 1.0 || len(body["recent_facial_ids"].([]any)) != 1 || body["total_calls"].(float64) < 2 {
		t.Fatalf("stats: %d %v", st, body)
	}
	st, body = s.call("GET", "/v1/usage", s.keyA, nil)
	if st != 200 || body["calls"].(float64) < 3 || body["success_rate"].(float64) >= 1 {
		t.Fatalf("usage: %d %v", st, body)
	}
}

func TestMetrics(t *testing.T) {
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g := index.New()
	svc := service.New(service.Config{Store: st, Gallery: g, Engine: e, Table: e.Pack().Calibration, PINKey: []byte("k"),
		Plans: map[string]service.Plan{"free": {PerMinute: 2}}})
	m := vhttp.NewMetrics(g.Sizes)
	ts := httptest.NewServer(vhttp.New(svc, vhttp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m}))
	defer ts.Close()
	s := &server{t: t, url: ts.URL, svc: svc}
	key := s.newApp()
	s.call("POST", "/v1/enroll", key, map[string]string{"image": b64(testface.Person(t, 3, 1, 0))})
	s.call("GET", "/v1/faces/nope", key, nil)
	s.call("GET", "/v1/faces", key, nil) // over the limit of 2 a minute
	m.ObserveTimings(face.Timings{Detect: 3e6})

	admin, err := svc.CreateAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(raw)
	for _, want := range []string{
		`visage_http_requests_total{route="POST /v1/enroll",status="201"} 1`,
		`visage_http_requests_total{route="GET /v1/faces/{id}",status="404"} 1`,
		`visage_http_requests_total{route="GET /v1/faces",status="429"} 1`,
		`visage_rate_limit_refusals_total{code="RATE_LIMIT"} 1`,
		`visage_http_request_duration_seconds_bucket{route="POST /v1/enroll"`,
		`visage_engine_stage_seconds_count{stage="detect"} 1`,
		`visage_gallery_faces{app=`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestAdminAPI(t *testing.T) {
	s := newServer(t)
	admin, err := s.svc.CreateAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"", s.keyA, "vsa_wrongwrongwrongwrong"} {
		if st, body := s.call("GET", "/admin/apps", tok, nil); st != 401 {
			t.Errorf("admin with %q: %d %v", tok, st, body)
		}
	}
	st, body := s.call("POST", "/admin/apps", admin, map[string]string{"name": "shop", "plan": "pro"})
	if st != 201 {
		t.Fatalf("create app: %d %v", st, body)
	}
	appID := body["id"].(string)
	key := body["key"].(map[string]any)["secret"].(string)
	if st, body := s.call("GET", "/v1/faces", key, nil); st != 200 {
		t.Fatalf("the new key: %d %v", st, body)
	}
	st, body = s.call("PUT", "/admin/apps/"+appID+"/settings", admin, map[string]any{"level": 6, "prevent_duplicates": true})
	set, _ := body["settings"].(map[string]any)
	if st != 200 || set["level"] != 6.0 || set["prevent_duplicates"] != true {
		t.Fatalf("settings: %d %v", st, body)
	}
	if st, body := s.call("PUT", "/admin/apps/"+appID+"/settings", admin, map[string]any{"level": 9}); st != 400 {
		t.Errorf("level 9: %d %v", st, body)
	}
	st, body = s.call("GET", "/admin/apps/"+appID+"/keys", admin, nil)
	keys, _ := body["keys"].([]any)
	if st != 200 || len(keys) != 1 || strings.Contains(fmt.Sprint(body), key) {
		t.Fatalf("keys: %d %v", st, body)
	}
	if keys[0].(map[string]any)["last_used_at"] == nil {
		t.Errorf("the key was used, and its last use is not shown: %v", keys[0])
	}
	keyID := keys[0].(map[string]any)["id"].(string)
	if st, body := s.call("DELETE", "/admin/apps/"+appID+"/keys/"+keyID, admin, nil); st != 200 {
		t.Fatalf("revoke: %d %v", st, body)
	}
	if st, _ := s.call("GET", "/v1/faces", key, nil); st != 401 {
		t.Errorf("a revoked key still works: %d", st)
	}
	if st, body := s.call("DELETE", "/admin/apps/"+appID, admin, nil); st != 200 {
		t.Fatalf("delete app: %d %v", st, body)
	}
	if st, _ := s.call("GET", "/admin/apps/"+appID, admin, nil); st != 404 {
		t.Errorf("deleted app still there: %d", st)
	}
}

// The app's rules answer with their codes over HTTP.
func TestRulesOverHTTP(t *testing.T) {
	s := newServer(t)
	admin, _ := s.svc.CreateAdminToken(context.Background())
	st, body := s.call("POST", "/admin/apps", admin, map[string]string{"name": "strict", "plan": "pro"})
	if st != 201 {
		t.Fatalf("create app: %d %v", st, body)
	}
	appID, key := body["id"].(string), body["key"].(map[string]any)["secret"].(string)
	s.call("PUT", "/admin/apps/"+appID+"/settings", admin, map[string]any{"prevent_duplicates": true, "require_pin": true})

	alice, bob := b64(testface.Person(t, 5, 0, 0)), b64(testface.Person(t, 5, 2, 0))
	expect := func(what string, status int, code string, st int, body map[string]any) {
		t.Helper()
		if st != status || (code != "" && codeOf(body) != code) {
			t.Fatalf("%s: %d %v, want %d %s", what, st, body, status, code)
		}
	}
	st, body = s.call("POST", "/v1/enroll", key, map[string]string{"image": alice})
	expect("enroll without the required PIN", 401, "PIN_REQUIRED", st, body)
	st, body = s.call("POST", "/v1/enroll", key, map[string]string{"image": alice, "pin": "4321"})
	expect("enroll", 201, "", st, body)
	id := body["facial_id"].(string)
	if st, body = s.call("GET", "/v1/faces/"+id, key, nil); st != 200 || body["has_pin"] != true {
		t.Errorf("a face enrolled with a PIN: %d %v", st, body)
	}
	st, body = s.call("POST", "/v1/enroll", key, map[string]string{"image": b64(testface.Person(t, 5, 0, 12)), "pin": "1111"})
	expect("enroll the same person again", 409, "FACE_DUPLICATION", st, body)

	probe := b64(testface.Person(t, 5, 0, 20))
	st, body = s.call("POST", "/v1/authenticate", key, map[string]string{"image": probe, "pin": "4321"})
	expect("right PIN", 200, "", st, body)
	st, body = s.call("POST", "/v1/authenticate", key, map[string]string{"image": probe, "pin": "0000"})
	expect("wrong PIN", 401, "WRONG_PIN_CODE", st, body)
	s.call("POST", "/v1/authenticate", key, map[string]string{"image": probe, "pin": "0000"})
	st, body = s.call("POST", "/v1/authenticate", key, map[string]string{"image": probe, "pin": "0000"})
	expect("third wrong PIN", 429, "PIN_LOCKED", st, body)
	st, body = s.call("POST", "/v1/authenticate", key, map[string]string{"image": probe, "pin": "4321"})
	expect("right PIN while locked", 429, "PIN_LOCKED", st, body)

	// Payload: 16 KB is accepted, one byte more is refused.
	fit := `"` + strings.Repeat("x", 16<<10-2) + `"`
	st, body = s.call("POST", "/v1/enroll", key, []byte(`{"image":"`+bob+`","pin":"5555","payload":`+fit+`}`))
	expect("16 KB payload", 201, "", st, body)
	bobID := body["facial_id"].(string)
	over := `"` + strings.Repeat("x", 16<<10-1) + `"`
	st, body = s.call("PUT", "/v1/faces/"+bobID+"/payload", key, []byte(`{"payload":`+over+`}`))
	expect("16 KB + 1 payload", 400, "INVALID_REQUEST", st, body)

	// Minors: a minimum age far above any estimate refuses everyone.
	s.call("PUT", "/admin/apps/"+appID+"/settings", admin, map[string]any{"min_age": 90, "prevent_duplicates": false, "require_pin": false})
	st, body = s.call("POST", "/v1/enroll", key, map[string]string{"image": b64(testface.Person(t, 3, 0, 0))})
	expect("minors gate", 403, "MINORS_NOT_ALLOWED", st, body)

	// Liveness, with the research set's printed-photo attack.
	attack, err := os.ReadFile(filepath.Join(testface.Datasets(t, "spoof-samples"), "spoof", "image_F1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	s.call("PUT", "/admin/apps/"+appID+"/settings", admin, map[string]any{"min_age": 0, "require_liveness": true})
	st, body = s.call("POST", "/v1/enroll", key, multipartOf(t, map[string][]byte{"image": attack}, nil))
	expect("liveness gate", 403, "PAD_ATTACK", st, body)
}

// Scores are rounded, not truncated, negative ones included.
func TestCompareScores(t *testing.T) {
	s := newServer(t)
	a, b := b64(testface.Person(t, 3, 0, 0)), b64(testface.Person(t, 6, 0, 0))
	st, body := s.call("POST", "/v1/compare", s.keyA, map[string]any{"images": []string{a, b}})
	if st != 200 || body["match"] != false {
		t.Fatalf("compare two people: %d %v", st, body)
	}
	cos := body["cosine"].(float64)
	if cos != math.Round(cos*1e4)/1e4 || body["distance"].(float64) <= 0.6 {
		t.Errorf("compare: %v", body)
	}
	st, body = s.call("POST", "/v1/compare", s.keyA, map[string]any{"images": []string{a, a}})
	if st != 200 || body["match"] != true || body["similarity"] != 100.0 || body["cosine"].(float64) < 0.9999 {
		t.Errorf("compare a face with itself: %d %v", st, body)
	}
}
