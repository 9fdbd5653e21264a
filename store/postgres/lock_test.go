package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/visagehq/visage/internal/storetest"
)

// Enrollments in more apps at once than the pool has connections each
// hold an app's lock and then need a connection to write: the locks must
// leave connections for the writes, or every holder waits for the others.
func TestAppLocksLeaveConnectionsToWrite(t *testing.T) {
	s, _ := openTest(t) // a pool of 4 connections
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const apps = 8
	for i := range apps {
		storetest.CreateApp(t, s, fmt.Sprint("app", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, apps)
	for i := range apps {
		wg.Go(func() {
			app := fmt.Sprint("app", i)
			unlock, err := s.LockApp(ctx, app)
			if err != nil {
				errs <- err
				return
			}
			defer unlock()
			time.Sleep(50 * time.Millisecond) // the checks under the lock
			errs <- s.CreateFace(ctx, storetest.NewFace(app, "face", ""))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("an enrollment under its app's lock failed: %v", err)
		}
	}
}
