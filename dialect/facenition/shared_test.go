package facenition_test

import (
	"net/http"
	"testing"

	"github.com/visagehq/visage/dialect/facenition"
	"github.com/visagehq/visage/internal/testredis"
)

// A sending budget that cannot be checked refuses, 503 with Retry-After,
// and sends nothing.
func TestNewCredentialsWithoutSharedState(t *testing.T) {
	down := testredis.Replicas(t, 1)[0]
	f := newFixture(t, func(c *facenition.Config) { c.Shared, c.Secret = down, []byte("the deployment's secret") })
	down.Close()
	a := f.post("/v2/new-credentials", map[string]string{"email": "ann@example.com", "phone": "+15550100"})
	want(t, a, http.StatusServiceUnavailable, "new-credentials without the shared state")
	if a.header.Get("Retry-After") == "" || len(f.mail.msgs) != 0 || len(f.sms.msgs) != 0 {
		t.Fatalf("Retry-After %q, %d emails and %d SMS sent", a.header.Get("Retry-After"), len(f.mail.msgs), len(f.sms.msgs))
	}
}
