package face

import (
	"context"
	"slices"
	"time"
)

// ModelTimes is the median time of one run of each model alone, keyed by
// model name (fr_detect, fr_landmark, ...).
type ModelTimes map[string]time.Duration

// ProfileModels measures what the models themselves cost, as a baseline
// for the pipeline around them: it analyses image once (so every model's
// input holds a real crop), then runs each session on its own `runs`
// times and keeps the median. Measured in the same process and moment as
// the pipeline, the ratio between the two is meaningful on a noisy machine
// where absolute times are not.
func (e *Engine) ProfileModels(ctx context.Context, image []byte, runs int) (ModelTimes, error) {
	w, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer e.release(w)
	if _, err := w.analyze(image, Options{Embed: true, Liveness: true, Attributes: true, Quality: true}, e, &Timings{}); err != nil {
		return nil, err
	}
	// A fused pack's recognisers count as one model: each run is all of them.
	recs := make([]*session, len(w.recs))
	for i := range w.recs {
		recs[i] = w.recs[i].s
	}
	sessions := map[string][]*session{
		ModelDetect: {w.det}, ModelLandmark: {w.lmk}, ModelFeature: recs, ModelLiveness: {w.live},
		ModelAgeGender: {w.ageSex}, ModelEye: {w.eye},
	}
	times := ModelTimes{}
	samples := make([]time.Duration, runs)
	for name, ss := range sessions {
		for i := range samples {
			t := time.Now()
			for _, s := range ss {
				if err := s.run(); err != nil {
					return nil, err
				}
			}
			samples[i] = time.Since(t)
		}
		times[name] = Median(samples)
	}
	return times, nil
}

// Median of a set of durations (sorts d).
func Median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}
