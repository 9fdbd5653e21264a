package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/visagehq/visage"
)

// KeySize is the size of the encryption key: AES-256.
const KeySize = 32

// sealVersion starts every sealed value, so that another scheme (a second
// key during a rotation, say) can be told apart from this one later.
const sealVersion = 1

// The fields a sealed value can belong to. Each is part of the additional
// authenticated data, so a payload cannot be passed off as templates.
const (
	fieldTemplates = "templates"
	fieldPayload   = "payload"
	fieldKeyCheck  = "key-check"
)

// keyCheckPlain is what the key check seals: any constant would do, since
// it is the GCM tag that proves the key.
const keyCheckPlain = "visage"

// errAuth is what a value that fails to open reports. It says nothing of
// the value: the caller names the row.
var errAuth = errors.New("sealed value fails authentication (wrong key, tampered, or copied from another row)")

// Cipher encrypts templates and payloads with AES-256-GCM. Each value gets
// a random 96-bit nonce, and the additional authenticated data binds the
// ciphertext to its row (app ID, face ID) and field, so a ciphertext copied
// to another face, another app or another column fails to decrypt instead
// of silently becoming that face's template.
//
// A sealed value is: version (1 byte) | nonce (12 bytes) | ciphertext+tag.
// Random nonces are safe for up to about 2^32 values under one key, far
// beyond the enrollments of one deployment.
type Cipher struct {
	aead cipher.AEAD
}

// NewCipher returns a Cipher for a 32-byte key (see LoadOrCreateKey and
// ParseKey).
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("store: encryption key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Cipher{aead: aead}, nil
}

// SealTemplates encrypts a face's templates for its row.
func (c *Cipher) SealTemplates(appID, faceID string, ts []visage.Template) []byte {
	return c.seal(fieldTemplates, appID, faceID, marshalTemplates(ts))
}

// OpenTemplates decrypts what SealTemplates sealed for the same row.
func (c *Cipher) OpenTemplates(appID, faceID string, sealed []byte) ([]visage.Template, error) {
	plain, err := c.open(fieldTemplates, appID, faceID, sealed)
	if err != nil {
		return nil, visage.Wrap(visage.CodeInternal, err, fmt.Sprintf("templates of face %s of app %s do not decrypt", faceID, appID))
	}
	ts, err := unmarshalTemplates(plain)
	if err != nil {
		return nil, visage.Wrap(visage.CodeInternal, err, fmt.Sprintf("templates of face %s of app %s are malformed", faceID, appID))
	}
	return ts, nil
}

// SealPayload encrypts a face's payload for its row. A nil or empty payload
// is not sealed: the result is nil, stored as "no payload".
func (c *Cipher) SealPayload(appID, faceID string, p json.RawMessage) []byte {
	if len(p) == 0 {
		return nil
	}
	return c.seal(fieldPayload, appID, faceID, p)
}

// OpenPayload decrypts what SealPayload sealed for the same row; nil opens
// to nil.
func (c *Cipher) OpenPayload(appID, faceID string, sealed []byte) (json.RawMessage, error) {
	if sealed == nil {
		return nil, nil
	}
	plain, err := c.open(fieldPayload, appID, faceID, sealed)
	if err != nil {
		return nil, visage.Wrap(visage.CodeInternal, err, fmt.Sprintf("payload of face %s of app %s does not decrypt", faceID, appID))
	}
	return plain, nil
}

// FieldWebhookSecret is the field of a webhook's signing secret
// (Seal).
const FieldWebhookSecret = "webhook-secret"

// Seal encrypts a secret other than a face's (a webhook's signing
// secret, say) for its row: field names what it is (FieldWebhookSecret),
// appID and id the row, all three bound to the ciphertext as Cipher
// binds templates, so that it opens nowhere else.
func (c *Cipher) Seal(field, appID, id string, plain []byte) []byte {
	return c.seal(field, appID, id, plain)
}

// Open decrypts what Seal sealed with the same field and row. Its error
// names nothing of the value: the caller names the row.
func (c *Cipher) Open(field, appID, id string, sealed []byte) ([]byte, error) {
	return c.open(field, appID, id, sealed)
}

// KeyCheck returns a value that only this key opens. A backend stores it
// when it creates a database and passes it to CheckKey at every open, so
// that a wrong key is refused at start rather than discovered face by face
// (or, worse, used to write new faces beside the old).
func (c *Cipher) KeyCheck() []byte {
	return c.seal(fieldKeyCheck, "", "", []byte(keyCheckPlain))
}

// CheckKey reports whether this key made the key check.
func (c *Cipher) CheckKey(check []byte) error {
	plain, err := c.open(fieldKeyCheck, "", "", check)
	if err != nil || string(plain) != keyCheckPlain {
		return errors.New("store: the encryption key is not the one this database was created with")
	}
	return nil
}

func (c *Cipher) seal(field, appID, faceID string, plain []byte) []byte {
	out := make([]byte, 1+c.aead.NonceSize(), 1+c.aead.NonceSize()+len(plain)+c.aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1:]) // never fails (crypto/rand.Read crashes the program instead)
	return c.aead.Seal(out, out[1:], plain, aad(field, appID, faceID))
}

func (c *Cipher) open(field, appID, faceID string, sealed []byte) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(sealed) < 1+n+c.aead.Overhead() || sealed[0] != sealVersion {
		return nil, errAuth
	}
	plain, err := c.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad(field, appID, faceID))
	if err != nil {
		return nil, errAuth
	}
	return plain, nil
}

// aad is the additional authenticated data of a value: a domain tag, then
// the field, app ID and face ID, each length-prefixed so that no two rows
// share an encoding ("ab"+"c" differs from "a"+"bc").
func aad(field, appID, faceID string) []byte {
	b := []byte("visage/store/v1")
	for _, s := range []string{field, appID, faceID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}
