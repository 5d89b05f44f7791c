package posthogusers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

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

func TestEndpoints(t *testing.T) {
	t.Parallel()
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
				return u.Email, err
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
			want: &VerifyEmailResult{Success: true, RequiresLogin: json.RawMessage("true")},
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
				return c.Integrations.GitHubBranches(ctx, Me, "12345", GitHubBranchesOptions{Repo: "babbage/api", Search: "feat", Limit: 50})
			},
			want: &GitHubBranchesPage{Branches: []string{"feat/a", "feat/b"}, DefaultBranch: "main"},
		},
		{
			name:     "Integrations.StartGitHubLink",
			route:    "POST /api/users/@me/integrations/github/start/{$}",
			wantBody: `{"team_id":2,"connect_from":"posthog_code"}`,
			status:   http.StatusOK, resp: `{"install_url":"https://github.com/apps/posthog/installations/new?state=x","connect_flow":"app_install"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.StartGitHubLink(ctx, Me, &StartGitHubLinkRequest{TeamID: Ptr(int64(2)), ConnectFrom: "posthog_code"})
			},
			want: &GitHubLinkStart{InstallURL: "https://github.com/apps/posthog/installations/new?state=x", ConnectFlow: GitHubFlowAppInstall},
		},
		{
			name:     "Integrations.StartGitHubLink defaults",
			route:    "POST /api/users/@me/integrations/github/start/{$}",
			wantBody: `{}`,
			status:   http.StatusOK, resp: `{"install_url":"https://github.com/login/oauth/authorize?x=1","connect_flow":"oauth_authorize"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Integrations.StartGitHubLink(ctx, Me, nil)
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
				return c.Integrations.StartSlackLink(ctx, Me, &StartSlackLinkRequest{SlackTeamID: "T0001"})
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
	for _, tt := range tests {
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
