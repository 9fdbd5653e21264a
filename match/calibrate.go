package match

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// The impostor histogram has 2^21 bins over [-1, 1]: bin k holds the
// cosines in [edge(k), edge(k+1)), edges are multiples of 2^-20 and so
// exact in float32 and float64. That resolution (≈9.5e-7) is well below
// what a threshold can be known to from 87 million pairs, and the
// histogram (16 MiB of counts per worker) is what makes scoring all pairs
// cheap in memory.
const (
	histBins = 1 << 21
	binWidth = 2.0 / histBins
)

// minTailCount is the number of allowed false matches a level needs to be
// measured rather than extrapolated: with fewer, its threshold rests on a
// handful of unlucky pairs. On LFW's 87.3 million impostor pairs it makes
// FMR 1e-6 (87 pairs) measured and 1e-7 (8.7 pairs) extrapolated.
const minTailCount = 10

// tileRows is the side of the square blocks of pairs a worker scores at a
// time: 2 × 128 embeddings of 512 float32 (512 KiB) stay in a core's L2
// cache while their 16,384 pairs are scored. On an LFW-sized set (27 MiB
// of embeddings) that made one core about 1.7 times faster than scoring
// row against row, which streams the whole set from memory for every row.
const tileRows = 128

func binOf(c float32) int {
	k := int((float64(c) + 1) * (histBins / 2))
	return min(max(k, 0), histBins-1) // clamps rounding past ±1
}

func edge(k int) float32 { return float32(float64(k)/(histBins/2) - 1) }

// Stats describes a calibration run, for a human to check that it looks
// like a working recogniser before committing the table.
type Stats struct {
	Images, Identities          int
	ImpostorPairs, GenuinePairs int64
	// ImpostorMean and ImpostorStd come from the histogram (to bin
	// resolution); ImpostorMax is exact. A good recogniser has impostors
	// centred near 0 with a small spread.
	ImpostorMean, ImpostorStd float64
	ImpostorMax               float32
	// GenuineMean, GenuineStd and GenuineMin are exact.
	GenuineMean, GenuineStd float64
	GenuineMin              float32
	// EER is the equal error rate: where the false-match rate and the
	// false-non-match rate cross, at threshold EERCosine.
	EER       float64
	EERCosine float32
	// The extrapolation fit: log10(impostor share >= c) ≈ FitSlope*c +
	// FitIntercept over FitPoints histogram edges, with root-mean-square
	// residual FitRMS (in decades). FitPoints is 0 when nothing was
	// extrapolated.
	FitPoints                      int
	FitSlope, FitIntercept, FitRMS float64
	// BinWidth is the cosine resolution of the measured thresholds.
	BinWidth float64
}

