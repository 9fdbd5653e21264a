package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the name of the key file in the data directory.
const KeyFile = "visage.key"

// LoadOrCreateKey returns the encryption key of the data directory, from
// <dataDir>/visage.key, generating the file on first start.
//
// LOSING THE KEY MEANS LOSING EVERY TEMPLATE AND PAYLOAD: they are
// encrypted with it and nothing else can decrypt them, so the faces would
// have to be enrolled again. Back the key up, apart from the database (a
// backup holding both protects nothing). Conversely, destroying every copy
// of the key is the one way to make every copy of the data unreadable,
// backups and disk remnants included.
//
// The file holds the key as 64 hex digits and a newline: hex so that the
// same text can be pasted into the configuration (ParseKey) and survives
// copy and paste. It is created with mode 0600, and a key file that the
// group or others can access is refused rather than used: the key would
// no longer be secret. The file is written under a temporary name, synced,
// then linked into place, which fails if the name exists; so two processes
// starting at once both end up with the one key that won, and no process
// can read a half-written key.
func LoadOrCreateKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, KeyFile)
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	key = make([]byte, KeySize)
	rand.Read(key) // never fails (crypto/rand.Read crashes the program instead)
	if err := createKeyFile(path, key); errors.Is(err, fs.ErrExist) {
		return readKeyFile(path) // another process created it first
	} else if err != nil {
		return nil, err
	}
	return key, nil
}

// ParseKey parses a key given in the configuration: 64 hex digits, the
// format of the key file.
func ParseKey(s string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("store: an encryption key is %d hex digits", 2*KeySize)
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("store: key file %s has mode %v; refusing a key others can access (chmod 600 it)", path, info.Mode().Perm())
	}
	// A key file is 65 bytes; reading a little more is enough to refuse
	// a file that is something else without reading all of it.
	text, err := io.ReadAll(io.LimitReader(f, 4*KeySize))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	key, err := ParseKey(string(text))
	if err != nil {
		return nil, fmt.Errorf("store: key file %s: %w", path, err)
	}
	return key, nil
}

func createKeyFile(path string, key []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".visage.key-*") // mode 0600, O_EXCL
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: writing key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("store: %w", err)
	}
	return syncDir(dir)
}

// syncDir makes the new key file's directory entry durable: a key that
// vanished in a power cut after faces were encrypted with it would lose them.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: syncing %s: %w", dir, err)
	}
	return nil
}
