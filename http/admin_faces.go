package http

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/service"
)

// The admin endpoints the operator console needs beyond apps and keys: an
// app's name and plan, its faces (what they are made of, never their
// templates, payload or images) and its usage per day. Everything is
// scoped to the app of the path: a face of another app is NOT_FOUND.

// adminApp is the app the path names.
func (s *Server) adminApp(r *http.Request) (*visage.App, error) {
	return s.svc.App(r.Context(), r.PathValue("app"))
}

// adminPatchApp renames an app or moves it to another plan: fields left
// out keep their value.
func (s *Server) adminPatchApp(w http.ResponseWriter, r *http.Request) error {
	app, err := s.adminApp(r)
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
		Plan string `json:"plan"`
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Name == "" && req.Plan == "" {
		return visage.Errorf(visage.CodeInvalidRequest, "give a name, a plan or both")
	}
	if err := s.svc.EditApp(r.Context(), app, req.Name, req.Plan); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, appJSON(app))
	return nil
}

// adminPlans lists the plans an app may be put on, by name.
func (s *Server) adminPlans(w http.ResponseWriter, r *http.Request) error {
	plans := s.svc.Plans()
	names := make([]string, 0, len(plans))
	for name := range plans {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]map[string]any, len(names))
	for i, name := range names {
		p := plans[name]
		out[i] = map[string]any{"name": name, "per_minute": p.PerMinute, "per_month": p.PerMonth,
			"sessions_per_minute": p.SessionsPerMinute, "sessions_per_month": p.SessionsPerMonth}
	}
	writeJSON(w, http.StatusOK, map[string]any{"plans": out})
	return nil
}

// adminFaceJSON is what the operator sees of a face. Add a field here and
// the console shows it when its page knows it (web/src/console/faces.ts).
func adminFaceJSON(fi *service.FaceInfo) map[string]any {
	f := &fi.Face
	out := map[string]any{
		"facial_id": f.ID, "external_id": f.ExternalID, "number": f.Number,
		"created_at": f.CreatedAt.Format(time.RFC3339), "updated_at": f.UpdatedAt.Format(time.RFC3339),
		"has_pin": fi.HasPIN, "payload_bytes": fi.PayloadBytes, "needs_reenrollment": fi.NeedsReenrollment,
		"last_used_at": nil,
	}
	if !f.LastUsedAt.IsZero() {
		out["last_used_at"] = f.LastUsedAt.Format(time.RFC3339)
	}
	if fi.Detailed {
		models := fi.Models
		if models == nil {
			models = []string{}
		}
		out["models"], out["current_model"] = models, fi.CurrentModel
		out["enrolled_templates"], out["learned_templates"] = fi.Enrolled, fi.Learned
	}
	return out
}

// adminListFaces pages through an app's faces (?after=ID&limit=N), or
// finds one by its facial ID or external ID (?q=).
func (s *Server) adminListFaces(w http.ResponseWriter, r *http.Request) error {
	app, err := s.adminApp(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit := 50
	if l := q.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil {
			return visage.Errorf(visage.CodeInvalidRequest, "limit must be a number")
		}
	}
	faces, err := s.svc.AdminFaces(r.Context(), app, q.Get("q"), q.Get("after"), limit)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(faces))
	for i := range faces {
		out[i] = adminFaceJSON(&faces[i])
	}
	body := map[string]any{"faces": out}
	if q.Get("q") == "" && len(faces) == limit {
		body["next"] = faces[len(faces)-1].Face.ID
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) adminGetFace(w http.ResponseWriter, r *http.Request) error {
	app, err := s.adminApp(r)
	if err != nil {
		return err
	}
	fi, err := s.svc.AdminFace(r.Context(), app, r.PathValue("face"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, adminFaceJSON(fi))
	return nil
}

func (s *Server) adminDeleteFace(w http.ResponseWriter, r *http.Request) error {
	app, err := s.adminApp(r)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteFace(r.Context(), app, r.PathValue("face")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"facial_id": r.PathValue("face"), "deleted": true})
	return nil
}

