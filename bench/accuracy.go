package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// Progress is told how far a long stage has got; Done is called once when
// it ends.
type Progress interface {
	Step(stage string, done, total int)
	Done(stage string)
}

// AccuracyReport is everything `visage bench accuracy` measures. A section
// is nil when its dataset folder is absent (listed in Skipped).
type AccuracyReport struct {
	Model      string              `json:"model"`
	LFW        *LFWReport          `json:"lfw,omitempty"`
	CFPFF      *VerificationReport `json:"cfp_ff,omitempty"`
	CFPFP      *VerificationReport `json:"cfp_fp,omitempty"`
	FaceCounts *FaceCountsReport   `json:"face_counts,omitempty"`
	Broken     []FileResult        `json:"broken_files,omitempty"`
	NUAA       *PADReport          `json:"nuaa_print,omitempty"`
	UTK        *UTKReport          `json:"utkface_age,omitempty"`
	Skipped    []string            `json:"skipped,omitempty"`
}

// LFWReport is the View 2 verification protocol over the 6000 pairs, and
// the pack's calibrated levels checked on them.
type LFWReport struct {
	VerificationReport
	CalibratedTAR []LevelTAR `json:"calibrated_tar"`
}

// LevelTAR is the share of LFW's same-person pairs accepted at an accuracy
// level's calibrated threshold, and the share of its different-person
// pairs falsely accepted.
type LevelTAR struct {
	Level int     `json:"level"`
	TAR   float64 `json:"tar"`
	FAR   float64 `json:"far"`
}

// FaceCountsReport compares faces found with faces annotated, per photo.
type FaceCountsReport struct {
	Photos []PhotoCount `json:"photos"`
	// SinglePersonExact counts the single-person photos where exactly one
	// face was found, on the annotated nose, out of SinglePerson.
	SinglePerson      int `json:"single_person"`
	SinglePersonExact int `json:"single_person_exact"`
}

// PhotoCount is one face-counts photo: annotated noses, faces found, and
// how they pair up.
type PhotoCount struct {
	File      string `json:"file"`
	Annotated int    `json:"annotated"`
	Found     int    `json:"found"`
	Matched   int    `json:"matched"`
	Extra     int    `json:"extra"`
	Missed    int    `json:"missed"`
	Error     string `json:"error,omitempty"`
}

// FileResult is what the engine made of one file: faces found or an error
// code.
type FileResult struct {
	File  string `json:"file"`
	Faces int    `json:"faces"`
	Code  string `json:"code,omitempty"`
}

// UTKReport is the age estimate's error and the minors gate.
type UTKReport struct {
	AgeStats
	GenderAccuracy float64 `json:"gender_accuracy"`
}

// MinorsMargin is the safety margin, in years, that the minors gate adds
// to the legal age: an estimate must reach 18 + MinorsMargin.
const MinorsMargin = 5

