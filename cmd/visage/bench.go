package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
)

// defaultDatasets is where the research datasets sit beside a checkout.
func defaultDatasets() string {
	if d := os.Getenv("VISAGE_DATASETS"); d != "" {
		return d
	}
	return filepath.Join("..", "shared", "datasets")
}

func benchAccuracy(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench accuracy", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder ($VISAGE_DATASETS)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	start := time.Now()
	rep, err := bench.Accuracy(context.Background(), eng, *data, newBar(os.Stderr))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, rep)
	}
	printAccuracy(out, rep)
	fmt.Fprintf(out, "\n(%s, %d workers, %s)\n", rep.Model, eng.Workers(), time.Since(start).Round(time.Second))
	return nil
}

func pct(v float64) string { return fmt.Sprintf("%.2f %%", 100*v) }

func printAccuracy(out io.Writer, r *bench.AccuracyReport) {
	if l := r.LFW; l != nil {
		printVerification(out, "LFW", "View 2", &l.VerificationReport)
		fmt.Fprintf(out, "  images, no face    %d %v\n", len(l.NoFace), l.NoFace)
		printTime(out, &l.VerificationReport)
		fmt.Fprintf(out, "  at the calibrated level thresholds (TAR / FAR on these pairs):\n   ")
		for _, lt := range l.CalibratedTAR {
			fmt.Fprintf(out, " L%d %.2f/%.4f", lt.Level, 100*lt.TAR, 100*lt.FAR)
		}
		fmt.Fprintln(out)
	}
	for _, c := range []struct {
		name, kind string
		v          *bench.VerificationReport
	}{{"CFP-FF", "frontal-frontal", r.CFPFF}, {"CFP-FP", "frontal-profile", r.CFPFP}} {
		if c.v == nil {
			continue
		}
		fmt.Fprintln(out)
		printVerification(out, c.name, c.kind, c.v)
		// Hundreds of profile photos have no face found: counted, not listed
		// (--json lists them).
		fmt.Fprintf(out, "  images, no face    %d of %d, in %d pairs (scored as non-matches)\n", len(c.v.NoFace), c.v.Images, c.v.PairsNoFace)
		printTime(out, c.v)
	}
	if fc := r.FaceCounts; fc != nil {
		fmt.Fprintf(out, "\nface-counts: faces found vs annotated\n")
		for _, p := range fc.Photos {
			fmt.Fprintf(out, "  %-10s annotated %d  found %d  matched %d  extra %d  missed %d %s\n", p.File, p.Annotated, p.Found, p.Matched, p.Extra, p.Missed, p.Error)
		}
		fmt.Fprintf(out, "  single-person photos with exactly one face: %d of %d\n", fc.SinglePersonExact, fc.SinglePerson)
	}
	if len(r.Broken) > 0 {
		fmt.Fprintf(out, "\nbroken_files\n")
		for _, b := range r.Broken {
			res := fmt.Sprintf("%d face(s)", b.Faces)
			if b.Code != "" {
				res = b.Code
			}
			fmt.Fprintf(out, "  %-16s %s\n", b.File, res)
		}
	}
	if n := r.NUAA; n != nil {
		fmt.Fprintf(out, "\nnuaa-print: liveness at threshold %.2f\n", n.Threshold)
		fmt.Fprintf(out, "  overall  APCER %s (%d/%d attacks accepted)  BPCER %s (%d/%d live rejected)\n",
			pct(n.Overall.APCER), n.Overall.AttacksAccepted, n.Overall.Attacks, pct(n.Overall.BPCER), n.Overall.LiveRejected, n.Overall.Live)
		for _, s := range n.Subjects {
			fmt.Fprintf(out, "  subject %s  APCER %s (%d/%d)  BPCER %s (%d/%d)\n", s.Subject,
				pct(s.APCER), s.AttacksAccepted, s.Attacks, pct(s.BPCER), s.LiveRejected, s.Live)
		}
		fmt.Fprintf(out, "  mean over subjects  APCER %s  BPCER %s\n", pct(n.SubjectAPCER), pct(n.SubjectBPCER))
	}
	if u := r.UTK; u != nil {
		fmt.Fprintf(out, "\nutkface-age: %d faces, %d without an estimate\n", u.N, u.NoEstimate)
		fmt.Fprintf(out, "  age MAE %.1f years;", u.MAE)
		for _, b := range u.Bands {
			fmt.Fprintf(out, " %s: %.1f (n=%d)", b.Name, b.MAE, b.N)
		}
		fmt.Fprintf(out, "\n  under-18s estimated 18+: %s of %d\n", pct(u.MinorsAsAdults), u.Minors)
		fmt.Fprintf(out, "  gate at 18+%.0f: minors admitted %s, adults stopped %s of %d\n", u.Margin, pct(u.MinorsPassGate), pct(u.AdultsStopped), u.Adults)
		fmt.Fprintf(out, "  the gate at each margin (admitting an estimate >= 18 + margin):\n")
		printCurve(out, "    ", u.Curve)
		fmt.Fprintf(out, "  gender accuracy %s\n", pct(u.GenderAccuracy))
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(out, "\nskipped (folder absent): %s\n", strings.Join(r.Skipped, ", "))
	}
}

