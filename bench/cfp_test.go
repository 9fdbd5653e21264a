package bench

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseCFPList(t *testing.T) {
	paths, err := ParseCFPList(strings.NewReader("1 ../Data/Images/001/frontal/01.jpg\n2 ../Data/Images/001/frontal/02.jpg\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Data/Images/001/frontal/01.jpg", "Data/Images/001/frontal/02.jpg"}; strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("paths %q, want %q", paths, want)
	}
	for name, c := range map[string]struct{ text, want string }{
		"empty":          {"", "no images"},
		"one field":      {"1\n", "want"},
		"out of order":   {"2 ../Data/Images/001/frontal/01.jpg\n", "want 1"},
		"not a number":   {"one ../Data/Images/001/frontal/01.jpg\n", "want 1"},
		"inside":         {"1 Data/Images/001/frontal/01.jpg\n", "does not lead"},
		"escapes cfp/":   {"1 ../../etc/passwd\n", "does not lead"},
		"cfp/'s parent":  {"1 ../..\n", "does not lead"},
		"absolute":       {"1 /Data/Images/001/frontal/01.jpg\n", "does not lead"},
		"number skipped": {"1 ../a.jpg\n3 ../b.jpg\n", "want 2"},
	} {
		_, err := ParseCFPList(strings.NewReader(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
}

func TestParseCFPSplit(t *testing.T) {
	idx, err := ParseCFPSplit(strings.NewReader("5,1\r\n8, 4\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != 2 || idx[0] != [2]int{5, 1} || idx[1] != [2]int{8, 4} {
		t.Errorf("got %v, want [[5 1] [8 4]]", idx)
	}
	for _, text := range []string{"", "5\n", "5,x\n", "0,3\n", "3,-1\n", "1,2,3\n"} {
		if _, err := ParseCFPSplit(strings.NewReader(text)); err == nil {
			t.Errorf("%q: no error", text)
		}
	}
}

// TestCFPSplitsBalanced: a split file shorter than the others is an
// error, not a smaller protocol.
func TestCFPSplitsBalanced(t *testing.T) {
	dir := t.TempDir()
	images := []string{"Data/Images/001/frontal/01.jpg", "Data/Images/001/frontal/02.jpg", "Data/Images/002/frontal/01.jpg"}
	write := func(fold int, kind, text string) {
		d := filepath.Join(dir, fmt.Sprintf("%02d", fold))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, kind+".txt"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for fold := 1; fold <= cfpFolds; fold++ {
		write(fold, "same", "1,2\n")
		write(fold, "diff", "1,3\n")
	}
	pairs, err := readCFPSplits(dir, images, images)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 2*cfpFolds || pairs[0] != (Pair{images[0], images[1], true, 0}) || pairs[19] != (Pair{images[0], images[2], false, 9}) {
		t.Errorf("pairs %v", pairs)
	}
	write(10, "diff", "1,3\n2,3\n")
	if _, err := readCFPSplits(dir, images, images); err == nil || !strings.Contains(err.Error(), "first split file has 1") {
		t.Errorf("unbalanced: error %v", err)
	}
	write(10, "diff", "1,4\n")
	if _, err := readCFPSplits(dir, images, images); err == nil || !strings.Contains(err.Error(), "beyond") {
		t.Errorf("image 4 of 3: error %v", err)
	}
}

// TestOpenCFP reads the real protocol files: both protocols have 7,000
// pairs that name existing images with the right labels, in 10 folds of
// 350 + 350 that share no identity.
func TestOpenCFP(t *testing.T) {
	dir := dataset(t, "cfp")
	d, err := OpenCFP(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Protocols) != 2 || d.Protocols[0].Name != "CFP-FF" || d.Protocols[1].Name != "CFP-FP" {
		t.Fatalf("protocols %v, want CFP-FF and CFP-FP", d.Protocols)
	}
	// Image counts as the issue measured them: FF names 4,764 frontal
	// images, FP 3,940 frontal and 1,961 profile ones.
	for i, images := range []int{4764, 5901} {
		p := d.Protocols[i]
		if len(p.Pairs) != 7000 || len(p.Names) != images {
			t.Errorf("%s: %d pairs of %d images, want 7000 of %d", p.Name, len(p.Pairs), len(p.Names), images)
		}
		// "Data/Images/<id>/<pose>/NN.jpg"
		identity := func(name string) string { return strings.Split(name, "/")[2] }
		pose := func(name string) string { return strings.Split(name, "/")[3] }
		perFold := map[int][2]int{}
		foldOf := map[string]int{} // identity → the fold it appears in
		for _, pr := range p.Pairs {
			c := perFold[pr.Fold]
			if pr.Same {
				c[0]++
			} else {
				c[1]++
			}
			perFold[pr.Fold] = c
			if (identity(pr.A) == identity(pr.B)) != pr.Same {
				t.Errorf("%s: %s and %s labelled same=%v", p.Name, pr.A, pr.B, pr.Same)
			}
			if wantB := map[string]string{"CFP-FF": "frontal", "CFP-FP": "profile"}[p.Name]; pose(pr.A) != "frontal" || pose(pr.B) != wantB {
				t.Errorf("%s: pair %s, %s is not frontal-%s", p.Name, pr.A, pr.B, wantB)
			}
			for _, n := range []string{pr.A, pr.B} {
				if f, ok := foldOf[identity(n)]; ok && f != pr.Fold {
					t.Errorf("%s: identity %s in folds %d and %d", p.Name, identity(n), f+1, pr.Fold+1)
				}
				foldOf[identity(n)] = pr.Fold
			}
		}
		for fold := range cfpFolds {
			if perFold[fold] != [2]int{350, 350} {
				t.Errorf("%s fold %d: %v same/different pairs, want 350/350", p.Name, fold+1, perFold[fold])
			}
		}
		for _, n := range p.Names {
			if _, err := os.Stat(filepath.Join(d.Dir, filepath.FromSlash(n))); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestVerify runs the shared protocol path on made-up templates: unit
// vectors whose cosines with (1, 0) are the scores of TestTenFold's "one
// held-out error" case, with one image where no face was found.
func TestVerify(t *testing.T) {
	at := func(s float64) []float32 { return []float32{float32(s), float32(math.Sqrt(1 - s*s))} }
	e := &Embedded{
		Vectors: map[string][]float32{
			"x": at(1), "y": at(1),
			"a": at(0.9), "b": at(0.8), "c": at(0.1), "d": at(0.2),
			"f": at(0.7), "g": at(0.3), "h": at(0),
		},
		NoFace: []string{"missed"},
		Wall:   10 * time.Second,
		Took:   map[string]time.Duration{},
	}
	for _, n := range []string{"x", "y", "a", "b", "c", "d", "f", "g", "h", "missed"} {
		e.Took[n] = time.Second
	}
	p := newProtocol("test", []Pair{
		{"x", "a", true, 0}, {"x", "b", true, 0}, {"x", "c", false, 0}, {"x", "d", false, 0},
		{"y", "f", true, 1}, {"y", "missed", true, 1}, {"y", "g", false, 1}, {"y", "h", false, 1},
	})
	v := p.Verify(e)
	// Fold 0 trains on fold 1, whose finite scores split at 0.5 (the
	// missed same pair is wrong whatever the threshold), and gets 4/4.
	// Fold 1 trains on fold 0 (0.5 too) and loses its missed pair: 3/4.
	// TAR: above the highest impostor 0.3, three of the four same pairs.
	want := VerificationReport{Pairs: 8, Images: 10, Accuracy: 0.875, AccuracyStd: 0.125, Folds: []float64{1, 0.75},
		TARAt1e3: 0.75, TARAt1e4: 0.75, NoFace: []string{"missed"}, PairsNoFace: 1, Seconds: 10}
	if fmt.Sprint(*v) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", *v, want)
	}
	// A "fusion" of one recogniser, or of one with itself, is that
	// recogniser: the weights cancel out.
	for _, members := range [][]*Embedded{{e}, {e, e}} {
		f, _ := p.Fuse(members...)
		if f.Accuracy != v.Accuracy || f.AccuracyStd != v.AccuracyStd || f.TARAt1e3 != v.TARAt1e3 || f.PairsNoFace != 1 {
			t.Errorf("fusion of %d: %+v, want the figures of %+v", len(members), *f, *v)
		}
	}
}

func TestShare(t *testing.T) {
	e := &Embedded{Wall: 8 * time.Second, Took: map[string]time.Duration{"a": time.Second, "b": 3 * time.Second}}
	if got := e.Share([]string{"a"}); got != 2*time.Second {
		t.Errorf("share of a: %v, want 2s", got)
	}
	if got := e.Share([]string{"a", "b"}); got != e.Wall {
		t.Errorf("share of all: %v, want %v", got, e.Wall)
	}
}
