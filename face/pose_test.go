package face

import (
	"math"
	"testing"
)

// The fit recovers the pose of the reference face itself, rotated by known
// angles, scaled, moved and projected orthographically into an image.
func TestHeadPoseRecoversKnownRotation(t *testing.T) {
	rad := math.Pi / 180
	for _, c := range []struct{ yaw, pitch, roll float64 }{
		{0, 0, 0}, {30, 0, 0}, {-45, 0, 0}, {0, 20, 0}, {0, -15, 0},
		{0, 0, 25}, {0, 0, -40}, {35, -10, 15}, {-20, 25, -30}, {55, 5, 5},
	} {
		rx := rotation(c.pitch*rad, 0)
		ry := rotation(c.yaw*rad, 1)
		rz := rotation(c.roll*rad, 2)
		r := mul(rx, mul(ry, rz))
		var pts [68]Point
		for _, m := range poseModel {
			p := [3]float64{m.x, m.y, m.z}
			x := r[0][0]*p[0] + r[0][1]*p[1] + r[0][2]*p[2]
			y := r[1][0]*p[0] + r[1][1]*p[1] + r[1][2]*p[2]
			// Scale to a face a few hundred pixels across, y down.
			pts[m.landmark] = Point{float32(300 + 0.4*x), float32(200 - 0.4*y)}
		}
		yaw, pitch, roll := headPose(pts)
		if !near(float64(yaw), c.yaw, 0.1) || !near(float64(pitch), c.pitch, 0.1) || !near(float64(roll), c.roll, 0.1) {
			t.Errorf("posed yaw %v pitch %v roll %v: fitted %.2f %.2f %.2f", c.yaw, c.pitch, c.roll, yaw, pitch, roll)
		}
	}
}

// Landmarks that collapse to a point give no pose; the fit fails closed,
// as a face turned away, rather than returning NaN (which passes every
// comparison with a limit).
func TestHeadPoseOfCollapsedLandmarks(t *testing.T) {
	var pts [68]Point
	for i := range pts {
		pts[i] = Point{50, 50}
	}
	if yaw, _, _ := headPose(pts); yaw != 90 {
		t.Errorf("collapsed landmarks: yaw %v, want 90", yaw)
	}
}

// rotation is the right-handed rotation by a about axis (0 x, 1 y, 2 z).
func rotation(a float64, axis int) (r [3][3]float64) {
	c, s := math.Cos(a), math.Sin(a)
	i, j := (axis+1)%3, (axis+2)%3
	r[axis][axis] = 1
	r[i][i], r[i][j], r[j][i], r[j][j] = c, -s, s, c
	return r
}

func mul(a, b [3][3]float64) (r [3][3]float64) {
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				r[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return r
}
