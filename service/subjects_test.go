package service_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
)

// An app's retention deletes the faces that have not authenticated for
// its number of days, counted from enrollment for a face never used,
// with a face.deleted event and an audit entry by the system.
func TestRetentionDeletesUnusedFaces(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{RetentionDays: 30})
	other := f.app(t, visage.AppSettings{}) // keeps its faces
	alice, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{testface.Person(t, 6, 0, 0)}, ExternalID: "alice"})
	check(t, err)
	bob, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{testface.Person(t, 6, 1, 0)}, ExternalID: "bob"})
	check(t, err)
	carol, err := f.svc.Enroll(f.ctx, other, service.EnrollRequest{Images: [][]byte{testface.Person(t, 6, 0, 0)}, ExternalID: "carol"})
	check(t, err)

	f.clock.Add(20 * 24 * time.Hour)
	rec, err := f.svc.Authenticate(f.ctx, app, testface.Person(t, 6, 1, 12), "")
	check(t, err)
	if rec.FacialID != bob.FacialID {
		t.Fatalf("authenticated %+v, not bob", rec)
	}
	used, err := f.svc.Face(f.ctx, app, bob.FacialID)
	check(t, err)
	if !used.LastUsedAt.Equal(f.clock.Now().UTC().Truncate(time.Microsecond)) {
		t.Errorf("bob's last use is %v, want %v", used.LastUsedAt, f.clock.Now())
	}

	f.clock.Add(15 * 24 * time.Hour) // alice: 35 days since enrolled; bob: 15 since used
	f.svc.Housekeep(f.ctx, service.Retention{})
	_, err = f.svc.Face(f.ctx, app, alice.FacialID)
	wantCode(t, err, visage.CodeNotFound)
	_, err = f.svc.Authenticate(f.ctx, app, testface.Person(t, 6, 0, 12), "")
	wantCode(t, err, visage.CodeUnrecognizedFace) // gone from the gallery too
	_, err = f.svc.Face(f.ctx, app, bob.FacialID)
	check(t, err)
	_, err = f.svc.Face(f.ctx, other, carol.FacialID)
	check(t, err)

	events, err := f.store.FaceEvents(f.ctx, app.ID, alice.FacialID)
	check(t, err)
	if last := events[len(events)-1]; last.Type != service.EventFaceDeleted || !strings.Contains(string(last.Data), `"reason":"retention"`) {
		t.Errorf("alice's last event: %s %s", last.Type, last.Data)
	}
	entries, err := f.store.AuditLog(f.ctx, store.AuditFilter{Target: alice.FacialID, Action: "face.delete"}, 0, 10)
	check(t, err)
	if len(entries) != 1 || entries[0].Actor != "system" {
		t.Errorf("the retention's audit entry: %+v", entries)
	}

	f.clock.Add(16 * 24 * time.Hour) // bob: 31 days since used
	f.svc.Housekeep(f.ctx, service.Retention{})
	_, err = f.svc.Face(f.ctx, app, bob.FacialID)
	wantCode(t, err, visage.CodeNotFound)
	wantCode(t, f.svc.UpdateSettings(f.ctx, app, visage.AppSettings{Level: 4, RetentionDays: -1}), visage.CodeInvalidRequest)
}

// The export holds what Visage keeps about a person, but never the
// template's values; the erasure removes the face and its events, and its
// receipt says what went and what is kept.
func TestExportAndErase(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{})
	other := f.app(t, visage.AppSettings{})
	en, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{testface.Person(t, 6, 0, 0)}, ExternalID: "alice",
		Payload: json.RawMessage(`{"user":42}`), PIN: "48213579"})
	check(t, err)
	check(t, f.svc.SetPayload(f.ctx, app, en.FacialID, json.RawMessage(`{"user":43}`)))

	_, err = f.svc.ExportSubject(f.ctx, other, "", "alice")
	wantCode(t, err, visage.CodeNotFound)
	_, err = f.svc.ExportSubject(f.ctx, app, "", "")
	wantCode(t, err, visage.CodeInvalidRequest)
	out, err := f.svc.ExportSubject(f.ctx, app, "", "alice")
	check(t, err)
	raw, _ := json.Marshal(out)
	var types []string
	for _, ev := range out.Events {
		types = append(types, ev.Type)
	}
	if out.FacialID != en.FacialID || string(out.Payload) != `{"user":43}` || !out.HasPIN || out.Templates.Count != 1 ||
		fmt.Sprint(types) != "[face.enrolled face.payload_updated]" || len(out.Audit) != 2 || out.EstimatedAge <= 0 {
		t.Errorf("export: %s", raw)
	}
	// The PIN is 8 digits so that no hash or timestamp holds it by chance.
	if strings.Contains(string(raw), "vector") || strings.Contains(string(raw), "48213579") || len(raw) > 8000 {
		t.Errorf("the export shows a template or the PIN: %s", raw)
	}

	receipt, err := f.svc.EraseSubject(f.ctx, app, en.FacialID, "")
	check(t, err)
	if receipt.ExternalID != "alice" || receipt.Removed.Templates != 1 || !receipt.Removed.Payload || !receipt.Removed.PIN ||
		receipt.Removed.Events != 2 || receipt.AuditSeq == 0 || receipt.ErasedAt.IsZero() {
		t.Errorf("receipt: %+v", receipt)
	}
	_, err = f.svc.Face(f.ctx, app, en.FacialID)
	wantCode(t, err, visage.CodeNotFound)
	_, err = f.svc.Authenticate(f.ctx, app, testface.Person(t, 6, 0, 12), "48213579")
	wantCode(t, err, visage.CodeUnrecognizedFace)
	events, err := f.store.FaceEvents(f.ctx, app.ID, en.FacialID)
	check(t, err)
	if len(events) != 1 || events[0].Type != service.EventFaceDeleted || strings.Contains(string(events[0].Data), "alice") {
		t.Errorf("events left after the erasure: %+v", events)
	}
	_, err = f.svc.EraseSubject(f.ctx, app, "", "alice")
	wantCode(t, err, visage.CodeNotFound)
}
