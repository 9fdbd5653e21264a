// Package face is Visage's face engine: image bytes in; faces out, each
// with its box, landmarks, quality signals, and on request a template for
// matching, a liveness score, and age and gender estimates.
//
//	eng, err := face.New(face.Config{})
//	faces, err := eng.Analyze(ctx, jpeg, face.Options{Embed: true})
//
// Behind it: decode (face/photo) → detect (UltraFace, and MediaPipe's
// short-range detector when it finds nothing) → 68 landmarks →
// similarity alignment to the ArcFace reference → 512-d embedding, on ONNX
// Runtime. An Engine is safe for concurrent use: it holds one worker per
// core, each with its own single-threaded sessions and buffers.
package face

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face/photo"
	"github.com/visagehq/visage/pack"
)

// Config says where the runtime and the models are and how many workers to
// run. The zero value uses the fetched folder and one worker per core.
type Config struct {
	// RuntimeLib is the ONNX Runtime shared library. Default: $VISAGE_ORT_LIB,
	// else deps/onnxruntime/libonnxruntime.so.1 (see DefaultDepsDir).
	RuntimeLib string
	// ModelDir holds the fr_*.onnx files and the built-in packs' models.
	// Default: $VISAGE_MODELS, else deps/models.
	ModelDir string
	// Pack names the recogniser that makes templates: a built-in pack,
	// its model in ModelDir, or the path of an operator's pack.json.
	// Default: $VISAGE_PACK, else pack.Default.
	Pack string
	// Workers is how many analyses run at once. Default: the number of CPUs.
	Workers int
	// Limits bound what Analyze accepts. Default: photo.DefaultLimits().
	Limits photo.Limits
	// MinScore is the detector confidence a face needs. Default 0.8: real
	// faces in the test photos score 0.93 and up, while clothing has scored
	// 0.72.
	MinScore float32
	// MinFaceSize is the smallest face, in pixels of box height in the
	// decoded image, that counts. Default 20.
	MinFaceSize float32
	// Observe, when set, receives the stage timings of every analysis
	// (for metrics). It must be quick and safe for concurrent use.
	Observe func(Timings)
	// FlipFusion adds the embedding of the mirrored face to the template.
	// It costs a second recogniser run; see docs/engine.md for what it buys.
	FlipFusion bool
	// MaxQueueWait bounds the wait for a free worker. When every worker
	// is busy and the analyses queued ahead would take longer than this
	// (at their recent mean time), Analyze returns a *BusyError at once,
	// and at the end of the wait if it runs out anyway: an overloaded
	// server then answers "come back in N s" in moments rather than
	// TIMEOUT once the request's whole time has gone. Zero waits as long
	// as the context allows (benchmarks and the command line).
	MaxQueueWait time.Duration
}

// Options say what Analyze computes beyond detection and landmarks.
type Options struct {
	// Single requires exactly one face: NO_FACE or MANY_FACES otherwise.
	Single bool
	// Background, when in (0, 1], drops the faces shorter than this share
	// of the tallest face's height before anything else: in a camera
	// frame of someone at arm's length, a face that small is a poster or
	// a passer-by far behind, not a second person at the camera.
	Background float32
	// MaxFaces analyses only the largest n faces (0: all). Detection still
	// counts every face, so Single still sees a second face.
	MaxFaces int
	// Embed computes each face's template.
	Embed bool
	// Liveness computes the anti-spoofing score.
	Liveness bool
	// Attributes estimates age and gender.
	Attributes bool
	// Quality computes sharpness and eye state.
	Quality bool
	// Crop keeps a grey square of each face (Face.Crop), for liveness.
	Crop bool
	// Timings, when set, receives how long each stage took.
	Timings *Timings
}

// Face is one detected face. Coordinates are in pixels of the photo as a
// viewer sees it: after EXIF orientation, at its original size.
type Face struct {
	Box       Rect     `json:"box"`
	Score     float32  `json:"score"`
	Landmarks []Point  `json:"landmarks"`
	Keypoints [5]Point `json:"keypoints"`
	Quality   Quality  `json:"quality"`
	// Liveness is the probability that this is a live person in front of
	// the camera rather than a photo or screen (with Options.Liveness).
	Liveness *float32 `json:"liveness,omitempty"`
	// Age in years and the probability of female (with Options.Attributes).
	Age    *float32 `json:"age,omitempty"`
	Female *float32 `json:"female,omitempty"`
	// Template is the face's biometric template (with Options.Embed). It is
	// never serialised by accident.
	Template *visage.Template `json:"-"`
	// Crop is a grey picture of the face (with Options.Crop), never
	// serialised either.
	Crop *Crop `json:"-"`
}

