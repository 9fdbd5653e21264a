package facenition_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// needShell skips when bash or curl is missing.
func needShell(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bash", "curl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

// writePhotos puts the test photos into dir under the given names.
func writePhotos(t *testing.T, dir string, names map[string][]byte) {
	t.Helper()
	for name, data := range names {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClientScript runs testdata/client.sh, written against Facenition's
// documented API, with only the base URL pointing at Visage.
func TestClientScript(t *testing.T) {
	needShell(t)
	photos(t)
	f := newFixture(t, nil)
	dir := t.TempDir()
	writePhotos(t, dir, map[string][]byte{"alice.jpg": alice, "alice-again.jpg": aliceAgain, "bob.jpg": bob})
	script, _ := filepath.Abs("testdata/client.sh")
	cmd := exec.Command("bash", script, f.url, "alice.jpg", "alice-again.jpg", "bob.jpg")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "all answers as expected") {
		t.Fatalf("client.sh: %s", out)
	}
}

// TestDocExamples runs every ```sh block of the migration guide, in
// order, as one bash script: the server address is the test server's,
// the photos are the test photos, and the codes the guide's reader would
// type are read from the email and SMS the test receivers got.
func TestDocExamples(t *testing.T) {
	needShell(t)
	photos(t)
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "migrating-from-facenition.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 5 {
		t.Fatalf("only %d sh blocks in the guide", len(blocks))
	}
	f := newFixture(t, nil)
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	for _, b := range blocks {
		script.WriteString(strings.ReplaceAll(b[1], "http://127.0.0.1:8080/facenition", f.url))
		script.WriteString("\necho\n")
	}
	dir := t.TempDir()
	writePhotos(t, dir, map[string][]byte{"me.jpg": alice, "me-again.jpg": aliceAgain, "someone-else.jpg": bob})
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Stdin = &typedCodes{f: f}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the guide's examples: %v\n%s", err, out)
	}
	for _, wanted := range []string{`"token":"vsk_`, `"ok":true`, `"authenticated":true`, `"match":true`, `"match":false`,
		`"ok":false`, `"active":true`, `"deleted":true`, `"verified":true`, "404"} {
		if !strings.Contains(string(out), wanted) {
			t.Fatalf("no %s in the examples' output:\n%s", wanted, out)
		}
	}
	if n := strings.Count(string(out), "vsk_"); n < 2 {
		t.Fatalf("%d tokens shown, want the v1 token and the v2 one:\n%s", n, out)
	}
}

// typedCodes is the reader's keyboard: once the email and the SMS have
// arrived, it types the two codes, one per line.
type typedCodes struct {
	f    *fixture
	text io.Reader
}

func (c *typedCodes) Read(p []byte) (int, error) {
	if c.text == nil {
		var email, sms string
		timeout := time.After(60 * time.Second)
		for email == "" || sms == "" {
			select {
			case m := <-c.f.mail.msgs:
				email = sixDigits.FindString(m.data)
			case s := <-c.f.sms.msgs:
				sms = sixDigits.FindString(s.message)
			case <-timeout:
				return 0, io.EOF
			}
		}
		c.text = bytes.NewBufferString(email + "\n" + sms + "\n")
	}
	return c.text.Read(p)
}
