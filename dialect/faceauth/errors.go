package faceauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
)

// FaceAuth's error codes, as its error table spells them, and the two
// Visage adds where FaceAuth has none (see docs/migrating-from-faceauth.md).
const (
	codeMissingKey      = "MISSING_API_KEY"
	codeInvalidKey      = "INVALID_API_KEY"
	codeValidation      = "VALIDATION_ERROR"
	codeMissingImage    = "MISSING_IMAGE"
	codeNoFace          = "NO_FACE"
	codeNoEnrolledFaces = "NO_ENROLLED_FACES"
	codeRateLimit       = "RATE_LIMIT"
	codeMonthlyLimit    = "MONTHLY_LIMIT"
	codeEmailExists     = "EMAIL_EXISTS"
	codeProcessing      = "PROCESSING_ERROR"

	codeRegisterDisabled = "REGISTRATION_DISABLED"
	codeNotFound         = "NOT_FOUND"
)

// apiError is an answer in FaceAuth's error shape.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// fromService is the FaceAuth answer to each code the service returns on
// the calls this dialect makes. Where FaceAuth has a code for the case it
// is used, with the status of FaceAuth's table: a FaceAuth client knows
// no other. The image problems FaceAuth does not tell apart are NO_FACE
// (no single usable face: ask for another photo) or VALIDATION_ERROR.
// Rules FaceAuth does not have, which only an administrator can turn on
// for the app, keep Visage's code and status.
var fromService = map[visage.Code]struct {
	status int
	code   string
}{
	visage.CodeInvalidRequest:   {http.StatusBadRequest, codeValidation},
	visage.CodeImageInvalid:     {http.StatusBadRequest, codeValidation},
	visage.CodeImageUnsupported: {http.StatusBadRequest, codeValidation},
	visage.CodeFaceMismatch:     {http.StatusBadRequest, codeValidation},
	// Too large is refused before it is read: 413, as any proxy would.
	visage.CodeImageTooLarge:   {http.StatusRequestEntityTooLarge, codeValidation},
	visage.CodeRequestTooLarge: {http.StatusRequestEntityTooLarge, codeValidation},
	visage.CodeUnauthorized:    {http.StatusUnauthorized, codeInvalidKey},
	visage.CodeNoFace:          {http.StatusUnprocessableEntity, codeNoFace},
	visage.CodeManyFaces:       {http.StatusUnprocessableEntity, codeNoFace},
	visage.CodeFaceNotFrontal:  {http.StatusUnprocessableEntity, codeNoFace},
	visage.CodeLowQuality:      {http.StatusUnprocessableEntity, codeNoFace},
	visage.CodeNotFound:        {http.StatusNotFound, codeNoEnrolledFaces},
	// The name is taken (enroll): 400, as FaceAuth's table gives this
	// code; register answers EMAIL_EXISTS instead.
	visage.CodeConflict:      {http.StatusBadRequest, codeValidation},
	visage.CodeRateLimit:     {http.StatusTooManyRequests, codeRateLimit},
	visage.CodeQuotaExceeded: {http.StatusTooManyRequests, codeMonthlyLimit},
	visage.CodeUnavailable:   {http.StatusServiceUnavailable, codeProcessing},
	// Anything else, INTERNAL first, is PROCESSING_ERROR (500).

	visage.CodeFaceDuplication:  {http.StatusConflict, string(visage.CodeFaceDuplication)},
	visage.CodePadAttack:        {http.StatusForbidden, string(visage.CodePadAttack)},
	visage.CodeMinorsNotAllowed: {http.StatusForbidden, string(visage.CodeMinorsNotAllowed)},
	visage.CodePINRequired:      {http.StatusUnauthorized, string(visage.CodePINRequired)},
	visage.CodeWrongPIN:         {http.StatusUnauthorized, string(visage.CodeWrongPIN)},
	visage.CodePINLocked:        {http.StatusTooManyRequests, string(visage.CodePINLocked)},
}

// asAPI turns any error into FaceAuth's answer. nil means the client is
// gone and nothing is to be written.
func asAPI(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ve *visage.Error
	switch {
	case errors.As(err, &ve):
		if m, ok := fromService[ve.Code]; ok {
			return &apiError{status: m.status, code: m.code, message: ve.Message}
		}
	case errors.Is(err, context.DeadlineExceeded):
		// Overload is answered 503 with Retry-After, as every Visage API
		// answers it: FaceAuth's table has no status for it.
		return &apiError{status: http.StatusServiceUnavailable, code: codeProcessing, message: "the server is busy or the request took too long; retry after the time in Retry-After"}
	case errors.Is(err, context.Canceled):
		return nil
	}
	// The cause goes to the log, not to the client.
	return &apiError{status: http.StatusInternalServerError, code: codeProcessing, message: "face processing failed"}
}

// errorBody is FaceAuth's error shape: the success flag every answer
// has, a sentence for people and the stable code.
type errorBody struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
	Code    string `json:"code"`
}

// writeError answers with err in FaceAuth's shape. Server failures are
// logged with their cause, under the route's pattern rather than the path,
// which for /usage/{api_key} holds a key.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	ae := asAPI(err)
	if ae == nil {
		return
	}
	if ae.status >= 500 {
		log.Error("faceauth request failed", "route", r.Pattern, "code", ae.code, "err", err)
	}
	if ae.status == http.StatusUnauthorized && ae.code != string(visage.CodePINRequired) && ae.code != string(visage.CodeWrongPIN) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="faceauth"`)
	}
	reply.SetRetryAfter(w.Header(), ae.status, reply.RetryAfter(err))
	writeJSON(w, ae.status, errorBody{Error: ae.message, Code: ae.code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
