package widget_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/internal/fakecam"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/widget"
)

// These tests speak the widget's protocol over real HTTP with frames made
// from real photos, as the page does, without a browser.

const site = "https://shop.example"

// client is one page's session.
type client struct {
	s       *server
	id      string
	nonce   string
	pin     string
	answers []map[string]any
	sent    time.Time // the last frame's, to keep a camera's pace
}

func (s *server) open(t testing.TB, pub string, op widget.Operation, extra map[string]any, hdr map[string]string) (*client, int, map[string]any) {
	t.Helper()
	body := map[string]any{"public_id": pub, "operation": op}
	for k, v := range extra {
		body[k] = v
	}
	if hdr == nil {
		hdr = map[string]string{"Origin": site}
	}
	code, m := s.post("POST", "/widget/v1/sessions", hdr, "application/json", jsonBody(t, body))
	if code != http.StatusCreated {
		return nil, code, m
	}
	return &client{s: s, id: m["session"].(string), nonce: m["nonce"].(string), pin: m["pin"].(string)}, code, m
}

// pace is the gap the client keeps between frames: the server counts
// none closer than liveness.MinFrameGap to the last.
const pace = liveness.MinFrameGap + 15*time.Millisecond

// frame sends one frame, at a camera's pace; on success the nonce moves
// on.
func (c *client) frame(t testing.TB, jpeg []byte) (int, map[string]any) {
	t.Helper()
	time.Sleep(time.Until(c.sent.Add(pace)))
	c.sent = time.Now()
	code, m := c.s.post("POST", "/widget/v1/sessions/"+c.id+"/frames", map[string]string{"X-Visage-Nonce": c.nonce}, "image/jpeg", jpeg)
	if code == http.StatusOK {
		c.nonce = m["nonce"].(string)
		c.answers = append(c.answers, m)
	}
	return code, m
}

// play sends the clip's answers to the server's guidance until the
// server says done or fails; it returns the last answer.
func (c *client) play(t testing.TB, clip bench.Clip) (int, map[string]any) {
	t.Helper()
	guidance := ""
	for range 200 {
		code, m := c.frame(t, clip.Next(guidance))
		if code != http.StatusOK || m["done"] == true {
			if code == http.StatusOK {
				c.pin = m["pin"].(string)
			}
			return code, m
		}
		guidance = m["guidance"].(string)
	}
	t.Fatalf("no result after 200 frames; last guidance %v", guidance)
	return 0, nil
}

// people are head-turns' persons (the test skips without the datasets).
func people(t testing.TB) []bench.Person {
	t.Helper()
	dir := testface.Datasets(t, "head-turns")
	loadPeople.Do(func() { peopleSet, peopleErr = bench.LoadPeople(filepath.Dir(dir)) })
	if peopleErr != nil {
		t.Fatal(peopleErr)
	}
	return peopleSet
}

var (
	loadPeople sync.Once
	peopleSet  []bench.Person
	peopleErr  error
)

// rng is a fixed random source for a test's camera.
func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

func (c *client) complete(t testing.TB, pin string, payload any) (int, map[string]any) {
	t.Helper()
	body := map[string]any{"nonce": c.nonce}
	if pin != "" {
		body["pin"] = pin
	}
	if payload != nil {
		body["payload"] = payload
	}
	code, m := c.s.post("POST", "/widget/v1/sessions/"+c.id+"/complete", nil, "application/json", jsonBody(t, body))
	if e, ok := m["error"].(map[string]any); ok && e["nonce"] != nil {
		c.nonce = e["nonce"].(string)
	}
	return code, m
}

func frames(t testing.TB, clip []image.Image) [][]byte {
	out := make([][]byte, len(clip))
	for i, f := range clip {
		out[i] = jpegOf(t, f)
	}
	return out
}

