package facenition_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage/dialect/facenition"
)

// The conformance suite: every endpoint and every documented error of
// docs/migrating-from-facenition.md, over real HTTP.

func TestV1EndToEnd(t *testing.T) {
	photos(t)
	f := newFixture(t, nil)
	// Unversioned is v1: a token straight away.
	a := f.post("/generateToken", nil)
	want(t, a, http.StatusOK, "generateToken")
	tok := a.str("token")
	if !strings.HasPrefix(tok, "vsk_") {
		t.Fatalf("token %q", tok)
	}
	auth := []string{"X-Auth-Token", tok}

	// generate: the image field repeated once per photo.
	a = f.post("/generate", multipartForm("user_id", "alice", "image", alice, "image", aliceAgain), auth...)
	want(t, a, http.StatusOK, "generate")
	if a.str("user_id") != "alice" || a.body["accuracy"] != 4.0 || a.body["images"] != 2.0 || a.str("face_id") == "" {
		t.Fatalf("generate: %v", a.body)
	}
	want(t, f.post("/v1/generate", map[string]any{"user_id": "bob", "image": []string{b64(bob)}}, auth...), http.StatusOK, "generate bob, JSON")

	// authenticate, 1:1, base64 in JSON.
	a = f.post("/v1/authenticate", map[string]any{"user_id": "alice", "image": b64(aliceAgain)}, auth...)
	want(t, a, http.StatusOK, "authenticate alice")
	if a.body["authenticated"] != true || a.body["similarity"].(float64) < 80 {
		t.Fatalf("alice not authenticated: %v", a.body)
	}
	a = f.post("/authenticate", multipartForm("user_id", "alice", "image", bob), auth...)
	want(t, a, http.StatusOK, "authenticate bob as alice")
	if a.body["authenticated"] != false {
		t.Fatalf("bob authenticated as alice: %v", a.body)
	}

	// match: two photos, either encoding.
	a = f.post("/match", multipartForm("image", alice, "image", aliceAgain), auth...)
	want(t, a, http.StatusOK, "match")
	if a.body["match"] != true {
		t.Fatalf("alice does not match alice: %v", a.body)
	}
	a = f.post("/v1/match", map[string]any{"image": []string{b64(alice), "data:image/jpeg;base64," + b64(bob)}}, auth...)
	want(t, a, http.StatusOK, "match JSON")
	if a.body["match"] != false {
		t.Fatalf("alice matches bob: %v", a.body)
	}

	// token: introspection, without needing a valid token.
	a = f.post("/token", map[string]string{"token": tok})
	want(t, a, http.StatusOK, "token")
	if a.body["active"] != true || !strings.HasPrefix(a.str("client_id"), "pub_") {
		t.Fatalf("token: %v", a.body)
	}
	a = f.post("/token", nil, "X-Auth-Token", "vsk_notarealtokenatallnotatall")
	want(t, a, http.StatusOK, "token, bogus")
	if a.body["active"] != false {
		t.Fatalf("bogus token active: %v", a.body)
	}
	want(t, f.post("/token", nil), http.StatusBadRequest, "token, none")

	// delete, then alice is unknown.
	want(t, f.post("/delete", url.Values{"user_id": {"alice"}}, auth...), http.StatusOK, "delete")
	want(t, f.post("/authenticate", map[string]any{"user_id": "alice", "image": b64(alice)}, auth...), http.StatusNotFound, "authenticate deleted")
	want(t, f.post("/delete", url.Values{"user_id": {"alice"}}, auth...), http.StatusNotFound, "delete again")
}

