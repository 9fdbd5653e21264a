package widget

// Fuzz targets of what a web page sends the widget: the request that
// opens a session, and a frame's bytes up to the engine. Seeds only
// (make test):
//
//	go test ./widget -run '^Fuzz'
//
// Ten minutes each (a short -fuzzminimizetime: the default minute spent
// shrinking each new input stalls the run):
//
//	go test ./widget -run '^$' -fuzz '^FuzzOpen$' -fuzztime 10m -fuzzminimizetime 5s
//	go test ./widget -run '^$' -fuzz '^FuzzFrame$' -fuzztime 10m -fuzzminimizetime 5s

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"github.com/visagehq/visage/internal/testface"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// The placeholders of FuzzOpen's seeds for the public IDs of its two
// apps, made afresh in each fuzzing process.
const (
	openApp  = "@open@"
	gatedApp = "@gated@"
)

// The gated app's allowed origin and countries.
var (
	gateOrigin    = "https://shop.example"
	gateCountries = []string{"FR", "DE"}
)

// openNames are the error names open may answer.
var openNames = []string{"PROCESSING_ERR", "UNAUTHORIZED", "EMPTY_ORIGIN", "FORBIDDDEN_ORIGIN", "FORBIDDDEN_COUNTRY", "TOO_MANY_REQUESTS"}

