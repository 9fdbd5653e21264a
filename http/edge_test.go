package http_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visagehq/visage/face"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// These tests hold the public edge to its limits (docs/security.md), over
// real HTTP with the real engine and store.

// startServer runs the native API with cfg (its Logger quiet unless set)
// on svc, and returns its base URL.
func startServer(t *testing.T, svc *service.Service, cfg vhttp.Config) string {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ts := httptest.NewServer(vhttp.New(svc, cfg))
	t.Cleanup(ts.Close)
	return ts.URL
}

// newService is a service on a fresh store and the shared engine.
func newService(t *testing.T, eng *face.Engine, plans map[string]service.Plan) *service.Service {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return service.New(service.Config{Store: st, Gallery: index.New(), Engine: eng, Table: eng.Pack().Calibration,
		PINKey: []byte("k"), Plans: plans})
}

// trickle sends a request whose body of size bytes comes one byte every
// 20 ms (size/50 seconds in all), and reads what the server says until it
// closes the connection. cut reports whether it closed before the whole
// body was sent; status is the answer's status line, if any.
func trickle(t *testing.T, base, method, path, key string, size int) (cut bool, status string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: visage\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", method, path, size)
	if key != "" {
		head += "Authorization: Bearer " + key + "\r\n"
	}
	if _, err := io.WriteString(conn, head+"\r\n"); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	go func() {
		body := append([]byte(`{"image":"`), bytes.Repeat([]byte("A"), size)...)[:size]
		for _, b := range body {
			if _, err := conn.Write([]byte{b}); err != nil {
				return
			}
			sent.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	// The guard only stops a server that never hangs up from stalling
	// the test: the body takes longer than it to send.
	conn.SetReadDeadline(time.Now().Add(time.Duration(size)*20*time.Millisecond + 3*time.Second))
	answer, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s %s: the connection was still open after the whole body was sent (%d bytes); answer so far %q", method, path, sent.Load(), answer)
	}
	status, _, _ = strings.Cut(string(answer), "\r\n")
	return sent.Load() < int64(size), status
}

// A client that sends its body a byte at a time is cut off at the body
// deadline of its route, whether or not its key was good.
func TestSlowBodyIsCutOff(t *testing.T) {
	eng := testface.Engine(t)
	svc := newService(t, eng, nil)
	base := startServer(t, svc, vhttp.Config{BodyTimeout: 300 * time.Millisecond, UploadTimeout: 600 * time.Millisecond})
	s := &server{t: t, url: base, svc: svc}
	key := s.newApp()
	for _, c := range []struct {
		name, method, path, key string
		status                  string
	}{
		{"photo upload", "POST", "/v1/enroll", key, "HTTP/1.1 400 Bad Request"},
		{"small JSON", "PUT", "/v1/faces/nope/payload", key, "HTTP/1.1 400 Bad Request"},
		{"no key", "POST", "/v1/enroll", "", "HTTP/1.1 401 Unauthorized"},
		{"admin", "POST", "/admin/apps", "vsa_notatokennotatokennotatoken", "HTTP/1.1 401 Unauthorized"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cut, status := trickle(t, base, c.method, c.path, c.key, 250)
			if !cut {
				t.Errorf("the server read the whole slow body (status %q)", status)
			}
			if status != c.status {
				t.Errorf("answer %q, want %q", status, c.status)
			}
		})
	}
}

// A request refused for its key is answered without its body being
// read, however long the body deadline.
func TestRefusedKeyReadsNoBody(t *testing.T) {
	eng := testface.Engine(t)
	svc := newService(t, eng, nil)
	base := startServer(t, svc, vhttp.Config{BodyTimeout: time.Minute, UploadTimeout: time.Minute})
	for _, c := range []struct{ method, path, key string }{
		{"POST", "/v1/enroll", ""},
		{"POST", "/v1/enroll", "vsk_notakeyatallnotakeyatall"},
		{"PUT", "/admin/apps/x/settings", "vsa_notatokennotatokennotatoken"},
	} {
		cut, status := trickle(t, base, c.method, c.path, c.key, 100)
		if !cut || status != "HTTP/1.1 401 Unauthorized" {
			t.Errorf("%s %s with key %q: %q, and the body was read to its end: %v", c.method, c.path, c.key, status, !cut)
		}
	}
}

