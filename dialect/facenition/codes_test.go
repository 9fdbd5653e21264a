package facenition

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/internal/testredis"
)

var t0 = time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC)

// Codes sent by one replica are checked by another, which the secret
// they share makes possible; a verification is spent once, wherever.
func TestCodeBookAcrossReplicas(t *testing.T) {
	testredis.Each(t, 2, func(t *testing.T, shared []cluster.State) {
		ctx, key := context.Background(), secret("the deployment's secret")
		a := &codeBook{shared: shared[0], secret: key, ttl: 10 * time.Minute}
		b := &codeBook{shared: shared[1], secret: key, ttl: 10 * time.Minute}
		const pair = "ann@example.com\n+15550100"

		sent, wait, err := a.issue(ctx, pair, "123456", "654321", t0, 30*time.Second)
		if err != nil || sent == nil || wait != 0 {
			t.Fatalf("issue: %v %v %v", sent, wait, err)
		}
		if sent, wait, err := b.issue(ctx, pair, "000000", "000000", t0.Add(10*time.Second), 30*time.Second); err != nil || sent != nil || wait != 20*time.Second {
			t.Fatalf("resent through the other replica 10 s later: %v %v %v", sent, wait, err)
		}
		check := func(book *codeBook, email, sms string, at time.Duration, want outcome, wantLeft int) {
			t.Helper()
			res, left, err := book.check(ctx, pair, email, sms, t0.Add(at), 3)
			if err != nil || res != want || left != wantLeft {
				t.Fatalf("check %s %s: %v %d %v, want %v %d", email, sms, res, left, err, want, wantLeft)
			}
		}
		check(b, "123456", "000000", time.Minute, wrong, 2)
		check(a, "000000", "654321", time.Minute, wrong, 1)
		check(b, "123456", "654321", time.Minute, accepted, 0)
		check(a, "123456", "654321", time.Minute, unknown, 0) // spent

		use := func(book *codeBook, want outcome) {
			t.Helper()
			res, err := book.useVerification(ctx, pair, t0.Add(2*time.Minute))
			if err != nil || res != want {
				t.Fatalf("use: %v %v, want %v", res, err, want)
			}
		}
		use(a, accepted)
		use(b, unknown)

		// Codes not delivered are withdrawn, on any replica.
		sent, _, err = b.issue(ctx, pair, "111111", "222222", t0.Add(3*time.Minute), 30*time.Second)
		if err != nil || sent == nil {
			t.Fatalf("issue again: %v %v", sent, err)
		}
		if err := a.withdraw(ctx, pair, sent, t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		check(b, "111111", "222222", 3*time.Minute, unknown, 0)
		// A replica without the secret cannot check the codes.
		if _, _, err := a.issue(ctx, pair, "333333", "444444", t0.Add(4*time.Minute), 30*time.Second); err != nil {
			t.Fatal(err)
		}
		stranger := &codeBook{shared: shared[1], secret: secret("another secret"), ttl: 10 * time.Minute}
		if res, _, err := stranger.check(ctx, pair, "333333", "444444", t0.Add(4*time.Minute), 3); err != nil || res != unknown {
			t.Fatalf("checked without the secret: %v %v", res, err)
		}
		check(b, "333333", "444444", 4*time.Minute, accepted, 0)
	})
}

// What new-credentials sends is bounded across the replicas, and a
// ticket given back is as if never taken.
func TestSendLimitsAcrossReplicas(t *testing.T) {
	testredis.Each(t, 2, func(t *testing.T, shared []cluster.State) {
		ctx, key := context.Background(), secret("the deployment's secret")
		cfg := &Config{CodesPerClient: 3, CodesPerDestination: 2, CodesPerHour: 100}
		replicas := []*sendLimits{newSendLimits(cfg, shared[0], key), newSendLimits(cfg, shared[1], key)}
		r := httptest.NewRequest("POST", "/v2/new-credentials", nil)
		p := pair{email: "ann@example.com", phone: "+15550100"}

		_, t1, err := replicas[0].take(ctx, r, p, t0)
		if err != nil || t1 == nil {
			t.Fatalf("first: %v %v", t1, err)
		}
		t1.cancel(ctx)
		for i, l := range replicas {
			if _, ticket, err := l.take(ctx, r, p, t0); err != nil || ticket == nil {
				t.Fatalf("sending %d: %v %v", i+1, ticket, err)
			}
		}
		wait, ticket, err := replicas[0].take(ctx, r, p, t0)
		if err != nil || ticket != nil || wait != 12*time.Hour {
			t.Fatalf("a third sending to the same email the same day: %v %v %v", wait, ticket, err)
		}
		// Refused for the email, the request spent nothing else: the
		// client has its third sending, to other addresses, and no more.
		p = pair{email: "bob@example.com", phone: "+15550101"}
		if _, ticket, err := replicas[1].take(ctx, r, p, t0); err != nil || ticket == nil {
			t.Fatalf("the client's third sending: %v %v", ticket, err)
		}
		p = pair{email: "cy@example.com", phone: "+15550102"}
		if wait, ticket, err := replicas[0].take(ctx, r, p, t0); err != nil || ticket != nil || wait != 20*time.Minute {
			t.Fatalf("the client's fourth sending: %v %v %v", wait, ticket, err)
		}
	})
}
