package auther_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/dialect/auther"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
)

func TestPersonLifecycle(t *testing.T) {
	f := newFixture(t, options{})
	p := loadPhotos(t)
	_, key := f.newApp(visage.AppSettings{})

	created := f.do("POST", "/persons/alice", key, faceBody(p.alice)).want(t, 200, "")
	if created.body["personId"] != "alice" || created.body["created"] != "2026-03-04T10:00:00.000Z" || created.body["updated"] != created.body["created"] {
		t.Fatalf("create answered %s", created.raw)
	}
	f.do("POST", "/persons/alice", key, faceBody(p.bob)).want(t, 400, "P_001")
	if got := f.do("GET", "/persons/alice", key, nil).want(t, 200, ""); got.raw != created.raw {
		t.Fatalf("check answered %s, create %s", got.raw, created.raw)
	}

	f.clock.Add(90 * time.Second)
	updated := f.do("PUT", "/persons/alice", key, faceBody(p.alice2)).want(t, 200, "")
	if updated.body["created"] != created.body["created"] || updated.body["updated"] != "2026-03-04T10:01:30.000Z" {
		t.Fatalf("update answered %s", updated.raw)
	}
	// The new photo is the one matched now: the person is still found.
	f.do("POST", "/search", key, faceBody(p.alice)).want(t, 200, "")
	f.do("PUT", "/persons/nobody", key, faceBody(p.alice)).want(t, 404, "NF_001")

	// Another app's people are not found, whatever their ID.
	_, other := f.newApp(visage.AppSettings{})
	f.do("GET", "/persons/alice", other, nil).want(t, 404, "NF_001")
	f.do("DELETE", "/persons/alice", other, nil).want(t, 404, "NF_001")

	if got := f.do("DELETE", "/persons/alice", key, nil).want(t, 200, ""); got.body["personId"] != "alice" {
		t.Fatalf("delete answered %s", got.raw)
	}
	f.do("GET", "/persons/alice", key, nil).want(t, 404, "NF_001").wantMessage(t, "Face not found in collection")
	f.do("DELETE", "/persons/alice", key, nil).want(t, 404, "NF_001")
	f.do("POST", "/search", key, faceBody(p.alice)).want(t, 410, "NF_002")
	// The ID is free again.
	f.do("POST", "/persons/alice", key, faceBody(p.alice)).want(t, 200, "")
}

func (a answer) wantMessage(t *testing.T, msg string) {
	t.Helper()
	if a.body["message"] != msg {
		t.Fatalf("message %q, want %q", a.body["message"], msg)
	}
}

