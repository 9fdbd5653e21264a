package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// TouchFace records that the face authenticated at at.
func (s *Store) TouchFace(ctx context.Context, appID, faceID string, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE faces SET last_used_at = ? WHERE app_id = ? AND id = ?", micros(at), appID, faceID)
		return affected(res, err, "face", faceID)
	})
	return internal(err, "touch face %s of app %s", faceID, appID)
}

// UnusedFaces returns up to limit faces of the app neither used nor
// enrolled since before.
func (s *Store) UnusedFaces(ctx context.Context, appID string, before time.Time, limit int) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT id FROM faces WHERE app_id = ? AND last_used_at < ? AND created_at < ? ORDER BY id LIMIT ?",
		appID, micros(before), micros(before), limit)
	if err != nil {
		return nil, internal(err, "unused faces of app %s", appID)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, internal(err, "unused faces of app %s", appID)
		}
		ids = append(ids, id)
	}
	return ids, internal(rows.Err(), "unused faces of app %s", appID)
}

// EraseFace purges a face and the events about it, in one transaction.
func (s *Store) EraseFace(ctx context.Context, appID, faceID string) (int64, error) {
	var events int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM faces WHERE app_id = ? AND id = ?", appID, faceID)
		if err := affected(res, err, "face", faceID); err != nil {
			return err
		}
		if res, err = tx.ExecContext(ctx, "DELETE FROM events WHERE app_id = ? AND face_id = ?", appID, faceID); err != nil {
			return err
		}
		events, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, internal(err, "erase face %s of app %s", faceID, appID)
	}
	s.deleted(ctx)
	return events, nil
}

// TouchKey records that the app's key authenticated a request at at.
func (s *Store) TouchKey(ctx context.Context, appID, keyID string, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE api_keys SET last_used_at = ? WHERE app_id = ? AND id = ?", micros(at), appID, keyID)
		return affected(res, err, "key", keyID)
	})
	return internal(err, "touch key %s of app %s", keyID, appID)
}
