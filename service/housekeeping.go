package service

import (
	"context"
	"time"
)

// Retention is how long the server keeps what it records.
type Retention struct {
	// Audit is how long audit entries are kept (0: forever).
	Audit time.Duration
}

// housekeepEvery is how often Housekeep prunes: retention is counted in
// days, and pruning is cheap when there is nothing to remove.
const housekeepEvery = time.Hour

// Housekeep removes what the retention settings say has expired, at once
// and then every hour, until ctx ends. Every replica may run it: each
// pass is one transaction per kind of record, and two replicas pruning
// at once remove the same entries.
func (s *Service) Housekeep(ctx context.Context, r Retention) {
	t := time.NewTicker(housekeepEvery)
	defer t.Stop()
	for {
		if r.Audit > 0 {
			if n, err := s.PruneAudit(ctx, r.Audit); err != nil {
				s.log.Warn("pruning the audit log failed", "err", err)
			} else if n > 0 {
				s.log.Info("audit entries past retention removed", "entries", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
