package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"net/url"
	"slices"
	"strings"

	"github.com/visagehq/visage"
)

// Secrets look like "vsk_" + 32 random base32 characters (160 bits). The
// first keyPrefixLen characters are stored in clear to find the key; the
// whole key only as its SHA-256, which for a random 160-bit secret is as
// good as a slow hash and lets every request be checked cheaply.
const (
	adminTag     = "vsa_"
	publicTag    = "pub_"
	keyPrefixLen = 12
)

// Tags of private API keys. A key's tag only says how it looks: every tag
// gives the same kind of key, which every API of the app accepts.
// FaceAuth's "fa_" exists so that keys handed out by the FaceAuth dialect
// look like the ones its clients know (some check the prefix).
const (
	KeyTag         = "vsk_"
	FaceAuthKeyTag = "fa_"
)

// keyTags are the tags AppForKey accepts; anything else (an admin token,
// a public ID) is refused before the store is asked.
var keyTags = []string{KeyTag, FaceAuthKeyTag}

func hasKeyTag(secret string) bool {
	for _, tag := range keyTags {
		if strings.HasPrefix(secret, tag) {
			return true
		}
	}
	return false
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomToken(tag string, bytes int) string {
	b := make([]byte, bytes)
	rand.Read(b)
	return tag + strings.ToLower(b32.EncodeToString(b))
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// NamedApp returns the app with this name, and makes it (with plan) when
// there is none: once, even when replicas are asked at the same moment.
func (s *Service) NamedApp(ctx context.Context, name, plan string) (*visage.App, error) {
	unlock, err := s.lockApp(ctx, "name:"+name)
	if err != nil {
		return nil, err
	}
	defer unlock()
	apps, err := s.store.Apps(ctx)
	if err != nil {
		return nil, err
	}
	for i := range apps {
		if apps[i].Name == name {
			return &apps[i], nil
		}
	}
	return s.CreateApp(ctx, name, plan)
}

// CreateApp makes an application with default settings (level 4).
func (s *Service) CreateApp(ctx context.Context, name, plan string) (*visage.App, error) {
	if plan == "" {
		plan = "free"
	}
	if _, ok := s.plans[plan]; !ok {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "unknown plan %q", plan)
	}
	if err := validText("an application's name", name, MaxName); err != nil {
		return nil, err
	}
	a := &visage.App{ID: newUUID(), PublicID: randomToken(publicTag, 10), Name: name, Plan: plan,
		Settings: visage.AppSettings{Level: 4}, CreatedAt: s.now().UTC()}
	if err := s.store.CreateApp(journal(ctx, "app.create", a.ID, "", map[string]any{"plan": plan}), a); err != nil {
		return nil, err
	}
	return a, nil
}

// DeleteApp removes an application and everything of it.
func (s *Service) DeleteApp(ctx context.Context, appID string) error {
	if err := s.store.DeleteApp(journal(ctx, "app.delete", appID, "", nil), appID); err != nil {
		return err
	}
	s.indexed(ctx, func() { s.gallery.DeleteApp(appID) })
	return nil
}

// UpdateSettings validates and stores an app's settings.
func (s *Service) UpdateSettings(ctx context.Context, app *visage.App, set visage.AppSettings) error {
	if set.Level < 1 || set.Level > 8 {
		return visage.Errorf(visage.CodeInvalidRequest, "level must be 1 to 8")
	}
	if set.RetentionDays < 0 || set.RetentionDays > MaxRetentionDays {
		return visage.Errorf(visage.CodeInvalidRequest, "retention_days must be 0 (keep faces) to %d", MaxRetentionDays)
	}
	if set.MinAge < 0 || set.MinAge > 100 {
		return visage.Errorf(visage.CodeInvalidRequest, "min_age must be 0 to 100")
	}
	if err := checkSigning(set); err != nil {
		return err
	}
	origins, err := normalizeOrigins(set.AllowedOrigins)
	if err != nil {
		return err
	}
	set.AllowedOrigins = origins
	for i, c := range set.AllowedCountries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return visage.Errorf(visage.CodeInvalidRequest, "allowed_countries: %q is not an ISO 3166-1 alpha-2 code such as \"FR\"", set.AllowedCountries[i])
		}
		set.AllowedCountries[i] = c
	}
	changed := changedSettings(app.Settings, set)
	prev := app.Settings
	app.Settings = set
	detail := map[string]any{"changed": changed}
	ctx = journal(ctx, "app.settings", app.ID, "", detail, event(app.ID, EventAppSettingsChanged, "", map[string]any{"changed": changed}))
	if err := s.store.UpdateApp(ctx, app); err != nil {
		app.Settings = prev
		return err
	}
	return nil
}

