package service

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/visagehq/visage"
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

// limiter holds the per-minute token buckets (golang.org/x/time/rate) and
// the month counters of every app, for one budget (the API's or the
// pages'). The month counter starts from the store, so a restart does
// not hand out a fresh month.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	months  map[string]*monthCount
	// what is counted, for messages; monthOf reads a month's count from
	// the store.
	what    string
	monthOf func(ctx context.Context, appID string, month time.Time) (int64, error)
}

func newLimiter(what string, monthOf func(ctx context.Context, appID string, month time.Time) (int64, error)) *limiter {
	return &limiter{buckets: map[string]*rate.Limiter{}, months: map[string]*monthCount{}, what: what, monthOf: monthOf}
}

type monthCount struct {
	month time.Time // first instant of the UTC month counted
	calls int64
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
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

func (s *Service) admit(ctx context.Context, l *limiter, app *visage.App, perMinute int, perMonth int64) (Admission, error) {
	now := s.now()
	l.mu.Lock()
	defer l.mu.Unlock()

	if perMonth > 0 {
		m, err := l.monthLocked(ctx, app.ID, now)
		if err != nil {
			return Admission{}, err
		}
		if m.calls >= perMonth {
			wait := m.month.AddDate(0, 1, 0).Sub(now)
			return Admission{Limit: perMinute, RetryAfter: wait}, visage.Errorf(visage.CodeQuotaExceeded,
				"the %s plan's %d %s this month are used up", app.Plan, perMonth, l.what)
		}
	}
	if perMinute <= 0 {
		return Admission{}, nil
	}
	b := l.buckets[app.ID]
	if b == nil || int(b.Burst()) != perMinute {
		b = rate.NewLimiter(rate.Limit(float64(perMinute)/60), perMinute)
		l.buckets[app.ID] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return Admission{Limit: perMinute, RetryAfter: d}, visage.Errorf(visage.CodeRateLimit,
			"over %d %s per minute; retry in %d s", perMinute, l.what, int(math.Ceil(d.Seconds())))
	}
	return Admission{Limit: perMinute, Remaining: int(b.TokensAt(now))}, nil
}

// monthLocked returns the app's month counter, loading it from the store
// when the app or the month is new. The caller holds l.mu.
func (l *limiter) monthLocked(ctx context.Context, appID string, now time.Time) (*monthCount, error) {
	start := monthStart(now)
	m := l.months[appID]
	if m == nil || !m.month.Equal(start) {
		n, err := l.monthOf(ctx, appID, start)
		if err != nil {
			return nil, err
		}
		m = &monthCount{month: start, calls: n}
		l.months[appID] = m
	}
	return m, nil
}

// counted adds one to the app's month counter, when it is loaded.
func (l *limiter) counted(appID string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := l.months[appID]; m != nil && m.month.Equal(monthStart(now)) {
		m.calls++
	}
}

// Record counts one answered request of the app, for its usage and its
// monthly quota.
func (s *Service) Record(ctx context.Context, app *visage.App, success bool) error {
	now := s.now()
	s.limits.counted(app.ID, now)
	return s.store.CountCall(ctx, app.ID, now, success)
}

// RecordSession counts one widget session of the app and the frames it
// had analysed, for its usage (apart from its API calls) and its page
// budget.
func (s *Service) RecordSession(ctx context.Context, app *visage.App, frames int) error {
	now := s.now()
	s.pages.counted(app.ID, now)
	return s.store.CountSession(ctx, app.ID, now, int64(frames))
}
