package match

import (
	"fmt"
	"math"
	"testing"
)

func TestKnotsAreExact(t *testing.T) {
	tab := testTable()
	if got := tab.Similarity(-1); got != 0 {
		t.Errorf("Similarity(-1) = %v, want 0", got)
	}
	if got := tab.Distance(1); got != 0 {
		t.Errorf("Distance(1) = %v, want 0", got)
	}
	if got := tab.Distance(-1); got != 2 {
		t.Errorf("Distance(-1) = %v, want 2", got)
	}
	for level := 1; level <= Levels; level++ {
		c := tab.Points[level-1].Cosine
		if got, want := tab.Similarity(c), 60+5*float64(level); got != want {
			t.Errorf("level %d: Similarity = %v, want %v", level, got, want)
		}
		if got, want := tab.Distance(c), distanceAtLevel[level-1]; got != want {
			t.Errorf("level %d: Distance = %v, want %v", level, got, want)
		}
		if got, want := tab.FMRAt(c), levelFMR[level-1]; math.Abs(got-want) > 1e-12*want {
			t.Errorf("level %d: FMRAt = %v, want %v", level, got, want)
		}
		if got := tab.CosineAtSimilarity(60 + 5*float64(level)); got != c {
			t.Errorf("level %d: CosineAtSimilarity = %v, want %v", level, got, c)
		}
		if got := tab.CosineAtDistance(distanceAtLevel[level-1]); got != c {
			t.Errorf("level %d: CosineAtDistance = %v, want %v", level, got, c)
		}
	}
}

