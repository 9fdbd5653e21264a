// Package bench holds the dataset protocols behind `visage bench accuracy`:
// reading the research sets' lists and labels, and turning per-sample
// scores into the figures the literature reports (LFW 10-fold accuracy,
// TAR at a fixed FAR, detection counts, liveness APCER/BPCER, age error).
// It never runs the engine: the caller scores the samples and passes the
// numbers in, so that every protocol here can be checked by hand on a few
// made-up numbers, and the datasets stay outside the repository.
package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Pair is one labelled pair of a verification protocol: a line of LFW's
// View 2 pairs.txt, or of a CFP split.
type Pair struct {
	// A and B are slash-separated paths relative to the dataset's image
	// folder: "Name/Name_0001.jpg" in lfw-deepfunneled, or
	// "Data/Images/001/frontal/01.jpg" in cfp.
	A, B string
	// Same is true for a same-person pair.
	Same bool
	// Fold is the pair's fold, 0-based (0..9 for View 2).
	Fold int
}

// ParsePairs reads LFW's View 2 pairs.txt: a header "folds n" (10 300),
// then for each fold n same-person lines "name i j" followed by n
// different-person lines "name1 i name2 j". The layout is checked strictly
// (counts, order, image numbers >= 1), because a wrong or truncated list
// would otherwise give a plausible but meaningless accuracy.
func ParsePairs(r io.Reader) ([]Pair, error) {
	sc := bufio.NewScanner(r)
	line := 0
	var folds, perKind int
	var pairs []Pair
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if folds == 0 {
			var err1, err2 error
			if len(f) == 2 {
				folds, err1 = strconv.Atoi(f[0])
				perKind, err2 = strconv.Atoi(f[1])
			}
			if len(f) != 2 || err1 != nil || err2 != nil || folds < 1 || perKind < 1 {
				return nil, fmt.Errorf("pairs line %d: want a header \"folds pairs-per-kind\" like \"10 300\", got %q", line, sc.Text())
			}
			continue
		}
		i := len(pairs)
		if i == folds*2*perKind {
			return nil, fmt.Errorf("pairs line %d: more pairs than the header's %d folds of 2×%d", line, folds, perKind)
		}
		p := Pair{Fold: i / (2 * perKind), Same: i%(2*perKind) < perKind}
		var err error
		switch {
		case p.Same && len(f) == 3:
			p.A, err = lfwPath(f[0], f[1])
			if err == nil {
				p.B, err = lfwPath(f[0], f[2])
			}
		case !p.Same && len(f) == 4:
			p.A, err = lfwPath(f[0], f[1])
			if err == nil {
				p.B, err = lfwPath(f[2], f[3])
			}
		case p.Same:
			err = fmt.Errorf("fold %d expects a same-person line \"name i j\" here", p.Fold+1)
		default:
			err = fmt.Errorf("fold %d expects a different-person line \"name1 i name2 j\" here", p.Fold+1)
		}
		if err != nil {
			return nil, fmt.Errorf("pairs line %d: %w", line, err)
		}
		pairs = append(pairs, p)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if folds == 0 {
		return nil, fmt.Errorf("pairs: empty file")
	}
	if len(pairs) != folds*2*perKind {
		return nil, fmt.Errorf("pairs: %d pairs, the header promises %d folds of 2×%d", len(pairs), folds, perKind)
	}
	return pairs, nil
}

func lfwPath(name, number string) (string, error) {
	n, err := strconv.Atoi(number)
	if err != nil || n < 1 {
		return "", fmt.Errorf("image number %q of %s is not a positive integer", number, name)
	}
	return fmt.Sprintf("%s/%s_%04d.jpg", name, name, n), nil
}

// noFace turns a NaN score into -Inf: both mean "no comparison was
// possible" and sort below every real score.
func noFace(s float64) float64 {
	if math.IsNaN(s) {
		return math.Inf(-1)
	}
	return s
}

