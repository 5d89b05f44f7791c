package posthogusers

import (
	"context"
	"encoding/json"

	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// endpointCase is one call of an endpoint method against a handler that
// checks the request the method sends and answers with a canned response.
type endpointCase struct {
	name      string
	session   bool       // authenticate with testSession instead of testKey
	anonymous bool       // the request must carry no credential
	route     string     // ServeMux pattern the request must match
	wantQuery url.Values // the exact query (nil: none)
	wantBody  string     // the JSON body ("": no body)
	status    int
	resp      string
	call      func(ctx context.Context, c *Client) (any, error)
	want      any
}

// endpointCases returns a case for every endpoint method.
func endpointCases(t *testing.T) []endpointCase {
	t.Helper()
	userUUID := uuid.MustParse("0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07")
	created := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	fixture := string(readFixture(t, "users_get.json"))
	var fixtureUser User
	if err := json.Unmarshal([]byte(fixture), &fixtureUser); err != nil {
		t.Fatal(err)
	}
	repos := `[{"id":101,"name":"api","full_name":"babbage/api","private":true,"default_branch":"main","language":"Go","pushed_at":"2025-11-01T10:00:00Z","archived":false,"can_push":true},{"id":102,"name":"web","full_name":"babbage/web"}]`
	wantRepos := []GitHubRepo{
		{ID: 101, Name: "api", FullName: "babbage/api", Private: true, DefaultBranch: "main", Language: "Go", PushedAt: "2025-11-01T10:00:00Z", CanPush: true},
		{ID: 102, Name: "web", FullName: "babbage/web"},
	}
	autonomy := `{"id":"0190c1d2-3e4f-7a5b-8c6d-7e8f9a0b1c2d","user":{"id":42,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"},` +
		`"autostart_priority":"P1","slack_notification_integration_id":9,"slack_notification_channel":"C0123ABC456|#alerts","slack_notification_min_priority":null,` +
		`"github_assign_on_pull_request":true,"github_open_pull_request_ready":null,"created_at":"2025-06-01T12:00:00Z","updated_at":"2025-06-02T12:00:00Z"}`
	wantAutonomy := &SignalAutonomyConfig{
		ID:                             uuid.MustParse("0190c1d2-3e4f-7a5b-8c6d-7e8f9a0b1c2d"),
		User:                           AutonomyConfigUser{ID: 42, UUID: userUUID, FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
		AutostartPriority:              PriorityP1,
		SlackNotificationIntegrationID: Ptr(int64(9)),
		SlackNotificationChannel:       "C0123ABC456|#alerts",
		GitHubAssignOnPullRequest:      true,
		CreatedAt:                      created,
		UpdatedAt:                      created.Add(24 * time.Hour),
	}
	type loginResult struct {
		Login  string
		Linked bool
	}
	type autonomyResult struct {
		Config *SignalAutonomyConfig
		Found  bool
	}

	tests := []endpointCase{
		{
			name: "Users.Replace", session: true,
			route:    "PUT /api/users/@me/{$}",
			wantBody: `{"email":"ada@example.com","password":"correct horse battery staple","current_password":"old password","first_name":"Ada"}`,
			status:   http.StatusOK, resp: fixture,
			call: func(ctx context.Context, c *Client) (any, error) {
				u, err := c.Users.Replace(ctx, Me, ReplaceUserRequest{
					Email: "ada@example.com", Password: "correct horse battery staple",
					UpdateUserRequest: UpdateUserRequest{FirstName: Ptr("Ada"), CurrentPassword: Ptr("old password")},
				})
				if err != nil {
					return nil, err
				}
				return u.Email, nil
			},
			want: "ada@example.com",
		},
		{
			name:  "Users.GitHubLogin linked",
			route: "GET /api/users/@me/github_login/{$}", status: http.StatusOK, resp: `{"github_login":"ada-l"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				login, linked, err := c.Users.GitHubLogin(ctx, Me)
				return loginResult{login, linked}, err
			},
			want: loginResult{"ada-l", true},
		},
		{
			name:  "Users.GitHubLogin none",
			route: "GET /api/users/" + userUUID.String() + "/github_login/{$}", status: http.StatusOK, resp: `{"github_login":null}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				login, linked, err := c.Users.GitHubLogin(ctx, userUUID.String())
				return loginResult{login, linked}, err
			},
			want: loginResult{"", false},
		},
		{
			name:  "Users.HedgehogConfig",
			route: "GET /api/users/@me/hedgehog_config/{$}", status: http.StatusOK, resp: `{"color":"blue","accessories":["beret"]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cfg, err := c.Users.HedgehogConfig(ctx, Me)
				return string(cfg), err
			},
			want: `{"color":"blue","accessories":["beret"]}`,
		},
		{
			name:     "Users.ReplaceHedgehogConfig",
			route:    "PATCH /api/users/@me/hedgehog_config/{$}",
			wantBody: `{"color":"green","walk_speed":2}`,
			status:   http.StatusOK, resp: `{"color":"green","walk_speed":2}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				cfg, err := c.Users.ReplaceHedgehogConfig(ctx, Me, map[string]any{"color": "green", "walk_speed": 2})
				return string(cfg), err
			},
			want: `{"color":"green","walk_speed":2}`,
		},
		{
			name:     "Users.MarkProductIntroSeen",
			route:    "PATCH /api/users/@me/product_intro_seen/{$}",
			wantBody: `{"product_key":"surveys","seen":false}`,
			status:   http.StatusOK, resp: `{"surveys":false,"feature_flags":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.MarkProductIntroSeen(ctx, Me, "surveys", false)
			},
			want: map[string]bool{"surveys": false, "feature_flags": true},
		},
		{
			name: "Users.SetScenePersonalisation", session: true,
			route:    "POST /api/users/@me/scene_personalisation/{$}",
			wantBody: `{"scene":"ProjectHomepage","dashboard":7}`,
			status:   http.StatusOK, resp: fixture,
			call: func(ctx context.Context, c *Client) (any, error) {
				u, err := c.Users.SetScenePersonalisation(ctx, Me, "ProjectHomepage", 7)
				if err != nil {
					return nil, err
				}
				return u.ScenePersonalisation, nil
			},
			want: fixtureUser.ScenePersonalisation,
		},
		{
			name: "Users.CancelEmailChange", session: true,
			route:  "PATCH /api/users/cancel_email_change_request/{$}",
			status: http.StatusOK, resp: fixture,
			call: func(ctx context.Context, c *Client) (any, error) {
				u, err := c.Users.CancelEmailChange(ctx)
				if err != nil {
					return nil, err
				}
				return u.UUID, nil
			},
			want: userUUID,
		},
		{
			name: "Users.VerifyEmail", anonymous: true,
			route:    "POST /api/users/verify_email/{$}",
			wantBody: `{"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","code":"123456"}`,
			status:   http.StatusOK, resp: `{"success":true,"requires_login":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.VerifyEmail(ctx, userUUID, "123456")
			},
			want: &VerifyEmailResult{Success: true, RequiresLogin: jsontext.Value("true")},
		},
		{
			name: "Users.RequestEmailVerification", anonymous: true,
			route:    "POST /api/users/request_email_verification/{$}",
			wantBody: `{"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"}`,
			status:   http.StatusOK, resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Users.RequestEmailVerification(ctx, userUUID)
			},
		},
		{
			name: "Users.SkipOnboarding", session: true,
			route:    "POST /api/users/@me/onboarding/skip/{$}",
			wantBody: `{"reason":"later","step_at_skip":"install_snippet"}`,
			status:   http.StatusOK, resp: fixture,
			call: func(ctx context.Context, c *Client) (any, error) {
				u, err := c.Users.SkipOnboarding(ctx, Me, SkipOnboardingLater, "install_snippet")
				if err != nil {
					return nil, err
				}
				return u.ID, nil
			},
			want: int64(42),
		},
		{
			name: "Users.LoginSessions", session: true,
			route: "GET /api/users/@me/login_sessions/{$}", status: http.StatusOK,
			resp: `[{"id":"k1","created_at":"2025-06-01T12:00:00Z","last_activity":"2025-06-02T12:00:00Z","location":"London, GB","device":"Firefox on Linux","login_method":"password","is_current":true},` +
				`{"id":17,"created_at":"2025-06-01T12:00:00Z","last_activity":null,"location":null,"device":null,"login_method":null,"is_current":false}]`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.Users.LoginSessions(ctx, Me) },
			want: []LoginSession{
				{ID: "k1", CreatedAt: created, LastActivity: Ptr(created.Add(24 * time.Hour)), Location: "London, GB", Device: "Firefox on Linux", LoginMethod: "password", IsCurrent: true},
				{ID: "17", CreatedAt: created},
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
		{
			name:     "Users.RegisterPushToken",
			route:    "POST /api/users/@me/push_tokens/{$}",
			wantBody: `{"token":"fcm:abc123","platform":"android"}`,
			status:   http.StatusOK, resp: `{"id":"0190e1f2-0a1b-7c2d-8e3f-4a5b6c7d8e9f","platform":"android","created_at":"2025-06-01T12:00:00Z","last_seen_at":null}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Users.RegisterPushToken(ctx, "fcm:abc123", PushPlatformAndroid)
			},
			want: &PushToken{ID: "0190e1f2-0a1b-7c2d-8e3f-4a5b6c7d8e9f", Platform: PushPlatformAndroid, CreatedAt: created},
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
		{
			name:  "Integrations.ListGitHub",
			route: "GET /api/users/@me/integrations/{$}", wantQuery: url.Values{"kind": {"github"}}, status: http.StatusOK,
			resp: `{"results":[{"id":"0190d1e2-3f4a-7b5c-8d6e-7f8a9b0c1d2e","kind":"github","installation_id":"12345","repository_selection":"selected",` +
				`"account":{"type":"Organization","name":"babbage"},"github_login":"ada-l","uses_shared_installation":false,"installation_shared":true,` +
				`"installation_status":"connected","created_at":"2025-06-01T12:00:00Z"},` +
				`{"kind":"github","installation_id":"777","repository_selection":null,"account":null,"uses_shared_installation":true,"created_at":"2025-06-01T12:00:00Z"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.Integrations.ListGitHub(ctx, Me) },
			want: []GitHubIntegration{
				{
					ID: uuid.MustParse("0190d1e2-3f4a-7b5c-8d6e-7f8a9b0c1d2e"), InstallationID: "12345", RepositorySelection: "selected",
					Account: &GitHubAccount{Type: "Organization", Name: "babbage"}, GitHubLogin: "ada-l", InstallationShared: true,
					InstallationStatus: InstallationConnected, CreatedAt: created,
				},
				{InstallationID: "777", UsesSharedInstallation: true, CreatedAt: created},
			},
		},
		{
			name:  "Integrations.ListSlack",
			route: "GET /api/users/@me/integrations/{$}", wantQuery: url.Values{"kind": {"slack"}}, status: http.StatusOK,
			resp: `{"results":[{"id":"0190d1e2-3f4a-7b5c-8d6e-7f8a9b0c1d2f","kind":"slack","slack_user_id":"U0123ABC456","slack_team_id":"T0001",` +
				`"slack_team_name":"Engines","slack_email_at_link":"ada@example.com","created_at":"2025-06-01T12:00:00Z"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.Integrations.ListSlack(ctx, Me) },
			want: []SlackIntegration{{
				ID: uuid.MustParse("0190d1e2-3f4a-7b5c-8d6e-7f8a9b0c1d2f"), SlackUserID: "U0123ABC456", SlackTeamID: "T0001",
				SlackTeamName: "Engines", SlackEmailAtLink: "ada@example.com", CreatedAt: created,
			}},
		},
		{
			name:  "Integrations.DeleteGitHub",
			route: "DELETE /api/users/@me/integrations/github/12345/{$}", status: http.StatusNoContent,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Integrations.DeleteGitHub(ctx, Me, "12345")
			},
		},
		{
			name:      "Integrations.GitHubRepos",
			route:     "GET /api/users/@me/integrations/github/12345/repos/{$}",
			wantQuery: url.Values{"search": {"a"}, "limit": {"2"}, "offset": {"4"}},
			status:    http.StatusOK, resp: `{"repositories":` + repos + `,"has_more":true,"total":9}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.GitHubRepos(ctx, Me, "12345", &GitHubReposOptions{Search: "a", Limit: 2, Offset: 4})
			},
			want: &GitHubReposPage{Repositories: wantRepos, HasMore: true, Total: Ptr(9)},
		},
		{
			name:  "Integrations.GitHubRepos nil options",
			route: "GET /api/users/@me/integrations/github/12345/repos/{$}",
			// An older server: no total.
			status: http.StatusOK, resp: `{"repositories":[],"has_more":false}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.GitHubRepos(ctx, Me, "12345", nil)
			},
			want: &GitHubReposPage{Repositories: []GitHubRepo{}},
		},
		{
			name:  "Integrations.RefreshGitHubRepos",
			route: "POST /api/users/@me/integrations/github/12345/repos/refresh/{$}", status: http.StatusOK,
			resp: `{"repositories":` + repos + `,"installation_status":"unavailable"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.RefreshGitHubRepos(ctx, Me, "12345")
			},
			want: &GitHubReposRefresh{Repositories: wantRepos, InstallationStatus: InstallationUnavailable},
		},
		{
			name:      "Integrations.GitHubBranches",
			route:     "GET /api/users/@me/integrations/github/12345/branches/{$}",
			wantQuery: url.Values{"repo": {"babbage/api"}, "search": {"feat"}, "limit": {"50"}},
			status:    http.StatusOK, resp: `{"branches":["feat/a","feat/b"],"default_branch":"main","has_more":false}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.GitHubBranches(ctx, Me, "12345", "babbage/api", &GitHubBranchesOptions{Search: "feat", Limit: 50})
			},
			want: &GitHubBranchesPage{Branches: []string{"feat/a", "feat/b"}, DefaultBranch: "main"},
		},
		{
			name:     "Integrations.StartGitHubLink",
			route:    "POST /api/users/@me/integrations/github/start/{$}",
			wantBody: `{"team_id":2,"connect_from":"posthog_code"}`,
			status:   http.StatusOK, resp: `{"install_url":"https://github.com/apps/posthog/installations/new?state=x","connect_flow":"app_install"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.StartGitHubLink(ctx, Me, StartGitHubLinkRequest{TeamID: Ptr(int64(2)), ConnectFrom: "posthog_code"})
			},
			want: &GitHubLinkStart{InstallURL: "https://github.com/apps/posthog/installations/new?state=x", ConnectFlow: GitHubFlowAppInstall},
		},
		{
			name:     "Integrations.StartGitHubLink defaults",
			route:    "POST /api/users/@me/integrations/github/start/{$}",
			wantBody: `{}`,
			status:   http.StatusOK, resp: `{"install_url":"https://github.com/login/oauth/authorize?x=1","connect_flow":"oauth_authorize"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.StartGitHubLink(ctx, Me, StartGitHubLinkRequest{})
			},
			want: &GitHubLinkStart{InstallURL: "https://github.com/login/oauth/authorize?x=1", ConnectFlow: GitHubFlowOAuthAuthorize},
		},
		{
			name:     "Integrations.PrepareGitHubCallback",
			route:    "POST /api/users/@me/integrations/github/prepare_callback/{$}",
			wantBody: `{"installation_id":"12345"}`,
			status:   http.StatusNoContent,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Integrations.PrepareGitHubCallback(ctx, Me, "12345")
			},
		},
		{
			name:  "Integrations.LinkableSlackWorkspaces",
			route: "GET /api/users/@me/integrations/slack/linkable_workspaces/{$}", status: http.StatusOK,
			resp: `{"results":[{"posthog_team_id":2,"posthog_team_name":"Default project","posthog_organization_name":"Analytical Engines","slack_team_id":"T0001","slack_team_name":null}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.LinkableSlackWorkspaces(ctx, Me)
			},
			want: []SlackWorkspace{{PostHogTeamID: 2, PostHogTeamName: "Default project", PostHogOrganizationName: "Analytical Engines", SlackTeamID: "T0001"}},
		},
		{
			name:     "Integrations.StartSlackLink",
			route:    "POST /api/users/@me/integrations/slack/start/{$}",
			wantBody: `{"slack_team_id":"T0001"}`,
			status:   http.StatusOK, resp: `{"install_url":"https://slack.com/openid/connect/authorize?x=1"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.StartSlackLink(ctx, Me, StartSlackLinkRequest{SlackTeamID: "T0001"})
			},
			want: "https://slack.com/openid/connect/authorize?x=1",
		},
		{
			name:  "Integrations.DeleteSlack",
			route: "DELETE /api/users/@me/integrations/slack/W0123ABC456/{$}", status: http.StatusNoContent,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Integrations.DeleteSlack(ctx, Me, "W0123ABC456")
			},
		},
		{
			name:  "SignalAutonomy.Get",
			route: "GET /api/users/@me/signal_autonomy/{$}", status: http.StatusOK, resp: autonomy,
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
				cfg, found, err := c.SignalAutonomy.Get(ctx, AutonomyUserID(42))
				return autonomyResult{cfg, found}, err
			},
			want: autonomyResult{nil, false},
		},
		{
			name:     "SignalAutonomy.Set",
			route:    "POST /api/users/@me/signal_autonomy/{$}",
			wantBody: `{"autostart_priority":null,"slack_notification_channel":"C0123ABC456|#alerts","github_assign_on_pull_request":false,"github_open_pull_request_ready":true}`,
			status:   http.StatusOK, resp: autonomy,
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
			call: func(ctx context.Context, c *Client) (any, error) { return nil, c.SignalAutonomy.Delete(ctx, 7) },
		},
	}
	return tests
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	for _, tt := range endpointCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := setup(t)
			if tt.session {
				ts = setupSession(t)
			}
			var served int
			ts.mux.HandleFunc(tt.route, func(w http.ResponseWriter, r *http.Request) {
				served++
				switch {
				case tt.anonymous:
					if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
						t.Errorf("anonymous endpoint got a credential: Authorization %q, Cookie %q", r.Header.Get("Authorization"), r.Header.Get("Cookie"))
					}
				case tt.session:
					testSessionAuth(t, r)
				default:
					testAuth(t, r)
				}
				testQuery(t, r, orEmpty(tt.wantQuery))
				if tt.wantBody != "" {
					testJSONBody(t, r, tt.wantBody)
				} else if r.ContentLength > 0 {
					t.Errorf("request has a body of %d bytes; want none", r.ContentLength)
				}
				if tt.resp == "" {
					w.WriteHeader(tt.status)
					return
				}
				serveJSON(w, tt.status, []byte(tt.resp))
			})
			got, err := tt.call(t.Context(), ts.client)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if served != 1 {
				t.Fatalf("handler ran %d times; want 1", served)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEndpoints_validationError sends every endpoint's request to a server
// that refuses it with PostHog's 400 envelope, and checks that each method
// returns it as an *APIError matching ErrValidation, with the envelope's
// fields, after one attempt.
func TestEndpoints_validationError(t *testing.T) {
	t.Parallel()
	const envelope = `{"type":"validation_error","code":"invalid_input","detail":"Ensure this value is greater than or equal to 1.","attr":"limit"}`
	for _, tt := range endpointCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := setup(t)
			if tt.session {
				ts = setupSession(t)
			}
			var served atomic.Int64
			ts.mux.HandleFunc(tt.route, func(w http.ResponseWriter, r *http.Request) {
				served.Add(1)
				serveJSON(w, http.StatusBadRequest, []byte(envelope))
			})
			_, err := tt.call(t.Context(), ts.client)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || !errors.Is(err, ErrValidation) {
				t.Fatalf("error: got %T %v; want an *APIError matching ErrValidation", err, err)
			}
			if apiErr.Code != "invalid_input" || apiErr.Attr != "limit" || apiErr.Type != "validation_error" || apiErr.Attempts != 1 {
				t.Errorf("APIError fields: %+v", apiErr)
			}
			if served.Load() != 1 {
				t.Errorf("requests: %d; want 1 (400 is never retried)", served.Load())
			}
		})
	}
}

// orEmpty returns v, or empty values for nil.
func orEmpty(v url.Values) url.Values {
	if v == nil {
		return url.Values{}
	}
	return v
}

// testSessionAuth fails t when r does not carry testSession the way Django
// expects it: the cookies always, and on unsafe methods the CSRF header with
// Origin and Referer naming the base URL; and never a bearer token.
func testSessionAuth(t testing.TB, r *http.Request) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization header %q sent with a session", got)
	}
	if c, err := r.Cookie("sessionid"); err != nil || c.Value != testSession.ID {
		t.Errorf("sessionid cookie: got %v, %v; want the session ID", c, err)
	}
	if c, err := r.Cookie("posthog_csrftoken"); err != nil || c.Value != testSession.CSRFToken {
		t.Errorf("posthog_csrftoken cookie: got %v, %v; want the CSRF token", c, err)
	}
	if safeMethod(r.Method) {
		if got := r.Header.Get("X-CSRFToken"); got != "" {
			t.Errorf("X-CSRFToken on %s: got %q; want none", r.Method, got)
		}
		return
	}
	if got := r.Header.Get("X-CSRFToken"); got != testSession.CSRFToken {
		t.Errorf("X-CSRFToken on %s: got %q; want the CSRF token", r.Method, got)
	}
	origin := "http://" + r.Host
	if got := r.Header.Get("Origin"); got != origin {
		t.Errorf("Origin: got %q; want %q", got, origin)
	}
	if got, want := r.Header.Get("Referer"), origin+basePath+"/"; got != want {
		t.Errorf("Referer: got %q; want %q", got, want)
	}
}

func TestEndpoints_invalidInput(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent for invalid input: %s %s", r.Method, r.URL)
	})
	sess := setupSession(t, WithSession(Session{ID: "s"})) // no CSRF token
	sess.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent for invalid input: %s %s", r.Method, r.URL)
	})
	c, s := ts.client, sess.client
	long := strings.Repeat("é", 129)
	tests := []struct {
		name    string
		call    func(ctx context.Context) error
		wantArg string
	}{
		{"GitHubLogin bad id", func(ctx context.Context) error { _, _, err := c.Users.GitHubLogin(ctx, "me"); return err }, "id"},
		{"Replace without password", func(ctx context.Context) error {
			_, err := c.Users.Replace(ctx, Me, ReplaceUserRequest{Email: "a@example.com"})
			return err
		}, "Password"},
		{"Replace without email", func(ctx context.Context) error {
			_, err := c.Users.Replace(ctx, Me, ReplaceUserRequest{Password: "p"})
			return err
		}, "Email"},
		{"Replace with a bad embedded field", func(ctx context.Context) error {
			_, err := c.Users.Replace(ctx, Me, ReplaceUserRequest{Email: "a@example.com", Password: "p",
				UpdateUserRequest: UpdateUserRequest{FirstName: Ptr(long + long)}})
			return err
		}, "FirstName"},
		{"hedgehog config array", func(ctx context.Context) error {
			_, err := c.Users.ReplaceHedgehogConfig(ctx, Me, []int{1})
			return err
		}, "config"},
		{"hedgehog config null", func(ctx context.Context) error {
			_, err := c.Users.ReplaceHedgehogConfig(ctx, Me, nil)
			return err
		}, "config"},
		{"hedgehog config invalid raw JSON", func(ctx context.Context) error {
			_, err := c.Users.ReplaceHedgehogConfig(ctx, Me, jsontext.Value(`{"a":`))
			return err
		}, "config"},
		{"hedgehog config unencodable", func(ctx context.Context) error {
			_, err := c.Users.ReplaceHedgehogConfig(ctx, Me, map[string]any{"f": func() {}})
			return err
		}, "config"},
		{"hedgehog merge patch not an object", func(ctx context.Context) error {
			_, err := c.Users.MergeHedgehogConfig(ctx, Me, "x")
			return err
		}, "patch"},
		{"product key empty", func(ctx context.Context) error {
			_, err := c.Users.MarkProductIntroSeen(ctx, Me, " ", true)
			return err
		}, "productKey"},
		{"product key too long", func(ctx context.Context) error {
			_, err := c.Users.MarkProductIntroSeen(ctx, Me, long, true)
			return err
		}, "productKey"},
		{"scene empty", func(ctx context.Context) error {
			_, err := c.Users.SetScenePersonalisation(ctx, Me, "", 1)
			return err
		}, "scene"},
		{"dashboard zero", func(ctx context.Context) error {
			_, err := c.Users.SetScenePersonalisation(ctx, Me, "ProjectHomepage", 0)
			return err
		}, "dashboard"},
		{"verify nil UUID", func(ctx context.Context) error {
			_, err := c.Users.VerifyEmail(ctx, uuid.Nil, "123456")
			return err
		}, "userUUID"},
		{"verify empty code", func(ctx context.Context) error {
			_, err := c.Users.VerifyEmail(ctx, uuid.New(), "")
			return err
		}, "code"},
		{"request verification nil UUID", func(ctx context.Context) error {
			return c.Users.RequestEmailVerification(ctx, uuid.Nil)
		}, "userUUID"},
		{"skip onboarding bad reason", func(ctx context.Context) error {
			_, err := c.Users.SkipOnboarding(ctx, Me, "delegated", "")
			return err
		}, "reason"},
		{"skip onboarding long step", func(ctx context.Context) error {
			_, err := c.Users.SkipOnboarding(ctx, Me, SkipOnboardingLater, strings.Repeat("s", 65))
			return err
		}, "stepAtSkip"},
		{"revoke empty login session", func(ctx context.Context) error { return c.Users.RevokeLoginSession(ctx, Me, " ") }, "sessionID"},
		{"push token empty", func(ctx context.Context) error { return c.Users.UnregisterPushToken(ctx, "") }, "token"},
		{"push token too long", func(ctx context.Context) error {
			_, err := c.Users.RegisterPushToken(ctx, strings.Repeat("t", 513), PushPlatformIOS)
			return err
		}, "token"},
		{"push platform unknown", func(ctx context.Context) error {
			_, err := c.Users.RegisterPushToken(ctx, "t", "windows")
			return err
		}, "platform"},
		{"2FA empty code", func(ctx context.Context) error { return c.TwoFactor.Validate(ctx, Me, "  ") }, "code"},
		{"2FA bad id", func(ctx context.Context) error { _, err := c.TwoFactor.Status(ctx, "@you"); return err }, "id"},
		{"installation id with letters", func(ctx context.Context) error { return c.Integrations.DeleteGitHub(ctx, Me, "12a") }, "installationID"},
		{"installation id empty", func(ctx context.Context) error {
			_, err := c.Integrations.GitHubRepos(ctx, Me, "", nil)
			return err
		}, "installationID"},
		{"installation id path", func(ctx context.Context) error {
			return c.Integrations.PrepareGitHubCallback(ctx, Me, "../1")
		}, "installationID"},
		{"repos limit too big", func(ctx context.Context) error {
			_, err := c.Integrations.GitHubRepos(ctx, Me, "1", &GitHubReposOptions{Limit: 501})
			return err
		}, "Limit"},
		{"repos negative offset", func(ctx context.Context) error {
			_, err := c.Integrations.GitHubRepos(ctx, Me, "1", &GitHubReposOptions{Offset: -1})
			return err
		}, "Offset"},
		{"branches without repo", func(ctx context.Context) error {
			_, err := c.Integrations.GitHubBranches(ctx, Me, "1", "", nil)
			return err
		}, "repo"},
		{"branches repo without owner", func(ctx context.Context) error {
			_, err := c.Integrations.GitHubBranches(ctx, Me, "1", "api", nil)
			return err
		}, "repo"},
		{"branches limit too big", func(ctx context.Context) error {
			_, err := c.Integrations.GitHubBranches(ctx, Me, "1", "o/r", &GitHubBranchesOptions{Limit: 1001})
			return err
		}, "Limit"},
		{"GitHub start team zero", func(ctx context.Context) error {
			_, err := c.Integrations.StartGitHubLink(ctx, Me, StartGitHubLinkRequest{TeamID: Ptr(int64(0))})
			return err
		}, "TeamID"},
		{"Slack start team negative", func(ctx context.Context) error {
			_, err := c.Integrations.StartSlackLink(ctx, Me, StartSlackLinkRequest{TeamID: Ptr(int64(-1))})
			return err
		}, "TeamID"},
		{"Slack user lower case", func(ctx context.Context) error { return c.Integrations.DeleteSlack(ctx, Me, "u0123") }, "slackUserID"},
		{"Slack user wrong letter", func(ctx context.Context) error { return c.Integrations.DeleteSlack(ctx, Me, "T0123") }, "slackUserID"},
		{"Slack user prefix only", func(ctx context.Context) error { return c.Integrations.DeleteSlack(ctx, Me, "U") }, "slackUserID"},
		{"autonomy negative user", func(ctx context.Context) error { return c.SignalAutonomy.Delete(ctx, -1) }, "user"},
		{"autonomy bad priority", func(ctx context.Context) error {
			_, err := c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{AutostartPriority: NewNullable(Priority("P5"))})
			return err
		}, "AutostartPriority"},
		{"autonomy blank priority", func(ctx context.Context) error {
			_, err := c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{SlackNotificationMinPriority: NewNullable(Priority(""))})
			return err
		}, "SlackNotificationMinPriority"},
		{"autonomy channel and direct message", func(ctx context.Context) error {
			_, err := c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{
				SlackNotificationChannel: NewNullable("C1|#a"), SlackNotificationDirectMessage: Ptr(true)})
			return err
		}, "SlackNotificationDirectMessage"},
		{"autonomy channel too long", func(ctx context.Context) error {
			_, err := c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{SlackNotificationChannel: NewNullable(strings.Repeat("c", 256))})
			return err
		}, "SlackNotificationChannel"},
		{"autonomy integration zero", func(ctx context.Context) error {
			_, err := c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{SlackNotificationIntegrationID: NewNullable(int64(0))})
			return err
		}, "SlackNotificationIntegrationID"},
		{"session without CSRF token cannot POST", func(ctx context.Context) error { return s.TwoFactor.Disable(ctx, Me) }, "WithSession: CSRFToken"},
		{"session without CSRF token cannot DELETE", func(ctx context.Context) error { return s.Users.Delete(ctx, Me) }, "WithSession: CSRFToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(t.Context())
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error: got %T %v; want *InputError", err, err)
			}
			if ie.Arg != tt.wantArg {
				t.Errorf("InputError.Arg: got %q; want %q (%v)", ie.Arg, tt.wantArg, err)
			}
		})
	}
}

// TestSession_readsWithoutCSRFToken shows that a session without its CSRF
// token can still read: Django only checks the token on unsafe methods.
func TestSession_readsWithoutCSRFToken(t *testing.T) {
	t.Parallel()
	ts := setupSession(t, WithSession(Session{ID: testSession.ID, CookieName: "ph_session"}))
	ts.mux.HandleFunc("GET /api/users/@me/two_factor_status/{$}", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Cookie"); got != "ph_session="+testSession.ID {
			t.Errorf("Cookie header: got %q; want only the session cookie under its configured name", got)
		}
		serveJSON(w, http.StatusOK, []byte(`{"is_enabled":false,"backup_codes_remaining":0,"method":null,"has_passkeys":false,"has_totp":false,"passkeys_enabled_for_2fa":false}`))
	})
	// The schema check wants the default cookie name; this test is about
	// the header, so it checks the request itself.
	ts.transport.SkipRequests.Store(true)
	if _, err := ts.client.TwoFactor.Status(t.Context(), Me); err != nil {
		t.Fatal(err)
	}
}

func TestWithSession_validation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		session Session
		wantArg string
	}{
		{"key and session", testKey, testSession, "apiKey"},
		{"empty session ID", "", Session{CSRFToken: "c"}, "WithSession: ID"},
		{"session ID with a semicolon", "", Session{ID: "a;b"}, "WithSession: ID"},
		{"session ID with a space", "", Session{ID: "a b"}, "WithSession: ID"},
		{"CSRF token with a quote", "", Session{ID: "a", CSRFToken: `x"y`}, "WithSession: CSRFToken"},
		{"cookie name with =", "", Session{ID: "a", CookieName: "a=b"}, "WithSession: CookieName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(tt.key, WithSession(tt.session))
			var ie *InputError
			if !errors.As(err, &ie) || ie.Arg != tt.wantArg {
				t.Fatalf("error: got %v; want *InputError for %q", err, tt.wantArg)
			}
			for _, secret := range []string{tt.session.ID, tt.session.CSRFToken, testKey} {
				if len(secret) > 3 && strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
	c, err := NewClient("", WithSession(testSession))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(s, testSession.ID) || strings.Contains(s, testSession.CSRFToken) {
			t.Errorf("client printed as %q, which shows the session", s)
		}
		if !strings.Contains(s, "PostHog session") {
			t.Errorf("client printed as %q; want it to name a session", s)
		}
	}
}

// TestSession_errors checks how responses to a session are classified: a 401
// means the session is over, not that the endpoint wants a session, and
// secrets echoed in a body are removed.
func TestSession_errors(t *testing.T) {
	t.Parallel()
	ts := setupSession(t)
	ts.mux.HandleFunc("DELETE /api/users/@me/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusUnauthorized, readFixture(t, "errors/not_authenticated.json"))
	})
	ts.mux.HandleFunc("POST /api/users/@me/two_factor_disable/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusForbidden, []byte(`{"type":"authentication_error","code":"permission_denied","detail":"CSRF Failed: CSRF token `+testSession.CSRFToken+` incorrect; session `+testSession.ID+`","attr":null}`))
	})
	err := ts.client.Users.Delete(t.Context(), Me)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrSessionRequired) {
		t.Errorf("Delete with an expired session: got %T %v; want an *APIError matching ErrUnauthorized only", err, err)
	}
	err = ts.client.TwoFactor.Disable(t.Context(), Me)
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrForbidden) || errors.Is(err, ErrSessionRequired) {
		t.Fatalf("CSRF failure: got %T %v; want an *APIError matching ErrForbidden", err, err)
	}
	for _, secret := range []string{testSession.ID, testSession.CSRFToken} {
		if strings.Contains(err.Error(), secret) || strings.Contains(string(apiErr.Body), secret) {
			t.Errorf("error %q or its body %q shows a session secret", err, apiErr.Body)
		}
	}
}

// TestKeyRefused checks that endpoints closed to keys come back as a
// *SessionRequiredError when a key is used, and that scope errors name
// user:write for signal autonomy reads.
func TestKeyRefused(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	refuse := func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusForbidden, readFixture(t, "errors/no_key_access.json"))
	}
	for _, route := range []string{
		"GET /api/users/@me/two_factor_start_setup/{$}", "GET /api/users/@me/start_2fa_setup/{$}",
		"GET /api/users/@me/two_factor_status/{$}", "POST /api/users/@me/two_factor_validate/{$}",
		"POST /api/users/@me/validate_2fa/{$}", "POST /api/users/@me/two_factor_backup_codes/{$}",
		"POST /api/users/@me/two_factor_disable/{$}", "POST /api/users/@me/scene_personalisation/{$}",
		"PATCH /api/users/cancel_email_change_request/{$}", "POST /api/users/@me/onboarding/skip/{$}",
	} {
		ts.mux.HandleFunc(route, refuse)
	}
	unauthenticated := func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusUnauthorized, readFixture(t, "errors/not_authenticated.json"))
	}
	for _, route := range []string{
		"GET /api/users/@me/login_sessions/{$}", "DELETE /api/users/@me/login_sessions/k1/{$}",
		"POST /api/users/@me/login_sessions/revoke_others/{$}", "POST /api/users/@me/credentials_review_complete/{$}",
		"DELETE /api/users/@me/{$}",
	} {
		ts.mux.HandleFunc(route, unauthenticated)
	}
	ts.mux.HandleFunc("GET /api/users/@me/signal_autonomy/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusForbidden, readFixture(t, "errors/scope_user_write.json"))
	})
	ctx := t.Context()
	c := ts.client
	calls := map[string]func() error{
		"TwoFactor.StartSetup":       func() error { _, err := c.TwoFactor.StartSetup(ctx, Me); return err },
		"TwoFactor.StartSetupLegacy": func() error { _, err := c.TwoFactor.StartSetupLegacy(ctx, Me); return err },
		"TwoFactor.Status":           func() error { _, err := c.TwoFactor.Status(ctx, Me); return err },
		"TwoFactor.Validate":         func() error { return c.TwoFactor.Validate(ctx, Me, "123456") },
		"TwoFactor.ValidateLegacy":   func() error { return c.TwoFactor.ValidateLegacy(ctx, Me, "123456") },
		"TwoFactor.BackupCodes":      func() error { _, err := c.TwoFactor.BackupCodes(ctx, Me); return err },
		"TwoFactor.Disable":          func() error { return c.TwoFactor.Disable(ctx, Me) },
		"Users.SetScenePersonalisation": func() error {
			_, err := c.Users.SetScenePersonalisation(ctx, Me, "ProjectHomepage", 7)
			return err
		},
		"Users.CancelEmailChange": func() error { _, err := c.Users.CancelEmailChange(ctx); return err },
		"Users.SkipOnboarding": func() error {
			_, err := c.Users.SkipOnboarding(ctx, Me, SkipOnboardingOther, "")
			return err
		},
		"Users.LoginSessions":             func() error { _, err := c.Users.LoginSessions(ctx, Me); return err },
		"Users.RevokeLoginSession":        func() error { return c.Users.RevokeLoginSession(ctx, Me, "k1") },
		"Users.RevokeOtherLoginSessions":  func() error { _, err := c.Users.RevokeOtherLoginSessions(ctx, Me); return err },
		"Users.CompleteCredentialsReview": func() error { return c.Users.CompleteCredentialsReview(ctx, Me) },
		"Users.Delete":                    func() error { return c.Users.Delete(ctx, Me) },
	}
	for name, call := range calls {
		err := call()
		var se *SessionRequiredError
		if !errors.As(err, &se) || !errors.Is(err, ErrSessionRequired) || !(errors.Is(err, ErrForbidden) || errors.Is(err, ErrUnauthorized)) {
			t.Errorf("%s: got %T %v; want a *SessionRequiredError matching ErrForbidden or ErrUnauthorized", name, err, err)
			continue
		}
		if !strings.Contains(err.Error(), "needs a logged-in PostHog session") {
			t.Errorf("%s: message %q does not say a session is needed", name, err)
		}
	}
	_, _, err := c.SignalAutonomy.Get(ctx, AutonomyMe)
	var scopeErr *ScopeError
	if !errors.As(err, &scopeErr) || scopeErr.Scope != ScopeUserWrite {
		t.Errorf("SignalAutonomy.Get with a read-only key: got %v; want a *ScopeError for user:write", err)
	}
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
	cfg, found, err := ts.client.SignalAutonomy.Get(t.Context(), 999)
	if !errors.Is(err, ErrNotFound) || cfg != nil || found {
		t.Errorf("got %v, %v, %v; want nil, false and an error matching ErrNotFound", cfg, found, err)
	}
}

