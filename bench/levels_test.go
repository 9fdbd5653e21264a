package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"path/filepath"
	"slices"
	"testing"

	"github.com/visagehq/visage/match"
)

// levelsTable is a table whose level L has threshold th[L-1] and the
// usual nominal FMR; CheckLevels reads nothing else.
func levelsTable(th [match.Levels]float32) *match.Table {
	t := &match.Table{Model: "test"}
	for i, c := range th {
		t.Points = append(t.Points, match.Point{FMR: math.Pow(10, -float64(i+1)), Cosine: c, Extrapolated: i >= 6})
	}
	return t
}

// TestCheckLevelsByHand: four templates in the plane whose cosines are
// exact in float32, so every count can be read off by hand. A pair whose
// cosine equals a threshold matches, as at run time.
func TestCheckLevelsByHand(t *testing.T) {
	set := &Labelled{
		Names:    []string{"a", "b", "c", "d"},
		Vectors:  [][]float32{{1, 0}, {1, 0}, {0.5, 0.75}, {0, 1}},
		Identity: []int{0, 0, 1, 2},
	}
	// Impostor cosines: a~c 0.5, b~c 0.5, a~d 0, b~d 0, c~d 0.75.
	// Genuine: a~b 1.
	table := levelsTable([match.Levels]float32{-0.5, 0.25, 0.5, 0.625, 0.75, 0.875, 0.9375, 0.96875})
	r := CheckLevels(table, set, 2)
	if r.ImpostorPairs != 5 || r.GenuinePairs != 1 {
		t.Fatalf("impostor pairs %d, genuine %d; want 5 and 1", r.ImpostorPairs, r.GenuinePairs)
	}
	wantFalse := []int64{5, 3, 3, 1, 1, 0, 0, 0}
	for i, c := range r.Levels {
		if c.Level != i+1 || c.Threshold != table.Points[i].Cosine || c.Nominal != table.Points[i].FMR || c.Extrapolated != (i >= 6) {
			t.Errorf("level %d: %+v does not describe the table's point %+v", i+1, c, table.Points[i])
		}
		if c.FalseMatches != wantFalse[i] {
			t.Errorf("level %d: %d false matches, want %d", i+1, c.FalseMatches, wantFalse[i])
		}
		if want := float64(wantFalse[i]) / 5; c.FMR != want {
			t.Errorf("level %d: FMR %g, want %g", i+1, c.FMR, want)
		}
		if c.TAR != 1 {
			t.Errorf("level %d: TAR %g, want 1 (the genuine pair is identical)", i+1, c.TAR)
		}
		if want := 5 * table.Points[i].FMR; c.Expected != want {
			t.Errorf("level %d: expected %g false matches, want %g", i+1, c.Expected, want)
		}
	}
	if len(r.Top) != 2 || r.Top[0] != (ImpostorPair{"c", "d", 0.75}) || r.Top[1].Cosine != 0.5 {
		t.Errorf("top impostors %+v, want c~d 0.75 then a 0.5 pair", r.Top)
	}
}

