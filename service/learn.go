package service

import (
	"context"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/match"
)

// MaxLearned is how many learned templates a face keeps beside its
// enrolled ones (visage.AppSettings.LearnTemplates): the newest, so that
// the face follows the person as they age and change, while a search
// scores at most this many more rows for them.
const MaxLearned = 5

// faceCosine is how well a face matches a probe: the cosine of the probe
// with the closest of the face's templates of the probe's model, -1 when
// it has none. A learned template counts for less than an enrolled one:
// its cosine is lowered by the gap between the app's level and the next,
// so that it must match one level stricter to match. A face with more
// templates offers an impostor more chances to match one, and learned
// ones raised LFW impostors' false accepts fivefold at the app's level
// (docs/accuracy.md, `visage bench learn`); trusted less, they keep the
// face's false-match rate close to the level's.
func (s *Service) faceCosine(app *visage.App, f *visage.Face, probe *visage.Template) float32 {
	best := float32(-1)
	discount := s.learnedDiscount(app)
	for _, t := range f.Templates {
		if t.Model != probe.Model {
			continue
		}
		c := match.Cosine(t.Vector, probe.Vector)
		if t.Learned {
			c -= discount
		}
		best = max(best, c)
	}
	return best
}

// learnedDiscount is the gap between the thresholds of the app's level
// and the next (the last two, at the strictest level).
func (s *Service) learnedDiscount(app *visage.App) float32 {
	level := app.Settings.Level
	if level == 0 {
		level = match.DefaultLevel
	}
	level = min(level, match.Levels-1)
	if s.table == nil {
		return 0
	}
	lo, err1 := s.table.Threshold(level)
	hi, err2 := s.table.Threshold(level + 1)
	if err1 != nil || err2 != nil {
		return 0
	}
	return hi - lo
}

// learnTwin is the cosine above which a probe adds nothing to a template
// the face already has: the same photo, or one just like it, sent again.
const learnTwin = 0.95

// learn adds a login's template to the face it matched, when the app
// asks for it and the login earned it:
//
//   - the person was proved live (a widget session, or a photo that
//     passed the app's liveness check): a photo of a photo must not
//     become part of the face;
//   - the probe matched one level stricter than the app's, so that only
//     sure matches teach;
//   - and it matches an enrolled template at the app's level, so that the
//     face can drift from its enrollment only within what a login
//     already accepts: learned templates cannot walk it, login by login,
//     toward another person (template poisoning).
//
// A failure to learn never fails the login: it is logged and the face
// stays as it was. Two logins of one person at the same moment may each
// add theirs, and one of the two be lost; the bound holds either way.
func (s *Service) learn(ctx context.Context, app *visage.App, f *visage.Face, probe *visage.Template, cosine float32, live bool) {
	set := app.Settings
	level := set.Level
	if level == 0 {
		level = match.DefaultLevel
	}
	if !set.LearnTemplates || !live || level >= match.Levels || s.table == nil {
		return
	}
	stricter, err := s.table.Threshold(level + 1)
	if err != nil || cosine < stricter {
		return
	}
	threshold, err := s.table.Threshold(level)
	if err != nil {
		return
	}
	var anchored bool
	var learned []int
	for i, t := range f.Templates {
		if t.Model != probe.Model {
			continue
		}
		c := match.Cosine(t.Vector, probe.Vector)
		if c >= learnTwin {
			return
		}
		if t.Learned {
			learned = append(learned, i)
		} else if c >= threshold {
			anchored = true
		}
	}
	if !anchored {
		return
	}
	ts := append([]visage.Template(nil), f.Templates...)
	if len(learned) >= MaxLearned {
		ts = append(ts[:learned[0]], ts[learned[0]+1:]...) // the oldest goes
	}
	ts = append(ts, visage.Template{Model: probe.Model, Vector: probe.Vector, Learned: true})
	if err := s.store.ReplaceTemplates(journal(ctx, "face.learn", app.ID, f.ID, nil), app.ID, f.ID, ts, f.Age, f.Female); err != nil {
		s.log.Warn("a login's template was not learned", "app", app.ID, "face", f.ID, "err", err)
		return
	}
	s.indexed(ctx, func() {
		if err := s.gallery.Put(app.ID, f.ID, ts); err != nil {
			s.log.Error("learned template not indexed", "app", app.ID, "face", f.ID, "err", err)
		}
	})
}
