package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"syscall"
	"time"

	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/console"
	"github.com/visagehq/visage/face"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/pack"
	"github.com/visagehq/visage/replica"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
	"github.com/visagehq/visage/store/postgres"
	"github.com/visagehq/visage/store/sqlite"
	"github.com/visagehq/visage/webhook"
	"github.com/visagehq/visage/widget"
)

// dataFlags locate the data folder, with the key that encrypts templates
// and payloads and the SQLite database, and the store when it is
// PostgreSQL instead.
type dataFlags struct{ dir, store string }

func (d *dataFlags) register(fs *flag.FlagSet) {
	def := os.Getenv("VISAGE_DATA")
	if def == "" {
		def = "data"
	}
	fs.StringVar(&d.dir, "data", def, "data folder: encryption key, and the database unless --store names one ($VISAGE_DATA)")
	fs.StringVar(&d.store, "store", os.Getenv("VISAGE_STORE"), "the store: empty for SQLite in the data folder, or postgres://user@host:5432/db for PostgreSQL, shared by every replica (docs/scale.md) ($VISAGE_STORE)")
}

// open opens the store in the data folder, creating both on first use.
func (d *dataFlags) open() (store.Store, []byte, error) {
	st, key, _, err := d.openFresh()
	return st, key, err
}

// openFresh is open that also says whether the database was just created.
func (d *dataFlags) openFresh() (st store.Store, key []byte, fresh bool, err error) {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return nil, nil, false, err
	}
	if key, err = store.LoadOrCreateKey(d.dir); err != nil {
		return nil, nil, false, err
	}
	if d.store != "" {
		st, fresh, err = openURL(d.store, key)
		return st, key, fresh, err
	}
	db := filepath.Join(d.dir, "visage.db")
	_, statErr := os.Stat(db)
	fresh = errors.Is(statErr, os.ErrNotExist)
	st, err = sqlite.Open(db, key)
	return st, key, fresh, err
}

// openURL opens the store a --store URL names.
func openURL(url string, key []byte) (store.Store, bool, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, false, usageError{"--store: give a postgres:// URL, or nothing for SQLite in the data folder"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, url, key)
	if err != nil {
		if strings.Contains(err.Error(), "encryption key") {
			err = fmt.Errorf("%w: every replica needs the same key; copy visage.key from the data folder of the replica that created the database", err)
		}
		return nil, false, err
	}
	return st, st.Created(), nil
}

// edgeFlags are the limits every listener holds its clients to, and the
// admin listener (docs/security.md).
type edgeFlags struct {
	adminAddr                  string
	header, body, upload, idle time.Duration
	queueWait                  time.Duration
}

func (e *edgeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&e.adminAddr, "admin-addr", "", "serve /metrics (without a token) and /healthz, /readyz on this address, for the operator's network only; off by default, when /metrics takes the admin token")
	fs.DurationVar(&e.header, "header-timeout", 10*time.Second, "longest time a client may take to send a request's headers")
	fs.DurationVar(&e.body, "body-timeout", 10*time.Second, "longest time a client may take to send a small JSON body (settings, payload, PIN)")
	fs.DurationVar(&e.upload, "upload-timeout", 20*time.Second, "longest time a client may take to send a body with photos (the /v1 face calls, the widget's frames, the dialects)")
	fs.DurationVar(&e.idle, "idle-timeout", 60*time.Second, "how long a kept-alive connection may wait for its next request")
	fs.DurationVar(&e.queueWait, "max-queue-wait", 5*time.Second, "longest wait for a free engine worker; beyond it, 503 TIMEOUT with Retry-After at once")
}

// server is the http.Server of one listener, with the edge's timeouts.
func (e *edgeFlags) server(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: e.header, IdleTimeout: e.idle}
}

// pinKey derives the PIN-hashing key from the data key, so that one secret
// protects the data folder.
func pinKey(dataKey []byte) []byte {
	m := hmac.New(sha256.New, dataKey)
	m.Write([]byte("visage pin hash v1"))
	return m.Sum(nil)
}

