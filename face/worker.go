package face

import (
	"github.com/visagehq/visage/face/photo"
)

// A worker owns one session per model and every buffer an analysis needs,
// so that once warm an analysis allocates little beyond its results. An
// Engine keeps one worker per core; a worker is used by one goroutine at a
// time.
type worker struct {
	det, lmk, live, ageSex, eye *session
	turned                      *blazeFace // the detector's fallback
	mesh                        *FaceMesh  // turned faces' keypoints
	recs                        []recSlot  // the pack's recognisers
	warper

	// Model-sized crops, reused across requests.
	detImg, lmkImg, liveImg, attrImg, eyeImg, cropImg photo.RGB
	cands                                             []detection
	frame                                             []byte // decoded photo, reused
}

func newRGB(w, h int) photo.RGB { return photo.RGB{W: w, H: h, Pix: make([]byte, w*h*3)} }

func newWorker(models map[string]*modelFile, recs []recogniser) (*worker, error) {
	w := &worker{
		detImg:  newRGB(detW, detH),
		lmkImg:  newRGB(lmkSize, lmkSize),
		liveImg: newRGB(liveSize, liveSize),
		attrImg: newRGB(attrSize, attrSize),
		eyeImg:  newRGB(eyeSize, eyeSize),
		cropImg: newRGB(CropSize, CropSize),
		cands:   make([]detection, 0, detPriors),
	}
	specs := []struct {
		dst     **session
		model   string
		in, out []ioSpec
	}{
		{&w.det, ModelDetect, []ioSpec{{"input", []int64{1, 3, detH, detW}}}, []ioSpec{{"scores", []int64{1, detPriors, 2}}, {"boxes", []int64{1, detPriors, 4}}}},
		{&w.lmk, ModelLandmark, []ioSpec{{"input", []int64{1, 1, lmkSize, lmkSize}}}, []ioSpec{{"output", []int64{1, 136}}}},
		{&w.live, ModelLiveness, []ioSpec{{"input", []int64{1, 3, liveSize, liveSize}}}, []ioSpec{{"output", []int64{1, 3}}}},
		{&w.ageSex, ModelAgeGender, []ioSpec{{"input", []int64{1, 3, attrSize, attrSize}}}, []ioSpec{{"age", []int64{1, 1}}, {"gender", []int64{1, 2}}}},
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
	var err error
	if w.turned, err = openBlazeFace(models[ModelTurned], FaceDetectionShort); err != nil {
		w.destroy()
		return nil, err
	}
	if w.mesh, err = openFaceMesh(models[ModelMesh]); err != nil {
		w.destroy()
		return nil, err
	}
	for i := range recs {
		slot, err := newRecSlot(&recs[i])
		if err != nil {
			w.destroy()
			return nil, err
		}
		w.recs = append(w.recs, slot)
	}
	return w, nil
}

func (w *worker) destroy() {
	for _, s := range []*session{w.det, w.lmk, w.live, w.ageSex, w.eye} {
		if s != nil {
			s.destroy()
		}
	}
	if w.turned != nil {
		w.turned.Close()
	}
	if w.mesh != nil {
		w.mesh.Close()
	}
	for _, slot := range w.recs {
		slot.s.destroy()
	}
}
