package console

import (
	"sync"
	"time"

	"github.com/visagehq/visage/internal/visitor"
)

// refusals decides which refused sign-ins the audit log records: one per
// address (an IPv6 /64) per interval, with how many of that address's
// refusals since its last entry were not, and max entries per interval
// in all. A stranger guessing tokens, from one address or from many,
// writes a bounded number of entries, however fast they guess; each one
// still gets a line in the server's log.
type refusals struct {
	mu       sync.Mutex
	interval time.Duration
	max      int
	last     map[string]*refused // by address group
}

type refused struct {
	at      time.Time // of its last entry
	skipped int       // refusals since, not recorded
}

func newRefusals(interval time.Duration, max int) *refusals {
	return &refusals{interval: interval, max: max, last: map[string]*refused{}}
}

// note counts a refusal from addr at now and says whether to record it,
// and how many of addr's refusals before it went unrecorded.
func (r *refusals) note(addr string, now time.Time) (record bool, unrecorded int) {
	key := visitor.Group(addr)
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.last[key]; e != nil {
		if now.Sub(e.at) < r.interval {
			e.skipped++
			return false, 0
		}
		unrecorded = e.skipped
		delete(r.last, key)
	}
	if len(r.last) >= r.max {
		for k, e := range r.last {
			if now.Sub(e.at) >= r.interval {
				delete(r.last, k)
			}
		}
		if len(r.last) >= r.max {
			return false, 0
		}
	}
	r.last[key] = &refused{at: now}
	return true, unrecorded
}
