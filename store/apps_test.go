package store_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

func TestAppsCRUD(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		a := createApp(t, s, "app1")
		if a.CreatedAt.IsZero() {
			t.Fatal("CreatedAt not set")
		}
		createApp(t, s, "app2")

		got, err := s.App(ctx, "app1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "app1" || got.PublicID != "pub-app1" || got.Name != "App app1" || got.Plan != "free" ||
			!reflect.DeepEqual(got.Settings, a.Settings) || !got.CreatedAt.Equal(a.CreatedAt) {
			t.Fatalf("got %+v, want %+v", got, a)
		}
		if got, err := s.AppByPublicID(ctx, "pub-app2"); err != nil || got.ID != "app2" {
			t.Fatalf("by public ID: %+v, %v", got, err)
		}
		apps, err := s.Apps(ctx)
		if err != nil || len(apps) != 2 || apps[0].ID != "app1" || apps[1].ID != "app2" {
			t.Fatalf("apps: %+v, %v", apps, err)
		}

		a.Name, a.Plan = "Renamed", "pro"
		a.Settings = visage.AppSettings{Level: 6, PreventDuplicates: true, RequirePIN: true, UniquePIN: true, MinAge: 18, RequireLiveness: true,
			AllowedOrigins: []string{"https://shop.example"}, AllowedCountries: []string{"FR", "ES"}, RejectEmptyOrigin: true}
		if err := s.UpdateApp(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.App(ctx, "app1"); got.Name != "Renamed" || got.Plan != "pro" || !reflect.DeepEqual(got.Settings, a.Settings) {
			t.Fatalf("after update: %+v", got)
		}

		if err := s.DeleteApp(ctx, "app1"); err != nil {
			t.Fatal(err)
		}
		_, err = s.App(ctx, "app1")
		wantCode(t, err, visage.CodeNotFound)
		_, err = s.AppByPublicID(ctx, "pub-app1")
		wantCode(t, err, visage.CodeNotFound)
		wantCode(t, s.DeleteApp(ctx, "app1"), visage.CodeNotFound)
		wantCode(t, s.UpdateApp(ctx, a), visage.CodeNotFound)
	})
}

func TestAppConflicts(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		wantCode(t, s.CreateApp(ctx, &visage.App{ID: "app1", PublicID: "other"}), visage.CodeConflict)
		wantCode(t, s.CreateApp(ctx, &visage.App{ID: "other", PublicID: "pub-app1"}), visage.CodeConflict)
	})
}

func TestKeys(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		createApp(t, s, "app2")
		k1 := &visage.APIKey{ID: "k1", AppID: "app1", Prefix: "vsk_abcd", Hash: []byte("hash1")}
		k2 := &visage.APIKey{ID: "k2", AppID: "app1", Prefix: "vsk_abcd", Hash: []byte("hash2"), CreatedAt: time.Now().Add(time.Hour).Truncate(time.Microsecond)}
		k3 := &visage.APIKey{ID: "k3", AppID: "app2", Prefix: "vsk_efgh", Hash: []byte("hash3")}
		for _, k := range []*visage.APIKey{k1, k2, k3} {
			if err := s.CreateKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, s.CreateKey(ctx, &visage.APIKey{ID: "k1", AppID: "app1", Prefix: "x", Hash: []byte("h")}), visage.CodeConflict)
		wantCode(t, s.CreateKey(ctx, &visage.APIKey{ID: "k9", AppID: "nope", Prefix: "x", Hash: []byte("h")}), visage.CodeNotFound)

		cands, err := s.KeysByPrefix(ctx, "vsk_abcd")
		if err != nil || len(cands) != 2 {
			t.Fatalf("candidates: %+v, %v", cands, err)
		}
		keys, err := s.Keys(ctx, "app1")
		if err != nil || len(keys) != 2 || keys[0].ID != "k1" || !bytes.Equal(keys[0].Hash, []byte("hash1")) ||
			keys[0].Prefix != "vsk_abcd" || keys[0].AppID != "app1" || !keys[0].CreatedAt.Equal(k1.CreatedAt) || keys[0].RevokedAt != nil {
			t.Fatalf("keys: %+v, %v", keys, err)
		}

		if err := s.RevokeKey(ctx, "app1", "k1"); err != nil {
			t.Fatal(err)
		}
		keys, _ = s.Keys(ctx, "app1")
		if keys[0].RevokedAt == nil {
			t.Fatal("revoked key has no RevokedAt")
		}
		first := *keys[0].RevokedAt
		if err := s.RevokeKey(ctx, "app1", "k1"); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if keys, _ = s.Keys(ctx, "app1"); !keys[0].RevokedAt.Equal(first) {
			t.Fatal("a second revocation moved RevokedAt")
		}
		if cands, _ := s.KeysByPrefix(ctx, "vsk_abcd"); len(cands) != 1 || cands[0].ID != "k2" {
			t.Fatalf("a revoked key is still a candidate: %+v", cands)
		}
		wantCode(t, s.RevokeKey(ctx, "app1", "k3"), visage.CodeNotFound) // app2's key
		wantCode(t, s.RevokeKey(ctx, "app1", "nope"), visage.CodeNotFound)
		if keys, _ := s.Keys(ctx, "app2"); keys[0].RevokedAt != nil {
			t.Fatal("app1 revoked app2's key")
		}
	})
}

func TestAdminTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		if err := s.CreateAdminToken(ctx, "t1", "vsa_1234", []byte("hash")); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.CreateAdminToken(ctx, "t1", "vsa_9", []byte("h")), visage.CodeConflict)
		tokens, err := s.AdminTokensByPrefix(ctx, "vsa_1234")
		if err != nil || len(tokens) != 1 || tokens[0].ID != "t1" || !bytes.Equal(tokens[0].Hash, []byte("hash")) || tokens[0].CreatedAt.IsZero() {
			t.Fatalf("tokens: %+v, %v", tokens, err)
		}
		if tokens, _ := s.AdminTokensByPrefix(ctx, "vsa_other"); len(tokens) != 0 {
			t.Fatalf("unknown prefix found %+v", tokens)
		}
	})
}

// Deleting an app removes its account, keys, faces and usage, and nothing
// of other apps; a count of it that a backend still buffers when it is
// deleted is not written after it.
func TestDeleteAppCascades(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func() store.Store) {
		s := open()
		enrollApp(t, s, "app1")
		enrollApp(t, s, "app2")
		if err := s.Close(); err != nil { // writes the counts
			t.Fatal(err)
		}
		s = open()
		if err := s.CountCall(ctx, "app1", usageDay, true); err != nil { // may be buffered
			t.Fatal(err)
		}
		if err := s.DeleteApp(ctx, "app1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil { // writes what was buffered
			t.Fatal(err)
		}
		s = open()
		wantHoldings(t, s, "app1", 0)
		wantHoldings(t, s, "app2", 1)
		_, err := s.Face(ctx, "app1", "app1-face")
		wantCode(t, err, visage.CodeNotFound)
		_, err = s.FaceByExternalID(ctx, "app1", "app1-ext")
		wantCode(t, err, visage.CodeNotFound)
		if keys, err := s.KeysByPrefix(ctx, "fa_app1"); err != nil || len(keys) != 0 {
			t.Fatalf("the deleted app's key is still a candidate: %+v, %v", keys, err)
		}
	})
}
