package bench

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/match"
)

// boxAligner answers fixed keypoints in the box's square, where ArcFace's
// reference puts them in its 112-pixel crop: a known answer, not a face's
// own keypoints.
type boxAligner struct{ open *atomic.Int32 }

var arcFace = [5]face.Point{{X: 38.29, Y: 51.70}, {X: 73.53, Y: 51.50}, {X: 56.03, Y: 71.74}, {X: 41.55, Y: 92.37}, {X: 70.73, Y: 92.20}}

func (boxAligner) Align(img *photo.RGB, box face.Rect) []Aligned {
	var kp [5]face.Point
	for i, p := range arcFace {
		kp[i] = face.Point{X: box.X + p.X/112*box.W, Y: box.Y + p.Y/112*box.H}
	}
	return []Aligned{{Keypoints: kp, Took: time.Millisecond}}
}

func (a boxAligner) Close() { a.open.Add(-1) }

// EmbedAligned gives, for each image, the engine's own template and the
// template at each aligner's keypoints, as TemplateAt makes them, with
// those keypoints in the photo's pixels; it opens an aligner per worker
// and closes them all.
func TestEmbedAligned(t *testing.T) {
	lfw := testface.Datasets(t, "lfw")
	d, err := OpenLFW(filepath.Dir(lfw))
	if err != nil {
		t.Fatal(err)
	}
	d.Protocols[0].Names = d.Protocols[0].Names[:6]
	eng := testface.Engine(t)
	var open atomic.Int32
	ctx := context.Background()
	sets, err := d.EmbedAligned(ctx, eng, func() (Aligner, error) { open.Add(1); return boxAligner{&open}, nil }, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := open.Load(); n != 0 {
		t.Errorf("%d aligners left open", n)
	}
	if len(sets) != 2 {
		t.Fatalf("%d sets, want the engine's and the aligner's", len(sets))
	}
	for _, name := range d.Protocols[0].Names {
		data, err := os.ReadFile(filepath.Join(d.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		faces, err := eng.Analyze(ctx, data, d.opts)
		if err != nil || len(faces) == 0 {
			t.Fatalf("%s: %v, %d faces", name, err, len(faces))
		}
		f := d.pick(faces)
		if c := match.Cosine(sets[0].Vectors[name], f.Template.Vector); c < 0.9999 {
			t.Errorf("%s: the engine's set has cosine %.5f with Analyze's template", name, c)
		}
		if sets[0].Keypoints[name] != f.Keypoints || sets[1].Boxes[name] != f.Box {
			t.Errorf("%s: keypoints %v and box %v, Analyze's %v and %v", name, sets[0].Keypoints[name], sets[1].Boxes[name], f.Keypoints, f.Box)
		}
		// LFW's photos are decoded at their size: the aligner's pixels are
		// the photo's.
		want := boxAligner{}.Align(nil, f.Box)[0].Keypoints
		if got := sets[1].Keypoints[name]; got != want {
			t.Errorf("%s: the aligner's keypoints %v, want %v", name, got, want)
		}
		tpl, err := eng.TemplateAt(ctx, data, want)
		if err != nil {
			t.Fatal(err)
		}
		if c := match.Cosine(sets[1].Vectors[name], tpl.Vector); c < 0.9999 {
			t.Errorf("%s: the aligner's template has cosine %.5f with TemplateAt's", name, c)
		}
	}
	for i, s := range sets {
		if len(s.Cost) != 6 || len(s.NoFace) != 0 {
			t.Errorf("set %d: %d costs and %d images without a face, want 6 and 0", i, len(s.Cost), len(s.NoFace))
		}
	}
	name := d.Protocols[0].Names[0]
	if sets[1].Cost[name] != time.Millisecond {
		t.Errorf("the aligner's cost %v, want the %v it reported", sets[1].Cost[name], time.Millisecond)
	}

	// Switching to the aligner's templates for one face takes its
	// template and keypoints there, at both costs, and the engine's
	// elsewhere.
	sw := sets[0].Switch(sets[1], func(n string) bool { return n == name })
	for _, n := range d.Protocols[0].Names {
		from, cost := sets[0], sets[0].Cost[n]
		if n == name {
			from, cost = sets[1], sets[0].Cost[n]+time.Millisecond
		}
		if &sw.Vectors[n][0] != &from.Vectors[n][0] || sw.Keypoints[n] != from.Keypoints[n] || sw.Cost[n] != cost {
			t.Errorf("%s: switched to the wrong template, keypoints or cost (%v, want %v)", n, sw.Cost[n], cost)
		}
	}
}
