package cluster

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// Memory is the State of a single replica, in process memory: today's
// behaviour of one server. What expired is swept once a minute of the
// callers' clock, so that keys strangers choose (addresses, emails) do
// not pile up.
type Memory struct {
	mu      sync.Mutex
	buckets map[string]time.Time // key → theoretical arrival time (GCRA)
	counts  map[string]expiring[int64]
	values  map[string]expiring[[]byte]
	sets    map[string]map[string]time.Time // key → member → expiry
	swept   time.Time
}

type expiring[T any] struct {
	v     T
	until time.Time
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{buckets: map[string]time.Time{}, counts: map[string]expiring[int64]{},
		values: map[string]expiring[[]byte]{}, sets: map[string]map[string]time.Time{}}
}

// sweepLocked drops what expired, at most once a minute. The caller
// holds m.mu.
func (m *Memory) sweepLocked(now time.Time) {
	if now.Sub(m.swept) < time.Minute {
		return
	}
	m.swept = now
	for k, tat := range m.buckets {
		if !tat.After(now) {
			delete(m.buckets, k)
		}
	}
	sweep(m.counts, now)
	sweep(m.values, now)
	for k, set := range m.sets {
		prune(set, now)
		if len(set) == 0 {
			delete(m.sets, k)
		}
	}
}

func sweep[T any](m map[string]expiring[T], now time.Time) {
	for k, e := range m {
		if !e.until.After(now) {
			delete(m, k)
		}
	}
}

func prune(set map[string]time.Time, now time.Time) {
	for member, until := range set {
		if !until.After(now) {
			delete(set, member)
		}
	}
}

// Take is GCRA: the bucket is its theoretical arrival time (tat), the
// moment it would be full again; an event moves it on by one interval,
// and passes unless that puts it more than a burst ahead of now.
func (m *Memory) Take(_ context.Context, key string, rate Rate, now time.Time) (Verdict, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	t, burst := rate.interval(), time.Duration(rate.Burst)*rate.interval()
	tat := m.buckets[key]
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(t)
	if allowAt := next.Add(-burst); allowAt.After(now) {
		return Verdict{Remaining: max(0, int((burst-tat.Sub(now))/t)), RetryAfter: allowAt.Sub(now)}, nil
	}
	m.buckets[key] = next
	return Verdict{Allowed: true, Remaining: int((burst - next.Sub(now)) / t)}, nil
}

// GiveBack moves the bucket's tat back by one interval, never before now.
func (m *Memory) GiveBack(_ context.Context, key string, rate Rate, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tat, ok := m.buckets[key]
	if !ok {
		return nil
	}
	if tat = tat.Add(-rate.interval()); tat.After(now) {
		m.buckets[key] = tat
	} else {
		delete(m.buckets, key)
	}
	return nil
}

// Count seeds outside the lock: seed reads the store, and the other keys
// need not wait for it.
func (m *Memory) Count(ctx context.Context, key string, ttl time.Duration, now time.Time, seed func(context.Context) (int64, error)) (int64, error) {
	if n, ok := m.count(key, now); ok {
		return n, nil
	}
	n, err := seed(ctx)
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	if e, ok := m.counts[key]; ok && e.until.After(now) {
		return e.v, nil // another caller seeded it first
	}
	m.counts[key] = expiring[int64]{n, now.Add(ttl)}
	return n, nil
}

func (m *Memory) count(key string, now time.Time) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.counts[key]
	return e.v, ok && e.until.After(now)
}

func (m *Memory) Incr(_ context.Context, key string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.counts[key]; ok && e.until.After(now) {
		e.v++
		m.counts[key] = e
	}
	return nil
}

func (m *Memory) First(_ context.Context, key string, ttl time.Duration, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	if e, ok := m.values[key]; ok && e.until.After(now) {
		return false, nil
	}
	m.values[key] = expiring[[]byte]{nil, now.Add(ttl)}
	return true, nil
}

// Update runs f under the lock: f only computes, so it is quick.
func (m *Memory) Update(_ context.Context, key string, now time.Time, f func(old []byte) ([]byte, time.Duration)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	var old []byte
	if e, ok := m.values[key]; ok && e.until.After(now) {
		old = e.v
	}
	v, ttl := f(old)
	switch {
	case v == nil || ttl <= 0:
		delete(m.values, key)
	case !bytes.Equal(v, old):
		m.values[key] = expiring[[]byte]{bytes.Clone(v), now.Add(ttl)}
	}
	return nil
}

func (m *Memory) Join(_ context.Context, key, member string, limit int, expires, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	set := m.sets[key]
	if set == nil {
		set = map[string]time.Time{}
		m.sets[key] = set
	}
	prune(set, now)
	if len(set) >= limit {
		return false, nil
	}
	set[member] = expires
	return true, nil
}

func (m *Memory) Leave(_ context.Context, key, member string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if set := m.sets[key]; set != nil {
		delete(set, member)
		if len(set) == 0 {
			delete(m.sets, key)
		}
	}
	return nil
}
