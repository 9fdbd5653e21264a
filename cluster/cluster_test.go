package cluster_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/internal/testredis"
)

// Every test runs against both States, standing for replicas
// (testredis.Each).
var t0 = time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC)

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Three replicas, ten goroutines each, spend one budget at one instant:
// exactly the burst passes, whoever asks.
func TestTakeSpendsOneBudgetAcrossReplicas(t *testing.T) {
	testredis.Each(t, 3, func(t *testing.T, replicas []cluster.State) {
		rate := cluster.Rate{Burst: 20, Per: time.Minute}
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for _, r := range replicas {
			for range 10 {
				wg.Go(func() {
					for range 5 {
						v, err := r.Take(context.Background(), "rate:app", rate, t0)
						if err != nil {
							t.Error(err)
							return
						}
						if v.Allowed {
							allowed.Add(1)
						} else if v.RetryAfter != 3*time.Second || v.Remaining != 0 {
							t.Errorf("refused with %+v; want a retry in 3 s", v)
						}
					}
				})
			}
		}
		wg.Wait()
		if n := allowed.Load(); n != 20 {
			t.Fatalf("%d events passed a burst of 20", n)
		}
		// One event comes back every 3 s.
		v, err := replicas[1].Take(context.Background(), "rate:app", rate, t0.Add(3*time.Second))
		check(t, err)
		if !v.Allowed || v.Remaining != 0 {
			t.Fatalf("3 s later: %+v", v)
		}
	})
}

func TestTakeRefillsAndGivesBack(t *testing.T) {
	testredis.Each(t, 2, func(t *testing.T, replicas []cluster.State) {
		ctx, a, b := context.Background(), replicas[0], replicas[1]
		rate := cluster.Rate{Burst: 3, Per: time.Minute}
		take := func(r cluster.State, key string, at time.Duration, want cluster.Verdict) {
			t.Helper()
			v, err := r.Take(ctx, key, rate, t0.Add(at))
			check(t, err)
			if v != want {
				t.Fatalf("%s at %v: %+v, want %+v", key, at, v, want)
			}
		}
		take(a, "rate:x", 0, cluster.Verdict{Allowed: true, Remaining: 2})
		take(b, "rate:x", 0, cluster.Verdict{Allowed: true, Remaining: 1})
		take(a, "rate:x", 0, cluster.Verdict{Allowed: true, Remaining: 0})
		take(b, "rate:x", 5*time.Second, cluster.Verdict{RetryAfter: 15 * time.Second})
		take(a, "rate:x", 20*time.Second, cluster.Verdict{Allowed: true, Remaining: 0})
		// Given back, one event passes again at once.
		check(t, b.GiveBack(ctx, "rate:x", rate, t0.Add(20*time.Second)))
		take(a, "rate:x", 20*time.Second, cluster.Verdict{Allowed: true, Remaining: 0})
		// Another key is another budget.
		take(b, "rate:y", 20*time.Second, cluster.Verdict{Allowed: true, Remaining: 2})
		// A full bucket holds no more than its burst, however long it
		// waited or whatever was given back.
		check(t, a.GiveBack(ctx, "rate:x", rate, t0.Add(time.Hour)))
		check(t, a.GiveBack(ctx, "rate:z", rate, t0))
		take(b, "rate:x", time.Hour, cluster.Verdict{Allowed: true, Remaining: 2})
	})
}

