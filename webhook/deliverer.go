package webhook

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// Defaults of a Deliverer.
const (
	// DefaultBackoff is the wait after the first failed attempt at an
	// event; each failure doubles it, up to DefaultMaxBackoff.
	DefaultBackoff    = 5 * time.Second
	DefaultMaxBackoff = time.Hour
	// DefaultGiveUp is how old an event may be and still be tried again
	// after a failure: past it, the event is logged given up and the
	// webhook goes on to the next.
	DefaultGiveUp = 24 * time.Hour
	// DefaultPoll is how often the store is asked which webhooks have
	// events to deliver: an event goes out within about that.
	DefaultPoll = 500 * time.Millisecond
	// DefaultLease is how long a claim on a webhook lasts. It is renewed
	// while its holder works, so it only runs out when the holder stops
	// (a replica that died): another replica takes the webhook over then.
	// It is well above Timeout, so that an attempt in flight ends before
	// the lease it was made under.
	DefaultLease = 30 * time.Second
	// DefaultWorkers is how many webhooks are delivered to at once: a
	// receiver that takes its 10 s does not hold up the others.
	DefaultWorkers = 16
)

// batch is how many events are read at a time.
const batch = 100

// Deliverer delivers the events of every app to its webhooks: for each
// webhook in turn, the events after its cursor, in order, each until the
// receiver answers 2xx (then the cursor moves past it) or it is older
// than GiveUp. Every attempt is written to the delivery log. Several
// deliverers may share a store: each webhook is delivered by the one
// holding its lease.
type Deliverer struct {
	Store store.Store
	// Owner names this deliverer in the leases; random when "".
	Owner string
	// Backoff is the first wait after a failed attempt, doubled at each
	// failure up to MaxBackoff, with jitter (a wait is between half and
	// all of that). Defaults DefaultBackoff and DefaultMaxBackoff.
	Backoff, MaxBackoff time.Duration
	// GiveUp, Poll, Lease and Workers default to DefaultGiveUp,
	// DefaultPoll, DefaultLease and DefaultWorkers.
	GiveUp, Poll, Lease time.Duration
	Workers             int
	// Now is the clock of the attempts, retry times and leases;
	// time.Now by default.
	Now    func() time.Time
	Sender *Sender
	Log    *slog.Logger

	once sync.Once
	mu   sync.Mutex
	busy map[string]bool // webhook IDs a worker is on
	held map[string]string
	sem  chan struct{}
	wg   sync.WaitGroup
}

func (d *Deliverer) init() {
	d.once.Do(func() {
		if d.Owner == "" {
			b := make([]byte, 8)
			crand.Read(b)
			d.Owner = hex.EncodeToString(b)
		}
		if d.Backoff <= 0 {
			d.Backoff = DefaultBackoff
		}
		if d.MaxBackoff <= 0 {
			d.MaxBackoff = DefaultMaxBackoff
		}
		if d.GiveUp <= 0 {
			d.GiveUp = DefaultGiveUp
		}
		if d.Poll <= 0 {
			d.Poll = DefaultPoll
		}
		if d.Lease <= 0 {
			d.Lease = DefaultLease
		}
		if d.Workers <= 0 {
			d.Workers = DefaultWorkers
		}
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Sender == nil {
			d.Sender = &Sender{}
		}
		if d.Log == nil {
			d.Log = slog.Default()
		}
		d.busy = map[string]bool{}
		d.held = map[string]string{}
		d.sem = make(chan struct{}, d.Workers)
	})
}

// Run delivers until ctx ends, then waits for the attempts in flight to
// end (they are cut short, and not recorded: their events are sent again
// later) and gives up its leases, so that another replica takes over at
// once.
func (d *Deliverer) Run(ctx context.Context) {
	d.init()
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	for {
		d.Tick(ctx)
		select {
		case <-ctx.Done():
			d.wg.Wait()
			d.release()
			return
		case <-t.C:
		}
	}
}

// Tick is one poll: it starts a worker on each webhook that has events
// due and no worker yet, and returns without waiting for them (Wait
// does).
func (d *Deliverer) Tick(ctx context.Context) {
	d.init()
	if ctx.Err() != nil {
		return
	}
	due, err := d.Store.DueWebhooks(ctx, d.Owner, d.Now(), 4*d.Workers)
	if err != nil {
		if ctx.Err() == nil {
			d.Log.Warn("webhooks: cannot read which are due", "err", err)
		}
		return
	}
	for i := range due {
		h := due[i]
		d.mu.Lock()
		if d.busy[h.ID] {
			d.mu.Unlock()
			continue
		}
		select {
		case d.sem <- struct{}{}:
		default:
			d.mu.Unlock()
			return // every worker is busy: the next poll comes back
		}
		d.busy[h.ID] = true
		d.mu.Unlock()
		d.wg.Go(func() {
			defer func() {
				d.mu.Lock()
				delete(d.busy, h.ID)
				d.mu.Unlock()
				<-d.sem
			}()
			d.work(ctx, h.AppID, h.ID)
		})
	}
}

