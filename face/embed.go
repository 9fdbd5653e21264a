package face

import (
	"math"

	"github.com/visagehq/visage/face/photo"
	"github.com/visagehq/visage/pack"
)

// recogniser is how the engine feeds its pack's model: the side of the
// aligned square, where the five keypoints go in it, the input
// normalisation, and the tensor names and template length.
type recogniser struct {
	size          int
	ref           []Point
	norm          norm
	input, output string
	dim           int
}

func newRecogniser(p *pack.Pack) recogniser {
	r := recogniser{size: p.Input.Size, input: p.Input.Name, output: p.Output.Name, dim: p.Output.Dim}
	for _, pt := range p.Alignment {
		r.ref = append(r.ref, Point{pt[0], pt[1]})
	}
	r.norm.order = rgbOrder
	if p.Input.Channels == "BGR" {
		r.norm.order = bgrOrder
	}
	for c := range 3 {
		r.norm.mean[c] = p.Input.Mean[c]
		r.norm.scale[c] = 1 / p.Input.Std[c]
	}
	return r
}

// align warps the face with keypoints kp onto the recogniser's reference
// points, by the least-squares similarity transform.
func (w *worker) align(img *photo.RGB, kp [5]Point) {
	toRef := similarityFit(kp[:], w.recog.ref)
	w.warp(&w.recImg, img, toRef.invert())
}

// embed runs the recogniser on the aligned crop and writes the normalised
// template into dst (the pack's dim long).
func (w *worker) embed(dst []float32) {
	planar(w.rec.in(0), &w.recImg, w.recog.norm)
	if err := w.rec.run(); err != nil {
		panic(err)
	}
	copy(dst, w.rec.out(0))
	normalize(dst)
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}
