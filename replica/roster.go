package replica

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/visagehq/visage/store"
)

// Every heartbeat a replica records that it is alive; one not heard of
// for alive is taken for gone.
const (
	heartbeat = 2 * time.Second
	alive     = 10 * time.Second
)

// Member is this process's place in the store's roster: its ID, which
// prefixes the widget sessions it holds, and the way to the other
// replicas, to which it passes the requests of their sessions.
type Member struct {
	roster store.Roster
	self   store.Replica
	log    *slog.Logger
	proxy  *httputil.ReverseProxy

	mu      sync.Mutex
	peers   map[string]*url.URL // replica ID → its URL
	refresh time.Time           // when peers was last read
}

// Join records this process in the roster as reachable at url, with its
// limits in Redis or not (shared). It refuses to start a replica that
// would share the store with another while either keeps its limits in
// its own memory: each would grant the whole of every budget. It then
// keeps the record alive until ctx ends.
func Join(ctx context.Context, roster store.Roster, self string, shared bool, log *slog.Logger) (*Member, error) {
	u, err := url.Parse(self)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the replica's own URL %q is not an http:// or https:// URL its peers can reach", self)
	}
	var id [8]byte
	rand.Read(id[:])
	m := &Member{roster: roster, log: log, self: store.Replica{ID: hex.EncodeToString(id[:]), URL: self, Shared: shared},
		peers: map[string]*url.URL{}}
	others, err := roster.Replicas(ctx, time.Now().Add(-alive))
	if err != nil {
		return nil, err
	}
	if err := m.check(others); err != nil {
		return nil, err
	}
	if err := roster.Heartbeat(ctx, m.self); err != nil {
		return nil, err
	}
	m.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(r.In.Context().Value(ownerKey{}).(*url.URL))
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{ResponseHeaderTimeout: 30 * time.Second, MaxIdleConnsPerHost: 32, IdleConnTimeout: time.Minute},
	}
	go m.beat(ctx)
	return m, nil
}

// check refuses a cluster where limits would not be shared.
func (m *Member) check(others []store.Replica) error {
	for _, o := range others {
		if o.ID == m.self.ID {
			continue
		}
		switch {
		case !m.self.Shared:
			return fmt.Errorf("replica %s (%s) serves from this store: replicas must share their limits through Redis; start every replica with --redis", o.ID, o.URL)
		case !o.Shared:
			return fmt.Errorf("replica %s (%s) serves from this store without Redis: restart it with --redis before adding replicas", o.ID, o.URL)
		}
	}
	return nil
}

// ID is this replica's ID.
func (m *Member) ID() string { return m.self.ID }

// beat records the replica alive every heartbeat, and says so loudly when
// it finds itself among replicas that do not share their limits (they
// started at the same moment, and neither saw the other).
func (m *Member) beat(ctx context.Context) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			leave, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			m.roster.Leave(leave, m.self.ID)
			cancel()
			return
		case <-t.C:
		}
		if err := m.roster.Heartbeat(ctx, m.self); err != nil && ctx.Err() == nil {
			m.log.Warn("cannot record this replica alive in the store", "err", err)
			continue
		}
		if others, err := m.roster.Replicas(ctx, time.Now().Add(-alive)); err == nil {
			if err := m.check(others); err != nil {
				m.log.Error("the replicas do not share their limits", "err", err)
			}
		}
	}
}

// peer returns the URL of a live replica, reading the roster again when
// the ID is unknown (at most once a second).
func (m *Member) peer(ctx context.Context, id string) (*url.URL, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, ok := m.peers[id]; ok {
		return u, true
	}
	if time.Since(m.refresh) < time.Second {
		return nil, false
	}
	m.refresh = time.Now()
	rs, err := m.roster.Replicas(ctx, time.Now().Add(-alive))
	if err != nil {
		return nil, false
	}
	m.peers = map[string]*url.URL{}
	for _, r := range rs {
		if u, err := url.Parse(r.URL); err == nil {
			m.peers[r.ID] = u
		}
	}
	u, ok := m.peers[id]
	return u, ok
}

type ownerKey struct{}

// Forward passes r to the replica owner, whose answer becomes w's. When
// the owner is unknown or cannot be reached before it answers, nothing
// is written and gone is called to answer instead: what the owner held
// is lost with it.
func (m *Member) Forward(w http.ResponseWriter, r *http.Request, owner string, gone func(http.ResponseWriter)) {
	u, ok := m.peer(r.Context(), owner)
	if !ok {
		gone(w)
		return
	}
	proxy := *m.proxy
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		m.mu.Lock()
		delete(m.peers, owner) // read the roster again next time
		m.mu.Unlock()
		m.log.Warn("a replica cannot be reached", "replica", owner, "err", err)
		gone(w)
	}
	proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ownerKey{}, u)))
}
