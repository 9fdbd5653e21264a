package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/store"
)

func TestFacesCRUD(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		f := newFace("app1", "face1", "alice")
		f.PINHash = []byte("pin-hash")
		f.Templates = append(f.Templates, visage.Template{Model: "other-model", Vector: []float32{1, 2, 3}})
		if err := s.CreateFace(ctx, f); err != nil {
			t.Fatal(err)
		}
		if f.CreatedAt.IsZero() || !f.UpdatedAt.Equal(f.CreatedAt) {
			t.Fatalf("times not set: %v %v", f.CreatedAt, f.UpdatedAt)
		}
		wantCode(t, s.CreateFace(ctx, newFace("app1", "face1", "")), visage.CodeConflict)
		wantCode(t, s.CreateFace(ctx, newFace("nope", "face9", "")), visage.CodeNotFound)

		check := func(got *visage.Face, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != f.ID || got.AppID != f.AppID || got.ExternalID != f.ExternalID || string(got.Payload) != string(f.Payload) ||
				!bytes.Equal(got.PINHash, f.PINHash) || !storetest.TemplatesEqual(got.Templates, f.Templates) || got.Age != f.Age ||
				got.Female != f.Female || !got.CreatedAt.Equal(f.CreatedAt) || !got.UpdatedAt.Equal(f.UpdatedAt) ||
				got.PINFailures != 0 || !got.PINLockedUntil.IsZero() || got.Number != f.Number {
				t.Fatalf("got %+v\nwant %+v", got, f)
			}
		}
		check(s.Face(ctx, "app1", "face1"))
		check(s.FaceByExternalID(ctx, "app1", "alice"))

		// A face without external ID, payload or PIN.
		bare := newFace("app1", "face2", "")
		bare.Payload = nil
		if err := s.CreateFace(ctx, bare); err != nil {
			t.Fatal(err)
		}
		got, err := s.Face(ctx, "app1", "face2")
		if err != nil || got.ExternalID != "" || got.Payload != nil || got.PINHash != nil {
			t.Fatalf("bare face: %+v, %v", got, err)
		}
		_, err = s.FaceByExternalID(ctx, "app1", "")
		wantCode(t, err, visage.CodeNotFound)

		if n, err := s.CountFaces(ctx, "app1"); err != nil || n != 2 {
			t.Fatalf("count %d, %v", n, err)
		}
		if ids, err := s.RecentFaces(ctx, "app1", 1); err != nil || len(ids) != 1 || ids[0] != "face2" {
			t.Fatalf("recent: %v, %v", ids, err)
		}
		if ids, _ := s.RecentFaces(ctx, "app1", 10); len(ids) != 2 || ids[1] != "face1" {
			t.Fatalf("recent: %v", ids)
		}

		if err := s.SetPayload(ctx, "app1", "face1", json.RawMessage(`{"v":2}`)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Face(ctx, "app1", "face1"); string(got.Payload) != `{"v":2}` || !got.UpdatedAt.After(f.UpdatedAt) {
			t.Fatalf("after SetPayload: %s, updated %v", got.Payload, got.UpdatedAt)
		}
		if err := s.SetPayload(ctx, "app1", "face1", nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Face(ctx, "app1", "face1"); got.Payload != nil {
			t.Fatalf("payload not removed: %s", got.Payload)
		}
		if err := s.SetPIN(ctx, "app1", "face2", []byte("new-pin")); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Face(ctx, "app1", "face2"); string(got.PINHash) != "new-pin" {
			t.Fatalf("PIN hash %q", got.PINHash)
		}
		if err := s.SetPIN(ctx, "app1", "face2", nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Face(ctx, "app1", "face2"); got.PINHash != nil {
			t.Fatalf("PIN not removed: %q", got.PINHash)
		}

		if err := s.DeleteFace(ctx, "app1", "face1"); err != nil {
			t.Fatal(err)
		}
		_, err = s.Face(ctx, "app1", "face1")
		wantCode(t, err, visage.CodeNotFound)
		_, err = s.FaceByExternalID(ctx, "app1", "alice")
		wantCode(t, err, visage.CodeNotFound)
		wantCode(t, s.DeleteFace(ctx, "app1", "face1"), visage.CodeNotFound)
		if n, _ := s.CountFaces(ctx, "app1"); n != 1 {
			t.Fatalf("count after delete %d", n)
		}
		// The external ID is free again.
		createFace(t, s, "app1", "face3", "alice")
	})
}

// Faces are numbered from 1 in each app in enrollment order; a number is
// not given twice, not even after its face is deleted, and a refused
// enrollment takes none. A face created with a number keeps it.
// ReplaceTemplates gives a face new templates, age and gender, and keeps
// everything else of it.
func TestReplaceTemplates(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := enrollApp(t, s, "A")
		next := newFace("A", f.ID, "")
		if err := s.ReplaceTemplates(ctx, "A", f.ID, next.Templates, 52, 0.75); err != nil {
			t.Fatal(err)
		}
		got, err := s.Face(ctx, "A", f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !storetest.TemplatesEqual(got.Templates, next.Templates) || got.Age != 52 || got.Female != 0.75 {
			t.Fatalf("templates, age, gender not replaced: %+v", got)
		}
		if got.ExternalID != f.ExternalID || got.Number != f.Number || string(got.Payload) != string(f.Payload) ||
			string(got.PINHash) != string(f.PINHash) || !got.CreatedAt.Equal(f.CreatedAt) || !got.UpdatedAt.After(f.UpdatedAt) {
			t.Fatalf("replacing the templates changed the rest of the face:\n%+v\nwas\n%+v", got, f)
		}
		wantCode(t, s.ReplaceTemplates(ctx, "A", "no-such-face", next.Templates, 1, 1), visage.CodeNotFound)
	})
}

