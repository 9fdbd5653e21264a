// Package match turns the raw cosine similarity of two face templates into
// the numbers a client sees: an accuracy level tied to a measured
// false-match rate, a similarity percentage and a dlib-style distance.
// All of them are monotone functions of the cosine defined by one
// calibration Table, so whichever API dialect a client speaks, the same
// pair of faces means the same thing. docs/scores.md explains the scales
// for people who integrate Visage.
package match

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// Levels is the number of accuracy levels. Level L (1..Levels) is the
// threshold at which a false match happens for a fraction 10^-L of
// impostor pairs; it is the scale Facenition's "accuracy" speaks.
const Levels = 8

// DefaultLevel is the level used when a client asks for none: a false-match
// rate of 1 in 10,000, the usual operating point for 1:1 verification.
const DefaultLevel = 4

// levelFMR[L-1] is the false-match rate of level L. Written as literals so
// that the table compares exactly with what JSON decoding produces.
var levelFMR = [Levels]float64{1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8}

// Point is one accuracy level of a Table.
type Point struct {
	// FMR is the false-match rate of the level, 10^-level.
	FMR float64
	// Cosine is the threshold: two faces match at this level when their
	// cosine is >= Cosine.
	Cosine float32
	// Extrapolated is true when the calibration set had too few impostor
	// pairs to measure this FMR; Table.Extrapolation says how it was
	// obtained instead.
	Extrapolated bool
	// TAR is the share of the calibration set's genuine (same-person) pairs
	// whose cosine is >= Cosine: what the level costs in true matches.
	TAR float64
}

// Table is the calibration of one recogniser: for each accuracy level, the
// cosine threshold measured on real impostor pairs. It is produced by
// Calibrate, stored as JSON, and read-only afterwards.
type Table struct {
	// Model identifies the recogniser (face.Engine.Model) whose embeddings
	// were calibrated; scores of another model do not mean the same thing.
	Model string
	// Dataset describes the calibration images, e.g. "LFW deep-funneled,
	// 13233 images, 5749 identities".
	Dataset string
	// ImpostorPairs and GenuinePairs are the numbers of cross-identity and
	// same-identity pairs scored.
	ImpostorPairs int64
	GenuinePairs  int64
	// Points holds levels 1..Levels in order: FMR descending, Cosine
	// strictly ascending.
	Points []Point
	// Extrapolation says, in one sentence, how the points marked
	// Extrapolated were obtained.
	Extrapolation string
}

// ReadJSON reads a table written by WriteJSON and validates it. Each
// recogniser pack carries its table (package pack).
func ReadJSON(r io.Reader) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return parse(data)
}

func parse(data []byte) (*Table, error) {
	var t Table
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt field would otherwise read as zero
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("match: calibration table: %w", err)
	}
	if dec.More() {
		return nil, errors.New("match: calibration table: trailing data after the JSON object")
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// WriteJSON writes the table as indented JSON (stable field order, so that
// a re-calibration shows as a readable diff). It refuses an invalid table.
func (t *Table) WriteJSON(w io.Writer) error {
	if err := t.Validate(); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// Validate checks what every map in this package relies on: a model name,
// exactly Levels points with FMR 10^-1 … 10^-Levels, thresholds strictly
// increasing inside (-1, 1) (the maps put knots at -1 and 1 around them),
// TAR in [0, 1] and non-increasing, and extrapolated points only after the
// measured ones.
func (t *Table) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("match: invalid calibration table: "+format, args...)
	}
	if t.Model == "" {
		return bad("no model")
	}
	if t.ImpostorPairs < 0 || t.GenuinePairs < 0 {
		return bad("negative pair count")
	}
	if len(t.Points) != Levels {
		return bad("%d points, want %d", len(t.Points), Levels)
	}
	extrapolated := false
	for i, p := range t.Points {
		level := i + 1
		if math.Abs(p.FMR-levelFMR[i]) > 1e-9*levelFMR[i] {
			return bad("level %d has FMR %g, want %g", level, p.FMR, levelFMR[i])
		}
		c := float64(p.Cosine)
		if !(c > -1 && c < 1) { // also rejects NaN
			return bad("level %d threshold %g is outside (-1, 1)", level, c)
		}
		if !(p.TAR >= 0 && p.TAR <= 1) {
			return bad("level %d TAR %g is outside [0, 1]", level, p.TAR)
		}
		if i > 0 {
			prev := t.Points[i-1]
			if p.Cosine <= prev.Cosine {
				return bad("level %d threshold %g is not above level %d's %g", level, c, level-1, prev.Cosine)
			}
			if p.TAR > prev.TAR {
				return bad("level %d TAR %g is above level %d's %g", level, p.TAR, level-1, prev.TAR)
			}
		}
		if extrapolated && !p.Extrapolated {
			return bad("level %d is measured but follows an extrapolated level", level)
		}
		extrapolated = p.Extrapolated
	}
	if extrapolated && t.Extrapolation == "" {
		return bad("extrapolated points without an Extrapolation note")
	}
	return nil
}

// Threshold returns the cosine at or above which two faces match at the
// given accuracy level (1..Levels), i.e. at a false-match rate of
// 10^-level.
func (t *Table) Threshold(level int) (float32, error) {
	if level < 1 || level > Levels {
		return 0, fmt.Errorf("match: accuracy level %d is outside 1..%d", level, Levels)
	}
	return t.Points[level-1].Cosine, nil
}
