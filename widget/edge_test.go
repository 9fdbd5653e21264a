package widget_test

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/gif"
	"image/png"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/tiff"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/widget"
)

// The public edge: anyone who reads an app's public ID in a web page can
// open sessions and send frames. These tests play what such a visitor
// could send, over real HTTP with the real engine.

// allocated is how many bytes the whole process allocated while f ran:
// decoding a large picture cannot hide from it.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// heap is the live heap after a full collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A frame is a JPEG: any other format is refused by its first bytes,
// before anything decodes it. A 3000×3000 16-bit PNG of 50 kB (decoding
// it takes over 100 MB) allocates nothing of its size.
func TestFramesMustBeJPEG(t *testing.T) {
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{})
	face := stillClip(t, testface.Person(t, 6, 0, 0))[0]
	big := hugePNG(t, 3000, 3000)
	for _, tc := range []struct {
		format string
		data   []byte
	}{
		{"PNG of 3000×3000 pixels", big},
		{"PNG of a face", pngOf(t, face)},
		{"GIF of a face", gifOf(t, face)},
		{"TIFF of a face", tiffOf(t, face.(*image.RGBA).SubImage(image.Rect(160, 60, 480, 420)))}, // under the byte limit uncompressed
	} {
		c, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
		var code int
		var m map[string]any
		n := allocated(func() { code, m = c.frame(t, tc.data) })
		if code != http.StatusUnsupportedMediaType || errCode(m) != "PROCESSING_ERR" {
			t.Errorf("%s (%d bytes): %d %v, want 415 PROCESSING_ERR", tc.format, len(tc.data), code, m)
		}
		if n > 16<<20 {
			t.Errorf("%s: %d MB allocated while refusing it: it was decoded", tc.format, n>>20)
		}
	}
}

// A JPEG whose header claims more pixels than a camera frame has is
// refused from its header, before a pixel is decoded: here a 16×16 JPEG
// whose frame header says 7000×7000.
func TestFramePixelLimit(t *testing.T) {
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{})
	small := jpegOf(t, image.NewGray(image.Rect(0, 0, 16, 16)))
	for _, side := range [][2]int{{7000, 7000}, {1281, 480}, {640, 1281}} {
		c, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
		var code int
		var m map[string]any
		claims := resized(t, small, side[0], side[1])
		n := allocated(func() { code, m = c.frame(t, claims) })
		if code != http.StatusRequestEntityTooLarge || errCode(m) != "PROCESSING_ERR" || !strings.Contains(fmt.Sprint(m), "pixels") {
			t.Errorf("a JPEG claiming %d×%d pixels: %d %v, want 413 PROCESSING_ERR about pixels", side[0], side[1], code, m)
		}
		if n > 16<<20 {
			t.Errorf("%d×%d: %d MB allocated while refusing it", side[0], side[1], n>>20)
		}
	}
}