// Calibrate measures the cosine thresholds of the accuracy levels on a
// labelled set of embeddings (L2-normalised, all of one length, made by
// model): every pair of images of different identities is an impostor
// pair, every pair of the same identity a genuine pair.
//
// All impostor cosines go into a histogram of 2^21 bins over [-1, 1].
// The threshold of FMR f is the lowest bin edge t with at most
// floor(f × impostors) impostor cosines >= t. That is the smallest t whose
// measured FMR is <= f, rounded up to the bin grid: it lies less than one
// bin width (2^-20) above the exact order statistic, and never below it,
// so the measured FMR at a threshold is never above its level's.
//
// A level is measured when it allows at least 10 false matches (1e-1 is
// always measured). Rarer levels — 1e-7 and 1e-8 on LFW — are
// extrapolated: a least-squares straight line is fitted to log10 of the
// impostor survival share against the cosine, at every histogram edge
// where that share lies within the last two measured decades (1e-6 to
// 1e-4 on LFW), and extended; impostor tails of cosine scores are close
// to exponential there. Each threshold is then raised, if needed, to one
// bin above the previous level's, so the table is strictly increasing;
// raising a threshold only lowers its FMR. TAR is measured on the genuine
// pairs at every threshold, extrapolated or not. The table's Dataset is
// left for the caller, who knows what the images were.
//
// Pairs are scored with Cosine, the function used at run time, by
// GOMAXPROCS workers over cache-sized blocks of pairs, each with its own
// histogram. progress, if not nil, is called from the calling goroutine
// after each block with the pairs scored so far and the total.
//
// Calibrate panics on malformed input: lengths that differ, a vector that
// is not unit length (a caller that forgot to normalise would otherwise
// get a table that is silently wrong), or a set without both genuine and
// impostor pairs. The table may still fail Validate on data no recogniser
// should produce (impostors scoring near 1); WriteJSON checks.
func Calibrate(emb [][]float32, identity []int, model string, progress func(done, total int64)) (*Table, *Stats) {
	identities := checkInput(emb, identity)
	sc := scorePairs(emb, identity, progress)

	st := &Stats{
		Images:        len(emb),
		Identities:    identities,
		ImpostorPairs: sc.impostors,
		GenuinePairs:  int64(len(sc.genuine)),
		ImpostorMax:   sc.impostorMax,
		BinWidth:      binWidth,
	}
	slices.Sort(sc.genuine)
	st.GenuineMin = sc.genuine[0]
	st.GenuineMean, st.GenuineStd = genuineMoments(sc.genuine)
	st.ImpostorMean, st.ImpostorStd = histMoments(sc.hist, sc.impostors)

	// surv[k] = number of impostor cosines >= edge(k); surv[histBins] = 0.
	surv := make([]int64, histBins+1)
	for k := histBins - 1; k >= 0; k-- {
		surv[k] = surv[k+1] + int64(sc.hist[k])
	}
	st.EER, st.EERCosine = equalError(surv, sc.genuine)

	points, fit, note := levelPoints(surv, sc.impostors)
	st.FitPoints, st.FitSlope, st.FitIntercept, st.FitRMS = fit.points, fit.slope, fit.intercept, fit.rms
	for i := range points {
		p := &points[i]
		below, _ := slices.BinarySearch(sc.genuine, p.Cosine) // genuine cosines < threshold
		p.TAR = float64(len(sc.genuine)-below) / float64(len(sc.genuine))
	}
	return &Table{
		Model:         model,
		ImpostorPairs: sc.impostors,
		GenuinePairs:  int64(len(sc.genuine)),
		Points:        points,
		Extrapolation: note,
	}, st
}

// levelPoints computes the thresholds of all levels from the impostor
// survival counts (surv[k] = impostor cosines >= edge(k), n in all), as
// Calibrate describes, and the fit and note of the extrapolated ones (zero
// and "" when none is).
func levelPoints(surv []int64, n int64) ([]Point, tailFit, string) {
	points := make([]Point, Levels)
	lastMeasured := 0 // index into levelFMR
	for i, f := range levelFMR {
		points[i].FMR = f
		if i == 0 || f*float64(n) >= minTailCount {
			points[i].Cosine = edge(lowestEdge(surv, allowed(f, n)))
			lastMeasured = i
		} else {
			points[i].Extrapolated = true
		}
	}
	var fit tailFit
	var note string
	if lastMeasured < Levels-1 {
		fit = fitTail(surv, n, levelFMR[lastMeasured])
		usable := fit.slope < 0 // 0 when there were too few points to fit
		for i := lastMeasured + 1; i < Levels; i++ {
			if usable {
				points[i].Cosine = float32((math.Log10(levelFMR[i]) - fit.intercept) / fit.slope)
			} else {
				points[i].Cosine = -1 // raised to one bin above the previous level below
			}
		}
		note = extrapolationNote(lastMeasured, fit, usable)
	}
	for i := 1; i < Levels; i++ {
		if floor := points[i-1].Cosine + binWidth; points[i].Cosine < floor {
			points[i].Cosine = floor
		}
	}
	return points, fit, note
}

