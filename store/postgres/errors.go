package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/visagehq/visage"
)

// SQLSTATEs the store tells apart.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isUnique reports a unique or primary-key violation.
func isUnique(err error) bool { return pgCode(err) == uniqueViolation }

// isNoApp reports a foreign-key violation: the row's app does not exist.
func isNoApp(err error) bool { return pgCode(err) == foreignKeyViolation }

// notFound is the error of every missing row, including rows of another
// app: the two are indistinguishable by design.
func notFound(what, id string) error {
	return visage.Errorf(visage.CodeNotFound, "%s %s not found", what, id)
}

// unreachable says whether err means the database cannot be reached now:
// a connection that could not be made (refused, or timed out, as by a
// server that takes connections and never answers; not one the server
// refused, such as for a wrong password), a connection that broke
// mid-call, or an answer that the server is shutting down, starting, or
// out of connections (SQLSTATE classes 08 and 57P, and 53300). Any other
// error, a malformed row say, is not something a retry mends.
func unreachable(err error) bool {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return strings.HasPrefix(e.Code, "08") || strings.HasPrefix(e.Code, "57P") || e.Code == "53300"
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		// A connection the caller gave up on is the caller's business;
		// one that timed out (connectTimeout) is the server's.
		return !errors.Is(err, context.Canceled)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed)
}

// internal wraps an unexpected error with the operation and the IDs it
// concerned, and passes the store's coded errors and the caller's
// context errors through unchanged. An unreachable database is
// UNAVAILABLE: the message says so and names nothing internal.
func internal(err error, format string, args ...any) error {
	var coded *visage.Error
	if err == nil || errors.As(err, &coded) {
		return err
	}
	wrapped := fmt.Errorf("postgres: %s: %w", fmt.Sprintf(format, args...), err)
	if unreachable(err) {
		return visage.Wrap(visage.CodeUnavailable, wrapped, "the database cannot be reached now; retry shortly")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return wrapped
}

// affected turns an UPDATE or DELETE that matched no row into NOT_FOUND.
func affected(tag pgconn.CommandTag, err error, what, id string) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notFound(what, id)
	}
	return nil
}
