// Package cluster holds what the replicas of one deployment share: rate
// budgets, month counters, the memory of what was seen once, small
// records that change atomically, and sets whose members expire. With one
// replica it all lives in process memory (Memory); with several, in Redis
// (Redis), so that a limit holds across replicas instead of once per
// replica.
//
// Time is always the caller's (a now argument), so that tests with fake
// clocks keep working; replicas' clocks are NTP-close and the budgets are
// counted in minutes. Keys are chosen by the callers, one family each
// (docs/scale.md lists them); they must hold nothing biometric or secret.
//
// Every error of the shared state carries visage.CodeUnavailable, which
// every API answers 503 with Retry-After: a limit that cannot be checked
// refuses rather than lets an attacker through, and nothing waits longer
// than Timeout for it.
package cluster

import (
	"context"
	"time"

	"github.com/visagehq/visage"
)

// State is what the replicas share. Its methods are safe for concurrent
// use.
type State interface {
	// Take spends one event from the budget at key (a GCRA rate limit:
	// a token bucket holding rate.Burst, refilled evenly over rate.Per).
	Take(ctx context.Context, key string, rate Rate, now time.Time) (Verdict, error)
	// GiveBack returns one event taken from the budget at key, when what
	// it paid for did not happen after all.
	GiveBack(ctx context.Context, key string, rate Rate, now time.Time) error

	// Count returns the counter at key. A counter that does not exist is
	// set from seed, unless another caller set it first, and lives ttl:
	// seeding only what is absent means a restart or a new replica never
	// starts a count afresh.
	Count(ctx context.Context, key string, ttl time.Duration, now time.Time, seed func(context.Context) (int64, error)) (int64, error)
	// Incr adds one to the counter at key if it exists; one that does
	// not will be seeded with the truth when next counted.
	Incr(ctx context.Context, key string, now time.Time) error

	// First records key for ttl and says whether it was not recorded
	// already.
	First(ctx context.Context, key string, ttl time.Duration, now time.Time) (bool, error)

	// Update changes the value at key atomically: f gets the value (nil
	// when there is none) and returns the new one and how long it lives.
	// A nil value or a ttl ≤ 0 deletes the key; a value equal to the old
	// one leaves it as it is. f may run more than once (when another
	// caller changed the key meanwhile), so it must only compute: the
	// last run's results are the ones that count.
	Update(ctx context.Context, key string, now time.Time, f func(old []byte) (value []byte, ttl time.Duration)) error

	// Join adds member to the set at key until expires, unless the set
	// already holds limit members that have not expired by now; it says
	// whether member joined. Members of a replica that died expire, so
	// its sessions are not counted for ever.
	Join(ctx context.Context, key, member string, limit int, expires, now time.Time) (bool, error)
	// Leave takes member out of the set at key.
	Leave(ctx context.Context, key, member string) error
}

// Rate is a budget: Burst events at once (at least 1), given back
// evenly over Per.
type Rate struct {
	Burst int
	Per   time.Duration
}

// interval is the time one event's worth takes to come back.
func (r Rate) interval() time.Duration { return r.Per / time.Duration(r.Burst) }

// Verdict is a budget's answer to Take.
type Verdict struct {
	Allowed bool
	// Remaining is what is left now, after this event if it was allowed.
	Remaining int
	// RetryAfter is how long until one event can pass (0 when allowed).
	RetryAfter time.Duration
}

// Timeout bounds one call to a Redis State, retries included: beyond it
// the call fails UNAVAILABLE rather than keep a request waiting.
const Timeout = 2 * time.Second

// unavailable is the error of a shared state that does not answer.
func unavailable(err error) error {
	return visage.Wrap(visage.CodeUnavailable, err, "a server this one depends on does not answer; try again shortly")
}

// OrMemory is s, or a new Memory when s is nil: the default of every
// Config that takes a State.
func OrMemory(s State) State {
	if s == nil {
		return NewMemory()
	}
	return s
}
