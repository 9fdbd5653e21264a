package service_test

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

func TestRegister(t *testing.T) {
	f := newFixture(t)
	reg, err := f.svc.Register(f.ctx, service.RegisterRequest{Email: " Dev@Company.com ", Name: "John Doe", KeyTag: service.FaceAuthKeyTag})
	check(t, err)
	if !strings.HasPrefix(reg.Key, "fa_") || reg.Account.ID != 1 || reg.Account.Email != "Dev@Company.com" || reg.Account.Name != "John Doe" ||
		reg.App.Plan != "free" || reg.App.Name != "John Doe" || reg.App.Settings.Level != 4 {
		t.Fatalf("registration: %+v %+v %+v", reg.Account, reg.App, reg.Key[:3])
	}
	app, err := f.svc.AppForKey(f.ctx, reg.Key)
	check(t, err)
	if app.ID != reg.App.ID {
		t.Fatalf("the key opens app %s, want %s", app.ID, reg.App.ID)
	}
	acc, err := f.svc.AccountOf(f.ctx, app)
	check(t, err)
	if *acc != *reg.Account {
		t.Fatalf("AccountOf: %+v, want %+v", acc, reg.Account)
	}

	// The same email in another case is taken.
	_, err = f.svc.Register(f.ctx, service.RegisterRequest{Email: "dev@company.COM", KeyTag: service.FaceAuthKeyTag})
	wantCode(t, err, visage.CodeConflict)

	// Without a name, the email names the app.
	other, err := f.svc.Register(f.ctx, service.RegisterRequest{Email: "solo@company.com", KeyTag: service.KeyTag})
	check(t, err)
	if other.App.Name != "solo@company.com" || other.Account.ID != 2 || !strings.HasPrefix(other.Key, "vsk_") {
		t.Fatalf("second registration: %+v %+v", other.Account, other.App)
	}

	for _, bad := range []service.RegisterRequest{
		{Email: "", KeyTag: service.FaceAuthKeyTag},
		{Email: "not an email", KeyTag: service.FaceAuthKeyTag},
		{Email: "John <john@company.com>", KeyTag: service.FaceAuthKeyTag},
		{Email: strings.Repeat("a", 250) + "@b.co", KeyTag: service.FaceAuthKeyTag},
		{Email: "ok@company.com", Name: strings.Repeat("n", 201), KeyTag: service.FaceAuthKeyTag},
		{Email: "ok@company.com", KeyTag: "xx_"},
	} {
		_, err := f.svc.Register(f.ctx, bad)
		wantCode(t, err, visage.CodeInvalidRequest)
	}
	apps, err := f.svc.Apps(f.ctx)
	check(t, err)
	if len(apps) != 2 {
		t.Fatalf("%d apps after two registrations and refused ones", len(apps))
	}

	// Deleting the app deletes the account and frees the email.
	check(t, f.svc.DeleteApp(f.ctx, reg.App.ID))
	_, err = f.svc.AccountOf(f.ctx, reg.App)
	wantCode(t, err, visage.CodeNotFound)
	_, err = f.svc.AppForKey(f.ctx, reg.Key)
	wantCode(t, err, visage.CodeUnauthorized)
	_, err = f.svc.Register(f.ctx, service.RegisterRequest{Email: "dev@company.com", KeyTag: service.FaceAuthKeyTag})
	check(t, err)
}

