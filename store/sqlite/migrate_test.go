package sqlite

import (
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// schemaVersions returns the recorded migrations as "name applied_at".
func schemaVersions(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v, applied int64
		var name string
		if err := rows.Scan(&v, &name, &applied); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d", name, applied))
	}
	return out
}

func TestMigrationsIdempotent(t *testing.T) {
	s, path := openTest(t)
	ms, err := store.LoadMigrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	first := schemaVersions(t, s.reader)
	if len(first) != len(ms) || len(ms) < 2 {
		t.Fatalf("recorded %v, want all %d migrations", first, len(ms))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, path)
	if err := migrate(ctx, s.writer, migrations); err != nil {
		t.Fatal(err)
	}
	if again := schemaVersions(t, s.reader); strings.Join(again, "\n") != strings.Join(first, "\n") {
		t.Fatalf("reopening changed the recorded migrations:\n%v\nwas\n%v", again, first)
	}
}

// A database at schema version 1, with a face in it, is brought to the
// current version by Open, and its face is still readable.
func TestMigrateOldDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	v1, err := fs.ReadFile(migrations, "migrations/0001_core.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, fstest.MapFS{"migrations/0001_core.sql": {Data: v1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("SELECT 1 FROM usage"); err == nil {
		t.Fatal("version 1 has the usage table: the test does not start from an old version")
	}
	c, err := store.NewCipher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	f := newFace("app1", "face1", "old-face")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO meta (name, value) VALUES ('key_check', ?)", []any{c.KeyCheck()}},
		{"INSERT INTO apps VALUES ('app1', 'pub1', 'Old', 'free', '{\"level\":4}', 1)", nil},
		{"INSERT INTO faces (app_id, id, external_id, age, female, created_at, updated_at, templates) VALUES ('app1', 'face1', 'old-face', 30, 0, 1, 1, ?)",
			[]any{c.SealTemplates("app1", "face1", f.Templates)}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := reopen(t, path)
	ms, err := store.LoadMigrations(migrations)
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaVersions(t, s.reader); len(got) != len(ms) || !strings.HasPrefix(got[len(got)-1], ms[len(ms)-1].Name) {
		t.Fatalf("recorded migrations after Open: %v", got)
	}
	got, err := s.FaceByExternalID(ctx, "app1", "old-face")
	if err != nil || !templatesEqual(got.Templates, f.Templates) {
		t.Fatalf("the old face after migrating: %+v, %v", got, err)
	}
	if err := s.CountCall(ctx, "app1", time.Now(), true); err != nil {
		t.Fatal(err)
	}
	if err := s.flushUsage(ctx); err != nil {
		t.Fatalf("the migrated usage table: %v", err)
	}
}

// A database at schema version 2 (before accounts), with an app made by
// an administrator, gains the accounts table: the old app has no account,
// and a new registration gets number 1.
func TestMigrateToAccounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	for _, name := range []string{"migrations/0001_core.sql", "migrations/0002_usage.sql"} {
		data, err := fs.ReadFile(migrations, name)
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: data}
	}
	if err := migrate(ctx, db, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("SELECT 1 FROM accounts"); err == nil {
		t.Fatal("version 2 has the accounts table: the test does not start from an old version")
	}
	c, err := store.NewCipher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO apps VALUES ('app1', 'pub1', 'Old', 'pro', '{\"level\":4}', 1)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec("INSERT INTO meta (name, value) VALUES ('key_check', ?)", c.KeyCheck()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := reopen(t, path)
	if got := schemaVersions(t, s.reader); len(got) < 3 || !strings.HasPrefix(got[2], "0003_accounts.sql") {
		t.Fatalf("recorded migrations after Open: %v", got)
	}
	_, err = s.AccountByApp(ctx, "app1")
	wantCode(t, err, visage.CodeNotFound)
	a, app, key := registration("app2", "dev@company.com")
	if err := s.CreateAccount(ctx, a, app, key); err != nil || a.ID != 1 {
		t.Fatalf("the first account after migrating: %+v, %v", a, err)
	}
}

// A migration that fails leaves the database at the previous version,
// with nothing of the failed migration applied.
func TestMigrationIsAtomic(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys := fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"migrations/0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1); NOT SQL;")},
	}
	if err := migrate(ctx, db, fsys); err == nil {
		t.Fatal("a broken migration succeeded")
	}
	if got := schemaVersions(t, db); len(got) != 1 {
		t.Fatalf("recorded %v, want version 1 only", got)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'b'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("table b of the failed migration exists (%d, %v)", n, err)
	}
	if err := db.QueryRow("SELECT COUNT(*) FROM a").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the failed migration's insert stayed (%d, %v)", n, err)
	}
	fsys["migrations/0002_b.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE b (x INTEGER);")}
	if err := migrate(ctx, db, fsys); err != nil {
		t.Fatalf("the fixed migration: %v", err)
	}
	if got := schemaVersions(t, db); len(got) != 2 {
		t.Fatalf("recorded %v, want versions 1 and 2", got)
	}
}

