package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/visagehq/visage/store"
)

// channel is the LISTEN/NOTIFY channel of the change log.
const channel = "visage_changes"

// keepChanges is how long the change log keeps a change. A replica that
// has not applied one this old reloads its gallery instead.
const keepChanges = 24 * time.Hour

// logChange appends the change of a face (or, with faceID "", of the whole
// app) to the change log, in the transaction tx that makes it. It must be
// tx's last statement: the change_head row it updates stays locked until
// tx commits, which puts the changes of concurrent transactions, from
// every replica, in commit order without a gap (see the migration). The
// NOTIFY is sent at commit.
func logChange(ctx context.Context, tx pgx.Tx, appID, faceID string) error {
	var seq int64
	if err := tx.QueryRow(ctx, "UPDATE change_head SET seq = seq + 1 RETURNING seq").Scan(&seq); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO changes (seq, app_id, face_id, at) VALUES ($1, $2, $3, $4)",
		seq, appID, faceID, time.Now().UnixMicro()); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", channel, "")
	return err
}

// Changes returns up to limit changes with a sequence above after, in
// order, and the log's first retained sequence: when that is above
// after+1, changes the caller has not seen were pruned, and it must reload.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]store.Change, int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT seq, app_id, face_id, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
	if err != nil {
		return nil, 0, internal(err, "read the change log")
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Change, error) {
		var c store.Change
		var at int64
		err := r.Scan(&c.Seq, &c.AppID, &c.FaceID, &at)
		c.At = fromMicros(at)
		return c, err
	})
	if err != nil {
		return nil, 0, internal(err, "read the change log")
	}
	// The first retained sequence is read after the changes, never
	// before: a prune between the two statements then at worst reports
	// changes pruned that the caller did read (it reloads for nothing),
	// where read before it would hide changes pruned unread.
	var first int64
	err = s.pool.QueryRow(ctx, "SELECT COALESCE(MIN(seq), (SELECT seq + 1 FROM change_head)) FROM changes").Scan(&first)
	if err != nil {
		return nil, 0, internal(err, "read the change log")
	}
	return cs, first, nil
}

// Head returns the last committed change's sequence (0 before the first)
// and when it was made.
func (s *Store) Head(ctx context.Context) (int64, time.Time, error) {
	var seq, at int64
	err := s.pool.QueryRow(ctx, "SELECT h.seq, COALESCE(c.at, 0) FROM change_head h LEFT JOIN changes c ON c.seq = h.seq").Scan(&seq, &at)
	return seq, fromMicros(at), internal(err, "read the change log's head")
}

// PruneChanges deletes the changes older than keepChanges, keeping the
// head's row (Head reads its time).
func (s *Store) PruneChanges(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, "DELETE FROM changes WHERE at < $1 AND seq < (SELECT seq FROM change_head)",
		time.Now().Add(-keepChanges).UnixMicro())
	return internal(err, "prune the change log")
}

// Changed returns a channel that is closed at the next notification of a
// committed change, or when the listening connection is lost or made
// again (changes may have been missed then). The first call starts
// listening.
func (s *Store) Changed() <-chan struct{} {
	return s.notes.next()
}

// notifier keeps one connection listening to the change channel and wakes
// whoever waits on next.
type notifier struct {
	pool *pgxpool.Pool
	mu   sync.Mutex
	ch   chan struct{}
	// started is set by the first next; stop ends the listener.
	started bool
	stop    context.CancelFunc
	done    chan struct{}
}

func (n *notifier) init(pool *pgxpool.Pool) {
	n.pool = pool
	n.ch = make(chan struct{})
}

func (n *notifier) next() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.started {
		n.started = true
		ctx, stop := context.WithCancel(context.Background())
		n.stop, n.done = stop, make(chan struct{})
		go n.listen(ctx)
	}
	return n.ch
}

// wake closes the channel waiters hold and makes the next one.
func (n *notifier) wake() {
	n.mu.Lock()
	defer n.mu.Unlock()
	close(n.ch)
	n.ch = make(chan struct{})
}

// listen holds a connection of its own (a pooled one would be handed to
// other work between waits and lose its LISTEN), and makes it again,
// after a pause, whenever it is lost.
func (n *notifier) listen(ctx context.Context) {
	defer close(n.done)
	for ctx.Err() == nil {
		n.listenOnce(ctx)
		n.wake() // notifications may have been missed
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (n *notifier) listenOnce(ctx context.Context) {
	conn, err := pgx.ConnectConfig(ctx, n.pool.Config().ConnConfig.Copy())
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return
	}
	n.wake() // listening from now: what came before is for the caller to read
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return
		}
		n.wake()
	}
}

func (n *notifier) close() {
	n.mu.Lock()
	started := n.started
	n.mu.Unlock()
	if started {
		n.stop()
		<-n.done
	}
}
