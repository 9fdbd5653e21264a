package service_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/internal/testredis"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
)

// Replicas on one store and one shared state hand out one plan's worth
// of requests between them, not one each; a replica that starts late
// finds the month where the others left it.
func TestReplicasShareThePlan(t *testing.T) {
	testredis.Each(t, 3, func(t *testing.T, shared []cluster.State) {
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "visage.db"), bytes.Repeat([]byte{7}, 32))
		check(t, err)
		t.Cleanup(func() { st.Close() })
		ctx, clock := context.Background(), testface.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
		replica := func(s cluster.State) *service.Service {
			return service.New(service.Config{Store: st, Gallery: index.New(), Now: clock.Now, Shared: s,
				Plans: map[string]service.Plan{"free": {PerMinute: 4, PerMonth: 7, SessionsPerMinute: 1}}})
		}
		a, b := replica(shared[0]), replica(shared[1])
		app, err := a.CreateApp(ctx, "shared", "free")
		check(t, err)
		check(t, st.CountCall(ctx, app.ID, clock.Now(), true)) // before any replica counted

		for i, svc := range []*service.Service{a, b, a, b} {
			adm, err := svc.Admit(ctx, app)
			check(t, err)
			if adm.Remaining != 3-i {
				t.Fatalf("request %d: %+v", i+1, adm)
			}
			check(t, svc.Record(ctx, app, "POST /v1/authenticate", nil))
		}
		adm, err := b.Admit(ctx, app)
		wantCode(t, err, visage.CodeRateLimit)
		if adm.RetryAfter != 15*time.Second {
			t.Fatalf("over the minute: %+v", adm)
		}
		// The pages' budget is apart from the API's.
		_, err = a.AdmitSession(ctx, app)
		check(t, err)
		_, err = b.AdmitSession(ctx, app)
		wantCode(t, err, visage.CodeRateLimit)

		// One counted in the store before, four since: two are left this
		// month, for every replica, including one that starts now.
		clock.Add(time.Minute)
		c := replica(shared[2])
		for _, svc := range []*service.Service{c, a} {
			_, err := svc.Admit(ctx, app)
			check(t, err)
			check(t, svc.Record(ctx, app, "POST /v1/authenticate", nil))
		}
		for _, svc := range []*service.Service{a, b, c} {
			adm, err := svc.Admit(ctx, app)
			wantCode(t, err, visage.CodeQuotaExceeded)
			if want := 9*24*time.Hour - 12*time.Hour - time.Minute; adm.RetryAfter != want {
				t.Fatalf("over the month: retry after %v, want %v", adm.RetryAfter, want)
			}
		}
	})
}
