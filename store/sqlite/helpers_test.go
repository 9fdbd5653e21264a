package sqlite

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/visagehq/visage"
)

var ctx = context.Background()

// testKey is the key of the test databases; the store does not care
// which key, only that it stays the same.
var testKey = bytes.Repeat([]byte{7}, 32)

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

func createApp(t testing.TB, s *Store, id string) *visage.App {
	t.Helper()
	a := &visage.App{ID: id, PublicID: "pub-" + id, Name: "App " + id, Plan: "free", Settings: visage.AppSettings{Level: 4}}
	if err := s.CreateApp(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// newFace returns a face of app with one random 512-d template.
func newFace(appID, id, externalID string) *visage.Face {
	v := make([]float32, 512)
	for i := range v {
		v[i] = rand.Float32()*2 - 1
	}
	return &visage.Face{
		ID: id, AppID: appID, ExternalID: externalID,
		Payload:   json.RawMessage(fmt.Sprintf(`{"name":"person %s"}`, id)),
		Templates: []visage.Template{{Model: "arcface-r100", Vector: v}},
		Age:       31.5, Female: 0.25,
	}
}

func createFace(t testing.TB, s *Store, appID, id, externalID string) *visage.Face {
	t.Helper()
	f := newFace(appID, id, externalID)
	if err := s.CreateFace(ctx, f); err != nil {
		t.Fatal(err)
	}
	return f
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, err error, code visage.Code) {
	t.Helper()
	if got := visage.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func templatesEqual(a, b []visage.Template) bool {
	return slices.EqualFunc(a, b, func(x, y visage.Template) bool {
		return x.Model == y.Model && slices.Equal(x.Vector, y.Vector)
	})
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