// checkInput panics on what Calibrate cannot work with and returns the
// number of identities.
func checkInput(emb [][]float32, identity []int) int {
	if len(emb) != len(identity) {
		panic(fmt.Sprintf("match: Calibrate: %d embeddings but %d identities", len(emb), len(identity)))
	}
	for i, v := range emb {
		if len(v) != len(emb[0]) {
			panic(fmt.Sprintf("match: Calibrate: embedding %d has length %d, embedding 0 has %d", i, len(v), len(emb[0])))
		}
		norm := math.Sqrt(float64(Cosine(v, v)))
		if !(math.Abs(norm-1) <= 1e-3) {
			panic(fmt.Sprintf("match: Calibrate: embedding %d has norm %g, not 1", i, norm))
		}
	}
	perIdentity := map[int]int{}
	for _, id := range identity {
		perIdentity[id]++
	}
	genuine := false
	for _, c := range perIdentity {
		genuine = genuine || c >= 2
	}
	if len(perIdentity) < 2 || !genuine {
		panic("match: Calibrate needs two identities or more, one of them with two images or more")
	}
	return len(perIdentity)
}

// allowed is floor(f × n), the number of false matches FMR f allows among
// n impostor pairs. The product is nudged up by a relative 1e-12 so that,
// say, 0.29 × 100 counts as 29 and not as the 28.999999999999996 that
// floating point computes.
func allowed(f float64, n int64) int64 {
	return int64(math.Floor(f * float64(n) * (1 + 1e-12)))
}

// lowestEdge returns the smallest k with surv[k] <= m; surv is
// non-increasing and surv[histBins] = 0, so one exists.
func lowestEdge(surv []int64, m int64) int {
	k, _ := slices.BinarySearchFunc(surv, m, func(s, m int64) int {
		if s > m {
			return -1
		}
		return 1
	})
	return k
}

// pairScores is what scoring all pairs produces.
type pairScores struct {
	hist        []uint64  // impostor cosines by bin
	impostors   int64     // sum of hist
	impostorMax float32   // exact
	genuine     []float32 // every genuine cosine, unsorted
}

// scorePairs scores every unordered pair i < j once. The pairs are cut
// into square tiles of tileRows × tileRows so that both sides of a tile
// stay in cache; workers take tiles from a shared counter (the tiles near
// the diagonal are half empty, so a static split would be uneven).
func scorePairs(emb [][]float32, identity []int, progress func(done, total int64)) pairScores {
	n := len(emb)
	blocks := (n + tileRows - 1) / tileRows
	var tiles [][2]int
	for bi := range blocks {
		for bj := bi; bj < blocks; bj++ {
			tiles = append(tiles, [2]int{bi, bj})
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(tiles))
	results := make([]pairScores, workers)
	scored := make(chan int64, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := pairScores{hist: make([]uint64, histBins), impostorMax: float32(math.Inf(-1))}
			for {
				ti := int(next.Add(1) - 1)
				if ti >= len(tiles) {
					break
				}
				scored <- r.scoreTile(emb, identity, tiles[ti][0]*tileRows, tiles[ti][1]*tileRows)
			}
			results[w] = r
		})
	}
	go func() { wg.Wait(); close(scored) }()
	total := int64(n) * int64(n-1) / 2
	var done int64
	for k := range scored {
		done += k
		if progress != nil {
			progress(done, total)
		}
	}

	all := results[0]
	for _, r := range results[1:] {
		for k, c := range r.hist {
			all.hist[k] += c
		}
		all.impostors += r.impostors
		all.impostorMax = max(all.impostorMax, r.impostorMax)
		all.genuine = append(all.genuine, r.genuine...)
	}
	return all
}

// scoreTile scores the pairs (i, j), i < j, with i in the block of rows
// starting at i0 and j in the one starting at j0, and returns how many.
func (r *pairScores) scoreTile(emb [][]float32, identity []int, i0, j0 int) int64 {
	iEnd, jEnd := min(i0+tileRows, len(emb)), min(j0+tileRows, len(emb))
	var count int64
	for i := i0; i < iEnd; i++ {
		a, id := emb[i], identity[i]
		for j := max(j0, i+1); j < jEnd; j++ {
			c := Cosine(a, emb[j])
			if identity[j] == id {
				r.genuine = append(r.genuine, c)
				continue
			}
			r.hist[binOf(c)]++
			r.impostors++
			if c > r.impostorMax {
				r.impostorMax = c
			}
		}
		count += int64(max(0, jEnd-max(j0, i+1)))
	}
	return count
}

