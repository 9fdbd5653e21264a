package facenition

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
)

// apiError is an answer the dialect decides itself (an expired code, a
// delivery that failed), with its status.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func fail(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

// status maps the service's codes onto the statuses Facenition documents
// (400, 401, 403, 404, 409, 429): a Facenition client knows no 413, 415
// or 422, so whatever is wrong with the sent image is a bad request.
var status = map[visage.Code]int{
	visage.CodeInvalidRequest:    http.StatusBadRequest,
	visage.CodeRequestTooLarge:   http.StatusBadRequest,
	visage.CodeImageInvalid:      http.StatusBadRequest,
	visage.CodeImageTooLarge:     http.StatusBadRequest,
	visage.CodeImageUnsupported:  http.StatusBadRequest,
	visage.CodeNoFace:            http.StatusBadRequest,
	visage.CodeManyFaces:         http.StatusBadRequest,
	visage.CodeFaceMismatch:      http.StatusBadRequest,
	visage.CodeFaceNotFrontal:    http.StatusBadRequest,
	visage.CodeLowQuality:        http.StatusBadRequest,
	visage.CodeUnrecognizedFace:  http.StatusBadRequest,
	visage.CodeUnauthorized:      http.StatusUnauthorized,
	visage.CodePadAttack:         http.StatusForbidden,
	visage.CodeMinorsNotAllowed:  http.StatusForbidden,
	visage.CodePINRequired:       http.StatusForbidden, // an app rule set through the native API
	visage.CodeWrongPIN:          http.StatusForbidden,
	visage.CodeNotFound:          http.StatusNotFound,
	visage.CodeConflict:          http.StatusConflict,
	visage.CodeFaceDuplication:   http.StatusConflict,
	visage.CodeUniquePINRequired: http.StatusConflict,
	visage.CodeRateLimit:         http.StatusTooManyRequests,
	visage.CodeQuotaExceeded:     http.StatusTooManyRequests,
	visage.CodePINLocked:         http.StatusTooManyRequests,
	visage.CodeUnavailable:       http.StatusServiceUnavailable,
}

// writeError answers {"ok": false, "error": "…"}. Server faults (500, and
// 503 for a request over its time) are logged with their cause and shown
// without it.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := http.StatusInternalServerError, "internal error"
	var ae *apiError
	var ve *visage.Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		code, msg = ae.status, ae.msg
	case errors.As(err, &tooBig):
		code, msg = http.StatusBadRequest, fmt.Sprintf("the request body is over the %d-byte limit", tooBig.Limit)
	case errors.Is(err, context.DeadlineExceeded):
		code, msg = http.StatusServiceUnavailable, "the request took too long"
	case errors.Is(err, context.Canceled):
		return // the client is gone
	case errors.As(err, &ve):
		if c, ok := status[ve.Code]; ok {
			code, msg = c, ve.Message
		}
	}
	if code >= 500 {
		h.log.Error("facenition: request failed", "path", r.URL.Path, "status", code, "err", err)
	}
	reply.SetRetryAfter(w.Header(), code, reply.RetryAfter(err))
	writeJSON(w, code, map[string]any{"ok": false, "error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func seconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}
