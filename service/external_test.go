package service_test

import (
	"encoding/json"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
)

func TestFaceByExternalID(t *testing.T) {
	f := newFixture(t)
	a, b := f.app(t, visage.AppSettings{}), f.app(t, visage.AppSettings{})
	en, err := f.svc.Enroll(f.ctx, a, service.EnrollRequest{Images: [][]byte{testface.Person(t, 6, 0, 0)}, ExternalID: "alice", Payload: json.RawMessage(`{"k":1}`)})
	check(t, err)

	got, err := f.svc.FaceByExternalID(f.ctx, a, "alice")
	check(t, err)
	if got.ID != en.FacialID || string(got.Payload) != `{"k":1}` || got.Templates != nil {
		t.Fatalf("FaceByExternalID: %+v", got)
	}
	_, err = f.svc.FaceByExternalID(f.ctx, b, "alice") // another app's person
	wantCode(t, err, visage.CodeNotFound)
	_, err = f.svc.FaceByExternalID(f.ctx, a, "bob")
	wantCode(t, err, visage.CodeNotFound)
	_, err = f.svc.FaceByExternalID(f.ctx, a, "")
	wantCode(t, err, visage.CodeInvalidRequest)
}
