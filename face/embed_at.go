package face

import (
	"context"
	"fmt"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face/photo"
)

// TemplateAt makes the template of the face whose five keypoints are kp
// (eye centres, the subject's right eye first, nose tip, mouth corners,
// in pixels of the photo as a viewer sees it, as Face.Keypoints gives
// them), aligned and embedded as Analyze does it. Keypoints found another
// way (`visage bench align`'s candidate landmark models) are judged by
// the templates they make. With Analyze's Keypoints it gives Analyze's
// template of a face turned less than 20°; a face turned more Analyze
// aligns by the face mesh's keypoints instead.
func (e *Engine) TemplateAt(ctx context.Context, image []byte, kp [5]Point) (*visage.Template, error) {
	w, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer e.release(w)
	return w.templateAt(image, kp, e)
}

func (w *worker) templateAt(data []byte, kp [5]Point, e *Engine) (t *visage.Template, err error) {
	defer func() {
		if r := recover(); r != nil { // a bug or a broken runtime, as in analyze
			err = visage.Wrap(visage.CodeInternal, fmt.Errorf("%v", r), "face template failed")
		}
	}()
	img, info, err := photo.DecodeInto(data, e.cfg.Limits, w.frame)
	if err != nil {
		return nil, err
	}
	if c := cap(img.Pix); c > cap(w.frame) && c <= keepFrame {
		w.frame = img.Pix
	}
	// The engine works on the (possibly) downscaled decode.
	s := float32(info.Scale)
	for i, p := range kp {
		kp[i] = Point{p.X * s, p.Y * s}
	}
	vec := make([]float32, e.pack.Dim())
	w.template(img, kp, e.cfg.FlipFusion, vec)
	return &visage.Template{Model: e.Model(), Vector: vec}, nil
}
