package facenition

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/visagehq/visage/cluster"
)

// new-credentials sends an email and an SMS to addresses its caller
// chooses: left open, anyone could bomb a mailbox, or pump SMS to numbers
// that pay the sender per message at the operator's expense. So it is a
// sign-up, closed unless the operator opens it (to everyone, or to some
// email domains), and what it sends is bounded per client address, per
// destination and overall.

// Defaults of Config's sending limits.
const (
	DefaultCodesPerClient      = 5  // an hour, per client address
	DefaultCodesPerDestination = 3  // a day, per email and per phone
	DefaultCodesPerHour        = 60 // an hour, the whole server
)

// signupAllowed says whether the server takes this email's sign-up.
func (c *Config) signupAllowed(email string) bool {
	if c.OpenSignup {
		return true
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	return slices.ContainsFunc(c.SignupDomains, func(d string) bool { return strings.EqualFold(d, domain) })
}

// sendLimits are the budgets new-credentials spends from, in the state
// the replicas share, so that N replicas do not send N times as much.
// Addresses appear in its keys as HMACs only.
type sendLimits struct {
	shared                       cluster.State
	secret                       secret
	client, destination, overall cluster.Rate
}

func newSendLimits(c *Config, shared cluster.State, s secret) *sendLimits {
	return &sendLimits{shared: shared, secret: s,
		client:      cluster.Rate{Burst: c.CodesPerClient, Per: time.Hour},
		destination: cluster.Rate{Burst: c.CodesPerDestination, Per: 24 * time.Hour},
		overall:     cluster.Rate{Burst: c.CodesPerHour, Per: time.Hour},
	}
}

// budget is one budget a request spends from.
type budget struct {
	key  string
	rate cluster.Rate
}

// take spends one sending from every budget the request touches, or from
// none: it returns how long to wait when one is spent. A budget that
// cannot be checked refuses the request (UNAVAILABLE).
func (l *sendLimits) take(ctx context.Context, r *http.Request, p pair, now time.Time) (time.Duration, *sendTicket, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	t := &sendTicket{l: l, now: now}
	for _, b := range []budget{
		{"facenition:send:client:" + l.secret.name("client", host), l.client},
		{"facenition:send:email:" + l.secret.name("email", p.email), l.destination},
		{"facenition:send:phone:" + l.secret.name("phone", p.phone), l.destination},
		{"facenition:send:all", l.overall},
	} {
		v, err := l.shared.Take(ctx, b.key, b.rate, now)
		if err != nil {
			t.cancel(ctx)
			return 0, nil, err
		}
		if !v.Allowed {
			t.cancel(ctx)
			return max(v.RetryAfter, time.Second), nil, nil
		}
		t.held = append(t.held, b)
	}
	return 0, t, nil
}

// sendTicket is what one request took; cancel gives it back when nothing
// was sent after all.
type sendTicket struct {
	l    *sendLimits
	now  time.Time
	held []budget
}

// cancel gives back what it can: a sending that cannot be given back now
// stays spent, the safe side of a budget on sending.
func (t *sendTicket) cancel(ctx context.Context) {
	for _, b := range t.held {
		t.l.shared.GiveBack(ctx, b.key, b.rate, t.now)
	}
}
