package faceio_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// needTools skips when the shell tools a FACEIO user would have are absent.
func needTools(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "grep", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

// A client written against FACEIO's documentation works with only its
// base URL changed, and notices when something is wrong.
func TestFACEIOClientScript(t *testing.T) {
	needTools(t)
	f := newFixture(t)
	app, key := f.app("pro")
	f.enroll(app)
	fid := f.enroll(app)
	for _, base := range []string{f.base, f.base + "/"} {
		out, err := exec.Command("bash", "testdata/client.sh", base, key).CombinedOutput()
		if err != nil {
			t.Fatalf("client.sh %s: %v\n%s", base, err, out)
		}
	}
	if f.face(app, fid) != nil {
		t.Error("client.sh did not delete the face it worked on")
	}
	_, other := f.app("pro") // an app without faces
	for name, args := range map[string][]string{"a bad key": {f.base, "vsk_wrongwrongwrongwrongwrongwrong"},
		"an app without faces": {f.base, other}, "a wrong base": {f.base + "/v1", key}} {
		if out, err := exec.Command("bash", append([]string{"testdata/client.sh"}, args...)...).CombinedOutput(); err == nil {
			t.Errorf("client.sh succeeded with %s:\n%s", name, out)
		}
	}
}

// Placeholders of docs/migrating-from-faceio.md, replaced by the test
// server's values.
const (
	docBase = "https://visage.example.com/faceio"
	docKey  = "vsk_your_apps_private_key"
	docFID  = "7b0bd1c2-3c57-4d8e-9d55-9f2a0c4be1a3"
)

// The doc's shell examples run as written against a real server, and each
// answer is the one the doc shows in the "# →" line after the command.
func TestMigrationDocExamples(t *testing.T) {
	needTools(t)
	doc, err := os.ReadFile("../../docs/migrating-from-faceio.md")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	app, key := f.app("pro")
	fid := f.enroll(app)
	script := strings.NewReplacer(docBase, f.base, docKey, key, docFID, fid).Replace(strings.Join(shBlocks(string(doc)), "\n"))
	if !strings.Contains(script, f.base) || !strings.Contains(script, key) || !strings.Contains(script, fid) {
		t.Fatal("the doc's examples lost their placeholders")
	}

	cmd := exec.Command("bash", "-euo", "pipefail")
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the doc's examples failed: %v\n%s\n%s", err, out, stderr.Bytes())
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := regexp.MustCompile(`(?m)^\s*# → (.*)$`).FindAllStringSubmatch(script, -1)
	if len(got) != len(want) || len(want) < 8 {
		t.Fatalf("%d answers for %d \"# →\" lines:\n%s", len(got), len(want), out)
	}
	for i, w := range want {
		if err := sameAnswer(got[i], w[1]); err != nil {
			t.Errorf("example %d: %v\n got  %s\n doc  %s", i+1, err, got[i], w[1])
		}
	}
}

// shBlocks are the ```sh fenced blocks of a Markdown text.
func shBlocks(md string) []string {
	var blocks []string
	for _, m := range regexp.MustCompile("(?ms)^```sh\n(.*?)^```").FindAllStringSubmatch(md, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// sameAnswer compares an answer with the doc's: every field the doc shows
// must be there with its value, where … stands for any value.
func sameAnswer(got, doc string) error {
	var g, d map[string]any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return fmt.Errorf("the answer is not JSON: %v", err)
	}
	// A bare … (outside quotes) is any value too.
	doc = regexp.MustCompile(`([:\[])…`).ReplaceAllString(doc, `$1"…"`)
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return fmt.Errorf("the doc's answer is not JSON: %v", err)
	}
	if len(g) != len(d) {
		return fmt.Errorf("%d fields, the doc shows %d", len(g), len(d))
	}
	for k, dv := range d {
		gv, ok := g[k]
		switch {
		case !ok:
			return fmt.Errorf("no field %s", k)
		case dv == "…":
		case fmt.Sprint(dv) == "[…]":
			if _, isList := gv.([]any); !isList {
				return fmt.Errorf("%s is not a list", k)
			}
		case fmt.Sprint(gv) != fmt.Sprint(dv):
			return fmt.Errorf("%s is %v", k, gv)
		}
	}
	return nil
}
