package facenition

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"strings"
	"time"
)

// codeText is what both messages say.
func (h *handler) codeText(code string) string {
	return fmt.Sprintf("Your verification code is %s. It expires in %d minutes; if you did not ask for it, ignore this message.",
		code, int(h.cfg.CodeTTL.Minutes()))
}

// sendEmail delivers the email code over SMTP. net/smtp's SendMail has
// no deadline, so the conversation is driven here on a connection that
// has one: a stalled mail server must end in a 502, not a hung request.
func (h *handler) sendEmail(ctx context.Context, to, code string) error {
	c := h.cfg.SMTP
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("SMTP address %q: %w", c.Addr, err)
	}
	tlsConfig := c.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: host}
	}
	deadline := time.Now().Add(c.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	if c.ImplicitTLS {
		conn, err = tls.DialWithDialer(dialer, "tcp", c.Addr, tlsConfig)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", c.Addr)
	}
	if err != nil {
		return err
	}
	conn.SetDeadline(deadline)
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer cl.Close()
	if !c.ImplicitTLS {
		if ok, _ := cl.Extension("STARTTLS"); ok {
			if err := cl.StartTLS(tlsConfig); err != nil {
				return err
			}
		} else if c.RequireTLS {
			return errors.New("the SMTP server does not offer STARTTLS and TLS is required")
		}
	}
	if c.Username != "" {
		// PlainAuth itself refuses to send the password unencrypted,
		// except to localhost.
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, host)); err != nil {
			return err
		}
	}
	if err := cl.Mail(c.From); err != nil {
		return err
	}
	if err := cl.Rcpt(to); err != nil {
		return err
	}
	wc, err := cl.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write(h.emailMessage(to, code)); err != nil {
		return err
	}
	if err := wc.Close(); err != nil {
		return err
	}
	return cl.Quit()
}

// emailMessage is a plain-text RFC 5322 message. The addresses were
// checked by net/mail, so they cannot inject headers.
func (h *handler) emailMessage(to, code string) []byte {
	id := make([]byte, 12)
	rand.Read(id)
	domain := "localhost"
	if i := strings.LastIndexByte(h.cfg.SMTP.From, '@'); i >= 0 {
		domain = h.cfg.SMTP.From[i+1:]
	}
	lines := []string{
		"From: " + h.cfg.SMTP.From,
		"To: " + to,
		"Subject: Your verification code",
		"Date: " + h.cfg.Now().Format(time.RFC1123Z),
		"Message-ID: <" + hex.EncodeToString(id) + "@" + domain + ">",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"",
		h.codeText(code),
		"",
	}
	return []byte(strings.Join(lines, "\r\n"))
}

// sendSMS posts the SMS code to the configured provider endpoint.
func (h *handler) sendSMS(ctx context.Context, to, code string) error {
	body, _ := json.Marshal(map[string]string{"to": to, "message": h.codeText(code)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.SMS.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if h.cfg.SMS.Authorization != "" {
		req.Header.Set("Authorization", h.cfg.SMS.Authorization)
	}
	resp, err := h.cfg.SMS.Client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the SMS endpoint answered %s", resp.Status)
	}
	return nil
}
