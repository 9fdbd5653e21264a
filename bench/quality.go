package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/image/draw"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// The quality score (face.QualityModel) is fitted here, on the genuine
// pairs of the protocols: each photo is labelled by the share of its
// genuine pairs that matched at the threshold, and a logistic regression
// on its quality signals predicts that share. What a threshold on the
// score buys is measured on the same pairs: the photos it would refuse,
// the failed pairs it would have prevented, the good ones it would cost.

// LFW's and CFP's photos are rarely small or blurred, which is what
// enrollment photos get wrong most, so the fit also sees LFW's genuine
// pairs with the second photo degraded: shrunk by a factor of 2 to 8, and
// half of them blown back up to their size (blurred rather than small).
// Such an image is named after its photo with a suffix that says how:
// "Name/Name_0002.jpg#4" shrunk four times, "…#4up" then blown up.

// WithDegraded adds to an LFW dataset the protocol "LFW degraded": its
// pairs in their folds, the second photo of each genuine one degraded.
func WithDegraded(lfw *Dataset) {
	var pairs []Pair
	for i, pr := range lfw.Protocols[0].Pairs {
		if pr.Same {
			pr.B += fmt.Sprintf("#%d", []int{2, 3, 4, 5, 6, 8}[i%6])
			if i/6%2 == 1 {
				pr.B += "up"
			}
		}
		pairs = append(pairs, pr)
	}
	lfw.Protocols = append(lfw.Protocols, newProtocol("LFW degraded", pairs))
}