// Enroll and authenticate through the protocol: the guidance walks
// through the still frames and two movements, and authentication finds
// the enrolled person with the payload.
func TestEnrollThenAuthenticate(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{AllowedOrigins: []string{site}, PreventDuplicates: true, RequireLiveness: true})

	c, code, m := s.open(t, app.PublicID, widget.Enroll, nil, nil)
	if code != http.StatusCreated {
		t.Fatalf("open: %d %v", code, m)
	}
	if code, m := c.play(t, bench.Genuine(ps[0], ps[0], rng(1))); code != http.StatusOK || m["pin"] != "none" {
		t.Fatalf("enroll frames: %d %v", code, m)
	}
	var moves []string
	last := float64(-1)
	for _, a := range c.answers {
		g := a["guidance"].(string)
		if strings.HasPrefix(g, "turn_") && a["step"] != nil && (len(moves) == 0 || moves[len(moves)-1] != fmt.Sprint(a["step"], g)) {
			moves = append(moves, fmt.Sprint(a["step"], g))
		}
		p := a["progress"].(float64)
		if p < 0 || p > 1 {
			t.Errorf("progress %v out of [0, 1]", p)
		}
		if p < last-1e-6 {
			t.Errorf("progress went back from %v to %v", last, p)
		}
		last = max(last, p)
	}
	if len(moves) != 2 || moves[0][0] != '1' || moves[1][0] != '2' || last != 1 {
		t.Errorf("movements asked %v, progress reached %v: want steps 1 and 2, and 1", moves, last)
	}
	code, en := c.complete(t, "", map[string]any{"email": "alice@example.com", "whoami": 123})
	if code != http.StatusOK || en["facialId"] == nil || en["timestamp"] == nil {
		t.Fatalf("enroll complete: %d %v", code, en)
	}
	if d, _ := en["details"].(map[string]any); d["gender"] == nil || d["age"] == nil {
		t.Errorf("enroll details %v: want gender and age", en["details"])
	}

	c, _, _ = s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	if code, m := c.play(t, bench.Genuine(ps[0], ps[0], rng(2))); code != http.StatusOK {
		t.Fatalf("authenticate frames: %d %v", code, m)
	}
	code, au := c.complete(t, "", nil)
	if code != http.StatusOK || au["facialId"] != en["facialId"] {
		t.Fatalf("authenticate: %d %v, enrolled %v", code, au, en["facialId"])
	}
	if p, _ := json.Marshal(au["payload"]); string(p) != `{"email":"alice@example.com","whoami":123}` {
		t.Errorf("payload %s", p)
	}

	// The same person cannot enroll twice in this app.
	c, _, _ = s.open(t, app.PublicID, widget.Enroll, nil, nil)
	c.play(t, bench.Genuine(ps[0], ps[0], rng(3)))
	if code, m := c.complete(t, "", nil); errCode(m) != "FACE_DUPLICATION" || code != http.StatusConflict {
		t.Errorf("second enrollment: %d %v, want 409 FACE_DUPLICATION", code, m)
	}
}

