package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// CreateKey stores a new API key; NOT_FOUND when its app does not exist,
// CONFLICT when its ID is taken.
func (s *Store) CreateKey(ctx context.Context, k *visage.APIKey) error {
	return internal(s.write(ctx, func(tx *sql.Tx) error { return insertKey(ctx, tx, k) }), "create key %s of app %s", k.ID, k.AppID)
}

func insertKey(ctx context.Context, db execer, k *visage.APIKey) error {
	stamp(&k.CreatedAt)
	_, err := db.ExecContext(ctx, "INSERT INTO api_keys ("+keyColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		k.ID, k.AppID, k.Prefix, k.Hash, micros(k.CreatedAt), store.RevokedAt(k), micros(k.LastUsedAt))
	switch {
	case isNoApp(err):
		return notFound("app", k.AppID)
	case isUnique(err):
		return visage.Errorf(visage.CodeConflict, "key ID %s is taken", k.ID)
	}
	return internal(err, "create key %s of app %s", k.ID, k.AppID)
}

// KeysByPrefix returns the unrevoked keys with this prefix.
func (s *Store) KeysByPrefix(ctx context.Context, prefix string) ([]visage.APIKey, error) {
	keys, err := s.keys(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE prefix = ? AND revoked_at IS NULL", prefix)
	return keys, internal(err, "find keys by prefix")
}

// Keys lists an app's keys, revoked ones included, oldest first.
func (s *Store) Keys(ctx context.Context, appID string) ([]visage.APIKey, error) {
	keys, err := s.keys(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE app_id = ? ORDER BY created_at, id", appID)
	return keys, internal(err, "list keys of app %s", appID)
}

func (s *Store) keys(ctx context.Context, query string, arg string) ([]visage.APIKey, error) {
	rows, err := s.reader.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	return collect(rows, store.ScanKey)
}

// RevokeKey marks a key of the app revoked, keeping the first revocation
// time if it already was.
func (s *Store) RevokeKey(ctx context.Context, appID, keyID string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			"UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE app_id = ? AND id = ?",
			time.Now().UnixMicro(), appID, keyID)
		return affected(res, err, "key", keyID)
	})
	return internal(err, "revoke key %s of app %s", keyID, appID)
}

// CreateAdminToken stores the hash of an admin token; CONFLICT when its ID
// is taken.
func (s *Store) CreateAdminToken(ctx context.Context, id, prefix string, hash []byte) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO admin_tokens (id, prefix, hash, created_at) VALUES (?, ?, ?, ?)",
			id, prefix, hash, time.Now().UnixMicro())
		return err
	})
	if isUnique(err) {
		return visage.Errorf(visage.CodeConflict, "admin token ID %s is taken", id)
	}
	return internal(err, "create admin token %s", id)
}

// AdminTokensByPrefix returns the admin tokens with this prefix.
func (s *Store) AdminTokensByPrefix(ctx context.Context, prefix string) ([]store.AdminToken, error) {
	tokens, err := s.adminTokens(ctx, "WHERE prefix = ?", prefix)
	return tokens, internal(err, "find admin tokens by prefix")
}

// adminTokens returns the admin tokens that where selects, oldest first.
func (s *Store) adminTokens(ctx context.Context, where string, args ...any) ([]store.AdminToken, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+store.AdminTokenColumns+" FROM admin_tokens "+where+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, store.ScanAdminToken)
}
