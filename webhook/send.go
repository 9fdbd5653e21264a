package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/visagehq/visage/store"
)

// Timeout bounds one attempt, from connecting to the end of the answer's
// headers and what is read of its body.
const Timeout = 10 * time.Second

// maxAnswer is how much of an answer's body is read (and thrown away, so
// that the connection can be used again): a receiver cannot make the
// server read without end.
const maxAnswer = 64 << 10

// UserAgent names Visage to the receivers.
const UserAgent = "Visage-Webhooks/1 (+https://github.com/visagehq/visage)"

// NewClient returns the HTTP client of deliveries: it gives up after
// Timeout, and follows no redirect: a 3xx is a failed attempt, so that a
// receiver cannot send the signed events somewhere else.
func NewClient() *http.Client {
	return &http.Client{
		Timeout: Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: Timeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   Timeout,
			ResponseHeaderTimeout: Timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
		},
	}
}

// Sender makes delivery attempts.
type Sender struct {
	// Client sends the requests; NewClient's when nil.
	Client *http.Client
}

// defaultClient is the client of Senders without one.
var defaultClient = NewClient()

// Body is the JSON body of an event's delivery: its type, when it
// happened (RFC 3339, UTC) and its data, to which the app's ID is added.
// The data names IDs, codes and times, never biometric data
// (service/journal.go).
func Body(ev *store.Event) ([]byte, error) {
	data := map[string]json.RawMessage{}
	if len(ev.Data) > 0 {
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			return nil, fmt.Errorf("webhook: the data of event %s is not a JSON object: %w", ev.ID, err)
		}
	}
	app, _ := json.Marshal(ev.AppID)
	data["app_id"] = app
	return json.Marshal(struct {
		Type      string                     `json:"type"`
		Timestamp string                     `json:"timestamp"`
		Data      map[string]json.RawMessage `json:"data"`
	}{ev.Type, ev.At.UTC().Format(time.RFC3339Nano), data})
}

// Send makes one attempt to deliver ev to h, at now, and returns the
// delivery log's entry for it (without its outcome, which is the
// caller's to say, and its attempt number): the status, or the error
// that kept one from coming; 2xx alone is a success. The request carries
// the Standard Webhooks headers: webhook-id (the event's ID, the same at
// every attempt), webhook-timestamp (now, in Unix seconds) and
// webhook-signature. ok says whether the receiver answered 2xx.
func (s *Sender) Send(ctx context.Context, h *store.Webhook, ev *store.Event, now time.Time) (d store.Delivery, ok bool) {
	d = store.Delivery{AppID: h.AppID, WebhookID: h.ID, EventID: ev.ID, EventType: ev.Type, EventSeq: ev.Seq, At: now.UTC().Truncate(time.Microsecond)}
	start := time.Now()
	defer func() { d.Duration = time.Since(start).Round(time.Millisecond) }()
	body, err := Body(ev)
	if err != nil {
		d.Error = err.Error()
		return d, false
	}
	sig, err := Sign(h.Secret, ev.ID, now, body)
	if err != nil {
		d.Error = err.Error()
		return d, false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		d.Error = "the URL is not usable: " + err.Error()
		return d, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("webhook-id", ev.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		d.Error = describe(err)
		return d, false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	d.Status = resp.StatusCode
	return d, resp.StatusCode >= 200 && resp.StatusCode < 300
}

// describe says why a request got no answer, in a few words: the
// receiver's address and the error's kind, nothing it sent.
func describe(err error) string {
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("no answer within %v", Timeout)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		var sysErr *os.SyscallError
		if errors.As(opErr.Err, &sysErr) {
			return "cannot connect: " + sysErr.Err.Error() // "connection refused"
		}
		return "cannot connect: " + opErr.Err.Error()
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // without the URL, which the log shows elsewhere
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}
