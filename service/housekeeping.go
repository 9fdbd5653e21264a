package service

import (
	"context"
	"time"

	"github.com/visagehq/visage"
)

// Retention is how long the server keeps what it records.
type Retention struct {
	// Audit is how long audit entries are kept (0: forever).
	Audit time.Duration
	// Events is how long events are kept once every enabled webhook of
	// their app is past them, and entries of the webhooks' delivery log
	// (0: forever).
	Events time.Duration
}

// housekeepEvery is how often Housekeep prunes: retention is counted in
// days, and pruning is cheap when there is nothing to remove.
const housekeepEvery = time.Hour

// RunHousekeeping runs Housekeep at once and then every hour, until ctx
// ends. Every replica may run it: two replicas removing the same record
// at once remove it once.
func (s *Service) RunHousekeeping(ctx context.Context, r Retention) {
	t := time.NewTicker(housekeepEvery)
	defer t.Stop()
	for {
		s.Housekeep(ctx, r)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Housekeep removes what has expired: the faces past their app's
// retention (AppSettings.RetentionDays), the audit entries past r's, and
// the events and webhook deliveries past r's (Service.PruneEvents).
// Failures are logged, and the next pass tries again.
func (s *Service) Housekeep(ctx context.Context, r Retention) {
	if err := s.recordFaces(ctx); err != nil {
		s.log.Warn("recording the apps' numbers of faces failed", "err", err)
	}
	if n, err := s.retainFaces(ctx); err != nil {
		s.log.Warn("deleting faces past their app's retention failed", "err", err)
	} else if n > 0 {
		s.log.Info("faces past their app's retention deleted", "faces", n)
	}
	if r.Audit > 0 {
		if n, err := s.PruneAudit(ctx, r.Audit); err != nil {
			s.log.Warn("pruning the audit log failed", "err", err)
		} else if n > 0 {
			s.log.Info("audit entries past retention removed", "entries", n)
		}
	}
	if r.Events > 0 {
		if n, m, err := s.PruneEvents(ctx, r.Events); err != nil {
			s.log.Warn("pruning the events failed", "err", err)
		} else if n+m > 0 {
			s.log.Info("events and webhook deliveries past retention removed", "events", n, "deliveries", m)
		}
	}
}

// MaxRetentionDays bounds an app's face retention (AppSettings): ten
// years.
const MaxRetentionDays = 3650

// retainFaces deletes the faces of every app with a retention setting
// that have not authenticated within it, each as a delete of its own
// (audited, with a face.deleted event whose reason is "retention").
func (s *Service) retainFaces(ctx context.Context) (int, error) {
	apps, err := s.store.Apps(ctx)
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, app := range apps {
		if app.Settings.RetentionDays == 0 {
			continue
		}
		before := s.now().Add(-time.Duration(app.Settings.RetentionDays) * 24 * time.Hour)
		for {
			ids, err := s.store.UnusedFaces(ctx, app.ID, before, 100)
			if err != nil {
				return deleted, err
			}
			for _, id := range ids {
				err := s.deleteFace(ctx, app.ID, id, "retention")
				if err != nil && visage.ErrorCode(err) != visage.CodeNotFound { // deleted meanwhile
					return deleted, err
				}
				deleted++
			}
			if len(ids) < 100 {
				break
			}
		}
	}
	return deleted, nil
}

// recordFaces records how many faces each app holds today: the gallery's
// size over time that the console charts.
func (s *Service) recordFaces(ctx context.Context) error {
	apps, err := s.store.Apps(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for _, app := range apps {
		n, err := s.store.CountFaces(ctx, app.ID)
		if err == nil {
			err = s.store.RecordFaces(ctx, app.ID, now, int64(n))
		}
		if err != nil && visage.ErrorCode(err) != visage.CodeNotFound {
			return err
		}
	}
	return nil
}