// /metrics is not served to anyone who reaches the public listener: it
// takes the admin token there, and none on the admin listener.
func TestMetricsAreNotPublic(t *testing.T) {
	eng := testface.Engine(t)
	svc := newService(t, eng, nil)
	m := vhttp.NewMetrics(func() map[string]int { return nil })
	api := vhttp.New(svc, vhttp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m})
	public := httptest.NewServer(api)
	defer public.Close()
	admin := httptest.NewServer(api.AdminHandler())
	defer admin.Close()
	s := &server{t: t, url: public.URL, svc: svc}
	key := s.newApp()
	token, err := svc.CreateAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	get := func(url, bearer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, bearer := range []string{"", key} {
		if st, body := get(public.URL+"/metrics", bearer); st != http.StatusUnauthorized || strings.Contains(body, "visage_http_requests_total") {
			t.Errorf("public /metrics with %q: %d %.200s", bearer, st, body)
		}
	}
	if st, body := get(public.URL+"/metrics", token); st != 200 || !strings.Contains(body, "visage_http_requests_total") {
		t.Errorf("public /metrics with the admin token: %d %.200s", st, body)
	}
	if st, body := get(admin.URL+"/metrics", ""); st != 200 || !strings.Contains(body, "visage_http_requests_total") {
		t.Errorf("admin listener /metrics: %d %.200s", st, body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if st, body := get(admin.URL+path, ""); st != 200 {
			t.Errorf("admin listener %s: %d %s", path, st, body)
		}
	}
	// Nothing else: the admin listener is not a second public API.
	if st, _ := get(admin.URL+"/v1/faces", key); st != http.StatusNotFound {
		t.Errorf("admin listener /v1/faces: %d, want 404", st)
	}
}

// IDs a client chooses are printable text: control characters and
// invisible direction and formatting marks are refused before anything
// is stored.
func TestIDsArePrintable(t *testing.T) {
	s := newServer(t)
	img := b64(testface.Person(t, 6, 0, 0))
	bad := map[string]string{
		"NUL":                        "ali\x00ce",
		"newline":                    "alice\nINFO forged log line",
		"escape":                     "\x1b[31malice",
		"DEL":                        "alice\x7f",
		"C1 control":                 "alice\u0085",
		"right-to-left override":     "\u202Eecila",
		"left-to-right embedding":    "\u202Aalice",
		"pop directional formatting": "alice\u202C",
		"first strong isolate":       "alice\u2068",
		"pop directional isolate":    "alice\u2069",
		"left-to-right mark":         "\u200Ealice",
		"right-to-left mark":         "alice\u200F",
		"Arabic letter mark":         "alice\u061C",
		"zero-width space":           "ali\u200Bce",
		"257 bytes":                  strings.Repeat("a", 257),
	}
	multipartEnroll := func(name, id string) {
		t.Helper()
		st, body := s.call("POST", "/v1/enroll", s.keyA, multipartOf(t, map[string][]byte{"image": testface.Person(t, 6, 0, 0)}, map[string]string{"external_id": id}))
		if st != http.StatusBadRequest || codeOf(body) != "INVALID_REQUEST" {
			t.Errorf("multipart enroll with external_id %s: %d %v", name, st, body)
		}
	}
	// JSON cannot carry bytes that are not UTF-8 (decoders make them
	// U+FFFD), a multipart field can.
	multipartEnroll("not UTF-8", "alice\xff")
	for name, id := range bad {
		st, body := s.call("POST", "/v1/enroll", s.keyA, map[string]any{"image": img, "external_id": id})
		if st != http.StatusBadRequest || codeOf(body) != "INVALID_REQUEST" {
			t.Errorf("enroll with external_id %s: %d %v", name, st, body)
		}
		multipartEnroll(name, id)
		st, body = s.call("POST", "/v1/verify", s.keyA, map[string]any{"image": img, "external_id": id})
		if st != http.StatusBadRequest || codeOf(body) != "INVALID_REQUEST" {
			t.Errorf("verify with external_id %s: %d %v", name, st, body)
		}
	}
	if _, body := s.call("GET", "/v1/faces", s.keyA, nil); len(body["faces"].([]any)) != 0 {
		t.Fatalf("refused IDs were stored: %v", body)
	}
	for _, id := range []string{"alice", "José Ñúñez", "用户-42", "عائشة", "😀", strings.Repeat("a", 256)} {
		if st, body := s.call("POST", "/v1/enroll", s.keyA, map[string]any{"image": img, "external_id": id}); st != http.StatusCreated {
			t.Errorf("enroll with external_id %q: %d %v", id, st, body)
		}
	}
}

// goName matches what Go's messages show and a client must not see: a
// package-qualified type (http.faceRequest, service.AppSettings), Go
// type names, encoding/json's prefix.
var goName = regexp.MustCompile(`\b[a-z]+\.[A-Za-z]+\b|\b(float64|int64|\[\]string|struct \{)|json: |Go (value|struct)`)

// Error messages say what is wrong in the client's terms: no Go type
// names, no internal IDs.
func TestErrorMessagesShowNoInternals(t *testing.T) {
	s := newServer(t)
	admin, err := s.svc.CreateAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, body := s.call("POST", "/admin/apps", admin, map[string]string{"name": "shop", "plan": "pro"})
	if st != http.StatusCreated {
		t.Fatalf("create app: %d %v", st, body)
	}
	appID, key := body["id"].(string), body["key"].(map[string]any)["secret"].(string)

	message := func(body map[string]any) string {
		e, _ := body["error"].(map[string]any)
		m, _ := e["message"].(string)
		return m
	}
	for _, c := range []struct {
		what, method, path, key string
		body                    []byte
		want                    string // in the message
	}{
		{"an array", "POST", "/v1/enroll", key, []byte(`[{"image":"x"}]`), "the body must be a JSON object"},
		{"a string", "POST", "/v1/authenticate", key, []byte(`"x"`), "the body must be a JSON object"},
		{"an object for a string", "POST", "/v1/enroll", key, []byte(`{"image":{"a":1}}`), "field image must be a string"},
		{"a string for a list", "POST", "/v1/compare", key, []byte(`{"images":"x"}`), "field images must be a list of strings"},
		{"a number for a string", "PUT", "/v1/faces/x/pin", key, []byte(`{"pin":1234}`), "field pin must be a string"},
		{"admin: an array", "POST", "/admin/apps", admin, []byte(`[1]`), "the body must be a JSON object"},
		{"admin: broken JSON", "POST", "/admin/apps", admin, []byte(`{"name":`), "the body is not valid JSON"},
		{"admin: a string for an integer", "PUT", "/admin/apps/" + appID + "/settings", admin, []byte(`{"level":"high"}`), "field level must be an integer"},
		{"admin: a fraction for an integer", "PUT", "/admin/apps/" + appID + "/settings", admin, []byte(`{"min_age":18.5}`), "field min_age must be an integer"},
		{"admin: a number for a boolean", "PUT", "/admin/apps/" + appID + "/settings", admin, []byte(`{"require_pin":1}`), "field require_pin must be true or false"},
		{"admin: a string for a list", "PUT", "/admin/apps/" + appID + "/settings", admin, []byte(`{"allowed_origins":"https://a.example"}`), "field allowed_origins must be a list of strings"},
	} {
		st, body := s.call(c.method, c.path, c.key, c.body)
		m := message(body)
		if st != http.StatusBadRequest || codeOf(body) != "INVALID_REQUEST" || !strings.Contains(m, c.want) || goName.MatchString(m) {
			t.Errorf("%s: %d %q, want 400 INVALID_REQUEST saying %q and naming no Go type", c.what, st, m, c.want)
		}
	}

	img := b64(testface.Person(t, 4, 0, 0))
	if st, body := s.call("POST", "/v1/enroll", key, map[string]any{"image": img, "external_id": "alice"}); st != http.StatusCreated {
		t.Fatalf("enroll: %d %v", st, body)
	}
	st, body = s.call("POST", "/v1/enroll", key, map[string]any{"image": img, "external_id": "alice"})
	if m := message(body); st != http.StatusConflict || codeOf(body) != "CONFLICT" || strings.Contains(m, appID) || !strings.Contains(m, `"alice"`) {
		t.Errorf("enroll a taken external_id: %d %q, want CONFLICT naming alice and not the app's ID %s", st, m, appID)
	}
}

// retryAfter is the Retry-After header as whole seconds, -1 when it is
// missing or not an integer.
func retryAfter(h http.Header) int {
	n, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil {
		return -1
	}
	return n
}

func post(t *testing.T, url, key, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Every 429 and 503 says when to come back, in whole seconds.
func TestRefusalsCarryRetryAfter(t *testing.T) {
	eng := testface.Engine(t)
	img := b64(testface.Person(t, 5, 0, 0))

	t.Run("PIN_LOCKED", func(t *testing.T) {
		s := newServer(t)
		if st, body := s.call("POST", "/v1/enroll", s.keyA, map[string]any{"image": img, "pin": "4321"}); st != http.StatusCreated {
			t.Fatalf("enroll: %d %v", st, body)
		}
		var resp *http.Response
		var body string
		for range service.PINLockAfter {
			resp, body = post(t, s.url+"/v1/authenticate", s.keyA, `{"image":"`+img+`","pin":"0000"}`)
		}
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "PIN_LOCKED") || retryAfter(resp.Header) < 1 {
			t.Errorf("PIN locked: %d %s, Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
		}
	})

	t.Run("TIMEOUT", func(t *testing.T) {
		svc := newService(t, eng, nil)
		base := startServer(t, svc, vhttp.Config{Timeout: time.Nanosecond})
		key := (&server{t: t, svc: svc}).newApp()
		resp, body := post(t, base+"/v1/detect", key, `{"image":"`+img+`"}`)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "TIMEOUT") || retryAfter(resp.Header) < 1 {
			t.Errorf("out of time: %d %s, Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
		}
	})

	t.Run("not ready", func(t *testing.T) {
		svc := newService(t, eng, nil)
		base := startServer(t, svc, vhttp.Config{Ready: func(context.Context) error { return errors.New("store down") }})
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || retryAfter(resp.Header) < 1 {
			t.Errorf("/readyz while not ready: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})

	t.Run("engine busy", func(t *testing.T) {
		// One worker that lets no one wait: while it analyses, every
		// other request is answered at once rather than queued.
		busy, err := face.New(face.Config{
			RuntimeLib:   filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1"),
			ModelDir:     filepath.Join(testface.Deps(), "models"),
			Workers:      1,
			MaxQueueWait: time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()
		svc := newService(t, busy, map[string]service.Plan{"free": {PerMinute: 10000}})
		base := startServer(t, svc, vhttp.Config{})
		key := (&server{t: t, svc: svc}).newApp()
		refused := 0
		for round := 0; round < 20 && refused == 0; round++ {
			var wg sync.WaitGroup
			var mu sync.Mutex
			for range 6 {
				wg.Go(func() {
					resp, body := post(t, base+"/v1/detect", key, `{"image":"`+img+`"}`)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case resp.StatusCode == http.StatusOK:
					case resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(body, "TIMEOUT") && retryAfter(resp.Header) >= 1:
						refused++
					default:
						t.Errorf("while the engine is busy: %d %s, Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
					}
				})
			}
			wg.Wait()
		}
		if refused == 0 {
			t.Error("6 requests at once on one worker that lets none wait: none was refused")
		}
	})
}

// requestLines are the "request" lines of a JSON log.
func requestLines(log string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"msg":"request"`) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// A handler served on a listener of its own (a dialect at the root) gets
// the main listener's request IDs and log lines.
func TestWrappedHandlerIsLogged(t *testing.T) {
	eng := testface.Engine(t)
	svc := newService(t, eng, nil)
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil))
	api := vhttp.New(svc, vhttp.Config{Logger: log})
	own := httptest.NewServer(api.Wrap("teapot", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})))
	defer own.Close()
	resp, err := http.Get(own.URL + "/brew/secret-in-path")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The line is written once the answer is sent: give it a moment.
	var lines []string
	for wait := time.Now().Add(5 * time.Second); len(lines) == 0 && time.Now().Before(wait); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		lines = requestLines(logs.String())
		mu.Unlock()
	}
	if resp.Header.Get("X-Request-Id") == "" || len(lines) != 1 ||
		!strings.Contains(lines[0], `"status":418`) || !strings.Contains(lines[0], `"listener":"teapot"`) ||
		!strings.Contains(lines[0], resp.Header.Get("X-Request-Id")) || strings.Contains(lines[0], "secret-in-path") {
		t.Errorf("X-Request-Id %q, request lines %q", resp.Header.Get("X-Request-Id"), lines)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
