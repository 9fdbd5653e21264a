package main

import (
	"bytes"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// `visage audit verify` passes a log the server wrote, and finds an
// entry edited in the database and an entry deleted from it.
func TestAuditVerify(t *testing.T) {
	for _, tamper := range []struct {
		name, sql, want string
	}{
		{"edited", "UPDATE audit SET action = 'app.rename' WHERE seq = 2", "BROKEN at entry 2"},
		{"deleted", "DELETE FROM audit WHERE seq = 2", "BROKEN at entry 3"},
	} {
		t.Run(tamper.name, func(t *testing.T) {
			dir := t.TempDir()
			var out bytes.Buffer
			for _, args := range [][]string{{"create", "--data", dir, "Shop"}, {"create", "--data", dir, "Blog"}} {
				if err := runApp(args, &out); err != nil {
					t.Fatal(err)
				}
			}
			out.Reset()
			if err := runAudit([]string{"verify", "--data", dir}, &out); err != nil {
				t.Fatalf("verify: %v\n%s", err, &out)
			}
			// Two apps, each with its first key: four entries.
			if !strings.Contains(out.String(), "ok: 4 entries verified") {
				t.Fatalf("verify said:\n%s", &out)
			}
			out.Reset()
			if err := runAudit([]string{"export", "--data", dir, "--action", "key.create"}, &out); err != nil {
				t.Fatal(err)
			}
			if lines := strings.Count(out.String(), "\n"); lines != 2 || !strings.Contains(out.String(), `"actor":"system"`) {
				t.Errorf("export of key.create: %d lines\n%s", lines, &out)
			}

			db, err := sql.Open("sqlite", filepath.Join(dir, "visage.db"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tamper.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			out.Reset()
			err = runAudit([]string{"verify", "--data", dir}, &out)
			if !errors.Is(err, errReported) || !strings.Contains(out.String(), tamper.want) {
				t.Errorf("verify after the entry was %s: %v\n%s", tamper.name, err, &out)
			}
		})
	}
}