// adminUsage is an app's usage per UTC day over ?from=YYYY-MM-DD&to=
// (default the last 30 days), every day present, and its faces now. A
// day's counts are a map of name to number, so that the console charts
// a count added here without another change; a day's faces, the size of
// the app's gallery as recorded that day, is null when none was. The
// calls are also broken down by endpoint (a route's name, never a path)
// and by refusal code, over the whole period.
func (s *Server) adminUsage(w http.ResponseWriter, r *http.Request) error {
	app, err := s.adminApp(r)
	if err != nil {
		return err
	}
	from, to, err := period(r)
	if err != nil {
		return err
	}
	from, to = from.Truncate(24*time.Hour), to.Truncate(24*time.Hour)
	days, err := s.svc.Usage(r.Context(), app, from, to)
	if err != nil {
		return err
	}
	outcomes, err := s.svc.Outcomes(r.Context(), app, from, to)
	if err != nil {
		return err
	}
	faces, err := s.svc.FaceCount(r.Context(), app)
	if err != nil {
		return err
	}
	byDay := map[string]map[string]int64{}
	gallery := map[string]int64{}
	for _, d := range days {
		key := d.Day.Format(time.DateOnly)
		byDay[key] = map[string]int64{"calls": d.Calls, "succeeded": d.Succeeded,
			"refused": d.Calls - d.Succeeded, "widget_sessions": d.Sessions, "widget_frames": d.Frames}
		if d.Faces >= 0 {
			gallery[key] = d.Faces
		}
	}
	endpoints, refusals := map[string]*endpointUsage{}, map[string]int64{}
	for _, o := range outcomes {
		e := endpoints[o.Endpoint]
		if e == nil {
			e = &endpointUsage{Endpoint: o.Endpoint, Refusals: map[string]int64{}}
			endpoints[o.Endpoint] = e
		}
		e.Calls += o.Calls
		if o.Code == "" {
			e.Succeeded += o.Calls
			continue
		}
		e.Refused += o.Calls
		e.Refusals[o.Code] += o.Calls
		refusals[o.Code] += o.Calls
		if o.Code == string(visage.CodePadAttack) {
			key := o.Day.Format(time.DateOnly)
			if byDay[key] == nil {
				byDay[key] = map[string]int64{}
			}
			byDay[key]["pad_attacks"] += o.Calls
		}
	}
	byEndpoint := make([]*endpointUsage, 0, len(endpoints))
	for _, e := range endpoints {
		byEndpoint = append(byEndpoint, e)
	}
	sort.Slice(byEndpoint, func(i, j int) bool {
		a, b := byEndpoint[i], byEndpoint[j]
		return a.Calls > b.Calls || a.Calls == b.Calls && a.Endpoint < b.Endpoint
	})
	out := []map[string]any{}
	totals := map[string]int64{"calls": 0, "succeeded": 0, "refused": 0, "widget_sessions": 0, "widget_frames": 0, "pad_attacks": 0}
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		key := day.Format(time.DateOnly)
		counts := byDay[key]
		row := map[string]any{"day": key, "faces": nil}
		for name := range totals {
			row[name] = counts[name]
			totals[name] += counts[name]
		}
		if n, ok := gallery[key]; ok {
			row["faces"] = n
		}
		out = append(out, row)
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly),
		"faces": faces, "days": out, "totals": totals, "endpoints": byEndpoint, "refusals": refusals})
	return nil
}

// endpointUsage is an endpoint's calls over a period: how many, how many
// succeeded, and the refused ones by their error code.
type endpointUsage struct {
	Endpoint  string           `json:"endpoint"`
	Calls     int64            `json:"calls"`
	Succeeded int64            `json:"succeeded"`
	Refused   int64            `json:"refused"`
	Refusals  map[string]int64 `json:"refusals"`
}