func TestFaceNumbers(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		createApp(t, s, "app2")
		number := func(app, id, external string, want int64) {
			t.Helper()
			if f := createFace(t, s, app, id, external); f.Number != want {
				t.Fatalf("face %s of %s: number %d, want %d", id, app, f.Number, want)
			}
			if f, err := s.Face(ctx, app, id); err != nil || f.Number != want {
				t.Fatalf("face %s of %s read back: %v, %v; want number %d", id, app, f, err, want)
			}
		}
		number("app1", "a", "taken", 1)
		number("app1", "b", "", 2)
		number("app2", "c", "", 1)
		wantCode(t, s.CreateFace(ctx, newFace("app1", "refused", "taken")), visage.CodeConflict)
		if err := s.DeleteFace(ctx, "app1", "b"); err != nil {
			t.Fatal(err)
		}
		number("app1", "d", "", 3)
		kept := newFace("app1", "replacement", "")
		kept.Number = 2
		if err := s.CreateFace(ctx, kept); err != nil || kept.Number != 2 {
			t.Fatalf("a face created with number 2: number %d, %v", kept.Number, err)
		}
		number("app1", "e", "", 4)
	})
}

func TestFacesPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		createApp(t, s, "app2")
		var want []string
		for i := range 25 {
			id := fmt.Sprintf("face-%02d", (i*7)%25) // created out of ID order
			createFace(t, s, "app1", id, "")
			createFace(t, s, "app2", "b"+id, "")
		}
		for i := range 25 {
			want = append(want, fmt.Sprintf("face-%02d", i))
		}
		var got []string
		for _, f := range allFaces(t, s, "app1", 10) {
			if f.Templates != nil {
				t.Fatal("a listed face has templates")
			}
			if f.AppID != "app1" || f.Payload == nil {
				t.Fatalf("listed face %+v", f)
			}
			got = append(got, f.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages gave %v, want %v", got, want)
		}
		_, err := s.Faces(ctx, "app1", "", 0)
		wantCode(t, err, visage.CodeInvalidRequest)
	})
}

// allFaces pages through the app's faces, size at a time, and returns
// them in the order the pages gave them.
func allFaces(t *testing.T, s store.Store, app string, size int) []visage.Face {
	t.Helper()
	var all []visage.Face
	for after := ""; ; {
		page, err := s.Faces(ctx, app, after, size)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
}

// IDs sort byte by byte on every backend, whatever the database's
// collation: upper case before lower case, "-" before digits.
func TestFacesPagingByteOrder(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		want := []string{"-z", "0a", "B", "_", "a", "b-", "b0", "é"}
		for i := len(want) - 1; i >= 0; i-- {
			createFace(t, s, "app1", want[i], "")
		}
		var got []string
		for _, f := range allFaces(t, s, "app1", 3) {
			got = append(got, f.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages gave %q, want %q", got, want)
		}
	})
}

func TestExternalIDUniquePerApp(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		createApp(t, s, "app2")
		createFace(t, s, "app1", "f1", "bob")
		wantCode(t, s.CreateFace(ctx, newFace("app1", "f2", "bob")), visage.CodeConflict)
		createFace(t, s, "app2", "f3", "bob") // the same name in another app
		// Faces without an external ID never collide.
		createFace(t, s, "app1", "f4", "")
		createFace(t, s, "app1", "f5", "")
		for app, id := range map[string]string{"app1": "f1", "app2": "f3"} {
			if f, err := s.FaceByExternalID(ctx, app, "bob"); err != nil || f.ID != id {
				t.Fatalf("%s: %+v, %v", app, f, err)
			}
		}
	})
}