func TestClientTokens(t *testing.T) {
	photos(t)
	f := newFixture(t, nil)
	tok, other := f.v1Token(), f.v1Token()
	for _, ep := range []string{"/generate", "/authenticate", "/match", "/delete", "/v2/generate"} {
		a := f.post(ep, map[string]string{"user_id": "x"})
		want(t, a, http.StatusUnauthorized, ep+" without token")
		if !strings.Contains(a.str("error"), "X-Auth-Token") {
			t.Fatalf("%s: the error should say where the token goes: %v", ep, a.body)
		}
	}
	bad := "vsk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	want(t, f.post("/delete", map[string]string{"user_id": "x"}, "X-Auth-Token", bad), http.StatusUnauthorized, "bad header")
	want(t, f.post("/delete", multipartForm("auth_token", bad, "user_id", "x")), http.StatusUnauthorized, "bad form field")
	want(t, f.post("/delete", url.Values{"auth_token": {bad}, "user_id": {"x"}}), http.StatusUnauthorized, "bad urlencoded field")
	want(t, f.post("/delete", map[string]string{"auth_token": bad, "user_id": "x"}), http.StatusUnauthorized, "bad JSON field")
	// The header wins over the field.
	want(t, f.post("/delete", map[string]string{"auth_token": tok, "user_id": "x"}, "X-Auth-Token", bad), http.StatusUnauthorized, "bad header, good field")
	// Not in the URL: it would land in access logs.
	want(t, f.post("/delete?auth_token="+tok, url.Values{"user_id": {"x"}}), http.StatusUnauthorized, "token in the query")

	// A good token in any place reaches the endpoint (404: nobody "x").
	want(t, f.post("/delete", multipartForm("auth_token", tok, "user_id", "x")), http.StatusNotFound, "multipart field")
	want(t, f.post("/delete", url.Values{"auth_token": {tok}, "user_id": {"x"}}), http.StatusNotFound, "urlencoded field")
	want(t, f.post("/delete", map[string]string{"auth_token": tok, "user_id": "x"}), http.StatusNotFound, "JSON field")
	want(t, f.post("/delete", map[string]string{"user_id": "x"}, "X-Auth-Token", tok), http.StatusNotFound, "header")

	// Each token is its own client: another's people are not found.
	want(t, f.post("/generate", multipartForm("auth_token", tok, "user_id", "alice", "image", alice)), http.StatusOK, "generate")
	want(t, f.post("/delete", map[string]string{"user_id": "alice"}, "X-Auth-Token", other), http.StatusNotFound, "other client's user")
}

func TestVersionsAndRouting(t *testing.T) {
	f := newFixture(t, nil)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		a := f.call(m, "/v1/generateToken", nil)
		want(t, a, http.StatusNotFound, m)
		if !strings.Contains(a.str("error"), "POST") {
			t.Fatalf("%s: %v", m, a.body)
		}
	}
	for _, p := range []string{"/nope", "/v3/generate", "/v1/v2/generate", "/generate/", "/", "/v2/"} {
		want(t, f.post(p, nil), http.StatusNotFound, p)
	}
	// v2-only endpoints do not exist on v1, unversioned included.
	for _, p := range []string{"/v1/new-credentials", "/new-credentials", "/v1/authenticate-credentials", "/authenticate-credentials"} {
		a := f.post(p, nil)
		want(t, a, http.StatusNotFound, p)
		if !strings.Contains(a.str("error"), "v2") {
			t.Fatalf("%s: %v", p, a.body)
		}
	}
	// X-API-Version overrides the path, either way.
	want(t, f.post("/v2/new-credentials", nil, "X-API-Version", "1"), http.StatusNotFound, "v2 path, header 1")
	want(t, f.post("/v1/new-credentials", nil, "X-API-Version", "2"), http.StatusBadRequest, "v1 path, header 2 (reaches it: email missing)")
	want(t, f.post("/new-credentials", nil, "X-API-Version", "v2"), http.StatusBadRequest, "unversioned, header v2")
	want(t, f.post("/v1/generateToken", map[string]string{"email": "a@example.com", "phone": "+15550100"}, "X-API-Version", "2"),
		http.StatusForbidden, "v1 path, header 2: verification needed")
	want(t, f.post("/v2/generateToken", nil, "X-API-Version", "1"), http.StatusOK, "v2 path, header 1: token at once")
	want(t, f.post("/generateToken", nil, "X-API-Version", "3"), http.StatusBadRequest, "unknown version")

	// At the root of its own listener too.
	root := httptest.NewServer(f.h)
	defer root.Close()
	resp, err := http.Post(root.URL+"/v1/generateToken", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("root mount: %d", resp.StatusCode)
	}
}

