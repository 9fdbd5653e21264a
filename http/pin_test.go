package http_test

import (
	"context"
	"sync"
	"testing"

	"github.com/visagehq/visage/internal/testface"
)

// Sixteen wrong PINs sent at once: the PIN is checked three times at
// most, as when they come one by one — each request claims its check in
// the store before making it — and the right PIN is refused afterwards.
func TestPINsSentAtOnce(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	app, err := s.svc.CreateApp(ctx, "pins", "enterprise")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := s.svc.CreateKey(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	st, body := s.call("POST", "/v1/enroll", key, map[string]string{"image": b64(testface.Person(t, 5, 0, 0)), "pin": "4321"})
	if st != 201 {
		t.Fatalf("enroll: %d %v", st, body)
	}
	id := body["facial_id"].(string)
	probe := b64(testface.Person(t, 5, 0, 20))

	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_, body := s.call("POST", "/v1/authenticate", key, map[string]string{"image": probe, "pin": "0000"})
			mu.Lock()
			codes[codeOf(body)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	f, err := s.svc.Face(ctx, app, id)
	if err != nil {
		t.Fatal(err)
	}
	if f.PINFailures != 3 || codes["WRONG_PIN_CODE"] != 2 || codes["PIN_LOCKED"] != 14 {
		t.Errorf("16 wrong PINs at once: answers %v, %d checked; want 2 WRONG_PIN_CODE, 14 PIN_LOCKED, 3 checked", codes, f.PINFailures)
	}
	if st, body := s.call("POST", "/v1/authenticate", key, map[string]string{"image": probe, "pin": "4321"}); st != 429 || codeOf(body) != "PIN_LOCKED" {
		t.Errorf("the right PIN after the lock: %d %v, want 429 PIN_LOCKED", st, body)
	}
}

// Verify names the person it matches, so a face with a PIN needs it, as
// authenticate does; one that does not match is answered without it.
func TestVerifyNeedsThePIN(t *testing.T) {
	s := newServer(t)
	alice := b64(testface.Person(t, 5, 0, 0))
	st, body := s.call("POST", "/v1/enroll", s.keyA, map[string]string{"image": alice, "pin": "4321"})
	if st != 201 {
		t.Fatalf("enroll: %d %v", st, body)
	}
	id := body["facial_id"].(string)
	probe := b64(testface.Person(t, 5, 0, 20))
	if st, body := s.call("POST", "/v1/verify", s.keyA, map[string]string{"image": probe, "facial_id": id}); st != 401 || codeOf(body) != "PIN_REQUIRED" {
		t.Errorf("verify without the PIN: %d %v, want 401 PIN_REQUIRED", st, body)
	}
	if st, body := s.call("POST", "/v1/verify", s.keyA, map[string]string{"image": probe, "facial_id": id, "pin": "0000"}); st != 401 || codeOf(body) != "WRONG_PIN_CODE" {
		t.Errorf("verify with a wrong PIN: %d %v, want 401 WRONG_PIN_CODE", st, body)
	}
	if st, body := s.call("POST", "/v1/verify", s.keyA, map[string]string{"image": probe, "facial_id": id, "pin": "4321"}); st != 200 || body["match"] != true {
		t.Errorf("verify with the PIN: %d %v, want a match", st, body)
	}
	other := b64(testface.Person(t, 5, 2, 0))
	if st, body := s.call("POST", "/v1/verify", s.keyA, map[string]string{"image": other, "facial_id": id}); st != 200 || body["match"] != false {
		t.Errorf("verify of someone else: %d %v, want no match", st, body)
	}
}
