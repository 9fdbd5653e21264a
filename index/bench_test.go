package index

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/visagehq/visage"
)

// benchDim is the length of today's templates.
const benchDim = 512

// benchKinds are the galleries the benchmarks compare: templates in
// memory (New), and in a file in the system's temporary directory (Open).
var benchKinds = []struct {
	name string
	new  func(b *testing.B) *Gallery
}{
	{"memory", func(*testing.B) *Gallery { return New() }},
	{"file", func(b *testing.B) *Gallery {
		g, err := Open("")
		if err != nil {
			b.Fatal(err)
		}
		return g
	}},
}

var benchGalleries struct {
	sync.Mutex
	m map[string]*Gallery
}

// benchGallery returns a gallery of the kind with n faces of one random
// unit template each, built once per test binary: the 1M galleries take a
// while, and -cpu 1,2 runs each benchmark twice. Its vault counts reads.
func benchGallery(b *testing.B, kind int, n int) *Gallery {
	benchGalleries.Lock()
	defer benchGalleries.Unlock()
	key := fmt.Sprint(benchKinds[kind].name, n)
	if g := benchGalleries.m[key]; g != nil {
		return g
	}
	g := benchKinds[kind].new(b)
	timePuts(b, g, n)
	g.vault.f = &countingBacking{backing: g.vault.f}
	if benchGalleries.m == nil {
		benchGalleries.m = map[string]*Gallery{}
	}
	benchGalleries.m[key] = g
	return g
}

// randomUnitInto fills v with a random unit vector. Uniform coordinates
// normalised are not uniform on the sphere, which does not matter for
// timing, and are quick to make by the half-billion.
func randomUnitInto(rng *rand.Rand, v []float32) {
	for i := range v {
		v[i] = 2*rng.Float32() - 1
	}
	normalize(v)
}

func normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
}

// countingBacking counts the records read back: the rows a search scores
// exactly.
type countingBacking struct {
	backing
	reads atomic.Int64
}

func (c *countingBacking) ReadAt(p []byte, off int64) (int, error) {
	c.reads.Add(1)
	return c.backing.ReadAt(p, off)
}

// BenchmarkSearch times one 1:N search of each of two kinds. top5 asks
// for the best 5 faces with no minimum score, for a probe that matches no
// one: every template is scored, as in any search, and the rows read back
// are as many as a search can need (each chunk reads every row that beats
// its 5th best so far). auth is how the service searches: the best face
// above a threshold, for a probe of an enrolled face (cosine about 0.8),
// which reads back its row and, as a rule, no other.
//
// Run with -cpu 1,2 for one and two cores. file-cold is the file gallery
// with its pages dropped from the kernel's cache before each search, so
// that every row read back comes from the disk.
func BenchmarkSearch(b *testing.B) {
	kinds := []struct {
		name string
		kind int
		cold bool
	}{{"memory", 0, false}, {"file", 1, false}, {"file-cold", 1, true}}
	for _, k := range kinds {
		for _, c := range []struct {
			name string
			n    int
		}{{"10k", 10_000}, {"100k", 100_000}, {"1M", 1_000_000}} {
			for _, query := range []string{"top5", "auth"} {
				b.Run(k.name+"/"+c.name+"/"+query, func(b *testing.B) {
					benchSearch(b, k.kind, c.n, query, k.cold)
				})
			}
		}
	}
}

func benchSearch(b *testing.B, kind, n int, query string, cold bool) {
	if n >= 1_000_000 && testing.Short() {
		b.Skip("the 1M galleries need GiBs; skipped in -short")
	}
	g := benchGallery(b, kind, n)
	probe := visage.Template{Model: "m", Vector: make([]float32, benchDim)}
	k, minScore, want := 5, float32(-1), ""
	if query == "auth" {
		// Face 0's template (timePuts's first), blended with noise.
		randomUnitInto(rand.New(rand.NewPCG(uint64(n), 1)), probe.Vector)
		noise := make([]float32, benchDim)
		randomUnitInto(rand.New(rand.NewPCG(0, 0)), noise)
		for i := range noise {
			probe.Vector[i] += 0.75 * noise[i]
		}
		normalize(probe.Vector)
		k, minScore, want = 1, 0.4, "face-0000000"
	} else {
		randomUnitInto(rand.New(rand.NewPCG(0, 0)), probe.Vector)
	}
	cb := g.vault.f.(*countingBacking)
	reads := cb.reads.Load()
	// A b.N loop, not b.Loop: with -cpu 1,2, Go 1.26 reports the first
	// b.Loop run of a sub-benchmark under the GOMAXPROCS it happened to
	// start with, not the one -cpu asked for.
	b.ResetTimer()
	for range b.N {
		if cold {
			b.StopTimer()
			dropCache(b, cb.backing.(*os.File))
			b.StartTimer()
		}
		hits := g.Search("bench", probe, k, minScore)
		if len(hits) != k || want != "" && hits[0].FaceID != want {
			b.Fatalf("hits %v", hits)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/op")
	b.ReportMetric(float64(cb.reads.Load()-reads)/float64(b.N), "reads/op")
}