// Quality describes how usable a face is for recognition.
type Quality struct {
	// Size is the box height in pixels of the original photo.
	Size float32 `json:"size"`
	// Score is the probability that a photo of this quality matches
	// another photo of the same person at the default level, from the
	// signals below, the detector's confidence and the recogniser's own
	// response (Options.Embed or Options.Quality; see QualityModel).
	Score *float32 `json:"score,omitempty"`
	// Sharpness is the Laplacian variance of the aligned face (Options.Embed
	// or Options.Quality).
	Sharpness *float32 `json:"sharpness,omitempty"`
	// LogNorm is the logarithm of the length of the recogniser's output
	// before normalisation (its members' mean), the score's signal of how
	// well the recogniser sees the face (Options.Embed or Options.Quality).
	LogNorm float32 `json:"-"`
	// Yaw, Pitch and Roll are the head pose in degrees, fitted to the
	// landmarks (always): yaw is positive when the nose points to the
	// image's right, pitch when the face looks down, roll when the face is
	// turned anticlockwise.
	Yaw   float32 `json:"yaw"`
	Pitch float32 `json:"pitch"`
	Roll  float32 `json:"roll"`
	// EyesOpen is the probability each eye is open, the subject's right
	// eye first (Options.Quality).
	EyesOpen *[2]float32 `json:"eyes_open,omitempty"`
}

// Timings is how long each stage of one Analyze call took.
type Timings struct {
	Queue, Decode, Detect, Landmarks, Embed, Liveness, Attributes, Quality time.Duration
}

// Engine analyses photos. Create it with New, share it, Close it at exit.
type Engine struct {
	cfg     Config
	pack    *pack.Pack
	quality QualityModel // the pack's
	recs    []recogniser
	models  map[string]*modelFile
	workers chan *worker
	all     []*worker
	// waiting counts the callers queued for a worker; mean is the recent
	// mean time an analysis holds one, in nanoseconds. Together they
	// estimate a newcomer's wait (MaxQueueWait).
	waiting atomic.Int64
	mean    atomic.Int64
}

// BusyError is what Analyze returns when no worker would be free within
// Config.MaxQueueWait. It is a deadline exceeded (errors.Is matches
// context.DeadlineExceeded): the analysis could not be done in its time,
// and the caller learns it at once rather than when the time is up.
type BusyError struct {
	// Wait is the estimated wait for a worker: when to try again.
	Wait time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("face engine busy: about %v of analyses queued ahead", e.Wait.Round(time.Millisecond))
}

func (e *BusyError) Is(target error) bool { return target == context.DeadlineExceeded }

// flips says whether a face of this yaw is embedded with its mirror
// image: always with FlipFusion, and beyond the pack's FlipBeyondYaw.
func (e *Engine) flips(yaw float32) bool {
	beyond := e.pack.FlipBeyondYaw
	return e.cfg.FlipFusion || beyond > 0 && (yaw > beyond || yaw < -beyond)
}

// Model names, as fetched into the model folder.
const (
	// DefaultLivenessThreshold is the Liveness score at or above which a
	// face counts as live. NUAA print attacks: see docs/engine.md.
	DefaultLivenessThreshold = 0.5

	ModelDetect    = "fr_detect"
	ModelTurned    = "mp_face_short" // the detector's fallback, for turned faces
	ModelMesh      = "facemesh"      // the keypoints of turned faces
	ModelLandmark  = "fr_landmark"
	ModelFeature   = "recogniser" // the pack's models, in ProfileModels
	ModelLiveness  = "fr_liveness"
	ModelAgeGender = "faceapi_agegender"
	ModelEye       = "fr_eye"
)

