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
	"math"
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

	// Members make a fused pack instead: each face is embedded by every
	// member, and the template is the members' templates one after the
	// other, each scaled by √(weight/Σweight), so that the template's cosine
	// is the weighted mean of the members' cosines. A fused pack has no
	// model, input, output or alignment of its own.
	Members []Member `json:"members,omitempty"`

	// FlipBeyondYaw, when above 0, embeds a face turned more than this
	// many degrees of yaw together with its mirror image (the two
	// embeddings summed): a profile's template then lies nearer the
	// person's frontal ones (docs/accuracy.md). Frontal faces cost
	// nothing more. It is part of the pack's ID.
	FlipBeyondYaw float32 `json:"flip_beyond_yaw,omitempty"`
}

// Member is one recogniser of a fused pack: a built-in pack's name or a
// path relative to the fused pack's pack.json, and its weight (bench packs
// measures the weights: 1/σ of each member's impostor cosines).
type Member struct {
	Pack   string  `json:"pack"`
	Weight float64 `json:"weight"`
}

// Pack is a loaded, checked pack.
type Pack struct {
	Manifest
	// ModelPath is the model file's path (single packs).
	ModelPath string
	// Parts are the opened members of a fused pack, in order.
	Parts []*Pack
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
// fr_feature_fast@e3fb7b7680ab.
func (p *Pack) ID() string {
	var id string
	if len(p.Parts) == 0 {
		id = strings.TrimSuffix(filepath.Base(p.Model.File), ".onnx") + "@" + p.Model.SHA256[:12]
	} else {
		// Fused: the members and their weights, which shape the template.
		ids := make([]string, len(p.Parts))
		for i, m := range p.Parts {
			ids[i] = fmt.Sprintf("%s*%.4g", m.ID(), p.Members[i].Weight)
		}
		id = strings.Join(ids, "+")
	}
	if p.FlipBeyondYaw > 0 {
		id += fmt.Sprintf("+flip>%g", p.FlipBeyondYaw)
	}
	return id
}

// Recognisers are the single packs that embed a face: the pack itself, or
// a fused pack's members.
func (p *Pack) Recognisers() []*Pack {
	if len(p.Parts) == 0 {
		return []*Pack{p}
	}
	return p.Parts
}

// Dim is the template's length.
func (p *Pack) Dim() int {
	n := 0
	for _, r := range p.Recognisers() {
		n += r.Output.Dim
	}
	return n
}

// Default is the pack used when none is configured: the candidate nearest
// the accuracy targets on LFW and CFP, which on CFP's frontal photos
// accepts more genuine users than the default before it at every measured
// level (docs/accuracy.md). A data folder whose faces were all made with
// an earlier default keeps it (visage serve).
const Default = "fused-mfn512-dlib128-flip20"

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

// Recognisers returns the names of the built-in packs that are one
// recogniser each, not a fusion of others: what `visage bench packs`
// compares and fuses.
func Recognisers() []string {
	var names []string
	for _, name := range Builtin() {
		manifest, err := builtin.ReadFile("builtin/" + name + "/pack.json")
		var m struct{ Members []json.RawMessage }
		if err == nil && json.Unmarshal(manifest, &m) == nil && len(m.Members) == 0 {
			names = append(names, name)
		}
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
		return build(ref, manifest, cal, modelDir, modelDir, filepath.Join("pack", "builtin", ref, "calibration.json"))
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
	return build(ref, manifest, cal, filepath.Dir(path), modelDir, filepath.Join(filepath.Dir(path), "calibration.json"))
}

// build checks a manifest and its calibration. dir is where its model and
// its members' relative paths resolve; builtinModels where built-in
// members' models are.
func build(ref string, manifest, cal []byte, dir, builtinModels, calPath string) (*Pack, error) {
	p := &Pack{CalibrationPath: calPath}
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields() // a misspelt field would otherwise read as zero
	if err := dec.Decode(&p.Manifest); err != nil {
		return nil, fmt.Errorf("pack %s: pack.json: %w", ref, err)
	}
	if p.FlipBeyondYaw < 0 || p.FlipBeyondYaw >= 90 {
		return nil, fmt.Errorf("pack %s: pack.json: flip_beyond_yaw must be 0 (never) to under 90 degrees", ref)
	}
	if len(p.Members) > 0 {
		if err := p.Manifest.validateFused(); err != nil {
			return nil, fmt.Errorf("pack %s: %w", ref, err)
		}
		for _, m := range p.Members {
			mref := m.Pack
			if !slices.Contains(Builtin(), mref) && !filepath.IsAbs(mref) {
				mref = filepath.Join(dir, mref)
			}
			part, err := Open(mref, builtinModels)
			if err != nil {
				return nil, fmt.Errorf("pack %s: member: %w", ref, err)
			}
			if len(part.Parts) > 0 {
				return nil, fmt.Errorf("pack %s: member %s is itself fused", ref, m.Pack)
			}
			if part.FlipBeyondYaw > 0 {
				return nil, fmt.Errorf("pack %s: member %s flips turned faces: set flip_beyond_yaw on the fused pack", ref, m.Pack)
			}
			p.Parts = append(p.Parts, part)
		}
	} else {
		if err := p.Manifest.validate(); err != nil {
			return nil, fmt.Errorf("pack %s: %w", ref, err)
		}
		p.ModelPath = filepath.Join(dir, p.Model.File)
	}
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

func (m *Manifest) validateFused() error {
	switch {
	case m.Name == "":
		return errors.New("pack.json: no name")
	case len(m.Members) < 2:
		return errors.New("pack.json: a fused pack needs two members or more")
	case m.Model.File != "" || m.Input.Name != "" || m.Output.Name != "":
		return errors.New("pack.json: a fused pack has members, not a model, input or output of its own")
	}
	for _, mb := range m.Members {
		if !(mb.Weight > 0) {
			return fmt.Errorf("pack.json: member %s needs a positive weight", mb.Pack)
		}
	}
	return nil
}

// Scale is each recogniser's factor in the template, √(weight/Σweight);
// 1 for a single pack.
func (p *Pack) Scale() []float32 {
	if len(p.Parts) == 0 {
		return []float32{1}
	}
	var sum float64
	for _, m := range p.Members {
		sum += m.Weight
	}
	s := make([]float32, len(p.Members))
	for i, m := range p.Members {
		s[i] = float32(math.Sqrt(m.Weight / sum))
	}
	return s
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
