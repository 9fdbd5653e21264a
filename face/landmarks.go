package face

import "github.com/visagehq/visage/face/photo"

// The landmark model takes a 64×64 grey crop of the square around the
// detector box and returns the 68 iBUG points as fractions of that crop.
const lmkSize = 64

// landmarks returns the 68 points of the face in box, in image pixels.
func (w *worker) landmarks(img *photo.RGB, box Rect) [68]Point {
	sq := box.square(1)
	w.warp(&w.lmkImg, img, boxAffine(sq, lmkSize, lmkSize))
	gray(w.lmk.in(0), &w.lmkImg, 1.0/256)
	if err := w.lmk.run(); err != nil {
		panic(err)
	}
	out := w.lmk.out(0)
	var pts [68]Point
	for i := range pts {
		pts[i] = Point{sq.X + out[2*i]*sq.W, sq.Y + out[2*i+1]*sq.H}
	}
	return pts
}

// keypoints reduces the 68 iBUG points to the five that face alignment
// uses: the centres of the two eyes (the mean of each eye's six points),
// the nose tip, and the two mouth corners (outer and inner lip corner
// averaged, which is steadier than either).
func keypoints(p [68]Point) [5]Point {
	mean := func(idx ...int) Point {
		var x, y float32
		for _, i := range idx {
			x += p[i].X
			y += p[i].Y
		}
		n := float32(len(idx))
		return Point{x / n, y / n}
	}
	return [5]Point{
		mean(36, 37, 38, 39, 40, 41), // the subject's right eye, on the image's left
		mean(42, 43, 44, 45, 46, 47),
		p[30],
		mean(48, 60),
		mean(54, 64),
	}
}

// The 68-point model's keypoints drift on turned faces (on CFP's
// profiles, 0.098 face heights from the annotated points against 0.069
// for MediaPipe's face mesh run twice, the second time on the crop its
// first mesh gives), while on frontal ones they are the better (0.023
// against 0.026). So faces turned more than meshYaw are aligned by the
// mesh: CFP-FP 84.99 → 89.36 %, LFW within noise (visage bench align,
// docs/engine.md), for two mesh runs, about 12 ms on a loaded machine,
// on turned faces only.
const meshYaw = 20

// alignmentKeypoints are the five points a face found in box is aligned
// by: kp, the 68-point model's, unless the face is turned more than
// meshYaw, when the refined mesh's.
func (w *worker) alignmentKeypoints(img *photo.RGB, box Rect, kp [5]Point, yaw float32) [5]Point {
	if yaw <= meshYaw && yaw >= -meshYaw {
		return kp
	}
	return w.mesh.Refine(img, w.mesh.Find(img, box)).Keypoints(false)
}