func genuineMoments(g []float32) (mean, std float64) {
	var sum float64
	for _, c := range g {
		sum += float64(c)
	}
	mean = sum / float64(len(g))
	var ss float64
	for _, c := range g {
		d := float64(c) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(g)))
}

// histMoments uses bin centres, so the figures are good to about a bin
// width — plenty for a sanity check, and free compared with accumulating
// 87 million squares.
func histMoments(hist []uint64, n int64) (mean, std float64) {
	var sum float64
	for k, c := range hist {
		sum += float64(c) * (float64(edge(k)) + binWidth/2)
	}
	mean = sum / float64(n)
	var ss float64
	for k, c := range hist {
		d := float64(edge(k)) + binWidth/2 - mean
		ss += float64(c) * d * d
	}
	return mean, math.Sqrt(ss / float64(n))
}

// equalError sweeps the bin edges upwards: the false-match rate falls, the
// false-non-match rate (genuine cosines below the edge) rises, and the EER
// is their mean at the first edge where the second reaches the first.
func equalError(surv []int64, genuine []float32) (float64, float32) {
	nImp, nGen := float64(surv[0]), float64(len(genuine))
	below := 0
	for k := 0; ; k++ { // ends by k = histBins, where the FMR is 0
		e := edge(k)
		for below < len(genuine) && genuine[below] < e {
			below++
		}
		fmr, fnmr := float64(surv[k])/nImp, float64(below)/nGen
		if fnmr >= fmr {
			return (fmr + fnmr) / 2, e
		}
	}
}

// tailFit is a least-squares line log10(share) = slope*cos + intercept.
type tailFit struct {
	points                int
	slope, intercept, rms float64
	lowShare, highShare   float64
}

// fitTail fits log10 of the impostor survival share against the bin edge,
// over the edges whose share lies in [fLast, 100·fLast]: the last two
// decades that were measured, where the tail has settled into its
// asymptotic shape but still rests on at least minTailCount pairs. The
// sums are centred (the edges are close together, so raw sums of squares
// would cancel badly).
func fitTail(surv []int64, n int64, fLast float64) tailFit {
	fit := tailFit{lowShare: fLast, highShare: math.Min(1, 100*fLast)}
	each := func(do func(x, y float64)) {
		for k, s := range surv[:histBins] {
			if share := float64(s) / float64(n); share >= fit.lowShare && share <= fit.highShare {
				do(float64(edge(k)), math.Log10(share))
			}
		}
	}
	var sx, sy float64
	each(func(x, y float64) { fit.points++; sx += x; sy += y })
	if fit.points < 2 {
		return fit
	}
	mx, my := sx/float64(fit.points), sy/float64(fit.points)
	var sxx, sxy float64
	each(func(x, y float64) { sxx += (x - mx) * (x - mx); sxy += (x - mx) * (y - my) })
	// sxx > 0: two or more points are two or more distinct edges.
	fit.slope = sxy / sxx
	fit.intercept = my - fit.slope*mx
	var ss float64
	each(func(x, y float64) { r := y - (fit.slope*x + fit.intercept); ss += r * r })
	fit.rms = math.Sqrt(ss / float64(fit.points))
	return fit
}

func extrapolationNote(lastMeasured int, fit tailFit, usable bool) string {
	levels := fmt.Sprintf("FMR %g", levelFMR[lastMeasured+1])
	if lastMeasured+1 < Levels-1 {
		levels = fmt.Sprintf("FMR %g to %g", levelFMR[lastMeasured+1], levelFMR[Levels-1])
	}
	if !usable {
		return fmt.Sprintf("%s could not be extrapolated (impostor tail between %g and %g too short or flat to fit), so each was set one histogram bin above the previous level.",
			levels, fit.lowShare, fit.highShare)
	}
	return fmt.Sprintf("%s extrapolated by a least-squares straight line through log10(impostor share >= cosine) at the %d histogram edges where that share is between %g and %g (%.2f decades per 0.01 cosine, RMS residual %.3f decades).",
		levels, fit.points, fit.lowShare, fit.highShare, -fit.slope/100, fit.rms)
}
