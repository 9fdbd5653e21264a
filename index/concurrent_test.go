package index

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestConcurrent runs puts, deletes, app deletions, searches and the
// counters at once (run it with -race) and checks what must hold at every
// moment: a face that was put and never deleted is found first by its own
// template with a score of about 1; a writer sees its own writes; results
// are ordered, without duplicates, and from the searched app only; and at
// the end, the vault holds the records of the indexed rows, no others.
//
// The stable faces are enough rows for searches to be split, and the
// gallery's templates are random 32-number vectors, whose cosines with each
// other stay far below 0.99.
func TestConcurrent(t *testing.T) {
	eachKind(t, func(t *testing.T, newGallery func() *Gallery) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
		const (
			dim     = 32
			stable  = 2*minChunkRows + 100
			writers = 3
			readers = 3
			rounds  = 150
		)
		rng := rand.New(rand.NewPCG(9, 10))
		g := newGallery()
		vecs := make([][]float32, stable)
		for i := range vecs {
			vecs[i] = randomUnit(rng, dim)
			mustPut(t, g, "A", fmt.Sprintf("stable-%05d", i), tpls("m", vecs[i]))
		}

		var wg sync.WaitGroup
		errs := make(chan error, writers+readers+2)
		for w := range writers {
			rng := rand.New(rand.NewPCG(11, uint64(w)))
			wg.Go(func() {
				for i := range rounds {
					id := fmt.Sprintf("w%d-%d", w, rng.IntN(20))
					v := randomUnit(rng, dim)
					if err := g.Put("A", id, tpls("m", randomUnit(rng, dim), v)); err != nil {
						errs <- err
						return
					}
					if hits := search(g, "A", "m", v, 1, 0.99); len(hits) != 1 || hits[0].FaceID != id {
						errs <- fmt.Errorf("writer %d, round %d: own put of %s not found: %v", w, i, id, hits)
						return
					}
					if rng.IntN(2) == 0 {
						g.Delete("A", id)
						if hits := search(g, "A", "m", v, 1, 0.99); len(hits) != 0 {
							errs <- fmt.Errorf("writer %d, round %d: deleted %s still found: %v", w, i, id, hits)
							return
						}
					}
				}
			})
		}
		for r := range readers {
			rng := rand.New(rand.NewPCG(12, uint64(r)))
			wg.Go(func() {
				for i := range rounds {
					j := rng.IntN(stable)
					hits := search(g, "A", "m", vecs[j], 3, -1)
					if err := checkHits(hits, 3, "B-"); err != nil {
						errs <- fmt.Errorf("reader %d, round %d: %v", r, i, err)
						return
					}
					if want := fmt.Sprintf("stable-%05d", j); hits[0].FaceID != want || hits[0].Score < 0.9999 {
						errs <- fmt.Errorf("reader %d, round %d: best hit %v, want %s at 1", r, i, hits[0], want)
						return
					}
					if err := checkHits(search(g, "B", "m", vecs[j], 3, -1), 0, "stable-"); err != nil {
						errs <- fmt.Errorf("reader %d, round %d, app B: %v", r, i, err)
						return
					}
				}
			})
		}
		wg.Go(func() { // app B comes and goes, deleted under its Puts' feet
			rng := rand.New(rand.NewPCG(13, 14))
			for i := range rounds {
				if err := g.Put("B", fmt.Sprintf("B-%d", i%7), tpls("m", randomUnit(rng, dim))); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for range rounds / 10 {
				g.DeleteApp("B")
				runtime.Gosched()
			}
		})
		wg.Go(func() { // metrics
			for range rounds {
				for name, n := range map[string]int{"Sizes()[A]": g.Sizes()["A"], "Len(A)": g.Len("A"), "Models(A)[m]": g.Models("A")["m"]} {
					if n < stable || n > stable+writers*20 {
						errs <- fmt.Errorf("%s = %d, want %d to %d", name, n, stable, stable+writers*20)
						return
					}
				}
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		checkVault(t, g) // no Put into a deleted app left a record behind
	})
}

// checkHits checks a result's shape: at least atLeast hits, ordered by score
// then ID, each face once, none with the foreign prefix.
func checkHits(hits []Hit, atLeast int, foreign string) error {
	if len(hits) < atLeast {
		return fmt.Errorf("%d hits, want at least %d", len(hits), atLeast)
	}
	seen := map[string]bool{}
	for i, h := range hits {
		if seen[h.FaceID] || strings.HasPrefix(h.FaceID, foreign) {
			return fmt.Errorf("hit %d of %v: duplicate or foreign", i, hits)
		}
		seen[h.FaceID] = true
	}
	if !slices.IsSortedFunc(hits, rank) {
		return fmt.Errorf("unordered: %v", hits)
	}
	return nil
}
