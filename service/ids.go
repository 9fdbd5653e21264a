package service

import (
	"unicode"
	"unicode/utf8"

	"github.com/visagehq/visage"
)

// MaxName is the longest name of an application or an account, in bytes.
const MaxName = 200

// ValidID checks an ID a client chooses for a person: the native API's
// external_id, Auther's person ID, FaceAuth's name, Facenition's user_id.
// field names it in the error, as the client knows it. An ID is 1 to
// MaxExternalID bytes of UTF-8 that shows as what it is: letters, marks,
// digits, punctuation, symbols and spaces, nothing else. Control
// characters (NUL, line breaks, terminal escapes) break the logs and
// listings an operator reads, and forge lines in them. Invisible
// formatting characters let two IDs that look the same differ, or one
// read as another: the bidirectional embeddings, overrides and isolates
// (U+202A–202E, U+2066–2069), the direction marks (U+200E, U+200F,
// U+061C), zero-width spaces and joiners. Unassigned code points, whose
// look no one knows yet, are refused too.
func ValidID(field, id string) error {
	return validText(field, id, MaxExternalID)
}

// validText is the rule of ValidID for any short text a client names
// something with, at most max bytes: an application's or an account's
// name too, which `visage app list` and the admin API show the operator.
func validText(field, s string, max int) error {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return visage.Errorf(visage.CodeInvalidRequest, "%s must be 1 to %d bytes of UTF-8 text", field, max)
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return visage.Errorf(visage.CodeInvalidRequest, "%s holds the character %U: only visible characters and spaces are accepted (no control characters, no invisible or direction-changing marks)", field, r)
		}
	}
	return nil
}