// TestSendOnce checks that operations that must not run twice are sent once
// whatever PostHog answers, while a failure to connect is still retried.
func TestSendOnce(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			ts := setupSession(t)
			var n atomic.Int64
			ts.mux.HandleFunc("POST /api/users/@me/two_factor_backup_codes/{$}", func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Retry-After", "0")
				serveJSON(w, status, readFixture(t, "errors/server_error.json"))
			})
			ts.transport.SkipResponses.Store(true) // a 500 envelope for every status
			_, err := ts.client.TwoFactor.BackupCodes(t.Context(), Me)
			if err == nil {
				t.Fatal("no error")
			}
			if got := n.Load(); got != 1 {
				t.Errorf("backup codes requested %d times; want 1", got)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		tr, calls := failingTransport(t, 1, dial)
		c, err := NewClient("", WithSession(testSession), WithHTTPClient(&http.Client{Transport: tr}),
			WithRetryWait(time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		// failingTransport answers with the user fixture once it stops
		// failing, which has no backup codes: only the attempts matter.
		_, err = c.TwoFactor.BackupCodes(t.Context(), Me)
		if got := calls.Load(); got != 2 {
			t.Errorf("attempts: got %d (error %v); want 2", got, err)
		}
	})
}

func TestIntegrationsService_AllGitHubRepos(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	var offsets []string
	ts.mux.HandleFunc("GET /api/users/@me/integrations/github/42/repos/{$}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		offsets = append(offsets, q.Get("offset"))
		if q.Get("search") != "eng" || q.Get("limit") != "2" {
			t.Errorf("query %q lost the caller's search and limit", r.URL.RawQuery)
		}
		switch q.Get("offset") {
		case "1":
			serveJSON(w, http.StatusOK, []byte(`{"repositories":[{"id":1,"name":"a","full_name":"o/a"},{"id":2,"name":"b","full_name":"o/b"}],"has_more":true}`))
		case "3":
			serveJSON(w, http.StatusOK, []byte(`{"repositories":[{"id":3,"name":"c","full_name":"o/c"}],"has_more":false}`))
		default:
			t.Errorf("unexpected offset %q", q.Get("offset"))
			serveJSON(w, http.StatusOK, []byte(`{"repositories":[],"has_more":false}`))
		}
	})
	opts := &GitHubReposOptions{Search: "eng", Limit: 2, Offset: 1}
	var names []string
	for repo, err := range ts.client.Integrations.AllGitHubRepos(t.Context(), Me, "42", opts) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, repo.FullName)
	}
	if diff := cmp.Diff([]string{"o/a", "o/b", "o/c"}, names); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1", "3"}, offsets); diff != "" {
		t.Errorf("offsets requested (-want +got):\n%s", diff)
	}
	if opts.Offset != 1 {
		t.Errorf("the caller's options were changed: offset %d", opts.Offset)
	}

	// Breaking out of the loop fetches nothing more.
	offsets = nil
	for range ts.client.Integrations.AllGitHubRepos(t.Context(), Me, "42", opts) {
		break
	}
	if len(offsets) != 1 {
		t.Errorf("after break: %d pages fetched; want 1", len(offsets))
	}
}

