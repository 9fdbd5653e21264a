package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// runCompare scores the largest face of one image against the largest
// face of another on the calibrated scale.
func runCompare(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	level := fs.Int("level", match.DefaultLevel, "accuracy level 1-8: the match threshold is the score at false-match rate 10^-level")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{"compare takes two images: visage compare IMG1 IMG2 [--json] [--level N]"}
	}
	if *level < 1 || *level > match.Levels {
		return usageError{fmt.Sprintf("--level %d is outside 1..%d", *level, match.Levels)}
	}
	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	table := eng.Pack().Calibration
	if table == nil {
		return fmt.Errorf("pack %s has no calibration: run `visage calibrate --pack %s` first", eng.Pack().Name, eng.Pack().Name)
	}
	threshold, err := table.Threshold(*level)
	if err != nil {
		return err
	}

	var tpl [2]*visage.Template
	for i, path := range pos {
		data, err := os.ReadFile(path)
		if err != nil {
			return jsonError(visage.Wrap(visage.CodeImageInvalid, err, "cannot read "+path), *asJSON, out)
		}
		faces, err := eng.Analyze(context.Background(), data, face.Options{Embed: true, MaxFaces: 1})
		if err == nil && len(faces) == 0 {
			err = visage.Errorf(visage.CodeNoFace, "no face found in %s", path)
		}
		if err != nil {
			return jsonError(err, *asJSON, out)
		}
		tpl[i] = faces[0].Template
	}
	cos := match.Cosine(tpl[0].Vector, tpl[1].Vector)
	res := map[string]any{
		"similarity": round(table.Similarity(cos), 2),
		"cosine":     round(float64(cos), 4),
		"distance":   round(table.Distance(cos), 4),
		"match":      cos >= threshold,
		"level":      *level,
		"threshold":  round(float64(threshold), 4),
		"fmr":        table.FMRAt(cos),
		"model":      tpl[0].Model,
	}
	if *asJSON {
		return writeJSON(out, res)
	}
	verdict := "different people"
	if cos >= threshold {
		verdict = "same person"
	}
	fmt.Fprintf(out, "%s at level %d: similarity %.1f%%, cosine %.3f, distance %.3f (threshold cosine %.3f)\n",
		verdict, *level, res["similarity"], cos, res["distance"], threshold)
	return nil
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