// TestCheckLevelsAgainstAllPairs: on a set large enough to be cut into
// several blocks and spread over workers, the counts and the top list
// equal a plain double loop's.
func TestCheckLevelsAgainstAllPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, dim, people = 300, 8, 40
	set := &Labelled{}
	for i := range n {
		v := make([]float32, dim)
		var ss float64
		for k := range v {
			v[k] = float32(rng.NormFloat64())
			ss += float64(v[k]) * float64(v[k])
		}
		for k := range v {
			v[k] /= float32(math.Sqrt(ss))
		}
		set.Names = append(set.Names, fmt.Sprint(i))
		set.Vectors = append(set.Vectors, v)
		set.Identity = append(set.Identity, rng.IntN(people))
	}
	th := [match.Levels]float32{0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}
	r := CheckLevels(levelsTable(th), set, 7)

	var imp, gen int64
	var falseAt, trueAt [match.Levels]int64
	var cosines []float32
	for i := range n {
		for j := i + 1; j < n; j++ {
			c := match.Cosine(set.Vectors[i], set.Vectors[j])
			same := set.Identity[i] == set.Identity[j]
			if same {
				gen++
			} else {
				imp++
				cosines = append(cosines, c)
			}
			for l, t := range th {
				if c >= t && same {
					trueAt[l]++
				} else if c >= t {
					falseAt[l]++
				}
			}
		}
	}
	if r.ImpostorPairs != imp || r.GenuinePairs != gen {
		t.Fatalf("pairs %d + %d, want %d + %d", r.ImpostorPairs, r.GenuinePairs, imp, gen)
	}
	for l, c := range r.Levels {
		if c.FalseMatches != falseAt[l] || c.TAR != float64(trueAt[l])/float64(gen) {
			t.Errorf("level %d: %d false matches, TAR %g; want %d, %g", l+1, c.FalseMatches, c.TAR, falseAt[l], float64(trueAt[l])/float64(gen))
		}
	}
	// The top list holds the seven highest impostor cosines, highest first.
	slices.Sort(cosines)
	slices.Reverse(cosines)
	if len(r.Top) != 7 {
		t.Fatalf("%d top impostors, want 7", len(r.Top))
	}
	for i, p := range r.Top {
		if p.Cosine != cosines[i] {
			t.Errorf("top %d: cosine %g, want %g", i, p.Cosine, cosines[i])
		}
	}
}

func TestLevelCheckVerdict(t *testing.T) {
	for _, c := range []struct {
		check LevelCheck
		want  string
	}{
		{LevelCheck{Nominal: 1e-4, FMR: 1e-4, Expected: 1000}, "within ×3"},
		{LevelCheck{Nominal: 1e-4, FMR: 3e-4, Expected: 1000}, "within ×3"},
		{LevelCheck{Nominal: 1e-4, FMR: 4.2e-4, Expected: 1000}, "×4.2 more false matches"},
		{LevelCheck{Nominal: 1e-4, FMR: 2e-5, Expected: 1000}, "×5.0 fewer false matches"},
		{LevelCheck{Nominal: 1e-6, FMR: 0, Expected: 12.5}, "no false match"},
		{LevelCheck{Nominal: 1e-7, FMR: 1e-6, Expected: 1.25}, "too few pairs (1.2 expected)"},
	} {
		if got := c.check.Verdict(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.check, got, c.want)
		}
	}
}

// TestLabelCFPFrontal: on the real frontal list, the person of a photo
// is its identity folder: 500 people of 10 photos each, and a photo
// without a template is left out without shifting the others' people.
func TestLabelCFPFrontal(t *testing.T) {
	dir := dataset(t, "cfp")
	names, err := readCFPList(filepath.Join(dir, "Protocol", "Pair_list_F.txt"))
	if err != nil {
		t.Fatal(err)
	}
	vecs := map[string][]float32{}
	for _, n := range names[1:] { // the first photo has "no face"
		vecs[n] = []float32{1}
	}
	l := label("CFP frontal", names, vecs, names[:1], cfpPerson)
	if l.Identities != 500 || l.Images != 4999 || len(l.Vectors) != 4999 || len(l.NoFace) != 1 {
		t.Fatalf("%d people, %d templates, %d without a face; want 500, 4999, 1", l.Identities, len(l.Vectors), len(l.NoFace))
	}
	idOf, photos := map[string]int{}, map[string]int{}
	for i, n := range l.Names {
		folder := path.Dir(path.Dir(n)) // Data/Images/<id>/frontal/NN.jpg
		if id, seen := idOf[folder]; seen && id != l.Identity[i] || n != names[i+1] {
			t.Fatalf("template %d: %s of person %d, its folder's person is %d", i, n, l.Identity[i], id)
		}
		idOf[folder] = l.Identity[i]
		photos[folder]++
	}
	for folder, n := range photos {
		want := 10
		if folder == path.Dir(path.Dir(names[0])) {
			want = 9
		}
		if n != want {
			t.Errorf("%s has %d photos, want %d", folder, n, want)
		}
	}
	if len(idOf) != 500 {
		t.Errorf("%d folders, want 500 (two folders share a person number)", len(idOf))
	}
}
