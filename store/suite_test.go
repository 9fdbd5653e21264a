package store_test

// The tests of this package's _test files are one suite of the store.Store
// contract, run against every backend (the table below), each test on a
// store of its own so that they run in parallel. What only one backend
// does is tested in its own package.

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/store"
	"github.com/visagehq/visage/store/postgres"
	"github.com/visagehq/visage/store/sqlite"
)

var ctx = context.Background()

// The fixtures most used (all are in storetest).
var (
	createApp  = storetest.CreateApp
	newFace    = storetest.NewFace
	createFace = storetest.CreateFace
	wantCode   = storetest.WantCode
)

// A backend makes the store of one test: a new, empty one, and returns
// open, which opens that store (again, after a Close, for the tests of
// what survives one). Every store open returns is closed at the end of
// the test.
type backend struct {
	name string
	new  func(t *testing.T) (open func() store.Store)
}

var backends = []backend{
	{"sqlite", func(t *testing.T) func() store.Store {
		path := filepath.Join(t.TempDir(), "visage.db")
		return func() store.Store {
			t.Helper()
			s, err := sqlite.Open(path, storetest.Key)
			return opened(t, s, err)
		}
	}},
	// A schema of the test's own on the server of $VISAGE_TEST_POSTGRES;
	// skipped when no server answers.
	{"postgres", func(t *testing.T) func() store.Store {
		url, _ := storetest.PostgresSchema(t)
		return func() store.Store {
			t.Helper()
			s, err := postgres.Open(ctx, url, storetest.Key)
			return opened(t, s, err)
		}
	}},
}

func opened[S store.Store](t *testing.T, s S, err error) store.Store {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eachBackend runs test once per backend, in parallel subtests, with the
// open of a new store.
func eachBackend(t *testing.T, test func(t *testing.T, open func() store.Store)) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b.new(t))
		})
	}
}

// eachStore runs test once per backend, in parallel subtests, on a new
// store.
func eachStore(t *testing.T, test func(t *testing.T, s store.Store)) {
	eachBackend(t, func(t *testing.T, open func() store.Store) { test(t, open()) })
}

// usageDay is when enrollApp counts its call: a fixed day, so that no
// test straddles midnight.
var usageDay = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// enrollApp makes an app that holds one of everything: its account and
// key (registration), a face id+"-face" with the external ID id+"-ext"
// and the PIN hash "pin-"+id, and a call on usageDay. It returns the face.
func enrollApp(t *testing.T, s store.Store, id string) *visage.Face {
	t.Helper()
	a, app, key := storetest.Registration(id, id+"@company.com")
	if err := s.CreateAccount(ctx, a, app, key); err != nil {
		t.Fatal(err)
	}
	f := newFace(id, id+"-face", id+"-ext")
	f.PINHash = []byte("pin-" + id)
	if err := s.CreateFace(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := s.CountCall(ctx, id, usageDay, true); err != nil {
		t.Fatal(err)
	}
	return f
}

// wantHoldings fails the test unless each method that finds what the
// store holds of an app finds n things (0, or 1 of what enrollApp made).
func wantHoldings(t *testing.T, s store.Store, app string, n int) {
	t.Helper()
	count := map[string]func() (int, error){
		"Faces":       func() (int, error) { fs, err := s.Faces(ctx, app, "", 100); return len(fs), err },
		"CountFaces":  func() (int, error) { return s.CountFaces(ctx, app) },
		"PINHashes":   func() (int, error) { hs, err := s.PINHashes(ctx, app); return len(hs), err },
		"RecentFaces": func() (int, error) { ids, err := s.RecentFaces(ctx, app, 10); return len(ids), err },
		"Keys":        func() (int, error) { ks, err := s.Keys(ctx, app); return len(ks), err },
		"Usage":       func() (int, error) { days, err := s.Usage(ctx, app, usageDay, usageDay); return len(days), err },
		"MonthCalls":  func() (int, error) { calls, err := s.MonthCalls(ctx, app, usageDay); return int(calls), err },
		"AccountByApp": func() (int, error) {
			_, err := s.AccountByApp(ctx, app)
			if visage.ErrorCode(err) == visage.CodeNotFound {
				return 0, nil
			}
			return 1, err
		},
	}
	for name, call := range count {
		if got, err := call(); err != nil || got != n {
			t.Errorf("%s of %s: %d, %v; want %d", name, app, got, err, n)
		}
	}
}