func runServe(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var ef engineFlags
	var df dataFlags
	var dlf dialectFlags
	var edge edgeFlags
	ef.register(fs)
	df.register(fs)
	dlf.register(fs)
	edge.register(fs)
	defAddr := os.Getenv("VISAGE_ADDR")
	if defAddr == "" {
		defAddr = "127.0.0.1:8080"
	}
	addr := fs.String("addr", defAddr, "listen address ($VISAGE_ADDR)")
	redisURL := fs.String("redis", os.Getenv("VISAGE_REDIS"), "redis://[user:password@]host:6379/0 that the replicas share: rate limits, quotas, open widget sessions, Facenition's codes, Auther's replay memory (docs/scale.md); none keeps them in this process's memory, for a server alone ($VISAGE_REDIS)")
	redisPrefix := fs.String("redis-prefix", "visage:", "prefix of every key Visage writes in --redis")
	replicaURL := fs.String("replica-url", "", "with a PostgreSQL --store: the URL the other replicas reach this one at, e.g. http://10.0.0.5:8080 (default: http:// and the listen address, unless it is all interfaces)")
	maxSessions := fs.Int("max-sessions", 0, "open widget sessions on the whole server, beyond which new ones get 503 (default 1000)")
	maxSessionsApp := fs.Int("max-sessions-per-app", 0, "open widget sessions per application (default 100)")
	maxSessionsAddr := fs.Int("max-sessions-per-address", 0, "open widget sessions per visitor address, IPv6 by /64 (default 10)")
	maxFrames := fs.Int("max-session-frames", 0, "frames one widget session may have analysed, beyond which it ends with TIMEOUT (default 200)")
	addressHeader := fs.String("address-header", "", "request header with the visitor's address, set by a proxy you trust, e.g. CF-Connecting-IP (default: the connection's address, or X-Forwarded-For's last entry from a loopback or private proxy)")
	countryHeader := fs.String("country-header", os.Getenv("VISAGE_COUNTRY_HEADER"), "request header with the client's ISO 3166-1 country, set by a proxy you trust, e.g. CF-IPCountry ($VISAGE_COUNTRY_HEADER)")
	challenges := fs.String("challenges", "turn_left,turn_right", "the head movements the widget asks for, two drawn at random per session, from turn_left, turn_right, nod_up, nod_down")
	auditDays := fs.Int("audit-retention-days", 365, "days the audit log keeps an entry; 0 keeps them all (docs/audit.md)")
	eventsDays := fs.Int("events-retention-days", 30, "days an event is kept once every webhook of its app is past it, and a webhook delivery log's entry; 0 keeps them all (docs/webhooks.md)")
	webhookBackoff := fs.Duration("webhook-backoff", webhook.DefaultBackoff, "the wait after a webhook delivery fails, doubled at each failure of the same event up to 1h, with jitter (docs/webhooks.md)")
	demo := fs.Bool("demo", false, "serve /demo: the widget on a demo application, created on first use")
	consoleAddr := fs.String("console-addr", "", "serve the operator console (/console) with the admin API, /metrics and the probes on this address, for the operator's network only; the public listener then serves no console (docs/console.md)")
	consoleIdle := fs.Duration("console-idle-timeout", 30*time.Minute, "an operator console session unused this long ends (docs/console.md)")
	fs.String("config", "", "optional JSON config file: flag names as keys, and plans ($VISAGE_CONFIG)")
	cfg, err := loadConfig(configPath(args), fs, map[string]string{"addr": "VISAGE_ADDR", "data": "VISAGE_DATA", "store": "VISAGE_STORE", "redis": "VISAGE_REDIS", "ort-lib": "VISAGE_ORT_LIB", "models": "VISAGE_MODELS"})
	if err != nil {
		return err
	}
	if _, err := parse(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(log) // packages that warn on their own (the store) write the same lines

	st, key, fresh, err := df.openFresh()
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go returnMemory(ctx)
	var shared cluster.State // nil: this process's memory, for a server alone
	if *redisURL != "" {
		r, err := cluster.Dial(ctx, *redisURL, *redisPrefix)
		if err != nil {
			return fmt.Errorf("--redis: %w", err)
		}
		defer r.Close()
		shared = r
	}
	// The listener comes first: a replica's URL may be its address.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var member *replica.Member
	if roster, ok := st.(store.Roster); ok {
		self, err := replicaSelf(*replicaURL, ln.Addr())
		if err != nil {
			return err
		}
		if member, err = replica.Join(ctx, roster, self, shared != nil, log); err != nil {
			return err
		}
	}

	// The gallery keeps the templates' 8-bit codes in memory and the
	// templates themselves sealed in an unlinked file in the data folder
	// (package index), which goes with the process: it is not closed.
	gallery, err := index.Open(df.dir)
	if err != nil {
		return err
	}
	metrics := vhttp.NewMetrics(gallery.Sizes)
	// A store shared with other replicas has a change log, which the
	// gallery follows; a server alone loads its gallery and keeps it.
	// The gallery is loaded before the engine starts: which pack its
	// faces were enrolled with can choose the engine's (enrolledPack).
	var follower *replica.Follower
	ready := st.Ping
	if feed, ok := st.(store.Feed); ok {
		if follower, err = replica.Load(ctx, feed, gallery, log); err != nil {
			return fmt.Errorf("loading the gallery: %w", err)
		}
		go follower.Run(ctx)
		ready = follower.Ready
		metrics.Replication(follower.Stats)
	} else if err := service.LoadGallery(ctx, st, gallery, log); err != nil {
		return fmt.Errorf("loading the gallery: %w", err)
	}
	ecfg := ef.config()
	ecfg.Observe, ecfg.MaxQueueWait = metrics.ObserveTimings, edge.queueWait
	if ecfg.Pack == "" && os.Getenv("VISAGE_PACK") == "" {
		if name, faces := enrolledPack(gallery, ecfg.ModelDir); name != "" {
			ecfg.Pack = name
			log.Info("no --pack given: serving with the pack every enrolled face was made with, not the default of a new data folder (docs/packs.md)",
				"pack", name, "faces", faces, "default", pack.Default)
		}
	}
	eng, err := face.New(ecfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	if eng.Pack().Calibration == nil {
		// Levels would mean nothing: refuse rather than guess thresholds.
		return errors.New(eng.Pack().Uncalibrated)
	}
	warnOtherPacks(gallery, eng.Model(), log)
	scfg := service.Config{Store: st, Gallery: gallery, Engine: eng, Table: eng.Pack().Calibration, PINKey: pinKey(key), Logger: log, Plans: cfg.Plans,
		Shared: shared}
	if follower != nil {
		scfg.Follower = follower
	}
	svc := service.New(scfg)
	if *auditDays < 0 {
		return usageError{"serve: --audit-retention-days must be 0 or more"}
	}
	if *eventsDays < 0 {
		return usageError{"serve: --events-retention-days must be 0 or more"}
	}
	if *webhookBackoff <= 0 {
		return usageError{"serve: --webhook-backoff must be more than 0"}
	}
	go svc.RunHousekeeping(ctx, service.Retention{Audit: time.Duration(*auditDays) * 24 * time.Hour, Events: time.Duration(*eventsDays) * 24 * time.Hour})
	// The webhooks' deliverer: stopped with the server, before the store
	// closes; every replica runs one, and the store's leases give each
	// webhook to one of them. A server alone (SQLite) is the only
	// deliverer of its data folder: its leases carry a fixed owner, so
	// that after a crash it takes its webhooks back at once instead of
	// waiting for its former self's leases to run out.
	deliverer := &webhook.Deliverer{Store: st, Backoff: *webhookBackoff, Log: log}
	if _, shared := st.(store.Feed); !shared {
		deliverer.Owner = "server-alone"
	}
	delivering := make(chan struct{})
	go func() { deliverer.Run(ctx); close(delivering) }()
	defer func() { stop(); <-delivering }()

	// The operator console: on the public listener, or on its own.
	var consoleLn net.Listener
	consoleURL := "http://" + ln.Addr().String() + "/console"
	if *consoleAddr != "" {
		if consoleLn, err = net.Listen("tcp", *consoleAddr); err != nil {
			return err
		}
		consoleURL = "http://" + consoleLn.Addr().String() + "/console"
	}
	if fresh {
		token, err := svc.CreateAdminToken(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "first start: admin token %s (shown once; `visage admin token` makes another)\n", token)
		fmt.Fprintf(out, "sign in with it to the operator console: %s\n", consoleURL)
	}

	moves, err := liveness.ParseMovements(strings.Split(*challenges, ","))
	if err != nil {
		return usageError{"serve: --challenges: " + err.Error()}
	}
	wcfg := widget.Config{CountryHeader: *countryHeader, Movements: moves, Logger: log, OnVerdict: metrics.LivenessVerdict,
		MaxSessions: *maxSessions, MaxSessionsPerApp: *maxSessionsApp, MaxSessionsPerAddress: *maxSessionsAddr, AddressHeader: *addressHeader,
		MaxAnalysedFrames: *maxFrames, Shared: shared}
	if member != nil {
		wcfg.Replicas = member
	}
	if *demo {
		if wcfg.DemoPublicID, err = demoApp(ctx, svc); err != nil {
			return err
		}
	}
	wid := widget.New(svc, wcfg)
	var mounts []vhttp.Mount
	for _, p := range wid.Patterns() {
		mounts = append(mounts, vhttp.Mount{Pattern: p, Handler: wid})
	}
	con := console.New(svc, console.Config{IdleTimeout: *consoleIdle, AddressHeader: *addressHeader, Logger: log})
	if consoleLn == nil {
		for _, p := range con.Patterns() {
			mounts = append(mounts, vhttp.Mount{Pattern: p, Handler: con})
		}
	}
	dlf.shared, dlf.secret = shared, sharedSecret(key)
	dmounts, own, err := dlf.mount(svc, st, log)
	if err != nil {
		return err
	}
	api := vhttp.New(svc, vhttp.Config{Logger: log, Ready: ready, Metrics: metrics, Mounts: append(mounts, dmounts...),
		BodyTimeout: edge.body, UploadTimeout: edge.upload, AddressHeader: *addressHeader,
		Console: con.Session, ConsoleListener: consoleLn != nil})
	var servers []*http.Server
	errc := make(chan error, 3+len(own))
	serve := func(l net.Listener, h http.Handler) {
		s := edge.server(h)
		servers = append(servers, s)
		go func() { errc <- s.Serve(l) }()
	}
	// Every listener is behind the same edge: each dialect's own, and the
	// admin one.
	for _, o := range own {
		l, err := net.Listen("tcp", o.addr)
		if err != nil {
			return err
		}
		serve(l, api.Wrap(o.name, o.handler))
		fmt.Fprintf(out, "also speaking %s at the root of http://%s\n", o.name, l.Addr())
	}
	if edge.adminAddr != "" {
		l, err := net.Listen("tcp", edge.adminAddr)
		if err != nil {
			return err
		}
		serve(l, api.AdminHandler())
		fmt.Fprintf(out, "admin listener (/metrics, /healthz, /readyz) on http://%s\n", l.Addr())
	}
	if consoleLn != nil {
		serve(consoleLn, api.ConsoleHandler(con))
	}
	where := "data in " + df.dir
	if df.store != "" {
		where = "store " + redact(df.store)
	}
	fmt.Fprintf(out, "Visage listening on http://%s (%s, %d faces loaded)\n", ln.Addr(), where, sum(gallery.Sizes()))
	if *demo {
		fmt.Fprintf(out, "Try the widget: http://%s/demo\n", ln.Addr())
	}
	fmt.Fprintf(out, "Operator console: %s\n", consoleURL)
	serve(ln, api)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Drain: stop accepting, let running requests finish.
	log.Info("shutting down")
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	return nil
}

// replicaSelf is the URL other replicas reach this one at: the flag's, or
// the listener's address when it names one interface.
func replicaSelf(flagURL string, addr net.Addr) (string, error) {
	if flagURL != "" {
		return flagURL, nil
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		return "", usageError{"serve: --replica-url: listening on every interface, the server cannot tell which address the other replicas reach it at; give it, e.g. --replica-url http://10.0.0.5:8080"}
	}
	return "http://" + tcp.String(), nil
}

// sharedSecret derives from the data key the key of the HMACs that stand
// for Facenition's codes and addresses in the shared state, so that every
// replica checks the codes another sent.
func sharedSecret(dataKey []byte) []byte {
	m := hmac.New(sha256.New, dataKey)
	m.Write([]byte("visage shared state v1"))
	return m.Sum(nil)
}

// demoName names the app behind /demo.
const demoName = "Visage demo"

// demoApp returns the public ID of the demo app, creating it on first
// use: liveness and duplicate prevention on, as a real deployment would
// have them, any origin allowed.
func demoApp(ctx context.Context, svc *service.Service) (string, error) {
	apps, err := svc.Apps(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range apps {
		if a.Name == demoName {
			return a.PublicID, nil
		}
	}
	a, err := svc.CreateApp(ctx, demoName, "free")
	if err != nil {
		return "", err
	}
	set := a.Settings
	set.RequireLiveness, set.PreventDuplicates = true, true
	if err := svc.UpdateSettings(ctx, a, set); err != nil {
		return "", err
	}
	return a.PublicID, nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// warnOtherPacks logs, per app, the faces enrolled with another recogniser
// pack: their templates are never compared with the current pack's, so
// they cannot be recognised until they enroll again (docs/packs.md).
func warnOtherPacks(g *index.Gallery, current string, log *slog.Logger) {
	for app := range g.Sizes() {
		for model, n := range g.Models(app) {
			if model != current {
				log.Warn("faces enrolled with another recogniser pack cannot be matched until they enroll again",
					"app", app, "faces", n, "their_pack", model, "current_pack", current)
			}
		}
	}
}

// enrolledPack is the built-in pack that every face in the gallery was
// enrolled with, and how many faces there are, when that pack is not the
// default: a server started without --pack then keeps recognising its
// people across an upgrade that changes the default, which would
// otherwise ask every one of them to enroll again. With faces of several
// packs (a migration under way) or none, it returns "": the default, and
// warnOtherPacks says what cannot be matched.
func enrolledPack(g *index.Gallery, modelDir string) (string, int) {
	models := map[string]int{}
	for app := range g.Sizes() {
		for model, n := range g.Models(app) {
			models[model] += n
		}
	}
	if len(models) != 1 {
		return "", 0
	}
	for _, name := range pack.Builtin() {
		p, err := pack.Open(name, modelDir)
		if err != nil || models[p.ID()] == 0 {
			continue
		}
		if name == pack.Default {
			return "", 0
		}
		return name, models[p.ID()]
	}
	return "", 0
}

// returnMemory gives the system back what the Go heap holds free after a
// rush, every 30 s when it is over 32 MiB: a burst of large photos leaves
// tens of megabytes that the runtime would return only over many
// minutes, and an operator watching the server's memory should see it
// come back (visage bench abuse measures it).
func returnMemory(ctx context.Context) {
	const every, over = 30 * time.Second, 32 << 20
	sample := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > over {
			debug.FreeOSMemory()
		}
	}
}
