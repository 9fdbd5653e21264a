package http

import (
	"net/http"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/service"
)

// The admin API manages applications and keys. It is guarded by an admin
// token (`visage admin token`), never by an app's key.

type adminHandler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) withAdmin(h adminHandler) http.Handler {
	console := s.cfg.Console
	if s.cfg.ConsoleListener {
		console = nil // sessions are for the console's own listener (ConsoleHandler)
	}
	return s.adminGuard(h, console)
}

// adminGuard runs h for a request with the admin token, or, when console
// is set and the request has no Authorization header, with a session of
// the operator console (Config.Console).
func (s *Server) adminGuard(h adminHandler, console func(*http.Request) (string, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if r.Header.Get("Authorization") == "" && console != nil {
			var id string
			if id, err = console(r); err == nil {
				service.SetCaller(r.Context(), "console", id)
			}
		} else {
			token := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			err = s.svc.CheckAdminToken(r.Context(), token)
		}
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			writeError(w, r, s.cfg.Logger, err)
		}
	})
}

func appJSON(a *visage.App) map[string]any {
	return map[string]any{"id": a.ID, "name": a.Name, "plan": a.Plan, "public_id": a.PublicID,
		"settings": a.Settings, "created_at": a.CreatedAt.Format(time.RFC3339)}
}

func keyJSON(k *visage.APIKey) map[string]any {
	out := map[string]any{"id": k.ID, "prefix": k.Prefix, "created_at": k.CreatedAt.Format(time.RFC3339)}
	if k.RevokedAt != nil {
		out["revoked_at"] = k.RevokedAt.Format(time.RFC3339)
	}
	if !k.LastUsedAt.IsZero() {
		out["last_used_at"] = k.LastUsedAt.Format(time.RFC3339)
	}
	return out
}

func (s *Server) adminCreateApp(w http.ResponseWriter, r *http.Request) error {
	var req struct{ Name, Plan string }
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	app, err := s.svc.CreateApp(r.Context(), req.Name, req.Plan)
	if err != nil {
		return err
	}
	secret, k, err := s.svc.CreateKey(r.Context(), app.ID)
	if err != nil {
		return err
	}
	out := appJSON(app)
	out["key"] = map[string]any{"id": k.ID, "secret": secret}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) adminListApps(w http.ResponseWriter, r *http.Request) error {
	apps, err := s.svc.Apps(r.Context())
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(apps))
	for i := range apps {
		out[i] = appJSON(&apps[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": out})
	return nil
}

func (s *Server) adminGetApp(w http.ResponseWriter, r *http.Request) error {
	app, err := s.svc.App(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, appJSON(app))
	return nil
}

func (s *Server) adminDeleteApp(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteApp(r.Context(), r.PathValue("app")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("app"), "deleted": true})
	return nil
}

func (s *Server) adminSetSettings(w http.ResponseWriter, r *http.Request) error {
	app, err := s.svc.App(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	set := app.Settings // fields left out keep their value
	if err := decodeBody(r, &set); err != nil {
		return err
	}
	if err := s.svc.UpdateSettings(r.Context(), app, set); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, appJSON(app))
	return nil
}

func (s *Server) adminCreateKey(w http.ResponseWriter, r *http.Request) error {
	secret, k, err := s.svc.CreateKey(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	out := keyJSON(k)
	out["secret"] = secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) adminListKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.svc.Keys(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(keys))
	for i := range keys {
		out[i] = keyJSON(&keys[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
	return nil
}

func (s *Server) adminRevokeKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.RevokeKey(r.Context(), r.PathValue("app"), r.PathValue("key")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("key"), "revoked": true})
	return nil
}
