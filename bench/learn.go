package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// The learning protocol (visage.AppSettings.LearnTemplates) follows people
// through time: LFW's people with many photos each enroll with their first
// and then log in with the others, in order, one login of every person
// before anyone's next; then the people with one photo, enrolled nowhere,
// try to log in as impostors. It runs twice, without learning and with,
// through the service's own login path on the same templates.

// LearnReport is the protocol's outcome, without and with learning.
type LearnReport struct {
	Model     string
	People    int // enrolled: LFW people with at least MinPhotos photos
	MinPhotos int
	Logins    int // their later photos with a face found
	Impostors int // photos of LFW's one-photo people, with a face found
	Level     int
	Off, On   LearnRun
}

// LearnRun is one run of the protocol.
type LearnRun struct {
	Accepted    int // logins recognised as the right person
	WrongPerson int // logins recognised as someone else
	// ByOrder is the share of logins accepted by their place in the
	// person's sequence: the 2nd to 5th photo, the 6th to 10th, the 11th on.
	ByOrder [3]float64
	// FalseAccepts are impostors recognised as an enrolled person.
	FalseAccepts int
	// Learned is the learned templates the faces hold at the end.
	Learned int
}

// lfwPeople lists LFW's people by name, each with their photos in order.
func lfwPeople(dir string) (map[string][]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	people := map[string][]string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		photos, err := filepath.Glob(filepath.Join(dir, e.Name(), "*.jpg"))
		if err != nil {
			return nil, err
		}
		for i := range photos {
			photos[i] = e.Name() + "/" + filepath.Base(photos[i])
		}
		slices.Sort(photos)
		people[e.Name()] = photos
	}
	return people, nil
}

// Learn runs the learning protocol on LFW under datasets at the default
// level, with the people who have at least minPhotos photos.
func Learn(ctx context.Context, eng *face.Engine, datasets string, minPhotos int, p Progress) (*LearnReport, error) {
	dir := filepath.Join(datasets, "lfw", "lfw-deepfunneled")
	people, err := lfwPeople(dir)
	if err != nil {
		return nil, err
	}
	var many [][]string
	var singles []string
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range people {
			if !yield(n) {
				return
			}
		}
	}) {
		switch photos := people[name]; {
		case len(photos) >= minPhotos:
			many = append(many, photos)
		case len(photos) == 1:
			singles = append(singles, photos[0])
		}
	}
	names := slices.Concat(slices.Concat(many...), singles)
	emb, err := embed(ctx, eng, dir, names, "LFW people", lfwOptions, lfwFace, p)
	if err != nil {
		return nil, err
	}
	rep := &LearnReport{Model: eng.Model(), People: len(many), MinPhotos: minPhotos, Level: 4}
	for _, photos := range many {
		for _, n := range photos[1:] {
			if emb.Vectors[n] != nil {
				rep.Logins++
			}
		}
	}
	for _, n := range singles {
		if emb.Vectors[n] != nil {
			rep.Impostors++
		}
	}
	for _, learn := range []bool{false, true} {
		run, err := learnRun(ctx, eng, emb, many, singles, learn, rep.Level)
		if err != nil {
			return nil, err
		}
		if learn {
			rep.On = *run
		} else {
			rep.Off = *run
		}
	}
	return rep, nil
}

// learnRun enrolls every person's first photo in a new app and store,
// then logs everyone in with their next photos, in turn, and the
// impostors after them.
func learnRun(ctx context.Context, eng *face.Engine, emb *Embedded, many [][]string, singles []string, learn bool, level int) (*LearnRun, error) {
	tmp, err := os.MkdirTemp("", "visage-bench-learn")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	key := make([]byte, 32)
	st, err := sqlite.Open(filepath.Join(tmp, "visage.db"), key)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	g := index.New()
	defer g.Close()
	svc := service.New(service.Config{Store: st, Gallery: g, Engine: eng, Table: eng.Pack().Calibration,
		PINKey: key, Logger: slog.New(slog.DiscardHandler)})
	app, err := svc.CreateApp(ctx, "learn", "enterprise")
	if err != nil {
		return nil, err
	}
	if err := svc.UpdateSettings(ctx, app, visage.AppSettings{Level: level, LearnTemplates: learn}); err != nil {
		return nil, err
	}
	model := eng.Model()
	template := func(name string) *visage.Template {
		if v := emb.Vectors[name]; v != nil {
			return &visage.Template{Model: model, Vector: v}
		}
		return nil
	}
	// Enrolled as the widget or the API would store them; the person's
	// name is the external ID, which a login's answer carries.
	for _, photos := range many {
		t := template(photos[0])
		if t == nil {
			continue
		}
		f := &visage.Face{ID: photos[0], AppID: app.ID, ExternalID: strings.Split(photos[0], "/")[0], Templates: []visage.Template{*t}}
		if err := st.CreateFace(ctx, f); err != nil {
			return nil, err
		}
		if err := g.Put(app.ID, f.ID, f.Templates); err != nil {
			return nil, err
		}
	}
	run := &LearnRun{}
	var tried [3]int
	for k := 1; ; k++ {
		more := false
		for _, photos := range many {
			if k >= len(photos) {
				continue
			}
			more = true
			t := template(photos[k])
			if t == nil {
				continue
			}
			band := 0 // k is the photo's 0-based place: 1..4, 5..9, 10 on
			switch {
			case k >= 10:
				band = 2
			case k >= 5:
				band = 1
			}
			tried[band]++
			rec, err := svc.AuthenticateTemplate(ctx, app, t, "")
			switch {
			case visage.ErrorCode(err) == visage.CodeUnrecognizedFace:
			case err != nil:
				return nil, err
			case rec.ExternalID == strings.Split(photos[k], "/")[0]:
				run.Accepted++
				run.ByOrder[band]++
			default:
				run.WrongPerson++
			}
		}
		if !more {
			break
		}
	}
	for i := range run.ByOrder {
		if tried[i] > 0 {
			run.ByOrder[i] /= float64(tried[i])
		}
	}
	for _, n := range singles {
		t := template(n)
		if t == nil {
			continue
		}
		_, err := svc.AuthenticateTemplate(ctx, app, t, "")
		switch {
		case visage.ErrorCode(err) == visage.CodeUnrecognizedFace:
		case err != nil:
			return nil, err
		default:
			run.FalseAccepts++
		}
	}
	err = st.EachTemplate(ctx, func(_, _ string, ts []visage.Template) error {
		for _, t := range ts {
			if t.Learned {
				run.Learned++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench learn: %w", err)
	}
	return run, nil
}
