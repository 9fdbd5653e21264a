package index

import (
	"cmp"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/match"
)

// randomUnit returns a random L2-normalised vector of length d.
func randomUnit(rng *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	var ss float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		ss += x * x
	}
	n := math.Sqrt(ss)
	for i := range v {
		v[i] = float32(float64(v[i]) / n)
	}
	return v
}

// ref is what a Gallery should hold, app → face → templates, searched by
// brute force.
type ref map[string]map[string][]visage.Template

func (r ref) put(appID, faceID string, ts []visage.Template) {
	if len(ts) == 0 {
		r.delete(appID, faceID)
		return
	}
	if r[appID] == nil {
		r[appID] = map[string][]visage.Template{}
	}
	r[appID][faceID] = ts
}

func (r ref) delete(appID, faceID string) {
	delete(r[appID], faceID)
}

// search scores every face by its best template of the probe's model and
// sorts by score, then ID: the definition Search must meet exactly. The
// scores are bit-identical because both sides call match.Cosine on the
// same numbers.
func (r ref) search(appID string, probe visage.Template, k int, minScore float32) []Hit {
	var hits []Hit
	for id, ts := range r[appID] {
		best, found := float32(0), false
		for _, t := range ts {
			if t.Model != probe.Model {
				continue
			}
			if c := match.Cosine(probe.Vector, t.Vector); !found || c > best {
				best, found = c, true
			}
		}
		if found && best >= minScore {
			hits = append(hits, Hit{id, best})
		}
	}
	slices.SortFunc(hits, rank)
	return hits[:min(max(k, 0), len(hits))]
}

// rank orders hits as Search must: by score, best first, then by face ID.
func rank(x, y Hit) int {
	if x.Score != y.Score {
		if x.Score > y.Score {
			return -1
		}
		return 1
	}
	return strings.Compare(x.FaceID, y.FaceID)
}

func (r ref) models(appID string) map[string]int {
	m := map[string]int{}
	for _, ts := range r[appID] {
		seen := map[string]bool{}
		for _, t := range ts {
			if !seen[t.Model] {
				seen[t.Model] = true
				m[t.Model]++
			}
		}
	}
	return m
}

// checkSearch compares one search of g with the reference.
func checkSearch(t *testing.T, g *Gallery, r ref, appID string, probe visage.Template, k int, minScore float32) {
	t.Helper()
	got, want := g.Search(appID, probe, k, minScore), r.search(appID, probe, k, minScore)
	if !slices.Equal(got, want) {
		t.Fatalf("Search(%s, model %s, k=%d, min=%v)\n got %v\nwant %v", appID, probe.Model, k, minScore, got, want)
	}
}

