package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/service"
)

// benchLearn runs `visage bench learn`: LFW's people with many photos log
// in with each in turn, without and with learned templates.
func benchLearn(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench learn", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder ($VISAGE_DATASETS)")
	minPhotos := fs.Int("min-photos", 10, "the people enrolled: those with at least this many photos")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *minPhotos < 2 {
		return usageError{"bench learn: --min-photos must be at least 2"}
	}
	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	start := time.Now()
	r, err := bench.Learn(context.Background(), eng, *data, *minPhotos, newBar(os.Stderr))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, r)
	}
	fmt.Fprintf(out, "learned templates (LFW): %d people with %d or more photos enroll with their first, then log in with the other %d\n",
		r.People, r.MinPhotos, r.Logins)
	fmt.Fprintf(out, "in turn; then %d photos of LFW's one-photo people try as impostors. Level %d, logins proved live (the widget's path).\n\n", r.Impostors, r.Level)
	fmt.Fprintf(out, "  %-22s %10s %10s %10s %10s %12s %14s %8s\n", "", "accepted", "photos 2-5", "6-10", "11+", "wrong person", "false accepts", "learned")
	for _, run := range []struct {
		name string
		r    bench.LearnRun
	}{{"enrolled once", r.Off}, {fmt.Sprintf("learning (≤ %d a face)", service.MaxLearned), r.On}} {
		fmt.Fprintf(out, "  %-22s %10s %10s %10s %10s %12d %14s %8d\n", run.name,
			pct(float64(run.r.Accepted)/float64(r.Logins)), pct(run.r.ByOrder[0]), pct(run.r.ByOrder[1]), pct(run.r.ByOrder[2]),
			run.r.WrongPerson, fmt.Sprintf("%d of %d", run.r.FalseAccepts, r.Impostors), run.r.Learned)
	}
	fmt.Fprintf(out, "\n(%s, %s)\n", r.Model, time.Since(start).Round(time.Second))
	return nil
}
