package face

import (
	"math"

	"github.com/visagehq/visage/face/photo"
	"github.com/visagehq/visage/pack"
)

// recogniser is how the engine feeds one model of its pack (a fused pack
// has several): the side of the aligned square, where the five keypoints
// go in it, the input normalisation, the tensor names, the length of its
// part of the template and the factor that part is scaled by.
type recogniser struct {
	model         *modelFile
	size          int
	ref           []Point
	norm          norm
	input, output string
	dim           int
	scale         float32
}

// newRecognisers reads and checks the pack's models.
func newRecognisers(p *pack.Pack) ([]recogniser, error) {
	var recs []recogniser
	scale := p.Scale()
	for i, rp := range p.Recognisers() {
		data, err := rp.ReadModel()
		if err != nil {
			return nil, err
		}
		r := recogniser{
			model: &modelFile{name: rp.Name, data: data, sum: rp.Model.SHA256},
			size:  rp.Input.Size, input: rp.Input.Name, output: rp.Output.Name, dim: rp.Output.Dim,
			scale: scale[i],
		}
		for _, pt := range rp.Alignment {
			r.ref = append(r.ref, Point{pt[0], pt[1]})
		}
		r.norm.order = rgbOrder
		if rp.Input.Channels == "BGR" {
			r.norm.order = bgrOrder
		}
		for c := range 3 {
			r.norm.mean[c] = rp.Input.Mean[c]
			r.norm.scale[c] = 1 / rp.Input.Std[c]
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// recSlot is a worker's session and buffers for one recogniser.
type recSlot struct {
	r    *recogniser
	s    *session
	img  photo.RGB // the aligned face
	flip []float32 // the mirrored face's embedding, for flip fusion
}

func newRecSlot(r *recogniser) (recSlot, error) {
	s, err := newSession(r.model,
		[]ioSpec{{r.input, []int64{1, 3, int64(r.size), int64(r.size)}}},
		[]ioSpec{{r.output, []int64{1, int64(r.dim)}}})
	return recSlot{r: r, s: s, img: newRGB(r.size, r.size), flip: make([]float32, r.dim)}, err
}

// align warps the face with keypoints kp onto the recogniser's reference
// points, by the least-squares similarity transform.
func (w *worker) align(slot *recSlot, img *photo.RGB, kp [5]Point) {
	toRef := similarityFit(kp[:], slot.r.ref)
	w.warp(&slot.img, img, toRef.invert())
}

// template aligns the face to each recogniser and writes their scaled,
// normalised embeddings one after the other into dst: a unit vector whose
// cosine with another is the weighted mean of the recognisers' cosines.
// With flip, each embedding is that of the face plus its mirror image.
//
// It returns the mean over the recognisers of the logarithm of their raw
// output's length, before normalisation (of the unmirrored face): networks
// trained with a margin loss give faces they recognise poorly short
// outputs, which makes it a signal of the quality score.
func (w *worker) template(img *photo.RGB, kp [5]Point, flip bool, dst []float32) (logNorm float32) {
	off := 0
	for i := range w.recs {
		slot := &w.recs[i]
		part := dst[off : off+slot.r.dim]
		off += slot.r.dim
		w.align(slot, img, kp)
		logNorm += float32(math.Log(max(float64(slot.embed(part)), 1e-6))) / float32(len(w.recs))
		if flip {
			mirror(&slot.img)
			slot.embed(slot.flip)
			for j := range part {
				part[j] += slot.flip[j]
			}
			normalize(part)
			mirror(&slot.img) // restore for the quality measures
		}
		for j := range part {
			part[j] *= slot.r.scale
		}
	}
	return logNorm
}

// embed runs the recogniser on the aligned crop, writes its normalised
// output into dst and returns the output's length before.
func (slot *recSlot) embed(dst []float32) float32 {
	planar(slot.s.in(0), &slot.img, slot.r.norm)
	if err := slot.s.run(); err != nil {
		panic(err)
	}
	copy(dst, slot.s.out(0))
	return normalize(dst)
}

// mirror flips an image left to right, in place.
func mirror(img *photo.RGB) {
	for y := 0; y < img.H; y++ {
		row := img.Pix[y*img.W*3 : (y+1)*img.W*3]
		for l, r := 0, img.W-1; l < r; l, r = l+1, r-1 {
			a, b := row[l*3:l*3+3], row[r*3:r*3+3]
			a[0], a[1], a[2], b[0], b[1], b[2] = b[0], b[1], b[2], a[0], a[1], a[2]
		}
	}
}

// normalize scales v to unit length and returns its length before.
func normalize(v []float32) float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return 0
	}
	n := math.Sqrt(s)
	inv := float32(1 / n)
	for i := range v {
		v[i] *= inv
	}
	return float32(n)
}
