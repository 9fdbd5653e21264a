package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/dialect/auther"
	"github.com/visagehq/visage/dialect/faceauth"
	"github.com/visagehq/visage/dialect/faceio"
	"github.com/visagehq/visage/dialect/facenition"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
)

// A dialect is the API of a hosted service that Visage speaks, so that a
// client written for it moves over by changing its base URL. Each is
// mounted under its prefix on the main listener and can have a listener
// of its own that serves it at the root, for clients whose paths are
// hard-coded.
type dialect struct {
	name   string
	prefix string // on the main listener, with its trailing slash
	addr   string // its own listener; "" for none
	build  func(d *dialectFlags, svc *service.Service, st store.Store, log *slog.Logger) http.Handler
}

var dialects = []*dialect{
	{name: "faceio", prefix: "/faceio/", build: func(d *dialectFlags, svc *service.Service, st store.Store, log *slog.Logger) http.Handler {
		return faceio.New(svc, faceio.Config{Logger: log, Ready: st.Ping})
	}},
	{name: "auther", prefix: "/auther/", build: func(d *dialectFlags, svc *service.Service, st store.Store, log *slog.Logger) http.Handler {
		return auther.New(svc, auther.Config{Logger: log, Shared: d.shared})
	}},
	{name: "faceauth", prefix: "/api/v1/", build: func(d *dialectFlags, svc *service.Service, st store.Store, log *slog.Logger) http.Handler {
		return faceauth.New(svc, faceauth.Config{Logger: log, AllowRegister: d.openSignup})
	}},
	{name: "facenition", prefix: "/facenition/", build: func(d *dialectFlags, svc *service.Service, st store.Store, log *slog.Logger) http.Handler {
		return facenition.New(svc, facenition.Config{
			Logger: log,
			SMTP:   facenition.SMTP{Addr: d.smtpAddr, From: d.smtpFrom, Username: d.smtpUser, Password: os.Getenv("VISAGE_SMTP_PASSWORD")},
			SMS:    facenition.SMS{URL: d.smsURL, Authorization: os.Getenv("VISAGE_SMS_AUTHORIZATION")},
			// v1's generateToken gives a token, and so an app, to anyone
			// who asks, and v2's new-credentials sends mail and SMS to
			// any address: only on a server that opens its sign-up (v2:
			// or to the emails of some domains).
			RequireVerifiedTokens: !d.openSignup,
			OpenSignup:            d.openSignup,
			SignupDomains:         d.signupDomains,
			DevLogCodes:           d.devCodes,
			Shared:                d.shared,
			Secret:                d.secret,
		})
	}},
}

// dialectFlags are --dialects, one --NAME-addr per dialect, and the
// settings the dialects need.
type dialectFlags struct {
	on                           string
	openSignup                   bool
	signupDomains                []string
	smtpAddr, smtpFrom, smtpUser string
	smsURL                       string
	devCodes                     bool
	shared                       cluster.State // Redis when replicas share one; nil for a server alone
	secret                       []byte        // keys the HMACs in shared
}

func (d *dialectFlags) register(fs *flag.FlagSet) {
	var names []string
	for _, dl := range dialects {
		names = append(names, dl.name)
		fs.StringVar(&dl.addr, dl.name+"-addr", "", fmt.Sprintf("also serve the %s dialect at the root of this address", dl.name))
	}
	fs.StringVar(&d.on, "dialects", strings.Join(names, ","), `the other services' APIs to speak ("none" for none)`)
	fs.BoolVar(&d.openSignup, "open-signup", false, "let anyone create an application through the dialects' sign-up endpoints (FaceAuth register, Facenition v1 generateToken and v2 new-credentials)")
	fs.Func("signup-domains", "comma-separated email domains whose owners may sign up through Facenition v2's new-credentials without --open-signup", func(s string) error {
		for _, dom := range strings.Split(s, ",") {
			if dom = strings.TrimSpace(dom); dom != "" {
				d.signupDomains = append(d.signupDomains, dom)
			}
		}
		return nil
	})
	fs.StringVar(&d.smtpAddr, "smtp-addr", "", "SMTP server (host:port) for one-time codes by email; password in $VISAGE_SMTP_PASSWORD")
	fs.StringVar(&d.smtpFrom, "smtp-from", "", "sender address of those emails")
	fs.StringVar(&d.smtpUser, "smtp-user", "", "SMTP login, when the server wants one")
	fs.StringVar(&d.smsURL, "sms-url", "", `HTTP endpoint that sends text messages (POST {"to","message"}); Authorization header from $VISAGE_SMS_AUTHORIZATION`)
	fs.BoolVar(&d.devCodes, "dev-log-codes", false, "development only: with neither --smtp-addr nor --sms-url, print one-time codes to the log")
}

// ownListener is a dialect served at the root of an address of its own.
type ownListener struct {
	name, addr string
	handler    http.Handler
}

// mount builds the enabled dialects: their mounts on the main listener,
// and the handlers of those with a listener of their own.
func (d *dialectFlags) mount(svc *service.Service, st store.Store, log *slog.Logger) (mounts []vhttp.Mount, own []ownListener, err error) {
	var on []string
	if d.on != "none" && d.on != "" {
		on = strings.Split(d.on, ",")
	}
	for _, name := range on {
		if !slices.ContainsFunc(dialects, func(dl *dialect) bool { return dl.name == name }) {
			return nil, nil, usageError{fmt.Sprintf("serve: --dialects: unknown dialect %q", name)}
		}
	}
	for _, dl := range dialects {
		if !slices.Contains(on, dl.name) {
			if dl.addr != "" {
				return nil, nil, usageError{fmt.Sprintf("serve: --%s-addr needs the %s dialect on", dl.name, dl.name)}
			}
			continue
		}
		h := dl.build(d, svc, st, log)
		mounts = append(mounts, vhttp.Mount{Pattern: dl.prefix, Handler: http.StripPrefix(strings.TrimSuffix(dl.prefix, "/"), h)})
		if dl.addr != "" {
			own = append(own, ownListener{name: dl.name, addr: dl.addr, handler: h})
		}
	}
	return mounts, own, nil
}