// readImage reads a dataset's image, degraded if its name says so.
func readImage(dir, name string) ([]byte, error) {
	file, how, degraded := strings.Cut(name, "#")
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
	if err != nil || !degraded {
		return data, err
	}
	up := strings.HasSuffix(how, "up")
	k, err := strconv.Atoi(strings.TrimSuffix(how, "up"))
	if err != nil || k < 1 {
		return nil, fmt.Errorf("%s: bad degradation %q", name, how)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	b := src.Bounds()
	var img image.Image = scaled(src, max(b.Dx()/k, 1), max(b.Dy()/k, 1))
	if up {
		img = scaled(img, b.Dx(), b.Dy())
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func scaled(src image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// QualityFit is a fitted model and its trade-off.
type QualityFit struct {
	Model face.QualityModel
	// Photos are the photos with a face in some genuine pair; Pairs the
	// genuine pairs with both faces found, Failed those below the
	// threshold.
	Photos, Pairs, Failed int
	// AUC is how well a pair's lower score ranks the failed pairs below
	// the matched ones (0.5: no better than chance).
	AUC   float64
	Curve []QualityPoint
}

// QualityPoint is what refusing the photos scoring under Min costs and
// buys, over the genuine pairs: the share of photos refused (overall and
// by protocol), of the failed pairs that held a refused photo, and of the
// matched pairs that did.
type QualityPoint struct {
	Min               float64
	Refused           float64
	RefusedBy         map[string]float64
	FailedCaught      float64
	MatchedCollateral float64
}

// qualitySigns are the directions face.QualityFeatures may move the
// score in: up with the detector's confidence and the size, down with the
// yaw and the pitch, up with the sharpness and the recogniser's response.
var qualitySigns = [6]float64{1, 1, -1, -1, 1, 1}

type qualitySample struct {
	f              [6]float64
	matched, pairs float64
	protocol       string
}

// FitQuality fits the quality model on the genuine pairs of sets' protocols
// (es[i] is sets[i] embedded by the engine whose pack has the given ID),
// at the cosine threshold; an empty pack fits the generic model, without
// the recogniser's response.
func FitQuality(sets []*Dataset, es []*Embedded, threshold float32, pack string) *QualityFit {
	samples := map[string]*qualitySample{}
	type pair struct {
		a, b *qualitySample
		ok   bool
	}
	var pairs []pair
	for d, ds := range sets {
		e := es[d]
		for _, p := range ds.Protocols {
			for _, pr := range p.Pairs {
				va, okA := e.Vectors[pr.A]
				vb, okB := e.Vectors[pr.B]
				if !pr.Same || !okA || !okB {
					continue
				}
				ok := match.Cosine(va, vb) >= threshold
				var ends [2]*qualitySample
				for i, n := range []string{pr.A, pr.B} {
					key := p.Name + "/" + n
					s := samples[key]
					if s == nil {
						sig := e.Signals[n]
						s = &qualitySample{f: face.QualityFeatures(sig.Detector, sig.Quality), protocol: p.Name}
						samples[key] = s
					}
					s.pairs++
					if ok {
						s.matched++
					}
					ends[i] = s
				}
				pairs = append(pairs, pair{ends[0], ends[1], ok})
			}
		}
	}
	features := 6
	if pack == "" {
		features = 5 // without LogNorm
	}
	var ys, ws []float64
	var all []*qualitySample
	for _, s := range samples {
		all = append(all, s)
		ys = append(ys, s.matched/s.pairs)
		ws = append(ws, s.pairs)
	}
	// The sets differ in more than the signals: CFP's photos are larger
	// and sharper than LFW's and fail more, for its profiles. Fitted
	// across sets, size and sharpness would seem to harm. So each set
	// (protocol) gets its own intercept while the signals' weights are
	// fitted, which then only learn from differences within a set; the
	// one bias the model keeps is fitted afterwards, over all photos.
	var protocols []string
	for _, s := range all {
		if !slices.Contains(protocols, s.protocol) {
			protocols = append(protocols, s.protocol)
		}
	}
	slices.Sort(protocols)
	// Each signal may only move the score the way it should: a sharper,
	// larger, more frontal face is never worse. A signal whose weight
	// comes out the wrong way is left out, and the rest fitted again.
	active := make([]bool, features)
	for j := range active {
		active[j] = true
	}
	beta := make([]float64, 1+features) // bias, then by feature
	for {
		var cols []int
		for j, on := range active {
			if on {
				cols = append(cols, j)
			}
		}
		xs := make([][]float64, len(all))
		for i, s := range all {
			for _, j := range cols {
				xs[i] = append(xs[i], s.f[j])
			}
			for _, p := range protocols[1:] {
				xs[i] = append(xs[i], b2f(s.protocol == p))
			}
		}
		b := logistic(xs, ys, ws)
		clear(beta)
		wrong := false
		for k, j := range cols {
			beta[1+j] = b[1+k]
			if b[1+k]*qualitySigns[j] < 0 {
				active[j], wrong = false, true
			}
		}
		if !wrong {
			break
		}
	}
	beta[0] = bias(all, ys, ws, beta)
	m := face.QualityModel{Pack: pack, Bias: beta[0], Detector: beta[1], Size: beta[2], Yaw: beta[3], Pitch: beta[4], Sharpness: beta[5]}
	if pack != "" {
		m.LogNorm = beta[6]
	}

	fit := &QualityFit{Model: m, Photos: len(samples), Pairs: len(pairs)}
	score := func(s *qualitySample) float64 { return m.Of(s.f) }
	var failed, matched []float64
	for _, p := range pairs {
		low := min(score(p.a), score(p.b))
		if p.ok {
			matched = append(matched, low)
		} else {
			failed = append(failed, low)
		}
	}
	fit.Failed = len(failed)
	fit.AUC = rankAUC(failed, matched)
	byProtocol := map[string]int{}
	for _, s := range samples {
		byProtocol[s.protocol]++
	}
	for _, min := range []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9} {
		pt := QualityPoint{Min: min, RefusedBy: map[string]float64{}}
		for _, s := range samples {
			if score(s) < min {
				pt.Refused++
				pt.RefusedBy[s.protocol]++
			}
		}
		pt.Refused /= float64(len(samples))
		for p, n := range byProtocol {
			pt.RefusedBy[p] /= float64(n)
		}
		pt.FailedCaught = share(failed, min)
		pt.MatchedCollateral = share(matched, min)
		fit.Curve = append(fit.Curve, pt)
	}
	return fit
}

// share is the share of v under min.
func share(v []float64, min float64) float64 {
	if len(v) == 0 {
		return 0
	}
	n := 0
	for _, x := range v {
		if x < min {
			n++
		}
	}
	return float64(n) / float64(len(v))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// bias fits the intercept alone, over every sample, the features'
// weights (beta[1:]) fixed: the b at which the predicted successes add up
// to the observed ones. That sum only grows with b, so bisection finds it
// where Newton's method, started far off, can overshoot.
func bias(all []*qualitySample, ys, ws, beta []float64) float64 {
	excess := func(b float64) float64 { // predicted minus observed
		var d float64
		for i, s := range all {
			z := b
			for j, w := range beta[1:] {
				z += w * s.f[j]
			}
			d += ws[i] * (1/(1+math.Exp(-z)) - ys[i])
		}
		return d
	}
	lo, hi := -100.0, 100.0
	for range 100 {
		mid := (lo + hi) / 2
		if excess(mid) > 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return (lo + hi) / 2
}

// rankAUC is the probability that a random element of low is below a
// random element of high (ties count half): the area under the ROC curve
// of a score that should be lower for low.
func rankAUC(low, high []float64) float64 {
	if len(low) == 0 || len(high) == 0 {
		return 0.5
	}
	h := slices.Clone(high)
	slices.Sort(h)
	var sum float64
	for _, x := range low {
		below := sort.SearchFloat64s(h, x)
		above := sort.Search(len(h), func(j int) bool { return h[j] > x })
		sum += float64(len(h)-above) + 0.5*float64(above-below)
	}
	return sum / float64(len(low)*len(h))
}

// logistic fits weighted logistic regression with soft labels y in [0, 1]
// by Newton's method, with a slight ridge so that a constant feature does
// not make it singular. It returns the bias, then a weight per feature.
func logistic(xs [][]float64, ys, ws []float64) []float64 {
	k := len(xs[0]) + 1
	beta := make([]float64, k)
	row := make([]float64, k)
	for range 50 {
		grad := make([]float64, k)
		hess := make([][]float64, k)
		for i := range hess {
			hess[i] = make([]float64, k)
			hess[i][i] = 1e-6
		}
		for i, x := range xs {
			row[0] = 1
			copy(row[1:], x)
			var z float64
			for j := range k {
				z += beta[j] * row[j]
			}
			p := 1 / (1 + math.Exp(-z))
			for j := range k {
				grad[j] += ws[i] * (ys[i] - p) * row[j]
				for l := range k {
					hess[j][l] += ws[i] * p * (1 - p) * row[j] * row[l]
				}
			}
		}
		step := solve(hess, grad)
		var size float64
		for j := range k {
			beta[j] += step[j]
			size = max(size, math.Abs(step[j]))
		}
		if size < 1e-9 {
			break
		}
	}
	return beta
}

// solve solves a·x = b for a small symmetric positive definite a, by
// Gaussian elimination with partial pivoting (a and b are overwritten).
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for j := c; j < n; j++ {
				a[r][j] -= f * a[c][j]
			}
			b[r] -= f * b[c]
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for j := r + 1; j < n; j++ {
			s -= a[r][j] * x[j]
		}
		x[r] = s / a[r][r]
	}
	return x
}