// TenFold runs the standard LFW protocol: for each fold, the threshold
// that maximises accuracy on the other folds is chosen and the accuracy on
// the held-out fold measured. It returns the mean and standard deviation
// of the held-out accuracies and the accuracies themselves in order of
// fold number.
//
// A pair is called "same" when its score (higher = more alike) is >= the
// threshold. A pair whose images could not be compared (no face found)
// must be passed as -Inf (NaN is taken as -Inf too): it is always called
// "different", so it is right for a different-person pair and wrong for a
// same-person one — a detection failure costs accuracy, as it would cost
// a user their login.
//
// The threshold candidates lie midway between consecutive distinct
// training scores (or on the lowest score, when every pair is called
// same); among equally accurate ones the lowest wins. The standard
// deviation is the population one (divide by the number of folds), as in
// the "mean ± std" that FaceNet's and InsightFace's evaluation code print.
//
// TenFold panics if the slices differ in length or there are fewer than
// two folds.
func TenFold(scores []float64, same []bool, fold []int) (mean, std float64, perFold []float64) {
	if len(scores) != len(same) || len(scores) != len(fold) {
		panic("bench: TenFold: scores, same and fold differ in length")
	}
	folds := slices.Compact(slices.Sorted(slices.Values(fold)))
	if len(folds) < 2 {
		panic("bench: TenFold needs two folds or more")
	}
	for _, f := range folds {
		var train []scored
		for i := range scores {
			if fold[i] != f {
				train = append(train, scored{noFace(scores[i]), same[i]})
			}
		}
		t := bestThreshold(train)
		right, all := 0, 0
		for i := range scores {
			if fold[i] == f {
				all++
				if (noFace(scores[i]) >= t) == same[i] {
					right++
				}
			}
		}
		perFold = append(perFold, float64(right)/float64(all))
	}
	for _, a := range perFold {
		mean += a
	}
	mean /= float64(len(perFold))
	for _, a := range perFold {
		std += (a - mean) * (a - mean)
	}
	return mean, math.Sqrt(std / float64(len(perFold))), perFold
}

type scored struct {
	score float64
	same  bool
}

// bestThreshold returns the most accurate threshold on the given pairs
// (see TenFold for the candidates and ties). It is always above -Inf, so
// that pairs without a face are called different, and +Inf when calling
// every pair different is best.
func bestThreshold(pairs []scored) float64 {
	slices.SortFunc(pairs, func(a, b scored) int { return cmpFloat(a.score, b.score) })
	sameTotal := 0
	for _, p := range pairs {
		if p.same {
			sameTotal++
		}
	}
	// With the cut before index i, pairs[i:] are called same: correct are
	// the different pairs below the cut and the same pairs above it.
	bestCorrect, best := -1, math.Inf(1)
	diffBelow, sameBelow := 0, 0
	for i := 0; i <= len(pairs); i++ {
		if i > 0 {
			if pairs[i-1].same {
				sameBelow++
			} else {
				diffBelow++
			}
		}
		atBoundary := i == 0 || i == len(pairs) || pairs[i-1].score < pairs[i].score
		if !atBoundary || i < len(pairs) && math.IsInf(pairs[i].score, -1) {
			continue
		}
		if correct := diffBelow + sameTotal - sameBelow; correct > bestCorrect {
			bestCorrect = correct
			switch {
			case i == len(pairs):
				best = math.Inf(1)
			case i == 0 || math.IsInf(pairs[i-1].score, -1):
				best = pairs[i].score
			default:
				best = (pairs[i-1].score + pairs[i].score) / 2
			}
		}
	}
	return best
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TARAtFAR returns the share of same-person pairs accepted at the
// threshold where at most a fraction far of the different-person
// (impostor) pairs are: the threshold is the smallest float64 t with
// #{impostors >= t} <= floor(far × impostors), i.e. the next float64 above
// the (k+1)-th highest impostor score, k = floor(far × impostors). With
// LFW's 3000 impostor pairs, FAR 1e-3 allows 3 false accepts and FAR 1e-4
// allows none, so its threshold sits just above the highest impostor:
// such small rates on 3000 pairs are a statement about one or a few
// pairs, not a measurement.
//
// Scores are as in TenFold (-Inf or NaN for no face); a no-face pair is
// never accepted. tar is NaN when there is no same-person pair. TARAtFAR
// panics if the slices differ in length or far is outside [0, 1].
func TARAtFAR(scores []float64, same []bool, far float64) (tar, threshold float64) {
	if len(scores) != len(same) {
		panic("bench: TARAtFAR: scores and same differ in length")
	}
	if !(far >= 0 && far <= 1) {
		panic(fmt.Sprintf("bench: TARAtFAR: FAR %g is outside [0, 1]", far))
	}
	var impostors, genuine []float64
	for i, s := range scores {
		if same[i] {
			genuine = append(genuine, noFace(s))
		} else {
			impostors = append(impostors, noFace(s))
		}
	}
	slices.SortFunc(impostors, func(a, b float64) int { return cmpFloat(b, a) }) // descending
	// floor(far × n), nudged so that e.g. 0.29 × 100 is 29, not 28.
	k := int(math.Floor(far * float64(len(impostors)) * (1 + 1e-12)))
	below := math.Inf(-1) // the (k+1)-th highest impostor, -Inf if there is none
	if k < len(impostors) {
		below = impostors[k]
	}
	threshold = math.Nextafter(below, math.Inf(1))
	accepted := 0
	for _, s := range genuine {
		if s >= threshold {
			accepted++
		}
	}
	return float64(accepted) / float64(len(genuine)), threshold
}
