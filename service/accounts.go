package service

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// Self-service sign-up: where an API lets anyone register (FaceAuth's
// POST /register), the person gets an account, one app on the free plan
// and a private key for it, without an administrator.

// MaxEmail is the longest email accepted (RFC 5321's path limit).
const MaxEmail = 254

// RegisterRequest is a sign-up.
type RegisterRequest struct {
	Email string
	// Name is the person's or the company's; optional. It also names the
	// app (the email does when it is empty).
	Name string
	// KeyTag is the tag of the key handed out (KeyTag or FaceAuthKeyTag).
	KeyTag string
}

// Registration is a new account, its app and the app's private key, in
// clear this once.
type Registration struct {
	Account *store.Account
	App     *visage.App
	Key     string
}

// Register creates an account with its app (free plan, default settings)
// and a key, all at once: a registration that fails leaves nothing.
// CONFLICT when the email is registered already, whatever its case.
func (s *Service) Register(ctx context.Context, req RegisterRequest) (*Registration, error) {
	email := strings.TrimSpace(req.Email)
	if err := validEmail(email); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.Name)
	if name != "" {
		if err := validText("name", name, MaxName); err != nil {
			return nil, err
		}
	}
	appName := name
	if appName == "" {
		appName = email
	}
	now := s.now().UTC()
	app := &visage.App{ID: newUUID(), PublicID: randomToken(publicTag, 10), Name: appName, Plan: "free",
		Settings: visage.AppSettings{Level: 4}, CreatedAt: now}
	secret, key, err := s.newKey(app.ID, req.KeyTag)
	if err != nil {
		return nil, err
	}
	acc := &store.Account{Email: email, Name: name, CreatedAt: now}
	if err := s.store.CreateAccount(journal(ctx, "account.register", app.ID, key.ID, map[string]any{"prefix": key.Prefix}), acc, app, key); err != nil {
		if visage.ErrorCode(err) == visage.CodeConflict {
			// Random app and key IDs do not collide: the email does.
			return nil, visage.Errorf(visage.CodeConflict, "the email %s is already registered", email)
		}
		return nil, err
	}
	return &Registration{Account: acc, App: app, Key: secret}, nil
}

// validEmail accepts a bare address ("dev@company.com"), not the
// "Name <addr>" forms net/mail also parses.
func validEmail(email string) error {
	if email == "" {
		return visage.Errorf(visage.CodeInvalidRequest, "email is required")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > MaxEmail {
		return visage.Errorf(visage.CodeInvalidRequest, "email must be an address such as dev@company.com, at most %d bytes", MaxEmail)
	}
	return nil
}

// AccountOf returns the account that owns the app; NOT_FOUND for an app
// made by an administrator.
func (s *Service) AccountOf(ctx context.Context, app *visage.App) (*store.Account, error) {
	return s.store.AccountByApp(ctx, app.ID)
}

// AccountUsage is an app's consumption, as a usage page shows it.
type AccountUsage struct {
	Plan string
	// MonthLimit is the plan's calls per month, 0 for unlimited.
	MonthLimit int64
	// MonthCalls are the calls of the current UTC month, which the
	// monthly limit counts.
	MonthCalls int64
	// TotalCalls and Succeeded are since the app was created.
	TotalCalls, Succeeded int64
	// Faces is the number of faces enrolled in the app.
	Faces int
	// Days are the calls per UTC day over the requested last days, oldest
	// first, days without calls left out.
	Days []store.DayUsage
}

// AccountUsage returns the app's usage, with its calls per day over the
// last days (today included).
func (s *Service) AccountUsage(ctx context.Context, app *visage.App, days int) (*AccountUsage, error) {
	now := s.now()
	all, err := s.store.Usage(ctx, app.ID, app.CreatedAt, now)
	if err != nil {
		return nil, err
	}
	p := s.plan(app)
	u := &AccountUsage{Plan: app.Plan, MonthLimit: p.PerMonth}
	if u.MonthCalls, err = s.store.MonthCalls(ctx, app.ID, now); err != nil {
		return nil, err
	}
	if u.Faces, err = s.store.CountFaces(ctx, app.ID); err != nil {
		return nil, err
	}
	first := now.UTC().AddDate(0, 0, 1-max(days, 1))
	from := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	for _, d := range all {
		u.TotalCalls += d.Calls
		u.Succeeded += d.Succeeded
		if !d.Day.Before(from) {
			u.Days = append(u.Days, d)
		}
	}
	return u, nil
}

// CheckHealth reports whether the service can answer: modelsLoaded when
// it has a recogniser with its calibration (face.New has loaded every
// model by the time it returns one), and an error when it cannot, the
// store being unreachable included.
func (s *Service) CheckHealth(ctx context.Context) (modelsLoaded bool, err error) {
	modelsLoaded = s.engine != nil && s.table != nil
	if err := s.store.Ping(ctx); err != nil {
		return modelsLoaded, err
	}
	if !modelsLoaded {
		return false, visage.Errorf(visage.CodeInternal, "no calibrated recogniser is loaded")
	}
	return true, nil
}

// CalibratedDistance maps a cosine onto the distance scale of
// docs/scores.md (0 identical, 0.42 at FMR 1e-6, 0.6 at 1e-3), for APIs
// whose clients reason in distances. -1 without a calibration.
func (s *Service) CalibratedDistance(cos float32) float64 {
	if s.table == nil {
		return -1
	}
	return s.table.Distance(cos)
}

// SetPlan moves an app to another of the configured plans (admin): a
// self-registered account starts on "free".
func (s *Service) SetPlan(ctx context.Context, app *visage.App, plan string) error {
	if _, ok := s.plans[plan]; !ok {
		return visage.Errorf(visage.CodeInvalidRequest, "unknown plan %q", plan)
	}
	prev := app.Plan
	app.Plan = plan
	if err := s.store.UpdateApp(journal(ctx, "app.plan", app.ID, "", map[string]any{"plan": plan, "was": prev}), app); err != nil {
		app.Plan = prev
		return err
	}
	return nil
}

// FaceAuth's match rule. On Visage's calibrated scale (docs/scores.md) a
// distance of 0.42 is the threshold of level 6 (false-match rate 1e-6)
// and a confidence of 85 % that of level 5 (1e-5): the distance decides,
// since a pair that close is at least 90 % alike. The app's own level
// still applies when an administrator set it stricter (7 or 8).
const (
	faceAuthMaxDistance   = 0.42
	faceAuthMinConfidence = 85
)

// FaceAuthMatch applies FaceAuth's rule on top of the app's own decision,
// on the unrounded numbers: its REST verify and match and its script tag
// (the widget) decide alike.
func FaceAuthMatch(appMatch bool, distance, confidence float64) bool {
	return appMatch && distance <= faceAuthMaxDistance && confidence >= faceAuthMinConfidence
}
