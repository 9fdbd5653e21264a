package service_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/replica"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/postgres"
)

// replicaService is one replica's service: its own store connections,
// gallery and follower, on a PostgreSQL schema shared with the others.
func replicaService(t *testing.T, url string) *service.Service {
	t.Helper()
	ctx := context.Background()
	st, err := postgres.Open(ctx, url, storetest.Key)
	check(t, err)
	t.Cleanup(func() { st.Close() })
	g := index.New()
	f, err := replica.Load(ctx, st, g, slog.New(slog.DiscardHandler))
	check(t, err)
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.Run(run); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	e := testface.Engine(t)
	return service.New(service.Config{Store: st, Gallery: g, Follower: f, Engine: e, Table: e.Pack().Calibration, PINKey: []byte("test pin key")})
}

// One person enrolled at once through two replicas of an app that
// prevents duplicates is enrolled once: the replicas' checks and inserts
// take turns (the store's app lock), and each check sees the other
// replica's enrollment (the follower's Sync). The same holds for a PIN
// that must be unique.
func TestReplicasPreventDuplicates(t *testing.T) {
	url, _ := storetest.PostgresSchema(t)
	a, b := replicaService(t, url), replicaService(t, url)
	ctx := context.Background()
	app, err := a.CreateApp(ctx, "dup", "enterprise")
	check(t, err)
	check(t, a.UpdateSettings(ctx, app, visage.AppSettings{Level: 4, PreventDuplicates: true, UniquePIN: true}))
	alice := testface.Person(t, 5, 0, 0)
	// Five other people of the demo photos, one face each.
	others := [][]byte{testface.Person(t, 3, 0, 0), testface.Person(t, 3, 1, 0), testface.Person(t, 4, 0, 0),
		testface.Person(t, 5, 2, 0), testface.Person(t, 6, 0, 0)}

	for _, c := range []struct {
		name    string
		n       int
		req     func(i int) service.EnrollRequest
		refusal visage.Code
	}{
		{"one person", 6, func(i int) service.EnrollRequest {
			return service.EnrollRequest{Images: [][]byte{alice}}
		}, visage.CodeFaceDuplication},
		{"one PIN", len(others), func(i int) service.EnrollRequest {
			return service.EnrollRequest{Images: [][]byte{others[i]}, PIN: "4242"}
		}, visage.CodeUniquePINRequired},
	} {
		var wg sync.WaitGroup
		codes := make([]visage.Code, c.n)
		for i := range codes {
			svc := a
			if i%2 == 1 {
				svc = b
			}
			wg.Go(func() {
				_, err := svc.Enroll(ctx, app, c.req(i))
				codes[i] = visage.ErrorCode(err)
			})
		}
		wg.Wait()
		enrolled := 0
		for _, code := range codes {
			switch code {
			case "":
				enrolled++
			case c.refusal:
			default:
				t.Errorf("%s: an enrollment failed with %s", c.name, code)
			}
		}
		t.Logf("%s through two replicas, %d at once: %v", c.name, c.n, codes)
		if enrolled != 1 {
			t.Errorf("%s: %d enrollments succeeded, want 1", c.name, enrolled)
		}
	}
}

// Asked at once through two replicas for an app by name (Facenition's
// app of a verified email and phone), the service makes one.
func TestReplicasMakeOneNamedApp(t *testing.T) {
	url, _ := storetest.PostgresSchema(t)
	a, b := replicaService(t, url), replicaService(t, url)
	ctx := context.Background()
	ids := make([]string, 6)
	var wg sync.WaitGroup
	for i := range ids {
		svc := a
		if i%2 == 1 {
			svc = b
		}
		wg.Go(func() {
			app, err := svc.NamedApp(ctx, "pair", "free")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = app.ID
		})
	}
	wg.Wait()
	apps, err := a.Apps(ctx)
	check(t, err)
	if len(apps) != 1 {
		t.Fatalf("%d apps made, want 1 (IDs given: %v)", len(apps), ids)
	}
	for _, id := range ids {
		if id != apps[0].ID {
			t.Fatalf("IDs given %v, the app is %s", ids, apps[0].ID)
		}
	}
}
