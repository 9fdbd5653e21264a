package bench

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// An accuracy level promises a false-match rate that was measured on
// LFW's impostor pairs (docs/scores.md). `visage bench levels` checks the
// promise on impostors the calibration never saw: every cross-identity
// pair of a labelled set is scored against the pack's thresholds, and the
// false matches at each level are counted exactly.

// Labelled is one recogniser's templates of a labelled image set: every
// image where a face was found, with its person.
type Labelled struct {
	Dataset  string      `json:"dataset"`
	Names    []string    `json:"-"` // image of each template, relative to the set's folder
	Vectors  [][]float32 `json:"-"`
	Identity []int       `json:"-"` // 0-based person of each template
	// Images counts the templates, Identities the people with at least
	// one.
	Images     int      `json:"images"`
	Identities int      `json:"identities"`
	NoFace     []string `json:"no_face"`
}

// EmbedLFWAll embeds every image of LFW deep-funneled under datasets, as
// `visage calibrate` does; the person is the image's folder.
func EmbedLFWAll(ctx context.Context, eng *face.Engine, datasets string, p Progress) (*Labelled, error) {
	dir := filepath.Join(datasets, "lfw", "lfw-deepfunneled")
	people, err := lfwPeople(dir)
	if err != nil {
		return nil, fmt.Errorf("LFW images: %w", err)
	}
	var names []string
	for _, photos := range people {
		names = append(names, photos...)
	}
	slices.Sort(names)
	vecs, noFace, err := EmbedLFW(ctx, eng, dir, names, p)
	if err != nil {
		return nil, err
	}
	return label("LFW deep-funneled", names, vecs, noFace, path.Dir), nil
}

// EmbedCFPFrontal embeds CFP's 5,000 frontal photos (Pair_list_F.txt)
// under datasets, taking each photo's largest face as the CFP protocols
// do; the person is the identity folder of Data/Images/<id>/frontal/.
// Profiles are left out: the question is whether a level holds on other
// people's ordinary photos, not on a pose no enrollment would use.
func EmbedCFPFrontal(ctx context.Context, eng *face.Engine, datasets string, p Progress) (*Labelled, error) {
	dir := filepath.Join(datasets, "cfp")
	names, err := readCFPList(filepath.Join(dir, "Protocol", "Pair_list_F.txt"))
	if err != nil {
		return nil, err
	}
	e, err := embed(ctx, eng, dir, names, "CFP frontal images", cfpOptions, largestFace, p)
	if err != nil {
		return nil, err
	}
	return label("CFP frontal", names, e.Vectors, e.NoFace, cfpPerson), nil
}

// cfpPerson is a CFP photo's identity folder, Data/Images/<id>.
func cfpPerson(name string) string { return path.Dir(path.Dir(name)) }

// label keeps the named images that have a template, in the order given,
// numbering their people as they first appear.
func label(dataset string, names []string, vecs map[string][]float32, noFace []string, person func(string) string) *Labelled {
	l := &Labelled{Dataset: dataset, NoFace: noFace}
	ids := map[string]int{}
	for _, n := range names {
		v, ok := vecs[n]
		if !ok {
			continue
		}
		who := person(n)
		id, seen := ids[who]
		if !seen {
			id = len(ids)
			ids[who] = id
		}
		l.Names, l.Vectors, l.Identity = append(l.Names, n), append(l.Vectors, v), append(l.Identity, id)
	}
	l.Images, l.Identities = len(l.Vectors), len(ids)
	return l
}

// LevelsReport is a pack's accuracy levels checked on one labelled set.
type LevelsReport struct {
	Set           *Labelled    `json:"set"`
	ImpostorPairs int64        `json:"impostor_pairs"`
	GenuinePairs  int64        `json:"genuine_pairs"`
	Levels        []LevelCheck `json:"levels"`
	// Top holds the highest-scoring impostor pairs, highest first: the
	// first place to look for label noise (one person filed under two
	// identities) before blaming the recogniser for a level that drifts.
	Top []ImpostorPair `json:"top_impostors"`
}

// LevelCheck is one accuracy level on a set: its threshold, the rate the
// table promises, and what the set's pairs show.
type LevelCheck struct {
	Level        int     `json:"level"`
	Threshold    float32 `json:"threshold"`
	Nominal      float64 `json:"nominal_fmr"`
	Extrapolated bool    `json:"extrapolated"` // on the calibration set
	FalseMatches int64   `json:"false_matches"`
	FMR          float64 `json:"fmr"`
	TAR          float64 `json:"tar"`
	// Expected is the false matches the nominal rate predicts here.
	Expected float64 `json:"expected"`
}

// MinExpected is the number of false matches a level must be expected to
// allow on a set for its measured rate to mean something: the bar
// `visage calibrate` sets for measuring a level rather than extrapolating
// it (docs/scores.md).
const MinExpected = 10

// DriftFactor is how far a measured FMR may stray from the nominal one,
// either way, and still count as the same level: a level is a factor of
// ten, so within ×3 it is still nearer its own rate than a neighbour's.
const DriftFactor = 3

// Ratio is the measured FMR over the nominal one.
func (c LevelCheck) Ratio() float64 { return c.FMR / c.Nominal }

// Enough reports whether the set has the pairs to measure the level.
func (c LevelCheck) Enough() bool { return c.Expected >= MinExpected }

// Within reports whether the measured FMR is within DriftFactor of the
// nominal one, either way. It says nothing when !Enough().
func (c LevelCheck) Within() bool {
	r := c.Ratio()
	return r <= DriftFactor && r >= 1.0/DriftFactor
}

