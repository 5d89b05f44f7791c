package posthogtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// setupLifetime is how long a TOTP setup waits for validation.
const setupLifetime = 10 * time.Minute

// startTwoFactor serves GET …/start_2fa_setup/ and
// …/two_factor_start_setup/: a new pending TOTP secret.
func (x *exchange) startTwoFactor(u *user) {
	m := x.mutable(u)
	m.pendingSecret, m.pendingSince = newTOTPSecret(), x.f.now()
	x.json(http.StatusOK, map[string]any{"success": true, "secret": m.pendingSecret})
}

// twoFactorStatus serves GET …/two_factor_status/.
func (x *exchange) twoFactorStatus(u *user) {
	var method *string
	if u.totpSecret != "" {
		method = ptr("TOTP")
	}
	x.json(http.StatusOK, map[string]any{
		"is_enabled":               u.totpSecret != "",
		"backup_codes_remaining":   len(u.backupCodes),
		"method":                   method,
		"has_passkeys":             false,
		"has_totp":                 u.totpSecret != "",
		"passkeys_enabled_for_2fa": u.passkeysFor2FA != nil && *u.passkeysFor2FA,
	})
}

// validateTwoFactor serves POST …/validate_2fa/ and
// …/two_factor_validate/: a code of the pending secret turns two-factor
// authentication on.
func (x *exchange) validateTwoFactor(u *user) {
	var body struct {
		Token *string `json:"token"`
	}
	if json.Unmarshal(x.body, &body) != nil || body.Token == nil {
		// PostHog reads request.data["token"] unchecked.
		x.fail(http.StatusInternalServerError, "server_error", "error", "A server error occurred.", "")
		return
	}
	now := x.f.now()
	switch {
	case u.pendingSecret == "" || now.Sub(u.pendingSince) > setupLifetime:
		x.invalid("setup_expired", "2FA setup session expired. Please start setup again.", "")
		return
	case !validTOTP(u.pendingSecret, strings.TrimSpace(*body.Token), now):
		x.invalid("token_invalid", "Token is not valid", "")
		return
	}
	m := x.mutable(u)
	m.totpSecret, m.pendingSecret = m.pendingSecret, ""
	if len(m.backupCodes) == 0 {
		m.backupCodes = newBackupCodes()
	}
	x.json(http.StatusOK, map[string]any{"success": true})
}

// backupCodes serves POST …/two_factor_backup_codes/: new backup codes.
func (x *exchange) backupCodes(u *user) {
	if u.totpSecret == "" {
		x.invalid("2fa_not_enabled", "2FA must be enabled first", "")
		return
	}
	m := x.mutable(u)
	m.backupCodes = newBackupCodes()
	x.json(http.StatusOK, map[string]any{"backup_codes": m.backupCodes})
}

// disableTwoFactor serves POST …/two_factor_disable/.
func (x *exchange) disableTwoFactor(u *user) {
	m := x.mutable(u)
	m.totpSecret, m.pendingSecret, m.backupCodes = "", "", nil
	x.json(http.StatusOK, map[string]any{"success": true})
}
