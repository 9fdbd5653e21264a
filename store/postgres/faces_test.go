package postgres

import (
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/storetest"
)

// A sealed value copied to another row fails to open, as INTERNAL: see
// storetest.RowSwap.
func TestRowSwapDetected(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	storetest.RowSwap(t, s,
		func(appID, faceID string) (templates, payload []byte) {
			err := s.pool.QueryRow(ctx, "SELECT templates, payload FROM faces WHERE app_id = $1 AND id = $2", appID, faceID).Scan(&templates, &payload)
			if err != nil {
				t.Fatal(err)
			}
			return templates, payload
		},
		func(column, appID, faceID string, value []byte) error {
			_, err := s.pool.Exec(ctx, "UPDATE faces SET "+column+" = $1 WHERE app_id = $2 AND id = $3", value, appID, faceID)
			return err
		})
}

// An error that is no failure to reach the server, here an app whose
// settings do not parse, is INTERNAL: UNAVAILABLE would have the client
// retry what no retry mends.
func TestCorruptRowIsInternal(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	storetest.CreateApp(t, s, "app1")
	if _, err := s.pool.Exec(ctx, "UPDATE apps SET settings = 'not json' WHERE id = 'app1'"); err != nil {
		t.Fatal(err)
	}
	_, err := s.App(ctx, "app1")
	storetest.WantCode(t, err, visage.CodeInternal)
	_, err = s.Apps(ctx)
	storetest.WantCode(t, err, visage.CodeInternal)
}
