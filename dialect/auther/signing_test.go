package auther_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"strconv"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/internal/testredis"
	"github.com/visagehq/visage/service"
)

func newRSAKey(t *testing.T, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func publicPEM(t *testing.T, k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// sign follows docs/migrating-from-auther.md: RSA (PKCS #1 v1.5, or PSS)
// over SHA-256 of "<timestamp>\n<METHOD>\n<path>\n<hex SHA-256 of body>".
func sign(t *testing.T, k *rsa.PrivateKey, pss bool, ts int64, method, path string, body []byte) []string {
	bodySum := sha256.Sum256(body)
	msg := strconv.FormatInt(ts, 10) + "\n" + method + "\n" + path + "\n" + hex.EncodeToString(bodySum[:])
	digest := sha256.Sum256([]byte(msg))
	var sig []byte
	var err error
	if pss {
		sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA256, digest[:], nil)
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return []string{"X-Timestamp", strconv.FormatInt(ts, 10), "X-Signature", base64.StdEncoding.EncodeToString(sig)}
}

func TestSigning(t *testing.T) {
	f := newFixture(t, options{})
	p := loadPhotos(t)
	priv := newRSAKey(t, 2048)
	app, key := f.newApp(visage.AppSettings{})
	if err := f.svc.SetRequestSigning(f.ctx, app, publicPEM(t, priv), true); err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now().Unix()
	body, _ := json.Marshal(faceBody(p.alice))

	f.do("POST", "/persons/alice", key, body).want(t, 401, "S_001")
	signed := sign(t, priv, false, now, "POST", "/persons/alice", body)
	f.do("POST", "/persons/alice", key, body, signed...).want(t, 200, "")
	// The same request again, signature and all, is a replay.
	f.do("POST", "/persons/alice", key, body, signed...).want(t, 401, "S_004")
	// A captured signature does not carry over to another endpoint or body.
	f.do("POST", "/persons/mallory", key, body, signed...).want(t, 401, "S_002")
	other, _ := json.Marshal(faceBody(p.bob))
	f.do("POST", "/persons/alice", key, other, signed...).want(t, 401, "S_002")
	// Nor does a signature by another key.
	f.do("GET", "/persons/alice", key, nil, sign(t, newRSAKey(t, 2048), false, now, "GET", "/persons/alice", nil)...).want(t, 401, "S_002")
	f.do("GET", "/persons/alice", key, nil, "X-Timestamp", strconv.FormatInt(now, 10), "X-Signature", "%%%").want(t, 401, "S_002")

	// A bodiless request signs the empty body; PSS signatures pass too.
	f.do("GET", "/persons/alice", key, nil, sign(t, priv, false, now, "GET", "/persons/alice", nil)...).want(t, 200, "")
	f.do("GET", "/persons/alice", key, nil, sign(t, priv, true, now, "GET", "/persons/alice", nil)...).want(t, 200, "")

	// The timestamp must be within five minutes of the clock, either way.
	f.do("GET", "/persons/alice", key, nil, sign(t, priv, false, now-301, "GET", "/persons/alice", nil)...).want(t, 401, "S_003")
	f.do("GET", "/persons/alice", key, nil, sign(t, priv, false, now+301, "GET", "/persons/alice", nil)...).want(t, 401, "S_003")
	f.do("GET", "/persons/alice", key, nil, sign(t, priv, false, now-299, "GET", "/persons/alice", nil)...).want(t, 200, "")
	f.do("GET", "/persons/alice", key, nil, "X-Timestamp", "yesterday", "X-Signature", "AAAA").want(t, 401, "S_003")
	// Once the window has passed, a replay is refused for its timestamp.
	f.clock.Add(6 * time.Minute)
	f.do("POST", "/persons/alice", key, body, signed...).want(t, 401, "S_003")

	// Where signing is not required, unsigned requests pass, but a
	// signature sent is still checked.
	app2, key2 := f.newApp(visage.AppSettings{})
	f.do("GET", "/persons/alice", key2, nil, sign(t, priv, false, f.clock.Now().Unix(), "GET", "/persons/alice", nil)...).want(t, 401, "S_002")
	if err := f.svc.SetRequestSigning(f.ctx, app2, publicPEM(t, priv), false); err != nil {
		t.Fatal(err)
	}
	f.do("GET", "/persons/alice", key2, nil).want(t, 404, "NF_001")
	f.do("GET", "/persons/alice", key2, nil, sign(t, priv, false, f.clock.Now().Unix(), "GET", "/persons/alice", nil)...).want(t, 404, "NF_001")
	f.do("GET", "/persons/alice", key2, nil, sign(t, priv, false, f.clock.Now().Unix(), "GET", "/persons/bob", nil)...).want(t, 401, "S_002")

	// The admin API's settings check the key too: an unreadable one is
	// refused there, and the registered key stays.
	set := app2.Settings
	set.AutherSigningKey = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
	if err := f.svc.UpdateSettings(f.ctx, app2, set); visage.ErrorCode(err) != visage.CodeInvalidRequest {
		t.Fatalf("an unreadable key through the settings: %v, want INVALID_REQUEST", err)
	}
	f.do("GET", "/persons/alice", key2, nil, sign(t, priv, false, f.clock.Now().Unix()+1, "GET", "/persons/alice", nil)...).want(t, 404, "NF_001")
}

// A signature used on one replica is a replay on every other; and one
// that cannot be checked against the replicas' memory is refused, 503
// with Retry-After.
func TestReplayAcrossReplicas(t *testing.T) {
	testredis.Each(t, 2, func(t *testing.T, shared []cluster.State) {
		a := newFixture(t, options{shared: shared[0]})
		b := a.replica(options{shared: shared[1]})
		priv := newRSAKey(t, 2048)
		app, key := a.newApp(visage.AppSettings{})
		if err := a.svc.SetRequestSigning(a.ctx, app, publicPEM(t, priv), true); err != nil {
			t.Fatal(err)
		}
		signed := sign(t, priv, false, a.clock.Now().Unix(), "GET", "/persons/alice", nil)
		a.do("GET", "/persons/alice", key, nil, signed...).want(t, 404, "NF_001")
		b.do("GET", "/persons/alice", key, nil, signed...).want(t, 401, "S_004")
		a.do("GET", "/persons/alice", key, nil, signed...).want(t, 401, "S_004")
	})
	down := testredis.Replicas(t, 1)[0]
	f := newFixture(t, options{shared: down})
	priv := newRSAKey(t, 2048)
	app, key := f.newApp(visage.AppSettings{})
	if err := f.svc.SetRequestSigning(f.ctx, app, publicPEM(t, priv), true); err != nil {
		t.Fatal(err)
	}
	down.Close()
	ans := f.do("GET", "/persons/alice", key, nil, sign(t, priv, false, f.clock.Now().Unix(), "GET", "/persons/alice", nil)...)
	ans.want(t, 503, "E_003")
	if ans.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
}

func TestSigningKeys(t *testing.T) {
	f := newFixture(t, options{})
	app, _ := f.newApp(visage.AppSettings{})
	priv := newRSAKey(t, 2048)

	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&priv.PublicKey)}))
	if _, err := service.ParseSigningKey(pkcs1); err != nil {
		t.Fatalf("PKCS #1: %v", err)
	}
	for name, pemText := range map[string]string{
		"1024 bits":   publicPEM(t, newRSAKey(t, 1024)),
		"private key": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)})),
		"not PEM":     "ssh-rsa AAAA",
	} {
		if err := f.svc.SetRequestSigning(f.ctx, app, pemText, false); visage.ErrorCode(err) != visage.CodeInvalidRequest {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := f.svc.SetRequestSigning(f.ctx, app, "", true); visage.ErrorCode(err) != visage.CodeInvalidRequest {
		t.Errorf("required without a key: %v", err)
	}
}
