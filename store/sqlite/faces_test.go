package sqlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/visagehq/visage"
)

func TestFacesCRUD(t *testing.T) {
	s, _ := openTest(t)
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
			!bytes.Equal(got.PINHash, f.PINHash) || !templatesEqual(got.Templates, f.Templates) || got.Age != f.Age ||
			got.Female != f.Female || !got.CreatedAt.Equal(f.CreatedAt) || !got.UpdatedAt.Equal(f.UpdatedAt) ||
			got.PINFailures != 0 || !got.PINLockedUntil.IsZero() {
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
}

func TestFacesPaging(t *testing.T) {
	s, _ := openTest(t)
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
	after := ""
	for {
		page, err := s.Faces(ctx, "app1", after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, f := range page {
			if f.Templates != nil {
				t.Fatal("a listed face has templates")
			}
			if f.AppID != "app1" || f.Payload == nil {
				t.Fatalf("listed face %+v", f)
			}
			got = append(got, f.ID)
		}
		after = page[len(page)-1].ID
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	_, err := s.Faces(ctx, "app1", "", 0)
	wantCode(t, err, visage.CodeInvalidRequest)
}

func TestExternalIDUniquePerApp(t *testing.T) {
	s, _ := openTest(t)
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
}

// Every face method called with another app's ID fails exactly as for a
// face that does not exist, changes nothing, and lists nothing.
func TestFaceAppScoping(t *testing.T) {
	s, _ := openTest(t)
	createApp(t, s, "A")
	createApp(t, s, "B")
	fa := newFace("A", "face-a", "ext-a")
	fa.PINHash = []byte("pin-a")
	if err := s.CreateFace(ctx, fa); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateKey(ctx, &visage.APIKey{ID: "key-a", AppID: "A", Prefix: "p", Hash: []byte("h")}); err != nil {
		t.Fatal(err)
	}

	notFound := map[string]func(app, face string) error{
		"Face": func(app, face string) error { _, err := s.Face(ctx, app, face); return err },
		"FaceByExternalID": func(app, _ string) error {
			_, err := s.FaceByExternalID(ctx, app, "ext-a")
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
		"RevokeKey":    func(app, _ string) error { return s.RevokeKey(ctx, app, "key-a") },
	}
	for name, call := range notFound {
		err := call("B", "face-a")
		wantCode(t, err, visage.CodeNotFound)
		if name == "FaceByExternalID" || name == "RevokeKey" {
			continue // they take no face ID
		}
		// Not even the wording tells "another app's" from "no such".
		missing := strings.ReplaceAll(call("B", "no-such-face").Error(), "no-such-face", "face-a")
		if err.Error() != missing {
			t.Errorf("%s: %q differs from the error of a missing face %q", name, err, missing)
		}
	}
	empty := map[string]func(app string) (int, error){
		"Faces":       func(app string) (int, error) { fs, err := s.Faces(ctx, app, "", 100); return len(fs), err },
		"CountFaces":  func(app string) (int, error) { return s.CountFaces(ctx, app) },
		"PINHashes":   func(app string) (int, error) { hs, err := s.PINHashes(ctx, app); return len(hs), err },
		"RecentFaces": func(app string) (int, error) { ids, err := s.RecentFaces(ctx, app, 10); return len(ids), err },
		"Keys":        func(app string) (int, error) { ks, err := s.Keys(ctx, app); return len(ks), err },
	}
	for name, call := range empty {
		if n, err := call("B"); err != nil || n != 0 {
			t.Errorf("%s of B: %d of A's rows, %v", name, n, err)
		}
		if n, err := call("A"); err != nil || n != 1 {
			t.Errorf("%s of A: %d rows, %v; want 1 (the test must see what B must not)", name, n, err)
		}
	}

	// A's face is untouched: same payload, PIN, no failures, still there.
	got, err := s.Face(ctx, "A", "face-a")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Payload) != string(fa.Payload) || string(got.PINHash) != "pin-a" || got.PINFailures != 0 ||
		!got.PINLockedUntil.IsZero() || !got.UpdatedAt.Equal(fa.UpdatedAt) {
		t.Fatalf("B changed A's face: %+v", got)
	}
	if keys, _ := s.Keys(ctx, "A"); keys[0].RevokedAt != nil {
		t.Fatal("B revoked A's key")
	}
	// And each method does work for A, so the checks above are not vacuous.
	for _, name := range []string{"Face", "FaceByExternalID", "SetPayload", "SetPIN", "PINAttempt", "PINSucceeded", "RevokeKey", "DeleteFace"} {
		if err := notFound[name]("A", "face-a"); err != nil {
			t.Errorf("%s for A: %v", name, err)
		}
	}
}

func TestEachTemplate(t *testing.T) {
	s, _ := openTest(t)
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
		if !templatesEqual(ts, f.Templates) {
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
}
