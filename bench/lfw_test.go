package bench

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const samplePairs = `2	2
Abel_Pacheco	1	4
Akhmed_Zakayev	1	3
Abdel_Madi_Shabneh	1	Dean_Barker	1
Abdel_Madi_Shabneh	1	Giancarlo_Fisichella	1
Amber_Tamblyn	1	2
Anders_Fogh_Rasmussen	1	3
Abdulaziz_Kamilov	1	Mahmoud_Abbas	12
Abel_Pacheco	3	Jean-Francois_Lemounier	1

`

func TestParsePairsSample(t *testing.T) {
	pairs, err := ParsePairs(strings.NewReader(samplePairs))
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{
		{"Abel_Pacheco/Abel_Pacheco_0001.jpg", "Abel_Pacheco/Abel_Pacheco_0004.jpg", true, 0},
		{"Akhmed_Zakayev/Akhmed_Zakayev_0001.jpg", "Akhmed_Zakayev/Akhmed_Zakayev_0003.jpg", true, 0},
		{"Abdel_Madi_Shabneh/Abdel_Madi_Shabneh_0001.jpg", "Dean_Barker/Dean_Barker_0001.jpg", false, 0},
		{"Abdel_Madi_Shabneh/Abdel_Madi_Shabneh_0001.jpg", "Giancarlo_Fisichella/Giancarlo_Fisichella_0001.jpg", false, 0},
		{"Amber_Tamblyn/Amber_Tamblyn_0001.jpg", "Amber_Tamblyn/Amber_Tamblyn_0002.jpg", true, 1},
		{"Anders_Fogh_Rasmussen/Anders_Fogh_Rasmussen_0001.jpg", "Anders_Fogh_Rasmussen/Anders_Fogh_Rasmussen_0003.jpg", true, 1},
		{"Abdulaziz_Kamilov/Abdulaziz_Kamilov_0001.jpg", "Mahmoud_Abbas/Mahmoud_Abbas_0012.jpg", false, 1},
		{"Abel_Pacheco/Abel_Pacheco_0003.jpg", "Jean-Francois_Lemounier/Jean-Francois_Lemounier_0001.jpg", false, 1},
	}
	if len(pairs) != len(want) {
		t.Fatalf("%d pairs, want %d", len(pairs), len(want))
	}
	for i := range want {
		if pairs[i] != want[i] {
			t.Errorf("pair %d = %+v, want %+v", i, pairs[i], want[i])
		}
	}
}

