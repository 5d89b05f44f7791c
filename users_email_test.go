package posthogusers

import (
	"context"
	"net/http"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// usersEmailEndpointCases are the endpoint cases of users_email.go.
var usersEmailEndpointCases = []endpointCase{
	{
		name: "Users.CancelEmailChange", session: true,
		route:  "PATCH /api/users/cancel_email_change_request/{$}",
		status: http.StatusOK, resp: usersGetFixture,
		call: func(ctx context.Context, c *Client) (any, error) {
			u, err := c.Users.CancelEmailChange(ctx)
			if err != nil {
				return nil, err
			}
			return u.UUID, nil
		},
		want: testUserUUID,
	},
	{
		name: "Users.VerifyEmail", anonymous: true,
		route:    "POST /api/users/verify_email/{$}",
		wantBody: `{"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","code":"123456"}`,
		status:   http.StatusOK, resp: `{"success":true,"requires_login":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Users.VerifyEmail(ctx, testUserUUID, "123456")
		},
		want: &VerifyEmailResult{Success: true, RequiresLogin: jsontext.Value("true")},
	},
	{
		name: "Users.RequestEmailVerification", anonymous: true,
		route:    "POST /api/users/request_email_verification/{$}",
		wantBody: `{"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"}`,
		status:   http.StatusOK, resp: `{"success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Users.RequestEmailVerification(ctx, testUserUUID)
		},
	},
}

// usersEmailInvalidInputCases are the arguments users_email.go refuses.
var usersEmailInvalidInputCases = []invalidInputCase{
	{"verify nil UUID", func(ctx context.Context, c *Client) error { return errOf(c.Users.VerifyEmail(ctx, uuid.Nil, "123456")) }, "userUUID"},
	{"verify empty code", func(ctx context.Context, c *Client) error { return errOf(c.Users.VerifyEmail(ctx, uuid.New(), "")) }, "code"},
	{"request verification nil UUID", func(ctx context.Context, c *Client) error {
		return c.Users.RequestEmailVerification(ctx, uuid.Nil)
	}, "userUUID"},
}
