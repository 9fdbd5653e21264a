package service_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
)

// Logins are recorded as events only for an app whose webhooks want them:
// a success with its similarity, a failure with its code, and nothing
// for an app without webhooks.
func TestLoginEvents(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{})
	quiet := f.app(t, visage.AppSettings{})
	hook := &store.Webhook{ID: "hook-1", AppID: app.ID, URL: "https://example.com/hook", Secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0",
		Events: []string{service.EventAuthSucceeded, service.EventAuthFailed}}
	check(t, f.store.CreateWebhook(f.ctx, hook))

	alice := testface.Person(t, 6, 0, 0)
	en, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{alice}, ExternalID: "alice"})
	check(t, err)
	_, err = f.svc.Enroll(f.ctx, quiet, service.EnrollRequest{Images: [][]byte{alice}, ExternalID: "alice"})
	check(t, err)
	for _, a := range []*visage.App{app, quiet} {
		_, err = f.svc.Authenticate(f.ctx, a, testface.Person(t, 6, 0, 12), "")
		check(t, err)
		_, err = f.svc.Authenticate(f.ctx, a, testface.Person(t, 6, 1, 0), "") // bob is not enrolled
		wantCode(t, err, visage.CodeUnrecognizedFace)
		v, err := f.svc.Verify(f.ctx, a, testface.Person(t, 6, 1, 0), "", "alice", "")
		check(t, err)
		if v.Match {
			t.Fatal("bob verified as alice")
		}
	}

	events, err := f.store.Events(f.ctx, app.ID, 0, []string{service.EventAuthSucceeded, service.EventAuthFailed}, 10)
	check(t, err)
	var got []string
	for _, ev := range events {
		var data map[string]any
		check(t, json.Unmarshal(ev.Data, &data))
		got = append(got, fmt.Sprintf("%s %s %v %v", ev.Type, ev.FaceID, data["method"], data["code"]))
		if ev.Type == service.EventAuthSucceeded && data["similarity"].(float64) < 80 {
			t.Errorf("success with similarity %v", data["similarity"])
		}
	}
	want := []string{
		"authentication.succeeded " + en.FacialID + " authenticate <nil>",
		"authentication.failed  authenticate UNRECOGNIZED_FACE",
		"authentication.failed " + en.FacialID + " verify UNRECOGNIZED_FACE",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("login events:\n%v\nwant\n%v", got, want)
	}
	if quietEvents, err := f.store.Events(f.ctx, quiet.ID, 0, []string{service.EventAuthSucceeded, service.EventAuthFailed}, 10); err != nil || len(quietEvents) != 0 {
		t.Errorf("an app without webhooks got login events: %v, %v", quietEvents, err)
	}
}
