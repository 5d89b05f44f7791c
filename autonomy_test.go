package posthogusers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// autonomyJSON is a signal autonomy configuration as PostHog sends it,
// and wantAutonomy the same decoded.
var (
	autonomyJSON = `{"id":"0190c1d2-3e4f-7a5b-8c6d-7e8f9a0b1c2d","user":{"id":42,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},` +
		`"autostart_priority":"P1","slack_notification_integration_id":9,"slack_notification_channel":"C0123ABC456|#alerts","slack_notification_min_priority":null,` +
		`"github_assign_on_pull_request":true,"github_open_pull_request_ready":null,"created_at":"2025-06-01T12:00:00Z","updated_at":"2025-06-02T12:00:00Z"}`
	wantAutonomy = &SignalAutonomyConfig{
		ID:                             uuid.MustParse("0190c1d2-3e4f-7a5b-8c6d-7e8f9a0b1c2d"),
		User:                           AutonomyConfigUser{ID: 42, UUID: testUserUUID, FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
		AutostartPriority:              PriorityP1,
		SlackNotificationIntegrationID: Ptr(int64(9)),
		SlackNotificationChannel:       "C0123ABC456|#alerts",
		GitHubAssignOnPullRequest:      true,
		CreatedAt:                      testCreated,
		UpdatedAt:                      testCreated.Add(24 * time.Hour),
	}
)

// autonomyResult is what SignalAutonomy.Get returns, as one value to
// compare.
type autonomyResult struct {
	Config *SignalAutonomyConfig
	Found  bool
}

// signalAutonomyEndpointCases are the endpoint cases of autonomy.go.
var signalAutonomyEndpointCases = []endpointCase{
	{
		name:  "SignalAutonomy.Get",
		route: "GET /api/users/@me/signal_autonomy/{$}", status: http.StatusOK, resp: autonomyJSON,
		call: func(ctx context.Context, c *Client) (any, error) {
			cfg, found, err := c.SignalAutonomy.Get(ctx, AutonomyMe)
			return autonomyResult{cfg, found}, err
		},
		want: autonomyResult{wantAutonomy, true},
	},
	{
		name:  "SignalAutonomy.Get not set",
		route: "GET /api/users/42/signal_autonomy/{$}", status: http.StatusNotFound,
		call: func(ctx context.Context, c *Client) (any, error) {
			cfg, found, err := c.SignalAutonomy.Get(ctx, AutonomyUser(42))
			return autonomyResult{cfg, found}, err
		},
		want: autonomyResult{nil, false},
	},
	{
		name:     "SignalAutonomy.Set",
		route:    "POST /api/users/@me/signal_autonomy/{$}",
		wantBody: `{"autostart_priority":null,"slack_notification_channel":"C0123ABC456|#alerts","github_assign_on_pull_request":false,"github_open_pull_request_ready":true}`,
		status:   http.StatusOK, resp: autonomyJSON,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{
				AutostartPriority:          Null[Priority](),
				SlackNotificationChannel:   NewNullable("C0123ABC456|#alerts"),
				GitHubAssignOnPullRequest:  Ptr(false),
				GitHubOpenPullRequestReady: NewNullable(true),
			})
		},
		want: wantAutonomy,
	},
	{
		name:  "SignalAutonomy.Delete",
		route: "DELETE /api/users/7/signal_autonomy/{$}", status: http.StatusNoContent,
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.SignalAutonomy.Delete(ctx, AutonomyUser(7))
		},
	},
}

// signalAutonomyInvalidInputCases are the arguments autonomy.go refuses.
var signalAutonomyInvalidInputCases = []invalidInputCase{
	{"autonomy negative user", func(ctx context.Context, c *Client) error { return c.SignalAutonomy.Delete(ctx, AutonomyUser(-1)) }, "user"},
	// The zero value, such as the ID of a user that failed to load, must
	// not become the caller: it once sent DELETE …/@me/signal_autonomy/.
	{"autonomy zero value delete", func(ctx context.Context, c *Client) error {
		var u User
		return c.SignalAutonomy.Delete(ctx, AutonomyUser(u.ID))
	}, "user"},
	{"autonomy zero AutonomyUserID delete", func(ctx context.Context, c *Client) error {
		var id AutonomyUserID
		return c.SignalAutonomy.Delete(ctx, id)
	}, "user"},
	{"autonomy zero AutonomyUserID get", func(ctx context.Context, c *Client) error {
		return errOf2(c.SignalAutonomy.Get(ctx, AutonomyUserID("")))
	}, "user"},
	{"autonomy zero AutonomyUserID set", func(ctx context.Context, c *Client) error {
		return errOf(c.SignalAutonomy.Set(ctx, AutonomyUserID(""), SignalAutonomyUpdate{}))
	}, "user"},
	{"autonomy not a number", func(ctx context.Context, c *Client) error {
		return c.SignalAutonomy.Delete(ctx, AutonomyUserID("../1"))
	}, "user"},
	{"autonomy leading zero", func(ctx context.Context, c *Client) error { return c.SignalAutonomy.Delete(ctx, AutonomyUserID("007")) }, "user"},
	{"autonomy me in capitals", func(ctx context.Context, c *Client) error { return c.SignalAutonomy.Delete(ctx, AutonomyUserID("@ME")) }, "user"},
	{"autonomy bad priority", func(ctx context.Context, c *Client) error {
		return errOf(c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{AutostartPriority: NewNullable(Priority("P5"))}))
	}, "AutostartPriority"},
	{"autonomy blank priority", func(ctx context.Context, c *Client) error {
		return errOf(c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{SlackNotificationMinPriority: NewNullable(Priority(""))}))
	}, "SlackNotificationMinPriority"},
	{"autonomy channel and direct message", func(ctx context.Context, c *Client) error {
		return errOf(c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{
			SlackNotificationChannel: NewNullable("C1|#a"), SlackNotificationDirectMessage: Ptr(true)}))
	}, "SlackNotificationDirectMessage"},
	{"autonomy channel too long", func(ctx context.Context, c *Client) error {
		return errOf(c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{SlackNotificationChannel: NewNullable(strings.Repeat("c", 256))}))
	}, "SlackNotificationChannel"},
	{"autonomy integration zero", func(ctx context.Context, c *Client) error {
		return errOf(c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{SlackNotificationIntegrationID: NewNullable(int64(0))}))
	}, "SlackNotificationIntegrationID"},
}

// TestSignalAutonomy_Get_unknownUser shows that a 404 with PostHog's error
// envelope is an error, unlike the empty 404 of a user with no
// configuration.
func TestSignalAutonomy_Get_unknownUser(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("GET /api/users/999/signal_autonomy/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusNotFound, readFixture(t, "errors/not_found.json"))
	})
	cfg, found, err := ts.client.SignalAutonomy.Get(t.Context(), AutonomyUser(999))
	if !errors.Is(err, ErrNotFound) || cfg != nil || found {
		t.Errorf("got %v, %v, %v; want nil, false and an error matching ErrNotFound", cfg, found, err)
	}
}