// Every criterion a reference photo must meet has its own code.
func TestEnrollmentCriteria(t *testing.T) {
	f := newFixture(t, options{})
	p := loadPhotos(t)
	_, key := f.newApp(visage.AppSettings{})

	f.do("POST", "/persons/x", key, faceBody(p.blank)).want(t, 400, "F_001")
	f.do("POST", "/persons/x", key, faceBody(p.group)).want(t, 400, "F_002")
	// Alice's face, 320 px tall, scaled down to about 40 px.
	f.do("POST", "/persons/x", key, faceBody(scaled(t, p.alice, 0.125))).want(t, 400, "F_003")
	f.do("POST", "/persons/x", key, faceBody(blurred(t, p.alice, 6))).want(t, 400, "F_004")
	// Demo photo 2's largest face is turned about 65°.
	f.do("POST", "/persons/x", key, faceBody(testface.Person(t, 2, 0, 0))).want(t, 400, "F_005")
	f.do("POST", "/persons/x", key, faceBody(p.alice[:300])).want(t, 400, "I_001") // truncated
	f.do("POST", "/persons/x", key, faceBody([]byte("8BPS a Photoshop file"))).want(t, 400, "I_003")
	f.do("POST", "/persons/x", key, faceBody([]byte("GIF89a\xff\xff\xff\xff\x00\x00\x00"))).want(t, 400, "I_002") // 65535² pixels
	// None of them created the person.
	f.do("GET", "/persons/x", key, nil).want(t, 404, "NF_001")

	// The same criteria apply to an update, which keeps the old photo.
	f.do("POST", "/persons/x", key, faceBody(p.alice)).want(t, 200, "")
	f.do("PUT", "/persons/x", key, faceBody(p.group)).want(t, 400, "F_002")
	f.do("POST", "/search", key, faceBody(p.alice2)).want(t, 200, "")

	// Probes need one face, not the reference photo's quality.
	f.do("POST", "/search", key, faceBody(p.blank)).want(t, 400, "F_001")
	f.do("POST", "/search", key, faceBody(p.group)).want(t, 400, "F_002")
	f.do("POST", "/persons/x/verify", key, faceBody(p.group)).want(t, 400, "F_002")
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, options{maxBody: 64 << 10})
	p := loadPhotos(t)
	_, key := f.newApp(visage.AppSettings{})

	for name, body := range map[string]any{
		"empty":        []byte(""),
		"not JSON":     []byte("faceImage=abc"),
		"array":        []byte(`[]`),
		"wrong type":   []byte(`{"faceImage": 42}`),
		"no image":     []byte(`{}`),
		"empty image":  map[string]string{"faceImage": ""},
		"not base64":   map[string]string{"faceImage": "not base64!"},
		"wrong field":  map[string]string{"image": b64(p.alice[:100])},
		"null image":   []byte(`{"faceImage": null}`),
		"bad url form": []byte(`{"faceImage": "data:image/jpeg;base64,***"}`),
	} {
		t.Run(name, func(t *testing.T) {
			f.do("POST", "/persons/x", key, body).want(t, 400, "R_002").wantMessage(t, "Request body exception")
		})
	}
	f.do("POST", "/compare", key, map[string]string{"sourceImage": b64(p.alice[:100])}).want(t, 400, "R_002")
	f.do("POST", "/compare", key, map[string]any{"sourceImage": "AAAA", "targetImage": "AAAA", "similarityThreshold": 101}).want(t, 400, "R_002")
	f.do("POST", "/compare", key, map[string]any{"sourceImage": "AAAA", "targetImage": "AAAA", "similarityThreshold": "80"}).want(t, 400, "R_002")

	f.do("POST", "/persons/"+strings.Repeat("x", 257), key, map[string]string{"faceImage": "AAAA"}).want(t, 400, "P_003")
	big := f.do("POST", "/persons/x", key, []byte(`{"faceImage": "`+strings.Repeat("A", 70<<10)+`"}`))
	big.want(t, 413, "R_004")

	// Routing: an unknown path and a wrong method answer in Auther's shape.
	f.do("GET", "/people/x", key, nil).want(t, 404, "R_001")
	f.do("GET", "/persons/", key, nil).want(t, 404, "R_001")
	wrong := f.do("PATCH", "/persons/x", key, nil).want(t, 405, "R_003")
	if got := wrong.header.Get("Allow"); got != "DELETE, GET, POST, PUT" {
		t.Fatalf("Allow: %q", got)
	}
	f.do("GET", "/search", key, nil).want(t, 405, "R_003")
	f.do("GET", "/persons/x/verify", key, nil).want(t, 405, "R_003")
}

