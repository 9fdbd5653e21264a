package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseNoses(t *testing.T) {
	got, err := ParseNoses(strings.NewReader(`{"noses": {"a.jpg": [[1, 2], [3.5, 4]], "none.jpg": []}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got["a.jpg"]) != 2 || got["a.jpg"][1] != [2]float64{3.5, 4} || got["none.jpg"] == nil || len(got["none.jpg"]) != 0 {
		t.Errorf("got %v", got)
	}
	for name, text := range map[string]string{
		"not JSON":      `noses`,
		"no noses":      `{}`,
		"unknown field": `{"noses": {}, "boxes": {}}`,
		"three coords":  `{"noses": {"a.jpg": [[1, 2, 3]]}}`,
		"one coord":     `{"noses": {"a.jpg": [[1]]}}`,
	} {
		if _, err := ParseNoses(strings.NewReader(text)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseNosesDataset(t *testing.T) {
	dir := dataset(t, "face-counts")
	f, err := os.Open(filepath.Join(dir, "noses.json"))
	if err != nil {
		t.Skipf("no noses.json: %v", err)
	}
	defer f.Close()
	noses, err := ParseNoses(f)
	if err != nil {
		t.Fatal(err)
	}
	// The file names say how many faces there are: NNN_<count>.jpg, or a
	// person letter for one face.
	if len(noses) != 18 {
		t.Errorf("%d images, want 18", len(noses))
	}
	for name, n := range noses {
		label := strings.TrimSuffix(name[strings.Index(name, "_")+1:], ".jpg")
		want := 1
		if label[0] >= '0' && label[0] <= '9' {
			want = int(label[0] - '0')
		}
		if len(n) != want {
			t.Errorf("%s: %d noses, want %d", name, len(n), want)
		}
	}
}

func TestMatchNoses(t *testing.T) {
	for _, c := range []struct {
		name                   string
		boxes                  []Box
		noses                  [][2]float64
		matched, extra, missed int
	}{
		{"nothing", nil, nil, 0, 0, 0},
		{"no face found", nil, [][2]float64{{5, 5}}, 0, 0, 1},
		{"false detection", []Box{{0, 0, 10, 10}}, nil, 0, 1, 0},
		{"one hit", []Box{{0, 0, 10, 10}}, [][2]float64{{5, 5}}, 1, 0, 0},
		{"edges count", []Box{{0, 0, 10, 10}}, [][2]float64{{10, 0}}, 1, 0, 0},
		{"just outside", []Box{{0, 0, 10, 10}}, [][2]float64{{10.01, 5}}, 0, 1, 1},
		{"one box, two noses", []Box{{0, 0, 10, 10}}, [][2]float64{{2, 2}, {8, 8}}, 1, 0, 1},
		{"two boxes, one nose", []Box{{0, 0, 10, 10}, {5, 5, 10, 10}}, [][2]float64{{7, 7}}, 1, 1, 0},
		// Box 0 contains both noses, box 1 only the first. Greedy in
		// order would give box 0 the first nose and leave box 1 with
		// nothing; the maximum matching covers both.
		{"needs reassignment", []Box{{0, 0, 20, 10}, {0, 0, 10, 10}}, [][2]float64{{5, 5}, {15, 5}}, 2, 0, 0},
	} {
		m, e, n := MatchNoses(c.boxes, c.noses)
		if m != c.matched || e != c.extra || n != c.missed {
			t.Errorf("%s: %d matched, %d extra, %d missed; want %d, %d, %d", c.name, m, e, n, c.matched, c.extra, c.missed)
		}
	}
}
