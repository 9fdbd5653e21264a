package liveness

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/visagehq/visage/face"
)

// Movement is one of the head movements the server asks for. Directions
// are the person's own: turning to the left points the nose to the
// image's right (the camera's picture is not mirrored).
type Movement string

const (
	TurnLeft  Movement = "turn_left"
	TurnRight Movement = "turn_right"
	NodUp     Movement = "nod_up"
	NodDown   Movement = "nod_down"
)

// AllMovements are the movements there are; DefaultMovements those asked
// unless the operator says otherwise. Nods are measured only on
// synthetic attacks so far, not on people nodding (docs/liveness.md), so
// they are offered but not asked by default.
var (
	AllMovements     = []Movement{TurnLeft, TurnRight, NodUp, NodDown}
	DefaultMovements = []Movement{TurnLeft, TurnRight}
)

// ParseMovements reads movement names.
func ParseMovements(names []string) ([]Movement, error) {
	var out []Movement
	for _, n := range names {
		m := Movement(n)
		if !slices.Contains(AllMovements, m) {
			return nil, fmt.Errorf("unknown movement %q (want %v)", n, AllMovements)
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no movement given (want some of %v)", AllMovements)
	}
	return out, nil
}

// MovesPerSession is how many movements a session asks for.
const MovesPerSession = 2

// Draw picks the session's movements, each independently from the set:
// a recording made for one session answers another's only when both draws
// agree (one session in four with the two turns, one in sixteen with the
// nods too). math/rand/v2's global source is seeded from the operating
// system's randomness and cannot be predicted from outside.
func Draw(set []Movement) []Movement {
	out := make([]Movement, MovesPerSession)
	for i := range out {
		out[i] = set[rand.IntN(len(set))]
	}
	return out
}

// How far the head must move from its frontal pose, in degrees of the
// landmark fit (face.Quality), well above its frame-to-frame jitter
// (about 1.5°) and below what people do when asked: IMM's "30°" turns
// measure 19° to 62°.
const (
	turnDegrees = 15
	nodDegrees  = 12
	// A turn or nod is not a tilt: the head may roll this much on the way.
	maxRoll = 20
)

// FrameOf is what liveness needs of an analysed face (with
// face.Options.Crop).
func FrameOf(f *face.Face) Frame {
	return Frame{Landmarks: f.Landmarks, Yaw: f.Quality.Yaw, Pitch: f.Quality.Pitch, Roll: f.Quality.Roll, Crop: f.Crop}
}

// Frame is what liveness knows of one camera frame with one face.
type Frame struct {
	Landmarks        []face.Point // the 68 points, in the photo's pixels
	Yaw, Pitch, Roll float32
	Crop             *face.Crop
}

// Progress says how far f has moved from ref towards m: 1 or more means
// the pose is reached. A frame that rolled too far makes no progress.
func (m Movement) Progress(ref, f *Frame) float32 {
	if abs32(f.Roll-ref.Roll) > maxRoll {
		return 0
	}
	switch m {
	case TurnLeft:
		return (f.Yaw - ref.Yaw) / turnDegrees
	case TurnRight:
		return (ref.Yaw - f.Yaw) / turnDegrees
	case NodUp:
		return (ref.Pitch - f.Pitch) / nodDegrees
	case NodDown:
		return (f.Pitch - ref.Pitch) / nodDegrees
	}
	return 0
}

// Frontal says whether f is back to ref's pose, to within half a
// movement, ready to be the reference of the next one.
func Frontal(ref, f *Frame) bool {
	return abs32(f.Yaw-ref.Yaw) < turnDegrees/2 && abs32(f.Pitch-ref.Pitch) < nodDegrees/2 && abs32(f.Roll-ref.Roll) < maxRoll/2
}

// Shape is what a frame at the target pose shows of the head's shape.
type Shape int

const (
	Unknown Shape = iota // too little to tell (blur, too few patches)
	Flat                 // it moved as a print or a screen does
	Solid                // it moved as a head does
)

// What separates a head from paper, calibrated on head-turns and its
// warps (bench pad, docs/liveness.md).
const (
	// The landmarks of a flat picture, however warped, keep to one
	// homography within this (over their spread); real turns leave at
	// least 0.062, perspective warps at most about 0.09, squeezes and
	// folds as much as a head (the landmark model sees a turned face in
	// them), which is why the skin's patches decide.
	flatLandmarks  = 0.035
	solidLandmarks = 0.045
	// The skin's patches: two planes explain nearly all of a print's
	// (0.91 or more for squeezes, cylinders and warps; folds as little
	// as 0.74 where a half turns away and its patches are lost) and
	// 0.45–0.9 of a head's. And a print's nose moves with its paper: less
	// than 0.0055 of the face's height against the planes, either way,
	// while a head's moves with the turn by 0.01 to 0.1.
	flatExplained = 0.93
	minMatches    = 40
	// Past this much of the movement (50° of turn), the patches that
	// are still tracked lie on the near cheek, which the planes explain
	// as well as paper: real turns of 52–60° were judged flat by them,
	// while no warped photo reaches this far (3.36 at most, a fold).
	flatReach      = 3.3
	minNose        = 2
	solidExplained = 0.88
	withNose       = 0.008
)

// judging holds one slot per core for each Judge under way: following
// the skin costs tens of milliseconds of CPU and runs on the request's
// goroutine, outside the engine's workers, so without a bound many
// sessions holding a pose at once would take every core.
var judging = make(chan struct{}, runtime.NumCPU())

// Judge compares a frame at the target pose with the frontal reference.
func (m Movement) Judge(ref, f *Frame) (Shape, Evidence) {
	lres := PlanarResidual(ref.Landmarks, f.Landmarks)
	if lres < flatLandmarks {
		return Flat, Evidence{}
	}
	judging <- struct{}{}
	defer func() { <-judging }()
	ev := Depth(grayOf(ref.Crop), grayOf(f.Crop), cropPoints(ref.Crop, ref.Landmarks), cropPoints(f.Crop, f.Landmarks))
	if ev.Matches >= minMatches && ev.Explained >= flatExplained && m.Progress(ref, f) < flatReach {
		return Flat, ev
	}
	if ev.Nose < minNose || ev.Explained <= 0 || lres < solidLandmarks {
		return Unknown, ev
	}
	// The nose's move against the planes, in the direction asked.
	var p float64
	switch m {
	case TurnLeft:
		p = ev.ParallaxX
	case TurnRight:
		p = -ev.ParallaxX
	case NodUp:
		p = -ev.ParallaxY
	case NodDown:
		p = ev.ParallaxY
	}
	if ev.Explained <= solidExplained && p >= withNose {
		return Solid, ev
	}
	return Unknown, ev
}

func grayOf(c *face.Crop) *Gray {
	g := &Gray{W: c.Size, H: c.Size, Pix: make([]float32, len(c.Pix))}
	for i, v := range c.Pix {
		g.Pix[i] = float32(v)
	}
	return g
}

func cropPoints(c *face.Crop, pts []face.Point) []face.Point {
	out := make([]face.Point, len(pts))
	for i, p := range pts {
		out[i] = c.In(p)
	}
	return out
}

// Timing of a movement, stamped by the server on each frame's arrival.
const (
	// MinFrameGap: frames closer than this to the last counted one are
	// not counted (a camera at the widget's pace sends one every 150 ms).
	MinFrameGap = 80 * time.Millisecond
	// A movement takes at least MinMoveTime from the moment it is asked
	// (reading, turning 15° or more and holding take a person longer; a
	// recording sent as fast as the server answers takes less), at most
	// MaxMoveTime.
	MinMoveTime = 600 * time.Millisecond
	MaxMoveTime = 10 * time.Second
	// Hold: the target pose over this many counted frames in a row.
	Hold = 2
	// A movement fails as an attack after flatFrames frames at the target
	// shaped like paper, or unknownFrames without one shaped like a head.
	flatFrames    = 2
	unknownFrames = 6
)

// Move follows one movement from its frontal reference frame.
type Move struct {
	Movement
	Ref   *Frame
	Start time.Time // when the page was asked for it

	held, solid, flat, unknown int
}

// Outcome is what one frame did to a movement.
type Outcome struct {
	Progress float32
	Done     bool
	// Attack is set when the movement failed as an attack, with the
	// reason.
	Attack Reason
}

// Step takes the next counted frame of the movement, arrived at now.
func (mv *Move) Step(f *Frame, now time.Time) Outcome {
	p := mv.Progress(mv.Ref, f)
	if p < 1 {
		mv.held = 0
		return Outcome{Progress: p}
	}
	mv.held++
	switch shape, _ := mv.Judge(mv.Ref, f); shape {
	case Solid:
		mv.solid++
	case Flat:
		mv.flat++
	default:
		mv.unknown++
	}
	switch {
	case mv.flat >= flatFrames:
		return Outcome{Progress: 1, Attack: ReasonFlat}
	case mv.solid == 0 && mv.unknown >= unknownFrames:
		return Outcome{Progress: 1, Attack: ReasonNoDepth}
	}
	done := mv.held >= Hold && mv.solid > 0 && mv.flat == 0 && now.Sub(mv.Start) >= MinMoveTime
	return Outcome{Progress: 1, Done: done}
}

// Unproven says whether frames reached the movement's pose without any
// showing a head's depth: when time runs out on such a movement, that is
// a verdict.
func (mv *Move) Unproven() bool { return mv.solid == 0 && mv.flat+mv.unknown > 0 }

// PassiveFloor is the texture model's score (the median of a session's
// frames) below which a session is a print or a screen whatever its
// movements. It is lower than the 0.5 that decides for a single photo
// (face.DefaultLivenessThreshold) because a session must also prove a
// head by moving, and the texture model is unsure of real faces a camera
// sees in grey or in poor light: head-turns' grey-scale people score
// 0.29–0.45 at the median, NUAA's printed photos 0.00 (every frame below
// 0.16), screens 0.00 (docs/liveness.md).
const PassiveFloor = 0.2

// Reason says why a session was or was not found live. It is recorded
// and counted, never shown to the page (which learns only PAD_ATTACK).
type Reason string

const (
	ReasonLive    Reason = "live"
	ReasonPassive Reason = "passive"  // the texture model scored the frames as a print or screen
	ReasonFlat    Reason = "flat"     // the head moved as paper does
	ReasonNoDepth Reason = "no_depth" // the pose was held, but never showed a head's depth
)

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
