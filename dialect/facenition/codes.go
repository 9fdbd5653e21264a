package facenition

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// codeBook holds v2's one-time codes and verified pairs, in memory: they
// live minutes, and a restart only means asking for new codes. Codes are
// kept as HMACs under a key made at start, never in clear.
type codeBook struct {
	key      []byte
	mu       sync.Mutex
	pending  map[string]*pending  // pair → codes sent
	verified map[string]time.Time // pair → end of its verification
}

type pending struct {
	emailHash, smsHash []byte
	sent, expires      time.Time
	failures           int
}

func newCodeBook(key []byte) *codeBook {
	return &codeBook{key: key, pending: map[string]*pending{}, verified: map[string]time.Time{}}
}

// newCode is six random digits.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func (b *codeBook) hash(channel, code string) []byte {
	m := hmac.New(sha256.New, b.key)
	m.Write([]byte(channel + "\x00" + code))
	return m.Sum(nil)
}

// issue records new codes for the pair, replacing earlier ones, unless
// codes went to it less than resendAfter ago: then it returns how long to
// wait. The returned entry lets a failed delivery withdraw it.
func (b *codeBook) issue(pair, emailCode, smsCode string, now time.Time, ttl, resendAfter time.Duration) (*pending, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.pending[pair]; p != nil && now.Sub(p.sent) < resendAfter {
		return nil, resendAfter - now.Sub(p.sent)
	}
	b.pruneLocked(now, ttl)
	p := &pending{emailHash: b.hash("email", emailCode), smsHash: b.hash("sms", smsCode), sent: now, expires: now.Add(ttl)}
	b.pending[pair] = p
	return p, 0
}

// withdraw forgets codes that could not be delivered, so the client may
// ask again at once.
func (b *codeBook) withdraw(pair string, p *pending) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pending[pair] == p {
		delete(b.pending, pair)
	}
}

// pruneLocked drops what expired over a TTL ago, so that the maps stay
// as small as the traffic of the last minutes while a late client still
// hears 410 (expired) rather than 404 (never sent).
func (b *codeBook) pruneLocked(now time.Time, ttl time.Duration) {
	for k, p := range b.pending {
		if now.After(p.expires.Add(ttl)) {
			delete(b.pending, k)
		}
	}
	for k, until := range b.verified {
		if now.After(until.Add(ttl)) {
			delete(b.verified, k)
		}
	}
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
// match verifies the pair for ttl.
func (b *codeBook) check(pair, emailCode, smsCode string, now time.Time, ttl time.Duration, maxAttempts int) (outcome, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pending[pair]
	switch {
	case p == nil:
		return unknown, 0
	case now.After(p.expires):
		delete(b.pending, pair)
		return expired, 0
	case p.failures >= maxAttempts:
		// Even the right codes: otherwise the limit would not slow a
		// guesser down. New codes start over.
		return exhausted, 0
	}
	ok := hmac.Equal(b.hash("email", emailCode), p.emailHash)
	ok = hmac.Equal(b.hash("sms", smsCode), p.smsHash) && ok
	if !ok {
		p.failures++
		if p.failures >= maxAttempts {
			return exhausted, 0
		}
		return wrong, maxAttempts - p.failures
	}
	delete(b.pending, pair)
	b.verified[pair] = now.Add(ttl)
	return accepted, 0
}

// useVerification spends the pair's verification: one token per
// verification.
func (b *codeBook) useVerification(pair string, now time.Time) outcome {
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.verified[pair]
	if !ok {
		return unknown
	}
	delete(b.verified, pair)
	if now.After(until) {
		return expired
	}
	return accepted
}
