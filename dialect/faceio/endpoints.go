package faceio

import (
	"context"

	"github.com/visagehq/visage"
)

// Each endpoint is one service call between FACEIO's request and answer.

// faceFailure turns the service's NOT_FOUND into FACEIO's words, without
// echoing the ID: a face of another app is not found either.
func faceFailure(err error) error {
	if visage.ErrorCode(err) == visage.CodeNotFound {
		return errNotFound("no such facial ID in this application")
	}
	return err
}

func requireFID(p params) (string, error) {
	fid := p.fid()
	if fid == "" {
		return "", invalid("the fid parameter (a facial ID) is required")
	}
	return fid, nil
}

func (h *handler) deleteFacialID(ctx context.Context, app *visage.App, p params) (map[string]any, error) {
	fid, err := requireFID(p)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteFace(ctx, app, fid); err != nil {
		return nil, faceFailure(err)
	}
	return map[string]any{"payload": true}, nil
}

// checkFacialID answers 200 with valid true for a face of the app, and
// 404 with valid false otherwise: the page documents both the valid flag
// and 404 for a facial ID that does not exist, so either way of reading
// the answer works.
func (h *handler) checkFacialID(ctx context.Context, app *visage.App, p params) (map[string]any, error) {
	fid, err := requireFID(p)
	if err != nil {
		return nil, err
	}
	if _, err := h.svc.Face(ctx, app, fid); err != nil {
		return nil, faceFailure(err)
	}
	return map[string]any{"valid": true}, nil
}

func (h *handler) setPayload(ctx context.Context, app *visage.App, p params) (map[string]any, error) {
	fid, err := requireFID(p)
	if err != nil {
		return nil, err
	}
	payload, err := p.payload()
	if err != nil {
		return nil, err
	}
	if err := h.svc.SetPayload(ctx, app, fid, payload); err != nil {
		return nil, faceFailure(err)
	}
	return map[string]any{"payload": true}, nil
}

// setPIN sets a new PIN. FACEIO has no way to remove one, so an empty pin
// is a missing parameter here, not the native API's removal.
func (h *handler) setPIN(ctx context.Context, app *visage.App, p params) (map[string]any, error) {
	fid, err := requireFID(p)
	if err != nil {
		return nil, err
	}
	pin := p.get("pin")
	if pin == "" {
		return nil, invalid("the pin parameter (4 to 16 digits) is required")
	}
	if err := h.svc.SetPIN(ctx, app, fid, pin); err != nil {
		return nil, faceFailure(err)
	}
	return map[string]any{"payload": true}, nil
}

func (h *handler) stat(ctx context.Context, app *visage.App, _ params) (map[string]any, error) {
	st, err := h.svc.Stats(ctx, app)
	if err != nil {
		return nil, err
	}
	recent := st.RecentFaces
	if recent == nil {
		recent = []string{}
	}
	return map[string]any{
		"total_api_calls":     st.TotalCalls,
		"total_indexed_faces": st.IndexedFaces,
		"last_indexed_faces":  recent,
	}, nil
}

func (h *handler) about(context.Context, *visage.App, params) (map[string]any, error) {
	return map[string]any{"payload": "Visage " + h.cfg.Version +
		", self-hosted face authentication, answering the FACEIO REST API. " +
		"Copyright the Visage authors. Not affiliated with FACEIO."}, nil
}

// status reports the server's health: 500 with an error when it cannot
// serve (its store unreachable), else 200 with a payload message.
func (h *handler) status(ctx context.Context, _ *visage.App, _ params) (map[string]any, error) {
	if h.cfg.Ready != nil {
		if err := h.cfg.Ready(ctx); err != nil {
			return nil, visage.Wrap(visage.CodeInternal, err, "the server cannot process requests now: its store is unreachable")
		}
	}
	return map[string]any{"payload": "operational"}, nil
}
