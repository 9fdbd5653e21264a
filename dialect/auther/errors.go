package auther

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
	"github.com/visagehq/visage/service"
)

// apiError is an answer in Auther's error shape, {code, type, message}.
// Message is fixed per code, as Auther's are (clients may show it); Type
// names the code's family; Detail says what exactly was wrong, for the
// developer reading the response.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Type    string `json:"type"`
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

// families name each code's letters, the error's type: Auther's page
// shows the field but not its values.
var families = map[string]string{
	"R": "request", "I": "image", "F": "face", "P": "person", "V": "verification",
	"NF": "not_found", "A": "authorization", "S": "signature", "L": "limit", "E": "server",
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errorOf builds the answer of one of the dialect's own codes.
func errorOf(code, detail string) *apiError {
	e := codes[code]
	e.Detail = detail
	return &e
}

// codes are every error the dialect answers. NF_001 and R_002 and their
// messages are Auther's; the page lost the rest of its tables, so the
// others follow its spelling (a letter family, an underscore, a number) and
// its statuses (400 for what the request or photo got wrong, 401 and 403,
// 404 for an unknown person, 410 for a search without result, 500).
var codes = map[string]apiError{
	"R_001":  {Status: http.StatusNotFound, Message: "Endpoint not found"},
	"R_002":  {Status: http.StatusBadRequest, Message: "Request body exception"},
	"R_003":  {Status: http.StatusMethodNotAllowed, Message: "Method not allowed"},
	"R_004":  {Status: http.StatusRequestEntityTooLarge, Message: "Request body too large"},
	"I_001":  {Status: http.StatusBadRequest, Message: "Image cannot be read"},
	"I_002":  {Status: http.StatusBadRequest, Message: "Image too large"},
	"I_003":  {Status: http.StatusBadRequest, Message: "Image format not supported"},
	"F_001":  {Status: http.StatusBadRequest, Message: "No face found on the image"},
	"F_002":  {Status: http.StatusBadRequest, Message: "More than one face on the image"},
	"F_003":  {Status: http.StatusBadRequest, Message: "Face too small"},
	"F_004":  {Status: http.StatusBadRequest, Message: "Face too blurred"},
	"F_005":  {Status: http.StatusBadRequest, Message: "Face not frontal"},
	"F_006":  {Status: http.StatusBadRequest, Message: "Face not live"},
	"F_007":  {Status: http.StatusBadRequest, Message: "Person below the minimum age"},
	"P_001":  {Status: http.StatusBadRequest, Message: "Person ID already exists"},
	"P_002":  {Status: http.StatusBadRequest, Message: "Person already enrolled under another person ID"},
	"P_003":  {Status: http.StatusBadRequest, Message: "Invalid person ID"},
	"V_001":  {Status: http.StatusBadRequest, Message: "Face does not match the person"},
	"NF_001": {Status: http.StatusNotFound, Message: "Face not found in collection"},
	"NF_002": {Status: http.StatusGone, Message: "No matching person found"},
	"A_001":  {Status: http.StatusUnauthorized, Message: "API key missing"},
	"A_002":  {Status: http.StatusUnauthorized, Message: "API key invalid"},
	"A_003":  {Status: http.StatusForbidden, Message: "Operation not available for this application"},
	"S_001":  {Status: http.StatusUnauthorized, Message: "Request signature missing"},
	"S_002":  {Status: http.StatusUnauthorized, Message: "Request signature invalid"},
	"S_003":  {Status: http.StatusUnauthorized, Message: "Request timestamp outside the allowed window"},
	"S_004":  {Status: http.StatusUnauthorized, Message: "Request signature already used"},
	"L_001":  {Status: http.StatusTooManyRequests, Message: "Too many requests"},
	"L_002":  {Status: http.StatusTooManyRequests, Message: "Monthly quota exceeded"},
	"E_001":  {Status: http.StatusInternalServerError, Message: "Internal server error"},
	// Overload and an unreachable database are 503 with Retry-After, as
	// every Visage API answers them, so that clients come back later.
	"E_002": {Status: http.StatusServiceUnavailable, Message: "Request timed out"},
	"E_003": {Status: http.StatusServiceUnavailable, Message: "Service temporarily unavailable"},
}

func init() {
	for c, e := range codes {
		e.Code = c
		e.Type = families[c[:strings.IndexByte(c, '_')]]
		codes[c] = e
	}
}

// byService is the dialect's code for each code of the service.
var byService = map[visage.Code]string{
	visage.CodeInvalidRequest:    "R_002",
	visage.CodeRequestTooLarge:   "R_004",
	visage.CodeImageInvalid:      "I_001",
	visage.CodeImageTooLarge:     "I_002",
	visage.CodeImageUnsupported:  "I_003",
	visage.CodeNoFace:            "F_001",
	visage.CodeManyFaces:         "F_002",
	service.CodeFaceTooSmall:     "F_003",
	service.CodeFaceBlurred:      "F_004",
	visage.CodeFaceNotFrontal:    "F_005",
	visage.CodeLowQuality:        "F_004", // Auther's nearest: "Face too blurred"
	visage.CodePadAttack:         "F_006",
	visage.CodeMinorsNotAllowed:  "F_007",
	visage.CodeConflict:          "P_001",
	visage.CodeFaceDuplication:   "P_002",
	visage.CodeNotFound:          "NF_001",
	visage.CodeUnrecognizedFace:  "NF_002",
	visage.CodeUnauthorized:      "A_002",
	visage.CodePINRequired:       "A_003", // Auther requests carry no PIN: the app's
	visage.CodeWrongPIN:          "A_003", // PIN rules cannot be met through them
	visage.CodePINLocked:         "A_003",
	visage.CodeUniquePINRequired: "A_003",
	visage.CodeRateLimit:         "L_001",
	visage.CodeQuotaExceeded:     "L_002",
	visage.CodeInternal:          "E_001",
	visage.CodeUnavailable:       "E_003",
}

// writeError answers err in Auther's shape. Causes of server errors go to
// the log, never to the client; nothing logged names an image or a key.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	var ae *apiError
	var ve *visage.Error
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &ve):
		code, ok := byService[ve.Code]
		if !ok {
			code = "E_001"
		}
		ae = errorOf(code, ve.Message)
	case errors.Is(err, context.DeadlineExceeded):
		ae = errorOf("E_002", "")
	case errors.Is(err, context.Canceled):
		return // the client is gone
	default:
		ae = errorOf("E_001", "")
	}
	if ae.Status >= 500 {
		log.Error("auther: request failed", "code", ae.Code, "err", err)
		ae.Detail = ""
	}
	reply.SetRetryAfter(w.Header(), ae.Status, reply.RetryAfter(err))
	writeJSON(w, ae.Status, ae)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
