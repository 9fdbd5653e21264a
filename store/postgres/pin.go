package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// SetPIN replaces a face's PIN hash (nil removes it) and clears the lockout.
func (s *Store) SetPIN(ctx context.Context, appID, faceID string, pinHash []byte) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			"UPDATE faces SET pin_hash = $1, pin_failures = 0, pin_locked_until = 0, updated_at = $2 WHERE app_id = $3 AND id = $4",
			nullBytes(pinHash), time.Now().UnixMicro(), appID, faceID)
		return affected(tag, err, "face", faceID)
	})
	return internal(err, "set PIN of face %s of app %s", faceID, appID)
}

// PINAttempt claims a PIN check (store.Store). It is one UPDATE …
// RETURNING that only an unlocked face matches: concurrent attempts, from
// any replica, queue on the row's lock, so they cannot share a count or
// slip past a lock between a read and a write.
func (s *Store) PINAttempt(ctx context.Context, appID, faceID string, lockAfter int, lockFor time.Duration, now time.Time) (int, time.Time, bool, error) {
	var failures int
	var locked int64
	err := s.pool.QueryRow(ctx, `UPDATE faces SET
			pin_failures = pin_failures + 1,
			pin_locked_until = CASE WHEN $1::int > 0 AND pin_failures + 1 >= $1::int THEN $2 ELSE pin_locked_until END
		WHERE app_id = $3 AND id = $4 AND pin_locked_until <= $5
		RETURNING pin_failures, pin_locked_until`,
		lockAfter, now.Add(lockFor).UnixMicro(), appID, faceID, now.UnixMicro()).Scan(&failures, &locked)
	if err == nil {
		return failures, fromMicros(locked), true, nil
	}
	if !isNoRows(err) {
		return 0, time.Time{}, false, internal(err, "claim a PIN check of face %s of app %s", faceID, appID)
	}
	// No row: the face is locked, or it is not there.
	err = s.pool.QueryRow(ctx, "SELECT pin_failures, pin_locked_until FROM faces WHERE app_id = $1 AND id = $2",
		appID, faceID).Scan(&failures, &locked)
	if isNoRows(err) {
		return 0, time.Time{}, false, notFound("face", faceID)
	}
	if err != nil {
		return 0, time.Time{}, false, internal(err, "read the PIN lock of face %s of app %s", faceID, appID)
	}
	return failures, fromMicros(locked), false, nil
}

// PINSucceeded clears a face's PIN failures and lock.
func (s *Store) PINSucceeded(ctx context.Context, appID, faceID string) error {
	tag, err := s.pool.Exec(ctx, "UPDATE faces SET pin_failures = 0, pin_locked_until = 0 WHERE app_id = $1 AND id = $2", appID, faceID)
	return internal(affected(tag, err, "face", faceID), "reset PIN failures of face %s of app %s", faceID, appID)
}

// PINHashes returns the PIN hashes of the app's faces that have a PIN.
func (s *Store) PINHashes(ctx context.Context, appID string) ([][]byte, error) {
	rows, err := s.pool.Query(ctx, "SELECT pin_hash FROM faces WHERE app_id = $1 AND pin_hash IS NOT NULL", appID)
	if err != nil {
		return nil, internal(err, "read PIN hashes of app %s", appID)
	}
	hashes, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	return hashes, internal(err, "read PIN hashes of app %s", appID)
}