// The movements are checked on what the camera shows: a person turning
// the other way each time makes no progress; a photo squeezed, or folded
// down the middle and turned, to imitate a turn reaches the pose but
// moves as paper does, and the session ends in PAD_ATTACK.
func TestMovements(t *testing.T) {
	ps := people(t)
	var mu sync.Mutex
	var verdicts []liveness.Reason
	s := newServer(t, widget.Config{OnVerdict: func(_ string, r liveness.Reason) {
		mu.Lock()
		verdicts = append(verdicts, r)
		mu.Unlock()
	}})
	app := s.app(visage.AppSettings{})
	enrolled(t, s, app, "", "", ps[0].Enroll)
	if _, err := s.svc.CreateWebhook(context.Background(), app.ID, "https://backend.example/hooks", []string{service.EventLivenessAttack}, true); err != nil {
		t.Fatal(err)
	}

	c, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	clip := bench.Contrary(ps[0], rng(4))
	guidance := ""
	for range 12 {
		code, m := c.frame(t, clip.Next(guidance))
		if code != http.StatusOK || m["done"] == true {
			t.Fatalf("turning the other way: %d %v", code, m)
		}
		guidance = m["guidance"].(string)
		if p := m["progress"].(float64); p > 0.4+1e-6 {
			t.Fatalf("turning the other way made progress: %v", m)
		}
	}
	if !strings.HasPrefix(guidance, "turn_") {
		t.Errorf("after turning the other way the server asks %q, want the turn still", guidance)
	}

	folded := func(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp) {
		y := 30.0
		if left {
			y = -30
		}
		return fakecam.Pose{Surface: fakecam.Folded, Bend: 80, Yaw: y}, nil
	}
	squeezed := func(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp) {
		return fakecam.Pose{}, fakecam.Squeeze(left, 0.5)
	}
	for name, move := range map[string]func(bool, *rand.Rand) (fakecam.Pose, fakecam.Warp){"squeezed": squeezed, "folded and turned": folded} {
		c, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
		if code, m := c.play(t, bench.Held(ps[0].Frontal, move, rng(5))); code != http.StatusForbidden || errCode(m) != "PAD_ATTACK" {
			t.Errorf("a photo %s: %d %v, want 403 PAD_ATTACK", name, code, m)
		}
	}
	// Each attack's verdict was recorded with its reason (the page saw
	// only PAD_ATTACK); the person turning the wrong way got none.
	mu.Lock()
	defer mu.Unlock()
	if len(verdicts) != 2 || !slices.Contains([]liveness.Reason{liveness.ReasonFlat, liveness.ReasonNoDepth}, verdicts[0]) ||
		!slices.Contains([]liveness.Reason{liveness.ReasonFlat, liveness.ReasonNoDepth}, verdicts[1]) {
		t.Errorf("verdicts recorded %v, want flat or no_depth for each of the two photos", verdicts)
	}
	// And the app's webhook has an event for each, with its reason.
	events, err := s.store.Events(context.Background(), app.ID, 0, []string{service.EventLivenessAttack}, 10)
	if err != nil || len(events) != 2 {
		t.Fatalf("liveness.attack events: %v, %v", events, err)
	}
	for i, ev := range events {
		var data map[string]any
		if err := json.Unmarshal(ev.Data, &data); err != nil || data["reason"] != string(verdicts[i]) || data["method"] != "widget" {
			t.Errorf("event %d: %s", i, ev.Data)
		}
	}
}

// The server keeps the camera's time: a frame it has seen before, or one
// sooner than liveness.MinFrameGap after the last counted one, counts
// for nothing (the answer repeats the last one).
func TestFrameTiming(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{})
	r := rng(6)
	f1, f2, f3 := fakecam.Camera(ps[0].Frontal, r), fakecam.Camera(ps[0].Frontal, r), fakecam.Camera(ps[0].Frontal, r)
	c, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	progress := func(jpeg []byte) float64 {
		t.Helper()
		code, m := c.frame(t, jpeg)
		if code != http.StatusOK {
			t.Fatalf("%d %v", code, m)
		}
		return m["progress"].(float64)
	}
	p1 := progress(f1)
	if p := progress(f1); p != p1 {
		t.Errorf("the first frame again: progress %v, want %v (not counted)", p, p1)
	}
	p2 := progress(f2)
	if p2 <= p1 {
		t.Errorf("a new frame at a camera's pace: progress %v, want more than %v", p2, p1)
	}
	// The next frame as soon as the answer is in: sooner than a camera
	// gives one, unless the server itself took that long to answer.
	gap := time.Since(c.sent)
	c.sent = time.Time{} // no pacing for this one
	p := progress(f3)
	switch {
	case gap >= liveness.MinFrameGap-20*time.Millisecond:
		t.Logf("the server took %v to answer the last frame: a frame cannot come sooner, so the gap is not tested", gap)
	case p != p2:
		t.Errorf("a frame %v after the last: progress %v, want %v (not counted)", gap, p, p2)
	}
}