// v2's new-credentials → authenticate-credentials → generateToken, with
// the codes read from the email the SMTP server received and the SMS the
// provider endpoint received.
func TestV2Flow(t *testing.T) {
	photos(t)
	f := newFixture(t, nil)
	pair := map[string]string{"email": "Dev@Example.com", "phone": "+1 (555) 010-0123"}

	want(t, f.post("/v2/generateToken", pair), http.StatusForbidden, "generateToken before verifying")
	a := f.post("/v2/new-credentials", pair)
	want(t, a, http.StatusOK, "new-credentials")
	if a.body["expires_in"] != 600.0 {
		t.Fatalf("new-credentials: %v", a.body)
	}
	m := f.mail.next(t)
	if m.user != smtpUser || m.from != "codes@visage.test" || len(m.to) != 1 || m.to[0] != "dev@example.com" {
		t.Fatalf("mail envelope: %+v", m)
	}
	if !strings.Contains(m.data, "Subject: Your verification code") || !strings.Contains(m.data, "To: dev@example.com") {
		t.Fatalf("mail: %q", m.data)
	}
	s := f.sms.next(t)
	if s.to != "+15550100123" || s.auth != smsAuth {
		t.Fatalf("sms: %+v", s)
	}
	emailCode, smsCode := codeIn(t, m.data), codeIn(t, s.message)

	creds := func(e, s string) url.Values {
		return url.Values{"email": {pair["email"]}, "phone": {pair["phone"]}, "email_code": {e}, "sms_code": {s}}
	}
	if emailCode != smsCode {
		a = f.post("/v2/authenticate-credentials", creds(smsCode, emailCode))
		want(t, a, http.StatusUnauthorized, "codes swapped")
		if !strings.Contains(a.str("error"), "4 tries left") {
			t.Fatalf("swapped: %v", a.body)
		}
	}
	a = f.post("/authenticate-credentials", creds(emailCode, smsCode), "X-API-Version", "2")
	want(t, a, http.StatusOK, "authenticate-credentials")
	if a.body["verified"] != true {
		t.Fatalf("verified: %v", a.body)
	}
	a = f.post("/v2/generateToken", pair)
	want(t, a, http.StatusOK, "generateToken")
	tok := a.str("token")
	want(t, f.post("/v2/generateToken", pair), http.StatusForbidden, "a verification buys one token")

	// The token works like any other, on v2 paths too.
	want(t, f.post("/v2/generate", multipartForm("user_id", "alice", "image", alice), "X-Auth-Token", tok), http.StatusOK, "generate")

	// The same pair verified again gets a token of the same client: alice
	// is still there.
	f.clock.Add(time.Minute)
	want(t, f.post("/v2/new-credentials", pair), http.StatusOK, "new-credentials again")
	emailCode, smsCode = codeIn(t, f.mail.next(t).data), codeIn(t, f.sms.next(t).message)
	want(t, f.post("/v2/authenticate-credentials", creds(emailCode, smsCode)), http.StatusOK, "authenticate-credentials again")
	tok2 := f.post("/v2/generateToken", pair).str("token")
	if tok2 == "" || tok2 == tok {
		t.Fatalf("second token %q", tok2)
	}
	a = f.post("/v2/authenticate", map[string]any{"user_id": "alice", "image": b64(aliceAgain)}, "X-Auth-Token", tok2)
	want(t, a, http.StatusOK, "authenticate with the second token")
	if a.body["authenticated"] != true {
		t.Fatalf("%v", a.body)
	}
	id1 := f.post("/token", map[string]string{"token": tok}).str("client_id")
	id2 := f.post("/v2/token", map[string]string{"token": tok2}).str("client_id")
	if id1 == "" || id1 != id2 {
		t.Fatalf("client ids %q %q", id1, id2)
	}

	// Neither a code nor a token reached the log.
	logs := f.logs.String()
	for _, secret := range []string{emailCode, smsCode, tok, tok2} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log holds a secret: %s", logs)
		}
	}
}

func TestCodesExpire(t *testing.T) {
	f := newFixture(t, nil)
	pair := map[string]string{"email": "late@example.com", "phone": "+445550100"}
	want(t, f.post("/v2/new-credentials", pair), http.StatusOK, "new-credentials")
	e, s := codeIn(t, f.mail.next(t).data), codeIn(t, f.sms.next(t).message)
	f.clock.Add(10*time.Minute + time.Second)
	creds := map[string]string{"email": pair["email"], "phone": pair["phone"], "email_code": e, "sms_code": s}
	want(t, f.post("/v2/authenticate-credentials", creds), http.StatusGone, "expired codes")

	// A verification not spent in time expires too.
	want(t, f.post("/v2/new-credentials", pair), http.StatusOK, "new-credentials")
	creds["email_code"], creds["sms_code"] = codeIn(t, f.mail.next(t).data), codeIn(t, f.sms.next(t).message)
	want(t, f.post("/v2/authenticate-credentials", creds), http.StatusOK, "verify")
	f.clock.Add(11 * time.Minute)
	want(t, f.post("/v2/generateToken", pair), http.StatusGone, "expired verification")
}

