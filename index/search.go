package index

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/match"
)

// Hit is a face found by Search and its score, the cosine of the probe
// and the face's best template.
type Hit struct {
	FaceID string
	Score  float32
}

// minChunkRows is the fewest rows worth a goroutine of their own. The
// 8-bit scan takes about 20 ns a row, so 16,384 rows are a third of a
// millisecond, a few hundred times what starting and merging a goroutine
// costs. Measured on two cores: at 10,000 rows two chunks were no faster
// than one (0.20 against 0.19 ms), at 100,000 they were 1.8× faster.
// Smaller galleries stay on one goroutine, which also leaves the other
// cores to other requests.
const minChunkRows = 16384

// Search returns the app's best k faces for the probe, best first. A face
// scores the cosine of the probe and its best template (its enrollment
// images are several views of one person, and the closest view is the
// evidence); only templates of probe.Model count, and faces scoring below
// minScore are left out. Equal scores are ordered by face ID, so a search
// is reproducible. The probe must be L2-normalised, as the engine makes it.
//
// Search scores every template of the model, split over GOMAXPROCS
// goroutines when the app is large. Like match.Cosine, it panics on a probe
// whose length differs from the app's templates of the same model: that is
// two different recognisers under one name.
func (g *Gallery) Search(appID string, probe visage.Template, k int, minScore float32) []Hit {
	a := g.app(appID)
	if a == nil || k <= 0 {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	s := a.models[probe.Model]
	if s == nil {
		return nil
	}
	if len(probe.Vector) != s.dim {
		panic(fmt.Sprintf("index: probe of model %q has %d numbers, the app's templates have %d", probe.Model, len(probe.Vector), s.dim))
	}
	chunks := max(1, min(runtime.GOMAXPROCS(0), s.len()/minChunkRows))
	return a.search(s, probe.Vector, min(k, s.faces), minScore, chunks)
}

// search scans s in the given number of chunks, each on its own goroutine,
// and merges their lists. The merge is exact: a face in the overall top k
// is in the top k of the chunk that holds its best template, because every
// face ahead of it there is ahead of it overall. The caller holds a.mu.
//
// A template that cannot be read back from the vault (an I/O error on its
// file) panics, on the caller's goroutine: a search that skipped it would
// not be exact.
func (a *app) search(s *slab, probe []float32, k int, minScore float32, chunks int) []Hit {
	rows := s.len()
	qp := newQuantProbe(probe)
	parts := make([]topk, chunks)
	var wg sync.WaitGroup
	for c := range parts {
		parts[c] = topk{list: make([]entry, 0, k), floor: minScore, faces: a.faces}
		from, to := c*rows/chunks, (c+1)*rows/chunks
		if c == chunks-1 {
			parts[c].scan(s, a.vault, probe, &qp, from, to) // on this goroutine
		} else {
			wg.Go(func() { parts[c].scan(s, a.vault, probe, &qp, from, to) })
		}
	}
	wg.Wait()
	for _, p := range parts {
		if p.err != nil {
			panic(fmt.Sprintf("index: reading a template of model %q back: %v", s.model, p.err))
		}
	}
	best := &parts[0]
	for _, p := range parts[1:] {
		for _, e := range p.list {
			best.offer(e)
		}
	}
	if len(best.list) == 0 {
		return nil
	}
	hits := make([]Hit, len(best.list))
	for i, e := range best.list {
		hits[i] = Hit{FaceID: a.faces[e.slot].id, Score: e.score}
	}
	return hits
}

// scan offers rows [from, to) of s to t. Most rows cannot reach the
// current k-th best even by their 8-bit score's ceiling and cost only
// that; the rest are read back from the vault and scored exactly
// (quant.go).
func (t *topk) scan(s *slab, v *vault, probe []float32, qp *quantProbe, from, to int) {
	d, floor := s.dim, t.floor
	rec, exact := make([]byte, v.recordSize(d)), make([]float32, d)
	for r := from; r < to; {
		b, i := s.at(int32(r))
		end := min(len(b.owner), i+to-r)
		r += end - i
		codes, quant := b.codes, b.quant
		for ; i < end; i++ {
			if qp.ceiling(codes[i*d:(i+1)*d], quant[i]) < floor { // NaN: score it
				continue
			}
			if t.err = v.open(b.refs[i], rec, exact); t.err != nil {
				return
			}
			score := match.Cosine(probe, exact)
			if !(score >= floor) { // also skips NaN
				continue
			}
			t.offer(entry{score, b.owner[i]})
			if len(t.list) == cap(t.list) {
				floor = t.list[len(t.list)-1].score
			}
		}
	}
}