func TestIntegrationsService_AllGitHubBranches(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	var pages int
	ts.mux.HandleFunc("GET /api/users/@me/integrations/github/42/branches/{$}", func(w http.ResponseWriter, r *http.Request) {
		pages++
		q := r.URL.Query()
		if q.Get("repo") != "o/r" {
			t.Errorf("repo %q; want o/r", q.Get("repo"))
		}
		switch q.Get("offset") {
		case "":
			serveJSON(w, http.StatusOK, []byte(`{"branches":["main","dev"],"default_branch":"main","has_more":true}`))
		case "2":
			// A server that claims more but sends nothing must not make
			// the iterator loop.
			serveJSON(w, http.StatusOK, []byte(`{"branches":[],"default_branch":"main","has_more":true}`))
		default:
			serveJSON(w, http.StatusNotFound, readFixture(t, "errors/not_found.json"))
		}
	})
	var got []string
	for b, err := range ts.client.Integrations.AllGitHubBranches(t.Context(), Me, "42", "o/r", nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b)
	}
	if diff := cmp.Diff([]string{"main", "dev"}, got); diff != "" {
		t.Errorf("branches (-want +got):\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("pages fetched: %d; want 2", pages)
	}

	// An error ends the iteration after one yield.
	var errs int
	for _, err := range ts.client.Integrations.AllGitHubBranches(t.Context(), Me, "42", "o/r", &GitHubBranchesOptions{Offset: 5}) {
		if err != nil {
			errs++
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("error %v; want ErrNotFound", err)
			}
		}
	}
	if errs != 1 {
		t.Errorf("%d errors yielded; want 1", errs)
	}
}

