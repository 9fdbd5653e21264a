package service

import (
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/store/sqlite"
)

// near returns a unit vector at cosine about c from the unit vector v.
func near(rng *rand.Rand, v []float32, c float64) []float32 {
	noise := make([]float32, len(v))
	var dot float64
	for i := range noise {
		noise[i] = float32(rng.NormFloat64())
		dot += float64(noise[i] * v[i])
	}
	var n float64
	for i := range noise { // the part of the noise orthogonal to v
		noise[i] -= float32(dot) * v[i]
		n += float64(noise[i] * noise[i])
	}
	out := make([]float32, len(v))
	s := math.Sqrt(1 - c*c)
	for i := range out {
		out[i] = float32(c)*v[i] + float32(s/math.Sqrt(n))*noise[i]
	}
	return out
}

// learnFixture is a service on a real store, gallery and score table with
// one face enrolled from a synthetic unit template.
func learnFixture(t *testing.T, set visage.AppSettings) (*Service, *visage.App, *visage.Face, *rand.Rand) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), storetest.Key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	table := testface.Engine(t).Pack().Calibration
	s := New(Config{Store: st, Gallery: index.New(), Table: table, Logger: slog.New(slog.DiscardHandler)})
	app := &visage.App{ID: "app", PublicID: "pub", Name: "learn", Plan: "free", Settings: set}
	if err := st.CreateApp(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	f := &visage.Face{ID: "face", AppID: "app", Templates: []visage.Template{{Model: "m", Vector: near(rng, unit(rng, 512), 0)}}}
	if err := st.CreateFace(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return s, app, f, rng
}

func unit(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return near(rng, v, 0)
}

// learned reads the face's templates back from the store.
func stored(t *testing.T, s *Service, f *visage.Face) (enrolled, learned int) {
	t.Helper()
	got, err := s.store.Face(context.Background(), f.AppID, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range got.Templates {
		if tm.Learned {
			learned++
		} else {
			enrolled++
		}
	}
	*f = *got
	return enrolled, learned
}

func TestLearnTemplates(t *testing.T) {
	ctx := context.Background()
	s, app, f, rng := learnFixture(t, visage.AppSettings{Level: 4, LearnTemplates: true})
	enrolled := f.Templates[0].Vector
	t4, _ := s.table.Threshold(4)
	t5, _ := s.table.Threshold(5)
	sure := (float64(t5) + 1) / 2 // well past level 5
	probe := func(c float64) *visage.Template { return &visage.Template{Model: "m", Vector: near(rng, enrolled, c)} }
	// try is one login: the face read afresh, as a login reads it.
	try := func(p *visage.Template, live bool) {
		stored(t, s, f)
		s.learn(ctx, app, f, p, match.Cosine(enrolled, p.Vector), live)
	}

	// Not live, or only as sure as the app's level: nothing learned.
	try(probe(sure), false)
	try(probe((float64(t4)+float64(t5))/2), true)
	if e, l := stored(t, s, f); e != 1 || l != 0 {
		t.Fatalf("learned %d without a live, sure match", l)
	}
	// Live and sure: learned, and searchable.
	p := probe(sure)
	try(p, true)
	if _, l := stored(t, s, f); l != 1 {
		t.Fatalf("%d learned after a live, sure match", l)
	}
	if hits := s.gallery.Search("app", *p, 1, 0.99); len(hits) != 1 {
		t.Fatal("the learned template is not in the gallery")
	}
	// The same photo again adds nothing.
	try(&visage.Template{Model: "m", Vector: p.Vector}, true)
	if _, l := stored(t, s, f); l != 1 {
		t.Fatalf("a twin was learned: %d", l)
	}
	// Bounded: the newest MaxLearned, the enrolled one kept.
	var last *visage.Template
	for range MaxLearned + 3 {
		last = probe(sure)
		try(last, true)
	}
	if e, l := stored(t, s, f); e != 1 || l != MaxLearned {
		t.Fatalf("%d enrolled, %d learned; want 1 and %d", e, l, MaxLearned)
	}
	if got := f.Templates[len(f.Templates)-1].Vector; match.Cosine(got, last.Vector) < 0.9999 {
		t.Fatal("the newest learned template is not the last one kept")
	}
	if n := s.gallery.Len("app"); n != 1 {
		t.Fatalf("the gallery holds %d faces", n)
	}

	// A learned template is trusted one level less: a probe that matches
	// it only at the app's level, and no enrolled template, is not
	// recognised; one that matches it a level stricter is.
	learnedVec := f.Templates[len(f.Templates)-1].Vector
	trusted := false
	for range 50 {
		weak := &visage.Template{Model: "m", Vector: near(rng, learnedVec, (float64(t4)+float64(t5))/2)}
		if match.Cosine(enrolled, weak.Vector) >= t4 {
			continue
		}
		if _, err := s.authenticate(ctx, app, weak, "", false); visage.ErrorCode(err) != visage.CodeUnrecognizedFace {
			t.Fatalf("a probe matching a learned template at the app's level only: %v", err)
		}
		strong := &visage.Template{Model: "m", Vector: near(rng, learnedVec, float64(t5)+0.05)}
		if rec, err := s.authenticate(ctx, app, strong, "", false); err != nil || rec.FacialID != f.ID {
			t.Fatalf("a probe matching a learned template a level stricter: %v, %v", rec, err)
		}
		trusted = true
		break
	}
	if !trusted {
		t.Fatal("no probe matched a learned template alone: the test proved nothing")
	}

	// Anchored: a probe sure against a learned template but not matching
	// the enrolled one at the app's level teaches nothing, so logins
	// cannot walk the face away from its enrollment.
	for range 50 {
		drift := &visage.Template{Model: "m", Vector: near(rng, learnedVec, float64(t5)+0.01)}
		if match.Cosine(enrolled, drift.Vector) < t4 {
			before := len(f.Templates)
			s.learn(ctx, app, f, drift, match.Cosine(learnedVec, drift.Vector), true)
			if stored(t, s, f); len(f.Templates) != before {
				t.Fatal("a probe that does not match the enrolled template was learned")
			}
			return
		}
	}
	t.Fatal("no drifting probe made: the test proved nothing")
}

// An app that does not ask learns nothing, however sure the match.
func TestLearnTemplatesOff(t *testing.T) {
	s, app, f, rng := learnFixture(t, visage.AppSettings{Level: 4})
	p := &visage.Template{Model: "m", Vector: near(rng, f.Templates[0].Vector, 0.9)}
	s.learn(context.Background(), app, f, p, 0.9, true)
	if _, l := stored(t, s, f); l != 0 {
		t.Fatalf("%d learned with the setting off", l)
	}
}
