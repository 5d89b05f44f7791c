package posthogusers

import (
	"context"
	"net/http"
	"time"
)

// usersSessionsEndpointCases are the endpoint cases of users_sessions.go.
var usersSessionsEndpointCases = []endpointCase{
	{
		name: "Users.LoginSessions", session: true,
		route: "GET /api/users/@me/login_sessions/{$}", status: http.StatusOK,
		resp: `[{"id":"k1","created_at":"2025-06-01T12:00:00Z","last_activity":"2025-06-02T12:00:00Z","location":"London, GB","device":"Firefox on Linux","login_method":"password","is_current":true},` +
			`{"id":17,"created_at":"2025-06-01T12:00:00Z","last_activity":null,"location":null,"device":null,"login_method":null,"is_current":false}]`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.Users.LoginSessions(ctx, Me) },
		want: []LoginSession{
			{ID: "k1", CreatedAt: testCreated, LastActivity: Ptr(testCreated.Add(24 * time.Hour)), Location: "London, GB", Device: "Firefox on Linux", LoginMethod: "password", IsCurrent: true},
			{ID: "17", CreatedAt: testCreated},
		},
	},
	{
		name: "Users.RevokeLoginSession", session: true,
		route: "DELETE /api/users/@me/login_sessions/k1/{$}", status: http.StatusNoContent,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Users.RevokeLoginSession(ctx, Me, "k1")
		},
	},
	{
		name: "Users.RevokeOtherLoginSessions", session: true,
		route: "POST /api/users/@me/login_sessions/revoke_others/{$}", status: http.StatusOK, resp: `{"revoked_count":3}`,
		call: func(ctx context.Context, c *Client) (any, error) { return c.Users.RevokeOtherLoginSessions(ctx, Me) },
		want: 3,
	},
	{
		name: "Users.CompleteCredentialsReview", session: true,
		route: "POST /api/users/@me/credentials_review_complete/{$}", status: http.StatusNoContent,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Users.CompleteCredentialsReview(ctx, Me)
		},
	},
}

// usersSessionsInvalidInputCases are the arguments users_sessions.go refuses.
var usersSessionsInvalidInputCases = []invalidInputCase{
	{"revoke empty login session", func(ctx context.Context, c *Client) error { return c.Users.RevokeLoginSession(ctx, Me, " ") }, "sessionID"},
}
