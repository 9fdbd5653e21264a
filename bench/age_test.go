package bench

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAgePolicyFitApply(t *testing.T) {
	nan := math.NaN()
	truth := []float64{10, 20, 30, 40, 50}
	a := []float64{11, 19, 31, 39, nan} // errors ±1: MSE 1
	b := []float64{12, 18, 32, 38, 70}  // errors ±2: MSE 4 (the fifth face is left out: a has none)
	mean := AgePolicy{Name: "mean", Of: []string{"a", "b"}}
	w := mean.fit(truth, [][]float64{a, b}, []int{0, 1, 2, 3, 4})
	if math.Abs(w[0]-0.8) > 1e-12 || math.Abs(w[1]-0.2) > 1e-12 {
		t.Errorf("weights %v, want the inverse MSEs 1 and 1/4 normalised: 0.8 0.2", w)
	}
	fused := mean.apply([][]float64{a, b}, w)
	if math.Abs(fused[0]-11.2) > 1e-12 || !math.IsNaN(fused[4]) {
		t.Errorf("mean %v, want 11.2 first and NaN last", fused)
	}
	low := AgePolicy{Name: "min", Of: []string{"a", "b"}, Min: true}
	if w := low.fit(truth, [][]float64{a, b}, []int{0}); w != nil {
		t.Errorf("min fitted weights %v", w)
	}
	fused = low.apply([][]float64{a, b}, nil)
	if fused[0] != 11 || fused[1] != 18 || !math.IsNaN(fused[4]) {
		t.Errorf("min %v, want 11, 18, …, NaN", fused)
	}
	if w := (AgePolicy{Of: []string{"a"}}).fit(truth, [][]float64{a}, nil); len(w) != 1 || w[0] != 1 {
		t.Errorf("one estimator: weights %v, want [1]", w)
	}
}

// ScorePolicy picks the smallest margin meeting the minors targets, on
// all faces and on each half for the other.
func TestScorePolicy(t *testing.T) {
	// 100 children estimated 10, except two estimated 20 and 22 (2 %
	// admitted up to margin 2, 1 % up to 4); 20 teenagers estimated 16,
	// except one at 21 (5 %: within target at any margin); 100 adults
	// of 30 estimated 19 + i/10, so that margin m stops 10·(m − 1) of them.
	var truth, est []float64
	for i := range 100 {
		truth, est = append(truth, 8), append(est, 10)
		if i == 10 {
			est[len(est)-1] = 20
		}
		if i == 60 {
			est[len(est)-1] = 22
		}
	}
	for i := range 20 {
		truth, est = append(truth, 16), append(est, 16)
		if i == 3 {
			est[len(est)-1] = 21
		}
	}
	for i := range 100 {
		truth, est = append(truth, 30), append(est, 19+float64(i)/10)
	}
	r := ScorePolicy(AgePolicy{Name: "x", Of: []string{"x"}}, truth, [][]float64{est})
	if !r.Meets || r.Margin != 3 {
		t.Errorf("margin %v (meets %v), want 3", r.Margin, r.Meets)
	}
	if r.At.ChildrenAdmitted != 0.01 || r.At.TeensAdmitted != 0.05 || r.At.AdultsStopped != 0.20 {
		t.Errorf("at the margin: %+v, want 1 %% / 5 %% / 20 %%", r.At)
	}
	if r.Weights != nil {
		t.Errorf("a single estimator reports weights %v", r.Weights)
	}

	// Halves alternate faces. The children at 20 and 22 (faces 10 and
	// 60) are both in the even half, which needs margin 5 (gate 23) to
	// admit under 1 % of its 50; the teenager at 21 (face 103) is in the
	// odd half, which needs 4 (gate 22) to admit under 5 % of its 10.
	// Each half is gated at the other's margin.
	if r.HeldOutMargins != [2]float64{4, 5} {
		t.Errorf("held-out margins %v, want [4 5]", r.HeldOutMargins)
	}
	// Even faces gated at 22 admit the child at 22; odd ones at 23 stop
	// the teenager. Adults stopped: 15 of the even 50 (under 22), 20 of
	// the odd (under 23).
	if r.HeldOut.ChildrenAdmitted != 0.01 || r.HeldOut.TeensAdmitted != 0 || r.HeldOut.AdultsStopped != 0.35 {
		t.Errorf("held out: %+v, want 1 %% / 0 %% / 35 %%", r.HeldOut)
	}
}

// --json prints these reports: neither the last band's bound (+Inf) nor
// anything else JSON cannot carry reaches the encoder when every band
// and group has faces (an empty one is NaN, by design).
func TestAgeReportsEncode(t *testing.T) {
	truth := []float64{5, 15, 20, 30, 40, 55, 70}
	est := []float64{6, 17, 19, 33, 38, 50, 61}
	if _, err := json.Marshal(AgeReport(truth, est, 7)); err != nil {
		t.Errorf("AgeReport: %v", err)
	}
	if _, err := json.Marshal(ScorePolicy(AgePolicy{Name: "x", Of: []string{"x"}}, truth, [][]float64{est})); err != nil {
		t.Errorf("ScorePolicy: %v", err)
	}
}