// A frame over the byte limit is refused whatever makes it large: junk
// after the image's end, or metadata segments before it, which decoders
// skip.
func TestPaddedFrames(t *testing.T) {
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{})
	frame := jpegOf(t, stillClip(t, testface.Person(t, 6, 0, 0))[0])
	junk := append(bytes.Clone(frame), bytes.Repeat([]byte{0x55}, 600<<10)...)
	// Ten APP1 segments of 64 kB each, right after the start of image.
	var app1 []byte
	for range 10 {
		app1 = append(app1, 0xff, 0xe1, 0xff, 0xff)
		app1 = append(app1, make([]byte, 0xffff-2)...)
	}
	meta := append(append(bytes.Clone(frame[:2]), app1...), frame[2:]...)
	for name, data := range map[string][]byte{"junk after the end": junk, "large metadata segments": meta} {
		c, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
		if code, m := c.frame(t, data); code != http.StatusRequestEntityTooLarge || errCode(m) != "PROCESSING_ERR" {
			t.Errorf("%s (%d kB): %d %v, want 413 PROCESSING_ERR", name, len(data)>>10, code, m)
		}
	}
	// Sent without a declared length, it is cut off while it is read.
	c, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	req, err := http.NewRequest("POST", s.url+"/widget/v1/sessions/"+c.id+"/frames", io.MultiReader(bytes.NewReader(junk)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Visage-Nonce", c.nonce)
	if req.ContentLength != 0 {
		t.Fatalf("the request declares %d bytes", req.ContentLength)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("junk after the end, of no declared length: %d, want 413", resp.StatusCode)
	}
	// The frame itself, unpadded, goes through.
	c, _, _ = s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	if code, m := c.frame(t, frame); code != http.StatusOK {
		t.Errorf("the frame without padding: %d %v", code, m)
	}
}

// An open session keeps what it needs of its frames, not their bytes:
// eight sessions that each received three still frames padded to 400 kB
// (under the byte limit) hold less than 256 kB of heap each.
func TestSessionMemory(t *testing.T) {
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{})
	frame := jpegOf(t, stillClip(t, testface.Person(t, 6, 0, 0))[0])
	padded := func(i int) []byte { // each another frame to the server
		return append(bytes.Clone(frame), bytes.Repeat([]byte{byte(i)}, 400<<10-len(frame))...)
	}
	stills := func(c *client) {
		t.Helper()
		for i := range 3 {
			code, m := c.frame(t, padded(i))
			if code != http.StatusOK {
				t.Fatalf("still frame %d: %d %v", i+1, code, m)
			}
			if g := m["guidance"].(string); i == 2 && !strings.HasPrefix(g, "turn_") {
				t.Fatalf("after three still frames the guidance is %q, want a turn: the frames were not all kept", g)
			}
		}
	}
	// One session first, so that what the engine and the server allocate
	// once is not counted.
	warm, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	stills(warm)

	const n = 8
	before := heap()
	open := make([]*client, n)
	for i := range open {
		open[i], _, _ = s.open(t, app.PublicID, widget.Authenticate, nil, nil)
		stills(open[i])
	}
	per := (int64(heap()) - int64(before)) / n
	t.Logf("heap per open session with three still frames of 400 kB: %d kB", per>>10)
	if per > 256<<10 {
		t.Errorf("each open session holds %d kB: the frames' bytes are kept", per>>10)
	}
	for _, c := range open { // the sessions were alive while measured
		if code, _ := s.post("DELETE", "/widget/v1/sessions/"+c.id, map[string]string{"X-Visage-Nonce": c.nonce}, "", nil); code != http.StatusNoContent {
			t.Errorf("closing a session: %d", code)
		}
	}
}

// One address that opens sessions until it is refused does not lock
// other visitors out of the app, and the refusal says when to retry.
func TestOneAddressCannotLockOut(t *testing.T) {
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{})
	flood := s.from("127.0.0.2")
	refused := false
	for i := range 101 {
		code, hdr, m := flood.request("POST", "/widget/v1/sessions", map[string]string{"Origin": site}, "application/json",
			jsonBody(t, map[string]any{"public_id": app.PublicID, "operation": widget.Authenticate}))
		if code == http.StatusCreated {
			continue
		}
		if code != http.StatusTooManyRequests || errCode(m) != "TOO_MANY_REQUESTS" {
			t.Fatalf("session %d from one address: %d %v, want 429 TOO_MANY_REQUESTS", i+1, code, m)
		}
		checkRetryAfter(t, hdr)
		refused = true
		break
	}
	if !refused {
		t.Fatal("101 sessions open from one address")
	}
	if _, code, m := s.from("127.0.0.3").open(t, app.PublicID, widget.Authenticate, nil, nil); code != http.StatusCreated {
		t.Errorf("another visitor after the flood: %d %v, want 201", code, m)
	}
}

