package bench

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// UTKFace is one labelled face crop of the UTKFace set. (Not "Face", which
// would read as the engine's face.Face wherever both are in use.)
type UTKFace struct {
	Path   string
	Age    int
	Female bool
}

// ListUTK lists the labelled crops in a UTKFace directory. The label is in
// the file name, "age_gender_race_datetime.jpg.chip.jpg", gender 0 for
// male and 1 for female, race 0..4. UTKFace has a few files whose name
// lacks a field (in crop_part1: 61_1_20170109142408075 and
// 61_3_20170109150557335), where which label is missing cannot be told;
// they are returned in skipped rather than guessed, along with any other
// .jpg whose name does not parse. Faces come sorted by file name.
func ListUTK(dir string) (faces []UTKFace, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("utkface: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(strings.ToLower(name), ".jpg") {
			continue
		}
		age, female, ok := parseUTKName(name)
		if !ok {
			skipped = append(skipped, name)
			continue
		}
		faces = append(faces, UTKFace{Path: filepath.Join(dir, name), Age: age, Female: female})
	}
	return faces, skipped, nil
}

// parseUTKName reads age and gender from a UTKFace file name, checking
// all four fields so that a name with one missing is not misread.
func parseUTKName(name string) (age int, female, ok bool) {
	base, _, _ := strings.Cut(name, ".")
	f := strings.Split(base, "_")
	if len(f) != 4 {
		return 0, false, false
	}
	age, err := strconv.Atoi(f[0])
	if err != nil || age < 0 || age > 130 {
		return 0, false, false
	}
	race, err := strconv.Atoi(f[2])
	if err != nil || race < 0 || race > 4 || (f[1] != "0" && f[1] != "1") {
		return 0, false, false
	}
	if _, err := strconv.ParseUint(f[3], 10, 64); err != nil {
		return 0, false, false
	}
	return age, f[1] == "1", true
}

// AgeBand is the age error of the faces whose true age is in [From, To).
type AgeBand struct {
	Name string // "0-12", …, "65+"
	// From and To bound the band; To is +Inf for the last, which JSON
	// cannot carry, so Name stands for both there.
	From, To float64 `json:"-"`
	// N counts the faces of the band that have an estimate; MAE is their
	// mean absolute error in years and Bias their mean signed error
	// (positive: estimated older), both NaN when N is 0.
	N         int
	MAE, Bias float64
}

// ageBands are the bands of AgeStats.Bands: children, the minors that an
// 18+ gate must stop, then adult bands that widen with age as the
// estimation error does.
var ageBands = []AgeBand{
	{Name: "0-12", From: 0, To: 13},
	{Name: "13-17", From: 13, To: 18},
	{Name: "18-24", From: 18, To: 25},
	{Name: "25-34", From: 25, To: 35},
	{Name: "35-49", From: 35, To: 50},
	{Name: "50-64", From: 50, To: 65},
	{Name: "65+", From: 65, To: math.Inf(1)},
}

// AgeStats is the age-estimation report of AgeReport.
type AgeStats struct {
	// N faces in all; NoEstimate of them have no estimate (no face found,
	// passed as NaN) and are left out of the errors.
	N, NoEstimate int
	// MAE is the mean absolute error in years over the faces with an
	// estimate, overall and per band of true age.
	MAE   float64
	Bands []AgeBand
	// Minors (true age < 18) and Adults (>= 18), estimate or not.
	Minors, Adults int
	// MinorsAsAdults is the share of minors whose estimate is >= 18: what
	// a plain 18+ gate would let through.
	MinorsAsAdults float64
	// Margin is the gate's safety margin in years: it admits an estimate
	// >= 18 + Margin. MinorsPassGate is the share of minors it admits,
	// AdultsStopped the share of adults it refuses — the price of the
	// margin. A face without an estimate never passes the gate.
	Margin                        float64
	MinorsPassGate, AdultsStopped float64
	// Curve is the gate at every margin of GateMargins: the price in
	// adults of each step towards the minors targets.
	Curve []GatePoint
}

