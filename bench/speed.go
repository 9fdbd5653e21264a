package bench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"slices"
	"sync"
	"time"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
)

// SpeedReport compares the pipeline with the models inside it, measured in
// the same run: on a shared, noisy machine only such ratios mean anything.
type SpeedReport struct {
	Runs       int `json:"runs"`
	Iterations int `json:"iterations"`
	// Models is the median time of one run of each model alone.
	Models map[string]time.Duration `json:"models_ns"`
	// Stages is the median time of each stage of a full analysis.
	Stages map[string]time.Duration `json:"stages_ns"`
	// Template is photo → template (decode, detect, landmarks, align,
	// embed); TemplateModels the detector, landmark and recogniser runs
	// it contains; TemplateRatio the median over runs of their ratio.
	Template       time.Duration `json:"template_ns"`
	TemplateModels time.Duration `json:"template_models_ns"`
	TemplateRatio  float64       `json:"template_ratio"`
	// Full adds liveness, age and gender, against those models too.
	Full       time.Duration `json:"full_ns"`
	FullModels time.Duration `json:"full_models_ns"`
	FullRatio  float64       `json:"full_ratio"`
	// Throughput in templates per second with one worker busy and with
	// all of them (medians over rounds); Scaling is the median of the
	// rounds' ratios.
	Workers     int     `json:"workers"`
	Throughput1 float64 `json:"throughput_1"`
	ThroughputN float64 `json:"throughput_n"`
	Scaling     float64 `json:"scaling"`
}

// Speed measures eng on one encoded image: runs rounds of iters analyses
// each, and the throughput of one worker against all of them.
func Speed(ctx context.Context, eng *face.Engine, img []byte, runs, iters int) (*SpeedReport, error) {
	r := &SpeedReport{Runs: runs, Iterations: iters, Workers: eng.Workers(), Stages: map[string]time.Duration{}}
	embed := face.Options{Embed: true}
	full := face.Options{Embed: true, Liveness: true, Attributes: true}
	var tplRatios, fullRatios, scaling, tp1, tpN []float64
	var tpls, fulls, tplModels, fullModels []time.Duration
	stages := map[string][]time.Duration{}
	for range runs {
		models, err := eng.ProfileModels(ctx, img, iters)
		if err != nil {
			return nil, err
		}
		r.Models = models
		tm := models[face.ModelDetect] + models[face.ModelLandmark] + models[face.ModelFeature]
		fm := tm + models[face.ModelLiveness] + models[face.ModelAgeGender]

		tpl, _, err := timeAnalyses(ctx, eng, img, embed, iters)
		if err != nil {
			return nil, err
		}
		all, st, err := timeAnalyses(ctx, eng, img, full, iters)
		if err != nil {
			return nil, err
		}
		for k, v := range st {
			stages[k] = append(stages[k], v)
		}
		tpls, fulls = append(tpls, tpl), append(fulls, all)
		tplModels, fullModels = append(tplModels, tm), append(fullModels, fm)
		tplRatios = append(tplRatios, float64(tpl)/float64(tm))
		fullRatios = append(fullRatios, float64(all)/float64(fm))

		// One worker, then all of them, back to back: the machine's
		// load drifts, so only a ratio taken within a round is fair.
		one, err := throughput(ctx, eng, img, 1, iters)
		if err != nil {
			return nil, err
		}
		all2, err := throughput(ctx, eng, img, eng.Workers(), iters)
		if err != nil {
			return nil, err
		}
		tp1, tpN = append(tp1, one), append(tpN, all2)
		scaling = append(scaling, all2/one)
	}
	r.Template, r.TemplateModels, r.TemplateRatio = face.Median(tpls), face.Median(tplModels), median(tplRatios)
	r.Full, r.FullModels, r.FullRatio = face.Median(fulls), face.Median(fullModels), median(fullRatios)
	for k, v := range stages {
		r.Stages[k] = face.Median(v)
	}
	r.Throughput1, r.ThroughputN, r.Scaling = median(tp1), median(tpN), median(scaling)
	return r, nil
}

// timeAnalyses returns the median wall time of n analyses (queueing
// excluded) and the median of each stage.
func timeAnalyses(ctx context.Context, eng *face.Engine, img []byte, opts face.Options, n int) (time.Duration, map[string]time.Duration, error) {
	totals := make([]time.Duration, n)
	per := map[string][]time.Duration{}
	for i := range totals {
		var tm face.Timings
		opts.Timings = &tm
		t := time.Now()
		if _, err := eng.Analyze(ctx, img, opts); err != nil {
			return 0, nil, err
		}
		totals[i] = time.Since(t) - tm.Queue
		for k, v := range map[string]time.Duration{
			"decode": tm.Decode, "detect": tm.Detect, "landmarks": tm.Landmarks, "align+embed": tm.Embed,
			"liveness": tm.Liveness, "age+gender": tm.Attributes,
		} {
			per[k] = append(per[k], v)
		}
	}
	med := map[string]time.Duration{}
	for k, v := range per {
		med[k] = face.Median(v)
	}
	return face.Median(totals), med, nil
}

// throughput is templates per second with g goroutines sharing n analyses
// per goroutine.
func throughput(ctx context.Context, eng *face.Engine, img []byte, g, n int) (float64, error) {
	var wg sync.WaitGroup
	errs := make(chan error, g)
	t := time.Now()
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if _, err := eng.Analyze(ctx, img, face.Options{Embed: true}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(g*n) / time.Since(t).Seconds(), nil
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// Frame640 makes the bench's input from a real photo: a 4:3 region around
// its largest face, scaled to 640×480 and encoded as a JPEG of quality 90,
// like a webcam frame. The region is the widest (up to four face heights)
// that shows no other face, so that one analysis is one template.
func Frame640(ctx context.Context, eng *face.Engine, src []byte) ([]byte, error) {
	faces, err := eng.Analyze(ctx, src, face.Options{MaxFaces: 1})
	if err != nil {
		return nil, err
	}
	if len(faces) == 0 {
		return nil, fmt.Errorf("no face in the source photo")
	}
	img, _, err := photo.Decode(src, photo.Limits{})
	if err != nil {
		return nil, err
	}
	box := faces[0].Box
	for _, context := range []float32{4, 3.5, 3, 2.5, 2} {
		frame, err := cutFrame(img, box, context)
		if err != nil {
			return nil, err
		}
		if found, err := eng.Analyze(ctx, frame, face.Options{}); err == nil && len(found) == 1 {
			return frame, nil
		}
	}
	return nil, fmt.Errorf("no 640×480 region around the largest face shows it alone")
}

// cutFrame encodes the 4:3 region context face heights tall around box.
func cutFrame(img *photo.RGB, box face.Rect, context float32) ([]byte, error) {
	h := min(int(box.H*context), img.H, img.W*3/4)
	w := h * 4 / 3
	cx, cy := int(box.X+box.W/2), int(box.Y+box.H/2)
	x0 := max(0, min(cx-w/2, img.W-w))
	y0 := max(0, min(cy-h/2, img.H-h))
	crop := &photo.RGB{W: w, H: h, Pix: make([]byte, w*h*3)}
	for y := range h {
		copy(crop.Pix[y*w*3:(y+1)*w*3], img.Pix[((y0+y)*img.W+x0)*3:])
	}
	small := photo.Downscale(crop, 640)
	out := image.NewRGBA(image.Rect(0, 0, small.W, small.H))
	for i := 0; i < small.W*small.H; i++ {
		copy(out.Pix[i*4:i*4+3], small.Pix[i*3:i*3+3])
		out.Pix[i*4+3] = 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
