package index

import (
	"sync"

	"github.com/visagehq/visage"
)

// app is the index of one app's faces.
//
// Each model's templates sit in one slab, a dense row-major []float32, so a
// search is one linear pass over contiguous memory with no pointer chasing.
// A row names its face by a small slot number rather than by ID, which keeps
// the per-row bookkeeping to four bytes and out of the garbage collector's
// sight. Deleting a row moves the slab's last row into the hole, so slabs
// stay dense and a delete costs one row copy whatever the gallery's size.
type app struct {
	mu     sync.RWMutex     // searches read, Put and Delete write
	byID   map[string]int32 // face ID → slot
	faces  []face           // slot → face; free slots have ID ""
	free   []int32          // free slots, reused before faces grows
	models map[string]*slab // model → its templates; never an empty slab
}

// face is one face's entry: where its templates are.
type face struct {
	id   string
	rows []loc // one per template, in the order Put was given them
}

// loc is a template's place: the row of a slab.
type loc struct {
	s   *slab
	row int32
}

// slab holds the templates of one model: row r is
// vecs[r*dim : (r+1)*dim], its 8-bit copy codes[r*dim : (r+1)*dim] with
// quant[r] (quant.go), and belongs to the face in slot owner[r].
type slab struct {
	model string
	dim   int
	vecs  []float32
	codes []int8
	quant []rowQuant
	owner []int32
	faces int // faces with at least one row here
}

func newApp() *app {
	return &app{byID: make(map[string]int32), models: make(map[string]*slab)}
}

// put adds or replaces a face's templates; Put has checked them.
func (a *app) put(faceID string, templates []visage.Template) {
	slot, ok := a.byID[faceID]
	switch {
	case ok:
		a.dropRows(slot)
	case len(a.free) > 0:
		slot = a.free[len(a.free)-1]
		a.free = a.free[:len(a.free)-1]
	default:
		slot = int32(len(a.faces))
		a.faces = append(a.faces, face{})
	}
	a.byID[faceID] = slot
	f := &a.faces[slot]
	f.id = faceID
	for _, t := range templates {
		s := a.models[t.Model]
		if s == nil {
			s = &slab{model: t.Model, dim: len(t.Vector)}
			a.models[t.Model] = s
		}
		if !inSlab(f.rows, s) {
			s.faces++
		}
		f.rows = append(f.rows, loc{s, int32(len(s.owner))})
		s.vecs = append(s.vecs, t.Vector...)
		s.codes = append(s.codes, make([]int8, s.dim)...)
		s.quant = append(s.quant, quantize(t.Vector, s.codes[len(s.codes)-s.dim:]))
		s.owner = append(s.owner, slot)
	}
}

// remove deletes a face and frees its slot.
func (a *app) remove(faceID string) {
	slot, ok := a.byID[faceID]
	if !ok {
		return
	}
	a.dropRows(slot)
	delete(a.byID, faceID)
	a.faces[slot] = face{}
	a.free = append(a.free, slot)
}

// dropRows deletes every template of the face in slot, keeping the slot.
//
// Each row is cut from the face's list before its slab's last row moves
// into its place: that last row may be another row of the same face, whose
// entry must then be the only one naming it.
func (a *app) dropRows(slot int32) {
	f := &a.faces[slot]
	for i, l := range f.rows {
		if !inSlab(f.rows[:i], l.s) {
			l.s.faces--
		}
	}
	for len(f.rows) > 0 {
		l := f.rows[len(f.rows)-1]
		f.rows = f.rows[:len(f.rows)-1]
		a.dropRow(l.s, l.row)
	}
}

// dropRow deletes one row of s by moving the slab's last row into it. It
// deletes the slab when it is left empty and halves its memory when it is
// three-quarters empty, so an app that purges most of its faces gives the
// memory back; halving only then keeps a delete's cost constant on average.
func (a *app) dropRow(s *slab, row int32) {
	last := int32(len(s.owner) - 1)
	if row != last {
		d := s.dim
		copy(s.vecs[int(row)*d:int(row+1)*d], s.vecs[int(last)*d:])
		copy(s.codes[int(row)*d:int(row+1)*d], s.codes[int(last)*d:])
		s.quant[row] = s.quant[last]
		moved := s.owner[last]
		s.owner[row] = moved
		rows := a.faces[moved].rows
		for i := range rows {
			if rows[i].s == s && rows[i].row == last {
				rows[i].row = row
				break
			}
		}
	}
	s.owner = s.owner[:last]
	s.vecs = s.vecs[:int(last)*s.dim]
	s.codes = s.codes[:int(last)*s.dim]
	s.quant = s.quant[:last]
	switch n := int(last); {
	case n == 0:
		delete(a.models, s.model)
	case cap(s.owner) >= minShrinkRows && n < cap(s.owner)/4:
		s.owner = append(make([]int32, 0, 2*n), s.owner...)
		s.vecs = append(make([]float32, 0, 2*n*s.dim), s.vecs...)
		s.codes = append(make([]int8, 0, 2*n*s.dim), s.codes...)
		s.quant = append(make([]rowQuant, 0, 2*n), s.quant...)
	}
}

// minShrinkRows is the smallest slab capacity worth shrinking: below it the
// spare memory is a few megabytes at most.
const minShrinkRows = 1024

// inSlab reports whether any of rows is in s.
func inSlab(rows []loc, s *slab) bool {
	for _, l := range rows {
		if l.s == s {
			return true
		}
	}
	return false
}