func TestNewerDatabaseRefused(t *testing.T) {
	s, path := openTest(t)
	if _, err := s.writer.Exec("INSERT INTO schema_migrations VALUES (99, '0099_future.sql', 0)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(path, testKey); err == nil {
		s.Close()
		t.Fatal("a database of a newer schema was opened")
	}
}

func TestOpenSettings(t *testing.T) {
	s, _ := openTest(t)
	for pragma, want := range map[string]string{
		"journal_mode":  "wal",
		"synchronous":   "2", // FULL
		"foreign_keys":  "1",
		"secure_delete": "1",
		"busy_timeout":  "5000",
	} {
		var got string
		if err := s.writer.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("writer: %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
	if _, err := s.reader.Exec("DELETE FROM apps"); err == nil {
		t.Error("the reader pool can write")
	}
	if s.writer.Stats().MaxOpenConnections != 1 {
		t.Error("the writer pool has more than one connection")
	}
}

// A database at schema version 3 (before face numbers), with faces in two
// apps, numbers them per app in enrollment order; a new face takes the
// next number, and a deleted face's number is not given again.
func TestMigrateToFaceNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	for _, name := range []string{"migrations/0001_core.sql", "migrations/0002_usage.sql", "migrations/0003_accounts.sql"} {
		data, err := fs.ReadFile(migrations, name)
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: data}
	}
	if err := migrate(ctx, db, old); err != nil {
		t.Fatal(err)
	}
	c, err := store.NewCipher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO meta (name, value) VALUES ('key_check', ?)", c.KeyCheck()); err != nil {
		t.Fatal(err)
	}
	for _, app := range []string{"app1", "app2"} {
		if _, err := db.Exec("INSERT INTO apps VALUES (?, ?, 'Old', 'pro', '{\"level\":4}', 1)", app, "pub-"+app); err != nil {
			t.Fatal(err)
		}
	}
	// Enrolled at times 3, 1, 2 in app1 (IDs out of that order), one in app2.
	for _, f := range []struct {
		app, id string
		at      int
	}{{"app1", "a", 3}, {"app1", "b", 1}, {"app1", "c", 2}, {"app2", "d", 5}} {
		sealed := c.SealTemplates(f.app, f.id, newFace(f.app, f.id, "").Templates)
		if _, err := db.Exec("INSERT INTO faces (app_id, id, age, female, created_at, updated_at, templates) VALUES (?, ?, 30, 0, ?, ?, ?)",
			f.app, f.id, f.at, f.at, sealed); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := reopen(t, path)
	for id, want := range map[string]int64{"a": 3, "b": 1, "c": 2} {
		if f, err := s.Face(ctx, "app1", id); err != nil || f.Number != want {
			t.Errorf("face %s after migrating: number %v, %v; want %d", id, f, err, want)
		}
	}
	if f, err := s.Face(ctx, "app2", "d"); err != nil || f.Number != 1 {
		t.Errorf("app2's face after migrating: %v, %v; want number 1", f, err)
	}
	if err := s.DeleteFace(ctx, "app1", "a"); err != nil {
		t.Fatal(err)
	}
	f := newFace("app1", "e", "")
	if err := s.CreateFace(ctx, f); err != nil || f.Number != 4 {
		t.Fatalf("a new face after deleting number 3: number %d, %v; want 4", f.Number, err)
	}
}
