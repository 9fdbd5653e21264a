package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage/store"
)

var _ store.Roster = (*Store)(nil)

// forgetReplicas is how long a replica that stopped saying it is alive
// stays listed: long past any use, short enough that the list stays the
// size of the cluster.
const forgetReplicas = time.Hour

// Heartbeat records r as alive now, and forgets replicas long gone.
func (s *Store) Heartbeat(ctx context.Context, r store.Replica) error {
	now := time.Now()
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO replicas (id, url, shared, seen_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET url = excluded.url, shared = excluded.shared, seen_at = excluded.seen_at`,
			r.ID, r.URL, r.Shared, now.UnixMicro()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM replicas WHERE seen_at < $1", now.Add(-forgetReplicas).UnixMicro())
		return err
	})
	return internal(err, "record replica %s", r.ID)
}

// Replicas lists the replicas seen alive since since.
func (s *Store) Replicas(ctx context.Context, since time.Time) ([]store.Replica, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, url, shared, seen_at FROM replicas WHERE seen_at >= $1 ORDER BY id", since.UnixMicro())
	if err != nil {
		return nil, internal(err, "list replicas")
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Replica, error) {
		var rep store.Replica
		var seen int64
		err := r.Scan(&rep.ID, &rep.URL, &rep.Shared, &seen)
		rep.SeenAt = fromMicros(seen)
		return rep, err
	})
	return rs, internal(err, "list replicas")
}

// Leave removes a replica that stops.
func (s *Store) Leave(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, "DELETE FROM replicas WHERE id = $1", id)
	return internal(err, "remove replica %s", id)
}
