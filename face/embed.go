package face

import (
	"math"

	"github.com/visagehq/visage/face/photo"
)

// The recogniser takes a 112×112 face aligned to the ArcFace reference
// points and returns 512 numbers; the template is their L2-normalised form.
const (
	recSize = 112
	recDim  = 512
)

// arcfaceRef is where the five keypoints sit in the 112×112 crop the
// recogniser was trained on (insightface's reference).
var arcfaceRef = []Point{
	{38.2946, 51.6963},
	{73.5318, 51.5014},
	{56.0252, 71.7366},
	{41.5493, 92.3655},
	{70.7299, 92.2041},
}

// The recogniser scores better on BGR, the order OpenCV-based training
// pipelines read images in: LFW 10-fold 99.38 % against 99.23 % for RGB,
// TAR@FAR 1e-3 98.80 % against 97.83 % (docs/engine.md).
var recNorm = norm{order: bgrOrder, mean: [3]float32{127.5, 127.5, 127.5}, scale: [3]float32{1.0 / 128, 1.0 / 128, 1.0 / 128}}

// align warps the face with keypoints kp onto the recogniser's 112×112
// reference, by the least-squares similarity transform.
func (w *worker) align(img *photo.RGB, kp [5]Point) {
	toRef := similarityFit(kp[:], arcfaceRef)
	w.warp(&w.recImg, img, toRef.invert())
}

// embed runs the recogniser on the aligned crop and writes the normalised
// template into dst (recDim long).
func (w *worker) embed(dst []float32) {
	planar(w.rec.in(0), &w.recImg, recNorm)
	if err := w.rec.run(); err != nil {
		panic(err)
	}
	copy(dst, w.rec.out(0))
	normalize(dst)
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}