// Every face method called with another app's ID fails exactly as for a
// face that does not exist, changes nothing, and lists nothing.
func TestFaceAppScoping(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		fa := enrollApp(t, s, "A")
		createApp(t, s, "B")

		notFound := map[string]func(app, face string) error{
			"Face": func(app, face string) error { _, err := s.Face(ctx, app, face); return err },
			"FaceByExternalID": func(app, _ string) error {
				_, err := s.FaceByExternalID(ctx, app, fa.ExternalID)
				return err
			},
			"DeleteFace": func(app, face string) error { return s.DeleteFace(ctx, app, face) },
			"SetPayload": func(app, face string) error { return s.SetPayload(ctx, app, face, json.RawMessage(`"stolen"`)) },
			"SetPIN":     func(app, face string) error { return s.SetPIN(ctx, app, face, []byte("stolen")) },
			"PINAttempt": func(app, face string) error {
				_, _, _, err := s.PINAttempt(ctx, app, face, 1, 3600e9, fa.CreatedAt)
				return err
			},
			"PINSucceeded": func(app, face string) error { return s.PINSucceeded(ctx, app, face) },
			"ReplaceTemplates": func(app, face string) error {
				return s.ReplaceTemplates(ctx, app, face, newFace(app, face, "").Templates, 1, 1)
			},
			"RevokeKey": func(app, _ string) error { return s.RevokeKey(ctx, app, "A-key") },
		}
		for name, call := range notFound {
			err := call("B", fa.ID)
			wantCode(t, err, visage.CodeNotFound)
			if name == "FaceByExternalID" || name == "RevokeKey" {
				continue // they take no face ID
			}
			// Not even the wording tells "another app's" from "no such".
			missing := strings.ReplaceAll(call("B", "no-such-face").Error(), "no-such-face", fa.ID)
			if err.Error() != missing {
				t.Errorf("%s: %q differs from the error of a missing face %q", name, err, missing)
			}
		}
		wantHoldings(t, s, "B", 0)
		wantHoldings(t, s, "A", 1) // the test must see what B must not

		// A's face is untouched: same payload, PIN, no failures, still there.
		got, err := s.Face(ctx, "A", fa.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Payload) != string(fa.Payload) || !bytes.Equal(got.PINHash, fa.PINHash) || got.PINFailures != 0 ||
			!got.PINLockedUntil.IsZero() || !got.UpdatedAt.Equal(fa.UpdatedAt) {
			t.Fatalf("B changed A's face: %+v", got)
		}
		if keys, _ := s.Keys(ctx, "A"); keys[0].RevokedAt != nil {
			t.Fatal("B revoked A's key")
		}
		// And each method does work for A, so the checks above are not vacuous.
		for _, name := range []string{"Face", "FaceByExternalID", "SetPayload", "SetPIN", "PINAttempt", "PINSucceeded", "RevokeKey", "DeleteFace"} {
			if err := notFound[name]("A", fa.ID); err != nil {
				t.Errorf("%s for A: %v", name, err)
			}
		}
	})
}

func TestEachTemplate(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		want := map[string]*visage.Face{}
		for a := range 3 {
			app := fmt.Sprintf("app%d", a)
			createApp(t, s, app)
			for i := range 5 {
				f := createFace(t, s, app, fmt.Sprintf("%s-face%d", app, i), "")
				want[app+"/"+f.ID] = f
			}
		}
		seen := map[string]bool{}
		err := s.EachTemplate(ctx, func(appID, faceID string, ts []visage.Template) error {
			key := appID + "/" + faceID
			f, ok := want[key]
			if !ok || seen[key] {
				return fmt.Errorf("unexpected or repeated face %s", key)
			}
			if !storetest.TemplatesEqual(ts, f.Templates) {
				return fmt.Errorf("face %s: templates differ", key)
			}
			seen[key] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != len(want) {
			t.Fatalf("streamed %d faces of %d", len(seen), len(want))
		}

		stop := errors.New("stop")
		calls := 0
		err = s.EachTemplate(ctx, func(string, string, []visage.Template) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("fn's error: got %v after %d calls, want stop after 1", err, calls)
		}
	})
}

// 32 enrollments at once all succeed (they queue for the writer rather
// than fail on a busy database), each is readable meanwhile, and all are
// there after a Close and a reopen.
func TestConcurrentCreateFace(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func() store.Store) {
		s := open()
		createApp(t, s, "app1")
		const n = 32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				f := newFace("app1", fmt.Sprintf("face-%02d", i), fmt.Sprintf("ext-%02d", i))
				if err := s.CreateFace(ctx, f); err != nil {
					t.Errorf("face %d: %v", i, err)
				}
				if _, err := s.Face(ctx, "app1", f.ID); err != nil { // reads meanwhile
					t.Errorf("face %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = open()
		if c, err := s.CountFaces(ctx, "app1"); err != nil || c != n {
			t.Fatalf("%d faces after reopen, %v; want %d", c, err, n)
		}
		for i := range n {
			if _, err := s.FaceByExternalID(ctx, "app1", fmt.Sprintf("ext-%02d", i)); err != nil {
				t.Fatalf("face %d after reopen: %v", i, err)
			}
		}
	})
}
