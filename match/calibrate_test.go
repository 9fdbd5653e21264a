package match

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// synthetic makes a labelled set of unit embeddings: each identity is a
// random direction, each of its 1..maxImages images that direction plus
// Gaussian noise of about the given norm, renormalised.
func synthetic(seed uint64, identities, maxImages, dim int, noise float64) ([][]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var emb [][]float32
	var ids []int
	for id := range identities {
		centre := randomUnit(rng, dim)
		for range 1 + rng.IntN(maxImages) {
			v := make([]float32, dim)
			for i := range v {
				v[i] = centre[i] + float32(noise*rng.NormFloat64()/math.Sqrt(float64(dim)))
			}
			emb = append(emb, normalise(v))
			ids = append(ids, id)
		}
	}
	return emb, ids
}

// bruteForce scores every pair and returns the impostor cosines sorted
// descending and the genuine cosines sorted ascending.
func bruteForce(emb [][]float32, ids []int) (imp, gen []float32) {
	for i := range emb {
		for j := i + 1; j < len(emb); j++ {
			c := Cosine(emb[i], emb[j])
			if ids[i] == ids[j] {
				gen = append(gen, c)
			} else {
				imp = append(imp, c)
			}
		}
	}
	slices.Sort(gen)
	slices.Sort(imp)
	slices.Reverse(imp)
	return imp, gen
}

func countAtLeast(scores []float32, t float32) int64 {
	var n int64
	for _, s := range scores {
		if s >= t {
			n++
		}
	}
	return n
}

func TestCalibrateMatchesBruteForce(t *testing.T) {
	emb, ids := synthetic(1, 300, 4, 128, 1.2)
	imp, gen := bruteForce(emb, ids)
	n := int64(len(imp))
	t.Logf("%d images, %d impostor pairs, %d genuine pairs", len(emb), n, len(gen))

	var calls int
	var lastDone, lastTotal int64
	tab, st := Calibrate(emb, ids, "synthetic", func(done, total int64) {
		if done <= lastDone {
			t.Errorf("progress went from %d to %d", lastDone, done)
		}
		calls++
		lastDone, lastTotal = done, total
	})
	if all := int64(len(emb)) * int64(len(emb)-1) / 2; calls == 0 || lastDone != all || lastTotal != all {
		t.Errorf("progress: %d calls, last (%d, %d), want (%d, %d)", calls, lastDone, lastTotal, all, all)
	}
	if err := tab.Validate(); err != nil {
		t.Fatal(err)
	}
	if tab.Model != "synthetic" || tab.ImpostorPairs != n || tab.GenuinePairs != int64(len(gen)) {
		t.Errorf("table header %q %d %d, want synthetic %d %d", tab.Model, tab.ImpostorPairs, tab.GenuinePairs, n, len(gen))
	}

	for i, p := range tab.Points {
		f := levelFMR[i]
		m := int64(f*float64(n) + 1e-9) // allowed false matches
		if wantExtrapolated := i > 0 && float64(m) < minTailCount; p.Extrapolated != wantExtrapolated {
			t.Errorf("FMR %g: Extrapolated = %v, want %v", f, p.Extrapolated, wantExtrapolated)
		}
		if wantTAR := float64(countAtLeast(gen, p.Cosine)) / float64(len(gen)); p.TAR != wantTAR {
			t.Errorf("FMR %g: TAR %v, want %v", f, p.TAR, wantTAR)
		}
		if p.Extrapolated {
			continue
		}
		// The threshold is the lowest bin edge with at most m impostors at
		// or above it: just above the (m+1)-th highest impostor cosine, by
		// less than one bin.
		if got := countAtLeast(imp, p.Cosine); got > m {
			t.Errorf("FMR %g: %d impostors >= threshold %v, allowed %d", f, got, p.Cosine, m)
		}
		if got := countAtLeast(imp, p.Cosine-binWidth); got <= m {
			t.Errorf("FMR %g: threshold %v is not the lowest edge: %d impostors >= one bin lower", f, p.Cosine, got)
		}
		if s := imp[m]; !(s < p.Cosine && p.Cosine-binWidth <= s) {
			t.Errorf("FMR %g: threshold %v is not within one bin above the order statistic %v", f, p.Cosine, s)
		}
	}
	if !tab.Points[Levels-1].Extrapolated || !strings.Contains(tab.Extrapolation, "least-squares") {
		t.Errorf("expected extrapolated levels with a fit, got note %q", tab.Extrapolation)
	}

	// Stats against the brute-force lists.
	if st.ImpostorPairs != n || st.GenuinePairs != int64(len(gen)) || st.Images != len(emb) || st.Identities != 300 {
		t.Errorf("stats counts %+v", st)
	}
	if st.ImpostorMax != imp[0] || st.GenuineMin != gen[0] {
		t.Errorf("ImpostorMax %v GenuineMin %v, want %v %v", st.ImpostorMax, st.GenuineMin, imp[0], gen[0])
	}
	impMean, impStd := moments(imp)
	genMean, genStd := moments(gen)
	if math.Abs(st.ImpostorMean-impMean) > binWidth || math.Abs(st.ImpostorStd-impStd) > binWidth {
		t.Errorf("impostor mean/std %v %v, want %v %v", st.ImpostorMean, st.ImpostorStd, impMean, impStd)
	}
	if math.Abs(st.GenuineMean-genMean) > 1e-9 || math.Abs(st.GenuineStd-genStd) > 1e-9 {
		t.Errorf("genuine mean/std %v %v, want %v %v", st.GenuineMean, st.GenuineStd, genMean, genStd)
	}
	rates := func(c float32) (fmr, fnmr float64) {
		return float64(countAtLeast(imp, c)) / float64(n), 1 - float64(countAtLeast(gen, c))/float64(len(gen))
	}
	fmr, fnmr := rates(st.EERCosine)
	prevFMR, prevFNMR := rates(st.EERCosine - binWidth)
	if math.Abs(st.EER-(fmr+fnmr)/2) > 1e-12 || fnmr < fmr || prevFNMR >= prevFMR {
		t.Errorf("EER %v at %v: FMR %v FNMR %v there, %v %v one bin lower", st.EER, st.EERCosine, fmr, fnmr, prevFMR, prevFNMR)
	}
	t.Logf("stats: %+v", *st)
	t.Logf("extrapolation: %s", tab.Extrapolation)
}

