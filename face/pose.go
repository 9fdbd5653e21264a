package face

import "math"

// Head pose from the landmarks: the six points below are fitted to a
// generic 3D face under weak perspective (an affine camera, fine at the
// distance a face is photographed from), and the fitted rotation gives
// yaw, pitch and roll. It costs a few hundred nanoseconds.
//
// It replaced a pose network (HopeNet) that read clearly frontal LFW faces
// as turned 60–70° and obvious three-quarter views as frontal; the fit
// agrees with what a person sees on the faces either got wrong. Its
// weakness is the other end: the 64-pixel landmark model squeezes a full
// profile, so the fit saturates at about 60–65°. A limit on yaw should sit
// below that (the service's is 50°, see docs/engine.md).

// poseModel is the 3D reference face (in arbitrary units; x to the
// subject's left as seen in the image, i.e. image right, y up, z towards
// the camera) and the iBUG landmark each point is, after the model widely
// used with OpenCV's solvePnP.
var poseModel = [...]struct {
	landmark int
	x, y, z  float64
}{
	{30, 0, 0, 0},          // nose tip
	{8, 0, -330, -65},      // chin
	{36, -225, 170, -135},  // outer corner of the eye on the image's left
	{45, 225, 170, -135},   // outer corner of the eye on the image's right
	{48, -150, -150, -125}, // mouth corner on the image's left
	{54, 150, -150, -125},  // mouth corner on the image's right
}

// posePinv is the least-squares solver of the fit: for the landmarks u
// (centred, y up) the camera's rows are posePinv·u. It depends only on the
// model, so it is computed once: (XᵀX)⁻¹Xᵀ of the centred model points X.
var posePinv = func() (p [3][len(poseModel)]float64) {
	var c [3]float64
	for _, m := range poseModel {
		c[0] += m.x / float64(len(poseModel))
		c[1] += m.y / float64(len(poseModel))
		c[2] += m.z / float64(len(poseModel))
	}
	var x [len(poseModel)][3]float64
	var xtx [3][3]float64
	for i, m := range poseModel {
		x[i] = [3]float64{m.x - c[0], m.y - c[1], m.z - c[2]}
		for a := range 3 {
			for b := range 3 {
				xtx[a][b] += x[i][a] * x[i][b]
			}
		}
	}
	inv := invert3(xtx)
	for a := range 3 {
		for i := range x {
			for b := range 3 {
				p[a][i] += inv[a][b] * x[i][b]
			}
		}
	}
	return p
}()

// headPose returns yaw, pitch and roll in degrees. Yaw is positive when
// the nose points to the image's right, pitch when the face looks down,
// roll when the face is turned anticlockwise in the image.
func headPose(pts [68]Point) (yaw, pitch, roll float32) {
	// Centre the image points, y up like the model's.
	var u [len(poseModel)][2]float64
	var cx, cy float64
	for i, m := range poseModel {
		u[i] = [2]float64{float64(pts[m.landmark].X), -float64(pts[m.landmark].Y)}
		cx += u[i][0] / float64(len(poseModel))
		cy += u[i][1] / float64(len(poseModel))
	}
	// The affine camera's two rows, each the model's axes as seen in the
	// image (scaled).
	var r1, r2 vec3
	for a := range 3 {
		for i := range u {
			r1[a] += posePinv[a][i] * (u[i][0] - cx)
			r2[a] += posePinv[a][i] * (u[i][1] - cy)
		}
	}
	// The nearest pair of orthonormal rows: normalise both, then spread
	// them symmetrically about their bisector to a right angle.
	a, b := r1.unit(), r2.unit()
	d, e := a.add(b).unit(), a.sub(b).unit()
	if !(d.ok() && e.ok()) {
		// Collapsed landmarks: no face to speak of. Fail closed, as a
		// face turned away.
		return 90, 0, 0
	}
	r1, r2 = d.add(e).scale(1/math.Sqrt2), d.sub(e).scale(1/math.Sqrt2)
	r3 := r1.cross(r2)
	// R = Rx(pitch)·Ry(yaw)·Rz(roll), whose rows are r1, r2, r3.
	const deg = 180 / math.Pi
	yaw = float32(math.Asin(max(-1, min(1, r1[2]))) * deg)
	pitch = float32(math.Atan2(-r2[2], r3[2]) * deg)
	roll = float32(math.Atan2(-r1[1], r1[0]) * deg)
	return yaw, pitch, roll
}

type vec3 [3]float64

func (v vec3) add(w vec3) vec3      { return vec3{v[0] + w[0], v[1] + w[1], v[2] + w[2]} }
func (v vec3) sub(w vec3) vec3      { return vec3{v[0] - w[0], v[1] - w[1], v[2] - w[2]} }
func (v vec3) scale(s float64) vec3 { return vec3{v[0] * s, v[1] * s, v[2] * s} }
func (v vec3) norm() float64        { return math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2]) }
func (v vec3) unit() vec3           { return v.scale(1 / v.norm()) }
func (v vec3) ok() bool             { n := v.norm(); return n > 0.5 && n < 2 } // unit, not NaN
func (v vec3) cross(w vec3) vec3 {
	return vec3{v[1]*w[2] - v[2]*w[1], v[2]*w[0] - v[0]*w[2], v[0]*w[1] - v[1]*w[0]}
}

// invert3 inverts a 3×3 matrix by its adjugate (the model's XᵀX, which is
// well conditioned).
func invert3(m [3][3]float64) (r [3][3]float64) {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	for i := range 3 {
		for j := range 3 {
			// Cofactor of m[j][i], by cyclic indices.
			a, b := (j+1)%3, (j+2)%3
			c, d := (i+1)%3, (i+2)%3
			r[i][j] = (m[a][c]*m[b][d] - m[a][d]*m[b][c]) / det
		}
	}
	return r
}
