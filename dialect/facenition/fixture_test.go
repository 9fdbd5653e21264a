package facenition_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/visagehq/visage/dialect/facenition"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// The fixture is a whole Visage behind the Facenition dialect over real
// HTTP — real engine, SQLite and gallery — mounted under /facenition as
// `visage serve` mounts it, with a real SMTP server and an SMS endpoint
// in the test process receiving the codes.

type fixture struct {
	t     *testing.T
	url   string // the dialect's base URL
	svc   *service.Service
	clock *testface.Clock
	mail  *mailbox
	sms   *smsBox
	logs  *testface.Log
	h     http.Handler
}

const (
	smtpUser = "visage"
	smtpPass = "s3cret"
	smsAuth  = "Bearer sms-provider-key"
)

// newFixture starts everything; adjust changes the dialect's Config
// (SMTP and SMS already point at the test receivers).
func newFixture(t *testing.T, adjust func(*facenition.Config)) *fixture {
	t.Helper()
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, clock: testface.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)), mail: newMailbox(t), sms: newSMSBox(t), logs: &testface.Log{}}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	plans := map[string]service.Plan{"free": {PerMinute: 1000, PerMonth: 100_000}, "tiny": {PerMinute: 2}}
	f.svc = service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration,
		PINKey: []byte("k"), Logger: quiet, Plans: plans})
	cfg := facenition.Config{
		Logger: slog.New(slog.NewJSONHandler(f.logs, nil)),
		SMTP:   facenition.SMTP{Addr: f.mail.addr, From: "codes@visage.test", Username: smtpUser, Password: smtpPass},
		SMS:    facenition.SMS{URL: f.sms.url, Authorization: smsAuth},
		Now:    f.clock.Now,
		// The tests play a server whose operator opened v2's sign-up.
		OpenSignup: true,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	f.h = facenition.New(f.svc, cfg)
	mux := http.NewServeMux()
	mux.Handle("/facenition/", http.StripPrefix("/facenition", f.h))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	f.url = ts.URL + "/facenition"
	return f
}

// mailbox is a real SMTP server (go-smtp) on loopback that requires
// PLAIN authentication and keeps every message it accepts.
type mailbox struct {
	addr string
	msgs chan mail
}

type mail struct {
	user, from string
	to         []string
	data       string
}

func newMailbox(t *testing.T) *mailbox {
	b := &mailbox{msgs: make(chan mail, 16)}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &mailSession{box: b}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // loopback in a test; net/smtp allows PLAIN to 127.0.0.1
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	b.addr = ln.Addr().String()
	return b
}

// next waits for the next message.
func (b *mailbox) next(t *testing.T) mail {
	t.Helper()
	select {
	case m := <-b.msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no email arrived")
		return mail{}
	}
}

type mailSession struct {
	box  *mailbox
	m    mail
	auth bool
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != smtpUser || pass != smtpPass {
			return gosmtp.ErrAuthFailed
		}
		s.auth, s.m.user = true, user
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if !s.auth {
		return gosmtp.ErrAuthRequired
	}
	s.m.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.m.to = append(s.m.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.data = string(data)
	s.box.msgs <- s.m
	return nil
}

func (s *mailSession) Reset()        { s.m = mail{user: s.m.user} }
func (s *mailSession) Logout() error { return nil }

// smsBox is the SMS provider's endpoint; fail makes it answer 500.
type smsBox struct {
	url  string
	msgs chan sms
	fail atomic.Bool
}

type sms struct{ to, message, auth string }

func newSMSBox(t *testing.T) *smsBox {
	b := &smsBox{msgs: make(chan sms, 16)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.fail.Load() {
			http.Error(w, "provider down", http.StatusInternalServerError)
			return
		}
		var body struct{ To, Message string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		b.msgs <- sms{to: body.To, message: body.Message, auth: r.Header.Get("Authorization")}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(ts.Close)
	b.url = ts.URL + "/send"
	return b
}

func (b *smsBox) next(t *testing.T) sms {
	t.Helper()
	select {
	case m := <-b.msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no SMS arrived")
		return sms{}
	}
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// codeIn is the one-time code a message carries.
func codeIn(t *testing.T, text string) string {
	t.Helper()
	c := sixDigits.FindString(text)
	if c == "" {
		t.Fatalf("no code in %q", text)
	}
	return c
}

// Requests. A body is nil, a JSON-able value, url.Values (a form),
// *form (multipart), or raw bytes or a reader sent as JSON.

type form struct {
	buf bytes.Buffer
	w   *multipart.Writer
}

// multipartForm builds a multipart body from name/value pairs in order;
// a []byte value is a file part, so a name may repeat once per image.
func multipartForm(pairs ...any) *form {
	f := &form{}
	f.w = multipart.NewWriter(&f.buf)
	for i := 0; i+1 < len(pairs); i += 2 {
		name := pairs[i].(string)
		switch v := pairs[i+1].(type) {
		case []byte:
			fw, _ := f.w.CreateFormFile(name, "photo.jpg")
			fw.Write(v)
		case string:
			f.w.WriteField(name, v)
		}
	}
	f.w.Close()
	return f
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

// call POSTs body to path (relative to the dialect's root) with headers
// given as name/value pairs, and decodes the JSON answer.
func (f *fixture) call(method, path string, body any, headers ...string) answer {
	f.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case *form:
		rd, ct = bytes.NewReader(b.buf.Bytes()), b.w.FormDataContentType()
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	case io.Reader: // sent chunked, with no Content-Length
		rd, ct = b, "application/json"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		f.t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return a
}

func (f *fixture) post(path string, body any, headers ...string) answer {
	f.t.Helper()
	return f.call(http.MethodPost, path, body, headers...)
}

// want checks an answer's status and, for errors, Facenition's envelope.
func want(t *testing.T, a answer, status int, what string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d: %v", what, a.status, status, a.body)
	}
	ok, isBool := a.body["ok"].(bool)
	if !isBool || ok != (status == http.StatusOK) {
		t.Fatalf("%s: ok is %v: %v", what, a.body["ok"], a.body)
	}
	if status != http.StatusOK && a.str("error") == "" {
		t.Fatalf("%s: no error message: %v", what, a.body)
	}
}

// v1Token issues a token on v1, with no verification.
func (f *fixture) v1Token() string {
	f.t.Helper()
	a := f.post("/v1/generateToken", nil)
	want(f.t, a, http.StatusOK, "v1 generateToken")
	return a.str("token")
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// photos are cut once per test binary from the demo pictures.
var (
	photosOnce             sync.Once
	alice, aliceAgain, bob []byte
)

func photos(t *testing.T) {
	t.Helper()
	testface.Engine(t) // skips without models
	photosOnce.Do(func() {
		alice = testface.Person(t, 6, 0, 0)
		bob = testface.Person(t, 6, 1, 0)
		aliceAgain = testface.Person(t, 6, 0, 12)
	})
}

// blank is a real JPEG with no face in it.
func blank() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for i := range img.Pix {
		img.Pix[i] = 180
	}
	img.Set(10, 10, color.Black)
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, nil)
	return buf.Bytes()
}
