package service

import (
	"context"

	"github.com/visagehq/visage/store"
)

// The operator console's sign-ins and sign-outs (package console) change
// nothing the store keeps, but who opened the console, and who tried to,
// is what an audit asks first: each is an entry of the audit log of its
// own, written with the token's ID and the address, never the token.

// ConsoleSignedIn records that the admin token tokenID opened a console
// session; ctx's caller becomes the console with that token.
func (s *Service) ConsoleSignedIn(ctx context.Context, tokenID string) error {
	SetCaller(ctx, "console", tokenID)
	return s.store.Record(ctx, store.JournalOf(journal(ctx, "console.sign_in", "", tokenID, nil)))
}

// ConsoleSignInRefused records that a sign-in from ctx's address was
// refused: reason is "wrong_token" or "throttled", and unrecorded the
// refusals from that address since its last entry that were not
// recorded (the console records one a minute per address at most, so
// that a stranger cannot flood the log). Nothing of the token tried is
// written.
func (s *Service) ConsoleSignInRefused(ctx context.Context, reason string, unrecorded int) error {
	detail := map[string]any{"reason": reason}
	if unrecorded > 0 {
		detail["unrecorded"] = unrecorded
	}
	return s.store.Record(ctx, store.JournalOf(journal(ctx, "console.sign_in_refused", "", "", detail)))
}

// ConsoleSignedOut records that the console session of the admin token
// tokenID was ended by its operator.
func (s *Service) ConsoleSignedOut(ctx context.Context, tokenID string) error {
	SetCaller(ctx, "console", tokenID)
	return s.store.Record(ctx, store.JournalOf(journal(ctx, "console.sign_out", "", tokenID, nil)))
}
