package faceauth_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/service"
)

// These tests hold the dialect to FaceAuth's API page: every endpoint,
// every code of its error table with its status, its three places for a
// key, and its plans' limits, over real HTTP on the real engine.

func TestRegister(t *testing.T) {
	s := newServer(t, options{})
	a := s.do("POST", "/register", req{body: map[string]string{"email": "dev@company.com", "name": "John Doe"}})
	want(t, "register", a, 200, "")
	k, _ := a.body["api_key"].(string)
	user, _ := a.body["user"].(map[string]any)
	if !strings.HasPrefix(k, "fa_") || num(user["id"]) != 1 || user["email"] != "dev@company.com" || user["name"] != "John Doe" ||
		user["plan"] != "free" || !strings.HasPrefix(user["public_id"].(string), "pub_") {
		t.Fatalf("register: %v", a.body)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Error("the answer holding a new key may be cached")
	}
	// The key works at once.
	want(t, "usage with the new key", s.do("GET", "/usage/"+k, req{}), 200, "")

	// A form body is read too, and the next account is number 2.
	a = s.do("POST", "/register", req{body: []byte("email=ops%40company.com&name=Ops"), ct: "application/x-www-form-urlencoded"})
	want(t, "register (form)", a, 200, "")
	if num(a.body["user"].(map[string]any)["id"]) != 2 {
		t.Fatalf("second account: %v", a.body)
	}

	want(t, "the same email", s.do("POST", "/register", req{body: map[string]string{"email": "dev@company.com"}}), 409, "EMAIL_EXISTS")
	want(t, "the same email, another case", s.do("POST", "/register", req{body: map[string]string{"email": "DEV@Company.com"}}), 409, "EMAIL_EXISTS")
	want(t, "no email", s.do("POST", "/register", req{body: map[string]string{"name": "x"}}), 400, "VALIDATION_ERROR")
	want(t, "not an email", s.do("POST", "/register", req{body: map[string]string{"email": "nobody"}}), 400, "VALIDATION_ERROR")
	want(t, "not JSON", s.do("POST", "/register", req{body: []byte("{"), ct: "application/json"}), 400, "VALIDATION_ERROR")
	want(t, "no body", s.do("POST", "/register", req{}), 400, "VALIDATION_ERROR")
	want(t, "email not a string", s.do("POST", "/register", req{body: map[string]any{"email": []int{1}}}), 400, "VALIDATION_ERROR")
}

func TestRegisterDisabled(t *testing.T) {
	s := newServer(t, options{closed: true})
	want(t, "register", s.do("POST", "/register", req{body: map[string]string{"email": "dev@company.com"}}), 403, "REGISTRATION_DISABLED")
	// Everything else works with keys the administrator made.
	app, err := s.svc.CreateApp(context.Background(), "admin's", "free")
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := s.svc.CreateKeyTagged(context.Background(), app.ID, service.FaceAuthKeyTag)
	if err != nil {
		t.Fatal(err)
	}
	a := s.do("GET", "/usage", req{hdr: key(k)})
	want(t, "usage of an administrator's app", a, 200, "")
	if u := a.body["user"].(map[string]any); u["email"] != nil || u["plan"] != "free" {
		t.Fatalf("an app without account: user %v", u)
	}
}

