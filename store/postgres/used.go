package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// TouchFace records that the face authenticated at at.
func (s *Store) TouchFace(ctx context.Context, appID, faceID string, at time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE faces SET last_used_at = $1 WHERE app_id = $2 AND id = $3", micros(at), appID, faceID)
		return affected(tag, err, "face", faceID)
	})
	return internal(err, "touch face %s of app %s", faceID, appID)
}

// UnusedFaces returns up to limit faces of the app neither used nor
// enrolled since before.
func (s *Store) UnusedFaces(ctx context.Context, appID string, before time.Time, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, "SELECT id FROM faces WHERE app_id = $1 AND last_used_at < $2 AND created_at < $2 ORDER BY id LIMIT $3",
		appID, micros(before), limit)
	if err != nil {
		return nil, internal(err, "unused faces of app %s", appID)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, internal(err, "unused faces of app %s", appID)
}

// EraseFace purges a face and the events about it, in one transaction,
// and logs the change for the replicas' galleries.
func (s *Store) EraseFace(ctx context.Context, appID, faceID string) (int64, error) {
	var events int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM faces WHERE app_id = $1 AND id = $2", appID, faceID)
		if err := affected(tag, err, "face", faceID); err != nil {
			return err
		}
		if tag, err = tx.Exec(ctx, "DELETE FROM events WHERE app_id = $1 AND face_id = $2", appID, faceID); err != nil {
			return err
		}
		events = tag.RowsAffected()
		return logChange(ctx, tx, appID, faceID)
	})
	return events, internal(err, "erase face %s of app %s", faceID, appID)
}

// TouchKey records that the app's key authenticated a request at at.
func (s *Store) TouchKey(ctx context.Context, appID, keyID string, at time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE api_keys SET last_used_at = $1 WHERE app_id = $2 AND id = $3", micros(at), appID, keyID)
		return affected(tag, err, "key", keyID)
	})
	return internal(err, "touch key %s of app %s", keyID, appID)
}
