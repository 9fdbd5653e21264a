package store_test

import (
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/store"
)

func TestCreateAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		a, app, key := storetest.Registration("app1", "Dev@Company.com")
		if err := s.CreateAccount(ctx, a, app, key); err != nil {
			t.Fatal(err)
		}
		if a.ID != 1 || a.AppID != "app1" || a.CreatedAt.IsZero() {
			t.Fatalf("account after create: %+v", a)
		}
		got, err := s.AccountByApp(ctx, "app1")
		if err != nil || *got != *a {
			t.Fatalf("AccountByApp: %+v, %v; want %+v", got, err, a)
		}
		if _, err := s.App(ctx, "app1"); err != nil {
			t.Fatalf("the account's app: %v", err)
		}
		if keys, err := s.KeysByPrefix(ctx, "fa_app1"); err != nil || len(keys) != 1 || keys[0].AppID != "app1" {
			t.Fatalf("the account's key: %+v, %v", keys, err)
		}

		b, app2, key2 := storetest.Registration("app2", "other@company.com")
		if err := s.CreateAccount(ctx, b, app2, key2); err != nil {
			t.Fatal(err)
		}
		if b.ID != 2 {
			t.Fatalf("second account has ID %d, want 2", b.ID)
		}
		// An app made by an administrator has no account.
		createApp(t, s, "admin-app")
		_, err = s.AccountByApp(ctx, "admin-app")
		wantCode(t, err, visage.CodeNotFound)
	})
}

// A second sign-up with the same email, in any case, is refused and
// leaves nothing behind: no app, no key.
func TestAccountEmailUnique(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		a, app, key := storetest.Registration("app1", "élise@company.com")
		if err := s.CreateAccount(ctx, a, app, key); err != nil {
			t.Fatal(err)
		}
		for i, email := range []string{"élise@company.com", "ÉLISE@COMPANY.COM", "Élise@Company.Com"} {
			id := "dup" + string(rune('a'+i))
			b, app2, key2 := storetest.Registration(id, email)
			wantCode(t, s.CreateAccount(ctx, b, app2, key2), visage.CodeConflict)
			_, err := s.App(ctx, id)
			wantCode(t, err, visage.CodeNotFound)
			if keys, _ := s.KeysByPrefix(ctx, key2.Prefix); len(keys) != 0 {
				t.Fatalf("%s: the refused registration left its key", email)
			}
		}
		// A taken app ID is refused the same way, and the email stays free.
		c, app3, key3 := storetest.Registration("app1", "new@company.com")
		wantCode(t, s.CreateAccount(ctx, c, app3, key3), visage.CodeConflict)
		c, app3, key3 = storetest.Registration("app3", "new@company.com")
		if err := s.CreateAccount(ctx, c, app3, key3); err != nil {
			t.Fatalf("the email of a refused registration: %v", err)
		}
	})
}

// Deleting the app deletes its account, frees its email, and the number
// is not given to the next account.
func TestDeleteAppDeletesAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		a, app, key := storetest.Registration("app1", "dev@company.com")
		if err := s.CreateAccount(ctx, a, app, key); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteApp(ctx, "app1"); err != nil {
			t.Fatal(err)
		}
		_, err := s.AccountByApp(ctx, "app1")
		wantCode(t, err, visage.CodeNotFound)
		b, app2, key2 := storetest.Registration("app2", "DEV@company.com")
		if err := s.CreateAccount(ctx, b, app2, key2); err != nil {
			t.Fatalf("registering the freed email: %v", err)
		}
		if b.ID != 2 {
			t.Fatalf("the new account reuses number %d", b.ID)
		}
	})
}
