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
	"github.com/visagehq/visage/match"
)

// runCalibrate embeds every LFW image, scores all cross-identity and
// same-identity pairs, and writes the score table (match/calibration.json
// in a checkout, which the binary embeds at its next build).
func runCalibrate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder holding lfw/ ($VISAGE_DATASETS)")
	outPath := fs.String("out", filepath.Join("match", "calibration.json"), "where to write the table")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	imageDir := filepath.Join(*data, "lfw", "lfw-deepfunneled")
	people, err := os.ReadDir(imageDir)
	if err != nil {
		return fmt.Errorf("LFW images: %w", err)
	}
	var names []string
	for _, p := range people {
		files, err := os.ReadDir(filepath.Join(imageDir, p.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			if strings.HasSuffix(f.Name(), ".jpg") {
				names = append(names, p.Name()+"/"+f.Name())
			}
		}
	}
	sort.Strings(names)

	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	start := time.Now()
	bar := newBar(os.Stderr)
	emb, noFace, err := bench.EmbedLFW(context.Background(), eng, imageDir, names, bar)
	if err != nil {
		return err
	}
	// Identity = the folder; images without a face are left out.
	var vecs [][]float32
	var ids []int
	idOf := map[string]int{}
	for _, n := range names {
		v, ok := emb[n]
		if !ok {
			continue
		}
		person := n[:strings.IndexByte(n, '/')]
		if _, ok := idOf[person]; !ok {
			idOf[person] = len(idOf)
		}
		vecs, ids = append(vecs, v), append(ids, idOf[person])
	}
	fmt.Fprintf(out, "embedded %d images (%d without a face) in %s\n", len(vecs), len(noFace), time.Since(start).Round(time.Second))

	table, st := match.Calibrate(vecs, ids, eng.Model(), func(done, total int64) {
		bar.Step("pairs", int(done/1e6), int(max(total/1e6, 1)))
	})
	bar.Done("pairs")
	table.Dataset = fmt.Sprintf("LFW deep-funneled: %d images with a face, %d identities", len(vecs), len(idOf))

	f, err := os.Create(*outPath)
	if err != nil {
		return err
	}
	if err := table.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "impostor pairs %d (mean %.4f, std %.4f, max %.4f); genuine pairs %d (mean %.4f, min %.4f); EER %.4f at cosine %.4f\n",
		st.ImpostorPairs, st.ImpostorMean, st.ImpostorStd, st.ImpostorMax, st.GenuinePairs, st.GenuineMean, st.GenuineMin, st.EER, st.EERCosine)
	fmt.Fprintf(out, "level  FMR     cosine   TAR\n")
	for i, p := range table.Points {
		note := ""
		if p.Extrapolated {
			note = "  (extrapolated)"
		}
		fmt.Fprintf(out, "%5d  %.0e  %.4f  %.4f%s\n", i+1, p.FMR, p.Cosine, p.TAR, note)
	}
	fmt.Fprintf(out, "wrote %s in %s\n", *outPath, time.Since(start).Round(time.Second))
	return nil
}
