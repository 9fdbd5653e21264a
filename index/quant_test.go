package index

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/match"
)

// The assembly kernel agrees with the portable one on every length, tails
// included, and at the extremes of the codes.
func TestDot8Kernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 100, 128, 511, 512, 1024} {
		a, b := make([]int16, n), make([]int8, n)
		for _, fill := range []string{"random", "extremes"} {
			for i := range n {
				switch fill {
				case "random":
					a[i], b[i] = int16(rng.IntN(255)-127), int8(rng.IntN(255)-127)
				case "extremes":
					a[i], b[i] = -127, 127
				}
			}
			if got, want := dot8(a, b), dot8Go(a, b); got != want {
				t.Errorf("n=%d %s: dot8 %d, portable %d", n, fill, got, want)
			}
		}
	}
}

// The ceiling is never below the true cosine, whatever the vectors: the
// search's exactness rests on it. It is also close above it, or the 8-bit
// pass would filter nothing.
func TestQuantCeiling(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const d = 512
	spiky := func() []float32 { // one large number among small ones: coarse codes
		v := randomUnit(rng, d)
		v[rng.IntN(d)] = 3
		return unit(v)
	}
	code := make([]int8, d)
	var worst float32
	for i := range 20000 {
		var p, g []float32
		switch i % 4 {
		case 0: // unrelated
			p, g = randomUnit(rng, d), randomUnit(rng, d)
		case 1: // the same person, more or less
			p = randomUnit(rng, d)
			g = blend(p, randomUnit(rng, d), rng.Float64())
		case 2: // opposite
			p = randomUnit(rng, d)
			g = scaled(p, -1)
		case 3:
			p, g = spiky(), spiky()
		}
		qp := newQuantProbe(p)
		rq := quantize(g, code)
		c, truth := qp.ceiling(code, rq), match.Cosine(p, g)
		if !(c >= truth) {
			t.Fatalf("case %d: ceiling %v below the cosine %v", i%4, c, truth)
		}
		if i%4 != 3 {
			worst = max(worst, c-truth)
		}
	}
	if worst > 0.05 {
		t.Errorf("the ceiling is up to %.3f above the cosine: too loose to filter", worst)
	}
}

// Search stays exact when many faces score within a hair of the minimum
// score and of each other, where the 8-bit pass decides least.
func TestSearchExactNearTheFloor(t *testing.T) {
	eachKind(t, func(t *testing.T, newGallery func() *Gallery) {
		rng := rand.New(rand.NewPCG(7, 8))
		const d, n = 512, 3000
		g, r := newGallery(), ref{}
		probe := visage.Template{Model: "m", Vector: randomUnit(rng, d)}
		const floor = 0.42
		for i := range n {
			// Cosines spread over floor ± 0.004, a few exactly repeated.
			c := floor + 0.004*(2*rng.Float64()-1)
			if i%50 == 0 {
				c = floor
			}
			v := blendAt(probe.Vector, randomUnit(rng, d), c)
			ts := []visage.Template{{Model: "m", Vector: v}}
			id := fmt.Sprintf("f%05d", i)
			if err := g.Put("a", id, ts); err != nil {
				t.Fatal(err)
			}
			r.put("a", id, ts)
		}
		for _, k := range []int{1, 3, 10, 100, n} {
			for _, min := range []float32{floor - 0.01, floor, floor + 0.002} {
				checkSearch(t, g, r, "a", probe, k, min)
				for chunks := 1; chunks <= 3; chunks++ {
					got, want := searchChunks(g, "a", probe, k, min, chunks), r.search("a", probe, k, min)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("k=%d min=%v chunks=%d: differs from brute force", k, min, chunks)
					}
				}
			}
		}
	})
}

func unit(v []float32) []float32 { return scaled(v, float32(1/norm(v))) }

func scaled(v []float32, s float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * s
	}
	return out
}

// blend is a unit vector between a and b, at weight w of b.
func blend(a, b []float32, w float64) []float32 {
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32((1-w)*float64(a[i]) + w*float64(b[i]))
	}
	return unit(out)
}

// blendAt is a unit vector whose cosine with the unit vector p is c: p's
// direction plus the part of u orthogonal to it.
func blendAt(p, u []float32, c float64) []float32 {
	var pu float64
	for i := range p {
		pu += float64(p[i]) * float64(u[i])
	}
	o := make([]float32, len(p))
	for i := range p {
		o[i] = float32(float64(u[i]) - pu*float64(p[i]))
	}
	o = unit(o)
	s := math.Sqrt(1 - c*c)
	out := make([]float32, len(p))
	for i := range p {
		out[i] = float32(c*float64(p[i]) + s*float64(o[i]))
	}
	return unit(out)
}