// The key is read from X-API-Key, Authorization: Bearer or the body's
// api_key field; a native vsk_ key works too.
func TestKeyPlaces(t *testing.T) {
	s := newServer(t, options{})
	p := people(t)
	k := s.register("dev@company.com")
	a := s.do("POST", "/enroll", req{hdr: key(k), body: files("image", p.alice[0]).with("name", "101")})
	want(t, "enroll (X-API-Key)", a, 200, "")
	a = s.do("POST", "/verify", req{hdr: bearer(k), body: files("image", p.alice2).with("name", "101")})
	want(t, "verify (Bearer)", a, 200, "")
	a = s.do("POST", "/verify", req{hdr: map[string]string{"Authorization": "bearer " + k}, body: files("image", p.alice2).with("name", "101")})
	want(t, "verify (bearer, lower case)", a, 200, "")
	a = s.do("POST", "/match", req{body: files("image1", p.alice[0], "image2", p.alice2).with("api_key", k)})
	want(t, "match (api_key field)", a, 200, "")
	a = s.do("POST", "/verify", req{body: map[string]string{"api_key": k, "name": "101"}})
	want(t, "verify (api_key in JSON, no image)", a, 400, "MISSING_IMAGE")

	app, _ := s.svc.AppForKey(context.Background(), k)
	native, _, err := s.svc.CreateKey(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "verify (vsk_ key)", s.do("POST", "/verify", req{hdr: key(native), body: files("image", p.alice2).with("name", "101")}), 200, "")

	for path, body := range map[string]*form{
		"/enroll": files("image", p.alice[0]).with("name", "102"),
		"/verify": files("image", p.alice2).with("name", "101"),
		"/match":  files("image1", p.alice[0], "image2", p.alice2),
	} {
		want(t, path+" without a key", s.do("POST", path, req{body: body}), 401, "MISSING_API_KEY")
		want(t, path+" with a wrong key", s.do("POST", path, req{hdr: key("fa_wrongwrongwrongwrongwrongwrongw"), body: body}), 401, "INVALID_API_KEY")
		want(t, path+" with a wrong Bearer", s.do("POST", path, req{hdr: bearer("garbage"), body: body}), 401, "INVALID_API_KEY")
		want(t, path+" with a wrong api_key", s.do("POST", path, req{body: body.with("api_key", "fa_nope")}), 401, "INVALID_API_KEY")
		delete(body.fields, "api_key")
	}
	want(t, "the public ID as a key", s.do("POST", "/verify", req{hdr: key(app.PublicID), body: files("image", p.alice2).with("name", "101")}), 401, "INVALID_API_KEY")
	a = s.do("POST", "/enroll", req{body: files("image", p.alice[0])})
	if a.header.Get("WWW-Authenticate") == "" {
		t.Error("a 401 without WWW-Authenticate")
	}
}

func TestEnrollVerifyMatch(t *testing.T) {
	s := newServer(t, options{})
	p := people(t)
	k := s.register("dev@company.com")

	a := s.do("POST", "/enroll", req{hdr: key(k), body: files("image", p.alice[0], "image1", p.alice[1], "image2", p.alice[2]).with("name", "101")})
	want(t, "enroll", a, 200, "")
	// The face's ID is a number, as FaceAuth's page shows it: the app's
	// first face is 1. Visage's own ID comes beside it.
	faceID, facialID := a.body["face_id"], a.body["facial_id"]
	if faceID != 1.0 || facialID == "" || a.body["external_user_id"] != "101" || a.body["message"] != "Face enrolled successfully" {
		t.Fatalf("enroll: %v", a.body)
	}
	a = s.do("POST", "/enroll", req{hdr: key(k), body: files("image", p.alice2).with("name", "101")})
	want(t, "enroll the same name again", a, 400, "VALIDATION_ERROR")

	// Alice, from another photo, is Alice: FaceAuth's rule holds.
	a = s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.alice2).with("name", "101")})
	want(t, "verify Alice", a, 200, "")
	user, _ := a.body["user"].(map[string]any)
	if a.body["match"] != true || a.body["status"] != "match" || a.body["identity"] != "101" || a.body["message"] != "Verified as 101" ||
		num(a.body["confidence"]) < 85 || num(a.body["distance"]) > 0.42 ||
		user["id"] != faceID || user["facial_id"] != facialID || user["external_user_id"] != "101" || user["name"] != "101" {
		t.Fatalf("verify Alice: %v", a.body)
	}
	// Bob is not.
	a = s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.bob).with("name", "101")})
	want(t, "verify Bob as Alice", a, 200, "")
	if a.body["match"] != false || a.body["status"] != "no_match" || a.body["identity"] != nil || a.body["user"] != nil ||
		num(a.body["confidence"]) >= 85 || num(a.body["distance"]) <= 0.42 {
		t.Fatalf("verify Bob as Alice: %v", a.body)
	}
	// Nobody is enrolled under 999.
	a = s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.alice2).with("name", "999")})
	want(t, "verify an unknown name", a, 404, "NO_ENROLLED_FACES")

	a = s.do("POST", "/match", req{hdr: key(k), body: files("image1", p.alice[0], "image2", p.alice2)})
	want(t, "match Alice and Alice", a, 200, "")
	if a.body["match"] != true || a.body["status"] != "match" || a.body["similarity"] != a.body["confidence"] ||
		num(a.body["similarity"]) < 85 || num(a.body["distance"]) > 0.42 {
		t.Fatalf("match Alice and Alice: %v", a.body)
	}
	a = s.do("POST", "/match", req{hdr: key(k), body: files("image1", p.alice[0], "image2", p.bob)})
	want(t, "match Alice and Bob", a, 200, "")
	if a.body["match"] != false || a.body["status"] != "no_match" || num(a.body["distance"]) <= 0.42 {
		t.Fatalf("match Alice and Bob: %v", a.body)
	}
	// /match takes the largest face of a group photo, as FaceAuth's
	// comparison of two pictures would.
	want(t, "match a group photo", s.do("POST", "/match", req{hdr: key(k), body: files("image1", p.group, "image2", p.bob)}), 200, "")

	// Another account's key sees none of this.
	other := s.register("other@company.com")
	a = s.do("POST", "/verify", req{hdr: key(other), body: files("image", p.alice2).with("name", "101")})
	want(t, "verify in an app without faces", a, 404, "NO_ENROLLED_FACES")
}

