package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
)

// The minors gate's candidates (`visage bench age`, docs/accuracy.md "The
// minors gate"): the engine's age estimate (face-api's net) beside
// human-models' three age models, each alone and fused, on UTKFace, with
// the 18+ gate each would make and the margin it needs to meet
// MinorsTargets.

// MinorsTargets are what issue 14 asks of the 18+ gate: at most 1 % of
// children under 13 and 5 % of 13–17-year-olds admitted, at most 10 % of
// adults stopped.
var MinorsTargets = GatePoint{ChildrenAdmitted: 0.01, TeensAdmitted: 0.05, AdultsStopped: 0.10}

// AgeCandidate is a human-models age model as the bench feeds it.
type AgeCandidate struct {
	Name, About string
	Model       face.AgeModel
	File        string // models/File.json in human-models
	Input       face.AgeInput
}

// Where the five keypoints fall in the two crops the candidates are fed,
// as fractions of the square's side.
var (
	// HumanSquare is Human's face crop (its detector's box enlarged 1.4
	// times and squared), as measured for its recognisers
	// (human-recognisers/faceres/pack.json: those points over 224).
	HumanSquare = [5]face.Point{{X: 0.3634, Y: 0.3339}, {X: 0.6469, Y: 0.3290}, {X: 0.5147, Y: 0.4848}, {X: 0.3973, Y: 0.6339}, {X: 0.6277, Y: 0.6308}}
	// UTKChipSquare is UTKFace's own 200×200 chip: the mean of the
	// engine's keypoints over the 1,622 chips of utkface-age where a face
	// was found. gear was trained on whole chips and faceres's authors
	// test on them, so this is their own crop, expressed so that it can
	// be cut from any photo.
	UTKChipSquare = [5]face.Point{{X: 0.303, Y: 0.303}, {X: 0.681, Y: 0.300}, {X: 0.493, Y: 0.506}, {X: 0.347, Y: 0.672}, {X: 0.642, Y: 0.671}}
)

// imageNetBGR is the channel means Keras's "caffe" preprocessing takes
// from BGR pixels, as faceres's authors feed it.
var imageNetBGR = [3]float32{103.939, 116.779, 123.68}

// AgeCandidates are the variants measured: each model fed as Human feeds
// it, and as its authors do where that differs.
var AgeCandidates = []AgeCandidate{
	{"gear", "GEAR-Predictor, 198×198 RGB/255, UTKFace chip crop (as trained)", face.AgeGear, "gear",
		face.AgeInput{Square: UTKChipSquare, Scale: 1.0 / 255}},
	{"gear-human", "GEAR-Predictor, Human's crop and its part [x 0.1–0.9, y 0–0.9]", face.AgeGear, "gear",
		face.AgeInput{Square: HumanSquare, Part: face.Rect{X: 0.1, Y: 0, W: 0.8, H: 0.9}, Scale: 1.0 / 255}},
	{"age", "SSR-Net, 64×64 RGB 0–255 on Human's crop (as Human feeds it)", face.AgeSSRNet, "age",
		face.AgeInput{Square: HumanSquare, Scale: 1}},
	{"faceres", "faceres age head, 224×224 BGR − ImageNet means (its authors'), UTKFace chip crop", face.AgeFaceRes, "faceres",
		face.AgeInput{Square: UTKChipSquare, BGR: true, Mean: imageNetBGR, Scale: 1}},
	{"faceres-flip", "faceres, averaged with its mirror image", face.AgeFaceRes, "faceres",
		face.AgeInput{Square: UTKChipSquare, BGR: true, Mean: imageNetBGR, Scale: 1, Flip: true}},
	{"faceres-human", "faceres, its authors' input on Human's crop", face.AgeFaceRes, "faceres",
		face.AgeInput{Square: HumanSquare, BGR: true, Mean: imageNetBGR, Scale: 1}},
}

// AgePolicy turns the estimators' ages for a face into the one the gate
// reads: the mean of Of weighted by the inverse of each one's mean
// squared error (measured on the faces it is fitted to), or their
// minimum (Min), which admits a face only when every one of them would.
type AgePolicy struct {
	Name string
	Of   []string // estimator names
	Min  bool
}

// AgePolicies are the fusions measured beside each estimator alone.
var AgePolicies = []AgePolicy{
	{"mean(face-api, faceres)", []string{"face-api", "faceres"}, false},
	{"min(face-api, faceres)", []string{"face-api", "faceres"}, true},
	{"mean(face-api, faceres, gear)", []string{"face-api", "faceres", "gear"}, false},
	{"min(face-api, faceres, gear)", []string{"face-api", "faceres", "gear"}, true},
}

