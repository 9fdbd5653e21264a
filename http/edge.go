package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
	"github.com/visagehq/visage/internal/visitor"
	"github.com/visagehq/visage/service"
)

// The edge is what every listener of the server shares, whatever it
// serves: the public API, a dialect at the root of its own listener, the
// admin listener. docs/security.md lists its limits.

// serve runs h behind the edge: a request ID, the body limit, the time
// limit, a recovered panic, a Retry-After on every 429 and 503, no body
// read for a request refused for its key (statusRecorder), and one log
// line and metric per request (listener, method, path, status, duration:
// never a body, key or template). label gives the path to log
// and the route for the metrics, once h has run.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, listener string, h http.Handler, label func(*http.Request) (path, route string)) {
	start := time.Now()
	id := newRequestID()
	ctx := service.WithCaller(context.WithValue(r.Context(), requestIDKey{}, id), visitor.Address(r, s.cfg.AddressHeader))
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	r = r.WithContext(ctx)
	body := &watchedBody{ReadCloser: http.MaxBytesReader(w, r.Body, s.cfg.MaxBody), unread: r.ContentLength != 0}
	r.Body = body
	w.Header().Set("X-Request-Id", id)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK, body: body}
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error("panic", "request_id", id, "panic", p)
			writeError(rec, r, s.cfg.Logger, visage.Errorf(visage.CodeInternal, "internal error"))
		}
		path, route := label(r)
		s.cfg.Logger.Info("request", "request_id", id, "listener", listener, "method", r.Method, "path", path,
			"status", rec.status, "ms", time.Since(start).Milliseconds())
		if s.cfg.Metrics != nil {
			// A route pattern is a bounded label, unlike the path with
			// its IDs.
			s.cfg.Metrics.observe(route, rec.status, time.Since(start))
		}
	}()
	if r.ContentLength > s.cfg.MaxBody {
		// Refuse before reading: the declared size is enough.
		writeError(rec, r, s.cfg.Logger, visage.Errorf(visage.CodeRequestTooLarge, "the request body is %d bytes, over the %d-byte limit", r.ContentLength, s.cfg.MaxBody))
		return
	}
	h.ServeHTTP(rec, r)
}

// Wrap serves h, a handler of another package, at the root of a listener
// of its own (a dialect for clients whose paths are hard-coded), behind
// the same edge as the public listener, with the mounts' body deadline
// (UploadTimeout). Its requests are logged with listener=name and the
// path "/…", as mounts are: a dialect's paths may hold a key, and it
// logs its own details.
func (s *Server) Wrap(name string, h http.Handler) http.Handler {
	h = bodyDeadline(s.cfg.UploadTimeout, h)
	route := name + " /…"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, name, h, func(*http.Request) (string, string) { return "/…", route })
	})
}

// AdminHandler serves the admin listener (`visage serve --admin-addr`):
// /metrics without a token, since only the operator's network should
// reach that address, and the probes /healthz and /readyz. Nothing else:
// it is not a second way into the API.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if err := s.metrics(w, r); err != nil {
			writeError(w, r, s.cfg.Logger, err)
		}
	})
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	h := bodyDeadline(s.cfg.BodyTimeout, mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, "admin", h, func(r *http.Request) (string, string) { return r.URL.Path, r.Pattern })
	})
}

// bodyDeadline gives the body of each request d to arrive, from when h
// starts. Past it, reads of the body fail and the connection is closed
// after the answer, whether h read the body or left it for net/http to
// drain (as it does after refusing a key). It bounds the upload, not the
// work that follows: net/http lifts the deadline once the body has been
// read to its end. A request without a body has no deadline.
func bodyDeadline(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && http.NewResponseController(w).SetReadDeadline(time.Now().Add(d)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, limit: d}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody is a body under a read deadline, whose reads past it say
// so in the client's terms rather than as a network error.
type deadlineBody struct {
	io.ReadCloser
	limit time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = visage.Wrap(visage.CodeInvalidRequest, err, "the request body did not arrive within "+b.limit.String())
	}
	return n, err
}

type requestIDKey struct{}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// watchedBody is a request's body that knows whether it is still unread:
// there is one and no handler has read from it yet.
type watchedBody struct {
	io.ReadCloser
	unread bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.unread = false
	return b.ReadCloser.Read(p)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	body   *watchedBody
}

// WriteHeader records the status and applies two rules of the edge. A
// 429 or 503 that says not when to come back (the widget's, a dialect's)
// gets reply.DefaultRetryAfter; those that know say it first (a rate
// limit's reset, the engine's queue). A request refused for its key
// (401) before its body was read is answered and its connection closed
// without reading the body: net/http would otherwise read up to 256 KB of
// it, for no one, under the body deadline.
func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	reply.SetRetryAfter(s.Header(), code, reply.DefaultRetryAfter)
	if code == http.StatusUnauthorized && s.body.unread {
		s.Header().Set("Connection", "close")
		http.NewResponseController(s.ResponseWriter).SetReadDeadline(time.Now())
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
