package http

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
)

// The admin API's webhooks (docs/webhooks.md): an app's endpoints, their
// delivery log and manual redeliveries.

// webhookJSON is how a webhook is shown: never its secret, which only
// its creation's answer carries.
func webhookJSON(h *store.Webhook) map[string]any {
	events := h.Events
	if events == nil {
		events = []string{}
	}
	out := map[string]any{"id": h.ID, "url": h.URL, "events": events, "enabled": !h.Disabled,
		"created_at": h.CreatedAt.Format(time.RFC3339), "updated_at": h.UpdatedAt.Format(time.RFC3339),
		"last_event_seq": h.Cursor}
	if h.Attempts > 0 {
		out["failed_attempts"] = h.Attempts
		out["next_attempt_at"] = h.NextAt.Format(time.RFC3339)
	}
	return out
}

// webhookRequest is the body of POST and PATCH: a field left out is not
// changed (PATCH), or takes its default (POST: every event, enabled).
type webhookRequest struct {
	URL     *string
	Events  *[]string
	Enabled *bool
}

// decodeWebhook reads a webhook's body, refusing fields it does not
// have: a client that sends its own "secret" must learn that the server
// makes it, rather than sign with one the server never saw.
func decodeWebhook(r *http.Request) (webhookRequest, error) {
	var req webhookRequest
	var fields map[string]json.RawMessage
	if err := decodeBody(r, &fields); err != nil {
		return req, err
	}
	for name, v := range fields {
		var err error
		switch name {
		case "url":
			err = json.Unmarshal(v, &req.URL)
		case "events":
			err = json.Unmarshal(v, &req.Events)
		case "enabled":
			err = json.Unmarshal(v, &req.Enabled)
		default:
			return req, visage.Errorf(visage.CodeInvalidRequest, "unknown field %q: a webhook has url, events and enabled; its secret is made by the server", name)
		}
		if err != nil {
			return req, visage.Errorf(visage.CodeInvalidRequest, "field %s: %s", name, map[string]string{
				"url": "must be a string", "events": "must be a list of event types", "enabled": "must be true or false"}[name])
		}
	}
	return req, nil
}

func (s *Server) adminCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeWebhook(r)
	if err != nil {
		return err
	}
	if req.URL == nil {
		return visage.Errorf(visage.CodeInvalidRequest, "url is required")
	}
	var events []string
	if req.Events != nil {
		events = *req.Events
	}
	enabled := req.Enabled == nil || *req.Enabled
	h, err := s.svc.CreateWebhook(r.Context(), r.PathValue("app"), *req.URL, events, enabled)
	if err != nil {
		return err
	}
	out := webhookJSON(h)
	out["secret"] = h.Secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) adminListWebhooks(w http.ResponseWriter, r *http.Request) error {
	hooks, err := s.svc.Webhooks(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(hooks))
	for i := range hooks {
		out[i] = webhookJSON(&hooks[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
	return nil
}

func (s *Server) adminGetWebhook(w http.ResponseWriter, r *http.Request) error {
	h, err := s.svc.Webhook(r.Context(), r.PathValue("app"), r.PathValue("hook"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookJSON(h))
	return nil
}

func (s *Server) adminPatchWebhook(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeWebhook(r)
	if err != nil {
		return err
	}
	h, err := s.svc.UpdateWebhook(r.Context(), r.PathValue("app"), r.PathValue("hook"),
		service.WebhookChange{URL: req.URL, Events: req.Events, Enabled: req.Enabled})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookJSON(h))
	return nil
}

func (s *Server) adminDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteWebhook(r.Context(), r.PathValue("app"), r.PathValue("hook")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("hook"), "deleted": true})
	return nil
}

// adminWebhookDeliveries serves the delivery log, newest first, a page
// at a time (before = the last id of the page before).
func (s *Server) adminWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	before, limit := int64(0), 100
	var err error
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			return visage.Errorf(visage.CodeInvalidRequest, "before must be a delivery's id")
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			return visage.Errorf(visage.CodeInvalidRequest, "limit must be a number")
		}
	}
	ds, err := s.svc.WebhookDeliveries(r.Context(), r.PathValue("app"), r.PathValue("hook"), before, limit)
	if err != nil {
		return err
	}
	body := map[string]any{"deliveries": ds}
	if ds == nil {
		body["deliveries"] = []store.Delivery{}
	}
	if len(ds) == limit {
		body["next"] = ds[len(ds)-1].ID
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// adminRedeliver makes one attempt at once and answers what came of it:
// 200 whether the receiver took it or not (the delivery's outcome says).
func (s *Server) adminRedeliver(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.Redeliver(r.Context(), r.PathValue("app"), r.PathValue("hook"), r.PathValue("event"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"delivered": d.Outcome == store.OutcomeDelivered, "delivery": d})
	return nil
}
