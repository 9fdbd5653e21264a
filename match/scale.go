package match

import "math"

// The maps below are piecewise-linear in the cosine, with knots at the
// table's thresholds. Tying the knots to measured false-match rates, not to
// fixed cosines, is what keeps a percentage or a distance meaning the same
// FMR when the recogniser or its calibration changes: only the table moves.

// distanceAtLevel[L-1] is the distance at level L's threshold: 0.30 at
// level 8, +0.06 per level down, so that the classic dlib cut-off 0.6 sits
// at level 3 (FMR 1e-3). Literals, so that the knots are exact.
var distanceAtLevel = [Levels]float64{0.72, 0.66, 0.60, 0.54, 0.48, 0.42, 0.36, 0.30}

// similarityAtLevel returns the percentage at level L's threshold: 60+5L,
// so every 5 points is a factor of ten in false-match rate.
func similarityAtLevel(level int) float64 { return 60 + 5*float64(level) }

// similarityKnots are the (cosine, percent) knots of Similarity: -1 → 0 %,
// then level L's threshold → 60+5L %, up to level 8 → 100 %.
func (t *Table) similarityKnots() (cos, pct [Levels + 1]float64) {
	cos[0], pct[0] = -1, 0
	for i, p := range t.Points {
		cos[i+1], pct[i+1] = float64(p.Cosine), similarityAtLevel(i+1)
	}
	return cos, pct
}

// Similarity maps a cosine to a percentage in [0, 100] that is linear in
// the cosine between knots: -1 → 0 %, the threshold of level L → 60+5L %
// (65 % at FMR 1e-1, 80 % at 1e-4, 100 % at 1e-8), and 100 % for any
// cosine at or above level 8's threshold. So "80 %" means the pair is as
// similar as the default threshold (FMR 1e-4), every 5 points is a factor
// of ten in false-match rate, and between knots the percentage moves
// evenly with the cosine. Below 65 % the number only orders non-matches.
func (t *Table) Similarity(cos float32) float64 {
	xs, ys := t.similarityKnots()
	return interpolate(xs[:], ys[:], float64(cos))
}

// CosineAtSimilarity is the inverse of Similarity, for thresholds that
// clients give in percent (Auther's 80 % verify and 98 % search). It clamps:
// 0 % or less gives -1 and 100 % or more gives level 8's threshold, the
// lowest cosine that scores 100 %.
func (t *Table) CosineAtSimilarity(pct float64) float32 {
	xs, ys := t.similarityKnots()
	return float32(interpolate(ys[:], xs[:], pct))
}

// distanceKnots are the (distance, cosine) knots of Distance in order of
// increasing distance: 0 at cosine 1, level 8's threshold → 0.30, …,
// level 1's → 0.72, 2 at cosine -1.
func (t *Table) distanceKnots() (dist, cos [Levels + 2]float64) {
	dist[0], cos[0] = 0, 1
	for i := range Levels {
		level := Levels - i
		dist[i+1], cos[i+1] = distanceAtLevel[level-1], float64(t.Points[level-1].Cosine)
	}
	dist[Levels+1], cos[Levels+1] = 2, -1
	return dist, cos
}

// Distance maps a cosine to a distance in [0, 2] on the scale that dlib
// and FaceAuth clients know, where smaller is more alike and 0.6 is the
// classic "same person" cut-off. It is decreasing and linear in the cosine
// between knots: cosine 1 → 0, level 8's threshold → 0.30, each level down
// +0.06 (level 6 → 0.42, level 3 → 0.60), level 1 → 0.72, cosine -1 → 2.
// Cosines outside [-1, 1] clamp to the ends.
func (t *Table) Distance(cos float32) float64 {
	ds, cs := t.distanceKnots()
	// interpolate wants increasing x; the cosines run downwards, so
	// interpolate on the mirrored axis -cos.
	for i := range cs {
		cs[i] = -cs[i]
	}
	return interpolate(cs[:], ds[:], -float64(cos))
}

// CosineAtDistance is the inverse of Distance, for thresholds given as a
// distance (FaceAuth's 0.42). A distance of 0 or less gives cosine 1, 2 or
// more gives -1.
func (t *Table) CosineAtDistance(d float64) float32 {
	ds, cs := t.distanceKnots()
	return float32(interpolate(ds[:], cs[:], d))
}

// FMRAt estimates the false-match rate of a threshold set at cos: the share
// of impostor pairs that would score at least cos. Between the table's
// thresholds, log10(FMR) is linear in the cosine (impostor tails are close
// to exponential there). Below level 1's threshold the line through levels
// 1 and 2 is continued until it reaches 1 — an overestimate, which is the
// safe side, in a region where nothing matches anyway. At and above level
// 8's threshold it returns 1e-8: the table cannot tell anything smaller,
// and reporting a rate nobody measured would overstate the evidence.
func (t *Table) FMRAt(cos float32) float64 {
	x := float64(cos)
	if math.IsNaN(x) {
		return math.NaN()
	}
	t1, t2 := float64(t.Points[0].Cosine), float64(t.Points[1].Cosine)
	if x < t1 {
		// Slope of the first segment is -1 decade per (t2 - t1).
		return math.Pow(10, math.Min(0, -1-(x-t1)/(t2-t1)))
	}
	var xs, ys [Levels]float64
	for i, p := range t.Points {
		xs[i], ys[i] = float64(p.Cosine), -float64(i+1)
	}
	return math.Pow(10, interpolate(xs[:], ys[:], x))
}

// interpolate evaluates the piecewise-linear function through the knots
// (xs[i], ys[i]), xs strictly increasing, clamping to ys[0] and ys[last]
// outside [xs[0], xs[last]]. A value on a knot returns that knot's y
// exactly, so that documented knot values hold to the last bit.
func interpolate(xs, ys []float64, x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	last := len(xs) - 1
	if x <= xs[0] {
		return ys[0]
	}
	if x >= xs[last] {
		return ys[last]
	}
	// Segment i runs from knot i to knot i+1 with xs[i] <= x < xs[i+1];
	// the knots are few, so a linear scan beats a binary search.
	i := 0
	for x >= xs[i+1] {
		i++
	}
	f := (x - xs[i]) / (xs[i+1] - xs[i])
	return ys[i] + f*(ys[i+1]-ys[i])
}
