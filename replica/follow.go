// Package replica makes one Visage process a replica among several that
// share a PostgreSQL store: its in-memory gallery follows the store's
// change log, so that a face enrolled or deleted through any replica is
// found, or gone, on every one.
//
// The gallery is loaded in bulk at start, from the log's head read before
// the load; the follower then applies every change after that head, in
// order. Applying a change does not replay it: it makes the gallery hold
// what the store holds now for that face (its templates, or nothing), so
// a change applied twice, or applied after the bulk load already saw it,
// leaves the gallery the same, and a deleted face can never come back.
// After a lost connection the follower reads on from the last sequence it
// applied; a replica so far behind that the log no longer holds its next
// change reloads the gallery.
package replica

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/store"
)

// batch is how many changes one read of the log takes.
const batch = 1000

// poll is how often the log is read when no notification comes: a lost
// NOTIFY costs at most this much delay.
const poll = time.Second

// Follower keeps a gallery in step with a store's change log. Its methods
// are safe for concurrent use.
type Follower struct {
	feed    store.Feed
	gallery *index.Gallery
	log     *slog.Logger

	applied atomic.Int64 // the last sequence applied
	kick    chan struct{}

	mu      sync.Mutex
	advance chan struct{} // closed when applied moves on

	appliedTotal, catchUps, reloads atomic.Int64
}

// Load fills gallery, which must be empty, with every face of the store
// and returns a follower ready to Run from there.
func Load(ctx context.Context, feed store.Feed, gallery *index.Gallery, log *slog.Logger) (*Follower, error) {
	f := &Follower{feed: feed, gallery: gallery, log: log, kick: make(chan struct{}, 1), advance: make(chan struct{})}
	head, err := f.load(ctx)
	if err != nil {
		return nil, err
	}
	f.applied.Store(head)
	return f, nil
}

// load puts every face of the store into the gallery and returns the
// log's head as it was before: every change after it is still to apply.
func (f *Follower) load(ctx context.Context) (int64, error) {
	head, _, err := f.feed.Head(ctx)
	if err != nil {
		return 0, err
	}
	err = f.feed.EachTemplate(ctx, func(appID, faceID string, t []visage.Template) error {
		if err := f.gallery.Put(appID, faceID, t); err != nil {
			f.log.Error("face not indexed", "app", appID, "face", faceID, "err", err)
		}
		return nil
	})
	return head, err
}

// Applied is the last sequence of the log the gallery holds.
func (f *Follower) Applied() int64 { return f.applied.Load() }

// prune is how often a replica drops the changes old enough that no
// running replica needs them. Every replica does, which costs a DELETE
// that finds little.
const prune = time.Hour

