package sqlite

import (
	"context"
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"

	"github.com/visagehq/visage/internal/storetest"
)

// The behaviour every backend shares is tested once, against each, by the
// suite in package store; these tests are the SQLite store's own.

var ctx = context.Background()

// testKey is the key of the test databases; the store does not care
// which key, only that it stays the same.
var testKey = storetest.Key

// The fixtures shared with the suite.
var (
	createApp      = storetest.CreateApp
	newFace        = storetest.NewFace
	createFace     = storetest.CreateFace
	wantCode       = storetest.WantCode
	templatesEqual = storetest.TemplatesEqual
	registration   = storetest.Registration
)

// openTest opens a new store in a temporary directory and closes it at the
// end of the test unless the test closed it.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "visage.db")
	return reopen(t, path), path
}

func reopen(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, testKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// vectorBytes is a template's vector as the store serialises it before
// sealing: little-endian float32s.
func vectorBytes(v []float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}
