package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
)

// Alignment candidates (`visage bench align`): other sources of the five
// keypoints that align a face for the recogniser than the engine's
// 68-point model. Each image is analysed once; the face the dataset
// labels is embedded as the engine aligns it and again at each
// candidate's keypoints (face.Engine.TemplateAt), so that every
// candidate's templates come from the same detection and recogniser and
// the protocols score the keypoints alone.

// Aligner finds a face's keypoints its own way, in one or more variants
// (say, with and without a refinement). It is used by one goroutine at a
// time.
type Aligner interface {
	// Align returns each variant's five keypoints of the face in box (in
	// img's pixels, as face.Face.Keypoints orders them) and the time each
	// took.
	Align(img *photo.RGB, box face.Rect) []Aligned
	Close()
}

// Aligned is one variant's keypoints and the time they took.
type Aligned struct {
	Keypoints [5]face.Point
	Took      time.Duration
}

// AlignedSet is one way of aligning a dataset's faces: the templates it
// made, the keypoints it found (pixels of the photo as a viewer sees it)
// and what finding them took, face by face.
type AlignedSet struct {
	*Embedded
	// Boxes are the faces' detector boxes and Yaw the engine's estimate of
	// their yaw (Quality.Yaw), the same for every alignment.
	Boxes     map[string]face.Rect
	Yaw       map[string]float32
	Keypoints map[string][5]face.Point
	// Cost is the time each face's keypoints took: the engine's landmark
	// stage (Timings.Landmarks), or the aligner's.
	Cost map[string]time.Duration
}

// EmbedAligned analyses every image the dataset's protocols name and
// returns the templates of the face it labels aligned by the engine, then
// by each of the aligner's variants (variants of them, in Align's order).
// open makes an aligner for each of the engine's workers.
func (d *Dataset) EmbedAligned(ctx context.Context, eng *face.Engine, open func() (Aligner, error), variants int, p Progress) ([]*AlignedSet, error) {
	pool := make(chan Aligner, eng.Workers())
	defer func() {
		close(pool)
		for a := range pool {
			a.Close()
		}
	}()
	for range eng.Workers() {
		a, err := open()
		if err != nil {
			return nil, err
		}
		pool <- a
	}
	sets := make([]*AlignedSet, 1+variants)
	for i := range sets {
		sets[i] = &AlignedSet{
			Embedded:  &Embedded{Vectors: map[string][]float32{}, Took: map[string]time.Duration{}},
			Boxes:     map[string]face.Rect{},
			Yaw:       map[string]float32{},
			Keypoints: map[string][5]face.Point{},
			Cost:      map[string]time.Duration{},
		}
	}
	var names []string
	for _, pr := range d.Protocols {
		names = append(names, pr.Names...)
	}
	slices.Sort(names)
	var mu sync.Mutex
	start := time.Now()
	err := each(ctx, eng, slices.Compact(names), d.stage, p, func(name string) error {
		data, err := os.ReadFile(filepath.Join(d.Dir, filepath.FromSlash(name)))
		if err != nil {
			return err
		}
		var tm face.Timings
		opts := d.opts
		opts.Timings = &tm
		t := time.Now()
		faces, err := eng.Analyze(ctx, data, opts)
		took := time.Since(t)
		if err != nil && visage.ErrorCode(err) == visage.CodeInternal {
			return fmt.Errorf("%s: %w", name, err)
		}
		if len(faces) == 0 {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range sets {
				s.NoFace = append(s.NoFace, name)
				s.Took[name] = took
			}
			return nil
		}
		f := d.pick(faces)
		// The aligners work on the photo decoded as the engine decodes it,
		// and answer in the photo's own pixels, as the engine does.
		img, info, err := photo.Decode(data, photo.DefaultLimits())
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		s, back := float32(info.Scale), 1/float32(info.Scale)
		a := <-pool
		found := a.Align(img, face.Rect{X: f.Box.X * s, Y: f.Box.Y * s, W: f.Box.W * s, H: f.Box.H * s})
		pool <- a
		if len(found) != variants {
			return fmt.Errorf("%s: the aligner gave %d variants, want %d", name, len(found), variants)
		}
		templates := make([][]float32, len(found))
		for i := range found {
			for k, p := range found[i].Keypoints {
				found[i].Keypoints[k] = face.Point{X: p.X * back, Y: p.Y * back}
			}
			tpl, err := eng.TemplateAt(ctx, data, found[i].Keypoints)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			templates[i] = tpl.Vector
		}
		mu.Lock()
		defer mu.Unlock()
		// The landmark stage ran on every face found.
		sets[0].add(name, f, f.Template.Vector, f.Keypoints, tm.Landmarks/time.Duration(len(faces)), took)
		for i, al := range found {
			sets[1+i].add(name, f, templates[i], al.Keypoints, al.Took, took)
		}
		return nil
	})
	wall := time.Since(start)
	for _, s := range sets {
		s.Wall = wall
		slices.Sort(s.NoFace)
	}
	return sets, err
}

func (s *AlignedSet) add(name string, f face.Face, vec []float32, kp [5]face.Point, cost, took time.Duration) {
	s.Vectors[name], s.Boxes[name], s.Yaw[name], s.Keypoints[name] = vec, f.Box, f.Quality.Yaw, kp
	s.Took[name], s.Cost[name] = took, cost
}

// Switch is the alignment that takes other's keypoints and templates for
// the faces where use holds and s's for the rest. Those faces cost both:
// s's keypoints come first, to decide (the engine's, with its yaw).
func (s *AlignedSet) Switch(other *AlignedSet, use func(name string) bool) *AlignedSet {
	out := &AlignedSet{
		Embedded: &Embedded{Vectors: map[string][]float32{}, NoFace: s.NoFace, Wall: s.Wall, Took: s.Took},
		Boxes:    s.Boxes, Yaw: s.Yaw, Keypoints: map[string][5]face.Point{}, Cost: map[string]time.Duration{},
	}
	for name := range s.Vectors {
		from, cost := s, s.Cost[name]
		if use(name) {
			from, cost = other, cost+other.Cost[name]
		}
		out.Vectors[name], out.Keypoints[name], out.Cost[name] = from.Vectors[name], from.Keypoints[name], cost
	}
	return out
}