// CreateKey makes a private API key for the app and returns it: this is
// the only time the key exists in clear.
func (s *Service) CreateKey(ctx context.Context, appID string) (string, *visage.APIKey, error) {
	return s.CreateKeyTagged(ctx, appID, KeyTag)
}

// CreateKeyTagged is CreateKey for a key that starts with tag (KeyTag or
// FaceAuthKeyTag).
func (s *Service) CreateKeyTagged(ctx context.Context, appID, tag string) (string, *visage.APIKey, error) {
	secret, k, err := s.newKey(appID, tag)
	if err != nil {
		return "", nil, err
	}
	if _, err := s.store.App(ctx, appID); err != nil {
		return "", nil, err
	}
	if err := s.store.CreateKey(journal(ctx, "key.create", appID, k.ID, map[string]any{"prefix": k.Prefix}), k); err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// newKey mints a key and its stored form, without storing it.
func (s *Service) newKey(appID, tag string) (string, *visage.APIKey, error) {
	if !slices.Contains(keyTags, tag) {
		return "", nil, visage.Errorf(visage.CodeInvalidRequest, "unknown key tag %q", tag)
	}
	secret := randomToken(tag, 20)
	return secret, &visage.APIKey{ID: newUUID(), AppID: appID, Prefix: secret[:keyPrefixLen], Hash: hashSecret(secret), CreatedAt: s.now().UTC()}, nil
}

// AppForKey returns the application a private key belongs to. Unknown,
// revoked and malformed keys all get the same error.
func (s *Service) AppForKey(ctx context.Context, secret string) (*visage.App, error) {
	denied := visage.Errorf(visage.CodeUnauthorized, "invalid or revoked API key")
	if !hasKeyTag(secret) || len(secret) < keyPrefixLen+8 {
		return nil, denied
	}
	keys, err := s.store.KeysByPrefix(ctx, secret[:keyPrefixLen])
	if err != nil {
		return nil, err
	}
	h := hashSecret(secret)
	for _, k := range keys {
		if subtle.ConstantTimeCompare(k.Hash, h) == 1 && k.RevokedAt == nil {
			SetCaller(ctx, "key", k.Prefix)
			s.keyUsed(ctx, &k)
			return s.store.App(ctx, k.AppID)
		}
	}
	return nil, denied
}

// CreateAdminToken makes a token for the admin API and returns it once.
func (s *Service) CreateAdminToken(ctx context.Context) (string, error) {
	secret := randomToken(adminTag, 20)
	id := newUUID()
	ctx = journal(ctx, "admin_token.create", "", id, map[string]any{"prefix": secret[:keyPrefixLen]})
	return secret, s.store.CreateAdminToken(ctx, id, secret[:keyPrefixLen], hashSecret(secret))
}

// CheckAdminToken says whether secret is a valid admin token.
func (s *Service) CheckAdminToken(ctx context.Context, secret string) error {
	denied := visage.Errorf(visage.CodeUnauthorized, "invalid admin token")
	if !strings.HasPrefix(secret, adminTag) || len(secret) < keyPrefixLen+8 {
		return denied
	}
	toks, err := s.store.AdminTokensByPrefix(ctx, secret[:keyPrefixLen])
	if err != nil {
		return err
	}
	h := hashSecret(secret)
	for _, t := range toks {
		if subtle.ConstantTimeCompare(t.Hash, h) == 1 {
			SetCaller(ctx, "admin", t.ID)
			return nil
		}
	}
	return denied
}

// Apps lists every application (admin).
func (s *Service) Apps(ctx context.Context) ([]visage.App, error) { return s.store.Apps(ctx) }

// App returns one application (admin).
func (s *Service) App(ctx context.Context, appID string) (*visage.App, error) {
	return s.store.App(ctx, appID)
}

// Keys lists an application's keys, by prefix only (admin).
func (s *Service) Keys(ctx context.Context, appID string) ([]visage.APIKey, error) {
	if _, err := s.store.App(ctx, appID); err != nil {
		return nil, err
	}
	return s.store.Keys(ctx, appID)
}

// RevokeKey stops a key from working, at once (admin).
func (s *Service) RevokeKey(ctx context.Context, appID, keyID string) error {
	return s.store.RevokeKey(journal(ctx, "key.revoke", appID, keyID, nil), appID, keyID)
}

// normalizeOrigins checks that each allowed origin is a web origin —
// scheme, host and optional port, nothing else — and writes it the way
// browsers send it in the Origin header, so that a plain string
// comparison decides.
func normalizeOrigins(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, o := range in {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, visage.Errorf(visage.CodeInvalidRequest, "allowed_origins: %q is not an origin such as \"https://shop.example\" (scheme, host and optional port only)", o)
		}
		out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	return out, nil
}
