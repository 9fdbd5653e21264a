package index

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/visagehq/visage"
)

// randomGallery fills g and r with n faces of 1–5 templates each, mostly
// of model m1 (16 numbers), some of m2 (8 numbers), a few of both. A third
// of the vectors come from a small shared pool, so faces tie exactly with
// each other and a face can hold one vector twice. IDs are shuffled so that
// slot order is not ID order and tie-breaking is really tested.
func randomGallery(t *testing.T, rng *rand.Rand, g *Gallery, r ref, appID string, n int) {
	t.Helper()
	pool := map[string][][]float32{"m1": {}, "m2": {}}
	dims := map[string]int{"m1": 16, "m2": 8}
	for m, d := range dims {
		for range 6 {
			pool[m] = append(pool[m], randomUnit(rng, d))
		}
	}
	for _, i := range rng.Perm(n) {
		model := "m1"
		if rng.IntN(5) == 0 {
			model = "m2"
		}
		var ts []visage.Template
		for range 1 + rng.IntN(5) {
			m := model
			if rng.IntN(10) == 0 {
				m = "m1"
			}
			v := randomUnit(rng, dims[m])
			if rng.IntN(3) == 0 {
				v = slices.Clone(pool[m][rng.IntN(len(pool[m]))])
			}
			ts = append(ts, visage.Template{Model: m, Vector: v})
		}
		id := fmt.Sprintf("face-%04d", i)
		if err := g.Put(appID, id, ts); err != nil {
			t.Fatal(err)
		}
		r.put(appID, id, ts)
	}
}

// probes returns probes of every kind: a random one of each model of the
// app, enrolled templates (ties at the top when shared), and one of a model
// the app does not have.
func probes(rng *rand.Rand, r ref, appID string) []visage.Template {
	ids := slices.Sorted(maps.Keys(r[appID]))
	dims := map[string]int{}
	for _, id := range ids {
		for _, t := range r[appID][id] {
			dims[t.Model] = len(t.Vector)
		}
	}
	ps := []visage.Template{{Model: "absent", Vector: randomUnit(rng, 4)}}
	for _, m := range slices.Sorted(maps.Keys(dims)) {
		ps = append(ps, visage.Template{Model: m, Vector: randomUnit(rng, dims[m])})
	}
	for range min(len(ids), 4) {
		ts := r[appID][ids[rng.IntN(len(ids))]]
		ps = append(ps, ts[rng.IntN(len(ts))])
	}
	return ps
}

// searchChunks is Search with the chunk count forced, so small galleries
// exercise the parallel scan and the merge.
func searchChunks(g *Gallery, appID string, probe visage.Template, k int, minScore float32, chunks int) []Hit {
	a := g.apps[appID]
	if a == nil || k <= 0 {
		return nil
	}
	s := a.models[probe.Model]
	if s == nil {
		return nil
	}
	return a.search(s, probe.Vector, min(k, s.faces), minScore, min(chunks, s.len()))
}

func TestSearchMatchesBruteForce(t *testing.T) {
	eachKind(t, func(t *testing.T, newGallery func() *Gallery) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, n := range []int{1, 2, 7, 60, 400} {
			g, r := newGallery(), ref{}
			randomGallery(t, rng, g, r, "app", n)
			for _, p := range probes(rng, r, "app") {
				for _, k := range []int{-1, 0, 1, 2, 5, n - 1, n, n + 3} {
					for _, minScore := range []float32{-1, 0, 0.3, 1, float32(math.NaN())} {
						checkSearch(t, g, r, "app", p, k, minScore)
						want := r.search("app", p, k, minScore)
						for chunks := 2; chunks <= 5; chunks++ {
							if got := searchChunks(g, "app", p, k, minScore, chunks); !slices.Equal(got, want) {
								t.Fatalf("n=%d k=%d min=%v in %d chunks:\n got %v\nwant %v", n, k, minScore, chunks, got, want)
							}
						}
					}
				}
			}
		}
	})
}

// TestSearchSplitsLargeGallery runs the public Search on a gallery large
// enough to be split, whatever -cpu says.
func TestSearchSplitsLargeGallery(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	rng := rand.New(rand.NewPCG(3, 4))
	g, r := New(), ref{}
	n := 3*minChunkRows + 17
	for i := range n {
		id := fmt.Sprintf("face-%05d", i)
		ts := []visage.Template{{Model: "m", Vector: randomUnit(rng, 4)}}
		if err := g.Put("app", id, ts); err != nil {
			t.Fatal(err)
		}
		r.put("app", id, ts)
	}
	for range 5 {
		p := visage.Template{Model: "m", Vector: randomUnit(rng, 4)}
		for _, k := range []int{1, 10, 100} {
			checkSearch(t, g, r, "app", p, k, -1)
			checkSearch(t, g, r, "app", p, k, 0.99)
		}
	}
}

// Ties are ordered by face ID whatever the order of the rows.
func TestSearchTies(t *testing.T) {
	g := New()
	v := []float32{1, 0}
	for _, id := range []string{"c", "a", "d", "b"} {
		if err := g.Put("app", id, []visage.Template{{Model: "m", Vector: v}}); err != nil {
			t.Fatal(err)
		}
	}
	g.Delete("app", "c") // moves d's row
	want := []Hit{{"a", 1}, {"b", 1}}
	for chunks := 1; chunks <= 3; chunks++ {
		if got := searchChunks(g, "app", visage.Template{Model: "m", Vector: v}, 2, 0, chunks); !slices.Equal(got, want) {
			t.Errorf("%d chunks: got %v, want %v", chunks, got, want)
		}
	}
}

func TestSearchPanicsOnProbeLength(t *testing.T) {
	g := New()
	if err := g.Put("app", "a", []visage.Template{{Model: "m", Vector: []float32{1, 0}}}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Search with a probe of another length did not panic")
		}
	}()
	g.Search("app", visage.Template{Model: "m", Vector: []float32{1, 0, 0}}, 1, 0)
}