// The error table's request codes: VALIDATION_ERROR, MISSING_IMAGE and
// NO_FACE, and how Visage's finer image errors map onto them.
func TestRequestErrors(t *testing.T) {
	s := newServer(t, options{})
	p := people(t)
	k := s.register("dev@company.com")
	want(t, "enroll", s.do("POST", "/enroll", req{hdr: key(k), body: files("image", p.alice[0]).with("name", "101")}), 200, "")

	for _, tc := range []struct {
		what, path string
		body       any
		ct         string
		status     int
		code       string
	}{
		{"enroll without name", "/enroll", files("image", p.alice[0]), "", 400, "VALIDATION_ERROR"},
		{"enroll with a blank name", "/enroll", files("image", p.alice[0]).with("name", "  "), "", 400, "VALIDATION_ERROR"},
		{"enroll with a 300-byte name", "/enroll", files("image", p.alice[0]).with("name", strings.Repeat("x", 300)), "", 400, "VALIDATION_ERROR"},
		{"enroll six images", "/enroll", files("image", p.alice[0], "image1", p.alice[1], "image2", p.alice[2], "image3", p.alice[0], "image4", p.alice[1], "image4", p.alice[2]).with("name", "6"), "", 400, "VALIDATION_ERROR"},
		{"enroll two people", "/enroll", files("image", p.alice[0], "image1", p.bob).with("name", "mixed"), "", 400, "VALIDATION_ERROR"},
		{"enroll a corrupt image", "/enroll", files("image", []byte("not a photo at all")).with("name", "x"), "", 400, "VALIDATION_ERROR"},
		{"enroll as text/plain", "/enroll", []byte("name=x"), "text/plain", 400, "VALIDATION_ERROR"},
		{"enroll a broken multipart", "/enroll", []byte("--x\r\nnot a part"), "multipart/form-data; boundary=x", 400, "VALIDATION_ERROR"},
		{"verify without name", "/verify", files("image", p.alice2), "", 400, "VALIDATION_ERROR"},

		{"enroll without image", "/enroll", files().with("name", "101"), "", 400, "MISSING_IMAGE"},
		{"enroll with an empty file", "/enroll", files("image", []byte{}).with("name", "101"), "", 400, "MISSING_IMAGE"},
		{"verify without image", "/verify", files().with("name", "101"), "", 400, "MISSING_IMAGE"},
		{"match without images", "/match", files(), "", 400, "MISSING_IMAGE"},
		{"match without image2", "/match", files("image1", p.alice[0]), "", 400, "MISSING_IMAGE"},
		{"match without image1", "/match", files("image2", p.alice[0]), "", 400, "MISSING_IMAGE"},

		{"enroll a picture without a face", "/enroll", files("image", p.blank).with("name", "nobody"), "", 422, "NO_FACE"},
		{"enroll a group photo", "/enroll", files("image", p.group).with("name", "group"), "", 422, "NO_FACE"},
		{"verify a picture without a face", "/verify", files("image", p.blank).with("name", "101"), "", 422, "NO_FACE"},
		{"match a picture without a face", "/match", files("image1", p.alice[0], "image2", p.blank), "", 422, "NO_FACE"},
	} {
		a := s.do("POST", tc.path, req{hdr: key(k), body: tc.body, ct: tc.ct})
		want(t, tc.what, a, tc.status, tc.code)
	}
	a := s.do("POST", "/enroll", req{hdr: key(k), body: files("image", p.group).with("name", "group")})
	if msg := a.body["error"].(string); !strings.Contains(msg, "face") {
		t.Errorf("a group photo's message %q says nothing of faces", msg)
	}
	want(t, "an unknown path", s.do("GET", "/nope", req{}), 404, "NOT_FOUND")
	want(t, "GET /enroll", s.do("GET", "/enroll", req{hdr: key(k)}), 404, "NOT_FOUND")
}