func TestParsePairsRejects(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(samplePairs), "\n")
	join := func(ls ...string) string { return strings.Join(ls, "\n") }
	for name, c := range map[string]struct{ text, want string }{
		"empty":            {"", "empty"},
		"bad header":       {join(append([]string{"10"}, lines[1:]...)...), "header"},
		"View 1 header":    {"1100\nA 1 2\n", "header"},
		"truncated":        {join(lines[:6]...), "promises"},
		"extra line":       {join(append(lines, "X 1 2")...), "more pairs"},
		"different early":  {join(lines[0], lines[3], lines[2], lines[1]), "same-person line"},
		"same late":        {join(lines[0], lines[1], lines[2], lines[5]), "different-person line"},
		"image number 0":   {strings.Replace(samplePairs, "Abel_Pacheco\t1\t4", "Abel_Pacheco\t0\t4", 1), "positive"},
		"image number abc": {strings.Replace(samplePairs, "Dean_Barker\t1", "Dean_Barker\tabc", 1), "positive"},
	} {
		_, err := ParsePairs(strings.NewReader(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
}

// TestParsePairsLFW reads the real View 2 list and checks that every pair
// names an image that exists.
func TestParsePairsLFW(t *testing.T) {
	dir := dataset(t, "lfw")
	f, err := os.Open(filepath.Join(dir, "pairs.txt"))
	if err != nil {
		t.Skipf("no LFW pairs.txt: %v", err)
	}
	defer f.Close()
	pairs, err := ParsePairs(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 6000 {
		t.Fatalf("%d pairs, want 6000", len(pairs))
	}
	perFold := map[int][2]int{}
	for _, p := range pairs {
		c := perFold[p.Fold]
		if p.Same {
			c[0]++
		} else {
			c[1]++
		}
		perFold[p.Fold] = c
	}
	for fold := range 10 {
		if perFold[fold] != [2]int{300, 300} {
			t.Errorf("fold %d: %v same/different pairs, want 300/300", fold, perFold[fold])
		}
	}
	images := filepath.Join(dir, "lfw-deepfunneled")
	if _, err := os.Stat(images); err != nil {
		t.Skipf("no LFW images: %v", err)
	}
	for _, p := range pairs {
		for _, rel := range []string{p.A, p.B} {
			if _, err := os.Stat(filepath.Join(images, filepath.FromSlash(rel))); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestTenFold(t *testing.T) {
	inf := math.Inf(-1)
	for _, c := range []struct {
		name    string
		scores  []float64
		same    []bool
		fold    []int
		perFold []float64
		mean    float64
		std     float64
	}{
		{
			// Perfectly separable: every threshold chosen on the other fold
			// separates the held-out one too.
			name:    "separable",
			scores:  []float64{0.9, 0.8, 0.1, 0.2, 0.7, 0.95, 0.3, 0.0},
			same:    []bool{true, true, false, false, true, true, false, false},
			fold:    []int{0, 0, 0, 0, 1, 1, 1, 1},
			perFold: []float64{1, 1},
			mean:    1,
		},
		{
			// Fold 1 trains on fold 0 (scores 0.1 0.2 | 0.8 0.9, threshold
			// 0.5) and then misses its same pair at 0.4: 3/4. Fold 0 trains
			// on fold 1 (0.0 0.3 diff, 0.4 0.7 same: threshold 0.35) and
			// gets all of fold 0: 4/4. Mean 0.875, std 0.125.
			name:    "one held-out error",
			scores:  []float64{0.9, 0.8, 0.1, 0.2, 0.7, 0.4, 0.3, 0.0},
			same:    []bool{true, true, false, false, true, true, false, false},
			fold:    []int{0, 0, 0, 0, 1, 1, 1, 1},
			perFold: []float64{1, 0.75},
			mean:    0.875,
			std:     0.125,
		},
		{
			// Fold 0 has a same pair without a face (-Inf) and a different
			// pair without a face (NaN): wrong and right whatever the
			// threshold. Fold 1 trains on fold 0, whose finite scores
			// split at 0.5 — the -Inf same pair cannot pull the threshold
			// down to -Inf. Fold 0 (threshold 0.5 from fold 1): 3/4.
			name:    "no face",
			scores:  []float64{0.9, inf, 0.1, math.NaN(), 0.7, 0.6, 0.3, 0.4},
			same:    []bool{true, true, false, false, true, true, false, false},
			fold:    []int{0, 0, 0, 0, 1, 1, 1, 1},
			perFold: []float64{0.75, 1},
			mean:    0.875,
			std:     0.125,
		},
		{
			// Folds are numbered as the caller likes and reported in order.
			name:    "three folds, any numbers",
			scores:  []float64{0.9, 0.1, 0.8, 0.2, 0.7, 0.75},
			same:    []bool{true, false, true, false, true, false},
			fold:    []int{7, 7, 3, 3, 5, 5},
			perFold: []float64{1, 0.5, 1}, // fold 5 trains to 0.5: 0.75 is a false accept
			mean:    2.5 / 3,
			std:     math.Sqrt((2*math.Pow(1-2.5/3, 2) + math.Pow(0.5-2.5/3, 2)) / 3),
		},
	} {
		mean, std, perFold := TenFold(c.scores, c.same, c.fold)
		if math.Abs(mean-c.mean) > 1e-12 || math.Abs(std-c.std) > 1e-12 || !equalFloats(perFold, c.perFold) {
			t.Errorf("%s: got %v ± %v %v, want %v ± %v %v", c.name, mean, std, perFold, c.mean, c.std, c.perFold)
		}
	}
}

func TestBestThreshold(t *testing.T) {
	inf := math.Inf(-1)
	for _, c := range []struct {
		name  string
		pairs []scored
		want  float64
	}{
		{"midpoint", []scored{{0.2, false}, {0.6, true}}, 0.4},
		{"all same: lowest score", []scored{{0.2, true}, {0.6, true}}, 0.2},
		{"all different: +Inf", []scored{{0.2, false}, {0.6, false}}, math.Inf(1)},
		{"ties: the lowest best cut", []scored{{0.1, false}, {0.3, true}, {0.5, false}, {0.7, true}}, 0.2},
		{"equal scores are not split", []scored{{0.5, false}, {0.5, true}, {0.5, true}}, 0.5},
		{"never -Inf", []scored{{inf, true}, {inf, true}, {0.3, true}, {0.1, false}}, 0.2},
		{"above -Inf on a boundary", []scored{{inf, false}, {0.3, true}}, 0.3},
	} {
		if got := bestThreshold(c.pairs); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTARAtFAR(t *testing.T) {
	// Ten impostors 0.0 … 0.9 and four genuine pairs.
	var scores []float64
	var same []bool
	for i := range 10 {
		scores, same = append(scores, float64(i)/10), append(same, false)
	}
	scores = append(scores, 0.95, 0.85, 0.5, math.Inf(-1))
	same = append(same, true, true, true, true)
	next := func(x float64) float64 { return math.Nextafter(x, math.Inf(1)) }
	for _, c := range []struct {
		far, tar, threshold float64
	}{
		{0, 0.25, next(0.9)},        // no false accept: above the highest impostor
		{0.05, 0.25, next(0.9)},     // floor(0.5) = 0 still
		{0.1, 0.5, next(0.8)},       // one allowed: 0.9 passes, so 0.85 does
		{0.3, 0.5, next(0.6)},       // three: 0.9 0.8 0.7
		{0.29, 0.5, next(0.7)},      // floor(2.9) = 2
		{1, 0.75, -math.MaxFloat64}, // all impostors allowed; -Inf still fails
	} {
		tar, threshold := TARAtFAR(scores, same, c.far)
		if tar != c.tar || threshold != c.threshold {
			t.Errorf("FAR %v: TAR %v at %v, want %v at %v", c.far, tar, threshold, c.tar, c.threshold)
		}
	}
	// LFW's numbers: 3000 impostors at FAR 1e-3 allow exactly 3.
	imp := make([]float64, 3000)
	for i := range imp {
		imp[i] = float64(i)
	}
	_, threshold := TARAtFAR(append(imp, 0), append(make([]bool, 3000), true), 1e-3)
	if threshold != next(2996) {
		t.Errorf("3000 impostors at FAR 1e-3: threshold %v, want just above 2996", threshold)
	}
	if tar, _ := TARAtFAR([]float64{0.5}, []bool{false}, 0.1); !math.IsNaN(tar) {
		t.Errorf("no genuine pair: TAR %v, want NaN", tar)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}
