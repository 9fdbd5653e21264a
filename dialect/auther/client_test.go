package auther_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/dialect/auther"
	vhttp "github.com/visagehq/visage/http"
)

// needTools skips the test when a command the scripts use is missing.
func needTools(t *testing.T, names ...string) {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s not installed", n)
		}
	}
}

// run runs a bash script in dir with curl kept off any proxy, and returns
// its output; it fails the test when the script fails.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.Contains(strings.ToLower(strings.SplitN(kv, "=", 2)[0]), "proxy") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "NO_PROXY=*")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return string(out)
}

// writePhotos puts the examples' photos in dir.
func writePhotos(t *testing.T, dir string, p photos) {
	for name, data := range map[string][]byte{"alice.jpg": p.alice, "alice-2.jpg": p.alice2, "bob.jpg": p.bob} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// A client written against Auther's documentation works with only its
// base URL changed.
func TestClientScript(t *testing.T) {
	needTools(t, "bash", "curl", "base64", "grep")
	f := newFixture(t, options{})
	p := loadPhotos(t)
	_, key := f.newApp(visage.AppSettings{})
	dir := t.TempDir()
	writePhotos(t, dir, p)
	script, _ := filepath.Abs("testdata/client.sh")
	// Mounted under /auther as `visage serve` does, and at the root of a
	// listener of its own (--auther-addr).
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	own := httptest.NewServer(auther.New(f.svc, auther.Config{Logger: quiet}))
	t.Cleanup(own.Close)
	for _, base := range []string{f.base, own.URL} {
		out := run(t, dir, script, base, key, "alice.jpg", "alice-2.jpg", "bob.jpg")
		if n := strings.Count(out, "ok   "); n != 14 {
			t.Fatalf("%s: %d checks passed, want 14:\n%s", base, n, out)
		}
	}
}

// The examples of docs/migrating-from-auther.md run against a whole server
// (native API and the Auther dialect under /auther) and answer what the
// document says, in order.
func TestDocExamples(t *testing.T) {
	needTools(t, "bash", "curl", "base64", "openssl", "sha256sum", "awk")
	doc, err := os.ReadFile("../../docs/migrating-from-auther.md")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, options{})
	p := loadPhotos(t)
	app, key := f.newApp(visage.AppSettings{})
	admin, err := f.svc.CreateAdminToken(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The real clock: the examples sign with `date +%s`.
	dialect := http.StripPrefix("/auther", auther.New(f.svc, auther.Config{Logger: quiet}))
	ts := httptest.NewServer(vhttp.New(f.svc, vhttp.Config{Logger: quiet, Mounts: []vhttp.Mount{{Pattern: "/auther/", Handler: dialect}}}))
	t.Cleanup(ts.Close)

	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 4 {
		t.Fatalf("%d sh blocks in the document", len(blocks))
	}
	values := map[string]string{"AUTHER": ts.URL + "/auther", "KEY": key, "VISAGE": ts.URL, "ADMIN_TOKEN": admin, "APP_ID": app.ID}
	placeholder := regexp.MustCompile(`(?m)^(AUTHER|KEY|VISAGE|ADMIN_TOKEN|APP_ID)=\S+`)
	script := "set -euo pipefail\n"
	var want []string
	for _, b := range blocks {
		script += placeholder.ReplaceAllStringFunc(b[1], func(m string) string {
			name := strings.SplitN(m, "=", 2)[0]
			return name + "='" + values[name] + "'"
		})
		// "# → answer": the output must show it, up to any "…".
		for _, line := range strings.Split(b[1], "\n") {
			if a, ok := strings.CutPrefix(strings.TrimSpace(line), "# → "); ok {
				a, _, _ = strings.Cut(a, "…")
				want = append(want, a)
			}
		}
	}
	dir := t.TempDir()
	writePhotos(t, dir, p)
	if err := os.WriteFile(filepath.Join(dir, "examples.sh"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(t, dir, "examples.sh")
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("the examples' output lacks %q after what came before:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
	if len(want) < 12 {
		t.Fatalf("only %d answers checked", len(want))
	}
}
