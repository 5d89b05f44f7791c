package posthogusers

import (
	"context"
	"strings"
)

// TwoFactorService is a user's two-factor authentication:
// /api/users/{uuid}/two_factor_…/. Reach it as client.TwoFactor.
//
// PostHog refuses personal API keys and OAuth tokens on every one of these
// endpoints, whatever their scopes, with 403 "This action does not support
// personal API key access", returned as a [*SessionRequiredError]. They work
// for a logged-in session: create the client with [WithSession]. PostHog only
// acts on the session's own user, so id is normally [Me].
//
// PostHog API docs, which list only start_2fa_setup of these endpoints:
// https://posthog.com/docs/api/users#get-api-users-uuid-start_2fa_setup
type TwoFactorService service

// TwoFactorSetup is the start of a TOTP setup.
type TwoFactorSetup struct {
	// Success is true when PostHog started the setup.
	Success bool `json:"success"`
	// Secret is the base32 TOTP secret to put in an authenticator app.
	// PostHog keeps it for 10 minutes; confirm it with
	// [TwoFactorService.Validate] before then.
	Secret string `json:"secret"`
}

// TwoFactorMethod is a user's primary second factor.
type TwoFactorMethod string

// The two-factor methods. PostHog sends no method (nil) when 2FA is off.
const (
	TwoFactorMethodTOTP    TwoFactorMethod = "TOTP"
	TwoFactorMethodPasskey TwoFactorMethod = "passkey"
)

// TwoFactorStatus is the state of a user's two-factor authentication.
type TwoFactorStatus struct {
	// IsEnabled is true when any second factor is enabled.
	IsEnabled bool `json:"is_enabled"`
	// BackupCodesRemaining is the number of unused backup codes.
	BackupCodesRemaining int `json:"backup_codes_remaining"`
	// Method is the primary method, or nil when 2FA is off.
	Method *TwoFactorMethod `json:"method"`
	// HasPasskeys is true when the user has a verified passkey.
	HasPasskeys bool `json:"has_passkeys"`
	// HasTOTP is true when the user has an authenticator app set up.
	HasTOTP bool `json:"has_totp"`
	// PasskeysEnabledFor2FA is true when passkeys count as a second factor.
	PasskeysEnabledFor2FA bool `json:"passkeys_enabled_for_2fa"`
}

// StartSetup starts setting up TOTP two-factor authentication and returns
// the secret for the authenticator app. Finish with
// [TwoFactorService.Validate] within 10 minutes. Needs a session.
//
// Not on PostHog's API docs page, which lists its older alias instead:
// https://posthog.com/docs/api/users#get-api-users-uuid-start_2fa_setup
//
//meta:operation GET /api/users/{uuid}/two_factor_start_setup/
func (s *TwoFactorService) StartSetup(ctx context.Context, id string, reqOpts ...RequestOption) (*TwoFactorSetup, error) {
	return s.startSetup(ctx, opTwoFactorStartSetup, id, reqOpts)
}

// StartSetupLegacy is [TwoFactorService.StartSetup] through PostHog's older
// route, start_2fa_setup, which PostHog keeps as an alias; use it for
// instances old enough to lack two_factor_start_setup. Needs a session.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-uuid-start_2fa_setup
//
//meta:operation GET /api/users/{uuid}/start_2fa_setup/
func (s *TwoFactorService) StartSetupLegacy(ctx context.Context, id string, reqOpts ...RequestOption) (*TwoFactorSetup, error) {
	return s.startSetup(ctx, opTwoFactorStartSetupLegacy, id, reqOpts)
}

func (s *TwoFactorService) startSetup(ctx context.Context, op opID, id string, reqOpts []RequestOption) (*TwoFactorSetup, error) {
	return fetch[TwoFactorSetup](ctx, s.client, request{op: op, user: id}, reqOpts...)
}

// Status returns the state of a user's two-factor authentication. Needs a
// session.
//
// Not on PostHog's API docs page.
//
//meta:operation GET /api/users/{uuid}/two_factor_status/
func (s *TwoFactorService) Status(ctx context.Context, id string, reqOpts ...RequestOption) (*TwoFactorStatus, error) {
	return fetch[TwoFactorStatus](ctx, s.client, request{op: opTwoFactorStatus, user: id}, reqOpts...)
}

// Validate finishes a TOTP setup with a code from the authenticator app,
// which turns two-factor authentication on. PostHog answers 400 with code
// "token_invalid" for a wrong code and "setup_expired" when the setup is
// older than 10 minutes. Needs a session.
//
// The code is sent once: never again after it may have reached PostHog,
// not even after a 429. After an error matching [ErrOutcomeUnknown],
// [TwoFactorService.Status] tells whether the authenticator app is now set
// up (HasTOTP); if it is not, validate a new code, starting the setup
// again if its 10 minutes are over.
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/{uuid}/two_factor_validate/
func (s *TwoFactorService) Validate(ctx context.Context, id, code string, reqOpts ...RequestOption) error {
	return s.validate(ctx, opTwoFactorValidate, id, code, reqOpts)
}

// ValidateLegacy is [TwoFactorService.Validate] through PostHog's older
// route, validate_2fa, which PostHog keeps as an alias. Needs a session.
// Like Validate, it sends the code once, and an unknown outcome is settled
// the same way: with [TwoFactorService.Status], not by sending it again.
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/{uuid}/validate_2fa/
func (s *TwoFactorService) ValidateLegacy(ctx context.Context, id, code string, reqOpts ...RequestOption) error {
	return s.validate(ctx, opTwoFactorValidateLegacy, id, code, reqOpts)
}

func (s *TwoFactorService) validate(ctx context.Context, op opID, id, code string, reqOpts []RequestOption) error {
	code = strings.TrimSpace(code)
	if code == "" {
		// PostHog reads the token without checking for it: a missing one
		// is a 500 there.
		return &InputError{Arg: "code", Reason: "is empty"}
	}
	body := struct {
		Token string `json:"token"`
	}{code}
	return s.client.do(ctx, request{op: op, user: id, body: body}, nil, reqOpts...)
}

// BackupCodes generates ten new backup codes and returns them. Without TOTP
// enabled PostHog answers 400 with code "2fa_not_enabled". Needs a session.
//
// New codes invalidate every earlier backup code at once, so PostHog is
// asked only once: the request is never retried after it may have reached
// PostHog (only a failure to connect is). When the answer is lost (an error
// matching [ErrOutcomeUnknown]), the new codes are unknown and no read can
// recover them, not even [TwoFactorService.Status]: call BackupCodes again
// and keep what it returns.
//
// Not on PostHog's current API docs page; an older version listed it.
//
//meta:operation POST /api/users/{uuid}/two_factor_backup_codes/
func (s *TwoFactorService) BackupCodes(ctx context.Context, id string, reqOpts ...RequestOption) ([]string, error) {
	resp, err := fetch[struct {
		BackupCodes []string `json:"backup_codes"`
	}](ctx, s.client, request{op: opTwoFactorBackupCodes, user: id, body: struct{}{}}, reqOpts...)
	if err != nil {
		return nil, err
	}
	return resp.BackupCodes, nil
}

// Disable turns two-factor authentication off and deletes the user's TOTP
// device and backup codes. Needs a session.
//
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/{uuid}/two_factor_disable/
func (s *TwoFactorService) Disable(ctx context.Context, id string, reqOpts ...RequestOption) error {
	return s.client.do(ctx, request{op: opTwoFactorDisable, user: id, body: struct{}{}}, nil, reqOpts...)
}
