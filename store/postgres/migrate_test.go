package postgres

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/store"
)

// Replicas that start at once on a new database all open it, and each
// migration is applied exactly once: they take turns under the migration
// lock, and each finds the work of the one before done.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	url, name := storetest.PostgresSchema(t)
	const replicas = 3
	var wg sync.WaitGroup
	var created atomic.Int32
	for i := range replicas {
		wg.Go(func() {
			s, err := Open(ctx, url, storetest.Key)
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
				return
			}
			if s.Created() {
				created.Add(1)
			}
			s.Close()
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := created.Load(); n != 1 {
		t.Errorf("%d replicas say they created the schema, want 1", n)
	}
	ms, err := store.LoadMigrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range ms {
		want = append(want, fmt.Sprintf("%d %s", m.Version, m.Name))
	}
	rows, err := storetest.PostgresConn(t, url).Query(ctx, "SELECT version || ' ' || name FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("schema %s recorded migrations %q (%v), want %q", name, got, err, want)
	}
}

// A schema that a newer binary migrated further is refused, not used.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	s, url := openTest(t)
	s.Close()
	if _, err := storetest.PostgresConn(t, url).Exec(ctx,
		"INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', 0)"); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, url, storetest.Key)
	if err == nil {
		s.Close()
		t.Fatal("a schema of a newer version was opened")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("the error does not say why: %v", err)
	}
}

// A database is opened with the key it was created with, or not at all:
// a wrong key is refused at Open rather than found out face by face.
func TestWrongKeyRefused(t *testing.T) {
	t.Parallel()
	s, url := openTest(t)
	storetest.CreateApp(t, s, "app1")
	storetest.CreateFace(t, s, "app1", "face1", "")
	s.Close()
	other := bytes.Repeat([]byte{8}, 32)
	if s, err := Open(ctx, url, other); err == nil {
		s.Close()
		t.Fatal("a database opened with another key")
	} else if !strings.Contains(err.Error(), "key") {
		t.Fatalf("the error does not say why: %v", err)
	}
	if _, err := Open(ctx, url, other[:16]); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
	s = openURL(t, url) // the right key still works
	if _, err := s.Face(ctx, "app1", "face1"); err != nil {
		t.Fatal(err)
	}
}
