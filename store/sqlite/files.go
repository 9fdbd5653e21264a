package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// private makes the database's files the owner's alone. The database
// holds every face's external ID and PIN hash besides the sealed
// templates and payloads, and SQLite would create it -rw-r--r-- under the
// usual umask, for every local user to read, whatever the folder's mode.
// So the file is created here with mode 0600 when it does not exist, and
// SQLite gives its -wal and -shm files the database file's mode. Files
// that exist with access for the group or others (made by an older
// version, copied, restored) lose it, with a warning: their content may
// have been read already. A file whose mode cannot be changed is refused.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(p, perm&0o700); err != nil {
				return fmt.Errorf("sqlite: %s has mode %v and cannot be made private: %w", p, perm, err)
			}
			slog.Warn("a data file was open to other local users; it is now the owner's alone", "file", p, "mode_was", perm.String())
		}
	}
	return nil
}
