package sqlite

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// dataFiles are the database's files on disk.
func dataFiles(path string) []string { return []string{path, path + "-wal", path + "-shm"} }

// checkPrivate fails the test for each of the database's files that the
// group or others may access.
func checkPrivate(t *testing.T, path string) {
	t.Helper()
	for _, f := range dataFiles(path) {
		info, err := os.Stat(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", filepath.Base(f), perm)
		}
	}
}

// The database holds every face's external ID and PIN hash, and its
// templates sealed: its files are the owner's alone, whatever the
// folder's mode and the umask.
func TestFilesArePrivate(t *testing.T) {
	// The common umask, which leaves new files readable by everyone.
	defer syscall.Umask(syscall.Umask(0o022))
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "visage.db")
	s := reopen(t, path)
	createApp(t, s, "a") // a write, so that the WAL holds something
	checkPrivate(t, path)
	s.Close()

	// Files left readable (an older version, a copy, a chmod) are made
	// private when the store opens them.
	for _, f := range dataFiles(path) {
		if err := os.Chmod(f, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	s = reopen(t, path)
	createApp(t, s, "b")
	checkPrivate(t, path)
	s.Close()
}
