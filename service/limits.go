package service

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
)

// Plan is what an app may use: requests per minute and per month, and
// apart from them what pages may spend with its public ID, widget
// sessions per minute and per month (0 = unlimited). A flood of widget
// sessions spends the page budget only: the backend's private key keeps
// its own.
type Plan struct {
	PerMinute int
	PerMonth  int64
	// SessionsPerMinute and SessionsPerMonth: widget sessions opened.
	SessionsPerMinute int
	SessionsPerMonth  int64
}

// DefaultPlans are the plans' limits unless the server is configured
// otherwise.
var DefaultPlans = map[string]Plan{
	"free":       {PerMinute: 100, PerMonth: 1_000, SessionsPerMinute: 30, SessionsPerMonth: 3_000},
	"pro":        {PerMinute: 1_000, PerMonth: 10_000, SessionsPerMinute: 300, SessionsPerMonth: 30_000},
	"enterprise": {PerMinute: 10_000, SessionsPerMinute: 3_000},
}

// Admission is an app's standing after a request was admitted or refused:
// the minute limit, what is left of it, and when it is whole again.
type Admission struct {
	Limit     int
	Remaining int
	// RetryAfter is how long to wait before the next request can pass
	// (0 when it can pass now).
	RetryAfter time.Duration
}

// limiter is one budget of every app (the API's or the pages'): a
// per-minute rate and a month counter, in the state the replicas share,
// so that N replicas hand out one plan's worth and not N. The month
// counter starts from the store (monthOf) when the state has none, so a
// restart or a new replica does not hand out a fresh month.
type limiter struct {
	shared cluster.State
	// name is the budget's in the shared state's keys; what is counted,
	// for messages; monthOf reads a month's count from the store.
	name    string
	what    string
	monthOf func(ctx context.Context, appID string, month time.Time) (int64, error)
}

func newLimiter(shared cluster.State, name, what string, monthOf func(ctx context.Context, appID string, month time.Time) (int64, error)) *limiter {
	return &limiter{shared: cluster.OrMemory(shared), name: name, what: what, monthOf: monthOf}
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// monthKey names an app's counter of one month. It outlives the month by
// a day, for replicas whose clocks are still in it.
func (l *limiter) monthKey(appID string, now time.Time) (key string, ttl time.Duration) {
	start := monthStart(now)
	return "quota:" + l.name + ":" + appID + ":" + start.Format("2006-01"), start.AddDate(0, 1, 1).Sub(now)
}

func (s *Service) plan(app *visage.App) Plan {
	if p, ok := s.plans[app.Plan]; ok {
		return p
	}
	return s.plans["free"]
}

// Admit decides whether app may make one more API request now. Refusals
// carry RATE_LIMIT (per minute) or QUOTA_EXCEEDED (per month).
func (s *Service) Admit(ctx context.Context, app *visage.App) (Admission, error) {
	p := s.plan(app)
	return s.admit(ctx, s.limits, app, p.PerMinute, p.PerMonth)
}

// AdmitSession decides whether a page may open one more widget session
// with app's public ID now, from the plan's page budget, which the API's
// requests do not share. Refusals carry RATE_LIMIT or QUOTA_EXCEEDED.
func (s *Service) AdmitSession(ctx context.Context, app *visage.App) (Admission, error) {
	p := s.plan(app)
	return s.admit(ctx, s.pages, app, p.SessionsPerMinute, p.SessionsPerMonth)
}

// admit checks the month before the minute, so that a request refused
// for its month does not spend the minute's budget. A budget that cannot
// be checked (the shared state does not answer) refuses: UNAVAILABLE.
func (s *Service) admit(ctx context.Context, l *limiter, app *visage.App, perMinute int, perMonth int64) (Admission, error) {
	now := s.now()
	if perMonth > 0 {
		key, ttl := l.monthKey(app.ID, now)
		start := monthStart(now)
		n, err := l.shared.Count(ctx, key, ttl, now, func(ctx context.Context) (int64, error) { return l.monthOf(ctx, app.ID, start) })
		if err != nil {
			return Admission{}, err
		}
		if n >= perMonth {
			wait := start.AddDate(0, 1, 0).Sub(now)
			return Admission{Limit: perMinute, RetryAfter: wait}, visage.Errorf(visage.CodeQuotaExceeded,
				"the %s plan's %d %s this month are used up", app.Plan, perMonth, l.what)
		}
	}
	if perMinute <= 0 {
		return Admission{}, nil
	}
	v, err := l.shared.Take(ctx, "rate:"+l.name+":"+app.ID, cluster.Rate{Burst: perMinute, Per: time.Minute}, now)
	if err != nil {
		return Admission{}, err
	}
	if !v.Allowed {
		return Admission{Limit: perMinute, RetryAfter: v.RetryAfter}, visage.Errorf(visage.CodeRateLimit,
			"over %d %s per minute; retry in %d s", perMinute, l.what, int(math.Ceil(v.RetryAfter.Seconds())))
	}
	return Admission{Limit: perMinute, Remaining: v.Remaining}, nil
}

// counted adds one to the app's month counter, when there is one: a
// counter not yet seeded will read the store, which counts this one.
func (l *limiter) counted(ctx context.Context, appID string, now time.Time) error {
	key, _ := l.monthKey(appID, now)
	return l.shared.Incr(ctx, key, now)
}

// Record counts one answered request of the app, for its usage and its
// monthly quota, by endpoint (a route's name, never a path with IDs in
// it) and by outcome (err's code). The store counts it even when the
// shared state does not answer: usage is the store's.
func (s *Service) Record(ctx context.Context, app *visage.App, endpoint string, err error) error {
	now := s.now()
	shared := s.limits.counted(ctx, app.ID, now)
	var code string
	if err != nil {
		code = string(visage.ErrorCode(err))
	}
	return errors.Join(s.store.CountCall(ctx, app.ID, now, err == nil), s.store.CountOutcome(ctx, app.ID, now, endpoint, code), shared)
}

// RecordSession counts one widget session of the app and the frames it
// had analysed, for its usage (apart from its API calls) and its page
// budget.
func (s *Service) RecordSession(ctx context.Context, app *visage.App, frames int) error {
	now := s.now()
	err := s.pages.counted(ctx, app.ID, now)
	return errors.Join(s.store.CountSession(ctx, app.ID, now, int64(frames)), err)
}