// TestBetweenKnots checks values worked out by hand on testTable
// (thresholds 0.10, 0.18, 0.25, 0.31, 0.36, 0.41, 0.46, 0.51).
func TestBetweenKnots(t *testing.T) {
	tab := testTable()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"Similarity halfway between levels 1 and 2", tab.Similarity(0.14), 67.5},
		{"Similarity halfway between -1 and level 1", tab.Similarity(-0.45), 32.5},
		{"Distance halfway between level 8 and 1", tab.Distance(0.755), 0.15},
		{"Distance halfway between -1 and level 1", tab.Distance(-0.45), 1.36},
		{"Distance halfway between levels 4 and 3", tab.Distance(0.28), 0.57},
		{"FMRAt halfway between levels 3 and 4", tab.FMRAt(0.28), math.Pow(10, -3.5)},
		{"FMRAt half a segment below level 1", tab.FMRAt(0.06), math.Pow(10, -0.5)},
	} {
		if math.Abs(c.got-c.want) > 1e-6*math.Max(1, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestEndsClamp(t *testing.T) {
	tab := testTable()
	t8 := tab.Points[7].Cosine
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"Similarity below -1", tab.Similarity(-1.5), 0},
		{"Similarity at level 8", tab.Similarity(t8), 100},
		{"Similarity above level 8", tab.Similarity(0.9), 100},
		{"Similarity above 1", tab.Similarity(1.0001), 100},
		{"CosineAtSimilarity(0)", float64(tab.CosineAtSimilarity(0)), -1},
		{"CosineAtSimilarity(-5)", float64(tab.CosineAtSimilarity(-5)), -1},
		{"CosineAtSimilarity(100)", float64(tab.CosineAtSimilarity(100)), float64(t8)},
		{"CosineAtSimilarity(150)", float64(tab.CosineAtSimilarity(150)), float64(t8)},
		{"Distance above 1", tab.Distance(1.0001), 0},
		{"Distance below -1", tab.Distance(-3), 2},
		{"CosineAtDistance(-1)", float64(tab.CosineAtDistance(-1)), 1},
		{"CosineAtDistance(0)", float64(tab.CosineAtDistance(0)), 1},
		{"CosineAtDistance(2)", float64(tab.CosineAtDistance(2)), -1},
		{"CosineAtDistance(7)", float64(tab.CosineAtDistance(7)), -1},
		{"FMRAt(-1)", tab.FMRAt(-1), 1},
		{"FMRAt over a segment below level 1", tab.FMRAt(0), 1},
		{"FMRAt(1)", tab.FMRAt(1), 1e-8},
		{"FMRAt above 1", tab.FMRAt(1.5), 1e-8},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if !math.IsNaN(tab.Similarity(float32(math.NaN()))) || !math.IsNaN(tab.FMRAt(float32(math.NaN()))) {
		t.Error("NaN cosine did not give NaN")
	}
}

// TestMonotone sweeps the cosine densely across and beyond [-1, 1].
func TestMonotone(t *testing.T) {
	for name, tab := range map[string]*Table{"test": testTable(), "shipped": shipped(t)} {
		prevSim, prevDist, prevFMR := math.Inf(-1), math.Inf(1), math.Inf(1)
		for i := -110000; i <= 110000; i++ {
			c := float32(i) / 100000
			sim, dist, fmr := tab.Similarity(c), tab.Distance(c), tab.FMRAt(c)
			if sim < prevSim || dist > prevDist || fmr > prevFMR {
				t.Fatalf("%s table: not monotone at cosine %v: similarity %v after %v, distance %v after %v, FMR %v after %v",
					name, c, sim, prevSim, dist, prevDist, fmr, prevFMR)
			}
			// Strictly monotone where the maps are not clamped.
			inside := c > -1 && c < tab.Points[Levels-1].Cosine
			if inside && (sim == prevSim || fmr == prevFMR && c > tab.Points[0].Cosine) {
				t.Fatalf("%s table: flat at cosine %v", name, c)
			}
			if c > -1 && c < 1 && dist == prevDist {
				t.Fatalf("%s table: distance flat at cosine %v", name, c)
			}
			prevSim, prevDist, prevFMR = sim, dist, fmr
		}
	}
}

func TestRoundTrips(t *testing.T) {
	for name, tab := range map[string]*Table{"test": testTable(), "shipped": shipped(t)} {
		for i := 0; i <= 10000; i++ {
			pct := float64(i) / 100
			if got := tab.Similarity(tab.CosineAtSimilarity(pct)); math.Abs(got-pct) > 1e-4 {
				t.Fatalf("%s: Similarity(CosineAtSimilarity(%v)) = %v", name, pct, got)
			}
			d := float64(i) / 5000
			if got := tab.Distance(tab.CosineAtDistance(d)); math.Abs(got-d) > 1e-4 {
				t.Fatalf("%s: Distance(CosineAtDistance(%v)) = %v", name, d, got)
			}
		}
		for i := -10000; i <= 10000; i++ {
			c := float32(i) / 10000
			if got := tab.CosineAtDistance(tab.Distance(c)); math.Abs(float64(got-c)) > 1e-4 {
				t.Fatalf("%s: CosineAtDistance(Distance(%v)) = %v", name, c, got)
			}
			if c > tab.Points[Levels-1].Cosine {
				continue // Similarity is 100 % from there on, so not invertible
			}
			if got := tab.CosineAtSimilarity(tab.Similarity(c)); math.Abs(float64(got-c)) > 1e-4 {
				t.Fatalf("%s: CosineAtSimilarity(Similarity(%v)) = %v", name, c, got)
			}
		}
	}
}

// TestSeedThresholds pins down what the numbers of the services Visage
// replaces mean on its scale (docs/scores.md), for any valid table.
func TestSeedThresholds(t *testing.T) {
	for name, tab := range map[string]*Table{"test": testTable(), "shipped": shipped(t)} {
		at := func(level int) float32 { return tab.Points[level-1].Cosine }
		for _, c := range []struct {
			what string
			cos  float32
			fmr  float64
		}{
			{"FaceAuth distance <= 0.42", tab.CosineAtDistance(0.42), 1e-6},
			{"FaceAuth confidence >= 85 %", tab.CosineAtSimilarity(85), 1e-5},
			{"Auther verify 80 %", tab.CosineAtSimilarity(80), 1e-4},
			{"Auther search 98 %", tab.CosineAtSimilarity(98), math.Pow(10, -7.6)},
			{"classic distance 0.6", tab.CosineAtDistance(0.6), 1e-3},
			{"Facenition accuracy 4 (default)", at(DefaultLevel), 1e-4},
		} {
			// Thresholds are float32, so FMRs off the knots are good to ~1e-6.
			if got := tab.FMRAt(c.cos); math.Abs(got-c.fmr) > 1e-5*c.fmr {
				t.Errorf("%s: %s: FMR %v, want %v", name, c.what, got, c.fmr)
			}
		}
		// Auther's 98 % lies 60 % of the way from level 7 to level 8.
		want := at(7) + 0.6*(at(8)-at(7))
		if got := tab.CosineAtSimilarity(98); math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("%s: CosineAtSimilarity(98) = %v, want %v", name, got, want)
		}
	}
}

func ExampleTable_Similarity() {
	tab := testTable()
	threshold, _ := tab.Threshold(DefaultLevel)
	fmt.Printf("threshold %.2f is %.0f %%, distance %.2f, FMR %.0e\n",
		threshold, tab.Similarity(threshold), tab.Distance(threshold), tab.FMRAt(threshold))
	// Output: threshold 0.31 is 80 %, distance 0.54, FMR 1e-04
}
