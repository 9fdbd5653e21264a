package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
)

// A profile's fiducials: the face is the box holding their centroid, of
// a height near theirs; a box around an ear beside it, around one eye, or
// around the whole crop is not.
func TestCFPJudge(t *testing.T) {
	// Points from x 40 to 100, y 50 to 150: centroid (70, 100), height 100.
	fid := [][2]float64{{40, 50}, {100, 50}, {40, 150}, {100, 150}}
	judge := cfpJudge(fid)
	for _, c := range []struct {
		name  string
		boxes []bench.Box
		want  [3]int
	}{
		{"the face", []bench.Box{{X: 30, Y: 40, W: 80, H: 120}}, [3]int{1, 0, 0}},
		{"a box beside it (the ear)", []bench.Box{{X: 80, Y: 60, W: 60, H: 80}}, [3]int{0, 1, 1}},
		{"an eye", []bench.Box{{X: 60, Y: 90, W: 20, H: 20}}, [3]int{0, 1, 1}},
		{"the whole crop and more", []bench.Box{{X: -100, Y: -100, W: 400, H: 400}}, [3]int{0, 1, 1}},
		{"an ear, then the face", []bench.Box{{X: 80, Y: 60, W: 60, H: 80}, {X: 30, Y: 40, W: 80, H: 120}}, [3]int{1, 1, 0}},
		{"the face twice", []bench.Box{{X: 30, Y: 40, W: 80, H: 120}, {X: 35, Y: 45, W: 70, H: 110}}, [3]int{1, 1, 0}},
		{"nothing", nil, [3]int{0, 0, 1}},
	} {
		m, e, miss := judge(c.boxes, 200, 200)
		if got := [3]int{m, e, miss}; got != c.want {
			t.Errorf("%s: matched, extra, missed = %v, want %v", c.name, got, c.want)
		}
	}
}

// LFW's face is the box centred in the middle third of the photo.
func TestLFWJudge(t *testing.T) {
	for _, c := range []struct {
		box  bench.Box
		want int
	}{
		{bench.Box{X: 70, Y: 60, W: 110, H: 130}, 1}, // centre (125, 125)
		{bench.Box{X: 0, Y: 0, W: 60, H: 60}, 0},     // someone in the corner
		{bench.Box{X: 150, Y: 90, W: 60, H: 60}, 0},  // centre (180, 120): right third
	} {
		if m, _, _ := lfwJudge([]bench.Box{c.box}, 250, 250); m != c.want {
			t.Errorf("box %v: matched %d, want %d", c.box, m, c.want)
		}
	}
}

func TestSpread(t *testing.T) {
	var paths []string
	for _, c := range "jihgfedcba" {
		paths = append(paths, string(c))
	}
	if got := strings.Join(spread(paths, 4), ""); got != "acfh" {
		t.Errorf("spread(10 paths, 4) = %q, want acfh (every 2.5th, sorted)", got)
	}
	if got := len(spread(paths, 0)); got != 10 {
		t.Errorf("spread(10 paths, 0) kept %d, want all", got)
	}
}

// CFP's fiducial files are read, and those beyond the photo (the ones
// the source shrank) are told apart.
func TestFiducials(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "01.txt")
	if err := os.WriteFile(txt, []byte("47.166,65.19\n51.145, 73.616\n\n128.74,138.92\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fid, err := readFiducials(txt)
	if err != nil || len(fid) != 3 || fid[1] != [2]float64{51.145, 73.616} {
		t.Fatalf("readFiducials = %v, %v", fid, err)
	}
	if err := os.WriteFile(txt, []byte("47.166;65.19\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readFiducials(txt); err == nil {
		t.Error("a line that is not x,y was accepted")
	}

	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 130, 140)), nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "01.jpg")
	if err := os.WriteFile(path, jpg.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fid  [][2]float64
		want bool
	}{{fid, true}, {[][2]float64{{20, 30}, {689, 683}}, false}} {
		if got, err := fiducialsInPhoto(path, c.fid); err != nil || got != c.want {
			t.Errorf("fiducialsInPhoto(%v) = %v, %v; want %v", c.fid, got, err, c.want)
		}
	}
}