func TestWrongCodesAreLimited(t *testing.T) {
	f := newFixture(t, nil)
	pair := map[string]string{"email": "guess@example.com", "phone": "+33612345678"}
	want(t, f.post("/v2/new-credentials", pair), http.StatusOK, "new-credentials")
	e, s := codeIn(t, f.mail.next(t).data), codeIn(t, f.sms.next(t).message)
	wrong := "000000"
	if e == wrong {
		wrong = "111111"
	}
	creds := map[string]string{"email": pair["email"], "phone": pair["phone"], "email_code": wrong, "sms_code": s}
	for i := 1; i <= 4; i++ {
		want(t, f.post("/v2/authenticate-credentials", creds), http.StatusUnauthorized, "wrong code")
	}
	want(t, f.post("/v2/authenticate-credentials", creds), http.StatusTooManyRequests, "fifth wrong code")
	creds["email_code"] = e
	want(t, f.post("/v2/authenticate-credentials", creds), http.StatusTooManyRequests, "right codes after the limit")

	// New codes start over, once the resend interval has passed.
	a := f.post("/v2/new-credentials", pair)
	want(t, a, http.StatusTooManyRequests, "new codes too soon")
	if a.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	f.clock.Add(31 * time.Second)
	want(t, f.post("/v2/new-credentials", pair), http.StatusOK, "new codes")
	creds["email_code"], creds["sms_code"] = codeIn(t, f.mail.next(t).data), codeIn(t, f.sms.next(t).message)
	want(t, f.post("/v2/authenticate-credentials", creds), http.StatusOK, "new codes work")
}

func TestCredentialValidation(t *testing.T) {
	f := newFixture(t, nil)
	for _, p := range []map[string]string{
		{"phone": "+15550100"},
		{"email": "a@example.com"},
		{"email": "not an email", "phone": "+15550100"},
		{"email": "Eve <eve@example.com>", "phone": "+15550100"},
		{"email": "a@example.com\r\nBcc: x@example.com", "phone": "+15550100"},
		{"email": "a@example.com", "phone": "5550100"},
		{"email": "a@example.com", "phone": "+1555abc0100"},
	} {
		want(t, f.post("/v2/new-credentials", p), http.StatusBadRequest, "new-credentials "+p["email"]+" "+p["phone"])
	}
	want(t, f.post("/v2/authenticate-credentials", map[string]string{"email": "a@example.com", "phone": "+15550100", "email_code": "1"}),
		http.StatusBadRequest, "sms_code missing")
	want(t, f.post("/v2/authenticate-credentials", map[string]string{"email": "a@example.com", "phone": "+15550100", "email_code": "123456", "sms_code": "123456"}),
		http.StatusNotFound, "no codes sent")
	want(t, f.post("/v2/generateToken", map[string]string{"email": "a@example.com"}), http.StatusBadRequest, "generateToken without phone")
	want(t, f.post("/v2/new-credentials", map[string]any{"email": true}), http.StatusBadRequest, "not a string")
	want(t, f.post("/v2/new-credentials", []byte("{")), http.StatusBadRequest, "not JSON")
}