// printVerification prints a pair protocol's accuracy figures.
func printVerification(out io.Writer, name, kind string, v *bench.VerificationReport) {
	fmt.Fprintf(out, "%s (%s, %d pairs, %d images)\n", name, kind, v.Pairs, v.Images)
	fmt.Fprintf(out, "  10-fold accuracy   %s ± %s\n", pct(v.Accuracy), pct(v.AccuracyStd))
	fmt.Fprintf(out, "  TAR @ FAR 1e-3     %s\n", pct(v.TARAt1e3))
	fmt.Fprintf(out, "  TAR @ FAR 1e-4     %s\n", pct(v.TARAt1e4))
}

func printTime(out io.Writer, v *bench.VerificationReport) {
	fmt.Fprintf(out, "  embedding time     %.0f s, %.1f images/s\n", v.Seconds, v.ImagesPerSecond())
}

func benchSpeed(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench speed", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	runs := fs.Int("runs", 5, "rounds; figures are medians over rounds")
	iters := fs.Int("iterations", 30, "analyses per round")
	src := fs.String("photo", filepath.Join(face.DefaultDepsDir(), "testdata", "face-api", "sample1.jpg"), "photo the 640×480 frame is cut from")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if ef.workers == 0 {
		ef.workers = 2
	}
	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	data, err := os.ReadFile(*src)
	if err != nil {
		return err
	}
	ctx := context.Background()
	frame, err := bench.Frame640(ctx, eng, data)
	if err != nil {
		return err
	}
	r, err := bench.Speed(ctx, eng, frame, *runs, *iters)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, r)
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%6.2f ms", float64(d)/1e6) }
	fmt.Fprintf(out, "one 640×480 JPEG (%d bytes), one core per analysis; medians of %d rounds × %d iterations\n\n", len(frame), r.Runs, r.Iterations)
	fmt.Fprintf(out, "models alone (ONNX Runtime run):\n")
	names := make([]string, 0, len(r.Models))
	for k := range r.Models {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(out, "  %-12s %s\n", k, ms(r.Models[k]))
	}
	fmt.Fprintf(out, "\npipeline stages (full analysis):\n")
	for _, k := range []string{"decode", "detect", "landmarks", "align+embed", "liveness", "age+gender"} {
		fmt.Fprintf(out, "  %-12s %s\n", k, ms(r.Stages[k]))
	}
	fmt.Fprintf(out, "\nphoto → template   %s   models (detect+landmark+feature) %s   ratio %.2f\n", ms(r.Template), ms(r.TemplateModels), r.TemplateRatio)
	fmt.Fprintf(out, "full analysis      %s   models (+liveness, age, gender)  %s   ratio %.2f\n", ms(r.Full), ms(r.FullModels), r.FullRatio)
	fmt.Fprintf(out, "throughput         1 worker %.1f/s   %d workers %.1f/s   scaling %.2f×\n", r.Throughput1, r.Workers, r.ThroughputN, r.Scaling)
	return nil
}

// bar draws a one-line progress bar on a terminal, and a line every
// tenth of the way elsewhere (a CI log should not fill with frames).
type bar struct {
	w    io.Writer
	tty  bool
	last map[string]int
}

func newBar(w *os.File) *bar {
	fi, err := w.Stat()
	return &bar{w: w, tty: err == nil && fi.Mode()&os.ModeCharDevice != 0, last: map[string]int{}}
}

func (b *bar) Step(stage string, done, total int) {
	if b.tty {
		const width = 30
		n := done * width / total
		fmt.Fprintf(b.w, "\r%-14s [%s%s] %d/%d", stage, strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total)
		return
	}
	if tenth := done * 10 / total; tenth > b.last[stage] {
		b.last[stage] = tenth
		fmt.Fprintf(b.w, "%s: %d/%d\n", stage, done, total)
	}
}

func (b *bar) Done(stage string) {
	// bench packs runs a stage once per candidate: count each run afresh.
	delete(b.last, stage)
	if b.tty {
		fmt.Fprintln(b.w)
	}
}