// AgeBenchReport is what `visage bench age` measures.
type AgeBenchReport struct {
	Faces  int `json:"faces"`
	NoFace int `json:"no_face"`
	// Estimators are face-api's (the engine's) and each candidate's.
	Estimators []AgeEstimatorReport `json:"estimators"`
	// Policies are every estimator alone, then AgePolicies.
	Policies []AgePolicyReport `json:"policies"`
	Targets  GatePoint         `json:"targets"`
}

// AgeEstimatorReport is one estimator's error and gate curve.
type AgeEstimatorReport struct {
	Name  string   `json:"name"`
	About string   `json:"about"`
	Stats AgeStats `json:"stats"`
	// Millis is the median time to estimate one face, crop included, on
	// one core of a shared machine.
	Millis float64 `json:"ms_per_face"`
}

// AgePolicyReport is a gate policy measured on all faces, and again with
// its weights and margin chosen on one half of the faces and applied to
// the other (both ways round, the two halves' outcomes pooled).
type AgePolicyReport struct {
	Name    string    `json:"name"`
	Weights []float64 `json:"weights,omitempty"` // fitted on all faces, for a mean
	// Stats is the fused estimate's error and curve over all faces.
	Stats AgeStats `json:"stats"`
	// Margin is the smallest of GateMargins meeting the minors targets
	// on all faces (the largest when none does, Meets false), At the gate
	// there.
	Margin float64   `json:"margin"`
	Meets  bool      `json:"meets_minors_targets"`
	At     GatePoint `json:"at_margin"`
	// HeldOut is the gate on faces that chose neither its weights nor its
	// margin; HeldOutMargins are the margins the two halves chose.
	HeldOut        GatePoint  `json:"held_out"`
	HeldOutMargins [2]float64 `json:"held_out_margins"`
}