func TestUsersService_MergeHedgehogConfig(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	stored := `{"color":"blue","accessories":["beret"],"walk":{"speed":1,"jump":true}}`
	ts.mux.HandleFunc("GET /api/users/@me/hedgehog_config/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusOK, []byte(stored))
	})
	ts.mux.HandleFunc("PATCH /api/users/@me/hedgehog_config/{$}", func(w http.ResponseWriter, r *http.Request) {
		testJSONBody(t, r, `{"color":"green","walk":{"speed":2,"jump":true}}`)
		serveJSON(w, http.StatusOK, []byte(`{"color":"green","walk":{"speed":2,"jump":true}}`))
	})
	got, err := ts.client.Users.MergeHedgehogConfig(t.Context(), Me, map[string]any{
		"color": "green", "accessories": nil, "walk": map[string]any{"speed": 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"color":"green","walk":{"speed":2,"jump":true}}` {
		t.Errorf("stored config %s", got)
	}
}

func TestMergePatch(t *testing.T) {
	t.Parallel()
	// Cases from RFC 7396 Appendix A.
	tests := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, tt := range tests {
		got, err := mergePatch(jsontext.Value(tt.target), jsontext.Value(tt.patch))
		if err != nil {
			t.Errorf("mergePatch(%s, %s): %v", tt.target, tt.patch, err)
			continue
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("result %s: %v", got, err)
		}
		_ = json.Unmarshal([]byte(tt.want), &w)
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("mergePatch(%s, %s) (-want +got):\n%s", tt.target, tt.patch, diff)
		}
	}
}