// Wait returns once the workers Tick started are done.
func (d *Deliverer) Wait() {
	d.init()
	d.wg.Wait()
}

// release gives up the leases this deliverer took.
func (d *Deliverer) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d.mu.Lock()
	held := d.held
	d.held = map[string]string{}
	d.mu.Unlock()
	for id, app := range held {
		if err := d.Store.ReleaseWebhook(ctx, app, id, d.Owner); err != nil {
			d.Log.Warn("webhooks: lease not released; it runs out by itself", "webhook", id, "err", err)
		}
	}
}

// claim takes or renews the webhook's lease and returns it as it is.
func (d *Deliverer) claim(ctx context.Context, appID, id string) (*store.Webhook, bool) {
	now := d.Now()
	h, ok, err := d.Store.ClaimWebhook(ctx, appID, id, d.Owner, now, now.Add(d.Lease))
	if err != nil {
		if ctx.Err() == nil {
			d.Log.Warn("webhooks: cannot claim", "app", appID, "webhook", id, "err", err)
		}
		return nil, false
	}
	if ok {
		d.mu.Lock()
		d.held[id] = appID
		d.mu.Unlock()
	}
	return h, ok
}

// work delivers the webhook's events while they are due: until there
// are none left, an attempt fails (the event waits for its retry), the
// webhook changes or another deliverer holds it, or ctx ends.
func (d *Deliverer) work(ctx context.Context, appID, id string) {
	h, ok := d.claim(ctx, appID, id)
	for ok && ctx.Err() == nil {
		if h.NextAt.After(d.Now()) {
			return
		}
		events, err := d.Store.Events(ctx, h.AppID, h.Cursor, nil, batch)
		if err != nil {
			if ctx.Err() == nil {
				d.Log.Warn("webhooks: cannot read the events", "app", h.AppID, "webhook", h.ID, "err", err)
			}
			return
		}
		if len(events) == 0 {
			return
		}
		// The events it is not subscribed to are done with as they are
		// passed; the first it is subscribed to is its head.
		skip, head := h.Cursor, (*store.Event)(nil)
		for i := range events {
			if h.Wants(events[i].Type) {
				head = &events[i]
				break
			}
			skip = events[i].Seq
		}
		if head == nil {
			if !d.advance(ctx, h, store.WebhookProgress{Cursor: skip}) {
				return
			}
			continue
		}
		if h.LeaseUntil.Sub(d.Now()) < d.Lease/2 {
			// Renew before the attempt, so that it ends within the lease.
			if h, ok = d.claim(ctx, h.AppID, h.ID); !ok {
				return
			}
			continue // read again: the webhook may have changed
		}
		del, sent := d.Sender.Send(ctx, h, head, d.Now())
		if ctx.Err() != nil {
			return // cut short by the shutdown: sent again later
		}
		del.Attempt = h.Attempts + 1
		p := store.WebhookProgress{Cursor: head.Seq}
		switch {
		case sent:
			del.Outcome = store.OutcomeDelivered
		case d.Now().Sub(head.At) >= d.GiveUp:
			del.Outcome = store.OutcomeGivenUp
			d.Log.Warn("webhooks: event given up: it failed and is older than the retry limit",
				"app", h.AppID, "webhook", h.ID, "event", head.ID, "attempts", del.Attempt, "status", del.Status, "err", del.Error)
		default:
			del.Outcome = store.OutcomeRetrying
			p = store.WebhookProgress{Cursor: skip, Attempts: del.Attempt, NextAt: d.Now().Add(d.backoff(del.Attempt))}
		}
		p.Log = []store.Delivery{del}
		if !d.advance(ctx, h, p) || del.Outcome == store.OutcomeRetrying {
			return
		}
	}
}

// advance records progress on h and brings h up to it; false when h
// cannot go on (deleted, changed, held by another, or the store failed).
func (d *Deliverer) advance(ctx context.Context, h *store.Webhook, p store.WebhookProgress) bool {
	// Recorded even when ctx ends: the attempt was made.
	err := d.Store.AdvanceWebhook(context.WithoutCancel(ctx), h, d.Owner, p)
	if err != nil {
		switch visage.ErrorCode(err) {
		case visage.CodeConflict, visage.CodeNotFound:
			// Changed or deleted under it: the next poll starts again
			// from the store.
		default:
			d.Log.Warn("webhooks: cannot record progress", "app", h.AppID, "webhook", h.ID, "err", err)
		}
		return false
	}
	h.Cursor, h.Attempts, h.NextAt = p.Cursor, p.Attempts, p.NextAt
	return true
}

// backoff is the wait after the attempt-th failed attempt: Backoff
// doubled at each failure, at most MaxBackoff, of which a random half is
// taken off so that receivers that come back are not met by every retry
// at once.
func (d *Deliverer) backoff(attempt int) time.Duration {
	wait := d.Backoff
	for i := 1; i < attempt && wait < d.MaxBackoff; i++ {
		wait *= 2
	}
	wait = min(wait, d.MaxBackoff)
	return wait/2 + rand.N(wait/2+1)
}
