package widget_test

import (
	"net/http"
	"testing"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/internal/testredis"
	"github.com/visagehq/visage/widget"
)

// Two replicas behind one load balancer: the limits per app and per
// visitor hold across them, while each bounds only its own memory
// (MaxSessions).
func TestReplicasShareSessionLimits(t *testing.T) {
	testredis.Each(t, 2, func(t *testing.T, shared []cluster.State) {
		a := newServer(t, widget.Config{MaxSessions: 3, MaxSessionsPerApp: 4, MaxSessionsPerAddress: 2, Shared: shared[0]})
		b := serve(t, a.svc, widget.Config{MaxSessions: 3, MaxSessionsPerApp: 4, MaxSessionsPerAddress: 2, Shared: shared[1]})
		app := a.app(visage.AppSettings{})
		open := func(s *server, visitor string, want int) *client {
			t.Helper()
			c, code, m := s.open(t, app.PublicID, widget.Authenticate, nil, map[string]string{"Origin": site, "X-Forwarded-For": visitor})
			if code != want {
				t.Fatalf("%s through %s: %d %v, want %d", visitor, s.url, code, m, want)
			}
			return c
		}
		first := open(a, "203.0.113.7", http.StatusCreated)
		open(b, "203.0.113.7", http.StatusCreated)
		open(a, "203.0.113.7", http.StatusTooManyRequests) // the visitor's two are open, one on each
		open(b, "203.0.113.7", http.StatusTooManyRequests)
		open(b, "203.0.113.8", http.StatusCreated)
		open(b, "203.0.113.9", http.StatusCreated)
		open(a, "203.0.113.10", http.StatusTooManyRequests) // the app's four are open
		// Closed on its replica, a session frees its places on both.
		if code, _ := a.post("DELETE", "/widget/v1/sessions/"+first.id, map[string]string{"X-Visage-Nonce": first.nonce}, "", nil); code != http.StatusNoContent {
			t.Fatalf("closing a session: %d", code)
		}
		open(b, "203.0.113.7", http.StatusServiceUnavailable) // b holds its three: its own memory
		open(a, "203.0.113.7", http.StatusCreated)
	})
}

// A shared state that does not answer refuses sessions, 503 with
// Retry-After, rather than open them uncounted.
func TestSessionsRefusedWithoutSharedState(t *testing.T) {
	r := testredis.Replicas(t, 1)[0]
	s := newServer(t, widget.Config{Shared: r})
	app := s.app(visage.AppSettings{})
	r.Close()
	code, hdr, m := s.request("POST", "/widget/v1/sessions", map[string]string{"Origin": site}, "application/json",
		jsonBody(t, map[string]any{"public_id": app.PublicID, "operation": widget.Authenticate}))
	if code != http.StatusServiceUnavailable || errCode(m) != "TIMEOUT" {
		t.Fatalf("%d %v, want 503 TIMEOUT", code, m)
	}
	checkRetryAfter(t, hdr)
}
