package posthogusers

import (
	"context"
	"net/http"
	"strings"
)

// usersPushTokensEndpointCases are the endpoint cases of users_push_tokens.go.
var usersPushTokensEndpointCases = []endpointCase{
	{
		name:     "Users.RegisterPushToken",
		route:    "POST /api/users/@me/push_tokens/{$}",
		wantBody: `{"token":"fcm:abc123","platform":"android"}`,
		status:   http.StatusOK, resp: `{"id":"0190e1f2-0a1b-7c2d-8e3f-4a5b6c7d8e9f","platform":"android","created_at":"2025-06-01T12:00:00Z","last_seen_at":null}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Users.RegisterPushToken(ctx, "fcm:abc123", PushPlatformAndroid)
		},
		want: &PushToken{ID: "0190e1f2-0a1b-7c2d-8e3f-4a5b6c7d8e9f", Platform: PushPlatformAndroid, CreatedAt: testCreated},
	},
	{
		name:     "Users.UnregisterPushToken",
		route:    "POST /api/users/@me/push_tokens/unregister/{$}",
		wantBody: `{"token":"fcm:abc123"}`,
		status:   http.StatusNoContent,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Users.UnregisterPushToken(ctx, "fcm:abc123")
		},
	},
}

// usersPushTokensInvalidInputCases are the arguments users_push_tokens.go refuses.
var usersPushTokensInvalidInputCases = []invalidInputCase{
	{"push token empty", func(ctx context.Context, c *Client) error { return c.Users.UnregisterPushToken(ctx, "") }, "token"},
	{"push token too long", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.RegisterPushToken(ctx, strings.Repeat("t", 513), PushPlatformIOS))
	}, "token"},
	{"push platform unknown", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.RegisterPushToken(ctx, "t", "windows"))
	}, "platform"},
}
