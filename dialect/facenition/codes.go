package facenition

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/visagehq/visage/cluster"
)

// secret keys the HMACs that stand for codes and addresses in the state
// the replicas share (Config.Secret): whoever reads that state learns
// neither a code nor an email, a phone or a client's address. Every
// replica holds the same secret, so that a code sent by one is checked by
// another.
type secret []byte

func (s secret) hash(channel, value string) []byte {
	m := hmac.New(sha256.New, s)
	m.Write([]byte(channel + "\x00" + value))
	return m.Sum(nil)
}

// name is a value's name in a key of the shared state.
func (s secret) name(channel, value string) string {
	return hex.EncodeToString(s.hash(channel, value)[:16])
}

// codeBook holds v2's one-time codes and verified pairs in the shared
// state: they live minutes, and a lost state only means asking for new
// codes. Codes are kept as HMACs, never in clear.
type codeBook struct {
	shared cluster.State
	secret secret
	ttl    time.Duration // Config.CodeTTL
}

// record is what the book holds of a pair: the codes last sent to it,
// and the end of its verification once they were given right.
type record struct {
	Codes    *codes    `json:"codes,omitempty"`
	Verified time.Time `json:"verified,omitzero"`
}

type codes struct {
	EmailHash []byte    `json:"email"`
	SMSHash   []byte    `json:"sms"`
	Sent      time.Time `json:"sent"`
	Expires   time.Time `json:"expires"`
	Failures  int       `json:"failures"`
}

// newCode is six random digits.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// update changes the pair's record atomically. f may run more than once,
// each time on the record as it is then.
func (b *codeBook) update(ctx context.Context, pair string, now time.Time, f func(*record)) error {
	return b.shared.Update(ctx, "facenition:pair:"+b.secret.name("pair", pair), now, func(old []byte) ([]byte, time.Duration) {
		var rec record
		if json.Unmarshal(old, &rec) != nil {
			rec = record{} // none yet, or unreadable: as if none
		}
		f(&rec)
		return b.keep(&rec, now)
	})
}

// keep encodes the record and says how long to keep it: a TTL past the
// end of its codes and of its verification, so that a late client still
// hears 410 (expired) rather than 404 (never sent).
func (b *codeBook) keep(rec *record, now time.Time) ([]byte, time.Duration) {
	if rec.Codes == nil && rec.Verified.IsZero() {
		return nil, 0
	}
	end := rec.Verified
	if rec.Codes != nil && rec.Codes.Expires.After(end) {
		end = rec.Codes.Expires
	}
	v, err := json.Marshal(rec)
	if err != nil {
		panic(err) // a struct of bytes, times and an int always encodes
	}
	return v, end.Add(b.ttl).Sub(now)
}

// issue records new codes for the pair, replacing earlier ones, unless
// codes went to it less than resendAfter ago: then it returns how long to
// wait. The returned codes let a failed delivery withdraw them.
func (b *codeBook) issue(ctx context.Context, pair, emailCode, smsCode string, now time.Time, resendAfter time.Duration) (*codes, time.Duration, error) {
	var sent *codes
	var wait time.Duration
	err := b.update(ctx, pair, now, func(rec *record) {
		sent, wait = nil, 0
		if c := rec.Codes; c != nil && now.Sub(c.Sent) < resendAfter {
			wait = resendAfter - now.Sub(c.Sent)
			return
		}
		sent = &codes{EmailHash: b.secret.hash("email", emailCode), SMSHash: b.secret.hash("sms", smsCode), Sent: now, Expires: now.Add(b.ttl)}
		rec.Codes = sent
	})
	if err != nil {
		return nil, 0, err
	}
	return sent, wait, nil
}

// withdraw forgets codes that could not be delivered, so the client may
// ask again at once.
func (b *codeBook) withdraw(ctx context.Context, pair string, sent *codes, now time.Time) error {
	return b.update(ctx, pair, now, func(rec *record) {
		if c := rec.Codes; c != nil && c.Sent.Equal(sent.Sent) && hmac.Equal(c.EmailHash, sent.EmailHash) {
			rec.Codes = nil
		}
	})
}

// The outcomes of checking codes or a verification.
type outcome int

const (
	accepted  outcome = iota
	unknown           // no codes were sent, or no verification happened
	expired           // 410
	wrong             // 401, tries left
	exhausted         // 429: this or earlier wrong tries used them all
)

// check compares both codes at once (a wrong answer does not say which
// was wrong, which would let a guesser solve them one at a time). A
// match verifies the pair for the codes' TTL.
func (b *codeBook) check(ctx context.Context, pair, emailCode, smsCode string, now time.Time, maxAttempts int) (outcome, int, error) {
	var res outcome
	var left int
	err := b.update(ctx, pair, now, func(rec *record) {
		res, left = b.checkCodes(rec, emailCode, smsCode, now, maxAttempts)
	})
	return res, left, err
}

func (b *codeBook) checkCodes(rec *record, emailCode, smsCode string, now time.Time, maxAttempts int) (outcome, int) {
	c := rec.Codes
	switch {
	case c == nil:
		return unknown, 0
	case now.After(c.Expires):
		rec.Codes = nil
		return expired, 0
	case c.Failures >= maxAttempts:
		// Even the right codes: otherwise the limit would not slow a
		// guesser down. New codes start over.
		return exhausted, 0
	}
	ok := hmac.Equal(b.secret.hash("email", emailCode), c.EmailHash)
	ok = hmac.Equal(b.secret.hash("sms", smsCode), c.SMSHash) && ok
	if !ok {
		c.Failures++
		if c.Failures >= maxAttempts {
			return exhausted, 0
		}
		return wrong, maxAttempts - c.Failures
	}
	rec.Codes = nil
	rec.Verified = now.Add(b.ttl)
	return accepted, 0
}

// useVerification spends the pair's verification: one token per
// verification.
func (b *codeBook) useVerification(ctx context.Context, pair string, now time.Time) (outcome, error) {
	var res outcome
	err := b.update(ctx, pair, now, func(rec *record) {
		switch {
		case rec.Verified.IsZero():
			res = unknown
		case now.After(rec.Verified):
			res = expired
		default:
			res = accepted
		}
		rec.Verified = time.Time{}
	})
	return res, err
}
