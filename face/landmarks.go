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
