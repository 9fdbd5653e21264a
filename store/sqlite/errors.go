package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/visagehq/visage"
	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// isConstraint reports whether err is a violation of one of the
// constraint kinds (SQLITE_CONSTRAINT_* extended codes).
func isConstraint(err error, codes ...int) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code() == c {
			return true
		}
	}
	return false
}

// isUnique reports a unique or primary-key violation.
func isUnique(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// isNoApp reports a foreign-key violation: the row's app does not exist.
func isNoApp(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY)
}

// notFound is the error of every missing row, including rows of another
// app: the two are indistinguishable by design.
func notFound(what, id string) error {
	return visage.Errorf(visage.CodeNotFound, "%s %s not found", what, id)
}

// internal wraps an unexpected error with the operation and the IDs it
// concerned, and passes the store's coded errors through unchanged.
func internal(err error, format string, args ...any) error {
	var coded *visage.Error
	if err == nil || errors.As(err, &coded) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", fmt.Sprintf(format, args...), err)
}

// affected turns an UPDATE or DELETE that matched no row into NOT_FOUND.
func affected(res sql.Result, err error, what, id string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(what, id)
	}
	return nil
}
