package liveness_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/fakecam"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/liveness"
)

// The residual of a homography fit: nothing for points moved by any
// homography, a good share of their spread for points of a solid that
// turned (a nose 30 % of the face's width ahead of its cheeks, turned
// 30°, under a pinhole camera).
func TestPlanarResidual(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var flat, moved, solid, turned []face.Point
	for range 68 {
		x, y := r.Float64()*200-100, r.Float64()*260-130
		flat = append(flat, face.Point{X: float32(x), Y: float32(y)})
		// An arbitrary projective map.
		w := 1 + 0.0007*x - 0.0004*y
		moved = append(moved, face.Point{X: float32((1.1*x + 0.2*y + 30) / w), Y: float32((-0.15*x + 0.9*y - 12) / w)})
		// A face-like solid: depth falls off from the middle.
		z := 60 * math.Exp(-(x*x)/(2*40*40)-(y*y)/(2*70*70))
		solid = append(solid, face.Point{X: float32(x), Y: float32(y)})
		a := 30 * math.Pi / 180
		xr, zr := x*math.Cos(a)+z*math.Sin(a), -x*math.Sin(a)+z*math.Cos(a)
		f := 600 / (600 - zr)
		turned = append(turned, face.Point{X: float32(xr * f), Y: float32(y * f)})
	}
	if res := liveness.PlanarResidual(flat, moved); !(res < 1e-4) {
		t.Errorf("a homography leaves a residual of %.5f, want about 0", res)
	}
	if res := liveness.PlanarResidual(solid, turned); !(res > 0.03) {
		t.Errorf("a turned solid leaves a residual of %.5f, want well above 0", res)
	}
	if res := liveness.PlanarResidual(flat[:4], moved[:4]); !math.IsNaN(res) {
		t.Errorf("four points: %v, want NaN (no residual to speak of)", res)
	}
}

// frameOf analyses a camera frame as the widget does.
func frameOf(t testing.TB, jpegBytes []byte) *liveness.Frame {
	t.Helper()
	faces, err := testface.Engine(t).Analyze(context.Background(), jpegBytes, face.Options{Single: true, Background: 0.5, Crop: true})
	if err != nil {
		t.Fatal(err)
	}
	lf := liveness.FrameOf(&faces[0])
	return &lf
}

func decode(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return fakecam.RGBA(img)
}

// A real photo held as a print and moved to imitate each turn — turned in
// perspective, squeezed, folded, curved — is never judged a head: the
// patches of its skin move as one or two planes, whatever the landmarks
// make of the face.
func TestPaperIsNeverSolid(t *testing.T) {
	photo := fakecam.RGBA(fakecam.Render(decode(t, testface.Person(t, 6, 0, 0)), fakecam.Pose{Size: 0.9}, nil))
	r := rand.New(rand.NewPCG(3, 4))
	held := func(p fakecam.Pose, w fakecam.Warp) *liveness.Frame {
		if p.Size == 0 {
			p.Size = 1
		}
		return frameOf(t, fakecam.Camera(fakecam.Render(photo, p, w), r))
	}
	ref := held(fakecam.Pose{}, nil)
	attacks := map[string]func(left bool) (fakecam.Pose, fakecam.Warp){
		"perspective": func(left bool) (fakecam.Pose, fakecam.Warp) {
			return fakecam.Pose{Yaw: map[bool]float64{true: -45, false: 45}[left]}, nil
		},
		"squeeze": func(left bool) (fakecam.Pose, fakecam.Warp) { return fakecam.Pose{}, fakecam.Squeeze(left, 0.5) },
		"fold": func(left bool) (fakecam.Pose, fakecam.Warp) {
			return fakecam.Pose{Surface: fakecam.Folded, Bend: 80, Yaw: map[bool]float64{true: -30, false: 30}[left]}, nil
		},
		"cylinder": func(left bool) (fakecam.Pose, fakecam.Warp) {
			return fakecam.Pose{Surface: fakecam.Cylinder, Bend: 120, Yaw: map[bool]float64{true: -30, false: 30}[left]}, nil
		},
	}
	for name, attack := range attacks {
		for _, m := range []liveness.Movement{liveness.TurnLeft, liveness.TurnRight} {
			f := held(attack(m == liveness.TurnLeft))
			if shape, ev := m.Judge(ref, f); shape == liveness.Solid {
				t.Errorf("%s for %s: judged a head (%+v)", name, m, ev)
			}
		}
	}
}

