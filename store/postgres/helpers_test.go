package postgres

import (
	"context"
	"testing"

	"github.com/visagehq/visage/internal/storetest"
)

// The behaviour every backend shares is tested once, against each, by the
// suite in package store; these tests are PostgreSQL's own. Each runs on a
// schema of its own (storetest.PostgresSchema) and is skipped when no
// server answers.

var ctx = context.Background()

// openTest opens a store on a new schema, and returns it with its URL
// (whose application_name is the schema's name).
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	url, _ := storetest.PostgresSchema(t)
	return openURL(t, url), url
}

// openURL opens a store at url, closed at the end of the test.
func openURL(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(ctx, url, storetest.Key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
