package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the State of several replicas, in one Redis server. Each
// change is atomic on the server: the budgets, counters and sets are Lua
// scripts, Update an optimistic transaction.
type Redis struct {
	c      *redis.Client
	prefix string
}

// Dial connects to the Redis of rawURL (redis://[user:password@]host:port/db,
// or rediss:// for TLS; see redis.ParseURL) and checks that it answers.
// Every key starts with prefix (e.g. "visage:"), so that deployments may
// share a server. Timeouts the URL does not set are short (1 s to dial,
// read or write): a Redis that stops answering fails requests with
// UNAVAILABLE at once rather than holding them.
func Dial(ctx context.Context, rawURL, prefix string) (*Redis, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, password and all
		}
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	for _, d := range []*time.Duration{&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout} {
		if *d == 0 {
			*d = time.Second
		}
	}
	// A call is sent once: a retried script whose answer was lost would
	// spend a budget twice. The client sends its request again after
	// Retry-After instead.
	if opt.MaxRetries == 0 {
		opt.MaxRetries = -1
	}
	opt.DialerRetries = 1
	opt.ContextTimeoutEnabled = true
	quiet.Do(func() { redis.SetLogger(debugLog{}) })
	r := &Redis{c: redis.NewClient(opt), prefix: prefix}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if err := r.c.Ping(ctx).Err(); err != nil {
		r.c.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", opt.Addr, err)
	}
	return r, nil
}

// quiet sends go-redis's own lines (a failed dial, a bad connection) to
// the structured log at debug level instead of raw to stderr: an outage
// shows in the requests answered UNAVAILABLE, each logged by its caller.
var quiet sync.Once

type debugLog struct{}

func (debugLog) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// Close closes the connections.
func (r *Redis) Close() error { return r.c.Close() }

// Times go to Redis as integers: microseconds for budgets (an interval
// of 10,000 events a minute is 6 ms), milliseconds for expiries, at
// least one. Lua's numbers are doubles, exact to 2^53: Unix microseconds
// fit.
func millis(d time.Duration) int64 { return max(1, d.Milliseconds()) }

// gcra is Take: the key holds the bucket's theoretical arrival time (tat),
// the moment it would be full again. See Memory.Take.
var gcra = redis.NewScript(`
local now, t, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = math.max(tonumber(redis.call('GET', KEYS[1])) or 0, now)
local nxt = tat + t
if nxt - burst > now then
  return {0, math.floor((burst - (tat - now)) / t), nxt - burst - now}
end
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', string.format('%d', math.ceil((nxt - now) / 1000)))
return {1, math.floor((burst - (nxt - now)) / t), 0}
`)

func (r *Redis) Take(ctx context.Context, key string, rate Rate, now time.Time) (Verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	t := max(1, rate.interval().Microseconds())
	res, err := gcra.Run(ctx, r.c, []string{r.prefix + key}, now.UnixMicro(), t, int64(rate.Burst)*t).Int64Slice()
	if err != nil {
		return Verdict{}, unavailable(err)
	}
	return Verdict{Allowed: res[0] == 1, Remaining: max(0, int(res[1])), RetryAfter: time.Duration(res[2]) * time.Microsecond}, nil
}

var giveBack = redis.NewScript(`
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return 0 end
local now = tonumber(ARGV[1])
tat = tat - tonumber(ARGV[2])
if tat <= now then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', string.format('%d', math.ceil((tat - now) / 1000)))
return 1
`)

func (r *Redis) GiveBack(ctx context.Context, key string, rate Rate, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if err := giveBack.Run(ctx, r.c, []string{r.prefix + key}, now.UnixMicro(), max(1, rate.interval().Microseconds())).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// seed sets a counter that does not exist (SET NX) and returns the count
// it holds either way.
var seed = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return tonumber(ARGV[1]) end
return tonumber(redis.call('GET', KEYS[1]))
`)

func (r *Redis) Count(ctx context.Context, key string, ttl time.Duration, _ time.Time, from func(context.Context) (int64, error)) (int64, error) {
	rctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	n, err := r.c.Get(rctx, r.prefix+key).Int64()
	if err == nil {
		return n, nil
	}
	if !errors.Is(err, redis.Nil) {
		return 0, unavailable(err)
	}
	if n, err = from(ctx); err != nil {
		return 0, err
	}
	rctx, cancel = context.WithTimeout(ctx, Timeout)
	defer cancel()
	if n, err = seed.Run(rctx, r.c, []string{r.prefix + key}, n, millis(ttl)).Int64(); err != nil {
		return 0, unavailable(err)
	}
	return n, nil
}

var incr = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1]) end
return 0
`)

func (r *Redis) Incr(ctx context.Context, key string, _ time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if err := incr.Run(ctx, r.c, []string{r.prefix + key}).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

func (r *Redis) First(ctx context.Context, key string, ttl time.Duration, _ time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	ok, err := r.c.SetNX(ctx, r.prefix+key, 1, max(ttl, time.Millisecond)).Result()
	if err != nil {
		return false, unavailable(err)
	}
	return ok, nil
}

// Update watches the key, lets f compute, and writes only if no one
// changed the key in between (WATCH/MULTI/EXEC); otherwise it runs f
// again on the new value, until Timeout.
func (r *Redis) Update(ctx context.Context, key string, _ time.Time, f func(old []byte) ([]byte, time.Duration)) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	k := r.prefix + key
	for {
		err := r.c.Watch(ctx, func(tx *redis.Tx) error {
			old, err := tx.Get(ctx, k).Bytes()
			if errors.Is(err, redis.Nil) {
				old, err = nil, nil
			}
			if err != nil {
				return err
			}
			v, ttl := f(old)
			remove := v == nil || ttl <= 0
			if remove && old == nil || !remove && bytes.Equal(v, old) {
				return nil
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if remove {
					p.Del(ctx, k)
				} else {
					p.Set(ctx, k, v, max(ttl, time.Millisecond))
				}
				return nil
			})
			return err
		}, k)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, redis.TxFailedErr) || ctx.Err() != nil:
			return unavailable(err)
		}
	}
}

// join prunes the members that expired, refuses a full set, and keeps
// the key as long as its last member: a replica that dies leaves nothing
// behind for longer than its sessions' lives.
var join = redis.NewScript(`
local now = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(1, tonumber(last[2]) - now)))
return 1
`)

func (r *Redis) Join(ctx context.Context, key, member string, limit int, expires, now time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	n, err := join.Run(ctx, r.c, []string{r.prefix + key}, member, limit, expires.UnixMilli(), now.UnixMilli()).Int()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

func (r *Redis) Leave(ctx context.Context, key, member string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if err := r.c.ZRem(ctx, r.prefix+key, member).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}
