package faceio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/dialect/faceio"
)

// ways are every way a FACEIO client may call: GET or POST, the
// parameters in the query string or in a urlencoded, multipart or JSON
// body, the key in WWW-Authenticate or as the key parameter.
func ways() []call {
	var out []call
	for _, m := range []string{"GET", "POST"} {
		for _, enc := range []string{"query", "form", "multipart", "json"} {
			for _, keyIn := range []string{"header", "param"} {
				out = append(out, call{method: m, enc: enc, keyIn: keyIn})
			}
		}
	}
	return out
}

func (c call) String() string {
	return c.method + " " + c.endpoint + " (" + c.enc + ", key in " + c.keyIn + ")"
}

func TestEveryEndpointEveryWay(t *testing.T) {
	f := newFixture(t)
	app, key := f.app("pro")
	fid := f.enroll(app)
	for i, w := range ways() {
		w.key = key

		c := w
		c.endpoint, c.params = "checkfacialid", map[string]any{"fid": fid}
		expect(t, c.String(), f.do(c), 200, map[string]any{"valid": true})

		c.endpoint, c.params = "setfacialidpayload", map[string]any{"fid": fid, "payload": map[string]any{"n": i}}
		expect(t, c.String(), f.do(c), 200, map[string]any{"payload": true})
		if got := string(f.face(app, fid).Payload); got != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("%s: stored payload %s", c, got)
		}

		pin := strings.Repeat("7", 4+i%13) // 4 to 16 digits
		c.endpoint, c.params = "setfacialidpincode", map[string]any{"fid": fid, "pin": pin}
		expect(t, c.String(), f.do(c), 200, map[string]any{"payload": true})

		c.endpoint, c.params = "stat", nil
		a := f.do(c)
		expect(t, c.String(), a, 200, map[string]any{"total_indexed_faces": 1})
		// The previous call may still be being counted after its answer.
		if n, ok := a.body["total_api_calls"].(float64); !ok || n < float64(4*i+2) {
			t.Errorf("%s: total_api_calls %v after %d calls", c, a.body["total_api_calls"], 4*i+3)
		}
		if ids, _ := a.body["last_indexed_faces"].([]any); !slices.Contains(ids, any(fid)) {
			t.Errorf("%s: last_indexed_faces %v lacks %s", c, a.body["last_indexed_faces"], fid)
		}

		for _, ep := range []string{"about", "status"} {
			c.endpoint, c.keyIn = ep, ""
			a := f.do(c)
			expect(t, c.String(), a, 200, nil)
			if p, _ := a.body["payload"].(string); p == "" {
				t.Errorf("%s: payload %v, want a message", c, a.body["payload"])
			}
		}
	}
	// Deletion last, a face of its own each way: it is gone from the
	// store and from the gallery (stat's count) at the answer.
	for _, w := range ways() {
		gone := f.enroll(app)
		w.key, w.endpoint, w.params = key, "deletefacialid", map[string]any{"fid": gone}
		expect(t, w.String(), f.do(w), 200, map[string]any{"payload": true})
		if f.face(app, gone) != nil {
			t.Errorf("%s: the face is still there", w)
		}
	}
	a := f.do(call{method: "GET", endpoint: "stat", keyIn: "param", key: key})
	expect(t, "stat after deletions", a, 200, map[string]any{"total_indexed_faces": 1})
}

// The payload and the PIN set through FACEIO are what authentication of
// that person then uses.
func TestPayloadAndPINReachAuthentication(t *testing.T) {
	f := newFixture(t)
	app, key := f.app("pro")
	fid := f.enroll(app)
	ctx := context.Background()

	for payload, stored := range map[string]string{`{"user": 42}`: `{"user":42}`, "plain text": `"plain text"`, "7": "7"} {
		a := f.do(call{method: "POST", endpoint: "setfacialidpayload", enc: "form", keyIn: "param", key: key,
			params: map[string]any{"fid": fid, "payload": payload}})
		expect(t, "payload "+payload, a, 200, map[string]any{"payload": true})
		rec, err := f.svc.Authenticate(ctx, app, f.photo, "")
		if err != nil || string(rec.Payload) != stored {
			t.Fatalf("payload %q: authenticated with %v, %v; want %s", payload, rec, err, stored)
		}
	}

	a := f.do(call{method: "POST", endpoint: "setfacialidpincode", enc: "json", keyIn: "header", key: key,
		params: map[string]any{"fid": fid, "pin": 90210}}) // a JSON number, as FACEIO types the pin
	expect(t, "pin as a number", a, 200, map[string]any{"payload": true})
	if _, err := f.svc.Authenticate(ctx, app, f.photo, ""); visage.ErrorCode(err) != visage.CodePINRequired {
		t.Errorf("without the PIN: %v, want PIN_REQUIRED", err)
	}
	if _, err := f.svc.Authenticate(ctx, app, f.photo, "90210"); err != nil {
		t.Errorf("with the PIN: %v", err)
	}
}