// A month counter is seeded once, from whoever comes first, and counts
// from there; one that does not exist is not counted into being.
func TestCountSeedsOnce(t *testing.T) {
	testredis.Each(t, 3, func(t *testing.T, replicas []cluster.State) {
		ctx := context.Background()
		var seeded atomic.Int32
		counts := make([]int64, len(replicas))
		var wg sync.WaitGroup
		for i, r := range replicas {
			wg.Go(func() {
				n, err := r.Count(ctx, "quota:app", time.Hour, t0, func(context.Context) (int64, error) {
					seeded.Add(1)
					return int64(40 + i), nil
				})
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		if counts[0] != counts[1] || counts[1] != counts[2] || counts[0] < 40 || counts[0] > 42 || seeded.Load() == 0 {
			t.Fatalf("replicas count %v", counts)
		}
		for _, r := range replicas {
			check(t, r.Incr(ctx, "quota:app", t0))
		}
		check(t, replicas[0].Incr(ctx, "quota:absent", t0))
		never := func(context.Context) (int64, error) { t.Fatal("seeded again"); return 0, nil }
		n, err := replicas[2].Count(ctx, "quota:app", time.Hour, t0, never)
		check(t, err)
		if n != counts[0]+3 {
			t.Fatalf("after 3 more: %d, want %d", n, counts[0]+3)
		}
		n, err = replicas[1].Count(ctx, "quota:absent", time.Hour, t0, func(context.Context) (int64, error) { return 7, nil })
		check(t, err)
		if n != 7 {
			t.Fatalf("a counter incremented before it was seeded: %d", n)
		}
	})
}

func TestFirstIsFirstOnlyAcrossReplicas(t *testing.T) {
	testredis.Each(t, 3, func(t *testing.T, replicas []cluster.State) {
		var firsts atomic.Int32
		var wg sync.WaitGroup
		for _, r := range replicas {
			for range 10 {
				wg.Go(func() {
					ok, err := r.First(context.Background(), "replay:sig", time.Minute, t0)
					if err != nil {
						t.Error(err)
					}
					if ok {
						firsts.Add(1)
					}
				})
			}
		}
		wg.Wait()
		if n := firsts.Load(); n != 1 {
			t.Fatalf("%d of 30 were first", n)
		}
		ok, err := replicas[0].First(context.Background(), "replay:other", time.Minute, t0)
		check(t, err)
		if !ok {
			t.Fatal("another key was not first")
		}
	})
}

// What a State remembers for a while is forgotten after it: Memory by the
// callers' clock, Redis by its own.
func TestExpiry(t *testing.T) {
	testredis.Each(t, 2, func(t *testing.T, replicas []cluster.State) {
		ctx, a, b := context.Background(), replicas[0], replicas[1]
		ttl := 200 * time.Millisecond
		_, err := a.First(ctx, "replay:soon", ttl, t0)
		check(t, err)
		_, err = a.Count(ctx, "quota:soon", ttl, t0, func(context.Context) (int64, error) { return 5, nil })
		check(t, err)
		check(t, a.Update(ctx, "value:soon", t0, func([]byte) ([]byte, time.Duration) { return []byte("x"), ttl }))
		time.Sleep(2 * ttl)
		later := t0.Add(2 * ttl)
		if ok, err := b.First(ctx, "replay:soon", ttl, later); err != nil || !ok {
			t.Fatalf("an expired key is still remembered: %v %v", ok, err)
		}
		if n, err := b.Count(ctx, "quota:soon", ttl, later, func(context.Context) (int64, error) { return 9, nil }); err != nil || n != 9 {
			t.Fatalf("an expired counter was not seeded again: %d %v", n, err)
		}
		check(t, b.Update(ctx, "value:soon", later, func(old []byte) ([]byte, time.Duration) {
			if old != nil {
				t.Errorf("an expired value is still there: %q", old)
			}
			return nil, 0
		}))
	})
}

// Concurrent updates from every replica all land: none overwrites
// another's.
func TestUpdateIsAtomicAcrossReplicas(t *testing.T) {
	testredis.Each(t, 3, func(t *testing.T, replicas []cluster.State) {
		var wg sync.WaitGroup
		for _, r := range replicas {
			for range 4 {
				wg.Go(func() {
					for range 5 {
						err := r.Update(context.Background(), "value:n", t0, func(old []byte) ([]byte, time.Duration) {
							n, _ := strconv.Atoi(string(old))
							return []byte(strconv.Itoa(n + 1)), time.Minute
						})
						if err != nil {
							t.Error(err)
						}
					}
				})
			}
		}
		wg.Wait()
		var got string
		check(t, replicas[0].Update(context.Background(), "value:n", t0, func(old []byte) ([]byte, time.Duration) {
			got = string(old)
			return old, time.Minute // unchanged
		}))
		if got != "60" {
			t.Fatalf("60 increments made %s", got)
		}
		check(t, replicas[1].Update(context.Background(), "value:n", t0, func([]byte) ([]byte, time.Duration) { return nil, 0 }))
		check(t, replicas[2].Update(context.Background(), "value:n", t0, func(old []byte) ([]byte, time.Duration) {
			got = string(old)
			return nil, 0
		}))
		if got != "" {
			t.Fatalf("deleted, yet %q", got)
		}
	})
}

// A set's members count until they leave or expire: the sessions of a
// replica that died stop counting at their expiry.
func TestJoinCountsLiveMembersOnly(t *testing.T) {
	testredis.Each(t, 2, func(t *testing.T, replicas []cluster.State) {
		ctx, a, b := context.Background(), replicas[0], replicas[1]
		join := func(r cluster.State, member string, expires, now time.Duration, want bool) {
			t.Helper()
			ok, err := r.Join(ctx, "sessions:app", member, 2, t0.Add(expires), t0.Add(now))
			check(t, err)
			if ok != want {
				t.Fatalf("join %s at %v: %v, want %v", member, now, ok, want)
			}
		}
		join(a, "s1", 15*time.Minute, 0, true)
		join(b, "dead", time.Minute, 0, true) // its replica dies: it never leaves
		join(a, "s2", 15*time.Minute, time.Second, false)
		join(b, "s2", 15*time.Minute, time.Minute+time.Second, true)
		join(a, "s3", 15*time.Minute, 2*time.Minute, false)
		check(t, b.Leave(ctx, "sessions:app", "s1"))
		check(t, a.Leave(ctx, "sessions:app", "never joined"))
		join(a, "s3", 15*time.Minute, 2*time.Minute, true)
		// Other keys are other sets.
		join(a, "s1", 15*time.Minute, 2*time.Minute, false)
		ok, err := a.Join(ctx, "sessions:other", "s1", 1, t0.Add(time.Minute), t0)
		check(t, err)
		if !ok {
			t.Fatal("refused from an empty set")
		}
	})
}