func TestDeliveryFailures(t *testing.T) {
	pair := map[string]string{"email": "ops@example.com", "phone": "+15550100"}

	// SMTP down: nothing listens where it should.
	down := newFixture(t, func(c *facenition.Config) { c.SMTP.Addr = "127.0.0.1:1" })
	want(t, down.post("/v2/new-credentials", pair), http.StatusBadGateway, "SMTP down")
	if strings.Contains(down.logs.String(), `"level":"ERROR"`) == false {
		t.Fatal("the failed delivery was not logged")
	}

	// SMTP refuses the login.
	wrongPass := newFixture(t, func(c *facenition.Config) { c.SMTP.Password = "nope" })
	want(t, wrongPass.post("/v2/new-credentials", pair), http.StatusBadGateway, "SMTP auth refused")

	// SMTP without STARTTLS when TLS is required.
	noTLS := newFixture(t, func(c *facenition.Config) { c.SMTP.RequireTLS = true })
	want(t, noTLS.post("/v2/new-credentials", pair), http.StatusBadGateway, "no STARTTLS")

	// The SMS provider fails; a retry may follow at once, and works.
	f := newFixture(t, nil)
	f.sms.fail.Store(true)
	want(t, f.post("/v2/new-credentials", pair), http.StatusBadGateway, "SMS down")
	f.mail.next(t) // the email went out before the SMS failed
	f.sms.fail.Store(false)
	want(t, f.post("/v2/new-credentials", pair), http.StatusOK, "retry")

	// Nothing configured, and not in development mode: no codes at all.
	none := newFixture(t, func(c *facenition.Config) { c.SMTP.Addr, c.SMS.URL = "", "" })
	want(t, none.post("/v2/new-credentials", pair), http.StatusBadGateway, "no delivery configured")
	smsOnly := newFixture(t, func(c *facenition.Config) { c.SMTP.Addr, c.DevLogCodes = "", true })
	want(t, smsOnly.post("/v2/new-credentials", pair), http.StatusBadGateway, "SMS but no SMTP, even in development mode")
	if strings.Contains(smsOnly.logs.String(), "email_code") {
		t.Fatal("codes logged while a channel is configured")
	}
}

func TestDevelopmentModeLogsCodes(t *testing.T) {
	f := newFixture(t, func(c *facenition.Config) { c.SMTP.Addr, c.SMS.URL, c.DevLogCodes = "", "", true })
	pair := map[string]string{"email": "me@example.com", "phone": "+15550100"}
	want(t, f.post("/v2/new-credentials", pair), http.StatusOK, "new-credentials")
	logs := f.logs.String()
	code := func(key string) string {
		i := strings.Index(logs, `"`+key+`":"`)
		if i < 0 {
			t.Fatalf("no %s in the log: %s", key, logs)
		}
		return logs[i+len(key)+4 : i+len(key)+10]
	}
	creds := map[string]string{"email": pair["email"], "phone": pair["phone"], "email_code": code("email_code"), "sms_code": code("sms_code")}
	want(t, f.post("/v2/authenticate-credentials", creds), http.StatusOK, "codes from the log")
	want(t, f.post("/v2/generateToken", pair), http.StatusOK, "token")
}

func TestAccuracy(t *testing.T) {
	photos(t)
	f := newFixture(t, nil)
	auth := []string{"X-Auth-Token", f.v1Token()}
	for _, bad := range []string{"0", "9", "-1", "high", "4.5"} {
		want(t, f.post("/generate", multipartForm("user_id", "alice", "accuracy", bad, "image", alice), auth...), http.StatusBadRequest, "accuracy "+bad)
		want(t, f.post("/match", map[string]any{"accuracy": bad, "image": []string{b64(alice), b64(bob)}}, auth...), http.StatusBadRequest, "match accuracy "+bad)
	}
	a := f.post("/generate", multipartForm("user_id", "alice", "accuracy", "5", "image", alice), auth...)
	want(t, a, http.StatusOK, "generate at 5")
	if a.body["accuracy"] != 5.0 {
		t.Fatalf("%v", a.body)
	}
	// The accuracy of generate is required at authenticate.
	for _, acc := range []any{nil, 4, 6} {
		body := map[string]any{"user_id": "alice", "image": b64(aliceAgain)}
		if acc != nil {
			body["accuracy"] = acc
		}
		a = f.post("/authenticate", body, auth...)
		want(t, a, http.StatusConflict, "authenticate at another accuracy")
		if !strings.Contains(a.str("error"), "accuracy 5") {
			t.Fatalf("%v", a.body)
		}
	}
	a = f.post("/authenticate", map[string]any{"user_id": "alice", "accuracy": 5, "image": b64(aliceAgain)}, auth...)
	want(t, a, http.StatusOK, "authenticate at 5")
	if a.body["authenticated"] != true || a.body["accuracy"] != 5.0 {
		t.Fatalf("%v", a.body)
	}
	// The accuracy moves the threshold, not the score: level N's
	// threshold is 60 + 5N % on the similarity scale (docs/scores.md).
	for acc := 1; acc <= 8; acc++ {
		a := f.post("/match", multipartForm("accuracy", strconv.Itoa(acc), "image", alice, "image", aliceAgain), auth...)
		want(t, a, http.StatusOK, "match at "+strconv.Itoa(acc))
		sim := a.body["similarity"].(float64)
		if threshold := float64(60 + 5*acc); (a.body["match"] == true) != (sim >= threshold) && math.Abs(sim-threshold) > 0.01 {
			t.Fatalf("accuracy %d: %v", acc, a.body)
		}
	}
}