// checkInvariants checks g's internal bookkeeping against r: every face's
// rows hold its templates in order and name it as owner, slabs are dense
// and counted right, free slots are empty, and the vault holds exactly the
// rows' records (checkVault).
func checkInvariants(t *testing.T, g *Gallery, r ref) {
	t.Helper()
	for appID, faces := range r {
		if got := g.Len(appID); got != len(faces) {
			t.Fatalf("Len(%s) = %d, want %d", appID, got, len(faces))
		}
		if got, want := g.Models(appID), r.models(appID); !maps.Equal(got, want) {
			t.Fatalf("Models(%s) = %v, want %v", appID, got, want)
		}
	}
	for appID, a := range g.apps {
		rows := map[*slab]int{}
		for id, ts := range r[appID] {
			slot, ok := a.byID[id]
			if !ok {
				t.Fatalf("app %s: face %s missing", appID, id)
			}
			f := a.faces[slot]
			if f.id != id || len(f.rows) != len(ts) {
				t.Fatalf("app %s: slot %d holds %q with %d rows, want %q with %d", appID, slot, f.id, len(f.rows), id, len(ts))
			}
			for i, l := range f.rows {
				s := l.s
				if a.models[ts[i].Model] != s || int(l.row) >= s.len() {
					t.Fatalf("app %s: face %s template %d: wrong slab or row", appID, id, i)
				}
				b, j := s.at(l.row)
				if b.owner[j] != slot {
					t.Fatalf("app %s: face %s template %d: row %d has owner %d, want %d", appID, id, i, l.row, b.owner[j], slot)
				}
				if v := readBack(t, g, b.refs[j], s.dim); !slices.Equal(v, ts[i].Vector) {
					t.Fatalf("app %s: face %s template %d: row %d holds another vector", appID, id, i, l.row)
				}
				code := make([]int8, s.dim)
				if q := quantize(ts[i].Vector, code); b.quant[j] != q || !slices.Equal(b.codes[j*s.dim:(j+1)*s.dim], code) {
					t.Fatalf("app %s: face %s template %d: row %d holds another 8-bit copy", appID, id, i, l.row)
				}
				rows[s]++
			}
		}
		if len(a.byID) != len(r[appID]) || len(a.byID)+len(a.free) != len(a.faces) {
			t.Fatalf("app %s: %d faces, %d free slots, %d slots; want %d faces", appID, len(a.byID), len(a.free), len(a.faces), len(r[appID]))
		}
		for _, slot := range a.free {
			if f := a.faces[slot]; f.id != "" || len(f.rows) != 0 {
				t.Fatalf("app %s: free slot %d holds %q", appID, slot, f.id)
			}
		}
		for m, s := range a.models {
			if s.len() == 0 || s.len() != rows[s] || s.model != m {
				t.Fatalf("app %s: slab %s has %d rows, want %d", appID, m, s.len(), rows[s])
			}
			for k, b := range s.blocks {
				n := len(b.owner)
				if n == 0 || (k < len(s.blocks)-1 && n != blockRows) || len(b.codes) != n*s.dim || len(b.quant) != n || len(b.refs) != n {
					t.Fatalf("app %s: slab %s: block %d of %d has %d rows, %d codes, %d bounds, %d records", appID, m, k, len(s.blocks), n, len(b.codes), len(b.quant), len(b.refs))
				}
			}
		}
	}
	checkVault(t, g)
}

// readBack returns the template sealed at id.
func readBack(t *testing.T, g *Gallery, id recordID, dim int) []float32 {
	t.Helper()
	v := make([]float32, dim)
	if err := g.vault.open(id, make([]byte, g.vault.recordSize(dim)), v); err != nil {
		t.Fatalf("record at %d, seal %d: %v", id.off, id.seq, err)
	}
	return v
}

// checkVault checks that the vault's space is tiled by the records the
// rows name and the free ones, with none left over or named twice, and
// that every free record is zeros: nothing leaks, nothing deleted stays.
func checkVault(t *testing.T, g *Gallery) {
	t.Helper()
	type span struct {
		off  int64
		size int
		free bool
	}
	var spans []span
	for _, a := range g.apps {
		for _, s := range a.models {
			for _, b := range s.blocks {
				for _, id := range b.refs {
					spans = append(spans, span{id.off, g.vault.recordSize(s.dim), false})
				}
			}
		}
	}
	v := g.vault
	for size, offs := range v.free {
		for _, off := range offs {
			spans = append(spans, span{off, size, true})
		}
	}
	slices.SortFunc(spans, func(x, y span) int { return cmp.Compare(x.off, y.off) })
	var at int64
	for _, sp := range spans {
		if sp.off != at {
			t.Fatalf("vault: a record at %d, want one at %d", sp.off, at)
		}
		at += int64(sp.size)
		if sp.free {
			buf := make([]byte, sp.size)
			if _, err := v.f.ReadAt(buf, sp.off); err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(buf, func(b byte) bool { return b != 0 }) {
				t.Fatalf("vault: the free record at %d is not zeros", sp.off)
			}
		}
	}
	if at != v.end {
		t.Fatalf("vault: records up to %d, the vault ends at %d", at, v.end)
	}
}
