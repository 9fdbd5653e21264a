package facenition_test

import (
	"net/http"
	"strings"
	"testing"
)

// A user_id is printable text (service.ValidID): control characters and
// invisible direction marks are refused under the field's name, and
// nothing is enrolled.
func TestUserIDsArePrintable(t *testing.T) {
	photos(t)
	f := newFixture(t, nil)
	auth := []string{"X-Auth-Token", f.v1Token()}
	for _, id := range []string{"ali\x00ce", "\u202Eecila", "alice\u2067", "\u200Ealice", "alice\u061C", "alice\x1b[0m"} {
		a := f.post("/generate", map[string]any{"user_id": id, "image": b64(alice)}, auth...)
		want(t, a, http.StatusBadRequest, "generate with user_id "+id)
		if !strings.Contains(a.str("error"), "user_id") {
			t.Errorf("generate with user_id %q: %q does not name the field", id, a.str("error"))
		}
		want(t, f.post("/delete", map[string]any{"user_id": id}, auth...), http.StatusBadRequest, "delete with user_id "+id)
	}
}