// The server's budget of open sessions: over it, a new session is
// refused with 503 and a Retry-After, whatever the app or the address,
// until one ends.
func TestSessionBudget(t *testing.T) {
	s := newServer(t, widget.Config{MaxSessions: 3})
	a, b := s.app(visage.AppSettings{}), s.app(visage.AppSettings{})
	var first *client
	for i := range 3 {
		c, code, m := s.from(fmt.Sprintf("127.0.2.%d", i+1)).open(t, a.PublicID, widget.Authenticate, nil, nil)
		if code != http.StatusCreated {
			t.Fatalf("session %d: %d %v", i+1, code, m)
		}
		if first == nil {
			first = c
		}
	}
	late := s.from("127.0.2.9")
	for _, app := range []*visage.App{a, b} {
		code, hdr, m := late.request("POST", "/widget/v1/sessions", map[string]string{"Origin": site}, "application/json",
			jsonBody(t, map[string]any{"public_id": app.PublicID, "operation": widget.Authenticate}))
		if code != http.StatusServiceUnavailable || errCode(m) != "TOO_MANY_REQUESTS" {
			t.Errorf("a session over the budget: %d %v, want 503 TOO_MANY_REQUESTS", code, m)
		}
		checkRetryAfter(t, hdr)
	}
	if code, _ := first.s.post("DELETE", "/widget/v1/sessions/"+first.id, map[string]string{"X-Visage-Nonce": first.nonce}, "", nil); code != http.StatusNoContent {
		t.Fatalf("closing a session: %d", code)
	}
	if _, code, m := late.open(t, b.PublicID, widget.Authenticate, nil, nil); code != http.StatusCreated {
		t.Errorf("after one closed: %d %v", code, m)
	}
}

// Behind a reverse proxy on the same host (a loopback address), visitors
// are told apart by the last address of X-Forwarded-For, the one the
// proxy added, and an IPv6 visitor by their /64; behind another proxy, by
// the header the operator names.
func TestAddressHeader(t *testing.T) {
	for _, header := range []string{"X-Forwarded-For", "CF-Connecting-IP"} {
		cfg := widget.Config{MaxSessionsPerAddress: 2}
		if header != "X-Forwarded-For" {
			cfg.AddressHeader = header
		}
		s := newServer(t, cfg)
		app := s.app(visage.AppSettings{})
		for _, tc := range []struct {
			visitor string
			want    int
		}{
			{"203.0.113.7", 201},
			{"198.51.100.1, 203.0.113.7", 201}, // what the client claims first is not trusted
			{"203.0.113.7", 429},
			{"203.0.113.8", 201},
			{"2001:db8:1:2::1", 201},
			{"2001:db8:1:2:ffff::9", 201},
			{"2001:db8:1:2::3", 429}, // the same /64
			{"2001:db8:1:3::1", 201},
		} {
			_, code, _ := s.open(t, app.PublicID, widget.Authenticate, nil, map[string]string{"Origin": site, header: tc.visitor})
			if code != tc.want {
				t.Errorf("%s: %s: %d, want %d", header, tc.visitor, code, tc.want)
			}
		}
	}
}

// An app over its plan's rate is told when to come back.
func TestRateLimitRetryAfter(t *testing.T) {
	s := newServer(t, widget.Config{})
	app, err := s.svc.CreateApp(context.Background(), "free", "free") // 30 widget sessions a minute
	if err != nil {
		t.Fatal(err)
	}
	open := jsonBody(t, map[string]any{"public_id": app.PublicID, "operation": widget.Authenticate})
	for i := range 101 {
		code, hdr, m := s.request("POST", "/widget/v1/sessions", map[string]string{"Origin": site}, "application/json", open)
		if code == http.StatusCreated {
			// Closed at once, so that only the rate counts.
			s.post("DELETE", "/widget/v1/sessions/"+m["session"].(string), map[string]string{"X-Visage-Nonce": m["nonce"].(string)}, "", nil)
			continue
		}
		if code != http.StatusTooManyRequests || errCode(m) != "TOO_MANY_REQUESTS" {
			t.Fatalf("session %d: %d %v, want 429 TOO_MANY_REQUESTS", i+1, code, m)
		}
		checkRetryAfter(t, hdr)
		return
	}
	t.Fatal("101 widget sessions a minute on the free plan")
}

