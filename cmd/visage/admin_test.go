package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// An app's plan is changed from the command line (FaceAuth's and
// Facenition's sign-ups create apps on the free plan).
func TestAppPlan(t *testing.T) {
	data := t.TempDir()
	var out bytes.Buffer
	if err := runApp([]string{"create", "shop", "--data", data}, &out); err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`app\s+(\S+)`).FindStringSubmatch(out.String())[1]
	out.Reset()
	if err := runApp([]string{"plan", id, "pro", "--data", data}, &out); err != nil || !strings.Contains(out.String(), "pro plan") {
		t.Fatalf("app plan: %v %q", err, out.String())
	}
	out.Reset()
	if err := runApp([]string{"show", id, "--data", data}, &out); err != nil || !strings.Contains(out.String(), `"plan": "pro"`) {
		t.Fatalf("after app plan: %v %q", err, out.String())
	}
	if err := runApp([]string{"plan", id, "gold", "--data", data}, &out); err == nil || !strings.Contains(err.Error(), "unknown plan") {
		t.Errorf("unknown plan: %v", err)
	}
}
