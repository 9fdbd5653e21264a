package service

import (
	"context"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// Stats is an app's summary.
type Stats struct {
	TotalCalls   int64
	IndexedFaces int
	RecentFaces  []string
}

// Stats returns the app's calls since it was created, the faces in its
// gallery and the most recently enrolled facial IDs.
func (s *Service) Stats(ctx context.Context, app *visage.App) (*Stats, error) {
	days, err := s.store.Usage(ctx, app.ID, app.CreatedAt, s.now())
	if err != nil {
		return nil, err
	}
	st := &Stats{IndexedFaces: s.gallery.Len(app.ID)}
	for _, d := range days {
		st.TotalCalls += d.Calls
	}
	if st.RecentFaces, err = s.store.RecentFaces(ctx, app.ID, 10); err != nil {
		return nil, err
	}
	return st, nil
}

// Usage returns the app's calls per UTC day from one day to another
// (both included; at most a year).
func (s *Service) Usage(ctx context.Context, app *visage.App, from, to time.Time) ([]store.DayUsage, error) {
	if to.Before(from) || to.Sub(from) > 366*24*time.Hour {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "the period must run forward and span at most a year")
	}
	return s.store.Usage(ctx, app.ID, from, to)
}

// Outcomes returns the app's calls by day, endpoint and outcome (the
// error code, "" for a success) from one day to another, both included,
// at most a year.
func (s *Service) Outcomes(ctx context.Context, app *visage.App, from, to time.Time) ([]store.Outcome, error) {
	if to.Before(from) || to.Sub(from) > 366*24*time.Hour {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "the period must run forward and span at most a year")
	}
	return s.store.Outcomes(ctx, app.ID, from, to)
}
