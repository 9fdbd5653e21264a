package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// RowSwap tests that a sealed value copied to another row (another face,
// another app, the other column) fails to open: with an INTERNAL error
// that names the face and not the value, never a code that has the
// client retry, and EachTemplate stops at a swapped template. It needs
// the backend's SQL, which the backend's test gives it: sealed reads a
// face's stored templates and payload, and set writes one of those
// columns ("templates" or "payload") of a face.
func RowSwap(t *testing.T, s store.Store,
	sealed func(appID, faceID string) (templates, payload []byte),
	set func(column, appID, faceID string, value []byte) error) {
	ctx := context.Background()
	CreateApp(t, s, "A")
	CreateApp(t, s, "B")
	CreateFace(t, s, "A", "source", "")
	if err := s.SetPayload(ctx, "A", "source", json.RawMessage(`{"secret":"swap-marker"}`)); err != nil {
		t.Fatal(err)
	}
	CreateFace(t, s, "A", "victim", "")
	CreateFace(t, s, "B", "source", "") // same face ID in another app
	templates, payload := sealed("A", "source")

	for _, tc := range []struct {
		name, app, face, column string
		value                   []byte
	}{
		{"templates to another face", "A", "victim", "templates", templates},
		{"payload to another face", "A", "victim", "payload", payload},
		{"templates to another app", "B", "source", "templates", templates},
		{"payload into templates", "A", "source", "templates", payload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := set(tc.column, tc.app, tc.face, tc.value); err != nil {
				t.Fatal(err)
			}
			_, err := s.Face(ctx, tc.app, tc.face)
			WantCode(t, err, visage.CodeInternal)
			if strings.Contains(err.Error(), "swap-marker") {
				t.Fatalf("the error shows the payload: %v", err)
			}
			if !strings.Contains(err.Error(), tc.face) {
				t.Fatalf("the error does not name the face: %v", err)
			}
			err = s.EachTemplate(ctx, func(string, string, []visage.Template) error { return nil })
			if tc.column == "templates" {
				WantCode(t, err, visage.CodeInternal)
			}
		})
	}
}
