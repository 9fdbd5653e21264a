package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// The tests run the real engine, a real SQLite store and the real gallery
// on faces cut from the demo photos `make setup` fetches.

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code visage.Code) {
	t.Helper()
	if got := visage.ErrorCode(err); got != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

type fixture struct {
	svc   *service.Service
	store *sqlite.Store
	clock *testface.Clock
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{7}, 32))
	check(t, err)
	t.Cleanup(func() { st.Close() })
	c := testface.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration, PINKey: []byte("test pin key"), Now: c.Now})
	return &fixture{svc: svc, store: st, clock: c, ctx: context.Background()}
}

func (f *fixture) app(t *testing.T, set visage.AppSettings) *visage.App {
	t.Helper()
	a, err := f.svc.CreateApp(f.ctx, "test", "free")
	check(t, err)
	if set.Level == 0 {
		set.Level = 4
	}
	check(t, f.svc.UpdateSettings(f.ctx, a, set))
	return a
}

func TestEnrollAuthenticateVerifyDelete(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{})
	alice, bob := testface.Person(t, 6, 0, 0), testface.Person(t, 6, 1, 0)

	en, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{alice, testface.Person(t, 6, 0, 12)}, ExternalID: "alice", Payload: json.RawMessage(`{"user":42}`)})
	check(t, err)
	if len(en.FacialID) != 36 || en.Age <= 0 {
		t.Fatalf("enrolled: %+v", en)
	}
	_, err = f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{bob}, ExternalID: "bob"})
	check(t, err)

	rec, err := f.svc.Authenticate(f.ctx, app, testface.Person(t, 6, 0, 20), "")
	check(t, err)
	if rec.FacialID != en.FacialID || rec.ExternalID != "alice" || string(rec.Payload) != `{"user":42}` || rec.Similarity < 80 {
		t.Fatalf("authenticate found %+v", rec)
	}
	v, err := f.svc.Verify(f.ctx, app, testface.Person(t, 6, 0, 20), "", "alice", "")
	check(t, err)
	if !v.Match || v.FacialID != en.FacialID {
		t.Fatalf("verify alice as alice: %+v", v)
	}
	v, err = f.svc.Verify(f.ctx, app, bob, en.FacialID, "", "")
	check(t, err)
	if v.Match {
		t.Fatalf("verify bob as alice matched: %+v", v)
	}

	check(t, f.svc.DeleteFace(f.ctx, app, en.FacialID))
	_, err = f.svc.Authenticate(f.ctx, app, testface.Person(t, 6, 0, 20), "")
	wantCode(t, err, visage.CodeUnrecognizedFace)
	_, err = f.svc.Face(f.ctx, app, en.FacialID)
	wantCode(t, err, visage.CodeNotFound)
}

func TestAppsAreIsolated(t *testing.T) {
	f := newFixture(t)
	a, b := f.app(t, visage.AppSettings{}), f.app(t, visage.AppSettings{})
	alice := testface.Person(t, 3, 0, 0)
	en, err := f.svc.Enroll(f.ctx, a, service.EnrollRequest{Images: [][]byte{alice}, ExternalID: "alice"})
	check(t, err)

	_, err = f.svc.Face(f.ctx, b, en.FacialID)
	wantCode(t, err, visage.CodeNotFound)
	_, err = f.svc.Verify(f.ctx, b, alice, en.FacialID, "", "")
	wantCode(t, err, visage.CodeNotFound)
	_, err = f.svc.Verify(f.ctx, b, alice, "", "alice", "")
	wantCode(t, err, visage.CodeNotFound)
	wantCode(t, f.svc.DeleteFace(f.ctx, b, en.FacialID), visage.CodeNotFound)
	wantCode(t, f.svc.SetPayload(f.ctx, b, en.FacialID, json.RawMessage(`1`)), visage.CodeNotFound)
	wantCode(t, f.svc.SetPIN(f.ctx, b, en.FacialID, "1234"), visage.CodeNotFound)
	_, err = f.svc.Authenticate(f.ctx, b, alice, "")
	wantCode(t, err, visage.CodeUnrecognizedFace)
	if page, err := f.svc.Faces(f.ctx, b, "", 10); err != nil || len(page) != 0 {
		t.Fatalf("app b lists %d faces, %v", len(page), err)
	}
	// The same external ID is free in another app.
	_, err = f.svc.Enroll(f.ctx, b, service.EnrollRequest{Images: [][]byte{alice}, ExternalID: "alice"})
	check(t, err)
	_, err = f.svc.Face(f.ctx, a, en.FacialID)
	check(t, err)
}