// DefaultDepsDir finds the deps folder that `make setup` fills: next to the
// running binary's bin/ folder, else in the working directory.
func DefaultDepsDir() string {
	if exe, err := os.Executable(); err == nil {
		d := filepath.Join(filepath.Dir(filepath.Dir(exe)), "deps")
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return "deps"
}

func (c Config) withDefaults() Config {
	if c.RuntimeLib == "" {
		c.RuntimeLib = os.Getenv("VISAGE_ORT_LIB")
	}
	if c.RuntimeLib == "" {
		c.RuntimeLib = filepath.Join(DefaultDepsDir(), "onnxruntime", "libonnxruntime.so.1")
	}
	if c.ModelDir == "" {
		c.ModelDir = os.Getenv("VISAGE_MODELS")
	}
	if c.ModelDir == "" {
		c.ModelDir = filepath.Join(DefaultDepsDir(), "models")
	}
	if c.Pack == "" {
		c.Pack = os.Getenv("VISAGE_PACK")
	}
	if c.Pack == "" {
		c.Pack = pack.Default
	}
	if c.Workers <= 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.Limits == (photo.Limits{}) {
		c.Limits = photo.DefaultLimits()
	}
	if c.MinScore == 0 {
		c.MinScore = 0.8
	}
	if c.MinFaceSize == 0 {
		c.MinFaceSize = 20
	}
	return c
}

// New loads the runtime and the models and starts the workers.
func New(cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	if err := initRuntime(cfg.RuntimeLib); err != nil {
		return nil, err
	}
	p, err := pack.Open(cfg.Pack, cfg.ModelDir)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, pack: p, quality: qualityModelOf(p.ID()), models: map[string]*modelFile{}, workers: make(chan *worker, cfg.Workers)}
	for _, name := range []string{ModelDetect, ModelTurned, ModelMesh, ModelLandmark, ModelLiveness, ModelAgeGender, ModelEye} {
		m, err := loadModel(cfg.ModelDir, name)
		if err != nil {
			return nil, err
		}
		e.models[name] = m
	}
	if e.recs, err = newRecognisers(p); err != nil {
		return nil, err
	}
	for range cfg.Workers {
		w, err := newWorker(e.models, e.recs)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.all = append(e.all, w)
		e.workers <- w
	}
	return e, nil
}

// Close releases the workers' sessions. It waits for running analyses.
func (e *Engine) Close() {
	for range e.all {
		w := <-e.workers
		w.destroy()
	}
	e.all = nil
}

// Model is the identifier of the recogniser that makes templates; when
// flip fusion is on it says so, since such templates are not comparable
// with plain ones.
func (e *Engine) Model() string {
	id := e.pack.ID()
	if e.cfg.FlipFusion {
		id += "+flip"
	}
	return id
}

// Pack is the recogniser's pack: its calibration gives scores their meaning.
func (e *Engine) Pack() *pack.Pack { return e.pack }

// Workers is the number of analyses the engine runs at once.
func (e *Engine) Workers() int { return e.cfg.Workers }

// Analyze finds the faces in an encoded image and computes what opts asks.
// Errors carry visage codes: IMAGE_* for unreadable input, NO_FACE and
// MANY_FACES when opts.Single is not met. Without Single, an image with no
// face returns no faces and no error.
func (e *Engine) Analyze(ctx context.Context, image []byte, opts Options) ([]Face, error) {
	t0 := time.Now()
	w, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	held := time.Now()
	defer func() {
		e.observeHold(time.Since(held))
		e.release(w)
	}()
	tm := opts.Timings
	if tm == nil {
		tm = &Timings{}
	}
	*tm = Timings{Queue: time.Since(t0)}
	faces, err := w.analyze(image, opts, e, tm)
	if e.cfg.Observe != nil {
		e.cfg.Observe(*tm)
	}
	return faces, err
}

// acquire waits for a free worker, or for ctx to end, or, with a
// MaxQueueWait, until that wait is over or estimated to be.
func (e *Engine) acquire(ctx context.Context) (*worker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case w := <-e.workers:
		return w, nil
	default:
	}
	var timeout <-chan time.Time
	if e.cfg.MaxQueueWait > 0 {
		defer e.waiting.Add(-1)
		if wait := e.queueWait(e.waiting.Add(1)); wait > e.cfg.MaxQueueWait {
			return nil, &BusyError{Wait: wait}
		}
		t := time.NewTimer(e.cfg.MaxQueueWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case w := <-e.workers:
		return w, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timeout:
		return nil, &BusyError{Wait: max(e.queueWait(e.waiting.Load()), e.cfg.MaxQueueWait)}
	}
}

// queueWait estimates the wait of the n-th caller in the queue: every
// worker busy, the callers ahead served first, each analysis taking the
// recent mean. It errs long, counting a whole analysis for the first
// round where the running ones are part done.
func (e *Engine) queueWait(n int64) time.Duration {
	workers := int64(e.cfg.Workers)
	return time.Duration((n+workers-1)/workers) * time.Duration(e.mean.Load())
}

// observeHold folds one analysis's time into the recent mean, with
// weight 1/8: a run of slow photos moves it, a single one barely does.
// Concurrent updates may lose one another; an estimate can afford that.
func (e *Engine) observeHold(d time.Duration) {
	old := e.mean.Load()
	if old == 0 {
		e.mean.Store(int64(d))
		return
	}
	e.mean.Store(old + (int64(d)-old)/8)
}

func (e *Engine) release(w *worker) { e.workers <- w }

