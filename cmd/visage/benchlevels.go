package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/pack"
)

// levelsResult is one pack's levels checked on each set; a set not asked
// for is nil.
type levelsResult struct {
	Pack  string              `json:"pack"`
	Model string              `json:"model"`
	LFW   *bench.LevelsReport `json:"lfw,omitempty"`
	CFPFF *bench.LevelsReport `json:"cfp_ff,omitempty"`
	// Recalibrated is the table `visage calibrate` would make from these
	// LFW templates today, to compare with the shipped one; nil when LFW
	// was not scored.
	Recalibrated *match.Table `json:"recalibrated,omitempty"`
	table        *match.Table // the shipped one
}

// `visage bench levels` checks what an accuracy level means beyond the
// data it was calibrated on: for each pack, every cross-identity pair of
// all of LFW (the calibration set, where the measured levels must hold by
// construction) and of CFP's frontal photos (500 other people) is scored
// against the pack's shipped thresholds. On LFW it also re-calibrates, to
// show that the shipped table is still what the engine produces.
func benchLevels(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench levels", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder holding lfw/ and cfp/ ($VISAGE_DATASETS)")
	packs := fs.String("packs", strings.Join(pack.Builtin(), ","), "comma-separated packs to check (names or pack.json paths)")
	sets := fs.String("sets", "lfw,cfp-ff", "sets whose cross-identity pairs are scored: lfw (every LFW image), cfp-ff (CFP's frontal photos)")
	top := fs.Int("top", 5, "highest-scoring impostor pairs to list per set, to look at by eye")
	doc := fs.String("doc", "", "Markdown file whose generated section gets the tables (e.g. docs/scores.md)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if ef.pack != "" {
		return usageError{"bench levels takes --packs, not --pack"}
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*sets, ",") {
		if s != "lfw" && s != "cfp-ff" {
			return usageError{fmt.Sprintf("unknown set %q: lfw or cfp-ff", s)}
		}
		want[s] = true
	}
	ctx := context.Background()
	bar := newBar(os.Stderr)
	var results []*levelsResult
	for _, ref := range strings.Split(*packs, ",") {
		start := time.Now()
		r, err := checkPackLevels(ctx, ef, ref, *data, want, *top, bar)
		if err != nil {
			return err
		}
		results = append(results, r)
		if !*asJSON {
			fmt.Fprintf(out, "%s\n\n%s\n%s(%s)\n\n", levelsSummary(r), levelsTable(r), details(r), time.Since(start).Round(time.Second))
		}
	}
	if *doc != "" {
		var b strings.Builder
		for _, r := range results {
			fmt.Fprintf(&b, "%s\n\n%s\n", levelsSummary(r), levelsTable(r))
		}
		if err := replaceGenerated(*doc, "visage bench levels", b.String()); err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintf(out, "updated %s\n", *doc)
		}
	}
	if *asJSON {
		return writeJSON(out, results)
	}
	return nil
}

// checkPackLevels embeds the sets with one pack and checks its shipped
// table on each.
func checkPackLevels(ctx context.Context, ef engineFlags, ref, data string, want map[string]bool, top int, bar *bar) (*levelsResult, error) {
	cfg := ef.config()
	cfg.Pack = ref
	eng, err := face.New(cfg)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	p := eng.Pack()
	if p.Calibration == nil {
		return nil, fmt.Errorf("pack %s has no calibration to check: %s", p.Name, p.Uncalibrated)
	}
	r := &levelsResult{Pack: p.Name, Model: eng.Model(), table: p.Calibration}
	if want["lfw"] {
		set, err := bench.EmbedLFWAll(ctx, eng, data, bar)
		if err != nil {
			return nil, err
		}
		r.LFW = bench.CheckLevels(p.Calibration, set, top)
		r.Recalibrated, _ = match.Calibrate(set.Vectors, set.Identity, eng.Model(), pairProgress(bar))
		bar.Done("pairs")
		r.Recalibrated.Dataset = lfwDataset(set)
	}
	if want["cfp-ff"] {
		set, err := bench.EmbedCFPFrontal(ctx, eng, data, bar)
		if err != nil {
			return nil, err
		}
		r.CFPFF = bench.CheckLevels(p.Calibration, set, top)
	}
	return r, nil
}

