package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// CreateAccount stores the app, the account and the app's first key in
// one transaction (see store.Store).
func (s *Store) CreateAccount(ctx context.Context, a *store.Account, app *visage.App, key *visage.APIKey) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return internal(err, "create account")
	}
	defer tx.Rollback()
	if err := insertApp(ctx, tx, app); err != nil {
		return err
	}
	a.AppID = app.ID
	stamp(&a.CreatedAt)
	// The folding is done here rather than by the caller so that no
	// caller can store an email that escapes the uniqueness check.
	err = tx.QueryRowContext(ctx, `INSERT INTO accounts (app_id, email, email_key, name, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`,
		a.AppID, a.Email, strings.ToLower(a.Email), a.Name, micros(a.CreatedAt)).Scan(&a.ID)
	if isUnique(err) {
		return visage.Errorf(visage.CodeConflict, "the email %s is already registered", a.Email)
	}
	if err != nil {
		return internal(err, "create account of app %s", app.ID)
	}
	if err := insertKey(ctx, tx, key); err != nil {
		return err
	}
	if err := writeJournal(ctx, tx, store.JournalOf(ctx)); err != nil {
		return internal(err, "create account of app %s", app.ID)
	}
	return internal(tx.Commit(), "create account of app %s", app.ID)
}

// AccountByApp returns the account that owns the app.
func (s *Store) AccountByApp(ctx context.Context, appID string) (*store.Account, error) {
	var a store.Account
	var created int64
	err := s.reader.QueryRowContext(ctx, "SELECT id, app_id, email, name, created_at FROM accounts WHERE app_id = ?", appID).
		Scan(&a.ID, &a.AppID, &a.Email, &a.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("account of app", appID)
	}
	if err != nil {
		return nil, internal(err, "read account of app %s", appID)
	}
	a.CreatedAt = fromMicros(created)
	return &a, nil
}