// GateMargins are the margins a gate curve is drawn at, in years.
var GateMargins = []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// GatePoint is an 18+ gate that admits an estimate >= 18 + Margin:
// the shares of children (true age under 13) and teenagers (13–17) it
// admits and of adults it stops, and of young adults (18–24), whom the
// margin costs most. A face without an estimate is never admitted.
// Shares over an empty group are NaN.
type GatePoint struct {
	Margin                            float64
	ChildrenAdmitted, TeensAdmitted   float64
	AdultsStopped, YoungAdultsStopped float64
}

// GateCurve is the gate at each of margins over truth and est (as
// AgeReport takes them).
func GateCurve(truth, est []float64, margins []float64) []GatePoint {
	curve := make([]GatePoint, len(margins))
	for k, m := range margins {
		curve[k] = gateAt(truth, est, func(i int) bool { return est[i] >= 18+m })
		curve[k].Margin = m
	}
	return curve
}

// gateAt is the gate that admits face i when admit(i) holds (NaN
// estimates compare false, so they are never admitted).
func gateAt(truth, est []float64, admit func(i int) bool) GatePoint {
	var children, teens, adults, young, childIn, teenIn, adultOut, youngOut int
	for i, age := range truth {
		in := !math.IsNaN(est[i]) && admit(i)
		if age >= 18 && age < 25 {
			young++
			if !in {
				youngOut++
			}
		}
		switch {
		case age < 13:
			children++
			if in {
				childIn++
			}
		case age < 18:
			teens++
			if in {
				teenIn++
			}
		default:
			adults++
			if !in {
				adultOut++
			}
		}
	}
	return GatePoint{
		ChildrenAdmitted:   float64(childIn) / float64(children),
		TeensAdmitted:      float64(teenIn) / float64(teens),
		AdultsStopped:      float64(adultOut) / float64(adults),
		YoungAdultsStopped: float64(youngOut) / float64(young),
	}
}

// AgeReport compares estimated ages with true ones (est[i] NaN when no
// estimate could be made) and reports the error by age band and the
// behaviour of an 18+ gate with the given margin, and at every margin of
// GateMargins. Shares over an empty group are NaN. It panics if truth
// and est differ in length.
func AgeReport(truth, est []float64, margin float64) AgeStats {
	if len(truth) != len(est) {
		panic("bench: AgeReport: truth and est differ in length")
	}
	st := AgeStats{N: len(truth), Margin: margin, Bands: append([]AgeBand(nil), ageBands...)}
	gate := 18 + margin
	var errSum float64
	bandSum := make([]float64, len(st.Bands))
	bandBias := make([]float64, len(st.Bands))
	var minorsAdult, minorsPass, adultsStopped int
	for i, age := range truth {
		e := est[i]
		has := !math.IsNaN(e)
		if age < 18 {
			st.Minors++
			if has && e >= 18 {
				minorsAdult++
			}
			if has && e >= gate {
				minorsPass++
			}
		} else {
			st.Adults++
			if !has || e < gate {
				adultsStopped++
			}
		}
		if !has {
			st.NoEstimate++
			continue
		}
		d := math.Abs(e - age)
		errSum += d
		for b := range st.Bands {
			if age >= st.Bands[b].From && age < st.Bands[b].To {
				st.Bands[b].N++
				bandSum[b] += d
				bandBias[b] += e - age
			}
		}
	}
	st.MAE = errSum / float64(st.N-st.NoEstimate)
	for b := range st.Bands {
		st.Bands[b].MAE = bandSum[b] / float64(st.Bands[b].N)
		st.Bands[b].Bias = bandBias[b] / float64(st.Bands[b].N)
	}
	st.Curve = GateCurve(truth, est, GateMargins)
	st.MinorsAsAdults = float64(minorsAdult) / float64(st.Minors)
	st.MinorsPassGate = float64(minorsPass) / float64(st.Minors)
	st.AdultsStopped = float64(adultsStopped) / float64(st.Adults)
	return st
}