// Verdict says in a few words how a level fares on the set: "within ×3",
// "×4.2 more false matches", "×5.0 fewer false matches", or "too few
// pairs" when fewer than MinExpected false matches are expected.
func (c LevelCheck) Verdict() string {
	switch r := c.Ratio(); {
	case !c.Enough():
		return fmt.Sprintf("too few pairs (%.1f expected)", c.Expected)
	case c.Within():
		return fmt.Sprintf("within ×%d", DriftFactor)
	case r > DriftFactor:
		return fmt.Sprintf("×%.1f more false matches", r)
	case r == 0:
		return "no false match"
	default:
		return fmt.Sprintf("×%.1f fewer false matches", 1/r)
	}
}

// ImpostorPair is a pair of images of two different people and its
// cosine.
type ImpostorPair struct {
	A      string  `json:"a"`
	B      string  `json:"b"`
	Cosine float32 `json:"cosine"`
}

// CheckLevels scores every pair of the set with match.Cosine, the function
// used at run time, and counts for each level of table the cross-identity
// pairs at or above its threshold (a match, as the server decides it) and
// the same-identity pairs too (the TAR). It keeps the top highest
// impostor pairs.
//
// It panics if the set has templates of different lengths.
func CheckLevels(table *match.Table, set *Labelled, top int) *LevelsReport {
	thresholds := make([]float32, len(table.Points))
	for i, p := range table.Points {
		thresholds[i] = p.Cosine
	}
	sc := scoreLevels(set, thresholds, top)
	r := &LevelsReport{Set: set, ImpostorPairs: sc.impostors, GenuinePairs: sc.genuine, Top: sc.top}
	// reach[l] counts the pairs that reach level l exactly (0: none), so
	// the pairs matching at level l are the sum over l and above.
	var imp, gen int64
	for l := len(thresholds); l >= 1; l-- {
		imp += sc.impReach[l]
		gen += sc.genReach[l]
		p := table.Points[l-1]
		c := LevelCheck{
			Level:        l,
			Threshold:    p.Cosine,
			Nominal:      p.FMR,
			Extrapolated: p.Extrapolated,
			FalseMatches: imp,
			FMR:          float64(imp) / float64(max(sc.impostors, 1)),
			TAR:          float64(gen) / float64(max(sc.genuine, 1)),
			Expected:     p.FMR * float64(sc.impostors),
		}
		r.Levels = append(r.Levels, c)
	}
	slices.Reverse(r.Levels)
	return r
}

// levelScores is what scoring a set's pairs against the thresholds
// produces: per worker, then merged.
type levelScores struct {
	impReach, genReach []int64 // by the highest level reached, 0 for none
	impostors, genuine int64
	top                []ImpostorPair // highest first, at most cap(top)
}

// levelRows is the number of rows a worker scores against every later
// row in one sweep: 64 templates of up to 2 KiB stay in a core's cache
// while the rest of the set streams past them once, instead of once per
// row.
const levelRows = 64

// scoreLevels scores every unordered pair i < j once. Worker w takes the
// blocks of levelRows rows w, w+workers, …: early blocks have more pairs,
// and interleaving evens that out without a scheduler. All of LFW's 87
// million pairs of 704-number templates take about 15 s on two busy
// cores, a fraction of embedding the images, so no progress is reported.
func scoreLevels(set *Labelled, thresholds []float32, top int) levelScores {
	n := len(set.Vectors)
	blocks := (n + levelRows - 1) / levelRows
	workers := max(1, min(runtime.GOMAXPROCS(0), blocks))
	results := make([]levelScores, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := levelScores{impReach: make([]int64, len(thresholds)+1), genReach: make([]int64, len(thresholds)+1), top: make([]ImpostorPair, 0, top)}
			for b := w; b < blocks; b += workers {
				r.scoreBlock(set, thresholds, b*levelRows, min((b+1)*levelRows, n))
			}
			results[w] = r
		})
	}
	wg.Wait()
	all := results[0]
	for _, r := range results[1:] {
		for l := range all.impReach {
			all.impReach[l] += r.impReach[l]
			all.genReach[l] += r.genReach[l]
		}
		all.impostors += r.impostors
		all.genuine += r.genuine
		for _, p := range r.top {
			all.keep(p)
		}
	}
	return all
}

// scoreBlock scores the pairs (i, j), i0 <= i < i1, i < j.
func (r *levelScores) scoreBlock(set *Labelled, thresholds []float32, i0, i1 int) {
	for j := i0 + 1; j < len(set.Vectors); j++ {
		b, idB := set.Vectors[j], set.Identity[j]
		for i := i0; i < min(i1, j); i++ {
			c := match.Cosine(set.Vectors[i], b)
			// The same comparison as a match decision: cosine >= threshold.
			l := 0
			for l < len(thresholds) && c >= thresholds[l] {
				l++
			}
			if set.Identity[i] == idB {
				r.genReach[l]++
				r.genuine++
				continue
			}
			r.impReach[l]++
			r.impostors++
			if len(r.top) < cap(r.top) || len(r.top) > 0 && c > r.top[len(r.top)-1].Cosine {
				r.keep(ImpostorPair{set.Names[i], set.Names[j], c})
			}
		}
	}
}

// keep inserts p into the top list, in order, dropping the lowest when it
// is full.
func (r *levelScores) keep(p ImpostorPair) {
	if cap(r.top) == 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(r.top, p.Cosine, func(q ImpostorPair, c float32) int {
		if q.Cosine >= c {
			return -1
		}
		return 1
	})
	if len(r.top) == cap(r.top) {
		if i == len(r.top) {
			return
		}
		r.top = r.top[:len(r.top)-1]
	}
	r.top = slices.Insert(r.top, i, p)
}
