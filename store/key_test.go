package store

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	key, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize || bytes.Equal(key, make([]byte, KeySize)) {
		t.Fatalf("key %x", key)
	}
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	text, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if string(text) != hex.EncodeToString(key)+"\n" {
		t.Fatalf("key file holds %q", text)
	}
	again, err := LoadOrCreateKey(dir)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("second load: %x, %v; want the same key", again, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".visage.key-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestLoadOrCreateKeyRefusesOpenPermissions(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateKey(dir); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o602} {
		if err := os.Chmod(filepath.Join(dir, KeyFile), mode); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateKey(dir); err == nil {
			t.Errorf("a key file of mode %v was used", mode)
		}
	}
}

func TestLoadOrCreateKeyRefusesMalformed(t *testing.T) {
	for _, text := range []string{"", "zz", hex.EncodeToString(make([]byte, 16)), string(make([]byte, 1000))} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateKey(dir); err == nil {
			t.Errorf("key file %q was accepted", text)
		}
	}
}

// Processes starting at once on a new data directory all get the one key
// that was written, never one of their own that lost the race.
func TestLoadOrCreateKeyRace(t *testing.T) {
	dir := t.TempDir()
	keys := make([][]byte, 16)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadOrCreateKey(dir)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i, k := range keys {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("caller %d got %x, caller 0 got %x", i, k, keys[0])
		}
	}
}

func TestParseKey(t *testing.T) {
	want := bytes.Repeat([]byte{0xab}, KeySize)
	got, err := ParseKey("  " + hex.EncodeToString(want) + "\n")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %x, %v", got, err)
	}
	for _, s := range []string{"", "ab", hex.EncodeToString(want) + "ab", "g" + hex.EncodeToString(want)[1:]} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("%q was accepted", s)
		}
	}
}