func TestChooseCandidates(t *testing.T) {
	both := map[string]string{"face-api": "/fa", "human-models": "/hm"}
	human := map[string]string{"human-models": "/hm"}
	names := func(cs []detectCandidate) string {
		var n []string
		for _, c := range cs {
			n = append(n, c.name)
		}
		return strings.Join(n, ",")
	}
	if got, err := chooseCandidates("", human); err != nil || names(got) != "blazeface-back,mp-short,mp-full" {
		t.Errorf("with Human's models only: %q, %v", names(got), err)
	}
	if got, err := chooseCandidates("mp-short,ssd", both); err != nil || names(got) != "ssd,mp-short" {
		t.Errorf("two named: %q, %v", names(got), err)
	}
	for _, c := range []struct{ only, want string }{
		{"ssd", "needs --face-api"},
		{"mtcnn", `unknown candidate "mtcnn"`},
		{"", "unpacked"},
	} {
		pkgs := human
		if c.only == "" {
			pkgs = nil
		}
		if _, err := chooseCandidates(c.only, pkgs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("chooseCandidates(%q): %v, want an error saying %q", c.only, err, c.want)
		}
	}
}

// fixedDetector finds the same boxes in every photo whose width is in
// finds.
type fixedDetector struct {
	finds map[int][]face.Detection
}

func (d fixedDetector) Detect(img *photo.RGB) []face.Detection { return d.finds[img.W] }
func (d fixedDetector) Close()                                 {}

// The fallback takes the first detector's faces when it has any, the
// candidate's otherwise; both alone are scored too, and faces under 20
// pixels count for no detector.
func TestMeasureDetectorsFallback(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, w int) string {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, 100)), nil); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Photo 100 wide: the first detector finds the face. Photo 101: it
	// finds nothing and the candidate does. Photo 102: the first finds a
	// wrong box, so the fallback never runs and misses.
	face1 := face.Detection{Box: face.Rect{X: 35, Y: 35, W: 30, H: 30}}
	faceSmall := face.Detection{Box: face.Rect{X: 40, Y: 40, W: 15, H: 15}}
	wrong := face.Detection{Box: face.Rect{X: 0, Y: 0, W: 25, H: 25}}
	first := fixedDetector{map[int][]face.Detection{100: {face1}, 102: {wrong}}}
	cand := fixedDetector{map[int][]face.Detection{100: {faceSmall}, 101: {face1}, 102: {face1}}}
	sets := []detectSet{{name: "test", images: []detectImage{
		{write("a.jpg", 100), lfwJudge}, {write("b.jpg", 101), lfwJudge}, {write("c.jpg", 102), lfwJudge}}}}
	rep, err := measureDetectors(sets, []face.Detector{first, cand}, []detectCandidate{{name: "c"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]DetectStats{
		"UltraFace":     {Matched: 1, Missed: 2, Extra: 1, WithBox: 2},
		"c":             {Matched: 2, Missed: 1, Extra: 0, WithBox: 2}, // the 15-pixel face is dropped
		"UltraFace → c": {Matched: 2, Missed: 1, Extra: 1, WithBox: 3},
	}
	if len(rep.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rep.Rows), len(want))
	}
	for _, row := range rep.Rows {
		if got := row.Sets[0]; got != want[row.Name] {
			t.Errorf("%s: %+v, want %+v", row.Name, got, want[row.Name])
		}
	}
	if rep.Sets[0].Faces != 3 || rep.Sets[0].Photos != 3 {
		t.Errorf("set: %+v, want 3 photos of 3 faces", rep.Sets[0])
	}
}

// A candidate's box is compared with UltraFace's on the one it overlaps
// most, if that is the same face.
func TestAddShape(t *testing.T) {
	var s [4][]float64
	u := bench.Box{X: 0, Y: 0, W: 100, H: 100}
	addShape(&s, u, []bench.Box{{X: 200, Y: 0, W: 50, H: 50}, {X: 10, Y: 20, W: 80, H: 90}})
	addShape(&s, u, []bench.Box{{X: 90, Y: 90, W: 100, H: 100}}) // IoU 0.003: another face
	want := [4][]float64{{0.9}, {0.8}, {0}, {0.15}}
	for i := range want {
		if len(s[i]) != 1 || s[i][0] < want[i][0]-1e-9 || s[i][0] > want[i][0]+1e-9 {
			t.Errorf("shape %d = %v, want %v", i, s[i], want[i])
		}
	}
}
