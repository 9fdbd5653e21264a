// Package testredis gives tests the Redis they share: clients standing
// for the replicas of one deployment, under a key prefix of their own so
// that tests run in parallel, and nothing left behind. A test skips with
// a message when no Redis answers, rather than failing a machine without
// one.
package testredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/visagehq/visage/cluster"
)

// URL is the test Redis: $VISAGE_REDIS, else the local default.
func URL() string {
	if u := os.Getenv("VISAGE_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379"
}

// Each runs test against both States, as subtests run in parallel: n
// handles on one Memory, and n Redis clients under one fresh key prefix,
// standing for n replicas of one deployment.
func Each(t *testing.T, n int, test func(t *testing.T, replicas []cluster.State)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		test(t, slices.Repeat([]cluster.State{cluster.NewMemory()}, n))
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		var states []cluster.State
		for _, r := range Replicas(t, n) {
			states = append(states, r)
		}
		test(t, states)
	})
}

// Replicas returns n clients of the test Redis that share a fresh key
// prefix, as n replicas of one deployment share theirs. When the test
// ends, the clients are closed and every key under the prefix deleted;
// a key that would have lived for ever fails the test: what replicas
// share must not outlive a replica that died.
func Replicas(t testing.TB, n int) []*cluster.Redis {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	prefix := "visage-test:" + hex.EncodeToString(b[:]) + ":"
	ctx := context.Background()
	rs := make([]*cluster.Redis, n)
	for i := range rs {
		r, err := cluster.Dial(ctx, URL(), prefix)
		if err != nil {
			t.Skipf("no Redis for this test (set VISAGE_REDIS): %v", err)
		}
		t.Cleanup(func() { r.Close() })
		rs[i] = r
	}
	t.Cleanup(func() { clean(t, prefix) })
	return rs
}

// clean checks that every key under prefix expires, and deletes them.
func clean(t testing.TB, prefix string) {
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Error(err)
		return
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for it.Next(ctx) {
		if ttl, err := c.PTTL(ctx, it.Val()).Result(); err == nil && ttl == -1 {
			t.Errorf("key %s does not expire", it.Val())
		}
		c.Del(ctx, it.Val())
	}
	if err := it.Err(); err != nil {
		t.Errorf("keys under %s not deleted: %v", prefix, err)
	}
}
