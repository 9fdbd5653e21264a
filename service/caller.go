package service

import "context"

// Caller is who makes a request, as the audit log and webhooks record
// it: never a secret, only what names it.
type Caller struct {
	// Kind is "admin" (the admin API with a token), "console" (a console
	// session opened with a token), "key" (an app's private key, on the
	// native API or a dialect), "public" (a web page with the public ID)
	// or "system" (the server itself: retention, say).
	Kind string
	// ID names the credential: the admin token's ID or the key's prefix.
	ID string
	// Addr is the address the request came from, "" for the system.
	Addr string
}

type callerKey struct{}

// WithCaller starts a request's record of its caller, with the address
// it came from; authenticating it (CheckAdminToken, AppForKey) fills in
// the rest. The edge of every listener calls it.
func WithCaller(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, callerKey{}, &Caller{Addr: addr})
}

// CallerOf returns who makes the request ctx belongs to: "public" for a
// request no credential authenticated, the system when no listener
// started a record.
func CallerOf(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	switch {
	case c == nil:
		return Caller{Kind: "system"}
	case c.Kind == "":
		return Caller{Kind: "public", Addr: c.Addr}
	}
	return *c
}

// SetCaller records that kind and id authenticated the request ctx
// belongs to; without a record started by WithCaller, it does nothing.
func SetCaller(ctx context.Context, kind, id string) {
	if c, _ := ctx.Value(callerKey{}).(*Caller); c != nil {
		c.Kind, c.ID = kind, id
	}
}