func TestFaceErrors(t *testing.T) {
	photos(t)
	f := newFixture(t, nil)
	auth := []string{"X-Auth-Token", f.v1Token()}
	a := f.post("/generate", multipartForm("user_id", "nobody", "image", blank()), auth...)
	want(t, a, http.StatusBadRequest, "no face")
	if !strings.Contains(a.str("error"), "face") {
		t.Fatalf("%v", a.body)
	}
	want(t, f.post("/generate", multipartForm("user_id", "x"), auth...), http.StatusBadRequest, "no image")
	want(t, f.post("/generate", multipartForm("image", alice), auth...), http.StatusBadRequest, "no user_id")
	want(t, f.post("/generate", map[string]any{"user_id": "x", "image": "not base64!"}, auth...), http.StatusBadRequest, "bad base64")
	want(t, f.post("/generate", map[string]any{"user_id": "x", "image": b64([]byte("not an image"))}, auth...), http.StatusBadRequest, "not an image")
	want(t, f.post("/generate", map[string]any{"user_id": "x", "image": []any{1}}, auth...), http.StatusBadRequest, "image not a string")
	want(t, f.post("/generate", multipartForm("user_id", "x", "image", alice, "image", bob), auth...), http.StatusBadRequest, "two people")
	want(t, f.post("/generate", []byte("user_id=x"), append(auth, "Content-Type", "text/plain")...), http.StatusBadRequest, "text/plain")

	want(t, f.post("/generate", multipartForm("user_id", "alice", "image", alice), auth...), http.StatusOK, "generate")
	a = f.post("/generate", multipartForm("user_id", "alice", "image", aliceAgain), auth...)
	want(t, a, http.StatusConflict, "user_id taken")
	if strings.Contains(a.str("error"), "app") {
		t.Fatalf("the message names Visage's internals: %v", a.body)
	}

	want(t, f.post("/authenticate", map[string]any{"user_id": "alice", "image": b64(blank())}, auth...), http.StatusBadRequest, "authenticate, no face")
	want(t, f.post("/authenticate", map[string]any{"user_id": "alice", "image": []string{b64(alice), b64(alice)}}, auth...), http.StatusBadRequest, "authenticate, two images")
	want(t, f.post("/authenticate", map[string]any{"user_id": "carol", "image": b64(alice)}, auth...), http.StatusNotFound, "authenticate, unknown user")
	want(t, f.post("/authenticate", map[string]any{"image": b64(alice)}, auth...), http.StatusBadRequest, "authenticate, no user_id")
	want(t, f.post("/match", multipartForm("image", alice), auth...), http.StatusBadRequest, "match, one image")
	want(t, f.post("/match", multipartForm("image", alice, "image", blank()), auth...), http.StatusBadRequest, "match, no face")
}