// Every answer names the next nonce; a request with a used nonce, or to a
// finished or expired session, is refused.
func TestReplayedAndExpiredSessions(t *testing.T) {
	s := newServer(t, widget.Config{TTL: 2 * time.Second})
	app := s.app(visage.AppSettings{})
	still := frames(t, stillClip(t, testface.Person(t, 6, 0, 0)))

	c, _, _ := s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	used := c.nonce
	if code, m := c.frame(t, still[0]); code != http.StatusOK || m["nonce"] == used {
		t.Fatalf("first frame: %d %v", code, m)
	}
	replay := &client{s: s, id: c.id, nonce: used}
	if code, m := replay.frame(t, still[0]); code != http.StatusGone || errCode(m) != "SESSION_EXPIRED" {
		t.Errorf("replayed nonce: %d %v, want 410 SESSION_EXPIRED", code, m)
	}
	if code, _ := c.frame(t, still[0]); code != http.StatusOK {
		t.Errorf("the page's own next frame after a refused replay: %d", code)
	}
	time.Sleep(2100 * time.Millisecond)
	if code, m := c.frame(t, still[0]); code != http.StatusGone || errCode(m) != "SESSION_EXPIRED" {
		t.Errorf("expired session: %d %v, want 410 SESSION_EXPIRED", code, m)
	}
	if code, m := (&client{s: s, id: "nope", nonce: "x"}).frame(t, still[0]); code != http.StatusGone {
		t.Errorf("unknown session: %d %v", code, m)
	}
}

// The gate at opening: unknown public ID, allowed origins (Origin, else
// Referer), empty origins, allowed countries from the trusted header.
func TestSessionGate(t *testing.T) {
	s := newServer(t, widget.Config{CountryHeader: "CF-IPCountry"})
	open := s.app(visage.AppSettings{})
	strict := s.app(visage.AppSettings{AllowedOrigins: []string{site}, RejectEmptyOrigin: true, AllowedCountries: []string{"FR", "es"}})
	cases := []struct {
		name string
		pub  string
		hdr  map[string]string
		code int
		want string
	}{
		{"unknown public ID", "pub_nope", map[string]string{"Origin": site}, 401, "UNAUTHORIZED"},
		{"any origin when none are listed", open.PublicID, map[string]string{"Origin": "https://other.example"}, 201, ""},
		{"no origin when not required", open.PublicID, map[string]string{}, 201, ""},
		{"allowed origin and country", strict.PublicID, map[string]string{"Origin": site, "CF-IPCountry": "fr"}, 201, ""},
		{"country listed in lower case", strict.PublicID, map[string]string{"Origin": site, "CF-IPCountry": "ES"}, 201, ""},
		{"Referer when there is no Origin", strict.PublicID, map[string]string{"Referer": site + "/login?x=1", "CF-IPCountry": "FR"}, 403, "FORBIDDDEN_ORIGIN"},
		{"Referer when there is no Origin, any origin allowed", open.PublicID, map[string]string{"Referer": site + "/login?x=1"}, 201, ""},
		{"forbidden origin", strict.PublicID, map[string]string{"Origin": "https://evil.example", "CF-IPCountry": "FR"}, 403, "FORBIDDDEN_ORIGIN"},
		{"a port makes another origin", strict.PublicID, map[string]string{"Origin": site + ":8443", "CF-IPCountry": "FR"}, 403, "FORBIDDDEN_ORIGIN"},
		{"empty origin", strict.PublicID, map[string]string{"CF-IPCountry": "FR"}, 403, "EMPTY_ORIGIN"},
		{"forbidden country", strict.PublicID, map[string]string{"Origin": site, "CF-IPCountry": "US"}, 403, "FORBIDDDEN_COUNTRY"},
		{"unknown country", strict.PublicID, map[string]string{"Origin": site}, 403, "FORBIDDDEN_COUNTRY"},
	}
	for _, tc := range cases {
		_, code, m := s.open(t, tc.pub, widget.Authenticate, nil, tc.hdr)
		if code != tc.code || errCode(m) != tc.want {
			t.Errorf("%s: %d %v, want %d %s", tc.name, code, m, tc.code, tc.want)
		}
	}
	if code, m := s.post("POST", "/widget/v1/sessions", nil, "application/json", []byte(`{"public_id":"`+open.PublicID+`","operation":"delete"}`)); code != 400 || errCode(m) != "PROCESSING_ERR" {
		t.Errorf("unknown operation: %d %v", code, m)
	}
	if code, m := s.post("POST", "/widget/v1/sessions", nil, "application/json", []byte(`{"public_id":`)); code != 400 {
		t.Errorf("broken JSON: %d %v", code, m)
	}
}

