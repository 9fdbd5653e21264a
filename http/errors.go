package http

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
)

// status is the HTTP status of each error code of the native API.
var status = map[visage.Code]int{
	visage.CodeInvalidRequest:    http.StatusBadRequest,
	visage.CodeImageInvalid:      http.StatusBadRequest,
	visage.CodeImageUnsupported:  http.StatusUnsupportedMediaType,
	visage.CodeImageTooLarge:     http.StatusRequestEntityTooLarge,
	visage.CodeRequestTooLarge:   http.StatusRequestEntityTooLarge,
	visage.CodeUnauthorized:      http.StatusUnauthorized,
	visage.CodeNotFound:          http.StatusNotFound,
	visage.CodeConflict:          http.StatusConflict,
	visage.CodeFaceDuplication:   http.StatusConflict,
	visage.CodeUniquePINRequired: http.StatusConflict,
	visage.CodeNoFace:            http.StatusUnprocessableEntity,
	visage.CodeManyFaces:         http.StatusUnprocessableEntity,
	visage.CodeFaceMismatch:      http.StatusUnprocessableEntity,
	visage.CodeFaceNotFrontal:    http.StatusUnprocessableEntity,
	visage.CodeLowQuality:        http.StatusUnprocessableEntity,
	visage.CodeUnrecognizedFace:  http.StatusUnprocessableEntity,
	visage.CodeMinorsNotAllowed:  http.StatusForbidden,
	visage.CodePadAttack:         http.StatusForbidden,
	visage.CodePINRequired:       http.StatusUnauthorized,
	visage.CodeWrongPIN:          http.StatusUnauthorized,
	visage.CodePINLocked:         http.StatusTooManyRequests,
	visage.CodeRateLimit:         http.StatusTooManyRequests,
	visage.CodeQuotaExceeded:     http.StatusTooManyRequests,
	visage.CodeInternal:          http.StatusInternalServerError,
	visage.CodeUnavailable:       http.StatusServiceUnavailable,
	visage.CodeCSRFFailed:        http.StatusForbidden,
}

// errorBody is the one error shape of the native API.
type errorBody struct {
	Error struct {
		Code    visage.Code `json:"code"`
		Message string      `json:"message"`
	} `json:"error"`
}

// writeError answers with err's code and a fitting status, and on a 429
// or 503 when to come back. Internal errors are logged with their cause
// and shown to the client without it.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var body errorBody
	var ve *visage.Error
	switch {
	case errors.As(err, &ve):
		body.Error.Code, body.Error.Message = ve.Code, ve.Message
	case errors.Is(err, context.DeadlineExceeded):
		body.Error.Code, body.Error.Message = "TIMEOUT", "the request took too long"
	case errors.Is(err, context.Canceled):
		return // the client is gone
	default:
		body.Error.Code, body.Error.Message = visage.CodeInternal, "internal error"
	}
	code, ok := status[body.Error.Code]
	switch {
	case body.Error.Code == "TIMEOUT":
		code = http.StatusServiceUnavailable
	case !ok:
		code = http.StatusInternalServerError
	}
	if code >= 500 {
		log.Error("request failed", "request_id", requestID(r.Context()), "code", body.Error.Code, "err", err)
		if body.Error.Code == visage.CodeInternal {
			body.Error.Message = "internal error"
		}
	}
	reply.SetRetryAfter(w.Header(), code, reply.RetryAfter(err))
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