// head-turns' people, frontal then turned about 30° each way: their
// frames are judged heads, and the turn the other way makes no progress.
func TestTurnsAreSolid(t *testing.T) {
	dir := testface.Datasets(t, "head-turns")
	people, err := bench.LoadPeople(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	solid, n := 0, 0
	for _, p := range people[:10] {
		ref := frameOf(t, fakecam.Camera(p.Frontal, r))
		for m, img := range map[liveness.Movement]image.Image{liveness.TurnLeft: p.Left, liveness.TurnRight: p.Right} {
			f := frameOf(t, fakecam.Camera(img, r))
			if pr := m.Progress(ref, f); pr < 1 {
				t.Errorf("%s %s: progress %.2f, want the pose reached", p.Name, m, pr)
			}
			other := liveness.TurnLeft
			if m == liveness.TurnLeft {
				other = liveness.TurnRight
			}
			if pr := other.Progress(ref, f); pr > 0 {
				t.Errorf("%s turned for %s makes progress %.2f on %s", p.Name, m, pr, other)
			}
			n++
			if shape, _ := m.Judge(ref, f); shape == liveness.Solid {
				solid++
			} else if shape == liveness.Flat {
				t.Errorf("%s %s: a real turn judged flat", p.Name, m)
			}
		}
	}
	// Measured: 19 of these 20 (bench pad runs all 30 people).
	if solid < n*8/10 {
		t.Errorf("%d of %d real turns judged heads, want at least 80 %%", solid, n)
	}
}

// A movement is done when the pose is held over two counted frames with
// a head's depth, and never sooner than MinMoveTime after it was asked.
func TestMoveTiming(t *testing.T) {
	dir := testface.Datasets(t, "head-turns")
	people, err := bench.LoadPeople(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	p := people[0]
	ref := frameOf(t, fakecam.Camera(p.Frontal, r))
	t0 := time.Unix(1000, 0)
	mv := liveness.Move{Movement: liveness.TurnLeft, Ref: ref, Start: t0}
	if o := mv.Step(frameOf(t, fakecam.Camera(p.Frontal, r)), t0.Add(100*time.Millisecond)); o.Done || o.Progress > 0.5 {
		t.Fatalf("a frontal frame: %+v", o)
	}
	turned := func() *liveness.Frame { return frameOf(t, fakecam.Camera(p.Left, r)) }
	if o := mv.Step(turned(), t0.Add(150*time.Millisecond)); o.Done || o.Progress < 1 {
		t.Fatalf("the first turned frame: %+v, want the pose reached, not yet held", o)
	}
	if o := mv.Step(turned(), t0.Add(300*time.Millisecond)); o.Done {
		t.Fatalf("held, but 300 ms after the movement was asked: %+v, want not done before %v", o, liveness.MinMoveTime)
	}
	if o := mv.Step(turned(), t0.Add(700*time.Millisecond)); !o.Done || o.Attack != "" {
		t.Fatalf("held at 700 ms: %+v, want done", o)
	}
}

// Draw picks two movements from the set, each independently: every
// ordered pair, repeats included, comes up.
func TestDraw(t *testing.T) {
	seen := map[[2]liveness.Movement]bool{}
	for range 600 {
		d := liveness.Draw(liveness.AllMovements)
		if len(d) != liveness.MovesPerSession {
			t.Fatalf("drew %v, want two movements", d)
		}
		seen[[2]liveness.Movement{d[0], d[1]}] = true
	}
	if len(seen) != 16 {
		t.Errorf("%d ordered pairs of 16 drawn in 600 sessions", len(seen))
	}
	if d := liveness.Draw([]liveness.Movement{liveness.TurnLeft}); d[0] != liveness.TurnLeft || d[1] != liveness.TurnLeft {
		t.Errorf("one movement allowed: drew %v", d)
	}
	if _, err := liveness.ParseMovements([]string{"tilt_left"}); err == nil {
		t.Error("tilt_left accepted: a tilt proves nothing and is no movement")
	}
}

// BenchmarkJudge is the cost of judging one frame at the target pose
// (tracking the skin's patches and fitting the planes): what each frame
// of a held pose adds to the analysis.
func BenchmarkJudge(b *testing.B) {
	dir := testface.Datasets(b, "head-turns")
	people, err := bench.LoadPeople(filepath.Dir(dir))
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	ref := frameOf(b, fakecam.Camera(people[0].Frontal, r))
	f := frameOf(b, fakecam.Camera(people[0].Left, r))
	for b.Loop() {
		liveness.TurnLeft.Judge(ref, f)
	}
}