func TestEnrollRules(t *testing.T) {
	f := newFixture(t)
	alice, bob := testface.Person(t, 5, 0, 0), testface.Person(t, 5, 2, 0)

	dup := f.app(t, visage.AppSettings{PreventDuplicates: true})
	_, err := f.svc.Enroll(f.ctx, dup, service.EnrollRequest{Images: [][]byte{alice}})
	check(t, err)
	_, err = f.svc.Enroll(f.ctx, dup, service.EnrollRequest{Images: [][]byte{testface.Person(t, 5, 0, 15)}})
	wantCode(t, err, visage.CodeFaceDuplication)
	_, err = f.svc.Enroll(f.ctx, dup, service.EnrollRequest{Images: [][]byte{bob}})
	check(t, err)

	plain := f.app(t, visage.AppSettings{})
	_, err = f.svc.Enroll(f.ctx, plain, service.EnrollRequest{Images: [][]byte{alice, bob}})
	wantCode(t, err, visage.CodeFaceMismatch)
	_, err = f.svc.Enroll(f.ctx, plain, service.EnrollRequest{Images: [][]byte{alice}, ExternalID: "x"})
	check(t, err)
	_, err = f.svc.Enroll(f.ctx, plain, service.EnrollRequest{Images: [][]byte{bob}, ExternalID: "x"})
	wantCode(t, err, visage.CodeConflict)
	group := testface.Sample(t, 1)
	_, err = f.svc.Enroll(f.ctx, plain, service.EnrollRequest{Images: [][]byte{group}})
	wantCode(t, err, visage.CodeManyFaces)
	_, err = f.svc.Enroll(f.ctx, plain, service.EnrollRequest{})
	wantCode(t, err, visage.CodeInvalidRequest)

	// Payload: 16 KB is accepted, one byte more is not.
	fit := json.RawMessage(`"` + strings.Repeat("a", service.MaxPayloadBytes-2) + `"`)
	_, err = f.svc.Enroll(f.ctx, plain, service.EnrollRequest{Images: [][]byte{bob}, Payload: fit})
	check(t, err)
	over := json.RawMessage(`"` + strings.Repeat("a", service.MaxPayloadBytes-1) + `"`)
	_, err = f.svc.Enroll(f.ctx, plain, service.EnrollRequest{Images: [][]byte{bob}, Payload: over})
	wantCode(t, err, visage.CodeInvalidRequest)

	// The minors gate refuses faces estimated under min_age + margin.
	old := f.app(t, visage.AppSettings{MinAge: 80})
	_, err = f.svc.Enroll(f.ctx, old, service.EnrollRequest{Images: [][]byte{alice}})
	wantCode(t, err, visage.CodeMinorsNotAllowed)
}

