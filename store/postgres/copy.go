package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

var _ store.Copier = (*Store)(nil)

// AdminTokens lists every admin token, oldest first.
func (s *Store) AdminTokens(ctx context.Context) ([]store.AdminToken, error) {
	tokens, err := s.adminTokens(ctx, "")
	return tokens, internal(err, "list admin tokens")
}

// FacesNumbered returns the last face number the app gave.
func (s *Store) FacesNumbered(ctx context.Context, appID string) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT faces_numbered FROM apps WHERE id = $1", appID).Scan(&n)
	if isNoRows(err) {
		return 0, notFound("app", appID)
	}
	return n, internal(err, "read the face numbers of app %s", appID)
}

// ImportAdminToken stores an admin token with its ID and time.
func (s *Store) ImportAdminToken(ctx context.Context, t store.AdminToken) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO admin_tokens (id, prefix, hash, created_at) VALUES ($1, $2, $3, $4)",
		t.ID, t.Prefix, t.Hash, micros(t.CreatedAt))
	if isUnique(err) {
		return visage.Errorf(visage.CodeConflict, "admin token ID %s is taken", t.ID)
	}
	return internal(err, "import admin token %s", t.ID)
}

// ImportAccount stores an account with its number, and moves the identity
// past it so that later accounts are numbered after every imported one.
func (s *Store) ImportAccount(ctx context.Context, a *store.Account) error {
	stamp(&a.CreatedAt)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (id, app_id, email, email_key, name, created_at)
			OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)`,
			a.ID, a.AppID, a.Email, strings.ToLower(a.Email), a.Name, micros(a.CreatedAt))
		switch {
		case isNoApp(err):
			return notFound("app", a.AppID)
		case isUnique(err):
			return visage.Errorf(visage.CodeConflict, "account %d or the email %s is taken", a.ID, a.Email)
		case err != nil:
			return err
		}
		_, err = tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT MAX(id) FROM accounts))")
		return err
	})
	return internal(err, "import account %d", a.ID)
}

// SetFacesNumbered raises the app's last face number to n.
func (s *Store) SetFacesNumbered(ctx context.Context, appID string, n int64) error {
	tag, err := s.pool.Exec(ctx, "UPDATE apps SET faces_numbered = GREATEST(faces_numbered, $1) WHERE id = $2", n, appID)
	return internal(affected(tag, err, "app", appID), "set the face numbers of app %s", appID)
}

// ImportUsage adds a day's counts to the app's usage.
func (s *Store) ImportUsage(ctx context.Context, appID string, d store.DayUsage) error {
	return internal(s.count(ctx, appID, d.Day, d.Calls, d.Succeeded, d.Sessions, d.Frames),
		"import usage of app %s on %s", appID, d.Day.Format(time.DateOnly))
}
