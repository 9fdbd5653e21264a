package facenition

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/visagehq/visage"
)

// pair is the email and phone a v2 client verifies, normalised: the
// email lower-cased, the phone in E.164 form.
type pair struct{ email, phone string }

func (p pair) key() string { return p.email + "\n" + p.phone }

// appName names the app of a verified pair. It holds a hash, not the
// addresses, so that app listings do not spread them; an operator finds a
// client's app with `printf '%s\n%s' EMAIL PHONE | sha256sum`.
func (p pair) appName() string {
	sum := sha256.Sum256([]byte(p.key()))
	return "facenition " + hex.EncodeToString(sum[:])
}

func pairOf(req *request) (pair, error) {
	email, err := req.need("email")
	if err != nil {
		return pair{}, err
	}
	phone, err := req.need("phone")
	if err != nil {
		return pair{}, err
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > 254 {
		return pair{}, fail(http.StatusBadRequest, "email must be a plain address such as you@example.com")
	}
	// E.164: "+", then up to 15 digits; spaces, dots, dashes and
	// parentheses people type are dropped.
	phone = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" .-()", r) {
			return -1
		}
		return r
	}, phone)
	digits := strings.TrimPrefix(phone, "+")
	ok := len(phone) == len(digits)+1 && len(digits) >= 7 && len(digits) <= 15 && digits[0] != '0'
	for _, c := range digits {
		ok = ok && c >= '0' && c <= '9'
	}
	if !ok {
		return pair{}, fail(http.StatusBadRequest, "phone must be an international number such as +15550100")
	}
	return pair{email: strings.ToLower(email), phone: phone}, nil
}

// newCredentials sends one code by email and another by SMS (v2).
func (h *handler) newCredentials(w http.ResponseWriter, r *http.Request, req *request) error {
	p, err := pairOf(req)
	if err != nil {
		return err
	}
	if !h.cfg.signupAllowed(p.email) {
		return fail(http.StatusForbidden, "this server does not take sign-ups for this email: ask its operator for a client token")
	}
	email, sms := h.cfg.SMTP.Addr != "", h.cfg.SMS.URL != ""
	devLog := h.cfg.DevLogCodes && !email && !sms
	switch {
	case devLog:
	case !email:
		return fail(http.StatusBadGateway, "this server cannot send email: no SMTP server is configured")
	case !sms:
		return fail(http.StatusBadGateway, "this server cannot send SMS: no SMS endpoint is configured")
	}
	ctx, now := r.Context(), h.cfg.Now()
	wait, ticket, err := h.sends.take(ctx, r, p, now)
	if err != nil {
		return err
	}
	if ticket == nil {
		w.Header().Set("Retry-After", seconds(wait))
		return fail(http.StatusTooManyRequests, "too many codes sent from here or to this email or phone; retry in %s s", seconds(wait))
	}
	emailCode, smsCode := newCode(), newCode()
	sent, wait, err := h.codes.issue(ctx, p.key(), emailCode, smsCode, now, h.cfg.ResendAfter)
	if err != nil {
		ticket.cancel(ctx)
		return err
	}
	if sent == nil {
		ticket.cancel(ctx)
		w.Header().Set("Retry-After", seconds(wait))
		return fail(http.StatusTooManyRequests, "codes were sent to this email and phone moments ago; retry in %s s", seconds(wait))
	}
	if devLog {
		h.log.Warn("facenition development mode: verification codes logged, not sent (configure SMTP and SMS to send them)",
			"email", p.email, "phone", p.phone, "email_code", emailCode, "sms_code", smsCode)
	} else {
		if err := h.sendEmail(ctx, p.email, emailCode); err != nil {
			return h.undelivered(ctx, p, sent, "email", err)
		}
		if err := h.sendSMS(ctx, p.phone, smsCode); err != nil {
			return h.undelivered(ctx, p, sent, "SMS", err)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "sent": []string{"email", "sms"}, "expires_in": int(h.cfg.CodeTTL.Seconds())})
	return nil
}

