package match

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// testTable has round thresholds, so the expected values of the maps can be
// worked out by hand.
func testTable() *Table {
	cos := []float32{0.10, 0.18, 0.25, 0.31, 0.36, 0.41, 0.46, 0.51}
	tar := []float64{0.999, 0.99, 0.98, 0.97, 0.95, 0.90, 0.85, 0.80}
	t := &Table{
		Model:         "test-model",
		Dataset:       "hand-made",
		ImpostorPairs: 1000,
		GenuinePairs:  100,
		Extrapolation: "made up for the test.",
	}
	for i := range Levels {
		t.Points = append(t.Points, Point{FMR: levelFMR[i], Cosine: cos[i], TAR: tar[i], Extrapolated: i >= 6})
	}
	return t
}

// shipped is the table of the default recogniser pack, as committed.
func shipped(t *testing.T) *Table {
	t.Helper()
	f, err := os.Open("../pack/builtin/faceplugin-mfn512/calibration.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestShippedTableIsValid(t *testing.T) {
	d := shipped(t)
	for level := 1; level <= Levels; level++ {
		if _, err := d.Threshold(level); err != nil {
			t.Errorf("Threshold(%d): %v", level, err)
		}
	}
}

func TestReadJSONRejectsBrokenTables(t *testing.T) {
	for name, data := range map[string]string{
		"empty":         "",
		"not JSON":      "calibration",
		"no points":     `{"Model": "m"}`,
		"unknown field": `{"Model": "m", "Levels": 8}`,
	} {
		if _, err := ReadJSON(strings.NewReader(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Table)
		want   string // substring of the error, "" for valid
	}{
		{"valid", func(*Table) {}, ""},
		{"no model", func(t *Table) { t.Model = "" }, "no model"},
		{"negative count", func(t *Table) { t.GenuinePairs = -1 }, "negative"},
		{"seven points", func(t *Table) { t.Points = t.Points[:7] }, "7 points"},
		{"wrong FMR", func(t *Table) { t.Points[2].FMR = 2e-3 }, "FMR"},
		{"equal thresholds", func(t *Table) { t.Points[3].Cosine = t.Points[2].Cosine }, "not above"},
		{"decreasing thresholds", func(t *Table) { t.Points[3].Cosine = 0.2 }, "not above"},
		{"threshold at 1", func(t *Table) { t.Points[7].Cosine = 1 }, "outside (-1, 1)"},
		{"threshold at -1", func(t *Table) { t.Points[0].Cosine = -1 }, "outside (-1, 1)"},
		{"TAR above 1", func(t *Table) { t.Points[0].TAR = 1.5 }, "outside [0, 1]"},
		{"TAR rising", func(t *Table) { t.Points[5].TAR = 0.96 }, "TAR"},
		{"measured after extrapolated", func(t *Table) { t.Points[7].Extrapolated = false }, "follows an extrapolated"},
		{"no extrapolation note", func(t *Table) { t.Extrapolation = "" }, "Extrapolation note"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := testTable()
			c.change(tab)
			err := tab.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestThreshold(t *testing.T) {
	tab := testTable()
	for level, want := range map[int]float32{1: 0.10, 4: 0.31, 8: 0.51} {
		if got, err := tab.Threshold(level); err != nil || got != want {
			t.Errorf("Threshold(%d) = %v, %v; want %v", level, got, err, want)
		}
	}
	for _, level := range []int{-1, 0, 9} {
		if _, err := tab.Threshold(level); err == nil {
			t.Errorf("Threshold(%d) gave no error", level)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	tab := testTable()
	var buf bytes.Buffer
	if err := tab.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(tab)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("round trip changed the table:\n%s\n%s", a, b)
	}

	bad := testTable()
	bad.Points[1].Cosine = 0
	if err := bad.WriteJSON(&buf); err == nil {
		t.Error("WriteJSON wrote an invalid table")
	}
}

func TestReadJSONRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := testTable().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	for name, data := range map[string]string{
		"unknown field": strings.Replace(good, `"Dataset"`, `"Datset"`, 1),
		"trailing data": good + "{}",
		"truncated":     good[:len(good)/2],
	} {
		if _, err := ReadJSON(strings.NewReader(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
