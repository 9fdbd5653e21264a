// Package visage holds the domain types that every layer of Visage shares:
// the stable error codes and the error type that carries them. It does no
// I/O; the engine (face), the scores (match) and, later, the store and the
// HTTP layers build on it.
package visage

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Clients switch on it, so a
// code, once published, keeps its spelling and its meaning.
type Code string

// The codes the engine can return. The API layers map each to an HTTP status
// and to the spelling of the dialect they speak.
const (
	// CodeNoFace: no face was found in the image.
	CodeNoFace Code = "NO_FACE"
	// CodeManyFaces: one face was required and more than one was found.
	CodeManyFaces Code = "MANY_FACES"
	// CodeImageInvalid: the bytes are not a readable image (corrupt,
	// truncated, empty).
	CodeImageInvalid Code = "IMAGE_INVALID"
	// CodeImageTooLarge: the image (bytes or pixels) is over the limit.
	CodeImageTooLarge Code = "IMAGE_TOO_LARGE"
	// CodeImageUnsupported: the image is in a format Visage does not read.
	CodeImageUnsupported Code = "IMAGE_UNSUPPORTED"
	// CodeInternal: anything else; the message says what, the logs say more.
	CodeInternal Code = "INTERNAL"
)

// Error is an error with a stable code and a message fit to show a client.
// Err, when set, is the underlying cause for logs; it is never shown.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and message that keeps err as
// its cause.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code carried by err, CodeInternal for an error
// without one, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Codes of the service layer (the server issue builds on them).
const (
	// CodeRateLimit: the app is over its requests per minute.
	CodeRateLimit Code = "RATE_LIMIT"
	// CodeQuotaExceeded: the app is over its requests for the month.
	CodeQuotaExceeded Code = "QUOTA_EXCEEDED"
	// CodeRequestTooLarge: the request body is over the server's limit.
	CodeRequestTooLarge Code = "REQUEST_TOO_LARGE"
	// CodeUnauthorized: a missing, unknown or revoked key or token.
	CodeUnauthorized Code = "UNAUTHORIZED"
	// CodeNotFound: no such application, key or face in the caller's app.
	CodeNotFound Code = "NOT_FOUND"
	// CodeConflict: a unique value (external ID, public ID) is taken.
	CodeConflict Code = "CONFLICT"
	// CodeInvalidRequest: a field is missing, malformed or out of range.
	CodeInvalidRequest Code = "INVALID_REQUEST"
	// CodeUnrecognizedFace: no enrolled face of the app matches.
	CodeUnrecognizedFace Code = "UNRECOGNIZED_FACE"
	// CodeFaceDuplication: the app prevents duplicates and this person is
	// already enrolled.
	CodeFaceDuplication Code = "FACE_DUPLICATION"
	// CodeFaceNotFrontal: the head is turned too far for a reliable
	// template.
	CodeFaceNotFrontal Code = "FACE_NOT_FRONTAL"
	// CodeLowQuality: the photo is unlikely to be recognised later (its
	// face's quality score is too low); the message says what to change.
	CodeLowQuality Code = "LOW_QUALITY"
	// CodeFaceMismatch: the images of one enrollment show different people.
	CodeFaceMismatch Code = "FACE_MISMATCH"
	// CodePadAttack: the face was judged not live (a photo, a screen).
	CodePadAttack Code = "PAD_ATTACK"
	// CodeMinorsNotAllowed: the face is estimated under the app's minimum
	// age plus the safety margin.
	CodeMinorsNotAllowed Code = "MINORS_NOT_ALLOWED"
	// CodePINRequired: the app or the face needs a PIN and none was given.
	CodePINRequired Code = "PIN_REQUIRED"
	// CodeUniquePINRequired: another face of the app has this PIN.
	CodeUniquePINRequired Code = "UNIQUE_PIN_REQUIRED"
	// CodeWrongPIN: the PIN does not match the face's.
	CodeWrongPIN Code = "WRONG_PIN_CODE"
	// CodePINLocked: too many wrong PINs; the face's PIN check is locked
	// for a cooling-off time.
	CodePINLocked Code = "PIN_LOCKED"
	// CodeUnavailable: a server this one depends on (its database, Redis)
	// does not answer now. Nothing was changed; the request can be sent
	// again after Retry-After. Every API answers it 503.
	CodeUnavailable Code = "UNAVAILABLE"
	// CodeCSRFFailed: a state-changing request made with an operator
	// console session (package console) lacked the session's CSRF token
	// or came from another origin. Answered 403; nothing was changed.
	CodeCSRFFailed Code = "CSRF_FAILED"
)