// The frames of one enrollment must show one person; a frame without a
// face, for longer than the idle timeout, ends the session.
func TestFrameChecks(t *testing.T) {
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{})
	alice := frames(t, stillClip(t, testface.Person(t, 6, 0, 0)))
	bob := frames(t, stillClip(t, testface.Person(t, 6, 1, 0)))

	c, _, _ := s.open(t, app.PublicID, widget.Enroll, nil, nil)
	c.frame(t, alice[0])
	if code, m := c.frame(t, bob[0]); code != http.StatusUnprocessableEntity || errCode(m) != "FACE_MISMATCH" {
		t.Errorf("another person mid-enrollment: %d %v, want 422 FACE_MISMATCH", code, m)
	}

	wall := frames(t, emptyClip())
	c, _, _ = s.open(t, app.PublicID, widget.Authenticate, map[string]any{"idle_timeout": 0.5}, nil)
	if code, m := c.frame(t, wall[0]); code != http.StatusOK || m["guidance"] != "no_face" || m["face"] != nil {
		t.Fatalf("no face: %d %v", code, m)
	}
	time.Sleep(600 * time.Millisecond)
	if code, m := c.frame(t, wall[0]); code != http.StatusUnprocessableEntity || errCode(m) != "NO_FACES_DETECTED" {
		t.Errorf("after the idle timeout: %d %v, want 422 NO_FACES_DETECTED", code, m)
	}

	c, _, _ = s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	if code, m := c.frame(t, []byte("not a jpeg")); code != http.StatusUnsupportedMediaType || errCode(m) != "PROCESSING_ERR" {
		t.Errorf("a frame that is not a JPEG: %d %v", code, m)
	}
}