// MeasureAges runs the engine (for face-api's age and the keypoints) and
// each candidate, converted from the human-models package at humanModels,
// on every labelled face of the UTKFace folder dir, and scores every
// estimator and policy.
func MeasureAges(ctx context.Context, eng *face.Engine, cfg face.Config, dir, humanModels string, cands []AgeCandidate, policies []AgePolicy, p Progress) (*AgeBenchReport, error) {
	faces, _, err := ListUTK(dir)
	if err != nil {
		return nil, err
	}
	models := map[string][]byte{}
	for _, c := range cands {
		if models[c.File] != nil {
			continue
		}
		m, err := tfjs.GraphModelNCHW(filepath.Join(humanModels, "models", c.File+".json"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		models[c.File] = m.Marshal()
	}
	// One set of candidates per engine worker, each used by one
	// goroutine at a time.
	sets := make(chan []*face.AgeCandidate, eng.Workers())
	defer func() {
		close(sets)
		for set := range sets {
			for _, c := range set {
				c.Close()
			}
		}
	}()
	for range eng.Workers() {
		set := make([]*face.AgeCandidate, len(cands))
		for k, c := range cands {
			if set[k], err = face.NewAgeCandidate(cfg, c.Model, models[c.File], c.Input); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
		}
		sets <- set
	}

	n := len(cands) + 1 // face-api first
	truth := make([]float64, len(faces))
	est := make([][]float64, n)
	took := make([][]time.Duration, n)
	for k := range est {
		est[k] = make([]float64, len(faces))
		took[k] = make([]time.Duration, len(faces))
	}
	idx := make([]int, len(faces))
	for i := range idx {
		idx[i] = i
	}
	err = each(ctx, eng, idx, "UTKFace crops, age candidates", p, func(i int) error {
		truth[i] = float64(faces[i].Age)
		for k := range est {
			est[k][i] = math.NaN()
		}
		data, err := os.ReadFile(faces[i].Path)
		if err != nil {
			return err
		}
		var tm face.Timings
		found, err := eng.Analyze(ctx, data, face.Options{Attributes: true, MaxFaces: 1, Timings: &tm})
		if err != nil || len(found) == 0 {
			return nil // no face: no estimate from anyone
		}
		est[0][i], took[0][i] = float64(*found[0].Age), tm.Attributes
		img, info, err := photo.Decode(data, photo.DefaultLimits())
		if err != nil {
			return err
		}
		var kp [5]face.Point // in the decoded image's pixels
		for j, q := range found[0].Keypoints {
			kp[j] = face.Point{X: q.X * float32(info.Scale), Y: q.Y * float32(info.Scale)}
		}
		set := <-sets
		defer func() { sets <- set }()
		for k, c := range set {
			t := time.Now()
			est[k+1][i] = float64(c.Estimate(img, kp).Age)
			took[k+1][i] = time.Since(t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	names := []string{"face-api"}
	abouts := []string{"face-api's age/gender net, the engine's today (face/attributes.go)"}
	for _, c := range cands {
		names, abouts = append(names, c.Name), append(abouts, c.About)
	}
	r := &AgeBenchReport{Faces: len(faces), Targets: MinorsTargets}
	for i := range faces {
		if math.IsNaN(est[0][i]) {
			r.NoFace++
		}
	}
	for k := range est {
		var ds []time.Duration
		for i, d := range took[k] {
			if !math.IsNaN(est[k][i]) {
				ds = append(ds, d)
			}
		}
		r.Estimators = append(r.Estimators, AgeEstimatorReport{
			Name: names[k], About: abouts[k], Stats: AgeReport(truth, est[k], MinorsMargin), Millis: medianMillis(ds),
		})
	}
	all := make([]AgePolicy, 0, n+len(policies))
	for _, name := range names {
		all = append(all, AgePolicy{Name: name, Of: []string{name}})
	}
	for _, pol := range append(all, policies...) {
		var of [][]float64
		for _, name := range pol.Of {
			k := slices.Index(names, name)
			if k < 0 {
				return nil, fmt.Errorf("policy %s: no estimator %s", pol.Name, name)
			}
			of = append(of, est[k])
		}
		r.Policies = append(r.Policies, ScorePolicy(pol, truth, of))
	}
	return r, nil
}

func medianMillis(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return math.NaN()
	}
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / float64(time.Millisecond)
}

// ScorePolicy measures pol over truth, of holding the ages of pol.Of in
// turn (NaN where there is none).
func ScorePolicy(pol AgePolicy, truth []float64, of [][]float64) AgePolicyReport {
	everyone := make([]int, len(truth))
	for i := range everyone {
		everyone[i] = i
	}
	r := AgePolicyReport{Name: pol.Name}
	w := pol.fit(truth, of, everyone)
	if !pol.Min && len(of) > 1 {
		r.Weights = w
	}
	fused := pol.apply(of, w)
	r.Stats = AgeReport(truth, fused, MinorsMargin)
	r.Margin, r.Meets = chooseMargin(truth, fused, everyone)
	r.At = GateCurve(truth, fused, []float64{r.Margin})[0]

	// Two halves, alternate faces: ListUTK sorts by name, which begins
	// with the age, so both halves span every age.
	var halves [2][]int
	for i := range truth {
		halves[i%2] = append(halves[i%2], i)
	}
	// Each face's age fused with the weights of the other half, and the
	// margin the other half chose.
	held, margin := make([]float64, len(truth)), make([]float64, len(truth))
	for h := range halves {
		train, test := halves[1-h], halves[h]
		f := pol.apply(of, pol.fit(truth, of, train))
		m, _ := chooseMargin(truth, f, train)
		r.HeldOutMargins[h] = m
		for _, i := range test {
			held[i], margin[i] = f[i], m
		}
	}
	r.HeldOut = gateAt(truth, held, func(i int) bool { return held[i] >= 18+margin[i] })
	return r
}

// fit returns the weights of a mean: each estimator's inverse mean
// squared error over the faces of on where every estimator has an age,
// normalised to sum to 1. A minimum needs none.
func (pol AgePolicy) fit(truth []float64, of [][]float64, on []int) []float64 {
	if pol.Min {
		return nil
	}
	w := make([]float64, len(of))
	if len(of) == 1 {
		w[0] = 1
		return w
	}
	sq := make([]float64, len(of))
	n := 0
	for _, i := range on {
		if slices.ContainsFunc(of, func(e []float64) bool { return math.IsNaN(e[i]) }) {
			continue
		}
		n++
		for k, e := range of {
			d := e[i] - truth[i]
			sq[k] += d * d
		}
	}
	var sum float64
	for k := range w {
		w[k] = float64(n) / sq[k]
		sum += w[k]
	}
	for k := range w {
		w[k] /= sum
	}
	return w
}

// apply fuses the estimators' ages for every face with weights w (from
// fit): NaN where any of them has none.
func (pol AgePolicy) apply(of [][]float64, w []float64) []float64 {
	out := make([]float64, len(of[0]))
	for i := range out {
		v := 0.0
		if pol.Min {
			v = math.Inf(1)
		}
		for k, e := range of {
			if pol.Min {
				v = min(v, e[i])
			} else {
				v += w[k] * e[i]
			}
		}
		out[i] = v // min and sums both carry a NaN through
	}
	return out
}

// chooseMargin is the smallest of GateMargins at which the gate on est,
// over the faces of on, meets MinorsTargets' shares of children and
// teenagers admitted; the largest, and false, when none does.
func chooseMargin(truth, est []float64, on []int) (float64, bool) {
	t, e := make([]float64, len(on)), make([]float64, len(on))
	for j, i := range on {
		t[j], e[j] = truth[i], est[i]
	}
	for _, g := range GateCurve(t, e, GateMargins) {
		if g.ChildrenAdmitted <= MinorsTargets.ChildrenAdmitted && g.TeensAdmitted <= MinorsTargets.TeensAdmitted {
			return g.Margin, true
		}
	}
	return GateMargins[len(GateMargins)-1], false
}
