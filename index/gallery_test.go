package index

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/visagehq/visage"
)

// Two-number unit vectors whose cosines are exact in float32.
var (
	east  = []float32{1, 0}
	north = []float32{0, 1}
	west  = []float32{-1, 0}
	ne    = []float32{0.6, 0.8}
)

// eachKind runs test on a gallery of each kind: templates in memory (New)
// and in a file (Open).
func eachKind(t *testing.T, test func(t *testing.T, newGallery func() *Gallery)) {
	t.Run("memory", func(t *testing.T) { test(t, New) })
	t.Run("file", func(t *testing.T) {
		test(t, func() *Gallery { return openGallery(t) })
	})
}

// openGallery opens a gallery in a test directory, closed at the end.
func openGallery(t testing.TB) *Gallery {
	t.Helper()
	g, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func tpls(model string, vs ...[]float32) []visage.Template {
	ts := make([]visage.Template, len(vs))
	for i, v := range vs {
		ts[i] = visage.Template{Model: model, Vector: v}
	}
	return ts
}

func mustPut(t *testing.T, g *Gallery, appID, faceID string, ts []visage.Template) {
	t.Helper()
	if err := g.Put(appID, faceID, ts); err != nil {
		t.Fatal(err)
	}
}

func search(g *Gallery, appID string, model string, v []float32, k int, minScore float32) []Hit {
	return g.Search(appID, visage.Template{Model: model, Vector: v}, k, minScore)
}

func TestBestTemplatePerFace(t *testing.T) {
	g := New()
	mustPut(t, g, "app", "a", tpls("m", west, ne, north))
	mustPut(t, g, "app", "b", tpls("m", north))
	got := search(g, "app", "m", east, 5, -1)
	want := []Hit{{"a", 0.6}, {"b", 0}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v: each face once, at its best template", got, want)
	}
}

func TestModelFiltering(t *testing.T) {
	g := New()
	mustPut(t, g, "app", "a", tpls("m1", east))
	mustPut(t, g, "app", "b", tpls("m2", []float32{1, 0, 0}))
	mustPut(t, g, "app", "c", append(tpls("m1", north), tpls("m2", []float32{0, 0, 1})...))
	if got, want := search(g, "app", "m1", east, 5, -1), []Hit{{"a", 1}, {"c", 0}}; !slices.Equal(got, want) {
		t.Errorf("m1: got %v, want %v", got, want)
	}
	if got, want := search(g, "app", "m2", []float32{1, 0, 0}, 5, -1), []Hit{{"b", 1}, {"c", 0}}; !slices.Equal(got, want) {
		t.Errorf("m2: got %v, want %v", got, want)
	}
	if got := search(g, "app", "m3", east, 5, -1); got != nil {
		t.Errorf("m3: got %v, want nothing", got)
	}
	if got, want := g.Models("app"), map[string]int{"m1": 2, "m2": 2}; !maps.Equal(got, want) {
		t.Errorf("Models = %v, want %v", got, want)
	}
	for _, c := range []struct {
		app, face, model string
		want             bool
	}{
		{"app", "a", "m1", true}, {"app", "a", "m2", false}, {"app", "c", "m2", true},
		{"app", "z", "m1", false}, {"other", "a", "m1", false}, {"app", "b", "m3", false},
	} {
		if got := g.HasModel(c.app, c.face, c.model); got != c.want {
			t.Errorf("HasModel(%s, %s, %s) = %v", c.app, c.face, c.model, got)
		}
	}
}

func TestMinScore(t *testing.T) {
	g := New()
	for id, v := range map[string][]float32{"a": east, "b": ne, "c": north, "d": west} {
		mustPut(t, g, "app", id, tpls("m", v))
	}
	for _, c := range []struct {
		min  float32
		want []Hit
	}{
		{-1, []Hit{{"a", 1}, {"b", 0.6}, {"c", 0}, {"d", -1}}},
		{0, []Hit{{"a", 1}, {"b", 0.6}, {"c", 0}}},
		{0.6, []Hit{{"a", 1}, {"b", 0.6}}}, // at the threshold is in
		{0.61, []Hit{{"a", 1}}},
		{1.01, nil},
	} {
		if got := search(g, "app", "m", east, 10, c.min); !slices.Equal(got, c.want) {
			t.Errorf("min %v: got %v, want %v", c.min, got, c.want)
		}
	}
}

func TestPutReplaces(t *testing.T) {
	g := New()
	mustPut(t, g, "app", "a", tpls("m1", east, ne))
	mustPut(t, g, "app", "a", tpls("m1", north))
	if got := search(g, "app", "m1", east, 5, 0.5); got != nil {
		t.Errorf("old templates still match: %v", got)
	}
	if got, want := search(g, "app", "m1", north, 5, 0.5), []Hit{{"a", 1}}; !slices.Equal(got, want) {
		t.Errorf("new template: got %v, want %v", got, want)
	}
	mustPut(t, g, "app", "a", tpls("m2", east))
	if got, want := g.Models("app"), map[string]int{"m2": 1}; !maps.Equal(got, want) {
		t.Errorf("after a change of model, Models = %v, want %v", got, want)
	}
	if g.Len("app") != 1 {
		t.Errorf("Len = %d, want 1", g.Len("app"))
	}
	mustPut(t, g, "app", "a", nil)
	if g.Len("app") != 0 || search(g, "app", "m2", east, 5, -1) != nil {
		t.Error("Put with no templates did not delete the face")
	}
}

func TestDelete(t *testing.T) {
	g := New()
	mustPut(t, g, "A", "a", tpls("m", east))
	mustPut(t, g, "A", "b", tpls("m", ne))
	mustPut(t, g, "B", "a", tpls("m", east))
	g.Delete("A", "a")
	g.Delete("A", "nobody")
	g.Delete("nowhere", "a")
	if got, want := search(g, "A", "m", east, 5, -1), []Hit{{"b", 0.6}}; !slices.Equal(got, want) {
		t.Errorf("after Delete: got %v, want %v", got, want)
	}
	g.DeleteApp("A")
	g.DeleteApp("nowhere")
	if got := search(g, "A", "m", east, 5, -1); got != nil {
		t.Errorf("after DeleteApp: got %v", got)
	}
	if got, want := g.Sizes(), map[string]int{"B": 1}; !maps.Equal(got, want) {
		t.Errorf("Sizes = %v, want %v", got, want)
	}
	if got, want := search(g, "B", "m", east, 5, -1), []Hit{{"a", 1}}; !slices.Equal(got, want) {
		t.Errorf("app B after A's deletion: got %v, want %v", got, want)
	}
}

// A search in one app never sees another's faces, even under the same ID.
func TestAppIsolation(t *testing.T) {
	eachKind(t, func(t *testing.T, newGallery func() *Gallery) {
		rng := rand.New(rand.NewPCG(5, 6))
		g, r := newGallery(), ref{}
		randomGallery(t, rng, g, r, "A", 50)
		randomGallery(t, rng, g, r, "B", 80) // IDs face-0000… overlap A's
		for id := range r["B"] {
			if id >= "face-0050" {
				continue
			}
			g.Delete("B", id)
			r.delete("B", id)
			break
		}
		for _, p := range append(probes(rng, r, "A"), probes(rng, r, "B")...) {
			checkSearch(t, g, r, "A", p, 1000, -1)
			checkSearch(t, g, r, "B", p, 1000, -1)
		}
		checkInvariants(t, g, r)
	})
}

func TestPutRejects(t *testing.T) {
	g, r := New(), ref{}
	good := tpls("m", east)
	mustPut(t, g, "app", "a", good)
	r.put("app", "a", good)
	for name, ts := range map[string][]visage.Template{
		"empty vector":         {{Model: "m", Vector: nil}},
		"zero vector":          tpls("m", []float32{0, 0}),
		"long vector":          tpls("m", []float32{2, 0}),
		"NaN":                  tpls("m", []float32{float32(math.NaN()), 0}),
		"infinity":             tpls("m", []float32{float32(math.Inf(1)), 0}),
		"lengths within a Put": append(tpls("n", east), tpls("n", []float32{0, 0, 1})...),
		"length of the app's":  append(tpls("n", east), tpls("m", []float32{0, 0, 1})...),
	} {
		for _, id := range []string{"a", "new"} {
			if err := g.Put("app", id, ts); err == nil {
				t.Errorf("%s: Put(%s) accepted %v", name, id, ts)
			}
			checkInvariants(t, g, r) // unchanged
		}
	}
}

// TestRandomOps runs random puts, replacements and deletes over two apps,
// comparing the bookkeeping and the searches with the reference after
// every step: swap-with-last must keep every row's owner right. With few
// faces, most rows move many times and a face's rows end up in every
// order, which is where a stale row number would show.
func TestRandomOps(t *testing.T) {
	eachKind(t, func(t *testing.T, newGallery func() *Gallery) {
		for _, faces := range []int{3, 40} {
			rng := rand.New(rand.NewPCG(7, uint64(faces)))
			g, r := newGallery(), ref{}
			apps := []string{"A", "B"}
			for step := range 3000 {
				appID := apps[rng.IntN(len(apps))]
				id := fmt.Sprintf("f%02d", rng.IntN(faces))
				switch op := rng.IntN(100); {
				case op < 55:
					var ts []visage.Template
					for range rng.IntN(6) { // 0 templates deletes
						m, d := "m1", 8
						if rng.IntN(4) == 0 {
							m, d = "m2", 3
						}
						ts = append(ts, visage.Template{Model: m, Vector: randomUnit(rng, d)})
					}
					mustPut(t, g, appID, id, ts)
					r.put(appID, id, ts)
				case op < 99:
					g.Delete(appID, id)
					r.delete(appID, id)
				default:
					g.DeleteApp(appID)
					delete(r, appID)
				}
				checkInvariants(t, g, r)
				if t.Failed() {
					t.Fatalf("%d faces, step %d", faces, step)
				}
				for _, p := range probes(rng, r, appID) {
					checkSearch(t, g, r, appID, p, 3, -1)
				}
			}
		}
	})
}

// A slab purged of most of its rows gives memory back and stays right.
func TestPurgeShrinks(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	g, r := New(), ref{}
	const n = 3 * blockRows
	for i := range n {
		id := fmt.Sprintf("f%05d", i)
		ts := tpls("m", randomUnit(rng, 4))
		mustPut(t, g, "app", id, ts)
		r.put("app", id, ts)
	}
	gone := rng.Perm(n)[:n-10]
	for j, i := range gone {
		id := fmt.Sprintf("f%05d", i)
		g.Delete("app", id)
		r.delete("app", id)
		if j == len(gone)/2 { // rows moved across blocks, some blocks dropped
			checkInvariants(t, g, r)
		}
	}
	checkInvariants(t, g, r)
	if s := g.apps["app"].models["m"]; len(s.blocks) != 1 || cap(s.blocks[0].owner) >= minShrinkRows || cap(s.blocks[0].codes) >= minShrinkRows*s.dim {
		t.Errorf("10 rows left in %d blocks, the first of capacity %d rows", len(s.blocks), cap(s.blocks[0].owner))
	}
	for _, p := range probes(rng, r, "app") {
		checkSearch(t, g, r, "app", p, 20, -1)
	}
}