// undelivered withdraws codes that did not go out, logs why (never the
// code, nor the SMS URL, which may hold a provider key) and answers 502.
// Codes that cannot be withdrawn now expire: the client waits ResendAfter.
func (h *handler) undelivered(ctx context.Context, p pair, sent *codes, channel string, err error) error {
	if werr := h.codes.withdraw(context.WithoutCancel(ctx), p.key(), sent, h.cfg.Now()); werr != nil {
		h.log.Warn("facenition: undelivered codes not withdrawn", "err", werr)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	h.log.Error("facenition: verification code not delivered", "channel", channel, "err", err)
	return fail(http.StatusBadGateway, "the %s with the code could not be sent; try again later", channel)
}

// authenticateCredentials checks both codes (v2).
func (h *handler) authenticateCredentials(w http.ResponseWriter, r *http.Request, req *request) error {
	p, err := pairOf(req)
	if err != nil {
		return err
	}
	emailCode, err := req.need("email_code")
	if err != nil {
		return err
	}
	smsCode, err := req.need("sms_code")
	if err != nil {
		return err
	}
	res, left, err := h.codes.check(r.Context(), p.key(), emailCode, smsCode, h.cfg.Now(), h.cfg.MaxAttempts)
	if err != nil {
		return err
	}
	switch res {
	case unknown:
		return fail(http.StatusNotFound, "no codes were sent to this email and phone: call new-credentials first")
	case expired:
		return fail(http.StatusGone, "the codes have expired: ask for new ones with new-credentials")
	case exhausted:
		return fail(http.StatusTooManyRequests, "too many wrong codes: ask for new ones with new-credentials")
	case wrong:
		return fail(http.StatusUnauthorized, "wrong code; %d tries left", left)
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "verified": true, "expires_in": int(h.cfg.CodeTTL.Seconds())})
	return nil
}

// generateToken issues a client token: on v1 to anyone, on v2 to a pair
// just verified. A token is a private key of the client's Visage app.
func (h *handler) generateToken(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx := r.Context()
	var app *visage.App
	var err error
	if req.version == 1 {
		if h.cfg.RequireVerifiedTokens {
			return fail(http.StatusForbidden, "this server issues tokens to verified clients only: use /v2/new-credentials")
		}
		// No identity to tie it to: every v1 token is a new client.
		app, err = h.svc.CreateApp(ctx, "facenition v1 client", h.cfg.Plan)
	} else {
		var p pair
		if p, err = pairOf(req); err != nil {
			return err
		}
		res, err := h.codes.useVerification(ctx, p.key(), h.cfg.Now())
		if err != nil {
			return err
		}
		switch res {
		case unknown:
			return fail(http.StatusForbidden, "this email and phone are not verified: call new-credentials, then authenticate-credentials")
		case expired:
			return fail(http.StatusGone, "the verification has expired: verify again with new-credentials")
		}
		app, err = h.pairApp(ctx, p)
	}
	if err != nil {
		return err
	}
	token, _, err := h.svc.CreateKey(ctx, app.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "token": token})
	return nil
}

// pairApp finds the app of a verified pair or makes it, so that each new
// token of the same client reaches the same enrolled people.
func (h *handler) pairApp(ctx context.Context, p pair) (*visage.App, error) {
	return h.svc.NamedApp(ctx, p.appName(), h.cfg.Plan)
}

// token tells whether a token is valid: introspection, so an invalid
// token is an answer (active: false), not an error.
func (h *handler) token(w http.ResponseWriter, r *http.Request, req *request) error {
	tok := req.fields["token"]
	if tok == "" {
		tok = r.Header.Get("X-Auth-Token")
	}
	if tok == "" {
		tok = req.fields["auth_token"]
	}
	if tok == "" {
		return fail(http.StatusBadRequest, "field token is required (or the token in X-Auth-Token)")
	}
	app, err := h.svc.AppForKey(r.Context(), tok)
	if visage.ErrorCode(err) == visage.CodeUnauthorized {
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "active": false})
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "active": true, "client_id": app.PublicID, "plan": app.Plan,
		"created_at": app.CreatedAt.Format(time.RFC3339)})
	return nil
}
