package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// adminAudit serves GET /admin/audit: the audit log, oldest first, a page
// at a time (after = the last seq of the page before), filtered by app,
// action, actor kind and time.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AuditFilter{AppID: q.Get("app"), Action: q.Get("action"), Actor: q.Get("actor")}
	var err error
	if f.From, err = queryTime(q.Get("from"), "from"); err != nil {
		return err
	}
	if f.To, err = queryTime(q.Get("to"), "to"); err != nil {
		return err
	}
	after, limit := int64(0), 100
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil {
			return visage.Errorf(visage.CodeInvalidRequest, "after must be an entry's seq")
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			return visage.Errorf(visage.CodeInvalidRequest, "limit must be a number")
		}
	}
	entries, err := s.svc.AuditLog(r.Context(), f, after, limit)
	if err != nil {
		return err
	}
	body := map[string]any{"entries": entries}
	if entries == nil {
		body["entries"] = []store.AuditEntry{}
	}
	if len(entries) == limit {
		body["next"] = entries[len(entries)-1].Seq
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// queryTime reads a time parameter (store.ParseTime).
func queryTime(v, name string) (time.Time, error) {
	t, ok := store.ParseTime(v)
	if !ok {
		return t, visage.Errorf(visage.CodeInvalidRequest, "%s must be RFC 3339 (2026-12-01T10:00:00Z) or a date (2026-12-01)", name)
	}
	return t, nil
}
