package http_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/visagehq/visage/internal/testface"
)

// Export and erasure end to end over HTTP, with the app's key and with
// the admin token: another app's key cannot reach the person, the export
// shows no template, and after the erasure the person is gone everywhere.
func TestSubjectRightsOverHTTP(t *testing.T) {
	s := newServer(t)
	st, body := s.call("POST", "/v1/enroll", s.keyA, multipartOf(t, map[string][]byte{"image": testface.Person(t, 6, 0, 0)},
		map[string]string{"external_id": "alice", "payload": `{"plan":"gold"}`}))
	if st != http.StatusCreated {
		t.Fatalf("enroll: %d %v", st, body)
	}
	id := body["facial_id"].(string)
	if st, body := s.call("POST", "/v1/authenticate", s.keyA, map[string]string{"image": b64(testface.Person(t, 6, 0, 15))}); st != 200 {
		t.Fatalf("authenticate: %d %v", st, body)
	}

	if st, body := s.call("GET", "/v1/subjects/export?external_id=alice", s.keyB, nil); st != http.StatusNotFound {
		t.Errorf("another app's export: %d %v", st, body)
	}
	if st, body := s.call("GET", "/v1/subjects/export", s.keyA, nil); st != http.StatusBadRequest || codeOf(body) != "INVALID_REQUEST" {
		t.Errorf("export naming nobody: %d %v", st, body)
	}
	st, out := s.call("GET", "/v1/subjects/export?external_id=alice", s.keyA, nil)
	if st != 200 || out["facial_id"] != id || out["payload"].(map[string]any)["plan"] != "gold" || out["last_authenticated_at"] == nil ||
		out["templates"].(map[string]any)["count"].(float64) != 1 || len(out["events"].([]any)) != 1 || len(out["audit"].([]any)) != 1 {
		t.Fatalf("export: %d %v", st, out)
	}

	token, err := s.svc.CreateAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	app, err := s.svc.AppForKey(context.Background(), s.keyA)
	if err != nil {
		t.Fatal(err)
	}
	appID := app.ID
	st, adm := s.call("GET", "/admin/apps/"+appID+"/subjects/export?facial_id="+id, token, nil)
	if st != 200 || adm["external_id"] != "alice" {
		t.Fatalf("admin export: %d %v", st, adm)
	}
	if st, body := s.call("POST", "/v1/subjects/erase", s.keyB, map[string]string{"facial_id": id}); st != http.StatusNotFound {
		t.Errorf("another app's erasure: %d %v", st, body)
	}
	st, receipt := s.call("POST", "/admin/apps/"+appID+"/subjects/erase", token, map[string]string{"external_id": "alice"})
	if st != 200 || receipt["facial_id"] != id || receipt["removed"].(map[string]any)["templates"].(float64) != 1 ||
		receipt["removed"].(map[string]any)["payload"] != true || receipt["audit_seq"].(float64) == 0 {
		t.Fatalf("erase: %d %v", st, receipt)
	}
	if st, body := s.call("GET", "/v1/faces/"+id, s.keyA, nil); st != http.StatusNotFound {
		t.Errorf("the face after its erasure: %d %v", st, body)
	}
	if st, body := s.call("POST", "/v1/authenticate", s.keyA, map[string]string{"image": b64(testface.Person(t, 6, 0, 15))}); st != http.StatusUnprocessableEntity || codeOf(body) != "UNRECOGNIZED_FACE" {
		t.Errorf("authenticate after the erasure: %d %v", st, body)
	}
	st, log := s.call("GET", "/admin/audit?action=subject.erase", token, nil)
	if entries := log["entries"].([]any); st != 200 || len(entries) != 1 || entries[0].(map[string]any)["actor"] != "admin" {
		t.Errorf("the erasure's audit entry: %d %v", st, log)
	}
}