func TestLimits(t *testing.T) {
	f := newFixture(t, func(c *facenition.Config) { c.MaxBody = 1 << 10; c.Plan = "tiny"; c.RequireVerifiedTokens = true })
	want(t, f.post("/v1/generateToken", nil), http.StatusForbidden, "v1 tokens turned off")
	want(t, f.post("/generateToken", nil), http.StatusForbidden, "unversioned tokens turned off")
	big := `{"email": "` + strings.Repeat("a", 2000) + `@example.com", "phone": "+15550100"}`
	a := f.post("/v2/new-credentials", []byte(big))
	want(t, a, http.StatusBadRequest, "body over the limit")
	b := f.post("/v2/new-credentials", io.MultiReader(strings.NewReader(big)))
	want(t, b, http.StatusBadRequest, "chunked body over the limit")
	if !strings.Contains(a.str("error"), "limit") || !strings.Contains(b.str("error"), "limit") {
		t.Fatalf("%v %v", a.body, b.body)
	}

	// Plans apply as on the native API: "tiny" allows 2 calls a minute.
	g := newFixture(t, func(c *facenition.Config) { c.Plan = "tiny" })
	auth := []string{"X-Auth-Token", g.v1Token()}
	for i := 0; i < 2; i++ {
		a = g.post("/delete", map[string]string{"user_id": "x"}, auth...)
		want(t, a, http.StatusNotFound, "within the plan")
		if a.header.Get("RateLimit-Limit") != "2" || a.header.Get("RateLimit-Remaining") != strconv.Itoa(1-i) {
			t.Fatalf("RateLimit headers: %v", a.header)
		}
	}
	a = g.post("/delete", map[string]string{"user_id": "x"}, auth...)
	want(t, a, http.StatusTooManyRequests, "over the plan")
	if a.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

// Facenition has no PINs, but a face can be given one elsewhere (the
// widget, the native API): authenticate then needs it, in the field pin,
// as a login would.
func TestAuthenticateNeedsTheFacesPIN(t *testing.T) {
	photos(t)
	f := newFixture(t, nil)
	tok := f.post("/generateToken", nil).str("token")
	auth := []string{"X-Auth-Token", tok}
	want(t, f.post("/generate", multipartForm("user_id", "alice", "image", alice), auth...), http.StatusOK, "generate")
	ctx := context.Background()
	app, err := f.svc.AppForKey(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	face, err := f.svc.FaceByExternalID(ctx, app, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetPIN(ctx, app, face.ID, "2468"); err != nil {
		t.Fatal(err)
	}
	want(t, f.post("/v1/authenticate", map[string]any{"user_id": "alice", "image": b64(aliceAgain)}, auth...), http.StatusForbidden, "authenticate without the PIN")
	a := f.post("/v1/authenticate", map[string]any{"user_id": "alice", "image": b64(aliceAgain), "pin": "2468"}, auth...)
	want(t, a, http.StatusOK, "authenticate with the PIN")
	if a.body["authenticated"] != true {
		t.Fatalf("authenticate with the PIN: %v", a.body)
	}
}

// new-credentials sends mail and SMS to addresses its caller chooses:
// it is a sign-up, closed unless the operator opens it (to everyone or to
// some email domains), and what it sends is bounded per client address,
// per destination and overall, each answered 429 with Retry-After.
func TestNewCredentialsLimits(t *testing.T) {
	pair := func(i int, email string) map[string]string {
		if email == "" {
			email = fmt.Sprintf("user%d@example.com", i)
		}
		return map[string]string{"email": email, "phone": fmt.Sprintf("+1555%07d", i)}
	}
	sends := func(f *fixture, n int, pairOf func(i int) map[string]string) (sent int) {
		t.Helper()
		for i := range n {
			a := f.post("/v2/new-credentials", pairOf(i))
			switch {
			case a.status == http.StatusOK:
				sent++
			case a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "":
				t.Fatalf("new-credentials %d: %d %v %v, want 200 or 429 with Retry-After", i, a.status, a.header, a.body)
			}
		}
		if len(f.mail.msgs) != sent || len(f.sms.msgs) != sent {
			t.Fatalf("%d answered sent, but %d emails and %d SMS went out", sent, len(f.mail.msgs), len(f.sms.msgs))
		}
		return sent
	}

	closed := newFixture(t, func(c *facenition.Config) { c.OpenSignup, c.SignupDomains = false, []string{"company.com"} })
	want(t, closed.post("/v2/new-credentials", pair(1, "someone@elsewhere.com")), http.StatusForbidden, "an email of a domain the server does not take")
	want(t, closed.post("/v2/new-credentials", pair(2, "dev@Company.com")), http.StatusOK, "an email of a domain it takes")

	if sent := sends(newFixture(t, nil), 60, func(i int) map[string]string { return pair(i, "") }); sent != facenition.DefaultCodesPerClient {
		t.Errorf("60 pairs from one client: %d sent, want %d", sent, facenition.DefaultCodesPerClient)
	}
	samePhone := newFixture(t, func(c *facenition.Config) { c.CodesPerClient = 100 })
	if sent := sends(samePhone, 6, func(i int) map[string]string {
		return map[string]string{"email": fmt.Sprintf("u%d@example.com", i), "phone": "+15550100123"}
	}); sent != facenition.DefaultCodesPerDestination {
		t.Errorf("6 emails with one phone: %d sent, want %d", sent, facenition.DefaultCodesPerDestination)
	}
	overall := newFixture(t, func(c *facenition.Config) { c.CodesPerClient, c.CodesPerHour = 100, 4 })
	if sent := sends(overall, 6, func(i int) map[string]string { return pair(i, "") }); sent != 4 {
		t.Errorf("over the server's hourly budget of 4: %d sent", sent)
	}
}