// Accuracy runs every protocol whose folder exists under dir.
func Accuracy(ctx context.Context, eng *face.Engine, dir string, p Progress) (*AccuracyReport, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("datasets folder: %w", err)
	}
	r := &AccuracyReport{Model: eng.Model()}
	present := func(sub string) bool {
		if _, err := os.Stat(filepath.Join(dir, sub)); err != nil {
			r.Skipped = append(r.Skipped, sub)
			return false
		}
		return true
	}
	var err error
	if present("lfw") {
		if r.LFW, err = lfwVerification(ctx, eng, dir, p); err != nil {
			return nil, err
		}
	}
	if present("cfp") {
		if r.CFPFF, r.CFPFP, err = cfpVerification(ctx, eng, dir, p); err != nil {
			return nil, err
		}
	}
	if present("face-counts") {
		if r.FaceCounts, err = faceCounts(ctx, eng, filepath.Join(dir, "face-counts")); err != nil {
			return nil, err
		}
		if r.Broken, err = brokenFiles(ctx, eng, filepath.Join(dir, "face-counts", "broken_files")); err != nil {
			return nil, err
		}
	}
	if present("nuaa-print") {
		if r.NUAA, err = nuaa(ctx, eng, filepath.Join(dir, "nuaa-print"), p); err != nil {
			return nil, err
		}
	}
	if present("utkface-age") {
		if r.UTK, err = utk(ctx, eng, filepath.Join(dir, "utkface-age"), p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// each runs fn on every item with one goroutine per engine worker and
// reports progress under stage.
func each[T any](ctx context.Context, eng *face.Engine, items []T, stage string, p Progress, fn func(T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		done  int
		first error
		wg    sync.WaitGroup
	)
	next := make(chan T)
	for range eng.Workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				err := fn(it)
				mu.Lock()
				done++
				if err != nil && first == nil {
					first = err
					cancel()
				}
				if p != nil {
					p.Step(stage, done, len(items))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, it := range items {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if p != nil {
		p.Done(stage)
	}
	if first != nil {
		return first
	}
	return ctx.Err()
}

// EmbedLFW returns the template of the face nearest the centre of each
// named LFW image (the labelled person is centred in every LFW photo;
// others may appear around them), and the images where no face was found.
func EmbedLFW(ctx context.Context, eng *face.Engine, imageDir string, names []string, p Progress) (map[string][]float32, []string, error) {
	e, err := embed(ctx, eng, imageDir, names, "LFW images", lfwOptions, lfwFace, p)
	return e.Vectors, e.NoFace, err
}

var lfwOptions = face.Options{Embed: true}

func lfwFace(faces []face.Face) face.Face { return centralFace(faces, 125, 125) }

func centralFace(faces []face.Face, cx, cy float32) face.Face {
	best, bestD := 0, float32(math.Inf(1))
	for i, f := range faces {
		c := face.Point{X: f.Box.X + f.Box.W/2, Y: f.Box.Y + f.Box.H/2}
		if d := (c.X-cx)*(c.X-cx) + (c.Y-cy)*(c.Y-cy); d < bestD {
			best, bestD = i, d
		}
	}
	return faces[best]
}

func lfwVerification(ctx context.Context, eng *face.Engine, datasets string, p Progress) (*LFWReport, error) {
	d, err := OpenLFW(datasets)
	if err != nil {
		return nil, err
	}
	e, err := d.Embed(ctx, eng, p)
	if err != nil {
		return nil, err
	}
	lfw := d.Protocols[0]
	r := &LFWReport{VerificationReport: *lfw.Verify(e)}
	// The shipped levels, checked on LFW's own pairs; a candidate pack
	// not calibrated yet has none.
	scores, same, _ := lfw.cosines(e)
	table := eng.Pack().Calibration
	for level := 1; table != nil && level <= match.Levels; level++ {
		t, err := table.Threshold(level)
		if err != nil {
			return nil, err
		}
		var gen, genOK, imp, impOK int
		for i, s := range scores {
			if same[i] {
				gen++
				if s >= float64(t) {
					genOK++
				}
			} else {
				imp++
				if s >= float64(t) {
					impOK++
				}
			}
		}
		r.CalibratedTAR = append(r.CalibratedTAR, LevelTAR{level, float64(genOK) / float64(gen), float64(impOK) / float64(imp)})
	}
	return r, nil
}

// cfpVerification embeds CFP's images once and scores both protocols.
func cfpVerification(ctx context.Context, eng *face.Engine, datasets string, p Progress) (ff, fp *VerificationReport, err error) {
	d, err := OpenCFP(datasets)
	if err != nil {
		return nil, nil, err
	}
	e, err := d.Embed(ctx, eng, p)
	if err != nil {
		return nil, nil, err
	}
	return d.Protocols[0].Verify(e), d.Protocols[1].Verify(e), nil
}

func faceCounts(ctx context.Context, eng *face.Engine, dir string) (*FaceCountsReport, error) {
	f, err := os.Open(filepath.Join(dir, "noses.json"))
	if err != nil {
		return nil, err
	}
	noses, err := ParseNoses(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	files := make([]string, 0, len(noses))
	for name := range noses {
		files = append(files, name)
	}
	sort.Strings(files)
	r := &FaceCountsReport{}
	for _, name := range files {
		pc := PhotoCount{File: name, Annotated: len(noses[name])}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		faces, err := eng.Analyze(ctx, data, face.Options{})
		if err != nil {
			pc.Error = string(visage.ErrorCode(err))
		}
		boxes := make([]Box, len(faces))
		for i, f := range faces {
			boxes[i] = Box{float64(f.Box.X), float64(f.Box.Y), float64(f.Box.W), float64(f.Box.H)}
		}
		pc.Found = len(faces)
		pc.Matched, pc.Extra, pc.Missed = MatchNoses(boxes, noses[name])
		if single := strings.TrimSuffix(name[strings.LastIndex(name, "_")+1:], ".jpg"); single >= "A" && single <= "Z" {
			r.SinglePerson++
			if pc.Found == 1 && pc.Matched == 1 {
				r.SinglePersonExact++
			}
		}
		r.Photos = append(r.Photos, pc)
	}
	return r, nil
}

func brokenFiles(ctx context.Context, eng *face.Engine, dir string) ([]FileResult, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []FileResult
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		faces, err := eng.Analyze(ctx, data, face.Options{})
		out = append(out, FileResult{File: e.Name(), Faces: len(faces), Code: string(visage.ErrorCode(err))})
	}
	return out, nil
}

func nuaa(ctx context.Context, eng *face.Engine, dir string, p Progress) (*PADReport, error) {
	samples, err := ListNUAA(dir)
	if err != nil {
		return nil, err
	}
	results := make([]PADResult, len(samples))
	idx := make([]int, len(samples))
	for i := range idx {
		idx[i] = i
	}
	err = each(ctx, eng, idx, "NUAA frames", p, func(i int) error {
		s := samples[i]
		data, err := os.ReadFile(s.Path)
		if err != nil {
			return err
		}
		faces, err := eng.Analyze(ctx, data, face.Options{Liveness: true, MaxFaces: 1})
		r := PADResult{Subject: s.Subject, Attack: s.Attack}
		if err != nil || len(faces) == 0 {
			r.NoFace = true
		} else {
			r.LiveScore = float64(*faces[0].Liveness)
		}
		results[i] = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep := PAD(results, face.DefaultLivenessThreshold)
	return &rep, nil
}

func utk(ctx context.Context, eng *face.Engine, dir string, p Progress) (*UTKReport, error) {
	faces, _, err := ListUTK(dir)
	if err != nil {
		return nil, err
	}
	truth := make([]float64, len(faces))
	est := make([]float64, len(faces))
	female := make([]float64, len(faces))
	idx := make([]int, len(faces))
	for i := range idx {
		idx[i] = i
	}
	err = each(ctx, eng, idx, "UTKFace crops", p, func(i int) error {
		data, err := os.ReadFile(faces[i].Path)
		if err != nil {
			return err
		}
		truth[i] = float64(faces[i].Age)
		est[i], female[i] = math.NaN(), math.NaN()
		found, err := eng.Analyze(ctx, data, face.Options{Attributes: true, MaxFaces: 1})
		if err == nil && len(found) > 0 {
			est[i], female[i] = float64(*found[0].Age), float64(*found[0].Female)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := &UTKReport{AgeStats: AgeReport(truth, est, MinorsMargin)}
	var n, ok int
	for i, f := range female {
		if math.IsNaN(f) {
			continue
		}
		n++
		if (f >= 0.5) == faces[i].Female {
			ok++
		}
	}
	if n > 0 {
		r.GenderAccuracy = float64(ok) / float64(n)
	}
	return r, nil
}