// A PIN chosen at enrollment: a taken PIN re-prompts (the session goes
// on), and at authentication three wrong PINs end it with WRONG_PIN_CODE.
func TestPINs(t *testing.T) {
	ps := people(t)
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{RequirePIN: true, UniquePIN: true})
	enroll := func(p bench.Person, pins ...string) (int, map[string]any) {
		c, _, _ := s.open(t, app.PublicID, widget.Enroll, nil, nil)
		if c.pin != "choose" {
			t.Fatalf("enroll session pin %q, want choose", c.pin)
		}
		if code, m := c.play(t, bench.Genuine(p, p, rng(8))); code != http.StatusOK {
			t.Fatalf("%s's frames: %d %v", p.Name, code, m)
		}
		var code int
		var m map[string]any
		for _, p := range pins {
			code, m = c.complete(t, p, nil)
		}
		return code, m
	}
	if code, m := enroll(ps[0], "1234"); code != 200 {
		t.Fatalf("first person: %d %v", code, m)
	}
	code, m := enroll(ps[1], "1234", "5678")
	if code != 200 || m["facialId"] == nil {
		t.Fatalf("second person after a taken PIN: %d %v", code, m)
	}
	// Each taken PIN tells the page that someone has it: the third ends
	// the enrollment.
	c, _, _ := s.open(t, app.PublicID, widget.Enroll, nil, nil)
	if code, m := c.play(t, bench.Genuine(ps[3], ps[3], rng(11))); code != http.StatusOK {
		t.Fatalf("third person's frames: %d %v", code, m)
	}
	for i, pin := range []string{"1234", "5678", "1234"} {
		code, m := c.complete(t, pin, nil)
		e, _ := m["error"].(map[string]any)
		if e["code"] != "UNIQUE_PIN_REQUIRED" || (e["nonce"] != nil) != (i < 2) {
			t.Fatalf("taken PIN %d: %d %v, want UNIQUE_PIN_REQUIRED, the session open after the first two only", i+1, code, m)
		}
	}
	if code, m := c.complete(t, "9999", nil); code != http.StatusGone {
		t.Errorf("a free PIN after three taken ones: %d %v, want 410", code, m)
	}

	c, _, _ = s.open(t, app.PublicID, widget.Authenticate, nil, nil)
	if code, m := c.play(t, bench.Genuine(ps[1], ps[1], rng(9))); code != 200 || m["pin"] != "confirm" {
		t.Fatalf("second person's frames: %d %v, want pin confirm", code, m)
	}
	for i, want := range []float64{2, 1, 0} {
		code, m := c.complete(t, fmt.Sprint(1111*(i+1)), nil)
		e, _ := m["error"].(map[string]any)
		if code != http.StatusUnauthorized || e["code"] != "WRONG_PIN_CODE" || e["tries_left"] != want {
			t.Fatalf("wrong PIN %d: %d %v, want WRONG_PIN_CODE with %v tries left", i+1, code, m, want)
		}
	}
	if code, m := c.complete(t, "5678", nil); code != http.StatusGone {
		t.Errorf("the right PIN after three wrong ones, same session: %d %v, want 410", code, m)
	}

	// FaceAuth's script tag (verify) names the person as a login does, so
	// it asks for the PIN too.
	if _, err := s.svc.Enroll(context.Background(), app, service.EnrollRequest{Images: [][]byte{ps[2].Enroll}, ExternalID: "carol", PIN: "2468"}); err != nil {
		t.Fatal(err)
	}
	c, _, _ = s.open(t, app.PublicID, widget.Verify, map[string]any{"user_id": "carol"}, nil)
	if code, m := c.play(t, bench.Genuine(ps[2], ps[2], rng(10))); code != 200 || m["pin"] != "confirm" {
		t.Fatalf("verify's frames: %d %v, want pin confirm", code, m)
	}
	if code, m := c.complete(t, "2468", nil); code != 200 || m["match"] != true || m["identity"] != "carol" {
		t.Fatalf("verify with the PIN: %d %v", code, m)
	} else if u, _ := m["user"].(map[string]any); u["id"] != 3.0 || u["facial_id"] == nil {
		t.Errorf("verify's user: %v, want id 3 (the app's third face, a number as FaceAuth shows it) and the facial ID", u)
	}
}

// The texture model over the still frames, for an app that requires
// liveness: webcam frames of live people (NUAA's clients) go on to the
// movements; their printed photos held up to the same webcam (NUAA's
// impostors) end in PAD_ATTACK before any movement is asked.
func TestLivenessOverFrames(t *testing.T) {
	dir := testface.Datasets(t, "nuaa-print")
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{RequireLiveness: true})
	for _, subject := range []string{"0001", "0002", "0003"} {
		for _, kind := range []string{"ClientRaw", "ImposterRaw"} {
			files, _ := filepath.Glob(filepath.Join(dir, kind, subject, "*.jpg"))
			if len(files) == 0 {
				t.Fatalf("no %s frames for subject %s", kind, subject)
			}
			photo, err := os.ReadFile(files[len(files)/2])
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(photo))
			if err != nil {
				t.Fatal(err)
			}
			c, _, _ := s.open(t, app.PublicID, widget.Enroll, nil, nil)
			r := rng(10)
			var code int
			var m map[string]any
			for range 3 {
				if code, m = c.frame(t, fakecam.Camera(img, r)); code != http.StatusOK {
					break
				}
			}
			switch {
			case kind == "ClientRaw" && (code != http.StatusOK || !strings.HasPrefix(m["guidance"].(string), "turn_")):
				t.Errorf("live subject %s: %d %v, want a movement asked", subject, code, m)
			case kind == "ImposterRaw" && errCode(m) != "PAD_ATTACK":
				t.Errorf("printed photo of subject %s: %d %v, want PAD_ATTACK", subject, code, m)
			}
		}
	}
}

