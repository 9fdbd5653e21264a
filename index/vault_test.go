package index

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/visagehq/visage"
)

// Open leaves nothing in its directory, and its file is the user's only.
func TestOpenLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	g, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, g, "app", "a", tpls("m", east))
	if names, err := os.ReadDir(dir); err != nil || len(names) != 0 {
		t.Errorf("the directory holds %v (%v), want nothing", names, err)
	}
	fi, err := g.vault.f.(*os.File).Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
		t.Errorf("the template file has mode %v and %d bytes, want 0600 and some", fi.Mode().Perm(), fi.Size())
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenFails(t *testing.T) {
	if _, err := Open(t.TempDir() + "/missing"); err == nil {
		t.Error("Open of a missing directory succeeded")
	}
}

// No template is on disk in clear: no 16 bytes of one appear in the file.
func TestFileHoldsNoPlaintext(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	g := openGallery(t)
	var vecs [][]float32
	for i := range 50 {
		v := randomUnit(rng, 64)
		vecs = append(vecs, v)
		mustPut(t, g, "app", fmt.Sprint(i), tpls("m", v))
	}
	file := readAll(t, g)
	for i, v := range vecs {
		plain := asBytes(v)
		for at := 0; at+16 <= len(plain); at += 16 {
			if bytes.Contains(file, plain[at:at+16]) {
				t.Fatalf("template %d, bytes %d to %d, are in the file in clear", i, at, at+16)
			}
		}
	}
}

// Delete, a replacing Put and DeleteApp zero the records of the templates
// they drop, in the file as in memory; a record's space, reused, opens only
// under its new seal.
func TestDeletedTemplatesErased(t *testing.T) {
	eachKind(t, func(t *testing.T, newGallery func() *Gallery) {
		g := newGallery()
		mustPut(t, g, "A", "a", tpls("m", east, ne))
		mustPut(t, g, "A", "b", tpls("m", north))
		mustPut(t, g, "B", "c", tpls("m", west))
		erased := func(op string, ids []recordID) {
			t.Helper()
			for _, id := range ids {
				rec := make([]byte, g.vault.recordSize(2))
				if _, err := g.vault.f.ReadAt(rec, id.off); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(rec, make([]byte, len(rec))) {
					t.Errorf("after %s, the record at %d is not zeros", op, id.off)
				}
			}
		}
		ids := recordsOf(g, "A", "a")
		mustPut(t, g, "A", "a", tpls("m", north))
		erased("a replacing Put", ids)
		mustPut(t, g, "A", "d", tpls("m", east)) // reuses a freed record's space
		if reused := recordsOf(g, "A", "d")[0]; !slices.ContainsFunc(ids, func(id recordID) bool { return id.off == reused.off }) {
			t.Errorf("a new record at %d, not in freed space", reused.off)
		}
		for _, id := range ids {
			if err := g.vault.open(id, make([]byte, g.vault.recordSize(2)), make([]float32, 2)); err == nil {
				t.Errorf("the old record ID of %d opens", id.off)
			}
		}
		ids = recordsOf(g, "A", "b")
		g.Delete("A", "b")
		erased("Delete", ids)
		ids = slices.Concat(recordsOf(g, "A", "a"), recordsOf(g, "A", "d"), recordsOf(g, "B", "c"))
		g.DeleteApp("A")
		g.DeleteApp("B")
		erased("DeleteApp", ids)
		checkVault(t, g)
	})
}

func recordsOf(g *Gallery, appID, faceID string) []recordID {
	a := g.apps[appID]
	var ids []recordID
	for _, l := range a.faces[a.byID[faceID]].rows {
		b, i := l.s.at(l.row)
		ids = append(ids, b.refs[i])
	}
	return ids
}

// A Put the vault cannot write fails and leaves the gallery as it was,
// whichever of the face's templates could not be written.
func TestPutFailsWhenTheVaultDoes(t *testing.T) {
	fb := &failingBacking{room: -1}
	g, r := newGallery(newVault(fb)), ref{}
	good := tpls("m", east, north)
	mustPut(t, g, "app", "a", good)
	r.put("app", "a", good)
	for room := range 2 {
		for _, id := range []string{"a", "b"} {
			fb.room = room
			if err := g.Put("app", id, tpls("m", ne, west)); !errors.Is(err, errFull) {
				t.Errorf("Put(%s) with room for %d records: %v, want %v", id, room, err, errFull)
			}
			checkInvariants(t, g, r)
		}
	}
}

// A template that cannot be read back makes Search panic on the caller's
// goroutine, where the server can recover, whichever chunk found it.
func TestSearchPanicsOnUnreadableTemplate(t *testing.T) {
	fb := &failingBacking{room: -1}
	g := newGallery(newVault(fb))
	for i := range 30 {
		mustPut(t, g, "app", fmt.Sprint(i), tpls("m", east))
	}
	fb.failReads = true
	for chunks := 1; chunks <= 3; chunks++ {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%d chunks: Search did not panic", chunks)
				}
			}()
			searchChunks(g, "app", visage.Template{Model: "m", Vector: east}, 1, -1, chunks)
		}()
	}
}

var errFull = errors.New("disk full")

// failingBacking is memory that fails on demand: reads, or writes once
// room records have been written (room < 0: no limit). Like a full disk,
// it still takes zeros, which overwrite space already taken.
type failingBacking struct {
	memBacking
	failReads bool
	room      int
}

func (f *failingBacking) WriteAt(p []byte, off int64) (int, error) {
	if slices.ContainsFunc(p, func(b byte) bool { return b != 0 }) {
		if f.room == 0 {
			return 0, errFull
		}
		if f.room > 0 {
			f.room--
		}
	}
	return f.memBacking.WriteAt(p, off)
}

func (f *failingBacking) ReadAt(p []byte, off int64) (int, error) {
	if f.failReads {
		return 0, io.ErrUnexpectedEOF
	}
	return f.memBacking.ReadAt(p, off)
}

func readAll(t *testing.T, g *Gallery) []byte {
	t.Helper()
	b := make([]byte, g.vault.end)
	if _, err := g.vault.f.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}
