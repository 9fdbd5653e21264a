package service

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/visagehq/visage"
)

// Plan is what an app may use: requests per minute and per month
// (0 = unlimited).
type Plan struct {
	PerMinute int
	PerMonth  int64
}

// DefaultPlans are the plans' limits unless the server is configured
// otherwise.
var DefaultPlans = map[string]Plan{
	"free":       {PerMinute: 100, PerMonth: 1_000},
	"pro":        {PerMinute: 1_000, PerMonth: 10_000},
	"enterprise": {PerMinute: 10_000},
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
// the month counters of every app. The month counter starts from the
// store, so a restart does not hand out a fresh month.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	months  map[string]*monthCount
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

// Admit decides whether app may make one more request now. Refusals carry
// RATE_LIMIT (per minute) or QUOTA_EXCEEDED (per month).
func (s *Service) Admit(ctx context.Context, app *visage.App) (Admission, error) {
	p := s.plan(app)
	now := s.now()
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()

	if p.PerMonth > 0 {
		m, err := s.monthLocked(ctx, app.ID, now)
		if err != nil {
			return Admission{}, err
		}
		if m.calls >= p.PerMonth {
			wait := m.month.AddDate(0, 1, 0).Sub(now)
			return Admission{Limit: p.PerMinute, RetryAfter: wait}, visage.Errorf(visage.CodeQuotaExceeded,
				"the %s plan's %d requests this month are used up", app.Plan, p.PerMonth)
		}
	}
	if p.PerMinute <= 0 {
		return Admission{}, nil
	}
	b := s.limits.buckets[app.ID]
	if b == nil || int(b.Burst()) != p.PerMinute {
		b = rate.NewLimiter(rate.Limit(float64(p.PerMinute)/60), p.PerMinute)
		s.limits.buckets[app.ID] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return Admission{Limit: p.PerMinute, RetryAfter: d}, visage.Errorf(visage.CodeRateLimit,
			"over %d requests per minute; retry in %d s", p.PerMinute, int(math.Ceil(d.Seconds())))
	}
	return Admission{Limit: p.PerMinute, Remaining: int(b.TokensAt(now))}, nil
}

// monthLocked returns the app's month counter, loading it from the store
// when the app or the month is new. The caller holds s.limits.mu.
func (s *Service) monthLocked(ctx context.Context, appID string, now time.Time) (*monthCount, error) {
	start := monthStart(now)
	m := s.limits.months[appID]
	if m == nil || !m.month.Equal(start) {
		n, err := s.store.MonthCalls(ctx, appID, start)
		if err != nil {
			return nil, err
		}
		m = &monthCount{month: start, calls: n}
		s.limits.months[appID] = m
	}
	return m, nil
}

// Record counts one answered request of the app, for its usage and its
// monthly quota.
func (s *Service) Record(ctx context.Context, app *visage.App, success bool) error {
	now := s.now()
	s.limits.mu.Lock()
	if m := s.limits.months[app.ID]; m != nil && m.month.Equal(monthStart(now)) {
		m.calls++
	}
	s.limits.mu.Unlock()
	return s.store.CountCall(ctx, app.ID, now, success)
}