// analyze is Analyze on a worker this goroutine owns.
// keepFrame is the largest decoded photo a worker keeps for the next one:
// camera frames and ordinary photos (up to 1280×960) are decoded without
// allocating, while a burst of large uploads does not leave each worker
// holding a buffer of the largest for good.
const keepFrame = 1280 * 960 * 3

func (w *worker) analyze(data []byte, opts Options, e *Engine, tm *Timings) (faces []Face, err error) {
	defer func() {
		// A panic here is a bug or a broken runtime, never the client's
		// fault; turn it into an error rather than take the server down.
		if r := recover(); r != nil {
			err = visage.Wrap(visage.CodeInternal, fmt.Errorf("%v", r), "face analysis failed")
		}
	}()
	t := time.Now()
	img, info, err := photo.DecodeInto(data, e.cfg.Limits, w.frame)
	if err != nil {
		return nil, err
	}
	if c := cap(img.Pix); c > cap(w.frame) && c <= keepFrame {
		w.frame = img.Pix // keep the larger buffer for the next photo
	}
	lap := func(d *time.Duration) { now := time.Now(); *d += now.Sub(t); t = now }
	lap(&tm.Decode)

	dets := bigEnough(w.detect(img, e.cfg.MinScore), e.cfg.MinFaceSize)
	if len(dets) == 0 {
		dets = bigEnough(w.detectTurned(img), e.cfg.MinFaceSize)
	}
	lap(&tm.Detect)
	if opts.Background > 0 && len(dets) > 1 {
		var tallest float32
		for _, d := range dets {
			tallest = max(tallest, d.box.H)
		}
		kept := dets[:0]
		for _, d := range dets {
			if d.box.H >= opts.Background*tallest {
				kept = append(kept, d)
			}
		}
		dets = kept
	}
	if opts.Single && len(dets) == 0 {
		return nil, visage.Errorf(visage.CodeNoFace, "no face found in the image")
	}
	if opts.Single && len(dets) > 1 {
		return nil, visage.Errorf(visage.CodeManyFaces, "%d faces found; the image must show exactly one", len(dets))
	}
	if opts.MaxFaces > 0 && len(dets) > opts.MaxFaces {
		dets = dets[:opts.MaxFaces]
	}

	// Results are reported in the original photo's pixels; the engine
	// works on the (possibly) downscaled decode.
	back := 1 / float32(info.Scale)
	faces = make([]Face, len(dets))
	for i, d := range dets {
		f := &faces[i]
		f.Score = d.score
		f.Box = Rect{d.box.X * back, d.box.Y * back, d.box.W * back, d.box.H * back}
		f.Quality.Size = f.Box.H

		pts := w.landmarks(img, d.box)
		kp := keypoints(pts)
		f.Quality.Yaw, f.Quality.Pitch, f.Quality.Roll = headPose(pts)
		// What the face is aligned by; Keypoints stay the 68-point
		// model's, which the liveness checks were built on.
		align := kp
		if opts.Embed || opts.Quality {
			align = w.alignmentKeypoints(img, d.box, kp, f.Quality.Yaw)
		}
		f.Landmarks = make([]Point, len(pts))
		for j, p := range pts {
			f.Landmarks[j] = Point{p.X * back, p.Y * back}
		}
		for j, p := range kp {
			f.Keypoints[j] = Point{p.X * back, p.Y * back}
		}
		lap(&tm.Landmarks)

		if opts.Embed || opts.Quality {
			// The quality score needs the recogniser's run, whether or
			// not the template is wanted.
			vec := make([]float32, e.pack.Dim())
			logNorm := w.template(img, align, e.flips(f.Quality.Yaw), vec)
			if opts.Embed {
				f.Template = &visage.Template{Model: e.Model(), Vector: vec}
			}
			sh := sharpness(&w.recs[0].img) // of the aligned face
			f.Quality.Sharpness = &sh
			f.Quality.LogNorm = logNorm
			score := e.quality.score(f.Score, f.Quality)
			f.Quality.Score = &score
			lap(&tm.Embed)
		}
		if opts.Liveness {
			s := w.liveness(img, d.box)
			f.Liveness = &s
			lap(&tm.Liveness)
		}
		if opts.Crop {
			f.Crop = w.crop(img, d.box, back)
		}
		if opts.Attributes {
			age, female := w.ageGender(img, pts)
			f.Age, f.Female = &age, &female
			lap(&tm.Attributes)
		}
		if opts.Quality {
			r, l := w.eyesOpen(img, pts)
			f.Quality.EyesOpen = &[2]float32{r, l}
			lap(&tm.Quality)
		}
	}
	return faces, nil
}
