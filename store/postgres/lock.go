package postgres

import (
	"context"

	"github.com/visagehq/visage/store"
)

var _ store.AppLocker = (*Store)(nil)

// appLockSpace is the first key of the apps' advisory locks; the second
// is the hash of the app's ID. A hash collision only makes two apps wait
// for each other now and then.
const appLockSpace = 0x76697362 // "visb"

// LockApp takes a session-level advisory lock on the app, held on a
// connection of its own until unlock: every replica's enrollments of the
// app take it, so their checks and writes take turns. A replica holds at
// most one such connection per app, since its own enrollments of an app
// take turns before they come here (service.lockApp), and at most half its
// pool in all (Store.locks): a holder needs another connection to write,
// and with every connection holding a lock, every holder would wait.
func (s *Store) LockApp(ctx context.Context, appID string) (func(), error) {
	select {
	case s.locks <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		<-s.locks
		return nil, internal(err, "lock app %s", appID)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext($2))", appLockSpace, appID); err != nil {
		conn.Release()
		<-s.locks
		return nil, internal(err, "lock app %s", appID)
	}
	return func() {
		// A lock whose unlock fails dies with its connection: destroy it
		// rather than hand a locked session to the pool.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1, hashtext($2))", appLockSpace, appID); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
		conn.Release()
		<-s.locks
	}, nil
}
