package index

import (
	"fmt"
	"sync"

	"github.com/visagehq/visage"
)

// app is the index of one app's faces.
//
// Each model's rows sit in one slab (slab.go), so a search is a linear
// pass over large runs of contiguous memory with no pointer chasing. A row names its face
// by a small slot number rather than by ID, which keeps the per-row
// bookkeeping to four bytes and out of the garbage collector's sight.
// Deleting a row moves the slab's last row into the hole, so slabs stay
// dense and a delete costs one row copy whatever the gallery's size.
//
// Locking: the Gallery's lock guards its map of apps only; each app's lock
// guards everything of the app. Searches of an app hold its read lock for
// their whole scan, so they run in parallel with each other, and Put,
// Delete and DeleteApp take the write lock, so a write waits only for the
// searches of its own app. The vault has its own lock, held only to hand
// out record space, never across I/O. Put writes its records before it
// locks the app; erasing a dropped template's record (a write of zeros, a
// few microseconds) happens under the write lock, so that no search reads
// a record being erased. An app's lock is all a search needs to read its
// records: no other app's rows name them.
type app struct {
	mu     sync.RWMutex     // searches read, Put and Delete write
	vault  *vault           // the Gallery's, where the templates are
	byID   map[string]int32 // face ID → slot
	faces  []face           // slot → face; free slots have ID ""
	free   []int32          // free slots, reused before faces grows
	models map[string]*slab // model → its rows; never an empty slab
	gone   bool             // erased by DeleteApp: a Put holding it must look again
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

func newApp(v *vault) *app {
	return &app{vault: v, byID: make(map[string]int32), models: make(map[string]*slab)}
}

// put adds or replaces the face unless the app is gone, in which case the
// caller must look it up again: DeleteApp took it out of the gallery
// between the lookup and the lock.
func (a *app) put(faceID string, templates []visage.Template, refs []recordID) (done bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gone {
		return false, nil
	}
	for _, t := range templates {
		if s := a.models[t.Model]; s != nil && s.dim != len(t.Vector) {
			return true, fmt.Errorf("index: face %s: a template of model %q has %d numbers, the app's others have %d", faceID, t.Model, len(t.Vector), s.dim)
		}
	}
	a.add(faceID, templates, refs)
	return true, nil
}

// add adds or replaces a face's templates, sealed at refs; Put has checked
// them.
func (a *app) add(faceID string, templates []visage.Template, refs []recordID) {
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
	for i, t := range templates {
		s := a.models[t.Model]
		if s == nil {
			s = &slab{model: t.Model, dim: len(t.Vector)}
			a.models[t.Model] = s
		}
		if !inSlab(f.rows, s) {
			s.faces++
		}
		f.rows = append(f.rows, loc{s, s.add(t.Vector, refs[i], slot)})
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

// dropRow erases the template of one row of s from the vault and deletes
// the row by moving the slab's last row into it, deleting the slab when it
// is left empty. The caller holds the write lock, so no search is reading
// the record it erases.
func (a *app) dropRow(s *slab, row int32) {
	b, i := s.at(row)
	a.vault.erase(b.refs[i], s.dim)
	if last := int32(s.len() - 1); row != last {
		s.move(row, last)
		moved := b.owner[i]
		rows := a.faces[moved].rows
		for j := range rows {
			if rows[j].s == s && rows[j].row == last {
				rows[j].row = row
				break
			}
		}
	}
	s.pop()
	if s.len() == 0 {
		delete(a.models, s.model)
	}
}

// erase deletes every face of the app, once the searches already running
// on it have finished, and marks it gone.
func (a *app) erase() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.models {
		for _, b := range s.blocks {
			for _, r := range b.refs {
				a.vault.erase(r, s.dim)
			}
		}
	}
	a.byID, a.faces, a.free, a.models = nil, nil, nil, nil
	a.gone = true
}

// inSlab reports whether any of rows is in s.
func inSlab(rows []loc, s *slab) bool {
	for _, l := range rows {
		if l.s == s {
			return true
		}
	}
	return false
}
