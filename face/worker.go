package face

import (
	"github.com/visagehq/visage/face/photo"
)

// A worker owns one session per model and every buffer an analysis needs,
// so that once warm an analysis allocates little beyond its results. An
// Engine keeps one worker per core; a worker is used by one goroutine at a
// time.
type worker struct {
	det, lmk, rec, live, age, gender, eye *session
	recog                                 *recogniser // how to feed rec
	warper

	// Model-sized crops, reused across requests.
	detImg, lmkImg, recImg, liveImg, attrImg, eyeImg photo.RGB
	cands                                            []detection
	frame                                            []byte // decoded photo, reused
	flipVec                                          []float32
}

func newRGB(w, h int) photo.RGB { return photo.RGB{W: w, H: h, Pix: make([]byte, w*h*3)} }

func newWorker(models map[string]*modelFile, rec *recogniser) (*worker, error) {
	w := &worker{
		recog:   rec,
		detImg:  newRGB(detW, detH),
		lmkImg:  newRGB(lmkSize, lmkSize),
		recImg:  newRGB(rec.size, rec.size),
		liveImg: newRGB(liveSize, liveSize),
		attrImg: newRGB(attrSize, attrSize),
		eyeImg:  newRGB(eyeSize, eyeSize),
		cands:   make([]detection, 0, detPriors),
		flipVec: make([]float32, rec.dim),
	}
	ssr := []ioSpec{
		{"prob_stage_1", []int64{1, 3}}, {"prob_stage_2", []int64{1, 3}}, {"prob_stage_3", []int64{1, 3}},
		{"stage1_delta_k", []int64{1, 1}}, {"stage2_delta_k", []int64{1, 1}}, {"stage3_delta_k", []int64{1, 1}},
		{"index_offset_stage1", []int64{1, 3}}, {"index_offset_stage2", []int64{1, 3}}, {"index_offset_stage3", []int64{1, 3}},
	}
	specs := []struct {
		dst     **session
		model   string
		in, out []ioSpec
	}{
		{&w.det, ModelDetect, []ioSpec{{"input", []int64{1, 3, detH, detW}}}, []ioSpec{{"scores", []int64{1, detPriors, 2}}, {"boxes", []int64{1, detPriors, 4}}}},
		{&w.lmk, ModelLandmark, []ioSpec{{"input", []int64{1, 1, lmkSize, lmkSize}}}, []ioSpec{{"output", []int64{1, 136}}}},
		{&w.rec, ModelFeature, []ioSpec{{rec.input, []int64{1, 3, int64(rec.size), int64(rec.size)}}}, []ioSpec{{rec.output, []int64{1, int64(rec.dim)}}}},
		{&w.live, ModelLiveness, []ioSpec{{"input", []int64{1, 3, liveSize, liveSize}}}, []ioSpec{{"output", []int64{1, 3}}}},
		{&w.age, ModelAge, []ioSpec{{"input", []int64{1, 3, attrSize, attrSize}}}, ssr},
		{&w.gender, ModelGender, []ioSpec{{"input", []int64{1, 3, attrSize, attrSize}}}, ssr},
		{&w.eye, ModelEye, []ioSpec{{"input", []int64{1, 1, eyeSize, eyeSize}}}, []ioSpec{{"output", []int64{1, 2}}}},
	}
	for _, s := range specs {
		sess, err := newSession(models[s.model], s.in, s.out)
		if err != nil {
			w.destroy()
			return nil, err
		}
		*s.dst = sess
	}
	return w, nil
}

func (w *worker) destroy() {
	for _, s := range []*session{w.det, w.lmk, w.rec, w.live, w.age, w.gender, w.eye} {
		if s != nil {
			s.destroy()
		}
	}
}

// mirrorRec flips the aligned face left to right, in place.
func (w *worker) mirrorRec() {
	img := &w.recImg
	for y := 0; y < img.H; y++ {
		row := img.Pix[y*img.W*3 : (y+1)*img.W*3]
		for l, r := 0, img.W-1; l < r; l, r = l+1, r-1 {
			a, b := row[l*3:l*3+3], row[r*3:r*3+3]
			a[0], a[1], a[2], b[0], b[1], b[2] = b[0], b[1], b[2], a[0], a[1], a[2]
		}
	}
}
