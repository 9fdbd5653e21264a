package match

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomUnit returns a random L2-normalised vector of length d.
func randomUnit(rng *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return normalise(v)
}

func normalise(v []float32) []float32 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	n := math.Sqrt(ss)
	for i := range v {
		v[i] = float32(float64(v[i]) / n)
	}
	return v
}

func TestCosine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Lengths around the unroll width exercise the remainder loop.
	for _, d := range []int{1, 7, 8, 9, 15, 16, 17, 128, 512, 515} {
		a, b := randomUnit(rng, d), randomUnit(rng, d)
		var want float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		if got := Cosine(a, b); math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("d=%d: Cosine = %v, want %v", d, got, want)
		}
		if got := Cosine(a, a); math.Abs(float64(got)-1) > 1e-6 {
			t.Errorf("d=%d: Cosine(a, a) = %v, want 1", d, got)
		}
	}
	if got := Cosine(nil, nil); got != 0 {
		t.Errorf("Cosine of empty vectors = %v, want 0", got)
	}
	// Hand-checkable: orthogonal, opposite and 60 degrees apart.
	for _, c := range []struct {
		a, b []float32
		want float32
	}{
		{[]float32{1, 0}, []float32{0, 1}, 0},
		{[]float32{1, 0}, []float32{-1, 0}, -1},
		{[]float32{1, 0}, []float32{0.5, float32(math.Sqrt(3) / 2)}, 0.5},
	} {
		if got := Cosine(c.a, c.b); got != c.want {
			t.Errorf("Cosine(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestCosinePanicsOnLengthMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Cosine of lengths 3 and 2 did not panic")
		}
	}()
	Cosine([]float32{1, 0, 0}, []float32{1, 0})
}

var sink float32

// plainDot is the straightforward loop, the baseline that shows what the
// unrolling buys on this machine (compare the two in the same run: the
// absolute times on a shared machine mean little).
func plainDot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func BenchmarkCosine(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := randomUnit(rng, 512), randomUnit(rng, 512)
	b.Run("unrolled", func(b *testing.B) {
		for b.Loop() {
			sink = Cosine(x, y)
		}
	})
	b.Run("plain-loop", func(b *testing.B) {
		for b.Loop() {
			sink = plainDot(x, y)
		}
	})
}

// The kernel in use (AVX2 assembly where the processor has it) and the
// gonum fallback agree with a float64 reference on every length (the
// kernel's 32-, 8- and 1-wide loops and their seams) and on unaligned
// slices.
func TestDotMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	buf := make([]float32, 2*600+1)
	for i := range buf {
		buf[i] = float32(rng.NormFloat64())
	}
	for n := 1; n <= 600; n++ {
		for _, off := range []int{0, 1} {
			a, b := buf[off:off+n], buf[600+off:600+off+n]
			var want float64
			for i := range a {
				want += float64(a[i]) * float64(b[i])
			}
			for _, f := range []func(a, b []float32) float32{dot, func(a, b []float32) float32 { return blas.Sdot(len(a), a, 1, b, 1) }} {
				if got := float64(f(a, b)); math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
					t.Fatalf("n=%d off=%d: %v, reference %v", n, off, got, want)
				}
			}
		}
	}
}
