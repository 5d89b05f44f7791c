package posthogusers

import (
	"context"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// CancelEmailChange cancels the caller's pending email change (the address
// waiting for verification in [User.PendingEmail]) and returns the user.
// Without a pending change PostHog answers 400 with code
// "email_change_request_not_found". PostHog refuses API keys and OAuth tokens
// here (a [*SessionRequiredError]); it needs a logged-in session
// ([WithSession]).
//
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation PATCH /api/users/cancel_email_change_request/
func (s *UsersService) CancelEmailChange(ctx context.Context, reqOpts ...RequestOption) (*User, error) {
	return fetch[User](ctx, s.client, request{op: opUsersCancelEmailChange}, reqOpts...)
}

// VerifyEmailResult is PostHog's answer to a successful email verification:
// what the user must do next to be logged in, if anything.
type VerifyEmailResult struct {
	// Success is true when the code was accepted.
	Success bool `json:"success"`
	// RequiresLogin, Requires2FA and RequiresSSO hold PostHog's value for
	// the next step it asks for, as sent (its type is not documented); nil
	// when PostHog did not ask for it.
	RequiresLogin jsontext.Value `json:"requires_login,omitempty"`
	Requires2FA   jsontext.Value `json:"requires_2fa,omitempty"`
	RequiresSSO   jsontext.Value `json:"requires_sso,omitempty"`
}

// VerifyEmail checks the 6-digit code PostHog emailed to a user (userUUID) to
// verify their address. It needs no authentication and sends none. PostHog
// answers 400 with code "invalid_code", "too_many_attempts" or
// "email_taken".
//
// The code is sent once: never again after it may have reached PostHog,
// not even after a 429, since every attempt counts against the user's
// tries. So an error matching [ErrOutcomeUnknown] leaves open whether the
// address is verified, and sending the code again is no way to find out:
// ask the user, read [User.IsEmailVerified] with [UsersService.Get] where
// the caller may, or request a new code with
// [UsersService.RequestEmailVerification], which PostHog refuses with
// "already_verified" if this attempt worked.
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/verify_email/
func (s *UsersService) VerifyEmail(ctx context.Context, userUUID uuid.UUID, code string, reqOpts ...RequestOption) (*VerifyEmailResult, error) {
	if userUUID == uuid.Nil {
		return nil, &InputError{Arg: "userUUID", Reason: "is the nil UUID"}
	}
	if strings.TrimSpace(code) == "" {
		return nil, &InputError{Arg: "code", Reason: "is empty"}
	}
	body := struct {
		UUID string `json:"uuid"`
		Code string `json:"code"`
	}{userUUID.String(), code}
	return fetch[VerifyEmailResult](ctx, s.client, request{op: opUsersVerifyEmail, body: body}, reqOpts...)
}

// RequestEmailVerification asks PostHog to email a user (userUUID) a new
// verification code. It needs no authentication and sends none. PostHog
// answers success even for an unknown UUID, allows 6 requests a day per user,
// and answers 400 with code "email_not_available" (the instance cannot send
// email) or "already_verified".
//
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/request_email_verification/
func (s *UsersService) RequestEmailVerification(ctx context.Context, userUUID uuid.UUID, reqOpts ...RequestOption) error {
	if userUUID == uuid.Nil {
		return &InputError{Arg: "userUUID", Reason: "is the nil UUID"}
	}
	body := struct {
		UUID string `json:"uuid"`
	}{userUUID.String()}
	return s.client.do(ctx, request{op: opUsersRequestEmailVerification, body: body}, nil, reqOpts...)
}
