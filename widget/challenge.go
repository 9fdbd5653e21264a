package widget

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Challenge is the movement the server asks for after the still frames:
// a photo or a replayed video cannot follow an instruction it did not
// know in advance. Directions are the person's own: tilting the head to
// the left shoulder, turning the head to the left.
type Challenge string

const (
	TiltLeft  Challenge = "tilt_left"
	TiltRight Challenge = "tilt_right"
	TurnLeft  Challenge = "turn_left"
	TurnRight Challenge = "turn_right"
)

// AllChallenges is the default set the server picks from.
var AllChallenges = []Challenge{TiltLeft, TiltRight, TurnLeft, TurnRight}

// How far the head must move from its still position, in degrees. Well
// above the landmark fit's frame-to-frame jitter (a few degrees), well
// below what a person does when asked.
const (
	tiltDegrees = 12
	turnDegrees = 15
)

// ParseChallenges reads a comma-separated list of challenge names.
func ParseChallenges(names []string) ([]Challenge, error) {
	var out []Challenge
	for _, n := range names {
		c := Challenge(n)
		if !slices.Contains(AllChallenges, c) {
			return nil, fmt.Errorf("unknown challenge %q (want %v)", n, AllChallenges)
		}
		out = append(out, c)
	}
	return out, nil
}

func pick(set []Challenge) Challenge { return set[rand.IntN(len(set))] }

// pose is a head pose in degrees, as face.Quality gives it: yaw positive
// when the nose points to the image's right, roll positive when the face
// is turned anticlockwise in the image.
type pose struct{ yaw, roll float32 }

// progress says how far the head has moved towards the challenge from
// its still pose: 1 or more means done. The camera image is not
// mirrored, so the person's left is the image's right: turning to the
// left points the nose to the image's right (yaw up), tilting to the left
// shoulder turns the face clockwise in the image (roll down).
func (c Challenge) progress(still, now pose) float32 {
	switch c {
	case TiltLeft:
		return (still.roll - now.roll) / tiltDegrees
	case TiltRight:
		return (now.roll - still.roll) / tiltDegrees
	case TurnLeft:
		return (now.yaw - still.yaw) / turnDegrees
	case TurnRight:
		return (still.yaw - now.yaw) / turnDegrees
	}
	return 0
}