func TestBodyLimit(t *testing.T) {
	s := newServer(t, options{maxBody: 64 << 10})
	p := people(t)
	k := s.register("dev@company.com")
	big := make([]byte, 100<<10)
	copy(big, p.alice[0])
	want(t, "enroll 100 kB", s.do("POST", "/enroll", req{hdr: key(k), body: files("image", big).with("name", "101")}), 413, "VALIDATION_ERROR")
	want(t, "register 100 kB", s.do("POST", "/register", req{body: map[string]string{"email": "a@b.co", "name": string(big)}}), 413, "VALIDATION_ERROR")
}

func TestRateLimit(t *testing.T) {
	s := newServer(t, options{plans: map[string]service.Plan{"free": {PerMinute: 2, PerMonth: 1000}}})
	k := s.register("dev@company.com")
	for i := range 2 {
		a := s.do("POST", "/verify", req{hdr: key(k), body: files().with("name", "101")})
		want(t, "call within the minute's limit", a, 400, "MISSING_IMAGE")
		if a.header.Get("RateLimit-Limit") != "2" || a.header.Get("RateLimit-Remaining") != []string{"1", "0"}[i] {
			t.Fatalf("RateLimit headers: %v", a.header)
		}
	}
	a := s.do("POST", "/verify", req{hdr: key(k), body: files().with("name", "101")})
	want(t, "third call in a minute", a, 429, "RATE_LIMIT")
	if a.header.Get("Retry-After") == "" {
		t.Error("RATE_LIMIT without Retry-After")
	}
	// Usage is not limited: it is how the client sees why.
	want(t, "usage while limited", s.do("GET", "/usage/"+k, req{}), 200, "")
}

func TestMonthlyLimit(t *testing.T) {
	s := newServer(t, options{plans: map[string]service.Plan{"free": {PerMinute: 100, PerMonth: 3}}})
	k := s.register("dev@company.com")
	for range 3 {
		want(t, "call within the month", s.do("POST", "/match", req{hdr: key(k), body: files()}), 400, "MISSING_IMAGE")
	}
	a := s.do("POST", "/match", req{hdr: key(k), body: files()})
	want(t, "fourth call of the month", a, 429, "MONTHLY_LIMIT")
	if a.header.Get("Retry-After") == "" {
		t.Error("MONTHLY_LIMIT without Retry-After")
	}
	a = s.do("GET", "/usage/"+k, req{})
	want(t, "usage over the month's quota", a, 200, "")
	if u := a.body["usage"].(map[string]any); num(u["monthly_calls"]) != 3 || num(u["monthly_limit"]) != 3 {
		t.Fatalf("usage: %v", u)
	}
}