// The bundles are served to any site, the session endpoints answer CORS
// preflights, and /demo shows the demo app's page when it is on.
func TestAssetsAndDemo(t *testing.T) {
	s := newServer(t, widget.Config{DemoPublicID: "pub_demo123"})
	for path, want := range map[string]string{"/fio.js": "faceIO", "/fio.mjs": "export", "/widget.js": "FaceAuth", "/fio.d.ts": "export default class faceIO"} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %d, %d bytes, ACAO %q; want 200 with %q for any origin", path, resp.StatusCode, len(body), resp.Header.Get("Access-Control-Allow-Origin"), want)
		}
		if ct := resp.Header.Get("Content-Type"); strings.HasSuffix(path, "js") && !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
	}

	req, _ := http.NewRequest("OPTIONS", s.url+"/widget/v1/sessions/abc/frames", nil)
	req.Header.Set("Origin", site)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type, x-visage-nonce")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != site ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Visage-Nonce") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}

	resp, err = http.Get(s.url + "/demo")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "pub_demo123") || !strings.Contains(string(body), `src="/fio.js"`) {
		t.Errorf("/demo: %d %q", resp.StatusCode, body)
	}
	off := newServer(t, widget.Config{})
	if resp, err := http.Get(off.url + "/demo"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/demo without --demo: %v %v", resp.StatusCode, err)
	}
}

// An app has at most 100 sessions open at once, from any number of
// addresses (here ten, ten each): the next one is refused with
// TOO_MANY_REQUESTS and a Retry-After until one ends (here, closed by its
// page).
func TestTooManySessions(t *testing.T) {
	s := newServer(t, widget.Config{})
	app := s.app(visage.AppSettings{})
	var first *client
	for i := range 100 {
		c, code, m := s.from(fmt.Sprintf("127.0.1.%d", i/10+1)).open(t, app.PublicID, widget.Authenticate, nil, nil)
		if code != http.StatusCreated {
			t.Fatalf("session %d: %d %v", i+1, code, m)
		}
		if first == nil {
			first = c
		}
	}
	other := s.from("127.0.1.11")
	code, hdr, m := other.request("POST", "/widget/v1/sessions", map[string]string{"Origin": site}, "application/json",
		jsonBody(t, map[string]any{"public_id": app.PublicID, "operation": widget.Authenticate}))
	if code != http.StatusTooManyRequests || errCode(m) != "TOO_MANY_REQUESTS" {
		t.Fatalf("session 101: %d %v, want 429 TOO_MANY_REQUESTS", code, m)
	}
	checkRetryAfter(t, hdr)
	if code, m := first.s.post("DELETE", "/widget/v1/sessions/"+first.id, map[string]string{"X-Visage-Nonce": first.nonce}, "", nil); code != http.StatusNoContent {
		t.Fatalf("closing a session: %d %v", code, m)
	}
	if _, code, m := other.open(t, app.PublicID, widget.Authenticate, nil, nil); code != http.StatusCreated {
		t.Errorf("after one closed: %d %v", code, m)
	}
	if code, _ := first.frame(t, []byte("x")); code != http.StatusGone {
		t.Errorf("a frame to the closed session: %d, want 410", code)
	}
}
