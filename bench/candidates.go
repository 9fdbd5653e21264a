package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// Recognisers are compared on LFW's View 2 pairs: each candidate (a pack,
// a pack with flip fusion, or two packs fused) gets the standard 10-fold
// accuracy and TAR at FAR 1e-3 and 1e-4 over the same 6,000 pairs, next
// to its photo→template time and template size (docs/accuracy.md).

// LFW is the pair list and the images it uses.
type LFW struct {
	Dir   string // lfw/ of the datasets
	Pairs []Pair
	Names []string // every image named by a pair, once
}

// OpenLFW reads lfw/pairs.txt under the datasets folder.
func OpenLFW(datasets string) (*LFW, error) {
	dir := filepath.Join(datasets, "lfw")
	f, err := os.Open(filepath.Join(dir, "pairs.txt"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pairs, err := ParsePairs(f)
	if err != nil {
		return nil, err
	}
	l := &LFW{Dir: dir, Pairs: pairs}
	seen := map[string]bool{}
	for _, pr := range pairs {
		for _, n := range []string{pr.A, pr.B} {
			if !seen[n] {
				seen[n] = true
				l.Names = append(l.Names, n)
			}
		}
	}
	return l, nil
}

// Embedded is one candidate's templates of the pair images.
type Embedded struct {
	Vectors map[string][]float32
	NoFace  []string
}

// Embed runs the engine over the pair images.
func (l *LFW) Embed(ctx context.Context, eng *face.Engine, p Progress) (*Embedded, error) {
	v, no, err := EmbedLFW(ctx, eng, filepath.Join(l.Dir, "lfw-deepfunneled"), l.Names, p)
	if err != nil {
		return nil, err
	}
	return &Embedded{Vectors: v, NoFace: no}, nil
}

// Candidate is one row of the comparison.
type Candidate struct {
	Name     string
	Licence  string
	Accuracy float64 // 10-fold mean
	Std      float64
	TAR1e3   float64
	TAR1e4   float64
	NoFace   int
	// Time is photo→template on one core (median); Bytes the template's
	// size in the store (float32).
	Time  time.Duration
	Bytes int
	// Weights are the fusion weights of the members (fused candidates).
	Weights []float64 `json:",omitempty"`
}

// Score fills in the accuracy figures of templates e.
func (l *LFW) Score(c *Candidate, e *Embedded) {
	scores, same, fold := l.scores(func(a, b string) float64 {
		va, vb := e.Vectors[a], e.Vectors[b]
		if va == nil || vb == nil {
			return math.Inf(-1)
		}
		return float64(match.Cosine(va, vb))
	})
	c.Accuracy, c.Std, _ = TenFold(scores, same, fold)
	c.TAR1e3, _ = TARAtFAR(scores, same, 1e-3)
	c.TAR1e4, _ = TARAtFAR(scores, same, 1e-4)
	c.NoFace = len(e.NoFace)
}

func (l *LFW) scores(score func(a, b string) float64) (scores []float64, same []bool, fold []int) {
	scores = make([]float64, len(l.Pairs))
	same = make([]bool, len(l.Pairs))
	fold = make([]int, len(l.Pairs))
	for i, pr := range l.Pairs {
		scores[i], same[i], fold[i] = score(pr.A, pr.B), pr.Same, pr.Fold
	}
	return scores, same, fold
}

// Fuse scores two candidates together: the fused score of a pair is the
// weighted mean of the members' cosines with weights 1/σ, σ the standard
// deviation of the member's impostor cosines. That ranks pairs exactly as
// the sum of the members' z-scores against their impostor distributions,
// so neither recogniser dominates by having a wider scale, and it is what
// the cosine of the concatenated templates, each scaled by √weight,
// computes — so a fusion found here can be served as one template.
//
// The weights for each held-out fold come from the impostor pairs of the
// other nine, so no fold's figures use its own labels; the TARs use
// weights from all folds. A pair where either member found no face is
// not compared.
func (l *LFW) Fuse(c *Candidate, members ...*Embedded) {
	weights := func(skipFold int) []float64 {
		w := make([]float64, len(members))
		for m, e := range members {
			var n, sum, sq float64
			for _, pr := range l.Pairs {
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
	// 10-fold by hand: each fold's threshold and weights from the others.
	var accs []float64
	for f := range 10 { // folds are numbered from 0
		scores, same, fold := l.scores(fused(weights(f)))
		_, _, per := TenFold(scores, same, fold)
		accs = append(accs, per[f])
	}
	c.Accuracy, c.Std = meanStd(accs)
	c.Weights = weights(-1)
	scores, same, _ := l.scores(fused(c.Weights))
	c.TAR1e3, _ = TARAtFAR(scores, same, 1e-3)
	c.TAR1e4, _ = TARAtFAR(scores, same, 1e-4)
	noFace := map[string]bool{}
	for _, e := range members {
		for _, n := range e.NoFace {
			noFace[n] = true
		}
	}
	c.NoFace = len(noFace)
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
