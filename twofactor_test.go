package posthogusers

import (
	"context"
	"net/http"
)

// twoFactorEndpointCases are the endpoint cases of twofactor.go.
var twoFactorEndpointCases = []endpointCase{
	{
		name: "TwoFactor.StartSetup", session: true,
		route: "GET /api/users/@me/two_factor_start_setup/{$}", status: http.StatusOK, resp: `{"success":true,"secret":"JBSWY3DPEHPK3PXP"}`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.TwoFactor.StartSetup(ctx, Me) },
		want: &TwoFactorSetup{Success: true, Secret: "JBSWY3DPEHPK3PXP"},
	},
	{
		name: "TwoFactor.StartSetupLegacy", session: true,
		route: "GET /api/users/@me/start_2fa_setup/{$}", status: http.StatusOK, resp: `{"success":true,"secret":"JBSWY3DPEHPK3PXP"}`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.TwoFactor.StartSetupLegacy(ctx, Me) },
		want: &TwoFactorSetup{Success: true, Secret: "JBSWY3DPEHPK3PXP"},
	},
	{
		name: "TwoFactor.Status", session: true,
		route: "GET /api/users/@me/two_factor_status/{$}", status: http.StatusOK,
		resp: `{"is_enabled":true,"backup_codes_remaining":8,"method":"TOTP","has_passkeys":false,"has_totp":true,"passkeys_enabled_for_2fa":false}`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.TwoFactor.Status(ctx, Me) },
		want: &TwoFactorStatus{IsEnabled: true, BackupCodesRemaining: 8, Method: Ptr(TwoFactorMethodTOTP), HasTOTP: true},
	},
	{
		name: "TwoFactor.Status off", session: true,
		route: "GET /api/users/@me/two_factor_status/{$}", status: http.StatusOK,
		resp: `{"is_enabled":false,"backup_codes_remaining":0,"method":null,"has_passkeys":false,"has_totp":false,"passkeys_enabled_for_2fa":false}`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.TwoFactor.Status(ctx, Me) },
		want: &TwoFactorStatus{},
	},
	{
		name: "TwoFactor.Validate", session: true,
		route: "POST /api/users/@me/two_factor_validate/{$}", wantBody: `{"token":"123456"}`,
		status: http.StatusOK, resp: `{"success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.TwoFactor.Validate(ctx, Me, " 123456 ")
		},
	},
	{
		name: "TwoFactor.ValidateLegacy", session: true,
		route: "POST /api/users/@me/validate_2fa/{$}", wantBody: `{"token":"654321"}`,
		status: http.StatusOK, resp: `{"success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.TwoFactor.ValidateLegacy(ctx, Me, "654321")
		},
	},
	{
		name: "TwoFactor.BackupCodes", session: true,
		route: "POST /api/users/@me/two_factor_backup_codes/{$}", wantBody: `{}`,
		status: http.StatusOK, resp: `{"backup_codes":["a1","b2","c3","d4","e5","f6","g7","h8","i9","j0"]}`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.TwoFactor.BackupCodes(ctx, Me) },
		want: []string{"a1", "b2", "c3", "d4", "e5", "f6", "g7", "h8", "i9", "j0"},
	},
	{
		name: "TwoFactor.Disable", session: true,
		route: "POST /api/users/@me/two_factor_disable/{$}", wantBody: `{}`,
		status: http.StatusOK, resp: `{"success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) { return nil, c.TwoFactor.Disable(ctx, Me) },
	},
}

// twoFactorInvalidInputCases are the arguments twofactor.go refuses.
var twoFactorInvalidInputCases = []invalidInputCase{
	{"2FA empty code", func(ctx context.Context, c *Client) error { return c.TwoFactor.Validate(ctx, Me, "  ") }, "code"},
	{"2FA bad id", func(ctx context.Context, c *Client) error { return errOf(c.TwoFactor.Status(ctx, "@you")) }, "id"},
}
