package main

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/pack"
)

func shippedTable(t *testing.T) *match.Table {
	t.Helper()
	p, err := pack.Open(pack.Default, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Calibration == nil {
		t.Fatalf("pack %s has no calibration: %s", p.Name, p.Uncalibrated)
	}
	return p.Calibration
}

// TestTableDiff: a re-calibration equal to the shipped table shows no
// difference; one threshold moved by a bin shows as that level alone.
func TestTableDiff(t *testing.T) {
	shipped := shippedTable(t)
	same := *shipped
	same.Points = slices.Clone(shipped.Points)
	if d := tableDiff(shipped, &same); len(d) != 0 {
		t.Errorf("equal tables: differences %q", d)
	}
	moved := same
	moved.Points = slices.Clone(shipped.Points)
	moved.Points[4].Cosine += 1.0 / (1 << 20)
	d := tableDiff(shipped, &moved)
	if len(d) != 1 || !strings.HasPrefix(d[0], "level 5: ") {
		t.Errorf("level 5 moved: differences %q, want one line on level 5", d)
	}
	if got, want := maxShift(shipped, &moved), float64(moved.Points[4].Cosine)-float64(shipped.Points[4].Cosine); got != want || got <= 0 {
		t.Errorf("largest threshold move %g, want %g", got, want)
	}
}

// TestLevelsTable: a level beyond ×3 on CFP-FF says so and by how much;
// a set not scored shows as a dash.
func TestLevelsTable(t *testing.T) {
	table := shippedTable(t)
	cfp := &bench.LevelsReport{ImpostorPairs: 1e7}
	for i, p := range table.Points {
		c := bench.LevelCheck{Level: i + 1, Threshold: p.Cosine, Nominal: p.FMR, Expected: p.FMR * 1e7, FMR: p.FMR}
		if i == 3 {
			c.FMR, c.FalseMatches = 4*p.FMR, 4000
		}
		cfp.Levels = append(cfp.Levels, c)
	}
	out := levelsTable(&levelsResult{CFPFF: cfp, table: table})
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) != 2+match.Levels {
		t.Fatalf("%d lines, want a header, a rule and %d levels:\n%s", len(rows), match.Levels, out)
	}
	for _, want := range []struct {
		row  int
		text string
	}{
		{2, "| 1 | "}, {2, "| — | "}, {2, "within ×3"},
		{5, "| 4 | "}, {5, "4.0e-04 (4000)"}, {5, "| 4.00 |"}, {5, "×4.0 more false matches"},
		{9, "(extrapolated)"}, {9, "too few pairs (0.1 expected)"},
	} {
		if !strings.Contains(rows[want.row], want.text) {
			t.Errorf("line %d %q lacks %q", want.row, rows[want.row], want.text)
		}
	}
}

func TestBenchLevelsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--sets", "lfw,cfp-fp"},
		{"--pack", pack.Default},
	} {
		var u usageError
		if err := benchLevels(args, io.Discard); !errors.As(err, &u) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}
