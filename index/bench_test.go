package index

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/visagehq/visage"
)

// benchDim is the length of today's templates.
const benchDim = 512

var benchGalleries struct {
	sync.Mutex
	m map[int]*Gallery
}

// benchGallery returns a gallery of n faces of one random unit template
// each, built once per test binary: the 1M gallery is 2 GiB and takes a
// while, and -cpu 1,2 runs each benchmark twice.
func benchGallery(b *testing.B, n int) *Gallery {
	benchGalleries.Lock()
	defer benchGalleries.Unlock()
	if g := benchGalleries.m[n]; g != nil {
		return g
	}
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	g := New()
	v := make([]float32, benchDim)
	ts := []visage.Template{{Model: "m", Vector: v}}
	for i := range n {
		randomUnitInto(rng, v)
		if err := g.Put("bench", fmt.Sprintf("face-%07d", i), ts); err != nil {
			b.Fatal(err)
		}
	}
	if benchGalleries.m == nil {
		benchGalleries.m = map[int]*Gallery{}
	}
	benchGalleries.m[n] = g
	return g
}

// randomUnitInto fills v with a random unit vector. Uniform coordinates
// normalised are not uniform on the sphere, which does not matter for
// timing, and are quick to make by the half-billion.
func randomUnitInto(rng *rand.Rand, v []float32) {
	var ss float64
	for i := range v {
		v[i] = 2*rng.Float32() - 1
		ss += float64(v[i]) * float64(v[i])
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
}

// BenchmarkSearch times one 1:N search for the best 5 faces, with no
// minimum score, of a probe that matches no one: every template is scored,
// as in any search. Run with -cpu 1,2 for one and two cores.
func BenchmarkSearch(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
	}{{"10k", 10_000}, {"100k", 100_000}, {"1M", 1_000_000}} {
		b.Run(c.name, func(b *testing.B) {
			if c.n >= 1_000_000 && testing.Short() {
				b.Skip("the 1M gallery needs 2 GiB; skipped in -short")
			}
			g := benchGallery(b, c.n)
			probe := visage.Template{Model: "m", Vector: make([]float32, benchDim)}
			randomUnitInto(rand.New(rand.NewPCG(0, 0)), probe.Vector)
			// A b.N loop, not b.Loop: with -cpu 1,2, Go 1.26 reports the
			// first b.Loop run of a sub-benchmark under the GOMAXPROCS it
			// happened to start with, not the one -cpu asked for.
			b.ResetTimer()
			for range b.N {
				if hits := g.Search("bench", probe, 5, -1); len(hits) != 5 {
					b.Fatalf("%d hits", len(hits))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/op")
		})
	}
}
