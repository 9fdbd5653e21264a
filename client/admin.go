package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/visagehq/visage"
)

// Admin makes the /admin calls with an admin token (vsa_…, printed at the
// server's first start and by `visage admin token`): applications and
// their keys.
type Admin struct{ c conn }

// NewAdmin returns an admin client of the server at baseURL.
func NewAdmin(baseURL, token string, opts ...Option) *Admin {
	return &Admin{newConn(baseURL, token, opts)}
}

// App is an application. Its ID is for the admin API only; PublicID is
// safe in a web page (the widget's).
type App struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Plan      string    `json:"plan"`
	PublicID  string    `json:"public_id"`
	Settings  Settings  `json:"settings"`
	CreatedAt time.Time `json:"created_at"`
	// Key is the first private key of an app CreateApp made, shown once.
	Key *Key `json:"key,omitempty"`
}

// Settings are the rules the server enforces for an app (docs/api.md,
// "Administration"): the server's own type, so that a new setting
// reaches the client with it.
type Settings = visage.AppSettings

// Key is a private key of an app. Secret, the key itself, is only in the
// answer of the call that made it.
type Key struct {
	ID        string     `json:"id"`
	Prefix    string     `json:"prefix"`
	Secret    string     `json:"secret"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// CreateApp is POST /admin/apps: an app on plan ("" for free), with its
// first private key in App.Key.
func (a *Admin) CreateApp(ctx context.Context, name, plan string) (*App, error) {
	b, err := jsonBody(map[string]string{"name": name, "plan": plan})
	if err != nil {
		return nil, err
	}
	var out App
	return result(&out, a.c.do(ctx, http.MethodPost, "/admin/apps", b, &out))
}

// Apps is GET /admin/apps.
func (a *Admin) Apps(ctx context.Context) ([]App, error) {
	var out struct {
		Apps []App `json:"apps"`
	}
	if err := a.c.do(ctx, http.MethodGet, "/admin/apps", nil, &out); err != nil {
		return nil, err
	}
	return out.Apps, nil
}

// App is GET /admin/apps/{id}.
func (a *Admin) App(ctx context.Context, id string) (*App, error) {
	var out App
	return result(&out, a.c.do(ctx, http.MethodGet, "/admin/apps/"+url.PathEscape(id), nil, &out))
}

// DeleteApp is DELETE /admin/apps/{id}: the app, its keys and its faces.
func (a *Admin) DeleteApp(ctx context.Context, id string) error {
	return a.c.do(ctx, http.MethodDelete, "/admin/apps/"+url.PathEscape(id), nil, nil)
}

// SetSettings is PUT /admin/apps/{id}/settings. changes holds the
// settings to change by their JSON names ({"level": 5}); the others keep
// their value.
func (a *Admin) SetSettings(ctx context.Context, id string, changes map[string]any) (*App, error) {
	b, err := jsonBody(changes)
	if err != nil {
		return nil, err
	}
	var out App
	return result(&out, a.c.do(ctx, http.MethodPut, "/admin/apps/"+url.PathEscape(id)+"/settings", b, &out))
}

// CreateKey is POST /admin/apps/{id}/keys: another private key, its
// Secret shown once.
func (a *Admin) CreateKey(ctx context.Context, appID string) (*Key, error) {
	var out Key
	return result(&out, a.c.do(ctx, http.MethodPost, "/admin/apps/"+url.PathEscape(appID)+"/keys", nil, &out))
}

// Keys is GET /admin/apps/{id}/keys: the app's keys, by prefix.
func (a *Admin) Keys(ctx context.Context, appID string) ([]Key, error) {
	var out struct {
		Keys []Key `json:"keys"`
	}
	if err := a.c.do(ctx, http.MethodGet, "/admin/apps/"+url.PathEscape(appID)+"/keys", nil, &out); err != nil {
		return nil, err
	}
	return out.Keys, nil
}

// RevokeKey is DELETE /admin/apps/{app}/keys/{key}: refused from then on.
func (a *Admin) RevokeKey(ctx context.Context, appID, keyID string) error {
	return a.c.do(ctx, http.MethodDelete, "/admin/apps/"+url.PathEscape(appID)+"/keys/"+url.PathEscape(keyID), nil, nil)
}
