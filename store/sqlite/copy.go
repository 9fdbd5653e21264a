package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

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
	err := s.reader.QueryRowContext(ctx, "SELECT faces_numbered FROM apps WHERE id = ?", appID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("app", appID)
	}
	return n, internal(err, "read the face numbers of app %s", appID)
}

// ImportAdminToken stores an admin token with its ID and time.
func (s *Store) ImportAdminToken(ctx context.Context, t store.AdminToken) error {
	_, err := s.writer.ExecContext(ctx, "INSERT INTO admin_tokens (id, prefix, hash, created_at) VALUES (?, ?, ?, ?)",
		t.ID, t.Prefix, t.Hash, micros(t.CreatedAt))
	if isUnique(err) {
		return visage.Errorf(visage.CodeConflict, "admin token ID %s is taken", t.ID)
	}
	return internal(err, "import admin token %s", t.ID)
}

// ImportAccount stores an account with its number. AUTOINCREMENT numbers
// later accounts after the largest ever stored.
func (s *Store) ImportAccount(ctx context.Context, a *store.Account) error {
	stamp(&a.CreatedAt)
	_, err := s.writer.ExecContext(ctx, "INSERT INTO accounts (id, app_id, email, email_key, name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		a.ID, a.AppID, a.Email, strings.ToLower(a.Email), a.Name, micros(a.CreatedAt))
	switch {
	case isNoApp(err):
		return notFound("app", a.AppID)
	case isUnique(err):
		return visage.Errorf(visage.CodeConflict, "account %d or the email %s is taken", a.ID, a.Email)
	}
	return internal(err, "import account %d", a.ID)
}

// SetFacesNumbered raises the app's last face number to n.
func (s *Store) SetFacesNumbered(ctx context.Context, appID string, n int64) error {
	res, err := s.writer.ExecContext(ctx, "UPDATE apps SET faces_numbered = MAX(faces_numbered, ?) WHERE id = ?", n, appID)
	return internal(affected(res, err, "app", appID), "set the face numbers of app %s", appID)
}

// ImportUsage adds a day's counts to the app's usage.
func (s *Store) ImportUsage(ctx context.Context, appID string, d store.DayUsage) error {
	err := s.writeUsage(ctx, map[usageKey]usageCount{
		{appID, day(d.Day)}: {calls: d.Calls, succeeded: d.Succeeded, sessions: d.Sessions, frames: d.Frames},
	}, nil)
	return internal(err, "import usage of app %s on %s", appID, d.Day.Format(time.DateOnly))
}