func TestUsage(t *testing.T) {
	s := newServer(t, options{})
	p := people(t)
	k := s.register("dev@company.com")
	want(t, "enroll", s.do("POST", "/enroll", req{hdr: key(k), body: files("image", p.alice[0]).with("name", "101")}), 200, "")
	want(t, "verify", s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.bob).with("name", "101")}), 200, "")
	want(t, "enroll without image", s.do("POST", "/enroll", req{hdr: key(k), body: files().with("name", "102")}), 400, "MISSING_IMAGE")
	want(t, "verify a picture without a face", s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.blank).with("name", "101")}), 422, "NO_FACE")

	a := s.do("GET", "/usage/"+k, req{})
	want(t, "usage", a, 200, "")
	user, _ := a.body["user"].(map[string]any)
	usage, _ := a.body["usage"].(map[string]any)
	daily, _ := a.body["daily_usage"].([]any)
	logs, ok := a.body["recent_logs"].([]any)
	shown, _ := user["api_key"].(string)
	if user["plan"] != "free" || shown != k[:12]+"…" || user["email"] != "dev@company.com" || num(user["id"]) != 1 {
		t.Fatalf("usage user: %v", user)
	}
	if num(usage["monthly_calls"]) != 4 || num(usage["monthly_limit"]) != 1000 || num(usage["total_calls"]) != 4 ||
		num(usage["success_rate"]) != 50 || num(usage["enrolled_faces"]) != 1 {
		t.Fatalf("usage: %v", usage)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if len(daily) != 1 || daily[0].(map[string]any)["day"] != today || num(daily[0].(map[string]any)["calls"]) != 4 || !ok || len(logs) != 0 {
		t.Fatalf("daily_usage %v, recent_logs %v", daily, a.body["recent_logs"])
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Error("usage may be cached")
	}
	// The same from the headers, and reading usage is not a call.
	for _, h := range []map[string]string{key(k), bearer(k)} {
		a = s.do("GET", "/usage", req{hdr: h})
		want(t, "usage, key in a header", a, 200, "")
		if num(a.body["usage"].(map[string]any)["total_calls"]) != 4 {
			t.Fatalf("usage counted itself: %v", a.body["usage"])
		}
	}
	want(t, "usage, no key", s.do("GET", "/usage", req{}), 401, "MISSING_API_KEY")
	want(t, "usage, empty key in the path", s.do("GET", "/usage/", req{}), 401, "MISSING_API_KEY")
	want(t, "usage, wrong key", s.do("GET", "/usage/fa_wrongwrongwrongwrong", req{}), 401, "INVALID_API_KEY")

	// Enterprise has no monthly limit: null.
	app, err := s.svc.CreateApp(context.Background(), "big", "enterprise")
	if err != nil {
		t.Fatal(err)
	}
	ek, _, _ := s.svc.CreateKeyTagged(context.Background(), app.ID, service.FaceAuthKeyTag)
	a = s.do("GET", "/usage/"+ek, req{})
	if u := a.body["usage"].(map[string]any); u["monthly_limit"] != nil || a.body["user"].(map[string]any)["plan"] != "enterprise" {
		t.Fatalf("enterprise usage: %v", a.body)
	}
}

func TestHealth(t *testing.T) {
	s := newServer(t, options{})
	s.now.Add(time.Hour + 400*time.Millisecond)
	a := s.do("GET", "/health", req{})
	want(t, "health", a, 200, "")
	if a.body["status"] != "healthy" || a.body["models_loaded"] != true || num(a.body["uptime"]) != 3600 {
		t.Fatalf("health: %v", a.body)
	}
	s.st.Close()
	a = s.do("GET", "/health", req{})
	if a.status != 503 || a.body["success"] != false || a.body["status"] != "unhealthy" {
		t.Fatalf("health with the store closed: %d %v", a.status, a.body)
	}
}