func TestKeyErrors(t *testing.T) {
	f := newFixture(t)
	app, key := f.app("pro")
	fid := f.enroll(app)
	revoked, k, err := f.svc.CreateKey(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeKey(context.Background(), app.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	flags := map[string]string{"deletefacialid": "payload", "checkfacialid": "valid",
		"setfacialidpayload": "payload", "setfacialidpincode": "payload", "stat": ""}
	params := map[string]any{"fid": fid, "payload": "x", "pin": "1234"}
	for ep, flag := range flags {
		for _, bad := range []call{
			{keyIn: ""}, {keyIn: "param", key: ""}, {keyIn: "header", key: ""},
			{keyIn: "param", key: "vsk_notakeynotakeynotakeynotakeyno"}, {keyIn: "header", key: "0123456789abcdef"},
			{keyIn: "param", key: revoked}, {keyIn: "header", key: revoked},
		} {
			for _, m := range []string{"GET", "POST"} {
				bad.method, bad.endpoint, bad.enc, bad.params = m, ep, "query", params
				if m == "POST" {
					bad.enc = "form"
				}
				want := map[string]any{}
				if flag != "" {
					want[flag] = false
				}
				expect(t, bad.String()+" key "+bad.key, f.do(bad), 401, want)
			}
		}
	}
	if f.face(app, fid) == nil || f.face(app, fid).Payload != nil {
		t.Error("a refused call changed the face")
	}
	// The native API's header works too, and a valid header beats a bad
	// parameter.
	req, _ := http.NewRequest("GET", f.base+"/checkfacialid?key=vsk_wrongwrongwrongwrongwrong&fid="+fid, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	expect(t, "Authorization header", f.send(req), 200, map[string]any{"valid": true})
}

func TestFacialIDErrors(t *testing.T) {
	f := newFixture(t)
	app, key := f.app("pro")
	other, otherKey := f.app("pro")
	mine, theirs := f.enroll(app), f.enroll(other)

	cases := map[string]map[string]any{
		"deletefacialid":     {"payload": false},
		"checkfacialid":      {"valid": false},
		"setfacialidpayload": {"payload": false},
		"setfacialidpincode": {"payload": false},
	}
	for ep, want := range cases {
		for _, m := range []string{"GET", "POST"} {
			c := call{method: m, endpoint: ep, enc: "json", keyIn: "param", key: key}
			for _, fid := range []string{"00000000-0000-4000-8000-000000000000", "not-a-uuid", theirs} {
				c.params = map[string]any{"fid": fid, "payload": "x", "pin": "1234"}
				expect(t, c.String()+" fid "+fid, f.do(c), 404, want)
			}
			c.params = map[string]any{"payload": "x", "pin": "1234"}
			expect(t, c.String()+" without fid", f.do(c), 400, want)
		}
	}
	// The other app's face is untouched; its own key sees it.
	if fc := f.face(other, theirs); fc == nil || fc.Payload != nil || fc.PINHash != nil {
		t.Errorf("the other app's face was changed: %+v", fc)
	}
	a := f.do(call{method: "GET", endpoint: "checkfacialid", keyIn: "header", key: otherKey, params: map[string]any{"fid": theirs}})
	expect(t, "own app's face", a, 200, map[string]any{"valid": true})
	// FACEIO's page also names the parameter facialid.
	a = f.do(call{method: "GET", endpoint: "checkfacialid", keyIn: "header", key: key, params: map[string]any{"facialid": mine}})
	expect(t, "facialid alias", a, 200, map[string]any{"valid": true})
}

func TestParameterErrors(t *testing.T) {
	f := newFixture(t)
	app, key := f.app("pro")
	fid := f.enroll(app)
	pinCall := func(pin any, enc string) answer {
		return f.do(call{method: "POST", endpoint: "setfacialidpincode", enc: enc, keyIn: "header", key: key,
			params: map[string]any{"fid": fid, "pin": pin}})
	}
	for _, pin := range []any{"", "123", "12345678901234567", "12a4", "-1234", " 1234", "１２３４", 123, 12.5} {
		for _, enc := range []string{"query", "json"} {
			expect(t, fmt.Sprintf("pin %q (%s)", pin, enc), pinCall(pin, enc), 400, map[string]any{"payload": false})
		}
	}
	if f.face(app, fid).PINHash != nil {
		t.Error("a refused PIN was set")
	}
	for _, pin := range []string{"0000", "0123456789012345"} {
		expect(t, "pin "+pin, pinCall(pin, "form"), 200, map[string]any{"payload": true})
	}

	payloadCall := func(payload any, enc string) answer {
		return f.do(call{method: "POST", endpoint: "setfacialidpayload", enc: enc, keyIn: "param", key: key,
			params: map[string]any{"fid": fid, "payload": payload}})
	}
	big := strings.Repeat("x", 17<<10)
	for _, enc := range []string{"form", "multipart", "json"} {
		expect(t, "payload over 16 KB "+enc, payloadCall(big, enc), 400, map[string]any{"payload": false})
		expect(t, "payload missing "+enc, payloadCall("", enc), 400, map[string]any{"payload": false})
	}
	expect(t, "payload of 16 KB", payloadCall(strings.Repeat("x", 16<<10-2), "form"), 200, map[string]any{"payload": true})
	expect(t, "binary payload", payloadCall("\xff\xfe", "multipart"), 400, map[string]any{"payload": false})

	// Bodies: over 1 MiB, not JSON, an unknown type.
	for name, body := range map[string]struct{ ctype, body string }{
		"over 1 MiB":    {"application/x-www-form-urlencoded", "fid=" + fid + "&payload=" + strings.Repeat("x", 1<<20)},
		"bad JSON":      {"application/json", `{"fid": `},
		"JSON array":    {"application/json", `["fid"]`},
		"text/plain":    {"text/plain", "fid=" + fid},
		"bad multipart": {"multipart/form-data; boundary=zz", "garbage"},
	} {
		req, _ := http.NewRequest("POST", f.base+"/setfacialidpayload?key="+key, strings.NewReader(body.body))
		req.Header.Set("Content-Type", body.ctype)
		expect(t, name, f.send(req), 400, map[string]any{"payload": false})
	}
	// A parameter in the body wins over the query's.
	req, _ := http.NewRequest("POST", f.base+"/checkfacialid?key="+key+"&fid=nope", strings.NewReader("fid="+fid))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	expect(t, "body over query", f.send(req), 200, map[string]any{"valid": true})
}

func TestMethodsAndPaths(t *testing.T) {
	f := newFixture(t)
	_, key := f.app("pro")
	flags := map[string]string{"deletefacialid": "payload", "checkfacialid": "valid", "setfacialidpayload": "payload",
		"setfacialidpincode": "payload", "stat": "", "about": "", "status": ""}
	for ep, flag := range flags {
		for _, m := range []string{"PUT", "DELETE", "PATCH", "OPTIONS"} {
			a := f.do(call{method: m, endpoint: ep, keyIn: "param", key: key})
			want := map[string]any{}
			if flag != "" {
				want[flag] = false
			}
			expect(t, m+" "+ep, a, 405, want)
			if a.header.Get("Allow") != "GET, POST" {
				t.Errorf("%s %s: Allow %q", m, ep, a.header.Get("Allow"))
			}
		}
	}
	for _, path := range []string{"", "nope", "v1/faces", "stat/extra"} {
		expect(t, "/"+path, f.do(call{method: "GET", endpoint: path, keyIn: "param", key: key}), 404, nil)
	}
	// Commands are matched without case or trailing slash.
	expect(t, "/STAT/", f.do(call{method: "GET", endpoint: "STAT/", keyIn: "param", key: key}), 200, nil)
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	app, key := f.app("free") // two calls a minute
	fid := f.enroll(app)
	c := call{method: "GET", endpoint: "checkfacialid", keyIn: "param", key: key, params: map[string]any{"fid": fid}}
	for i := range 2 {
		expect(t, fmt.Sprint("call ", i+1), f.do(c), 200, map[string]any{"valid": true})
	}
	for _, ep := range []string{"checkfacialid", "stat"} {
		c.endpoint = ep
		a := f.do(c)
		want := map[string]any{}
		if ep == "checkfacialid" {
			want["valid"] = false
		}
		expect(t, "over the limit "+ep, a, 429, want)
		if a.header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", ep)
		}
	}
	// The dialect's calls and the native API's share the app's budget:
	// the service refuses the app now.
	if _, err := f.svc.Admit(context.Background(), app); visage.ErrorCode(err) != visage.CodeRateLimit {
		t.Errorf("service.Admit after the dialect's refusal: %v", err)
	}
	// about and status need no key and count against no plan.
	expect(t, "about", f.do(call{method: "GET", endpoint: "about", keyIn: "param", key: key}), 200, nil)
}

func TestStatusReportsAnUnreachableStore(t *testing.T) {
	f := newFixture(t)
	down := serve(t, faceio.New(f.svc, faceio.Config{Logger: quiet, Ready: func(context.Context) error { return errors.New("disk gone") }}))
	for _, m := range []string{"GET", "POST"} {
		req, _ := http.NewRequest(m, down+"/status", nil)
		a := f.send(req)
		expect(t, m+" status", a, 500, nil)
		if _, ok := a.body["payload"]; ok || bytes.Contains([]byte(fmt.Sprint(a.body)), []byte("disk gone")) {
			t.Errorf("%s status: %v (the cause belongs in the log, not the answer)", m, a.body)
		}
	}
}

// The answers read as FACEIO's: the status first.
func TestStatusFirst(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.base + "/about")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	if !bytes.HasPrefix(raw, []byte(`{"status":200,`)) {
		t.Errorf("about: %s", raw)
	}
}
