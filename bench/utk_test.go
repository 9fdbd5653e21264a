package bench

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestListUTK(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"100_1_0_20170110183726390.jpg.chip.jpg",
		"9_0_4_20170103200443015.jpg.chip.jpg",
		"61_1_20170109142408075.jpg.chip.jpg",   // a field missing
		"61_3_20170109150557335.jpg.chip.jpg",   // a field missing
		"30_2_0_20170109150557335.jpg.chip.jpg", // gender 2
		"30_0_5_20170109150557335.jpg.chip.jpg", // race 5
		"x_0_0_20170109150557335.jpg.chip.jpg",
		"SOURCE.txt",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	faces, skipped, err := ListUTK(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []UTKFace{
		{filepath.Join(dir, "100_1_0_20170110183726390.jpg.chip.jpg"), 100, true},
		{filepath.Join(dir, "9_0_4_20170103200443015.jpg.chip.jpg"), 9, false},
	}
	if !reflect.DeepEqual(faces, want) {
		t.Errorf("faces %v\nwant %v", faces, want)
	}
	if len(skipped) != 5 {
		t.Errorf("skipped %v, want the 5 malformed names", skipped)
	}
	if _, _, err := ListUTK(filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing folder")
	}
}

func TestListUTKDataset(t *testing.T) {
	dir := dataset(t, "utkface-age")
	faces, skipped, err := ListUTK(dir)
	if err != nil {
		t.Fatal(err)
	}
	minors := 0
	for _, f := range faces {
		if f.Age < 18 {
			minors++
		}
	}
	t.Logf("%d faces (%d under 18), skipped %v", len(faces), minors, skipped)
	if len(faces) < 1000 || len(skipped) > 10 {
		t.Errorf("%d faces and %d skipped: the names did not parse as expected", len(faces), len(skipped))
	}
}

func TestAgeReport(t *testing.T) {
	nan := math.NaN()
	truth := []float64{10, 16, 17, 20, 30, 40, 70, 15}
	est := []float64{12, 19, 22, 24, 27, 40, nan, 14}
	st := AgeReport(truth, est, 5)
	// Errors: 2, 3, 5, 4, 3, 0, (none), 1 → 18 over 7 faces.
	if st.N != 8 || st.NoEstimate != 1 || math.Abs(st.MAE-18.0/7) > 1e-12 {
		t.Errorf("N %d NoEstimate %d MAE %v, want 8 1 %v", st.N, st.NoEstimate, st.MAE, 18.0/7)
	}
	wantBands := map[string]struct {
		n         int
		mae, bias float64
	}{
		// 13-17: errors +3, +5, −1.
		"0-12": {1, 2, 2}, "13-17": {3, 3, 7.0 / 3}, "18-24": {1, 4, 4}, "25-34": {1, 3, -3}, "35-49": {1, 0, 0},
		"50-64": {0, nan, nan}, "65+": {0, nan, nan}, // the 70-year-old has no estimate
	}
	same := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 || math.IsNaN(a) && math.IsNaN(b) }
	for _, b := range st.Bands {
		w := wantBands[b.Name]
		if b.N != w.n || !same(b.MAE, w.mae) || !same(b.Bias, w.bias) {
			t.Errorf("band %s: N %d MAE %v bias %v, want %d %v %v", b.Name, b.N, b.MAE, b.Bias, w.n, w.mae, w.bias)
		}
	}
	// The curve: one child (estimated 12), teens 16, 17, 15 estimated
	// 19, 22, 14, adults estimated 24, 27, 40 and none.
	if len(st.Curve) != len(GateMargins) {
		t.Fatalf("%d curve points, want %d", len(st.Curve), len(GateMargins))
	}
	for _, c := range []GatePoint{
		{Margin: 0, ChildrenAdmitted: 0, TeensAdmitted: 2.0 / 3, AdultsStopped: 0.25, YoungAdultsStopped: 0},
		{Margin: 4, ChildrenAdmitted: 0, TeensAdmitted: 1.0 / 3, AdultsStopped: 0.25, YoungAdultsStopped: 0}, // 22 ≥ 22
		{Margin: 5, ChildrenAdmitted: 0, TeensAdmitted: 0, AdultsStopped: 0.25, YoungAdultsStopped: 0},
		{Margin: 7, ChildrenAdmitted: 0, TeensAdmitted: 0, AdultsStopped: 0.5, YoungAdultsStopped: 1}, // the 20-year-old's 24 < 25
		{Margin: 15, ChildrenAdmitted: 0, TeensAdmitted: 0, AdultsStopped: 0.75, YoungAdultsStopped: 1},
	} {
		got := st.Curve[int(c.Margin)]
		if got.Margin != c.Margin || !same(got.ChildrenAdmitted, c.ChildrenAdmitted) || !same(got.TeensAdmitted, c.TeensAdmitted) ||
			!same(got.AdultsStopped, c.AdultsStopped) || !same(got.YoungAdultsStopped, c.YoungAdultsStopped) {
			t.Errorf("curve at %v: %+v, want %+v", c.Margin, got, c)
		}
	}
	// Minors 10, 16, 17, 15: two estimated adult (19, 22), one of them
	// over the 23-year gate (22 is not). Adults 20, 30, 40, 70: 24 and
	// 27 and 40 pass, the one without an estimate is stopped.
	if st.Minors != 4 || st.Adults != 4 || st.MinorsAsAdults != 0.5 || st.MinorsPassGate != 0 || st.AdultsStopped != 0.25 {
		t.Errorf("gate: %+v", st)
	}
	st = AgeReport(truth, est, 1) // gate at 19: 19 and 22 both pass
	if st.MinorsPassGate != 0.5 || st.AdultsStopped != 0.25 {
		t.Errorf("gate at 19: minors pass %v, adults stopped %v; want 0.5 0.25", st.MinorsPassGate, st.AdultsStopped)
	}
	if empty := AgeReport(nil, nil, 0); !math.IsNaN(empty.MAE) || !math.IsNaN(empty.MinorsAsAdults) || !math.IsNaN(empty.Curve[0].TeensAdmitted) {
		t.Errorf("empty report %+v", empty)
	}
}