// brokenEngine fails as an engine whose runtime went away would.
type brokenEngine struct{}

func (brokenEngine) Analyze(context.Context, []byte, face.Options) ([]face.Face, error) {
	return nil, errors.New("onnxruntime: session lost")
}

// A failure of the server is PROCESSING_ERROR: its cause goes to the
// log, never to the client, and the log never holds a key.
func TestProcessingError(t *testing.T) {
	s := newServer(t, options{engine: brokenEngine{}})
	p := people(t)
	k := s.register("dev@company.com")
	for path, body := range map[string]*form{
		"/enroll": files("image", p.alice[0]).with("name", "101").with("api_key", k),
		"/match":  files("image1", p.alice[0], "image2", p.bob).with("api_key", k),
	} {
		a := s.do("POST", path, req{body: body})
		want(t, path, a, 500, "PROCESSING_ERROR")
		if msg := a.body["error"].(string); strings.Contains(msg, "onnxruntime") {
			t.Fatalf("the cause reached the client: %q", msg)
		}
	}
	log := s.log.String()
	if !strings.Contains(log, "onnxruntime: session lost") {
		t.Fatalf("the cause is not in the log:\n%s", log)
	}
	noSecrets(t, log, k)
}

// Mounted under /api/v1 of the native server, as `visage serve` does: an
// fa_ key is an ordinary key of its app, which the native API accepts.
func TestMountedBesideNativeAPI(t *testing.T) {
	s := newServer(t, options{mounted: true})
	p := people(t)
	k := s.register("dev@company.com")
	want(t, "enroll", s.do("POST", "/enroll", req{hdr: key(k), body: files("image", p.alice[0]).with("name", "101")}), 200, "")
	want(t, "health", s.do("GET", "/health", req{}), 200, "")

	native := &server{t: t, url: s.root}
	a := native.do("POST", "/v1/verify", req{hdr: bearer(k), body: files("image", p.alice2).with("external_id", "101")})
	if a.status != http.StatusOK || a.body["match"] != true || a.body["external_id"] != "101" {
		t.Fatalf("native verify with the fa_ key: %d %v", a.status, a.body)
	}
}

// FaceAuth has no PINs, but a face can be given one elsewhere (the
// widget, the native API): verify then needs it, in the field pin, as a
// login would.
func TestVerifyNeedsTheFacesPIN(t *testing.T) {
	s := newServer(t, options{})
	p := people(t)
	k := s.register("dev@company.com")
	a := s.do("POST", "/enroll", req{hdr: key(k), body: files("image", p.alice[0]).with("name", "101")})
	want(t, "enroll", a, 200, "")
	app, err := s.svc.AppForKey(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.svc.SetPIN(context.Background(), app, a.body["facial_id"].(string), "2468"); err != nil {
		t.Fatal(err)
	}
	want(t, "verify without the PIN", s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.alice2).with("name", "101")}), 401, "PIN_REQUIRED")
	want(t, "verify with a wrong PIN", s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.alice2).with("name", "101").with("pin", "1111")}), 401, "WRONG_PIN_CODE")
	a = s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.alice2).with("name", "101").with("pin", "2468")})
	want(t, "verify with the PIN", a, 200, "")
	if a.body["match"] != true {
		t.Fatalf("verify with the PIN: %v", a.body)
	}
	for range 2 {
		s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.alice2).with("name", "101").with("pin", "1111")})
	}
	a = s.do("POST", "/verify", req{hdr: key(k), body: files("image", p.alice2).with("name", "101").with("pin", "1111")})
	want(t, "the third wrong PIN in a row", a, 429, "PIN_LOCKED")
	if a.header.Get("Retry-After") == "" {
		t.Error("PIN_LOCKED without Retry-After")
	}
}