// FuzzOpen: whatever the body and the Origin, Referer, country and
// forwarded-address headers of a session's opening, against a real
// service on SQLite (no engine: opening a session uses none), open
//   - answers within a second, JSON, 201 or a fio error of the
//     protocol's (400, 401, 403, 429 or 503, with Retry-After for the
//     last two), never a server fault;
//   - opens a session only for a body whose first JSON value, within
//     16 kB, names an operation and an app's public ID (and, for
//     verify, a user ID of at most service.MaxExternalID bytes), from an
//     allowed origin and country when the app restricts them; the answer
//     carries the session, its nonce, its TTL and the frame interval;
//   - holds no session after a refusal, one after a 201, with an idle
//     timeout between 0 and maxIdle.
func FuzzOpen(f *testing.F) {
	for _, seed := range []struct {
		body                              string
		origin, referer, country, forward string
	}{
		{`{"public_id":"` + openApp + `","operation":"enroll"}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"authenticate","idle_timeout":12.5}`, "https://any.example", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"verify","user_id":"alice"}`, "", "https://any.example/login", "", "203.0.113.9"},
		{`{"public_id":"` + openApp + `","operation":"verify","user_id":""}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"verify","user_id":"` + strings.Repeat("u", 257) + `"}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"enroll","idle_timeout":1e300}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"enroll","idle_timeout":-5}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"enroll","idle_timeout":"30"}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"ENROLL"}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"delete"}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","public_id":"nope","operation":"enroll"}`, "", "", "", ""}, // duplicate keys
		{`{"public_id":["` + openApp + `"],"operation":"enroll"}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"enroll"} {"trailing":true}`, "", "", "", ""},
		{`{"public_id":"nope","operation":"enroll"}`, "", "", "", ""},
		{`{"public_id":"","operation":"enroll"}`, "", "", "", ""},
		{`{"public_id":"\u0000\ud800","operation":"enroll"}`, "", "", "", ""},
		{`{"public_id":"` + gatedApp + `","operation":"enroll"}`, gateOrigin, "", "FR", "198.51.100.7, 203.0.113.9"},
		{`{"public_id":"` + gatedApp + `","operation":"enroll"}`, "HTTPS://SHOP.EXAMPLE", "", " de ", ""},
		{`{"public_id":"` + gatedApp + `","operation":"enroll"}`, "null", gateOrigin + "/x", "FR", ""},
		{`{"public_id":"` + gatedApp + `","operation":"enroll"}`, "", "", "FR", ""},
		{`{"public_id":"` + gatedApp + `","operation":"enroll"}`, "https://evil.example", "", "FR", ""},
		{`{"public_id":"` + gatedApp + `","operation":"enroll"}`, gateOrigin, "", "", "2001:db8::1"},
		{`{"public_id":"` + gatedApp + `","operation":"enroll"}`, gateOrigin, "", "US", "::ffff:192.0.2.1"},
		{`[]`, "", "", "", ""},
		{``, "", "", "", ""},
		{`null`, "", "", "", ""},
		{strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000), "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"enroll","pad":"` + strings.Repeat("p", 16<<10) + `"}`, "", "", "", ""},
		{`{"public_id":"` + openApp + `","operation":"enroll","pad":"` + strings.Repeat("p", 15<<10) + `"}`, "", "", "", ""},
	} {
		f.Add([]byte(seed.body), seed.origin, seed.referer, seed.country, seed.forward)
	}

	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(f.TempDir(), "visage.db"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// A plan without limits: the fuzzer opens sessions far faster than
	// any plan allows.
	svc := service.New(service.Config{Store: st, Gallery: index.New(), PINKey: []byte("k"), Logger: quiet,
		Plans: map[string]service.Plan{"fuzz": {}}})
	open, err := svc.CreateApp(ctx, "fuzz open", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	gated, err := svc.CreateApp(ctx, "fuzz gated", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	if err := svc.UpdateSettings(ctx, gated, visage.AppSettings{Level: 4, AllowedOrigins: []string{gateOrigin},
		RejectEmptyOrigin: true, AllowedCountries: gateCountries}); err != nil {
		f.Fatal(err)
	}
	h := New(svc, Config{CountryHeader: "CF-IPCountry", AddressHeader: "X-Forwarded-For", Logger: quiet})

	f.Fuzz(func(t *testing.T, body []byte, origin, referer, country, forward string) {
		body = bytes.ReplaceAll(body, []byte(openApp), []byte(open.PublicID))
		body = bytes.ReplaceAll(body, []byte(gatedApp), []byte(gated.PublicID))
		r := httptest.NewRequest("POST", "/widget/v1/sessions", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		for k, v := range map[string]string{"Origin": origin, "Referer": referer, "CF-IPCountry": country, "X-Forwarded-For": forward} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		testface.Bounded(t, func() { h.open(w, r) })

		var ans map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
			t.Fatalf("%d %q is not JSON", w.Code, w.Body)
		}
		h.sessions.mu.Lock()
		held := slices.Collect(maps.Values(h.sessions.m))
		h.sessions.mu.Unlock()
		// Leave no session for the next input.
		defer func() {
			for _, s := range held {
				s.mu.Lock()
				s.end()
				s.mu.Unlock()
				h.sessions.remove(context.Background(), s.id)
			}
		}()

		if w.Code != http.StatusCreated {
			e, _ := ans["error"].(map[string]any)
			name, _ := e["code"].(string)
			if !slices.Contains([]int{400, 401, 403, 429, 503}, w.Code) || !slices.Contains(openNames, name) {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if (w.Code == 429 || w.Code == 503) && w.Header().Get("Retry-After") == "" {
				t.Fatalf("%d without Retry-After", w.Code)
			}
			if len(held) != 0 {
				t.Fatalf("%d %s, and %d sessions held", w.Code, w.Body, len(held))
			}
			return
		}

		// Opened: check the request deserved it.
		dec := json.NewDecoder(bytes.NewReader(body))
		var req openRequest
		if err := dec.Decode(&req); err != nil || dec.InputOffset() > 16<<10 {
			t.Fatalf("opened for %q: %v, %d bytes", body, err, dec.InputOffset())
		}
		if !slices.Contains([]Operation{Enroll, Authenticate, Verify}, req.Operation) ||
			(req.Operation == Verify && (req.UserID == "" || len(req.UserID) > service.MaxExternalID)) {
			t.Fatalf("opened for %+v", req)
		}
		switch req.PublicID {
		case open.PublicID:
		case gated.PublicID:
			c := strings.ToUpper(strings.TrimSpace(country))
			if strings.ToLower(origin) != gateOrigin || !slices.Contains(gateCountries, c) {
				t.Fatalf("the gated app opened from origin %q, country %q", origin, country)
			}
		default:
			t.Fatalf("opened for public ID %q", req.PublicID)
		}
		sid, _ := ans["session"].(string)
		nonce, _ := ans["nonce"].(string)
		if sid == "" || nonce == "" || ans["expires_in"] != float64(h.cfg.TTL/time.Second) ||
			ans["frame_interval_ms"] != float64(frameIntervalMS) || ans["pin"] != "none" {
			t.Fatalf("answer %s", w.Body)
		}
		if len(held) != 1 || held[0].id != sid || held[0].op != req.Operation || held[0].idle <= 0 || held[0].idle > maxIdle {
			t.Fatalf("opened %s; sessions held: %d", w.Body, len(held))
		}
	})
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// frameJPEG is a camera-like frame of w×h pixels.
func frameJPEG(f *testing.F, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// withSize rewrites the size a JPEG's SOF0 header declares.
func withSize(b []byte, w, h uint16) []byte {
	b = bytes.Clone(b)
	if i := bytes.Index(b, []byte{0xff, 0xc0}); i >= 0 && i+9 <= len(b) {
		binary.BigEndian.PutUint16(b[i+5:], h)
		binary.BigEndian.PutUint16(b[i+7:], w)
	}
	return b
}

// FuzzFrame: whatever the bytes of a frame and the length its request
// declares, readFrame and checkFrame, which stand before the engine,
//   - return within a second;
//   - refuse a declared length over maxFrameBytes without reading a
//     byte, and a body over it, with errFrameBytes; give any other body
//     back whole;
//   - refuse what does not start as a JPEG (415), a header that cannot
//     be read (400), more than maxFrameSide pixels a side (413), all
//     PROCESSING_ERR; accept only a JPEG whose header gives the size
//     they return, within maxFrameSide.
//
// declared picks the request's ContentLength: ≥ 0 itself, -1 unknown
// (chunked), any other negative the body's length.
func FuzzFrame(f *testing.F) {
	jpg := frameJPEG(f, 64, 48)
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 8, 8)))
	for _, seed := range []struct {
		body     []byte
		declared int64
	}{
		{jpg, -2},
		{jpg, -1},
		{jpg, int64(len(jpg))},
		{jpg, maxFrameBytes},
		{jpg, maxFrameBytes + 1},
		{jpg, 1},
		{jpg[:len(jpg)/2], -2},
		{jpg[:20], -2},
		{withSize(jpg, 1280, 1280), -2},
		{withSize(jpg, 1281, 720), -2},
		{withSize(jpg, 0, 480), -2},
		{withSize(jpg, 65535, 65535), -2},
		{[]byte{0xff, 0xd8, 0xff}, -2},
		{[]byte{0xff, 0xd8}, -2},
		{nil, -2},
		{nil, 0},
		{pngBuf.Bytes(), -2},
		{[]byte("GIF89a\x01\x00\x01\x00"), -2},
		{append([]byte{0xff, 0xd8, 0xff, 0xfe, 0xff, 0xff}, bytes.Repeat([]byte{0}, 70000)...), -2}, // a long comment
		{append(bytes.Clone(jpg), bytes.Repeat([]byte{0}, maxFrameBytes)...), -2},
		{append(bytes.Clone(jpg), bytes.Repeat([]byte{0}, maxFrameBytes)...), 100},
	} {
		f.Add(seed.body, seed.declared)
	}
	f.Fuzz(func(t *testing.T, body []byte, declared int64) {
		cr := &countingReader{r: bytes.NewReader(body)}
		r := httptest.NewRequest("POST", "/widget/v1/sessions/x/frames", cr)
		switch {
		case declared >= 0:
			r.ContentLength = declared
		case declared == -1:
			r.ContentLength = -1
		default:
			r.ContentLength = int64(len(body))
		}
		var got []byte
		var ferr *fioError
		testface.Bounded(t, func() { got, ferr = readFrame(httptest.NewRecorder(), r) })
		switch {
		case r.ContentLength > maxFrameBytes:
			if ferr != errFrameBytes || cr.n != 0 {
				t.Fatalf("declared %d bytes: %v, %d bytes read", r.ContentLength, ferr, cr.n)
			}
			return
		case len(body) > maxFrameBytes:
			if ferr != errFrameBytes {
				t.Fatalf("a %d-byte body: %v", len(body), ferr)
			}
			return
		case ferr != nil || !bytes.Equal(got, body):
			t.Fatalf("a %d-byte body: %d bytes, %v", len(body), len(got), ferr)
		}

		var w, h int
		testface.Bounded(t, func() { w, h, ferr = checkFrame(body) })
		if ferr != nil {
			if ferr.Name != "PROCESSING_ERR" || !slices.Contains([]int{400, 413, 415}, ferr.status) {
				t.Fatalf("refused with %s %d", ferr.Name, ferr.status)
			}
			if !bytes.HasPrefix(body, []byte{0xff, 0xd8, 0xff}) && ferr.status != http.StatusUnsupportedMediaType {
				t.Fatalf("not a JPEG, refused with %d", ferr.status)
			}
			return
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(body))
		if err != nil || cfg.Width != w || cfg.Height != h || w < 1 || h < 1 || w > maxFrameSide || h > maxFrameSide {
			t.Fatalf("accepted as %d×%d; the header says %d×%d (%v)", w, h, cfg.Width, cfg.Height, err)
		}
	})
}
