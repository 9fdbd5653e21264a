package store

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/visagehq/visage"
)

// What the SQL backends (store/sqlite, store/postgres) store alike: rows
// scanned the same way through either driver, and times as Unix
// microseconds.

// Row is one row of a query, of database/sql or of pgx.
type Row interface{ Scan(dest ...any) error }

// Micros is how a time is stored: Unix microseconds, 0 for the zero
// time. Microseconds because they are PostgreSQL's precision, so that
// both backends give back the same values, and because their range,
// unlike nanoseconds', holds any date a caller can pass.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromMicros reads a stored time, in UTC.
func FromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// Stamp sets a creation time the caller left zero to now, to the
// microsecond that will be stored.
func Stamp(t *time.Time) {
	if t.IsZero() {
		*t = time.Now().UTC().Truncate(time.Microsecond)
	}
}

// Day is how a usage day is stored: days since 1970-01-01 of t's UTC
// date.
func Day(t time.Time) int64 {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// DayTime is the midnight, UTC, of a stored day.
func DayTime(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

// NullString stores "" as NULL, so that faces without an external ID do
// not collide in the unique index.
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NullBytes stores an empty value as NULL.
func NullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// AppColumns are an app's columns, in ScanApp's order.
const AppColumns = "id, public_id, name, plan, settings, created_at"

// ScanApp scans AppColumns.
func ScanApp(r Row) (*visage.App, error) {
	var a visage.App
	var settings string
	var created int64
	if err := r.Scan(&a.ID, &a.PublicID, &a.Name, &a.Plan, &settings, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(settings), &a.Settings); err != nil {
		return nil, err
	}
	a.CreatedAt = FromMicros(created)
	return &a, nil
}

// KeyColumns are an API key's columns, in ScanKey's order.
const KeyColumns = "id, app_id, prefix, hash, created_at, revoked_at, last_used_at"

// ScanKey scans KeyColumns.
func ScanKey(r Row) (visage.APIKey, error) {
	var k visage.APIKey
	var created, used int64
	var revoked sql.NullInt64
	if err := r.Scan(&k.ID, &k.AppID, &k.Prefix, &k.Hash, &created, &revoked, &used); err != nil {
		return k, err
	}
	k.CreatedAt, k.LastUsedAt = FromMicros(created), FromMicros(used)
	if revoked.Valid {
		t := FromMicros(revoked.Int64)
		k.RevokedAt = &t
	}
	return k, nil
}

// RevokedAt is how a key's revocation time is stored: NULL when it is not
// revoked.
func RevokedAt(k *visage.APIKey) *int64 {
	if k.RevokedAt == nil {
		return nil
	}
	n := Micros(*k.RevokedAt)
	return &n
}

// AdminTokenColumns are an admin token's columns, in ScanAdminToken's
// order.
const AdminTokenColumns = "id, prefix, hash, created_at"

// ScanAdminToken scans AdminTokenColumns.
func ScanAdminToken(r Row) (AdminToken, error) {
	var t AdminToken
	var created int64
	err := r.Scan(&t.ID, &t.Prefix, &t.Hash, &created)
	t.CreatedAt = FromMicros(created)
	return t, err
}

// FaceColumns are a face's columns but its templates, in ScanFace's
// order.
const FaceColumns = "app_id, id, external_id, pin_hash, pin_failures, pin_locked_until, age, female, created_at, updated_at, payload, number, last_used_at"

// ScanFace scans FaceColumns, and the sealed templates after them when
// withTemplates, and opens the payload and the templates with c.
func ScanFace(c *Cipher, r Row, withTemplates bool) (*visage.Face, error) {
	var f visage.Face
	var external sql.NullString
	var locked, created, updated, used int64
	var payload, templates []byte
	dest := []any{&f.AppID, &f.ID, &external, &f.PINHash, &f.PINFailures, &locked,
		&f.Age, &f.Female, &created, &updated, &payload, &f.Number, &used}
	if withTemplates {
		dest = append(dest, &templates)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	f.ExternalID = external.String
	f.PINLockedUntil = FromMicros(locked)
	f.CreatedAt = FromMicros(created)
	f.UpdatedAt = FromMicros(updated)
	f.LastUsedAt = FromMicros(used)
	var err error
	if f.Payload, err = c.OpenPayload(f.AppID, f.ID, payload); err != nil {
		return nil, err
	}
	if withTemplates {
		if f.Templates, err = c.OpenTemplates(f.AppID, f.ID, templates); err != nil {
			return nil, err
		}
	}
	return &f, nil
}

// FaceValues are the values of FaceColumns and then templates for f's
// row, its payload and templates sealed with c, and its number.
func FaceValues(c *Cipher, f *visage.Face, number int64) []any {
	return []any{f.AppID, f.ID, NullString(f.ExternalID), NullBytes(f.PINHash), f.PINFailures, Micros(f.PINLockedUntil),
		f.Age, f.Female, Micros(f.CreatedAt), Micros(f.UpdatedAt),
		c.SealPayload(f.AppID, f.ID, f.Payload), number, Micros(f.LastUsedAt), c.SealTemplates(f.AppID, f.ID, f.Templates)}
}
