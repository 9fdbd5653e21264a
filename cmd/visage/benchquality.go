package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/pack"
)

// visage bench quality: fit the quality score (face.QualityModel) on the
// genuine pairs of LFW, of LFW with one photo of each degraded
// (bench.WithDegraded) and of CFP, with the pack's templates, with and
// without the recogniser's response, and print the models as Go, to paste
// into face/quality.go, with what refusing photos under each score would
// buy.
func benchQuality(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench quality", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder holding lfw/ and cfp/ ($VISAGE_DATASETS)")
	protocols := fs.String("protocols", "lfw,cfp-ff,cfp-fp", "comma-separated protocols whose genuine pairs label the photos")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	sets, err := openProtocols(*data, *protocols)
	if err != nil {
		return err
	}
	for _, ds := range sets {
		if ds.Protocols[0].Name == "LFW" {
			bench.WithDegraded(ds)
		}
	}
	ref := ef.pack
	if ref == "" {
		ref = pack.Default
	}
	p, err := pack.Open(ref, ef.models)
	if err != nil {
		return err
	}
	if p.Calibration == nil {
		// The score labels pairs by the default level's threshold.
		return errors.New(p.Uncalibrated)
	}
	threshold, err := p.Calibration.Threshold(match.DefaultLevel)
	if err != nil {
		return err
	}
	photo, err := os.ReadFile(filepath.Join(face.DefaultDepsDir(), "testdata", "face-api", "sample1.jpg"))
	if err != nil {
		return err
	}
	c, es, err := measurePack(context.Background(), ef, ref, false, sets, photo, 3, newBar(os.Stderr))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s:\n%s", c.Name, summary(c, sets))
	fmt.Fprintf(out, "quality score fitted on the genuine pairs of %s, %s at level %d (cosine %.4f)\n", *protocols, p.Name, match.DefaultLevel, threshold)
	for _, id := range []string{p.ID(), ""} {
		fit := bench.FitQuality(sets, es, threshold, id)
		name := "the generic model (without the recogniser's response)"
		if id != "" {
			name = p.Name + "'s model"
		}
		fmt.Fprintf(out, "\n%s: %d photos, %d genuine pairs of which %d failed; AUC of the pair's lower score %.3f\n", name, fit.Photos, fit.Pairs, fit.Failed, fit.AUC)
		fmt.Fprintf(out, "\t%s\n\n", goLiteral(fit.Model))
		fmt.Fprintf(out, "%s\n", qualityCurve(fit))
	}
	return nil
}

// goLiteral is m as face/quality.go writes it.
func goLiteral(m face.QualityModel) string {
	return fmt.Sprintf("{Pack: %q, Bias: %.4f, Detector: %.4f, Size: %.4f, Yaw: %.4f, Pitch: %.4f, Sharpness: %.4f, LogNorm: %.4f},",
		m.Pack, m.Bias, m.Detector, m.Size, m.Yaw, m.Pitch, m.Sharpness, m.LogNorm)
}

// qualityCurve is a fit's trade-off as a Markdown table.
func qualityCurve(fit *bench.QualityFit) string {
	var protocols []string
	for p := range fit.Curve[0].RefusedBy {
		protocols = append(protocols, p)
	}
	slices.Sort(protocols)
	var b strings.Builder
	b.WriteString("| refuse under | photos refused |")
	for _, p := range protocols {
		fmt.Fprintf(&b, " %s refused |", p)
	}
	b.WriteString(" failed pairs prevented | matched pairs lost |\n|" + strings.Repeat(" --- |", 4+len(protocols)) + "\n")
	for _, pt := range fit.Curve {
		fmt.Fprintf(&b, "| %.1f | %s |", pt.Min, pct(pt.Refused))
		for _, p := range protocols {
			fmt.Fprintf(&b, " %s |", pct(pt.RefusedBy[p]))
		}
		fmt.Fprintf(&b, " %s | %s |\n", pct(pt.FailedCaught), pct(pt.MatchedCollateral))
	}
	return b.String()
}
