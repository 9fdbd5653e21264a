package auther

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/internal/upload"
	"github.com/visagehq/visage/service"
)

// Request signing, Auther's enterprise option. Auther's page names the
// ingredients (a SHA-256 hash of the request, an RSA-2048 key pair whose
// public half the app registers) but lost its steps, so this is Visage's
// design (docs/migrating-from-auther.md):
//
//	X-Timestamp: Unix time in seconds
//	X-Signature: base64 of the RSA signature (PKCS #1 v1.5 or PSS, SHA-256) of
//	             "<timestamp>\n<METHOD>\n<path>\n<hex SHA-256 of the body>"
//
// The path is the endpoint's, relative to the base URL (/persons/alice),
// so that where the dialect is mounted does not matter. Signing method,
// path and time as well as the body keeps a captured signature from being
// sent to another endpoint or long after.
const (
	headerTimestamp = "X-Timestamp"
	headerSignature = "X-Signature"
)

// stringToSign is what the client signs.
func stringToSign(timestamp, method, path string, body []byte) string {
	sum := sha256.Sum256(body)
	return timestamp + "\n" + method + "\n" + path + "\n" + hex.EncodeToString(sum[:])
}

// checkSignature enforces the app's signing settings on one request. An
// unsigned request passes unless the app requires signing; a signed one
// is always checked, so that a client that believes it signs learns when
// the server cannot check its signature.
func (h *handler) checkSignature(r *http.Request, app *visage.App, body []byte) error {
	sig, ts := r.Header.Get(headerSignature), r.Header.Get(headerTimestamp)
	if sig == "" {
		if app.Settings.AutherRequireSignature {
			return errorOf("S_001", "this application requires signed requests: send "+headerSignature+" and "+headerTimestamp)
		}
		return nil
	}
	if app.Settings.AutherSigningKey == "" {
		return errorOf("S_002", "the application has no registered public key to check signatures with")
	}
	key, err := service.ParseSigningKey(app.Settings.AutherSigningKey)
	if err != nil {
		h.cfg.Logger.Warn("auther: the app's registered signing key is unusable", "app", app.ID)
		return errorOf("S_002", "the application's registered public key is unusable; register it again")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errorOf("S_003", headerTimestamp+" must be the Unix time in seconds")
	}
	at, now := time.Unix(secs, 0), h.cfg.Now()
	if d := now.Sub(at); d > h.cfg.ReplayWindow || d < -h.cfg.ReplayWindow {
		return errorOf("S_003", "the timestamp is more than "+h.cfg.ReplayWindow.String()+" away from the server's clock")
	}
	raw, err := upload.Base64(sig)
	if err != nil {
		return errorOf("S_002", headerSignature+" is not base64")
	}
	digest := sha256.Sum256([]byte(stringToSign(ts, r.Method, endpointPath(r), body)))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], raw) != nil &&
		rsa.VerifyPSS(key, crypto.SHA256, digest[:], raw, nil) != nil {
		return errorOf("S_002", "the signature does not match the request")
	}
	first, err := h.seen.first(r.Context(), raw, at, now)
	if err != nil {
		return err
	}
	if !first {
		return errorOf("S_004", "this signature was already used; sign each request afresh")
	}
	return nil
}

// endpointPath is the request's path below the dialect's root, escaped as
// sent.
func endpointPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// replays remembers the signatures accepted within the window, in the
// state the replicas share, so that a signature passes once across all
// of them. A signature older than the window is refused for its
// timestamp anyway, so it is forgotten then: the memory holds at most a
// window's worth of signed requests, which the plan's rate limit bounds.
// It holds hashes of signatures, which travel in clear anyway.
type replays struct {
	shared cluster.State
	window time.Duration
}

// clockSkew is how far replicas' clocks may differ: a signature is
// remembered that much longer than its window, for a replica whose clock
// is late.
const clockSkew = time.Minute

// first records sig, stamped at, and says whether it is new.
func (p *replays) first(ctx context.Context, sig []byte, at, now time.Time) (bool, error) {
	sum := sha256.Sum256(sig)
	return p.shared.First(ctx, "auther:replay:"+hex.EncodeToString(sum[:]), at.Add(p.window).Sub(now)+clockSkew, now)
}
