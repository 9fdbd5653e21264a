package widget

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
)

// fioError is a widget answer that ends in a fioErrCode: the name as
// fio.js spells it (the page turns it into fio.js's number), the status,
// and a message for the developer's console, never shown as the reason
// to the person at the camera (the widget has its own wording).
type fioError struct {
	Name    string `json:"code"`
	Message string `json:"message"`
	// Nonce is set when the operation goes on after this error (a taken
	// PIN, a wrong PIN with tries left): the next request must carry it.
	Nonce     string `json:"nonce,omitempty"`
	TriesLeft *int   `json:"tries_left,omitempty"`
	status    int
	// retry is when to try again after a 429 or 503 (Retry-After); 0
	// for reply.DefaultRetryAfter.
	retry time.Duration
}

func (e *fioError) Error() string { return e.Name + ": " + e.Message }

func fioErr(name string, status int, msg string) *fioError {
	return &fioError{Name: name, Message: msg, status: status}
}

// fioCodes maps the service's codes onto fio.js's. Codes missing here are
// server-side failures, PROCESSING_ERR.
var fioCodes = map[visage.Code]struct {
	name   string
	status int
}{
	visage.CodeNoFace:            {"NO_FACES_DETECTED", http.StatusUnprocessableEntity},
	visage.CodeManyFaces:         {"MANY_FACES", http.StatusUnprocessableEntity},
	visage.CodeUnrecognizedFace:  {"UNRECOGNIZED_FACE", http.StatusUnprocessableEntity},
	visage.CodeFaceMismatch:      {"FACE_MISMATCH", http.StatusUnprocessableEntity},
	visage.CodeFaceDuplication:   {"FACE_DUPLICATION", http.StatusConflict},
	visage.CodeUniquePINRequired: {"UNIQUE_PIN_REQUIRED", http.StatusConflict},
	visage.CodePadAttack:         {"PAD_ATTACK", http.StatusForbidden},
	visage.CodeMinorsNotAllowed:  {"MINORS_NOT_ALLOWED", http.StatusForbidden},
	visage.CodeWrongPIN:          {"WRONG_PIN_CODE", http.StatusUnauthorized},
	visage.CodePINRequired:       {"WRONG_PIN_CODE", http.StatusUnauthorized},
	visage.CodePINLocked:         {"WRONG_PIN_CODE", http.StatusUnauthorized},
	visage.CodeUnauthorized:      {"UNAUTHORIZED", http.StatusUnauthorized},
	visage.CodeRateLimit:         {"TOO_MANY_REQUESTS", http.StatusTooManyRequests},
	visage.CodeQuotaExceeded:     {"TOO_MANY_REQUESTS", http.StatusTooManyRequests},
	visage.CodeUnavailable:       {"TIMEOUT", http.StatusServiceUnavailable},
}

// asFio turns any error into the widget's answer.
func asFio(err error) *fioError {
	var fe *fioError
	if errors.As(err, &fe) {
		return fe
	}
	if errors.Is(err, context.DeadlineExceeded) {
		fe := fioErr("TIMEOUT", http.StatusServiceUnavailable, "the server took too long")
		fe.retry = reply.RetryAfter(err) // the engine's queue, when it was busy
		return fe
	}
	var ve *visage.Error
	if errors.As(err, &ve) {
		if m, ok := fioCodes[ve.Code]; ok {
			return fioErr(m.name, m.status, ve.Message)
		}
		if ve.Code != visage.CodeInternal {
			return fioErr("PROCESSING_ERR", http.StatusBadRequest, ve.Message)
		}
	}
	return fioErr("PROCESSING_ERR", http.StatusInternalServerError, "internal error")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeFio answers with e. Every 429 and 503 says when to try again, so
// that clients back off instead of retrying at once.
func writeFio(w http.ResponseWriter, e *fioError) {
	retry := e.retry
	if retry <= 0 {
		retry = reply.DefaultRetryAfter
	}
	reply.SetRetryAfter(w.Header(), e.status, retry)
	writeJSON(w, e.status, map[string]any{"error": e})
}
