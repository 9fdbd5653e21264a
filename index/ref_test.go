package index

import (
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
// and counted right, free slots are empty.
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
				if a.models[ts[i].Model] != s || s.owner[l.row] != slot {
					t.Fatalf("app %s: face %s template %d: wrong slab or owner", appID, id, i)
				}
				if !slices.Equal(s.vecs[int(l.row)*s.dim:int(l.row+1)*s.dim], ts[i].Vector) {
					t.Fatalf("app %s: face %s template %d: row %d holds another vector", appID, id, i, l.row)
				}
				code := make([]int8, s.dim)
				if q := quantize(ts[i].Vector, code); s.quant[l.row] != q || !slices.Equal(s.codes[int(l.row)*s.dim:int(l.row+1)*s.dim], code) {
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
			if len(s.owner) == 0 || len(s.owner) != rows[s] || len(s.vecs) != len(s.owner)*s.dim || len(s.codes) != len(s.vecs) || len(s.quant) != len(s.owner) || s.model != m {
				t.Fatalf("app %s: slab %s has %d rows and %d numbers, want %d rows of %d", appID, m, len(s.owner), len(s.vecs), rows[s], s.dim)
			}
		}
	}
}
