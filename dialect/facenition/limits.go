package facenition

import (
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// new-credentials sends an email and an SMS to addresses its caller
// chooses: left open, anyone could bomb a mailbox, or pump SMS to numbers
// that pay the sender per message at the operator's expense. So it is a
// sign-up, closed unless the operator opens it (to everyone, or to some
// email domains), and what it sends is bounded per client address, per
// destination and overall.

// Defaults of Config's sending limits.
const (
	DefaultCodesPerClient      = 5  // an hour, per client address
	DefaultCodesPerDestination = 3  // a day, per email and per phone
	DefaultCodesPerHour        = 60 // an hour, the whole server
)

// signupAllowed says whether the server takes this email's sign-up.
func (c *Config) signupAllowed(email string) bool {
	if c.OpenSignup {
		return true
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	return slices.ContainsFunc(c.SignupDomains, func(d string) bool { return strings.EqualFold(d, domain) })
}

// sendLimits are the budgets new-credentials spends from.
type sendLimits struct {
	client, destination *keyed
	overall             *rate.Limiter
}

func newSendLimits(c *Config) *sendLimits {
	return &sendLimits{
		client:      newKeyed(c.CodesPerClient, time.Hour),
		destination: newKeyed(c.CodesPerDestination, 24*time.Hour),
		overall:     rate.NewLimiter(rate.Every(time.Hour/time.Duration(c.CodesPerHour)), c.CodesPerHour),
	}
}

// take spends one sending from every budget the request touches, or from
// none: it returns how long to wait when one is spent.
func (l *sendLimits) take(r *http.Request, p pair, now time.Time) (time.Duration, *sendTicket) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	t := &sendTicket{now: now}
	for _, res := range []*rate.Reservation{
		l.client.reserve(host, now),
		l.destination.reserve("email "+p.email, now),
		l.destination.reserve("phone "+p.phone, now),
		l.overall.ReserveN(now, 1),
	} {
		t.held = append(t.held, res)
		if d := res.DelayFrom(now); d > 0 || !res.OK() {
			t.cancel()
			return max(d, time.Second), nil
		}
	}
	return 0, t
}

// sendTicket is what one request took; cancel gives it back when nothing
// was sent after all.
type sendTicket struct {
	now  time.Time
	held []*rate.Reservation
}

func (t *sendTicket) cancel() {
	for _, r := range t.held {
		r.CancelAt(t.now)
	}
}

// keyed is a token bucket per key (n in every period, in a burst at
// most). Keys come from strangers, so the map is pruned of buckets that
// have refilled: those hold nothing a new bucket would not.
type keyed struct {
	mu      sync.Mutex
	n       int
	every   rate.Limit
	full    time.Duration // how long an empty bucket takes to refill
	buckets map[string]*bucket
	pruned  time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newKeyed(n int, period time.Duration) *keyed {
	return &keyed{n: n, every: rate.Every(period / time.Duration(n)), full: period, buckets: map[string]*bucket{}}
}

func (k *keyed) reserve(key string, now time.Time) *rate.Reservation {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.pruned) > time.Minute {
		for key, b := range k.buckets {
			if now.Sub(b.used) > k.full {
				delete(k.buckets, key)
			}
		}
		k.pruned = now
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.every, k.n)}
		k.buckets[key] = b
	}
	b.used = now
	return b.lim.ReserveN(now, 1)
}
