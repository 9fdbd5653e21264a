package replica

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/store/postgres"
)

var ctx = context.Background()

// openReplica opens a store on url and a follower of it with its own
// gallery, as one replica would, and runs the follower until the test
// ends.
func openReplica(t *testing.T, url string) (*postgres.Store, *index.Gallery, *Follower) {
	t.Helper()
	st, err := postgres.Open(ctx, url, storetest.Key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := index.New()
	f, err := Load(ctx, st, g, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.Run(run); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	return st, g, f
}

// unitFace is a face whose template the gallery takes: a unit vector.
func unitFace(appID, id string) *visage.Face {
	f := storetest.NewFace(appID, id, "")
	v := f.Templates[0].Vector
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return f
}

// within polls cond until it holds, failing the test after d.
func within(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func found(g *index.Gallery, f *visage.Face) bool {
	hits := g.Search(f.AppID, f.Templates[0], 1, 0.99)
	return len(hits) == 1 && hits[0].FaceID == f.ID
}

// A face enrolled through one replica is found by the others within a
// second, a face deleted through one is gone from all, and so are the
// faces of a deleted app.
func TestGalleriesFollowTheStore(t *testing.T) {
	url, _ := storetest.PostgresSchema(t)
	a, ga, _ := openReplica(t, url)
	b, gb, _ := openReplica(t, url)
	c, gc, _ := openReplica(t, url)
	storetest.CreateApp(t, a, "app1")
	storetest.CreateApp(t, a, "app2")

	f := unitFace("app1", "face1")
	if err := a.CreateFace(ctx, f); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]*index.Gallery{"A": ga, "B": gb, "C": gc} {
		took := within(t, time.Second, "enrolled face in gallery "+name, func() bool { return found(g, f) })
		t.Logf("gallery %s holds the new face after %v", name, took)
	}
	renewed := unitFace("app1", "face1")
	if err := c.ReplaceTemplates(ctx, "app1", "face1", renewed.Templates, 40, 0.5); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "new templates in gallery A", func() bool { return found(ga, renewed) && !found(ga, f) })
	if err := b.DeleteFace(ctx, "app1", "face1"); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]*index.Gallery{"A": ga, "B": gb, "C": gc} {
		within(t, time.Second, "deleted face gone from gallery "+name, func() bool { return g.Len("app1") == 0 })
	}

	other := unitFace("app2", "face2")
	if err := a.CreateFace(ctx, other); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "app2's face in gallery C", func() bool { return found(gc, other) })
	if err := b.DeleteApp(ctx, "app2"); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "deleted app gone from gallery C", func() bool { return gc.Len("app2") == 0 })
}

// Sync returns with the caller's write in its gallery, and a write and a
// delete of one face through two replicas end in every gallery in the
// order they committed: the delete last, the face gone.
func TestSyncOrdersWrites(t *testing.T) {
	url, _ := storetest.PostgresSchema(t)
	a, ga, fa := openReplica(t, url)
	b, gb, fb := openReplica(t, url)
	storetest.CreateApp(t, a, "app1")
	for i := range 30 {
		f := unitFace("app1", fmt.Sprintf("face%02d", i))
		if err := a.CreateFace(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := fa.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if !found(ga, f) {
			t.Fatalf("face %d not in the writer's gallery after Sync", i)
		}
		if err := b.DeleteFace(ctx, "app1", f.ID); err != nil {
			t.Fatal(err)
		}
		if err := fb.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if found(gb, f) {
			t.Fatalf("face %d still in the deleter's gallery after Sync", i)
		}
	}
	if err := fa.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := ga.Len("app1") + gb.Len("app1"); n != 0 {
		t.Fatalf("%d deleted faces left in the galleries", n)
	}
}

// A replica whose next change was pruned from the log reloads: it gets
// the faces enrolled meanwhile and drops those deleted meanwhile.
func TestReloadAfterPrunedLog(t *testing.T) {
	url, schema := storetest.PostgresSchema(t)
	a, _, _ := openReplica(t, url)
	storetest.CreateApp(t, a, "app1")
	kept, gone := unitFace("app1", "kept"), unitFace("app1", "gone")
	for _, f := range []*visage.Face{kept, gone} {
		if err := a.CreateFace(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	// A replica loaded now, but not following yet.
	g := index.New()
	f, err := Load(ctx, a, g, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	added := unitFace("app1", "added")
	if err := a.CreateFace(ctx, added); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteFace(ctx, "app1", "gone"); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateFace(ctx, unitFace("app1", "last")); err != nil {
		t.Fatal(err)
	}
	conn := storetest.PostgresConn(t, url)
	if _, err := conn.Exec(ctx, "UPDATE "+schema+".changes SET at = at - 2 * 86400000000"); err != nil {
		t.Fatal(err)
	}
	if err := a.PruneChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.catchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if !found(g, kept) || !found(g, added) || found(g, gone) || g.Len("app1") != 3 {
		t.Fatalf("after the reload: kept %v added %v gone %v, %d faces", found(g, kept), found(g, added), found(g, gone), g.Len("app1"))
	}
	if s := f.Stats(ctx); s.Reloads != 1 {
		t.Fatalf("stats %+v, want one reload", s)
	}
}

// While replicas enroll and delete at once, every gallery ends holding
// exactly the store's faces.
func TestGalleriesAgreeUnderLoad(t *testing.T) {
	url, _ := storetest.PostgresSchema(t)
	var stores []*postgres.Store
	var galleries []*index.Gallery
	var followers []*Follower
	for range 3 {
		s, g, f := openReplica(t, url)
		stores, galleries, followers = append(stores, s), append(galleries, g), append(followers, f)
	}
	storetest.CreateApp(t, stores[0], "app1")
	done := make(chan error, 3)
	for r, s := range stores {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			var mine []string
			for i := range 40 {
				if len(mine) > 0 && rng.IntN(3) == 0 {
					k := rng.IntN(len(mine))
					if err := s.DeleteFace(ctx, "app1", mine[k]); err != nil {
						done <- err
						return
					}
					mine = append(mine[:k], mine[k+1:]...)
					continue
				}
				id := fmt.Sprintf("r%d-%02d", r, i)
				if err := s.CreateFace(ctx, unitFace("app1", id)); err != nil {
					done <- err
					return
				}
				mine = append(mine, id)
			}
			done <- nil
		}()
	}
	for range stores {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	want, err := stores[0].CountFaces(ctx, "app1")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range followers {
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := galleries[i].Len("app1"); got != want {
			t.Fatalf("gallery %d holds %d faces, the store %d", i, got, want)
		}
	}
	if lag, err := followers[0].Lag(ctx); err != nil || lag != 0 {
		t.Fatalf("lag %v, %v after Sync", lag, err)
	}
}
