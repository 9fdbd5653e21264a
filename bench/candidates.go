package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// Recognisers are compared on 1:1 pair protocols (LFW View 2, CFP-FF,
// CFP-FP): each candidate (a pack, a pack with flip fusion, or two packs
// fused) gets the standard 10-fold accuracy and TAR at FAR 1e-3 and 1e-4
// over each protocol's pairs, next to its photo→template time and
// template size (docs/accuracy.md). `visage bench accuracy` scores the
// configured pack through the same code.

// Protocol is a 1:1 verification protocol: labelled image pairs in folds.
type Protocol struct {
	Name  string // "LFW", "CFP-FF", "CFP-FP"
	Pairs []Pair
	Names []string // every image named by a pair, once
}

func newProtocol(name string, pairs []Pair) *Protocol {
	p := &Protocol{Name: name, Pairs: pairs}
	seen := map[string]bool{}
	for _, pr := range pairs {
		for _, n := range []string{pr.A, pr.B} {
			if !seen[n] {
				seen[n] = true
				p.Names = append(p.Names, n)
			}
		}
	}
	return p
}

// Dataset is a folder of images and the protocols over them. Its images
// are embedded once per recogniser and every protocol is scored from the
// same templates (CFP-FF and CFP-FP share 3,760 frontal images).
type Dataset struct {
	Dir       string // the folder the pairs' paths are relative to
	Protocols []*Protocol
	stage     string // progress label
	opts      face.Options
	// pick chooses the face the dataset labels among those found.
	pick func([]face.Face) face.Face
}

