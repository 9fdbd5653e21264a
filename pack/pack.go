// Package pack describes recognisers: which ONNX model makes templates,
// how to feed it a face, and what its scores mean. A pack is a manifest
// (pack.json) and a calibration table (calibration.json, written by
// `visage calibrate`) beside it; the model file it names comes from the
// fetched dependencies for the packs built in, or sits beside the manifest
// for an operator's own pack. Switching packs is a configuration change;
// templates carry their pack's ID, so faces enrolled with another pack are
// never compared with the current one (docs/packs.md).
package pack

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/visagehq/visage/match"
)

// Manifest is pack.json.
type Manifest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Source says where the weights come from (package and path).
	Source string `json:"source"`
	// Licence of the weights, and whether it allows commercial use: a
	// pack that does not is never the default.
	Licence       string `json:"licence"`
	CommercialUse bool   `json:"commercial_use"`
	Model         struct {
		File   string `json:"file"`   // relative to the pack's model folder
		SHA256 string `json:"sha256"` // hex; checked before use
	} `json:"model"`
	Input struct {
		Name string `json:"name"`
		// Size is the side of the square, aligned face the model takes
		// (NCHW float32, batch 1).
		Size int `json:"size"`
		// Channels is "RGB" or "BGR": the order of the three planes.
		Channels string `json:"channels"`
		// Each plane's value is (pixel − Mean) / Std, pixels 0–255.
		Mean [3]float32 `json:"mean"`
		Std  [3]float32 `json:"std"`
	} `json:"input"`
	Output struct {
		Name string `json:"name"`
		Dim  int    `json:"dim"` // template length
	} `json:"output"`
	// Alignment is where the five keypoints (the eyes' centres — the one
	// on the image's left first —, the nose tip and the mouth corners, left
	// first) go in the input square, in its pixels. The face is warped
	// there by the least-squares similarity transform.
	Alignment [5][2]float32 `json:"alignment"`
}

// Pack is a loaded, checked pack.
type Pack struct {
	Manifest
	// ModelPath is the model file's path.
	ModelPath string
	// Calibration maps the pack's cosines to accuracy levels; nil until
	// `visage calibrate` has made one for these weights (Uncalibrated says
	// why).
	Calibration  *match.Table
	Uncalibrated string
	// CalibrationPath is where `visage calibrate` writes the table: beside
	// pack.json, which for a built-in pack is its folder in the source
	// tree (the binary embeds it at the next build).
	CalibrationPath string
}

// ID names the exact weights a template was made with: the model file's
// name without extension and the start of its checksum, e.g.
// fr_feature@87aacdfe5751.
func (p *Pack) ID() string {
	return strings.TrimSuffix(filepath.Base(p.Model.File), ".onnx") + "@" + p.Model.SHA256[:12]
}

// Default is the pack used when none is configured.
const Default = "faceplugin-mfn512"

//go:embed builtin
var builtin embed.FS

// Builtin returns the names of the packs built in.
func Builtin() []string {
	entries, _ := fs.ReadDir(builtin, "builtin")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Open returns the pack named by ref: a built-in pack's name, whose model
// file is in modelDir, or the path of an operator's pack.json (or of the
// folder holding it), whose model file sits beside it.
func Open(ref, modelDir string) (*Pack, error) {
	if slices.Contains(Builtin(), ref) {
		manifest, err := builtin.ReadFile("builtin/" + ref + "/pack.json")
		if err != nil {
			return nil, err
		}
		cal, err := builtin.ReadFile("builtin/" + ref + "/calibration.json")
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return build(ref, manifest, cal, modelDir, filepath.Join("pack", "builtin", ref, "calibration.json"))
	}
	path := ref
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "pack.json")
	}
	manifest, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pack %s: not a built-in pack (%s) and %w", ref, strings.Join(Builtin(), ", "), err)
	}
	cal, err := os.ReadFile(filepath.Join(filepath.Dir(path), "calibration.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return build(ref, manifest, cal, filepath.Dir(path), filepath.Join(filepath.Dir(path), "calibration.json"))
}

func build(ref string, manifest, cal []byte, modelDir, calPath string) (*Pack, error) {
	p := &Pack{CalibrationPath: calPath}
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields() // a misspelt field would otherwise read as zero
	if err := dec.Decode(&p.Manifest); err != nil {
		return nil, fmt.Errorf("pack %s: pack.json: %w", ref, err)
	}
	if err := p.Manifest.validate(); err != nil {
		return nil, fmt.Errorf("pack %s: %w", ref, err)
	}
	p.ModelPath = filepath.Join(modelDir, p.Model.File)
	// A missing or stale table leaves the pack usable for measuring and
	// calibrating, and the server refuses to start on it.
	switch {
	case cal == nil:
		p.Uncalibrated = fmt.Sprintf("pack %s has no calibration.json: run `visage calibrate --pack %s`", ref, ref)
	default:
		t, err := match.ReadJSON(bytes.NewReader(cal))
		if err != nil {
			return nil, fmt.Errorf("pack %s: %w", ref, err)
		}
		if t.Model != p.ID() {
			p.Uncalibrated = fmt.Sprintf("pack %s: calibration.json was made for %s, not these weights (%s): run `visage calibrate --pack %s`", ref, t.Model, p.ID(), ref)
		} else {
			p.Calibration = t
		}
	}
	return p, nil
}

func (m *Manifest) validate() error {
	switch {
	case m.Name == "":
		return errors.New("pack.json: no name")
	case m.Model.File == "":
		return errors.New("pack.json: no model file")
	case len(m.Model.SHA256) != 64:
		return errors.New("pack.json: model sha256 must be 64 hex digits")
	case m.Input.Name == "" || m.Output.Name == "":
		return errors.New("pack.json: input and output names are required")
	case m.Input.Size < 32 || m.Input.Size > 512:
		return fmt.Errorf("pack.json: input size %d outside 32–512", m.Input.Size)
	case m.Input.Channels != "RGB" && m.Input.Channels != "BGR":
		return fmt.Errorf("pack.json: channels %q, want RGB or BGR", m.Input.Channels)
	case m.Output.Dim < 16 || m.Output.Dim > 4096:
		return fmt.Errorf("pack.json: output dim %d outside 16–4096", m.Output.Dim)
	}
	if _, err := hex.DecodeString(m.Model.SHA256); err != nil {
		return errors.New("pack.json: model sha256 is not hex")
	}
	for _, s := range m.Input.Std {
		if !(s > 0) {
			return errors.New("pack.json: every std must be positive")
		}
	}
	for i, pt := range m.Alignment {
		for _, v := range pt {
			if !(v >= 0 && v <= float32(m.Input.Size)) {
				return fmt.Errorf("pack.json: alignment point %d %v lies outside the %d-pixel input", i+1, pt, m.Input.Size)
			}
		}
	}
	return nil
}

// ReadModel reads the model file and checks it against the manifest.
func (p *Pack) ReadModel() ([]byte, error) {
	data, err := os.ReadFile(p.ModelPath)
	if err != nil {
		return nil, fmt.Errorf("pack %s: model: %w (run `make setup`)", p.Name, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != p.Model.SHA256 {
		return nil, fmt.Errorf("pack %s: %s has sha256 %s, the manifest says %s: refusing to use it", p.Name, p.ModelPath, got, p.Model.SHA256)
	}
	return data, nil
}
