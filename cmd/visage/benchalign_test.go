package main

import (
	"math"
	"testing"

	"github.com/visagehq/visage/face"
)

// CFP annotates the half of the face turned to the camera: the error is
// measured on that side's eye and mouth corner, whichever side it is, in
// face heights (top of the brow to the chin).
func TestKeypointError(t *testing.T) {
	// A face 100 pixels from brow (y 30) to chin (y 130), its annotated
	// eye about (40, 50), nose tip (60, 70), mouth corner (45, 90).
	fid := make([][2]float64, 30)
	for i := range fid {
		fid[i] = [2]float64{50, 80}
	}
	fid[0], fid[8] = [2]float64{30, 30}, [2]float64{60, 130}
	for i, d := range [][2]float64{{-5, 0}, {-2, -2}, {2, -2}, {5, 0}, {2, 2}, {-2, 2}} {
		fid[fidEye[i]] = [2]float64{40 + d[0], 50 + d[1]}
	}
	fid[fidNose], fid[fidMouth] = [2]float64{60, 70}, [2]float64{45, 90}
	far := face.Point{X: 500, Y: 500} // the keypoints of the other side, never measured
	kp := [5]face.Point{{X: 40, Y: 50}, far, {X: 60, Y: 75}, {X: 45, Y: 100}, far}
	check := func(side string, got [3]float64) {
		t.Helper()
		for i, want := range [3]float64{0, 0.05, 0.1} {
			if math.Abs(got[i]-want) > 1e-9 {
				t.Errorf("%s: errors %v, want [0 0.05 0.1]", side, got)
				return
			}
		}
	}
	check("image's left", keypointError(fid, kp))

	// The same face mirrored (x → 200 − x): the annotated side is now the
	// subject's left, keypoints 1 and 4.
	for i := range fid {
		fid[i][0] = 200 - fid[i][0]
	}
	mirrored := [5]face.Point{far, {X: 160, Y: 50}, {X: 140, Y: 75}, far, {X: 155, Y: 100}}
	check("image's right", keypointError(fid, mirrored))
}
