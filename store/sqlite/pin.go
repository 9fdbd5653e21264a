package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SetPIN replaces a face's PIN hash (nil removes it) and clears the lockout.
func (s *Store) SetPIN(ctx context.Context, appID, faceID string, pinHash []byte) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			"UPDATE faces SET pin_hash = ?, pin_failures = 0, pin_locked_until = 0, updated_at = ? WHERE app_id = ? AND id = ?",
			nullBytes(pinHash), time.Now().UnixMicro(), appID, faceID)
		return affected(res, err, "face", faceID)
	})
	return internal(err, "set PIN of face %s of app %s", faceID, appID)
}

// PINAttempt claims a PIN check (store.Store). It is one UPDATE …
// RETURNING that only an unlocked face matches, so concurrent attempts
// cannot share a count or slip past a lock between a read and a write.
func (s *Store) PINAttempt(ctx context.Context, appID, faceID string, lockAfter int, lockFor time.Duration, now time.Time) (int, time.Time, bool, error) {
	var failures int
	var locked int64
	err := s.writer.QueryRowContext(ctx, `UPDATE faces SET
			pin_failures = pin_failures + 1,
			pin_locked_until = CASE WHEN ? > 0 AND pin_failures + 1 >= ? THEN ? ELSE pin_locked_until END
		WHERE app_id = ? AND id = ? AND pin_locked_until <= ?
		RETURNING pin_failures, pin_locked_until`,
		lockAfter, lockAfter, now.Add(lockFor).UnixMicro(), appID, faceID, now.UnixMicro()).Scan(&failures, &locked)
	if err == nil {
		return failures, fromMicros(locked), true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, false, internal(err, "claim a PIN check of face %s of app %s", faceID, appID)
	}
	// No row: the face is locked, or it is not there.
	err = s.writer.QueryRowContext(ctx, "SELECT pin_failures, pin_locked_until FROM faces WHERE app_id = ? AND id = ?",
		appID, faceID).Scan(&failures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, false, notFound("face", faceID)
	}
	if err != nil {
		return 0, time.Time{}, false, internal(err, "read the PIN lock of face %s of app %s", faceID, appID)
	}
	return failures, fromMicros(locked), false, nil
}

// PINSucceeded clears a face's PIN failures and lock.
func (s *Store) PINSucceeded(ctx context.Context, appID, faceID string) error {
	res, err := s.writer.ExecContext(ctx, "UPDATE faces SET pin_failures = 0, pin_locked_until = 0 WHERE app_id = ? AND id = ?", appID, faceID)
	return internal(affected(res, err, "face", faceID), "reset PIN failures of face %s of app %s", faceID, appID)
}

// PINHashes returns the PIN hashes of the app's faces that have a PIN.
func (s *Store) PINHashes(ctx context.Context, appID string) ([][]byte, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT pin_hash FROM faces WHERE app_id = ? AND pin_hash IS NOT NULL", appID)
	if err != nil {
		return nil, internal(err, "read PIN hashes of app %s", appID)
	}
	defer rows.Close()
	var hashes [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, internal(err, "read PIN hashes of app %s", appID)
		}
		hashes = append(hashes, h)
	}
	return hashes, internal(rows.Err(), "read PIN hashes of app %s", appID)
}
