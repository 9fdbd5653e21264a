package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/fakecam"
	"github.com/visagehq/visage/liveness"
)

// The movement check frame by frame: each person's frontal frame against
// their real turns, and against the warps of their frontal photo that
// imitate a turn. For each kind it counts how often the pose was reached
// and how the frames that reached it were judged, with the landmark
// residual's range: the calibration behind liveness.Judge's thresholds
// (docs/liveness.md).

// ShapeRow is one kind of movement's frames.
type ShapeRow struct {
	Kind    string
	Genuine bool
	Frames  int // pairs compared
	Reached int // of which the pose was reached (turnDegrees or more)
	// Of those that reached it, how they were judged.
	Solid, Flat, Unknown int
	// The landmark homography residual of all pairs: min, median, max.
	Residual [3]float64
}

// Shapes compares frontal and moved frames of people, `trials` times each
// with another camera jitter and attack.
func Shapes(ctx context.Context, eng *face.Engine, people []Person, trials int, w io.Writer) ([]ShapeRow, error) {
	r := rand.New(rand.NewPCG(11, 12))
	frame := func(b []byte) (*liveness.Frame, error) {
		fs, err := eng.Analyze(ctx, b, face.Options{Single: true, Background: 0.5, Crop: true})
		if err != nil {
			return nil, err
		}
		lf := liveness.FrameOf(&fs[0])
		return &lf, nil
	}
	type kind struct {
		name    string
		genuine bool
		// moved gives the frame for movement m of person p, and the
		// frontal frame to compare it with.
		moved func(p Person, left bool) (ref, f []byte)
	}
	held := func(p Person, pose fakecam.Pose, warp fakecam.Warp) (ref, f []byte) {
		return fakecam.Camera(fakecam.Render(p.Frontal, fakecam.Pose{Size: 1}, nil), r),
			fakecam.Camera(fakecam.Render(p.Frontal, pose, warp), r)
	}
	attack := func(name string, move func(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp)) kind {
		return kind{name, false, func(p Person, left bool) ([]byte, []byte) {
			pose, warp := move(left, r)
			if pose.Size == 0 {
				pose.Size = 1
			}
			return held(p, pose, warp)
		}}
	}
	kinds := []kind{
		{"real turn", true, func(p Person, left bool) ([]byte, []byte) {
			img := p.Right
			if left {
				img = p.Left
			}
			return fakecam.Camera(p.Frontal, r), fakecam.Camera(img, r)
		}},
		attack("rotation", Rotated),
		attack("perspective", Perspective),
		attack("squeeze", Squeezed),
		attack("fold", Folded),
		attack("cylinder", Curved),
		attack("scale and shift", func(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp) {
			return fakecam.Pose{Size: between(r, 0.8, 1.2), DX: between(r, -60, 60), DY: between(r, -40, 40)}, nil
		}),
	}
	var rows []ShapeRow
	for _, k := range kinds {
		row := ShapeRow{Kind: k.name, Genuine: k.genuine}
		var res []float64
		for _, p := range people {
			for range trials {
				for _, m := range []liveness.Movement{liveness.TurnLeft, liveness.TurnRight} {
					rb, fb := k.moved(p, m == liveness.TurnLeft)
					ref, err := frame(rb)
					if err != nil {
						continue
					}
					f, err := frame(fb)
					if err != nil {
						continue
					}
					row.Frames++
					res = append(res, liveness.PlanarResidual(ref.Landmarks, f.Landmarks))
					if m.Progress(ref, f) < 1 {
						continue
					}
					row.Reached++
					switch shape, _ := m.Judge(ref, f); shape {
					case liveness.Solid:
						row.Solid++
					case liveness.Flat:
						row.Flat++
					default:
						row.Unknown++
					}
				}
			}
		}
		slices.Sort(res)
		if len(res) > 0 {
			row.Residual = [3]float64{res[0], res[len(res)/2], res[len(res)-1]}
		}
		rows = append(rows, row)
		if w != nil {
			fmt.Fprintf(w, "bench liveness: %s done\n", k.name)
		}
	}
	return rows, nil
}