// Run follows the log until ctx ends: it reads it at each notification,
// at each Sync, and every second otherwise.
func (f *Follower) Run(ctx context.Context) {
	t := time.NewTicker(poll)
	defer t.Stop()
	lastPrune := time.Now()
	failing := false
	for ctx.Err() == nil {
		changed := f.feed.Changed()
		err := f.catchUp(ctx)
		switch {
		case err != nil && !failing:
			f.log.Warn("the gallery cannot follow the store's changes; retrying", "applied", f.applied.Load(), "err", err)
		case err == nil && failing:
			f.catchUps.Add(1)
			f.log.Info("the gallery follows the store's changes again", "applied", f.applied.Load())
		}
		failing = err != nil
		if time.Since(lastPrune) > prune {
			lastPrune = time.Now()
			if err := f.feed.PruneChanges(ctx); err != nil {
				f.log.Warn("the store's change log cannot be pruned", "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-f.kick:
		case <-t.C:
		}
	}
}

// catchUp applies the changes after the last applied, in order, until
// none is left.
func (f *Follower) catchUp(ctx context.Context) error {
	for {
		after := f.applied.Load()
		cs, first, err := f.feed.Changes(ctx, after, batch)
		if err != nil {
			return err
		}
		if first > after+1 {
			return f.reload(ctx, after, first)
		}
		for _, c := range cs {
			if err := f.apply(ctx, c); err != nil {
				return err
			}
			f.applied.Store(c.Seq)
			f.appliedTotal.Add(1)
			f.advanced()
		}
		if len(cs) < batch {
			return nil
		}
	}
}

// apply makes the gallery hold what the store holds now for the change's
// face, or app.
func (f *Follower) apply(ctx context.Context, c store.Change) error {
	if c.FaceID == "" {
		f.gallery.DeleteApp(c.AppID)
		return nil
	}
	face, err := f.feed.Face(ctx, c.AppID, c.FaceID)
	switch {
	case visage.ErrorCode(err) == visage.CodeNotFound:
		f.gallery.Delete(c.AppID, c.FaceID)
		return nil
	case err != nil:
		return err
	}
	if err := f.gallery.Put(c.AppID, c.FaceID, face.Templates); err != nil {
		f.log.Error("face not indexed", "app", c.AppID, "face", c.FaceID, "err", err)
	}
	return nil
}

// reload rebuilds the gallery when changes it has not applied were pruned
// from the log: every face the store holds is put again, and every face
// the gallery holds that the store no longer does is dropped.
func (f *Follower) reload(ctx context.Context, after, first int64) error {
	f.log.Warn("the store's change log no longer holds the gallery's next change; reloading the gallery",
		"applied", after, "log_starts_at", first)
	had := map[[2]string]bool{}
	for appID := range f.gallery.Sizes() {
		for _, id := range f.gallery.IDs(appID) {
			had[[2]string{appID, id}] = true
		}
	}
	head, _, err := f.feed.Head(ctx)
	if err != nil {
		return err
	}
	err = f.feed.EachTemplate(ctx, func(appID, faceID string, t []visage.Template) error {
		delete(had, [2]string{appID, faceID})
		if err := f.gallery.Put(appID, faceID, t); err != nil {
			f.log.Error("face not indexed", "app", appID, "face", faceID, "err", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k := range had {
		f.gallery.Delete(k[0], k[1])
	}
	f.reloads.Add(1)
	f.applied.Store(head)
	f.advanced()
	return nil
}

// advanced wakes the Syncs waiting for the applied sequence to move.
func (f *Follower) advanced() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.advance)
	f.advance = make(chan struct{})
}

// Sync returns once the gallery holds every change committed before it
// was called, so that a replica's own write is in its gallery when the
// write is acknowledged, and in the order of the log: a write and a
// delete of one face made on two replicas land in every gallery in the
// order they committed.
func (f *Follower) Sync(ctx context.Context) error {
	head, _, err := f.feed.Head(ctx)
	if err != nil {
		return err
	}
	for {
		f.mu.Lock()
		advance := f.advance
		f.mu.Unlock()
		if f.applied.Load() >= head {
			return nil
		}
		select {
		case f.kick <- struct{}{}:
		default:
		}
		select {
		case <-advance:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Lag is how long the oldest change the gallery has not applied has been
// committed: 0 when it holds every change.
func (f *Follower) Lag(ctx context.Context) (time.Duration, error) {
	cs, _, err := f.feed.Changes(ctx, f.applied.Load(), 1)
	if err != nil || len(cs) == 0 {
		return 0, err
	}
	return max(0, time.Since(cs[0].At)), nil
}

// MaxLag is how far behind the log a ready replica's gallery may be.
const MaxLag = time.Second

// Ready says whether the replica can serve: the store answers and the
// gallery is within MaxLag of the log's head.
func (f *Follower) Ready(ctx context.Context) error {
	lag, err := f.Lag(ctx)
	if err != nil {
		return err
	}
	if lag > MaxLag {
		return visage.Errorf(visage.CodeUnavailable, "the gallery is %v behind the store", lag.Round(time.Millisecond))
	}
	return nil
}

// Stats are the follower's figures for the metrics.
type Stats struct {
	// Applied is the last sequence of the log the gallery holds.
	Applied int64
	// Lag is how long the oldest change not applied has been committed
	// (0 when none is, and when the store cannot say).
	Lag time.Duration
	// Changes applied; catch-ups after the log could not be read for a
	// while (a lost connection); reloads of the whole gallery.
	ChangesApplied, CatchUps, Reloads int64
}

// Stats returns the follower's figures now.
func (f *Follower) Stats(ctx context.Context) Stats {
	lag, _ := f.Lag(ctx)
	return Stats{Applied: f.applied.Load(), Lag: lag, ChangesApplied: f.appliedTotal.Load(), CatchUps: f.catchUps.Load(), Reloads: f.reloads.Load()}
}