func TestPIN(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{RequirePIN: true, UniquePIN: true})
	alice, bob := testface.Person(t, 4, 0, 0), testface.Person(t, 4, 2, 0)
	_, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{alice}})
	wantCode(t, err, visage.CodePINRequired)
	_, err = f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{alice}, PIN: "12a4"})
	wantCode(t, err, visage.CodeInvalidRequest)
	en, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{alice}, PIN: "2468"})
	check(t, err)
	_, err = f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{bob}, PIN: "2468"})
	wantCode(t, err, visage.CodeUniquePINRequired)

	probe := testface.Person(t, 4, 0, 10)
	_, err = f.svc.Authenticate(f.ctx, app, probe, "")
	wantCode(t, err, visage.CodePINRequired)
	_, err = f.svc.Authenticate(f.ctx, app, probe, "2468")
	check(t, err)
	for i := 1; i < service.PINLockAfter; i++ {
		_, err = f.svc.Authenticate(f.ctx, app, probe, "1111")
		wantCode(t, err, visage.CodeWrongPIN)
	}
	_, err = f.svc.Authenticate(f.ctx, app, probe, "1111")
	wantCode(t, err, visage.CodePINLocked)
	// Locked: even the right PIN is refused until the cooling-off ends.
	_, err = f.svc.Authenticate(f.ctx, app, probe, "2468")
	wantCode(t, err, visage.CodePINLocked)
	f.clock.Add(service.PINLockFor + time.Second)
	_, err = f.svc.Authenticate(f.ctx, app, probe, "2468")
	check(t, err)

	// A match names the person, so verify needs the PIN as authenticate
	// does; a face that does not match is answered without it.
	_, err = f.svc.Verify(f.ctx, app, probe, en.FacialID, "", "")
	wantCode(t, err, visage.CodePINRequired)
	_, err = f.svc.Verify(f.ctx, app, probe, en.FacialID, "", "1111")
	wantCode(t, err, visage.CodeWrongPIN)
	v, err := f.svc.Verify(f.ctx, app, probe, en.FacialID, "", "2468")
	check(t, err)
	if !v.Match {
		t.Errorf("verify with the right PIN: %+v", v)
	}
	v, err = f.svc.Verify(f.ctx, app, bob, en.FacialID, "", "")
	check(t, err)
	if v.Match {
		t.Errorf("verify of another person: %+v", v)
	}
}

// With liveness required, a printed photo held to the camera is refused
// (spoof-samples, when the research datasets are beside the checkout).
func TestLivenessGate(t *testing.T) {
	dir := testface.Datasets(t, "spoof-samples")
	attack, err := os.ReadFile(filepath.Join(dir, "spoof", "image_F1.jpg"))
	check(t, err)
	live, err := os.ReadFile(filepath.Join(dir, "live", "image_T1.jpg"))
	check(t, err)
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{RequireLiveness: true})
	_, err = f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{attack}})
	wantCode(t, err, visage.CodePadAttack)
	_, err = f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{live}})
	check(t, err)
	_, err = f.svc.Authenticate(f.ctx, app, attack, "")
	wantCode(t, err, visage.CodePadAttack)
	// A caller that proved liveness over a session (the widget) enrolls
	// without the single-photo rule, and identifies by the template it
	// analysed: the service takes its word, and nothing else does.
	e, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{attack}, Live: true})
	check(t, err)
	fr, err := f.svc.Frame(f.ctx, app, attack)
	check(t, err)
	rec, err := f.svc.AuthenticateTemplate(f.ctx, app, fr.Template, "")
	check(t, err)
	if rec.FacialID != e.FacialID {
		t.Errorf("AuthenticateTemplate found %s, want %s", rec.FacialID, e.FacialID)
	}
	v, err := f.svc.VerifyTemplate(f.ctx, app, fr.Template, e.FacialID, "", "")
	check(t, err)
	if !v.Match {
		t.Errorf("VerifyTemplate: %+v, want a match", v)
	}
	_, err = f.svc.Authenticate(f.ctx, app, attack, "")
	wantCode(t, err, visage.CodePadAttack)
}

// A face in profile is refused: its template would be unreliable.
func TestProfileFaceRefused(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{})
	_, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{testface.Person(t, 2, 0, 0)}})
	wantCode(t, err, visage.CodeFaceNotFrontal)
	_, err = f.svc.Authenticate(f.ctx, app, testface.Person(t, 2, 0, 0), "")
	wantCode(t, err, visage.CodeFaceNotFrontal)
}