// Keys of either tag open their app; nothing else that looks like a
// secret of Visage does.
func TestKeyTags(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{})
	native, _, err := f.svc.CreateKey(f.ctx, app.ID)
	check(t, err)
	fa, k, err := f.svc.CreateKeyTagged(f.ctx, app.ID, service.FaceAuthKeyTag)
	check(t, err)
	if !strings.HasPrefix(native, "vsk_") || !strings.HasPrefix(fa, "fa_") || k.Prefix != fa[:12] {
		t.Fatalf("keys %s… and %s… (prefix %s)", native[:4], fa[:3], k.Prefix)
	}
	for _, key := range []string{native, fa} {
		got, err := f.svc.AppForKey(f.ctx, key)
		check(t, err)
		if got.ID != app.ID {
			t.Fatalf("%s… opens app %s", key[:4], got.ID)
		}
	}
	admin, err := f.svc.CreateAdminToken(f.ctx)
	check(t, err)
	for _, key := range []string{app.PublicID, admin, "xx_" + fa[3:], fa[:len(fa)-1], fa + "x", "fa_", ""} {
		_, err := f.svc.AppForKey(f.ctx, key)
		wantCode(t, err, visage.CodeUnauthorized)
	}
	_, _, err = f.svc.CreateKeyTagged(f.ctx, app.ID, "vsa_")
	wantCode(t, err, visage.CodeInvalidRequest)
	_, _, err = f.svc.CreateKeyTagged(f.ctx, "no-such-app", service.FaceAuthKeyTag)
	wantCode(t, err, visage.CodeNotFound)

	check(t, f.svc.RevokeKey(f.ctx, app.ID, k.ID))
	_, err = f.svc.AppForKey(f.ctx, fa)
	wantCode(t, err, visage.CodeUnauthorized)
}

func TestAccountUsage(t *testing.T) {
	f := newFixture(t)
	// Registered 40 days ago, with a call then (outside the daily list,
	// inside the total), and calls today.
	f.clock.Add(-40 * 24 * time.Hour)
	reg, err := f.svc.Register(f.ctx, service.RegisterRequest{Email: "dev@company.com", KeyTag: service.FaceAuthKeyTag})
	check(t, err)
	app := reg.App
	check(t, f.svc.Record(f.ctx, app, "POST /v1/enroll", nil))
	f.clock.Add(40 * 24 * time.Hour)
	_, err = f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{testface.Person(t, 6, 0, 0)}, ExternalID: "alice"})
	check(t, err)
	for _, err := range []error{nil, nil, visage.Errorf(visage.CodeNoFace, "no face")} {
		check(t, f.svc.Record(f.ctx, app, "POST /v1/authenticate", err))
	}
	u, err := f.svc.AccountUsage(f.ctx, app, 30)
	check(t, err)
	today := f.clock.Now().UTC().Format(time.DateOnly)
	if u.Plan != "free" || u.MonthLimit != 1000 || u.MonthCalls != 3 || u.TotalCalls != 4 || u.Succeeded != 3 || u.Faces != 1 ||
		len(u.Days) != 1 || u.Days[0].Day.Format(time.DateOnly) != today || u.Days[0].Calls != 3 {
		t.Fatalf("usage: %+v", u)
	}
	// Enterprise has no monthly limit.
	wantCode(t, f.svc.SetPlan(f.ctx, app, "platinum"), visage.CodeInvalidRequest)
	check(t, f.svc.SetPlan(f.ctx, app, "enterprise"))
	app, err = f.svc.AppForKey(f.ctx, reg.Key)
	check(t, err)
	u, err = f.svc.AccountUsage(f.ctx, app, 30)
	check(t, err)
	if u.Plan != "enterprise" || u.MonthLimit != 0 {
		t.Fatalf("enterprise usage %+v, want no month limit", u)
	}
}

func TestCheckHealthAndDistance(t *testing.T) {
	e := testface.Engine(t)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{7}, 32))
	check(t, err)
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: e, Table: e.Pack().Calibration})
	if loaded, err := svc.CheckHealth(t.Context()); !loaded || err != nil {
		t.Fatalf("healthy service: %v, %v", loaded, err)
	}
	// FaceAuth's 0.42 lands on level 6 by construction of the scale.
	cos, err := e.Pack().Calibration.Threshold(6)
	check(t, err)
	if d := svc.CalibratedDistance(cos); math.Abs(d-0.42) > 1e-9 {
		t.Fatalf("distance at level 6 = %v, want 0.42", d)
	}
	check(t, st.Close())
	if _, err := svc.CheckHealth(t.Context()); err == nil {
		t.Fatal("healthy with its store closed")
	}

	bare := service.New(service.Config{Store: st, Gallery: index.New()})
	if loaded, _ := bare.CheckHealth(t.Context()); loaded {
		t.Fatal("models loaded without an engine")
	}
	if d := bare.CalibratedDistance(0.9); d != -1 {
		t.Fatalf("distance without a calibration = %v", d)
	}
}
