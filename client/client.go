// Package client is a Go client for Visage's native REST API
// (docs/api.md): the /v1 calls an application's backend makes with its
// private key (Client), and the /admin calls that manage applications and
// keys with an admin token (Admin).
//
// An error the server answers is an *Error carrying the API's stable code
// (NO_FACE, NOT_FOUND, RATE_LIMIT, …); use errors.As to read it. Refusals
// for load, 429 and 503, are sent again after the Retry-After the server
// gives, a few times and for a bounded wait (WithRetries), while the
// context allows. The client logs nothing: photos, payloads and PINs only
// travel in the requests and answers.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry defaults: at most DefaultRetries retries of a request refused
// with 429 or 503, none whose Retry-After is over DefaultMaxWait.
const (
	DefaultRetries = 3
	DefaultMaxWait = 10 * time.Second
)

// Error is the server's answer to a request it refused: the HTTP status,
// the API's stable code and its message for people, and on a 429 or 503
// how long the server asked to wait before trying again.
type Error struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("visage: %s (%d): %s", e.Code, e.Status, e.Message)
}

// Option tunes a Client or an Admin.
type Option func(*conn)

// WithHTTPClient sends the requests with hc instead of
// http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *conn) { c.hc = hc }
}

// WithRetries sets how many times a request refused with 429 or 503 is
// sent again (0: never), and the longest Retry-After waited for: a longer
// one returns the *Error at once.
func WithRetries(n int, maxWait time.Duration) Option {
	return func(c *conn) { c.retries, c.maxWait = n, maxWait }
}

// Photo is an image to send (JPEG, PNG, WebP, …): Bytes for one in
// memory, Read for one to read, such as an open file.
type Photo struct {
	data []byte
	r    io.Reader
}

// Bytes is a photo in memory.
func Bytes(b []byte) Photo { return Photo{data: b} }

// Read is a photo read from r when the request is made. It is read once
// and kept in memory, so that a refused request can be sent again.
func Read(r io.Reader) Photo { return Photo{r: r} }

// conn is what Client and Admin share: where the server is, the secret
// sent as the bearer token, and how requests are sent and retried.
type conn struct {
	base, secret string
	hc           *http.Client
	retries      int
	maxWait      time.Duration
}

func newConn(baseURL, secret string, opts []Option) conn {
	c := conn{base: strings.TrimRight(baseURL, "/"), secret: secret, hc: http.DefaultClient,
		retries: DefaultRetries, maxWait: DefaultMaxWait}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// body is a request body, complete in memory so that it can be sent again.
type body struct {
	data        []byte
	contentType string
}

func jsonBody(v any) (*body, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &body{data, "application/json"}, nil
}

// form builds a multipart/form-data body: photos as file parts, the rest
// as text fields, as the server reads them.
type form struct {
	buf bytes.Buffer
	w   *multipart.Writer
	err error
}

func newForm() *form {
	f := &form{}
	f.w = multipart.NewWriter(&f.buf)
	return f
}

// photo adds p as a file part of field; a zero Photo adds nothing (the
// server then says which image is missing).
func (f *form) photo(field string, p Photo) {
	if f.err != nil || (p.data == nil && p.r == nil) {
		return
	}
	part, err := f.w.CreateFormFile(field, field)
	if err == nil && p.r != nil {
		_, err = io.Copy(part, p.r)
	} else if err == nil {
		_, err = part.Write(p.data)
	}
	f.err = err
}

// text adds a text field, unless value is empty.
func (f *form) text(field, value string) {
	if f.err == nil && value != "" {
		f.err = f.w.WriteField(field, value)
	}
}

// json adds v as a field of JSON text, unless v is nil.
func (f *form) json(field string, v any) {
	if f.err != nil || v == nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		f.err = fmt.Errorf("client: %s: %w", field, err)
		return
	}
	f.text(field, string(data))
}

func (f *form) body() (*body, error) {
	if f.err != nil {
		return nil, f.err
	}
	if err := f.w.Close(); err != nil {
		return nil, err
	}
	return &body{f.buf.Bytes(), f.w.FormDataContentType()}, nil
}

// do sends the request, again after a 429 or 503 while the retries, the
// longest wait and ctx allow, and decodes the JSON answer into out (when
// not nil).
func (c *conn) do(ctx context.Context, method, path string, b *body, out any) error {
	for attempt := 0; ; attempt++ {
		err := c.send(ctx, method, path, b, out)
		var e *Error
		if !errors.As(err, &e) || !retryable(e) || attempt >= c.retries || e.RetryAfter > c.maxWait {
			return err
		}
		wait := e.RetryAfter
		if wait <= 0 {
			wait = time.Second // a refusal without Retry-After (a proxy's)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return err // the context would end before the retry
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(ctx.Err(), err)
		case <-t.C:
		}
	}
}

// retryable tells a refusal for load, which the server answers without
// doing the work, from those that waiting a few seconds does not change:
// a locked PIN (minutes), the month's quota.
func retryable(e *Error) bool {
	return (e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable) &&
		e.Code != "PIN_LOCKED" && e.Code != "QUOTA_EXCEEDED"
}

func (c *conn) send(ctx context.Context, method, path string, b *body, out any) error {
	var rd io.Reader
	if b != nil {
		rd = bytes.NewReader(b.data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.secret)
	req.Header.Set("Accept", "application/json")
	if b != nil {
		req.Header.Set("Content-Type", b.contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return errorOf(resp)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("client: %s %s: unreadable answer: %w", method, path, err)
	}
	return nil
}

// errorOf reads the API's error body, {"error": {"code", "message"}}; an
// answer without one (a proxy's) keeps its status text.
func errorOf(resp *http.Response) *Error {
	e := &Error{Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	var eb struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(raw, &eb) == nil && eb.Error.Code != "" {
		e.Code, e.Message = eb.Error.Code, eb.Error.Message
	}
	return e
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