func moments(s []float32) (mean, std float64) {
	for _, x := range s {
		mean += float64(x)
	}
	mean /= float64(len(s))
	for _, x := range s {
		std += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, math.Sqrt(std / float64(len(s)))
}

// TestExtrapolationRecoversExponentialTail feeds levelPoints a survival
// curve that is exactly exponential above cosine 0.2 — share 10^-((c-0.2)/0.05),
// so level L sits at 0.2 + 0.05 L — over 10^7 impostors: levels 1..6 are
// measured, 7 and 8 must come out of the fit on the same line.
func TestExtrapolationRecoversExponentialTail(t *testing.T) {
	const n = 10_000_000
	surv := make([]int64, histBins+1)
	for k := range histBins {
		share := math.Min(1, math.Pow(10, -(float64(edge(k))-0.2)/0.05))
		surv[k] = int64(share * n)
	}
	points, fit, note := levelPoints(surv, n)
	for i, p := range points {
		want := 0.2 + 0.05*float64(i+1)
		// The counts are whole numbers, so the measured levels sit slightly
		// low (at 10 pairs, a tenth of a count is 0.002 in cosine).
		if math.Abs(float64(p.Cosine)-want) > 0.003 {
			t.Errorf("level %d: threshold %v, want %v", i+1, p.Cosine, want)
		}
		if p.Extrapolated != (i >= 6) {
			t.Errorf("level %d: Extrapolated = %v", i+1, p.Extrapolated)
		}
	}
	if math.Abs(fit.slope+20) > 0.5 || fit.points < 1000 {
		t.Errorf("fit %+v, want slope -20 decades per unit cosine", fit)
	}
	if !strings.HasPrefix(note, "FMR 1e-07 to 1e-08 extrapolated") {
		t.Errorf("note %q", note)
	}
}

// TestCalibrateDegenerate: every impostor pair scores the same, so the
// tail cannot be fitted; the table must still be ordered and say why.
func TestCalibrateDegenerate(t *testing.T) {
	a := []float32{1, 0}
	b := []float32{0.6, 0.8} // cosine 0.6 with a
	tab, st := Calibrate([][]float32{a, a, b, b}, []int{1, 1, 2, 2}, "m", nil)
	if err := tab.Validate(); err != nil {
		t.Fatal(err)
	}
	if st.ImpostorPairs != 4 || st.GenuinePairs != 2 {
		t.Errorf("pairs %d/%d, want 4/2", st.ImpostorPairs, st.GenuinePairs)
	}
	// 4 impostors at 0.6: level 1 allows 0, so it sits on the edge above
	// 0.6's bin; the others follow one bin apart.
	if want := edge(binOf(0.6) + 1); tab.Points[0].Cosine != want {
		t.Errorf("level 1 at %v, want %v", tab.Points[0].Cosine, want)
	}
	for i := 1; i < Levels; i++ {
		if d := tab.Points[i].Cosine - tab.Points[i-1].Cosine; d != binWidth || !tab.Points[i].Extrapolated {
			t.Errorf("level %d: %v, step %v", i+1, tab.Points[i], d)
		}
	}
	if !strings.Contains(tab.Extrapolation, "could not be extrapolated") {
		t.Errorf("note %q", tab.Extrapolation)
	}
}

func TestCalibratePanicsOnBadInput(t *testing.T) {
	u := []float32{1, 0}
	v := []float32{0, 1}
	for name, c := range map[string]struct {
		emb [][]float32
		ids []int
	}{
		"length mismatch":     {[][]float32{u, v}, []int{1}},
		"dimension mismatch":  {[][]float32{u, {1, 0, 0}}, []int{1, 2}},
		"not normalised":      {[][]float32{u, {3, 4}, v}, []int{1, 1, 2}},
		"one identity":        {[][]float32{u, v}, []int{1, 1}},
		"no genuine pair":     {[][]float32{u, v}, []int{1, 2}},
		"NaN in an embedding": {[][]float32{u, {float32(math.NaN()), 0}, v}, []int{1, 1, 2}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			Calibrate(c.emb, c.ids, "m", nil)
		})
	}
}

// BenchmarkScorePairs measures the pair-scoring loop of Calibrate on 4096
// random 512-d embeddings (8.4 million pairs per op, a tenth of LFW's).
// Run it with -cpu 1,2 to see how it scales with cores.
func BenchmarkScorePairs(b *testing.B) {
	emb, ids := synthetic(2, 1500, 5, 512, 0.5)
	emb, ids = emb[:4096], ids[:4096]
	pairs := float64(len(emb)) * float64(len(emb)-1) / 2
	for b.Loop() {
		scorePairs(emb, ids, nil)
	}
	perSecond := pairs * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(perSecond, "pairs/s")
	b.ReportMetric(1e9/perSecond, "ns/pair")
}
