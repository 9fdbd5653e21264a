package http_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/visagehq/visage/internal/testface"
)

// The audit log records who changed what over HTTP: the admin token's ID
// for an admin call, the key's prefix for an app's call, the address
// each came from; and never what was enrolled.
func TestAuditOverHTTP(t *testing.T) {
	s := newServer(t)
	token, err := s.svc.CreateAdminToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, app := s.call("POST", "/admin/apps", token, map[string]string{"name": "Audited"})
	if st != http.StatusCreated {
		t.Fatalf("create app: %d %v", st, app)
	}
	appID := app["id"].(string)
	if st, body := s.call("PUT", "/admin/apps/"+appID+"/settings", token, map[string]any{"level": 5, "require_pin": true}); st != 200 {
		t.Fatalf("settings: %d %v", st, body)
	}
	st, key := s.call("POST", "/admin/apps/"+appID+"/keys", token, nil)
	if st != http.StatusCreated {
		t.Fatalf("create key: %d %v", st, key)
	}
	secret := key["secret"].(string)
	st, body := s.call("POST", "/v1/enroll", secret, multipartOf(t, map[string][]byte{"image": testface.Person(t, 6, 0, 0)},
		map[string]string{"external_id": "alice", "pin": "48213579", "payload": `{"secret":"s3cr3t"}`}))
	if st != http.StatusCreated {
		t.Fatalf("enroll: %d %v", st, body)
	}
	faceID := body["facial_id"].(string)

	st, log := s.call("GET", "/admin/audit?app="+appID, token, nil)
	if st != 200 {
		t.Fatalf("audit: %d %v", st, log)
	}
	var got []string
	for _, e := range log["entries"].([]any) {
		e := e.(map[string]any)
		target, _ := e["target"].(string)
		got = append(got, fmt.Sprintf("%s %s %s %s", e["action"], e["actor"], e["address"], target))
		if e["actor"] == "admin" && e["actor_id"] == "" || e["actor"] == "key" && !strings.HasPrefix(secret, e["actor_id"].(string)) {
			t.Errorf("entry %v names the wrong credential", e)
		}
	}
	want := []string{
		"app.create admin 127.0.0.1 ",
		"key.create admin 127.0.0.1 " + app["key"].(map[string]any)["id"].(string),
		"app.settings admin 127.0.0.1 ",
		"key.create admin 127.0.0.1 " + key["id"].(string),
		"face.enroll key 127.0.0.1 " + faceID,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	raw := fmt.Sprint(log)
	// The PIN is 8 digits so that no hash or timestamp holds it by chance.
	for _, secretish := range []string{"s3cr3t", "48213579", secret, token} {
		if strings.Contains(raw, secretish) {
			t.Errorf("the audit log shows %q", secretish)
		}
	}
	if !strings.Contains(raw, "require_pin") || !strings.Contains(raw, "level") {
		t.Errorf("the settings entry does not name the settings changed: %v", log)
	}
	if st, body := s.call("GET", "/admin/audit?from=yesterday", token, nil); st != http.StatusBadRequest || codeOf(body) != "INVALID_REQUEST" {
		t.Errorf("bad from: %d %v", st, body)
	}
	if st, body := s.call("GET", "/admin/audit", secret, nil); st != http.StatusUnauthorized {
		t.Errorf("an app key reads the audit log: %d %v", st, body)
	}
}
