package faceauth

import (
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/service"
)

// enrollFields are the file fields of an enrollment, in order: FaceAuth
// documents three; the service takes up to five.
var enrollFields = []string{"image", "image1", "image2", "image3", "image4"}

// usageDays is how many days daily_usage covers.
const usageDays = 30

// shownKeyChars of a key are echoed by usage: the prefix Visage lists
// keys by, enough to tell keys apart without handing the key back.
const shownKeyChars = 12

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// register creates an account, its app and an fa_ key.
func (h *handler) register(w http.ResponseWriter, r *http.Request) {
	if !h.cfg.AllowRegister {
		writeError(w, r, h.cfg.Logger, fail(http.StatusForbidden, codeRegisterDisabled,
			"registration is closed on this server: ask its administrator for an API key"))
		return
	}
	f, err := readForm(r)
	if err != nil {
		writeError(w, r, h.cfg.Logger, err)
		return
	}
	reg, err := h.svc.Register(r.Context(), service.RegisterRequest{Email: f.value("email"), Name: f.value("name"), KeyTag: service.FaceAuthKeyTag})
	if visage.ErrorCode(err) == visage.CodeConflict {
		err = fail(http.StatusConflict, codeEmailExists, "this email is already registered")
	}
	if err != nil {
		writeError(w, r, h.cfg.Logger, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, registered{Success: true, APIKey: reg.Key, User: account{
		ID: reg.Account.ID, Email: reg.Account.Email, Name: reg.Account.Name, Plan: reg.App.Plan, PublicID: reg.App.PublicID}})
}

// enroll stores a person under their name (FaceAuth's user ID) from one
// to five photos.
func (h *handler) enroll(w http.ResponseWriter, r *http.Request, app *visage.App, f *form) (any, error) {
	images := f.filesOf(enrollFields...)
	if len(images) == 0 {
		return nil, errMissingImage("image (and image1, image2)")
	}
	name := f.value("name")
	if strings.TrimSpace(name) == "" {
		return nil, fail(http.StatusBadRequest, codeValidation, "name is required: the user's ID, such as 101 or Rahim")
	}
	en, err := h.svc.Enroll(r.Context(), app, service.EnrollRequest{Images: images, ExternalID: name})
	if visage.ErrorCode(err) == visage.CodeConflict {
		return nil, fail(http.StatusBadRequest, codeValidation,
			"the name %q is enrolled already; to enroll it again, delete that face first (native API, same key: DELETE /v1/faces/{facial_id})", name)
	}
	if err != nil {
		return nil, err
	}
	return enrolled{Success: true, FaceID: en.Number, ExternalUserID: en.ExternalID, Message: "Face enrolled successfully", FacialID: en.FacialID}, nil
}

// verify checks that the photo shows the person enrolled under the name
// (1:1), by FaceAuth's rule.
func (h *handler) verify(w http.ResponseWriter, r *http.Request, app *visage.App, f *form) (any, error) {
	img := f.file("image")
	if img == nil {
		return nil, errMissingImage("image")
	}
	name := f.value("name")
	if strings.TrimSpace(name) == "" {
		return nil, fail(http.StatusBadRequest, codeValidation, "name is required: the enrolled user's ID")
	}
	// FaceAuth has no PINs; a face given one elsewhere (the widget, the
	// native API) is verified with the optional field pin.
	res, err := h.svc.Verify(r.Context(), app, img, "", name, f.value("pin"))
	if visage.ErrorCode(err) == visage.CodeNotFound {
		return nil, fail(http.StatusNotFound, codeNoEnrolledFaces, "no face is enrolled under the name %q with this key", name)
	}
	if err != nil {
		return nil, err
	}
	dist := h.svc.CalibratedDistance(res.Cosine)
	v := verified{Success: true, Status: "no_match", Confidence: round(res.Similarity, 2), Distance: round(dist, 4),
		Message: "Not verified as " + name}
	if service.FaceAuthMatch(res.Match, dist, res.Similarity) {
		v.Match, v.Status, v.Identity, v.Message = true, "match", &name, "Verified as "+name
		v.User = &verifiedUser{ID: res.Number, ExternalUserID: res.ExternalID, Name: res.ExternalID, FacialID: res.FacialID}
	}
	return v, nil
}

// match compares the largest face of two photos, by FaceAuth's rule.
func (h *handler) match(w http.ResponseWriter, r *http.Request, app *visage.App, f *form) (any, error) {
	a, b := f.file("image1"), f.file("image2")
	switch {
	case a == nil && b == nil:
		return nil, errMissingImage("image1 and image2")
	case a == nil:
		return nil, errMissingImage("image1")
	case b == nil:
		return nil, errMissingImage("image2")
	}
	c, err := h.svc.Compare(r.Context(), app, a, b)
	if err != nil {
		return nil, err
	}
	m := matched{Success: true, Match: service.FaceAuthMatch(c.Match, c.Distance, c.Similarity), Status: "no_match",
		// FaceAuth gives both; on Visage's scale they are one number.
		Similarity: round(c.Similarity, 2), Confidence: round(c.Similarity, 2), Distance: round(c.Distance, 4)}
	if m.Match {
		m.Status = "match"
	}
	return m, nil
}

// usage reports the app's plan and calls. It is neither limited nor
// counted: it is how a client sees why it is being limited.
func (h *handler) usage(w http.ResponseWriter, r *http.Request) {
	// The answer names the account; it must not sit in a cache.
	w.Header().Set("Cache-Control", "no-store")
	key := r.PathValue("api_key")
	if key == "" {
		key = headerKey(r)
	}
	app, err := h.appForKey(r.Context(), key)
	if err != nil {
		writeError(w, r, h.cfg.Logger, err)
		return
	}
	u, err := h.svc.AccountUsage(r.Context(), app, usageDays)
	if err != nil {
		writeError(w, r, h.cfg.Logger, err)
		return
	}
	ans := usageAnswer{Success: true,
		User:  usageUser{Plan: u.Plan, APIKey: key[:min(len(key), shownKeyChars)] + "…", PublicID: app.PublicID},
		Usage: usageCounts{MonthlyCalls: u.MonthCalls, TotalCalls: u.TotalCalls, EnrolledFaces: u.Faces},
		Daily: make([]dayCalls, len(u.Days)),
		// Visage keeps no per-call log of an app: nothing to list.
		RecentLogs: []any{}}
	acc, err := h.svc.AccountOf(r.Context(), app)
	switch visage.ErrorCode(err) {
	case "":
		ans.User.ID, ans.User.Email, ans.User.Name = acc.ID, acc.Email, acc.Name
	case visage.CodeNotFound: // an administrator's app: no account
	default:
		writeError(w, r, h.cfg.Logger, err)
		return
	}
	if u.MonthLimit > 0 {
		ans.Usage.MonthlyLimit = &u.MonthLimit
	}
	if u.TotalCalls > 0 {
		ans.Usage.SuccessRate = round(100*float64(u.Succeeded)/float64(u.TotalCalls), 1)
	}
	for i, d := range u.Days {
		ans.Daily[i] = dayCalls{Day: d.Day.Format(time.DateOnly), Calls: d.Calls}
	}
	writeJSON(w, http.StatusOK, ans)
}

// health is public: whether the models are loaded and the store answers,
// and the seconds since this handler was made.
func (h *handler) health(w http.ResponseWriter, r *http.Request) {
	loaded, err := h.svc.CheckHealth(r.Context())
	ans := healthAnswer{Success: err == nil, Status: "healthy", ModelsLoaded: loaded,
		Uptime: int64(h.cfg.Now().Sub(h.started) / time.Second)}
	status := http.StatusOK
	if err != nil {
		h.cfg.Logger.Error("faceauth health check failed", "err", err)
		ans.Status, status = "unhealthy", http.StatusServiceUnavailable
	}
	writeJSON(w, status, ans)
}
