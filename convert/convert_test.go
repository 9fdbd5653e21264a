package convert_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visagehq/visage/convert"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/pack"
)

// Conversion is deterministic: from the fetched sources, every output comes
// out with its pinned checksum (Run refuses anything else), and a second
// run finds nothing to do.
func TestRunMakesThePinnedModels(t *testing.T) {
	src := filepath.Join(testface.Deps(), "src")
	if _, err := os.Stat(filepath.Join(src, "face-api", "model")); err != nil {
		t.Skip("conversion sources not fetched: run `make setup`")
	}
	out := t.TempDir()
	// One conversion rewrites a fetched model.
	fetched, err := os.ReadFile(filepath.Join(testface.Deps(), "models", "fr_feature.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "fr_feature.onnx"), fetched, 0o644)
	var log bytes.Buffer
	if err := convert.Run(src, out, &log); err != nil {
		t.Fatal(err)
	}
	for _, o := range convert.Outputs {
		if !strings.Contains(log.String(), o.File+" ok") {
			t.Errorf("%s not reported made:\n%s", o.File, log.String())
		}
		st, err := os.Stat(filepath.Join(out, o.File))
		if err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v, mode %v", o.File, err, st.Mode())
		}
	}
	log.Reset()
	if err := convert.Run(src, out, &log); err != nil || log.Len() != 0 {
		t.Errorf("second run: %v, said %q", err, log.String())
	}
	// A damaged output is made again.
	os.WriteFile(filepath.Join(out, convert.Outputs[0].File), []byte("junk"), 0o644)
	if err := convert.Run(src, out, &log); err != nil || !strings.Contains(log.String(), convert.Outputs[0].File) {
		t.Errorf("damaged output: %v, said %q", err, log.String())
	}
}

// The built-in packs that use a converted model pin the same checksum as
// the conversion.
func TestPacksPinTheConvertedModels(t *testing.T) {
	pinned := map[string]string{}
	for _, o := range convert.Outputs {
		pinned[o.File] = o.SHA256
	}
	for _, name := range pack.Builtin() {
		p, err := pack.Open(name, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Recognisers() {
			if sum, ok := pinned[r.Model.File]; ok && sum != r.Model.SHA256 {
				t.Errorf("pack %s pins %s as %s, the conversion makes %s", name, r.Model.File, r.Model.SHA256, sum)
			}
		}
	}
}
