package postgres

import (
	"fmt"
	"sync"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/store"
)

// A batch copied between two enrollments is read back as CreateFace
// would have stored it: templates and payloads sealed, numbered after
// each app's last in the order given, and logged one change per face,
// gapless between the enrollments' changes.
func TestCopyFaces(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	storetest.CreateApp(t, s, "app1")
	storetest.CreateApp(t, s, "app2")
	storetest.CreateFace(t, s, "app1", "f0", "")

	batch := []*visage.Face{
		storetest.NewFace("app1", "b1", "alice"),
		storetest.NewFace("app2", "b2", ""),
		storetest.NewFace("app1", "b3", ""),
		storetest.NewFace("app2", "f0", ""), // the same face ID in another app
		storetest.NewFace("app1", "b5", ""),
	}
	batch[4].Number = 100 // a number given is kept, as CreateFace keeps it
	if err := s.CopyFaces(ctx, batch); err != nil {
		t.Fatal(err)
	}
	last := storetest.CreateFace(t, s, "app1", "f9", "")

	wantNumbers := []int64{2, 1, 3, 2, 100}
	for i, f := range batch {
		if f.Number != wantNumbers[i] || f.CreatedAt.IsZero() || !f.UpdatedAt.Equal(f.CreatedAt) {
			t.Errorf("%s/%s after the copy: number %d, created %v, updated %v; want number %d and both times set alike",
				f.AppID, f.ID, f.Number, f.CreatedAt, f.UpdatedAt, wantNumbers[i])
		}
		got, err := s.Face(ctx, f.AppID, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != f.Number || got.ExternalID != f.ExternalID || string(got.Payload) != string(f.Payload) ||
			!storetest.TemplatesEqual(got.Templates, f.Templates) || !got.CreatedAt.Equal(f.CreatedAt) || got.Age != f.Age {
			t.Errorf("%s/%s read back as %+v", f.AppID, f.ID, got)
		}
	}
	if got, err := s.FaceByExternalID(ctx, "app1", "alice"); err != nil || got.ID != "b1" {
		t.Errorf("by external ID: %v, %v", got, err)
	}
	// The counter moved past the numbers given out, not past the one kept.
	if last.Number != 4 {
		t.Errorf("the enrollment after the copy got number %d, want 4", last.Number)
	}
	if n, err := s.FacesNumbered(ctx, "app2"); err != nil || n != 2 {
		t.Errorf("app2's last number %d, %v; want 2", n, err)
	}

	want := []store.Change{{Seq: 1, AppID: "app1", FaceID: "f0"}}
	for i, f := range batch {
		want = append(want, store.Change{Seq: int64(i + 2), AppID: f.AppID, FaceID: f.ID})
	}
	want = append(want, store.Change{Seq: 7, AppID: "app1", FaceID: "f9"})
	wantChanges(t, s, 0, want...)
}

// A batch that cannot be stored whole stores nothing: no face, no number
// given, no change logged.
func TestCopyFacesAllOrNothing(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	storetest.CreateApp(t, s, "app1")
	storetest.CreateFace(t, s, "app1", "f0", "taken")
	for _, c := range []struct {
		name string
		bad  *visage.Face
		code visage.Code
	}{
		{"external ID taken in the store", storetest.NewFace("app1", "x", "taken"), visage.CodeConflict},
		{"face ID taken in the store", storetest.NewFace("app1", "f0", ""), visage.CodeConflict},
		{"face ID twice in the batch", storetest.NewFace("app1", "a", ""), visage.CodeConflict},
		{"number taken", &visage.Face{AppID: "app1", ID: "n", Number: 1, Templates: storetest.NewFace("", "", "").Templates}, visage.CodeConflict},
		{"no such app", storetest.NewFace("nope", "y", ""), visage.CodeNotFound},
	} {
		batch := []*visage.Face{storetest.NewFace("app1", "a", ""), storetest.NewFace("app1", "b", ""), c.bad}
		storetest.WantCode(t, s.CopyFaces(ctx, batch), c.code)
		if batch[0].Number != 0 {
			t.Errorf("%s: a face of the refused batch was given number %d", c.name, batch[0].Number)
		}
		if n, _ := s.CountFaces(ctx, "app1"); n != 1 {
			t.Errorf("%s: %d faces after the refused batch, want 1", c.name, n)
		}
		if n, _ := s.FacesNumbered(ctx, "app1"); n != 1 {
			t.Errorf("%s: last number %d after the refused batch, want 1", c.name, n)
		}
		wantChanges(t, s, 0, store.Change{Seq: 1, AppID: "app1", FaceID: "f0"})
	}
}

// Batches and single enrollments made at once, through two pools, log
// every face once, with sequences 1..N.
func TestCopyFacesBesideEnrollments(t *testing.T) {
	t.Parallel()
	a, url := openTest(t)
	b := openURL(t, url)
	storetest.CreateApp(t, a, "app1")
	storetest.CreateApp(t, a, "app2")
	const batches, size, singles = 4, 50, 20
	var wg sync.WaitGroup
	for i := range batches {
		wg.Go(func() {
			var batch []*visage.Face
			for j := range size {
				// Each batch spans both apps, in an order of its own.
				batch = append(batch, storetest.NewFace([]string{"app1", "app2"}[(i+j)%2], fmt.Sprintf("b%d-%d", i, j), ""))
			}
			if err := []*Store{a, b}[i%2].CopyFaces(ctx, batch); err != nil {
				t.Error(err)
			}
		})
	}
	for i := range singles {
		wg.Go(func() {
			if err := []*Store{b, a}[i%2].CreateFace(ctx, storetest.NewFace("app1", fmt.Sprintf("s%d", i), "")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	cs, _, err := a.Changes(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, c := range cs {
		if c.Seq != int64(i+1) || seen[c.AppID+"/"+c.FaceID] {
			t.Fatalf("change %d: sequence %d, %s/%s (seen before: %v)", i+1, c.Seq, c.AppID, c.FaceID, seen[c.AppID+"/"+c.FaceID])
		}
		seen[c.AppID+"/"+c.FaceID] = true
	}
	if len(cs) != batches*size+singles {
		t.Fatalf("%d changes, want %d", len(cs), batches*size+singles)
	}
}