func TestKeys(t *testing.T) {
	f := newFixture(t, options{})
	_, key := f.newApp(visage.AppSettings{})

	f.do("GET", "/persons/x", "", nil).want(t, 401, "A_001")
	f.do("GET", "/persons/x", "vsk_notakeyatallnotakeyatall", nil).want(t, 401, "A_002")
	f.do("GET", "/persons/x", "garbage", nil).want(t, 401, "A_002")
	// The spellings other than X-API-Key reach the app too.
	f.do("GET", "/persons/x", "", nil, "Authorization", "Bearer "+key).want(t, 404, "NF_001")
	f.do("GET", "/persons/x", "", nil, "Api-Key", key).want(t, 404, "NF_001")

	// A revoked key stops at once.
	app, key2 := f.newApp(visage.AppSettings{})
	keys, _ := f.svc.Keys(f.ctx, app.ID)
	f.do("GET", "/persons/x", key2, nil).want(t, 404, "NF_001")
	if err := f.svc.RevokeKey(f.ctx, app.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	f.do("GET", "/persons/x", key2, nil).want(t, 401, "A_002")
}

// Search answers at 98 %, verify at 80 %, compare at the threshold asked
// (80 by default), all on the calibrated scale.
func TestThresholds(t *testing.T) {
	f := newFixture(t, options{})
	p := loadPhotos(t)
	_, key := f.newApp(visage.AppSettings{})
	f.do("POST", "/persons/alice", key, faceBody(p.alice)).want(t, 200, "")
	f.do("POST", "/persons/bob", key, faceBody(p.bob)).want(t, 200, "")

	// A blurred photo of Alice: her, but less surely. Its score, read with
	// a threshold of 0, must sit between verify's 80 % and search's 98 %
	// for the checks below to mean anything.
	soft := blurred(t, p.alice2, 5)
	sim := f.similarity(key, soft, p.alice, 0)
	t.Logf("the blurred photo of Alice scores %.2f %%", sim)
	if sim <= 80 || sim >= 98 {
		t.Fatalf("the blurred photo scores %.2f %%; the test needs 80–98", sim)
	}

	if got := f.do("POST", "/search", key, faceBody(p.alice2)).want(t, 200, ""); got.body["personId"] != "alice" {
		t.Fatalf("search answered %s", got.raw)
	}
	if got := f.do("POST", "/search", key, faceBody(p.bob)).want(t, 200, ""); got.body["personId"] != "bob" {
		t.Fatalf("search answered %s", got.raw)
	}
	f.do("POST", "/search", key, faceBody(soft)).want(t, 410, "NF_002")
	f.do("POST", "/search", key, faceBody(p.carol)).want(t, 410, "NF_002")

	if got := f.do("POST", "/persons/alice/verify", key, faceBody(soft)).want(t, 200, ""); got.body["personId"] != "alice" || got.body["created"] == nil {
		t.Fatalf("verify answered %s", got.raw)
	}
	f.do("POST", "/persons/alice/verify", key, faceBody(p.bob)).want(t, 400, "V_001")
	f.do("POST", "/persons/carol/verify", key, faceBody(p.carol)).want(t, 404, "NF_001")

	// Compare: the score at or above the threshold, 0 below it.
	if got := f.similarity(key, p.alice, p.alice2, -1); got < 98 {
		t.Fatalf("Alice against Alice: %.2f %%", got)
	}
	if got := f.similarity(key, soft, p.alice, -1); got != sim {
		t.Fatalf("at the default 80 %%: %.2f, want %.2f", got, sim)
	}
	if got := f.similarity(key, soft, p.alice, 98); got != 0 {
		t.Fatalf("at 98 %%: %.2f, want 0", got)
	}
	if got := f.similarity(key, p.bob, p.alice, -1); got != 0 {
		t.Fatalf("Bob against Alice at 80 %%: %.2f, want 0", got)
	}
	if got := f.similarity(key, p.bob, p.alice, 0); got <= 0 || got >= 80 {
		t.Fatalf("Bob against Alice at 0 %%: %.2f", got)
	}
	// The target's largest face is the one compared: Alice's cut keeps
	// her face the largest.
	f.do("POST", "/compare", key, map[string]string{"sourceImage": b64(p.blank), "targetImage": b64(p.alice)}).want(t, 400, "F_001")
	f.do("POST", "/compare", key, map[string]string{"sourceImage": b64(p.alice), "targetImage": b64(p.blank)}).want(t, 400, "F_001")

	// An app whose level is stricter than Auther's 80 % keeps its level.
	_, strict := f.newApp(visage.AppSettings{Level: 8})
	f.do("POST", "/persons/alice", strict, faceBody(p.alice)).want(t, 200, "")
	f.do("POST", "/persons/alice/verify", strict, faceBody(soft)).want(t, 400, "V_001")
}

// similarity is compare's answer; threshold < 0 leaves it out.
func (f *fixture) similarity(key string, source, target []byte, threshold float64) float64 {
	f.t.Helper()
	body := map[string]any{"sourceImage": b64(source), "targetImage": b64(target)}
	if threshold >= 0 {
		body["similarityThreshold"] = threshold
	}
	a := f.do("POST", "/compare", key, body).want(f.t, 200, "")
	s, ok := a.body["similarity"].(float64)
	if !ok || len(a.body) != 1 {
		f.t.Fatalf("compare answered %s", a.raw)
	}
	return s
}

// The app's rules hold through the dialect.
func TestAppRules(t *testing.T) {
	f := newFixture(t, options{})
	p := loadPhotos(t)

	_, key := f.newApp(visage.AppSettings{PreventDuplicates: true})
	f.do("POST", "/persons/alice", key, faceBody(p.alice)).want(t, 200, "")
	f.do("POST", "/persons/alice-again", key, faceBody(p.alice2)).want(t, 400, "P_002")
	// Her own new photo is no duplicate of her.
	f.do("PUT", "/persons/alice", key, faceBody(p.alice2)).want(t, 200, "")

	// Liveness and age: the model scores this cut of demo photo 6 (a
	// photo of a photo, after all) under the liveness threshold, and
	// nobody in it is estimated at 50 plus the 7-year margin.
	_, live := f.newApp(visage.AppSettings{RequireLiveness: true})
	f.do("POST", "/persons/x", live, faceBody(testface.Person(t, 6, 2, 0))).want(t, 400, "F_006")
	f.do("POST", "/persons/x", live, faceBody(p.alice)).want(t, 200, "")
	_, adults := f.newApp(visage.AppSettings{MinAge: 50})
	f.do("POST", "/persons/x", adults, faceBody(p.alice)).want(t, 400, "F_007")

	// Auther requests carry no PIN, so an app that requires one cannot
	// enroll through them, and neither search nor a verify that matches
	// gives away a person who has one (enrolled through the native API);
	// a verify that does not match is answered as usual.
	pinApp, pin := f.newApp(visage.AppSettings{RequirePIN: true})
	f.do("POST", "/persons/alice", pin, faceBody(p.alice)).want(t, 403, "A_003")
	if _, err := f.svc.Enroll(f.ctx, pinApp, service.EnrollRequest{Images: [][]byte{p.bob}, ExternalID: "bob", PIN: "1234"}); err != nil {
		t.Fatal(err)
	}
	f.do("POST", "/search", pin, faceBody(p.bob)).want(t, 403, "A_003")
	f.do("POST", "/persons/bob/verify", pin, faceBody(p.bob)).want(t, 403, "A_003")
	f.do("POST", "/persons/bob/verify", pin, faceBody(p.alice)).want(t, 400, "V_001")
	f.do("GET", "/persons/bob", pin, nil).want(t, 200, "")
}

// Person IDs are any UTF-8 up to 256 bytes, percent-encoded in the path,
// and the dialect works wherever it is mounted.
func TestPersonIDs(t *testing.T) {
	f := newFixture(t, options{})
	p := loadPhotos(t)
	_, key := f.newApp(visage.AppSettings{})
	id := "ana maría/1?x"
	path := "/persons/" + url.PathEscape(id)
	if got := f.do("POST", path, key, faceBody(p.alice)).want(t, 200, ""); got.body["personId"] != id {
		t.Fatalf("create answered %s", got.raw)
	}
	if got := f.do("POST", "/search", key, faceBody(p.alice2)).want(t, 200, ""); got.body["personId"] != id {
		t.Fatalf("search answered %s", got.raw)
	}
	f.do("POST", path+"/verify", key, faceBody(p.alice2)).want(t, 200, "")
	f.do("GET", "/persons/"+url.PathEscape(strings.Repeat("é", 128)), key, nil).want(t, 404, "NF_001")

	// A StripPrefix that takes the slash too leaves paths without one.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api/", auther.New(f.svc, auther.Config{Logger: quiet})))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	g := *f
	g.base = ts.URL + "/api"
	g.do("GET", path, key, nil).want(t, 200, "")
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, options{plans: map[string]service.Plan{"free": {PerMinute: 2}}})
	_, key := f.newApp(visage.AppSettings{})
	for range 2 {
		a := f.do("GET", "/persons/x", key, nil).want(t, 404, "NF_001")
		if a.header.Get("RateLimit-Limit") != "2" {
			t.Fatalf("RateLimit-Limit: %q", a.header.Get("RateLimit-Limit"))
		}
	}
	refused := f.do("GET", "/persons/x", key, nil).want(t, 429, "L_001")
	if refused.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// Another app has its own minute.
	_, other := f.newApp(visage.AppSettings{})
	f.do("GET", "/persons/x", other, nil).want(t, 404, "NF_001")
	f.clock.Add(time.Minute)
	f.do("GET", "/persons/x", key, nil).want(t, 404, "NF_001")
	// The month's quota, counted from every answered call.
	f = newFixture(t, options{plans: map[string]service.Plan{"free": {PerMonth: 1}}})
	_, key = f.newApp(visage.AppSettings{})
	f.do("GET", "/persons/x", key, nil).want(t, 404, "NF_001")
	f.do("GET", "/persons/x", key, nil).want(t, 429, "L_002")
}
