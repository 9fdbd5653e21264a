package bench

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Sample is one frame of the NUAA print-attack set.
type Sample struct {
	Path    string // the image file, under the directory given to ListNUAA
	Subject string // the subject's folder name, e.g. "0001"
	Attack  bool   // true for a printed photo (ImposterRaw), false for live (ClientRaw)
}

// ListNUAA lists the JPEG frames of a NUAA directory: ClientRaw/<subject>/
// holds live captures and ImposterRaw/<subject>/ printed-photo attacks.
// Other files (index lists, Thumbs.db) are ignored. Frames come sorted by
// kind (live first), subject and file name, so runs are reproducible.
func ListNUAA(dir string) ([]Sample, error) {
	var out []Sample
	for _, kind := range []struct {
		folder string
		attack bool
	}{{"ClientRaw", false}, {"ImposterRaw", true}} {
		root := filepath.Join(dir, kind.folder)
		subjects, err := os.ReadDir(root)
		if err != nil {
			return nil, fmt.Errorf("nuaa: %w", err)
		}
		for _, s := range subjects {
			if !s.IsDir() {
				continue
			}
			files, err := os.ReadDir(filepath.Join(root, s.Name()))
			if err != nil {
				return nil, fmt.Errorf("nuaa: %w", err)
			}
			for _, f := range files {
				if !f.Type().IsRegular() || !strings.EqualFold(filepath.Ext(f.Name()), ".jpg") {
					continue
				}
				out = append(out, Sample{
					Path:    filepath.Join(root, s.Name(), f.Name()),
					Subject: s.Name(),
					Attack:  kind.attack,
				})
			}
		}
	}
	return out, nil
}

// PADResult is the liveness verdict on one frame.
type PADResult struct {
	Subject string
	Attack  bool // ground truth: a presentation attack
	// LiveScore is the liveness model's score, higher = more likely live.
	LiveScore float64
	// NoFace is true when no face was found, so there is no LiveScore.
	NoFace bool
}

// PADCounts are the error counts of one group of frames at a threshold.
// A frame is accepted as live when a face was found and LiveScore >=
// threshold. A frame without a face is never accepted: for an attack that
// is a success (the attack did not get through), for a live person a
// rejection (they could not log in) — so detection failures raise BPCER
// and are never hidden from it.
type PADCounts struct {
	Attacks, AttacksAccepted int
	Live, LiveRejected       int
	// NoFaceAttacks and NoFaceLive count the frames without a face; they
	// are included in Attacks and Live (and NoFaceLive in LiveRejected).
	NoFaceAttacks, NoFaceLive int
	// APCER is AttacksAccepted/Attacks, BPCER LiveRejected/Live (ISO/IEC
	// 30107-3); NaN when the group has no frame of that kind.
	APCER, BPCER float64
}

func (c *PADCounts) add(r PADResult, threshold float64) {
	live := !r.NoFace && r.LiveScore >= threshold
	if r.Attack {
		c.Attacks++
		if live {
			c.AttacksAccepted++
		}
		if r.NoFace {
			c.NoFaceAttacks++
		}
		return
	}
	c.Live++
	if !live {
		c.LiveRejected++
	}
	if r.NoFace {
		c.NoFaceLive++
	}
}

func (c *PADCounts) rates() {
	c.APCER = float64(c.AttacksAccepted) / float64(c.Attacks) // 0/0 is NaN
	c.BPCER = float64(c.LiveRejected) / float64(c.Live)
}

// SubjectPAD is the PADCounts of one subject.
type SubjectPAD struct {
	Subject string
	PADCounts
}

// PADReport is the liveness evaluation at one threshold.
type PADReport struct {
	Threshold float64
	// Overall pools all frames.
	Overall PADCounts
	// Subjects, sorted by name.
	Subjects []SubjectPAD
	// SubjectAPCER and SubjectBPCER are the means of the per-subject rates
	// over the subjects that have frames of that kind. NUAA's frames are
	// near-duplicates and their number varies tenfold between subjects,
	// so these weigh each person equally where Overall weighs each frame.
	SubjectAPCER, SubjectBPCER float64
}

// PAD computes APCER (attacks accepted as live) and BPCER (live frames
// rejected) at the given threshold, overall and per subject; see
// PADCounts for how frames without a face count.
func PAD(results []PADResult, threshold float64) PADReport {
	rep := PADReport{Threshold: threshold}
	bySubject := map[string]*PADCounts{}
	for _, r := range results {
		rep.Overall.add(r, threshold)
		c := bySubject[r.Subject]
		if c == nil {
			c = &PADCounts{}
			bySubject[r.Subject] = c
		}
		c.add(r, threshold)
	}
	rep.Overall.rates()
	var apcers, bpcers []float64
	for _, s := range slices.Sorted(maps.Keys(bySubject)) {
		c := bySubject[s]
		c.rates()
		rep.Subjects = append(rep.Subjects, SubjectPAD{Subject: s, PADCounts: *c})
		if c.Attacks > 0 {
			apcers = append(apcers, c.APCER)
		}
		if c.Live > 0 {
			bpcers = append(bpcers, c.BPCER)
		}
	}
	rep.SubjectAPCER, rep.SubjectBPCER = meanOf(apcers), meanOf(bpcers)
	return rep
}

// meanOf is the mean of xs, NaN for none.
func meanOf(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
