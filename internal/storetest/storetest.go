// Package storetest is what the tests of the stores share: the fixtures
// of the suite that runs against every backend (store/*_test.go) and of
// each backend's own tests, and a PostgreSQL schema of its own for each
// test (postgres.go). It is imported by tests only.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// Key is the data key of the test stores: any key does, as long as a
// store is reopened with the same one.
var Key = bytes.Repeat([]byte{7}, 32)

// CreateApp stores an app with this ID, "pub-"+id as its public ID, and
// fails the test if it cannot.
func CreateApp(t testing.TB, s store.Store, id string) *visage.App {
	t.Helper()
	a := newApp(id)
	if err := s.CreateApp(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func newApp(id string) *visage.App {
	return &visage.App{ID: id, PublicID: "pub-" + id, Name: "App " + id, Plan: "free", Settings: visage.AppSettings{Level: 4}}
}

// NewFace returns a face of the app with a payload and one random 512-d
// template.
func NewFace(appID, id, externalID string) *visage.Face {
	v := make([]float32, 512)
	for i := range v {
		v[i] = rand.Float32()*2 - 1
	}
	return &visage.Face{
		ID: id, AppID: appID, ExternalID: externalID,
		Payload:   json.RawMessage(fmt.Sprintf(`{"name":"person %s"}`, id)),
		Templates: []visage.Template{{Model: "arcface-r100", Vector: v}},
		Age:       31.5, Female: 0.25,
	}
}

// CreateFace enrolls NewFace(appID, id, externalID) and fails the test if
// it cannot.
func CreateFace(t testing.TB, s store.Store, appID, id, externalID string) *visage.Face {
	t.Helper()
	f := NewFace(appID, id, externalID)
	if err := s.CreateFace(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

// WantCode fails the test unless err carries code.
func WantCode(t testing.TB, err error, code visage.Code) {
	t.Helper()
	if got := visage.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

// TemplatesEqual says whether two lists of templates are the same, model
// and vector.
func TemplatesEqual(a, b []visage.Template) bool {
	return slices.EqualFunc(a, b, func(x, y visage.Template) bool {
		return x.Model == y.Model && slices.Equal(x.Vector, y.Vector)
	})
}

// Registration is what a sign-up hands the store: an app, its account and
// its first key (ID id+"-key", prefix "fa_"+id).
func Registration(id, email string) (*store.Account, *visage.App, *visage.APIKey) {
	app := newApp(id)
	key := &visage.APIKey{ID: id + "-key", AppID: id, Prefix: "fa_" + id, Hash: []byte("hash " + id)}
	return &store.Account{Email: email, Name: "Person " + id}, app, key
}
