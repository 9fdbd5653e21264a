package console

import (
	"sync"
	"time"

	"github.com/visagehq/visage/internal/visitor"
)

// throttle bounds the sign-in attempts of each address: a bucket of burst
// attempts, refilled by one every interval. An attempt is taken from the
// bucket before the token is checked, so that attempts sent at once
// cannot outrun it, and given back when the token was right: only wrong
// tokens count. An IPv6 address counts by its /64, which one subscriber
// usually holds whole.
type throttle struct {
	mu       sync.Mutex
	burst    float64
	interval time.Duration
	max      int // addresses tracked at most
	buckets  map[string]*bucket
}

type bucket struct {
	left float64
	at   time.Time
}

func newThrottle(burst int, interval time.Duration, max int) *throttle {
	return &throttle{burst: float64(burst), interval: interval, max: max, buckets: map[string]*bucket{}}
}

// refill brings b up to now.
func (t *throttle) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.left = min(t.burst, b.left+float64(d)/float64(t.interval))
		b.at = now
	}
}

// take claims an attempt for addr at now: ok, or how long until the next
// attempt is allowed. With too many addresses tracked, those whose
// buckets have refilled are forgotten; if none has, every new address
// waits an interval: a flood from many addresses must not grow the map
// without bound.
func (t *throttle) take(addr string, now time.Time) (ok bool, retry time.Duration) {
	key := visitor.Group(addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[key]
	if b == nil {
		if len(t.buckets) >= t.max {
			for k, o := range t.buckets {
				if t.refill(o, now); o.left >= t.burst {
					delete(t.buckets, k)
				}
			}
			if len(t.buckets) >= t.max {
				return false, t.interval
			}
		}
		b = &bucket{left: t.burst, at: now}
		t.buckets[key] = b
	}
	t.refill(b, now)
	if b.left < 1 {
		return false, time.Duration((1 - b.left) * float64(t.interval))
	}
	b.left--
	return true, 0
}

// give returns the attempt taken for addr: the token was right.
func (t *throttle) give(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.buckets[visitor.Group(addr)]; b != nil {
		b.left = min(t.burst, b.left+1)
	}
}
