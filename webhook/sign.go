// Package webhook delivers an app's events to its webhooks
// (docs/webhooks.md): signed as Standard Webhooks sign them
// (https://www.standardwebhooks.com), in order per webhook, at least
// once, from the store's events table as an outbox.
//
// Sender makes one attempt; Deliverer works through every webhook's
// events, retrying with backoff, and shares the work with the deliverers
// of other replicas through the store's leases.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every signing secret, as Standard Webhooks writes
// them; the rest is the base64 of the key's bytes.
const SecretPrefix = "whsec_"

// secretBytes is the size of the keys NewSecret makes: Standard Webhooks
// asks for 24 to 64 bytes.
const secretBytes = 32

// NewSecret makes a signing secret: "whsec_" and the standard base64 of
// 32 random bytes.
func NewSecret() string {
	b := make([]byte, secretBytes)
	rand.Read(b) // never fails (crypto/rand.Read crashes the program instead)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// key is the HMAC key of a secret: the bytes its base64 encodes.
func key(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(k) == 0 {
		return nil, errors.New("webhook: the signing secret is not whsec_ and base64")
	}
	return k, nil
}

// Sign returns the webhook-signature header of a message: "v1," and the
// base64 of HMAC-SHA256, under the secret's key, of the message's ID, its
// timestamp in Unix seconds and its body, joined by dots.
func Sign(secret, id string, at time.Time, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id + "." + strconv.FormatInt(at.Unix(), 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}
