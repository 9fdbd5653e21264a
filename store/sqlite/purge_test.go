package sqlite

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/visagehq/visage/internal/storetest"
)

// diskBytes returns the database file and its WAL as they are on disk.
func diskBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// sealedColumns reads a face's stored (sealed) templates and payload.
func sealedColumns(t *testing.T, s *Store, appID, faceID string) (templates, payload []byte) {
	t.Helper()
	err := s.reader.QueryRow("SELECT templates, payload FROM faces WHERE app_id = ? AND id = ?", appID, faceID).Scan(&templates, &payload)
	if err != nil {
		t.Fatal(err)
	}
	return templates, payload
}

// The database file holds neither payloads nor templates in clear, while
// it does hold the (clear) external ID: the scan can see what is there.
func TestEncryptedAtRest(t *testing.T) {
	t.Parallel()
	s, path := openTest(t)
	createApp(t, s, "app1")
	f := newFace("app1", "face1", "external-id-in-clear")
	f.Payload = json.RawMessage(`{"note":"payload-marker-5a7e"}`)
	if err := s.CreateFace(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPayload(ctx, "app1", "face1", json.RawMessage(`{"note":"second-marker-91c4"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	disk := diskBytes(t, path)
	if !bytes.Contains(disk, []byte("external-id-in-clear")) {
		t.Fatal("the scan does not find the external ID: it cannot be trusted to find anything")
	}
	for _, marker := range []string{"payload-marker-5a7e", "second-marker-91c4", "arcface-r100"} {
		if bytes.Contains(disk, []byte(marker)) {
			t.Errorf("%q is on disk in clear", marker)
		}
	}
	v := vectorBytes(f.Templates[0].Vector)
	for i := 0; i+16 <= len(v); i += 16 {
		if bytes.Contains(disk, v[i:i+16]) {
			t.Fatalf("template bytes %d–%d are on disk in clear", i, i+16)
		}
	}
}

// DeleteFace leaves no byte of the face in the database file or the WAL:
// not its external ID, PIN hash, sealed templates or sealed payload.
func TestDeleteFacePurgesBytes(t *testing.T) {
	t.Parallel()
	s, path := openTest(t)
	createApp(t, s, "app1")
	createFace(t, s, "app1", "kept-before", "")
	f := newFace("app1", "gone", "external-gone-7f3a")
	f.PINHash = []byte("pin-hash-gone-c2d9")
	if err := s.CreateFace(ctx, f); err != nil {
		t.Fatal(err)
	}
	createFace(t, s, "app1", "kept-after", "") // shares pages with the deleted row
	templates, payload := sealedColumns(t, s, "app1", "gone")
	traces := map[string][]byte{
		"external ID":       []byte("external-gone-7f3a"),
		"PIN hash":          f.PINHash,
		"sealed templates":  templates[len(templates)-64:],
		"sealed payload":    payload[len(payload)-16:],
		"templates' nonce":  templates[1:13],
		"templates' middle": templates[1000:1064],
	}
	// Move everything into the database file, and check the traces are
	// there to be found.
	if err := s.checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range traces {
		if !bytes.Contains(before, b) {
			t.Fatalf("before the delete, the %s is not in the database file: the test would prove nothing", name)
		}
	}

	if err := s.DeleteFace(ctx, "app1", "gone"); err != nil {
		t.Fatal(err)
	}
	checkGone := func(when string) {
		t.Helper()
		disk := diskBytes(t, path)
		for name, b := range traces {
			if bytes.Contains(disk, b) {
				t.Errorf("%s: the %s is still on disk", when, name)
			}
		}
	}
	checkGone("after DeleteFace")
	for _, id := range []string{"kept-before", "kept-after"} {
		if _, err := s.Face(ctx, "app1", id); err != nil {
			t.Fatalf("a kept face: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkGone("after Close")
}

// A reader holding an old snapshot keeps the checkpoint from completing;
// the purge is then finished in the background once the reader is done.
func TestDeleteFacePurgeRetried(t *testing.T) {
	t.Parallel()
	s, path := openTest(t)
	createApp(t, s, "app1")
	createFace(t, s, "app1", "kept", "")
	createFace(t, s, "app1", "gone", "external-retry-4b1e")

	tx, err := s.reader.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("SELECT COUNT(*) FROM faces").Scan(&n); err != nil { // takes the snapshot
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.DeleteFace(ctx, "app1", "gone"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("DeleteFace waited %v for the reader", d)
	}
	if !s.purgePending() {
		t.Fatal("the checkpoint completed despite the reader: the test does not test the retry")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.purgePending() {
		if time.Now().After(deadline) {
			t.Fatal("the purge was not retried within 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if bytes.Contains(diskBytes(t, path), []byte("external-retry-4b1e")) {
		t.Fatal("the external ID is still on disk after the retried purge")
	}
}

// DeleteApp purges its faces too.
func TestDeleteAppPurgesBytes(t *testing.T) {
	t.Parallel()
	s, path := openTest(t)
	createApp(t, s, "app1")
	createApp(t, s, "app2")
	createFace(t, s, "app1", "gone", "external-app-gone-e81f")
	createFace(t, s, "app2", "kept", "")
	if err := s.checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteApp(ctx, "app1"); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(diskBytes(t, path), []byte("external-app-gone-e81f")) {
		t.Fatal("a deleted app's face is still on disk")
	}
}

// A sealed value copied to another row (another face, another app, the
// other column) fails to open, with an error that names the face and not
// the value.
func TestRowSwapDetected(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	storetest.RowSwap(t, s,
		func(appID, faceID string) ([]byte, []byte) { return sealedColumns(t, s, appID, faceID) },
		func(column, appID, faceID string, value []byte) error {
			_, err := s.writer.Exec("UPDATE faces SET "+column+" = ? WHERE app_id = ? AND id = ?", value, appID, faceID)
			return err
		})
}

func TestWrongKeyRefused(t *testing.T) {
	t.Parallel()
	s, path := openTest(t)
	createApp(t, s, "app1")
	createFace(t, s, "app1", "face1", "")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	other := bytes.Repeat([]byte{8}, 32)
	if s, err := Open(path, other); err == nil {
		s.Close()
		t.Fatal("a database opened with another key")
	}
	if _, err := Open(path, other[:16]); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
	s = reopen(t, path) // the right key still works
	if _, err := s.Face(ctx, "app1", "face1"); err != nil {
		t.Fatal(err)
	}
}