// tableDiff lists, a line each, where fresh differs from shipped.
func tableDiff(shipped, fresh *match.Table) []string {
	d := []string{}
	field := func(name string, a, b any) {
		if a != b {
			d = append(d, fmt.Sprintf("%s: shipped %v, now %v", name, a, b))
		}
	}
	field("model", shipped.Model, fresh.Model)
	field("dataset", shipped.Dataset, fresh.Dataset)
	field("impostor pairs", shipped.ImpostorPairs, fresh.ImpostorPairs)
	field("genuine pairs", shipped.GenuinePairs, fresh.GenuinePairs)
	for i := range min(len(shipped.Points), len(fresh.Points)) {
		a, b := shipped.Points[i], fresh.Points[i]
		if a == b {
			continue
		}
		line := fmt.Sprintf("level %d: cosine %v → %v, TAR %.5f → %.5f", i+1, a.Cosine, b.Cosine, a.TAR, b.TAR)
		if a.Extrapolated != b.Extrapolated {
			line += fmt.Sprintf(", extrapolated %v → %v", a.Extrapolated, b.Extrapolated)
		}
		d = append(d, line)
	}
	field("extrapolation", shipped.Extrapolation, fresh.Extrapolation)
	return d
}

// maxShift is the largest move of a level's threshold from shipped to
// fresh, in cosine.
func maxShift(shipped, fresh *match.Table) float64 {
	var m float64
	for i := range min(len(shipped.Points), len(fresh.Points)) {
		m = max(m, math.Abs(float64(fresh.Points[i].Cosine)-float64(shipped.Points[i].Cosine)))
	}
	return m
}

// levelsSummary says what was scored for a pack, and how its
// re-calibration compares with the shipped table.
func levelsSummary(r *levelsResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** (`%s`)", r.Pack, r.Model)
	for _, rep := range []*bench.LevelsReport{r.LFW, r.CFPFF} {
		if rep != nil {
			fmt.Fprintf(&b, "; %s: %d images with a face (%d without), %d people, %d impostor pairs, %d genuine",
				rep.Set.Dataset, rep.Set.Images, len(rep.Set.NoFace), rep.Set.Identities, rep.ImpostorPairs, rep.GenuinePairs)
		}
	}
	if r.Recalibrated != nil {
		if d := tableDiff(r.table, r.Recalibrated); len(d) == 0 {
			b.WriteString("; re-calibrated on LFW: the same table as shipped")
		} else {
			fmt.Fprintf(&b, "; re-calibrated on LFW: not the shipped table (%d differences, thresholds moved by %.1e at most)", len(d), maxShift(r.table, r.Recalibrated))
		}
	}
	b.WriteString(".")
	return b.String()
}

// details lists, a line each, how the re-calibration differs from the
// shipped table, and each set's highest impostor pairs, for a person to
// open and see whether they are two people at all.
func details(r *levelsResult) string {
	var b strings.Builder
	if r.Recalibrated != nil {
		for _, d := range tableDiff(r.table, r.Recalibrated) {
			fmt.Fprintf(&b, "  re-calibrated %s\n", d)
		}
	}
	for _, rep := range []*bench.LevelsReport{r.LFW, r.CFPFF} {
		if rep == nil {
			continue
		}
		for _, p := range rep.Top {
			fmt.Fprintf(&b, "  %s impostor %.4f: %s ~ %s\n", rep.Set.Dataset, p.Cosine, p.A, p.B)
		}
	}
	return b.String()
}

// levelsTable is a pack's levels as a Markdown table: the nominal rate,
// what each set measured (with the false matches counted), and CFP-FF's
// ratio to the nominal rate.
func levelsTable(r *levelsResult) string {
	var b strings.Builder
	b.WriteString("| level | threshold | nominal FMR | LFW measured | CFP-FF measured | CFP-FF ÷ nominal | CFP-FF TAR | on CFP-FF |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, p := range r.table.Points {
		nominal := fmt.Sprintf("%.0e", p.FMR)
		if p.Extrapolated {
			nominal += " (extrapolated)"
		}
		lfw, cfp, ratio, tar, verdict := "—", "—", "—", "—", "—"
		if r.LFW != nil {
			lfw = fmrCell(r.LFW.Levels[i])
		}
		if r.CFPFF != nil {
			c := r.CFPFF.Levels[i]
			cfp, ratio, tar, verdict = fmrCell(c), fmt.Sprintf("%.2f", c.Ratio()), pct(c.TAR), c.Verdict()
		}
		fmt.Fprintf(&b, "| %d | %.4f | %s | %s | %s | %s | %s | %s |\n", i+1, p.Cosine, nominal, lfw, cfp, ratio, tar, verdict)
	}
	return b.String()
}

// fmrCell is a measured FMR with the false matches behind it.
func fmrCell(c bench.LevelCheck) string {
	return fmt.Sprintf("%.1e (%d)", c.FMR, c.FalseMatches)
}
