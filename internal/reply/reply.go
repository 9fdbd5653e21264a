// Package reply holds what every API of Visage (the native one and the
// dialects) tells clients alike: a plain message for a body that is not
// the JSON asked for, and how long to wait after a refusal.
package reply

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/service"
)

// JSONError says what is wrong with a JSON body in the client's terms.
// encoding/json's own messages name Go types ("cannot unmarshal array
// into Go value of type http.faceRequest"): they tell a client nothing it
// sent and show how the server is built.
func JSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return "the body must be a JSON object"
	case errors.As(err, &typeErr):
		return "field " + typeErr.Field + " must be " + jsonKind(typeErr.Type)
	case errors.Is(err, io.EOF):
		return "the body is empty; send a JSON object"
	}
	return "the body is not valid JSON"
}

// jsonKind names the JSON a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.String {
			return "a list of strings"
		}
		return "a list"
	}
	return "an object"
}

// DefaultRetryAfter is the wait advised after a refusal whose end no one
// knows: a request that ran out of time, a server not ready.
const DefaultRetryAfter = 5 * time.Second

// RetryAfter is how long a client should wait before sending again the
// request that err refused: the engine's estimate of its queue when it was
// busy, at most the PIN lock's length for a locked PIN (the lock began at
// the last wrong PIN, at most that long ago), DefaultRetryAfter otherwise.
// Refusals for an app's rate or quota have their own (service.Admission).
func RetryAfter(err error) time.Duration {
	var busy *face.BusyError
	switch {
	case errors.As(err, &busy):
		return busy.Wait
	case visage.ErrorCode(err) == visage.CodePINLocked:
		return service.PINLockFor
	}
	return DefaultRetryAfter
}

// SetRetryAfter sets Retry-After, in whole seconds (at least 1), on a
// 429 or 503 answer that has none yet: every such answer says when to
// come back, so that clients back off instead of retrying at once.
func SetRetryAfter(h http.Header, status int, wait time.Duration) {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable || h.Get("Retry-After") != "" {
		return
	}
	h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}