// The widget's gate settings are checked and written as browsers send
// origins, so that comparing strings decides.
func TestWidgetSettings(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{})
	set := app.Settings
	set.AllowedOrigins = []string{"HTTPS://Shop.Example/", "http://localhost:3000"}
	set.AllowedCountries = []string{"fr", " BE "}
	check(t, f.svc.UpdateSettings(f.ctx, app, set))
	if got := app.Settings.AllowedOrigins; len(got) != 2 || got[0] != "https://shop.example" || got[1] != "http://localhost:3000" {
		t.Errorf("origins stored as %q", got)
	}
	if got := app.Settings.AllowedCountries; len(got) != 2 || got[0] != "FR" || got[1] != "BE" {
		t.Errorf("countries stored as %q", got)
	}
	for _, bad := range []visage.AppSettings{
		{Level: 4, AllowedOrigins: []string{"shop.example"}},
		{Level: 4, AllowedOrigins: []string{"https://shop.example/login"}},
		{Level: 4, AllowedOrigins: []string{"ftp://shop.example"}},
		{Level: 4, AllowedCountries: []string{"FRA"}},
		{Level: 4, AllowedCountries: []string{"1A"}},
	} {
		if err := f.svc.UpdateSettings(f.ctx, app, bad); visage.ErrorCode(err) != visage.CodeInvalidRequest {
			t.Errorf("%+v: %v, want INVALID_REQUEST", bad, err)
		}
	}
}

// A live login of an app that learns adds its template to the face, and
// the face keeps being found; a login not proved live adds nothing. The
// person is LFW's George W. Bush: enrolled with his first photo, logging
// in with the first later one sure enough to teach (level 5) yet not a
// near copy.
func TestLoginsTeachTheFace(t *testing.T) {
	dir := filepath.Join(testface.Datasets(t, "lfw"), "lfw-deepfunneled", "George_W_Bush")
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{LearnTemplates: true})
	photo := func(i int) []byte {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("George_W_Bush_%04d.jpg", i)))
		check(t, err)
		return b
	}
	eng := testface.Engine(t)
	template := func(img []byte) *visage.Template {
		faces, err := eng.Analyze(f.ctx, img, face.Options{Single: true, Background: service.Background, Embed: true})
		check(t, err)
		return faces[0].Template
	}
	enrolled := photo(1)
	e, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{enrolled}})
	check(t, err)
	base := template(enrolled)
	sure, err := eng.Pack().Calibration.Threshold(5)
	check(t, err)
	var probe []byte
	var tpl *visage.Template
	for i := 2; i < 30 && probe == nil; i++ {
		img := photo(i)
		if p := template(img); match.Cosine(base.Vector, p.Vector) > sure+0.02 && match.Cosine(base.Vector, p.Vector) < 0.93 {
			probe, tpl = img, p
		}
	}
	if probe == nil {
		t.Fatal("no later photo of the person teaches: the test proved nothing")
	}
	// Through the API without require_liveness: recognised, not learned.
	_, err = f.svc.Authenticate(f.ctx, app, probe, "")
	check(t, err)
	if got := templates(t, f, app, e.FacialID); got != 1 {
		t.Fatalf("%d templates after a login not proved live", got)
	}
	// As the widget sends it, after its session proved a live person.
	rec, err := f.svc.AuthenticateTemplate(f.ctx, app, tpl, "")
	check(t, err)
	if rec.FacialID != e.FacialID {
		t.Fatalf("recognised %s, enrolled %s", rec.FacialID, e.FacialID)
	}
	if got := templates(t, f, app, e.FacialID); got != 2 {
		t.Fatalf("%d templates after a live login, want 2", got)
	}
	rec, err = f.svc.Authenticate(f.ctx, app, enrolled, "")
	check(t, err)
	if rec.FacialID != e.FacialID {
		t.Fatal("the face is not found after learning")
	}
}

// templates counts a face's stored templates.
func templates(t *testing.T, f *fixture, app *visage.App, facialID string) int {
	t.Helper()
	face, err := f.store.Face(f.ctx, app.ID, facialID)
	check(t, err)
	return len(face.Templates)
}
