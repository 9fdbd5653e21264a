package pack_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/pack"
)

func TestDefaultPackIsBuiltInAndCalibrated(t *testing.T) {
	if !slices.Contains(pack.Builtin(), pack.Default) {
		t.Fatalf("built-in packs %v lack the default %s", pack.Builtin(), pack.Default)
	}
	p, err := pack.Open(pack.Default, filepath.Join(testface.Deps(), "models"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Calibration == nil {
		t.Fatalf("default pack uncalibrated: %s", p.Uncalibrated)
	}
	if p.Calibration.Model != p.ID() {
		t.Errorf("ID %s, calibration for %s", p.ID(), p.Calibration.Model)
	}
	if !p.CommercialUse {
		t.Error("the default pack's licence must allow commercial use")
	}
	for _, r := range p.Recognisers() {
		if !r.CommercialUse {
			t.Errorf("member %s: its licence must allow commercial use", r.Name)
		}
		if _, err := os.Stat(r.ModelPath); err == nil {
			if _, err := r.ReadModel(); err != nil {
				t.Error(err)
			}
		}
	}
}

// An operator's pack: a folder with pack.json, the model beside it and
// optionally calibration.json.
func writePack(t *testing.T, edit func(m map[string]any), model []byte) string {
	t.Helper()
	dir := t.TempDir()
	sum := sha256.Sum256(model)
	m := map[string]any{
		"name": "mine", "description": "test", "source": "here", "licence": "MIT", "commercial_use": true,
		"model":     map[string]any{"file": "mine.onnx", "sha256": hex.EncodeToString(sum[:])},
		"input":     map[string]any{"name": "data", "size": 150, "channels": "RGB", "mean": []float32{0, 0, 0}, "std": []float32{1, 1, 1}},
		"output":    map[string]any{"name": "emb", "dim": 128},
		"alignment": [][2]float32{{50, 60}, {100, 60}, {75, 90}, {55, 115}, {95, 115}},
	}
	if edit != nil {
		edit(m)
	}
	data, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, "pack.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mine.onnx"), model, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOperatorPack(t *testing.T) {
	model := []byte("not really a model, but the checksum is what is checked here")
	dir := writePack(t, nil, model)
	for _, ref := range []string{dir, filepath.Join(dir, "pack.json")} {
		p, err := pack.Open(ref, "/nowhere")
		if err != nil {
			t.Fatal(err)
		}
		if p.ModelPath != filepath.Join(dir, "mine.onnx") || p.Input.Size != 150 || p.Output.Dim != 128 {
			t.Errorf("%s: model %s, size %d, dim %d", ref, p.ModelPath, p.Input.Size, p.Output.Dim)
		}
		if p.Calibration != nil || !strings.Contains(p.Uncalibrated, "visage calibrate") {
			t.Errorf("uncalibrated pack: %q", p.Uncalibrated)
		}
		if p.CalibrationPath != filepath.Join(dir, "calibration.json") {
			t.Errorf("calibration path %s", p.CalibrationPath)
		}
		if got, err := p.ReadModel(); err != nil || string(got) != string(model) {
			t.Errorf("ReadModel: %v", err)
		}
	}

	// A changed model file is refused.
	os.WriteFile(filepath.Join(dir, "mine.onnx"), []byte("tampered"), 0o644)
	p, err := pack.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReadModel(); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("tampered model: %v", err)
	}

	// A calibration made for other weights leaves the pack uncalibrated.
	def, err := pack.Open(pack.Default, "")
	if err != nil {
		t.Fatal(err)
	}
	if def.Calibration == nil {
		t.Fatal(def.Uncalibrated)
	}
	f, _ := os.Create(filepath.Join(dir, "calibration.json"))
	def.Calibration.WriteJSON(f)
	f.Close()
	p, err = pack.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Calibration != nil || !strings.Contains(p.Uncalibrated, "not these weights") {
		t.Errorf("stale calibration: %q", p.Uncalibrated)
	}
}

func TestBadManifestsAreRefused(t *testing.T) {
	for name, edit := range map[string]func(m map[string]any){
		"unknown field":  func(m map[string]any) { m["colour"] = "blue" },
		"no name":        func(m map[string]any) { m["name"] = "" },
		"short checksum": func(m map[string]any) { m["model"].(map[string]any)["sha256"] = "abc" },
		"channels":       func(m map[string]any) { m["input"].(map[string]any)["channels"] = "GRB" },
		"zero std":       func(m map[string]any) { m["input"].(map[string]any)["std"] = []float32{1, 0, 1} },
		"point outside": func(m map[string]any) {
			m["alignment"] = [][2]float32{{50, 60}, {100, 60}, {75, 90}, {55, 115}, {95, 151}}
		},
		"tiny output":        func(m map[string]any) { m["output"].(map[string]any)["dim"] = 2 },
		"missing input name": func(m map[string]any) { m["input"].(map[string]any)["name"] = "" },
	} {
		dir := writePack(t, edit, []byte("m"))
		if _, err := pack.Open(dir, ""); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := pack.Open("no-such-pack", ""); err == nil || !strings.Contains(err.Error(), pack.Default) {
		t.Errorf("unknown pack: %v (should list the built-in ones)", err)
	}
}

func TestRecognisers(t *testing.T) {
	got := pack.Recognisers()
	if fmt.Sprint(got) != "[dlib-resnet128 faceplugin-mfn512 mobilefacenet192]" {
		t.Errorf("single built-in recognisers: %v", got)
	}
}