// OpenLFW reads lfw/pairs.txt under the datasets folder.
func OpenLFW(datasets string) (*Dataset, error) {
	f, err := os.Open(filepath.Join(datasets, "lfw", "pairs.txt"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pairs, err := ParsePairs(f)
	if err != nil {
		return nil, err
	}
	return &Dataset{
		Dir:       filepath.Join(datasets, "lfw", "lfw-deepfunneled"),
		Protocols: []*Protocol{newProtocol("LFW", pairs)},
		stage:     "LFW images",
		opts:      lfwOptions,
		pick:      lfwFace,
	}, nil
}

// Embedded is one recogniser's templates of a dataset's images.
type Embedded struct {
	Vectors map[string][]float32 // by image name; absent when no face was found
	// Signals are the quality signals of the faces Vectors holds.
	Signals map[string]Signals
	NoFace  []string // sorted
	// Wall is how long embedding took; Took is each image's analysis time
	// on its worker, by which Share divides Wall among protocols that use
	// some of the images each.
	Wall time.Duration
	Took map[string]time.Duration
}

// Embed runs the engine once over every image the dataset's protocols
// name.
func (d *Dataset) Embed(ctx context.Context, eng *face.Engine, p Progress) (*Embedded, error) {
	var names []string
	seen := map[string]bool{}
	for _, pr := range d.Protocols {
		for _, n := range pr.Names {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return embed(ctx, eng, d.Dir, names, d.stage, d.opts, d.pick, p)
}

// embed analyses each named image with opts and keeps the template of the
// face pick chooses.
func embed(ctx context.Context, eng *face.Engine, dir string, names []string, stage string, opts face.Options, pick func([]face.Face) face.Face, p Progress) (*Embedded, error) {
	e := &Embedded{Vectors: make(map[string][]float32, len(names)), Signals: make(map[string]Signals, len(names)),
		Took: make(map[string]time.Duration, len(names))}
	var mu sync.Mutex
	start := time.Now()
	err := each(ctx, eng, names, stage, p, func(name string) error {
		data, err := readImage(dir, name)
		if err != nil {
			return err
		}
		t := time.Now()
		faces, err := eng.Analyze(ctx, data, opts)
		took := time.Since(t)
		if err != nil && visage.ErrorCode(err) == visage.CodeInternal {
			return fmt.Errorf("%s: %w", name, err)
		}
		mu.Lock()
		defer mu.Unlock()
		e.Took[name] = took
		if len(faces) == 0 {
			e.NoFace = append(e.NoFace, name)
			return nil
		}
		f := pick(faces)
		e.Vectors[name] = f.Template.Vector
		e.Signals[name] = Signals{Detector: f.Score, Quality: f.Quality}
		return nil
	})
	e.Wall = time.Since(start)
	slices.Sort(e.NoFace)
	return e, err
}

// Signals are what the quality score is computed from: the detector's
// confidence and the face's Quality.
type Signals struct {
	Detector float32
	Quality  face.Quality
}

// Share is the part of the embedding's wall time spent on the named
// images: Wall in proportion to their analysis times.
func (e *Embedded) Share(names []string) time.Duration {
	var part, all time.Duration
	for _, t := range e.Took {
		all += t
	}
	for _, n := range names {
		part += e.Took[n]
	}
	if all == 0 {
		return 0
	}
	return time.Duration(float64(e.Wall) * float64(part) / float64(all))
}

// VerificationReport is a protocol's figures for one recogniser: the
// 10-fold accuracy, TAR at two FARs, the images where no face was found
// and the pairs they turned into non-matches.
type VerificationReport struct {
	Pairs       int       `json:"pairs"`
	Images      int       `json:"images"`
	Accuracy    float64   `json:"accuracy"`
	AccuracyStd float64   `json:"accuracy_std"`
	Folds       []float64 `json:"folds"`
	TARAt1e3    float64   `json:"tar_at_far_1e-3"`
	TARAt1e4    float64   `json:"tar_at_far_1e-4"`
	NoFace      []string  `json:"no_face"`
	PairsNoFace int       `json:"pairs_no_face"`
	// Seconds is the protocol's images' share of the embedding time (see
	// Embedded.Share); for a fusion, the sum of its members'.
	Seconds float64 `json:"seconds"`
}

// ImagesPerSecond is the protocol's embedding throughput.
func (v *VerificationReport) ImagesPerSecond() float64 { return float64(v.Images) / v.Seconds }

// cosines returns the cosine of every pair's templates in e, -Inf when
// either image has none (no face: TenFold and TARAtFAR call the pair
// different), with the pairs' labels and folds.
func (p *Protocol) cosines(e *Embedded) (scores []float64, same []bool, fold []int) {
	return p.scores(func(a, b string) float64 {
		va, vb := e.Vectors[a], e.Vectors[b]
		if va == nil || vb == nil {
			return math.Inf(-1)
		}
		return float64(match.Cosine(va, vb))
	})
}

func (p *Protocol) scores(score func(a, b string) float64) (scores []float64, same []bool, fold []int) {
	scores = make([]float64, len(p.Pairs))
	same = make([]bool, len(p.Pairs))
	fold = make([]int, len(p.Pairs))
	for i, pr := range p.Pairs {
		scores[i], same[i], fold[i] = score(pr.A, pr.B), pr.Same, pr.Fold
	}
	return scores, same, fold
}

// Verify scores templates e on the protocol.
func (p *Protocol) Verify(e *Embedded) *VerificationReport {
	scores, same, fold := p.cosines(e)
	v := p.report(scores, same, e)
	v.Accuracy, v.AccuracyStd, v.Folds = TenFold(scores, same, fold)
	v.Seconds = e.Share(p.Names).Seconds()
	return v
}

// report fills in what does not depend on how folds are scored: the
// counts, TARs (thresholds on all pairs) and the missed faces, an image
// counting as missed when any of members has no template of it.
func (p *Protocol) report(scores []float64, same []bool, members ...*Embedded) *VerificationReport {
	v := &VerificationReport{Pairs: len(p.Pairs), Images: len(p.Names)}
	v.TARAt1e3, _ = TARAtFAR(scores, same, 1e-3)
	v.TARAt1e4, _ = TARAtFAR(scores, same, 1e-4)
	missed := map[string]bool{}
	for _, n := range p.Names {
		for _, e := range members {
			if e.Vectors[n] == nil {
				missed[n] = true
			}
		}
		if missed[n] {
			v.NoFace = append(v.NoFace, n)
		}
	}
	slices.Sort(v.NoFace)
	for _, pr := range p.Pairs {
		if missed[pr.A] || missed[pr.B] {
			v.PairsNoFace++
		}
	}
	return v
}

// Candidate is one row of the comparison.
type Candidate struct {
	Name    string
	Licence string
	// On holds the figures by protocol name.
	On map[string]*VerificationReport
	// Time is photo→template on one core (median); Bytes the template's
	// size in the store (float32).
	Time  time.Duration
	Bytes int
	// Weights are the fusion weights of the members fitted on LFW's
	// impostors (fused candidates), the ones a fused pack.json takes.
	Weights []float64
}

// Fuse scores recognisers together: the fused score of a pair is the
// weighted mean of the members' cosines with weights 1/σ, σ the standard
// deviation of the member's impostor cosines. That ranks pairs exactly as
// the sum of the members' z-scores against their impostor distributions,
// so neither recogniser dominates by having a wider scale, and it is what
// the cosine of the concatenated templates, each scaled by √weight,
// computes — so a fusion found here can be served as one template.
//
// The weights for each held-out fold come from the impostor pairs of the
// other folds, so no fold's figures use its own labels; the TARs use
// the weights from all folds, which Fuse returns. A pair where either
// member found no face is not compared.
func (p *Protocol) Fuse(members ...*Embedded) (*VerificationReport, []float64) {
	weights := func(skipFold int) []float64 {
		w := make([]float64, len(members))
		for m, e := range members {
			var n, sum, sq float64
			for _, pr := range p.Pairs {
				if pr.Same || pr.Fold == skipFold {
					continue
				}
				a, b := e.Vectors[pr.A], e.Vectors[pr.B]
				if a == nil || b == nil {
					continue
				}
				s := float64(match.Cosine(a, b))
				n, sum, sq = n+1, sum+s, sq+s*s
			}
			mean := sum / n
			w[m] = 1 / math.Sqrt(sq/n-mean*mean)
		}
		return w
	}
	fused := func(w []float64) func(a, b string) float64 {
		return func(a, b string) float64 {
			var s, ws float64
			for m, e := range members {
				va, vb := e.Vectors[a], e.Vectors[b]
				if va == nil || vb == nil {
					return math.Inf(-1)
				}
				s += w[m] * float64(match.Cosine(va, vb))
				ws += w[m]
			}
			return s / ws
		}
	}
	all := weights(-1)
	scores, same, fold := p.scores(fused(all))
	v := p.report(scores, same, members...)
	// 10-fold by hand: each fold's threshold and weights from the others.
	folds := slices.Compact(slices.Sorted(slices.Values(fold)))
	for i, f := range folds {
		scores, same, fold := p.scores(fused(weights(f)))
		_, _, per := TenFold(scores, same, fold)
		v.Folds = append(v.Folds, per[i])
	}
	v.Accuracy, v.AccuracyStd = meanStd(v.Folds)
	for _, e := range members {
		v.Seconds += e.Share(p.Names).Seconds()
	}
	return v, all
}

func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

// TemplateTime is the median photo→template time of eng on one 640×480
// frame cut from photo, n runs; measure it with a one-worker engine.
func TemplateTime(ctx context.Context, eng *face.Engine, photo []byte, n int) (time.Duration, error) {
	frame, err := Frame640(ctx, eng, photo)
	if err != nil {
		return 0, err
	}
	d, _, err := timeAnalyses(ctx, eng, frame, face.Options{Single: true, Embed: true}, n)
	if err != nil {
		return 0, fmt.Errorf("timing: %w", err)
	}
	return d, nil
}