// With allowed origins, only a page's Origin header proves where it
// runs: a request without one, or with "null" (a sandboxed iframe, a
// file, a redirect), is refused whatever its Referer says, and CORS never
// answers "null".
func TestOriginRequired(t *testing.T) {
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{AllowedOrigins: []string{site}})
	for name, hdr := range map[string]map[string]string{
		"no Origin":                       {},
		"no Origin, an allowed Referer":   {"Referer": site + "/login"},
		"Origin null":                     {"Origin": "null"},
		"Origin null, an allowed Referer": {"Origin": "null", "Referer": site + "/login"},
	} {
		code, h, m := s.request("POST", "/widget/v1/sessions", hdr, "application/json",
			jsonBody(t, map[string]any{"public_id": app.PublicID, "operation": widget.Authenticate}))
		if code != http.StatusForbidden || errCode(m) != "FORBIDDDEN_ORIGIN" {
			t.Errorf("%s: %d %v, want 403 FORBIDDDEN_ORIGIN", name, code, m)
		}
		if a := h.Get("Access-Control-Allow-Origin"); a == "null" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", name, a)
		}
	}
	for _, method := range []string{"OPTIONS", "POST"} {
		code, h, _ := s.request(method, "/widget/v1/sessions/x/frames", map[string]string{"Origin": "null", "Access-Control-Request-Method": "POST"}, "image/jpeg", nil)
		if a := h.Get("Access-Control-Allow-Origin"); a == "null" {
			t.Errorf("%s from a null origin: %d, Access-Control-Allow-Origin %q", method, code, a)
		}
	}
	if _, code, m := s.open(t, app.PublicID, widget.Authenticate, nil, map[string]string{"Origin": site}); code != http.StatusCreated {
		t.Errorf("the allowed origin: %d %v", code, m)
	}
}

// checkRetryAfter fails unless the answer says in whole seconds when to
// retry.
func checkRetryAfter(t *testing.T, h http.Header) {
	t.Helper()
	v := h.Get("Retry-After")
	if n, err := strconv.Atoi(v); err != nil || n < 1 {
		t.Errorf("Retry-After %q, want a number of seconds", v)
	}
}

// hugePNG writes a w×h 16-bit RGB PNG of black pixels: a few kB that
// decode to w×h×8 bytes (Go's PNG encoder would need the pixels first).
func hugePNG(t *testing.T, w, h int) []byte {
	var idat bytes.Buffer
	z := zlib.NewWriter(&idat)
	row := make([]byte, 1+w*6) // filter byte, then R, G, B of 16 bits
	for range h {
		z.Write(row)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	out := bytes.NewBufferString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(out, binary.BigEndian, uint32(len(data)))
		out.WriteString(typ)
		out.Write(data)
		binary.Write(out, binary.BigEndian, crc32.Update(crc32.ChecksumIEEE([]byte(typ)), crc32.IEEETable, data))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(w)), uint32(h))
	chunk("IHDR", append(ihdr, 16, 2, 0, 0, 0)) // 16 bits, truecolour
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	if _, err := png.DecodeConfig(bytes.NewReader(out.Bytes())); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// resized is a JPEG whose frame header (SOF0) claims w×h pixels.
func resized(t *testing.T, jpg []byte, w, h int) []byte {
	out := bytes.Clone(jpg)
	i := bytes.Index(out, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	binary.BigEndian.PutUint16(out[i+5:], uint16(h))
	binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	return out
}

func pngOf(t *testing.T, m image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gifOf(t *testing.T, m image.Image) []byte {
	var buf bytes.Buffer
	if err := gif.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tiffOf(t *testing.T, m image.Image) []byte {
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A frame for no session is answered before its body is read: a stranger
// cannot make the server wait for, or take in, a body nobody asked for.
func TestFrameBodyReadAfterTheSession(t *testing.T) {
	s := newServer(t, widget.Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /widget/v1/sessions/no-such-session/frames HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nX-Visage-Nonce: n\r\nContent-Length: 400000\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the body was still to come: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("a frame for no session: %d, want a 4xx", resp.StatusCode)
	}
}
