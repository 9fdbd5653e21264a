package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ParseNoses reads face-counts/noses.json, {"noses": {"000_5.jpg":
// [[x, y], ...], ...}}: for each image, the pixel position of the nose of
// every face in it (an empty list for an image without faces). A nose is
// a better ground truth than a box here, since detectors disagree on where
// a face's box ends but not on whether it contains the nose.
func ParseNoses(r io.Reader) (map[string][][2]float64, error) {
	var file struct {
		Noses map[string][][]float64 `json:"noses"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("noses: %w", err)
	}
	if file.Noses == nil {
		return nil, errors.New(`noses: no "noses" object`)
	}
	out := make(map[string][][2]float64, len(file.Noses))
	for name, points := range file.Noses {
		noses := make([][2]float64, 0, len(points))
		for _, p := range points {
			// Decoding into [][2]float64 would silently drop a third
			// coordinate; a malformed point must be an error instead.
			if len(p) != 2 {
				return nil, fmt.Errorf("noses: %s: point %v is not [x, y]", name, p)
			}
			noses = append(noses, [2]float64{p[0], p[1]})
		}
		out[name] = noses
	}
	return out, nil
}

// Box is a detected face in pixels: top-left corner X, Y, width W and
// height H.
type Box struct{ X, Y, W, H float64 }

// contains reports whether the point lies in the box, edges included.
func (b Box) contains(p [2]float64) bool {
	return p[0] >= b.X && p[0] <= b.X+b.W && p[1] >= b.Y && p[1] <= b.Y+b.H
}

// MatchNoses pairs detected boxes with ground-truth noses, one to one, a
// box matching a nose that lies inside it. It finds a maximum matching
// (augmenting paths), not a greedy one: in a group photo, overlapping
// boxes can each contain two noses, and a greedy pass could leave a face
// unmatched that a better assignment covers. It returns the matched
// faces, the boxes left without a nose (false detections) and the noses
// left without a box (missed faces).
func MatchNoses(boxes []Box, noses [][2]float64) (matched, extraBoxes, missedNoses int) {
	boxOfNose := make([]int, len(noses)) // index into boxes, -1 when free
	for i := range boxOfNose {
		boxOfNose[i] = -1
	}
	// augment tries to give box b a nose, moving the noses of other boxes
	// along an alternating path if needed (Kuhn's algorithm).
	var augment func(b int, seen []bool) bool
	augment = func(b int, seen []bool) bool {
		for n, nose := range noses {
			if seen[n] || !boxes[b].contains(nose) {
				continue
			}
			seen[n] = true
			if boxOfNose[n] < 0 || augment(boxOfNose[n], seen) {
				boxOfNose[n] = b
				return true
			}
		}
		return false
	}
	for b := range boxes {
		if augment(b, make([]bool, len(noses))) {
			matched++
		}
	}
	return matched, len(boxes) - matched, len(noses) - matched
}
