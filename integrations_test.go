package posthogusers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// gitHubReposJSON is a page of repositories as PostHog sends it, and
// wantGitHubRepos the same decoded.
var (
	gitHubReposJSON = `[{"id":101,"name":"api","full_name":"babbage/api","private":true,"default_branch":"main","language":"Go","pushed_at":"2025-11-01T10:00:00Z","archived":false,"can_push":true},{"id":102,"name":"web","full_name":"babbage/web"}]`
	wantGitHubRepos = []GitHubRepo{
		{ID: 101, Name: "api", FullName: "babbage/api", Private: true, DefaultBranch: "main", Language: "Go", PushedAt: "2025-11-01T10:00:00Z", CanPush: true},
		{ID: 102, Name: "web", FullName: "babbage/web"},
	}
)

// integrationsEndpointCases are the endpoint cases of integrations.go.
var integrationsEndpointCases = []endpointCase{
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
				InstallationStatus: InstallationConnected, CreatedAt: testCreated,
			},
			{InstallationID: "777", UsesSharedInstallation: true, CreatedAt: testCreated},
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
			SlackTeamName: "Engines", SlackEmailAtLink: "ada@example.com", CreatedAt: testCreated,
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
		status:    http.StatusOK, resp: `{"repositories":` + gitHubReposJSON + `,"has_more":true,"total":9}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Integrations.GitHubRepos(ctx, Me, "12345", &GitHubReposOptions{Search: "a", Limit: 2, Offset: 4})
		},
		want: &GitHubReposPage{Repositories: wantGitHubRepos, HasMore: true, Total: Ptr(9)},
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
		resp: `{"repositories":` + gitHubReposJSON + `,"installation_status":"unavailable"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Integrations.RefreshGitHubRepos(ctx, Me, "12345")
		},
		want: &GitHubReposRefresh{Repositories: wantGitHubRepos, InstallationStatus: InstallationUnavailable},
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
}

// integrationsInvalidInputCases are the arguments integrations.go refuses.
var integrationsInvalidInputCases = []invalidInputCase{
	{"installation id with letters", func(ctx context.Context, c *Client) error { return c.Integrations.DeleteGitHub(ctx, Me, "12a") }, "installationID"},
	{"installation id empty", func(ctx context.Context, c *Client) error { return errOf(c.Integrations.GitHubRepos(ctx, Me, "", nil)) }, "installationID"},
	{"installation id path", func(ctx context.Context, c *Client) error {
		return c.Integrations.PrepareGitHubCallback(ctx, Me, "../1")
	}, "installationID"},
	{"repos limit too big", func(ctx context.Context, c *Client) error {
		return errOf(c.Integrations.GitHubRepos(ctx, Me, "1", &GitHubReposOptions{Limit: 501}))
	}, "Limit"},
	{"repos negative offset", func(ctx context.Context, c *Client) error {
		return errOf(c.Integrations.GitHubRepos(ctx, Me, "1", &GitHubReposOptions{Offset: -1}))
	}, "Offset"},
	{"branches without repo", func(ctx context.Context, c *Client) error {
		return errOf(c.Integrations.GitHubBranches(ctx, Me, "1", "", nil))
	}, "repo"},
	{"branches repo without owner", func(ctx context.Context, c *Client) error {
		return errOf(c.Integrations.GitHubBranches(ctx, Me, "1", "api", nil))
	}, "repo"},
	{"branches limit too big", func(ctx context.Context, c *Client) error {
		return errOf(c.Integrations.GitHubBranches(ctx, Me, "1", "o/r", &GitHubBranchesOptions{Limit: 1001}))
	}, "Limit"},
	{"GitHub start team zero", func(ctx context.Context, c *Client) error {
		return errOf(c.Integrations.StartGitHubLink(ctx, Me, StartGitHubLinkRequest{TeamID: Ptr(int64(0))}))
	}, "TeamID"},
	{"Slack start team negative", func(ctx context.Context, c *Client) error {
		return errOf(c.Integrations.StartSlackLink(ctx, Me, StartSlackLinkRequest{TeamID: Ptr(int64(-1))}))
	}, "TeamID"},
	{"Slack user lower case", func(ctx context.Context, c *Client) error { return c.Integrations.DeleteSlack(ctx, Me, "u0123") }, "slackUserID"},
	{"Slack user wrong letter", func(ctx context.Context, c *Client) error { return c.Integrations.DeleteSlack(ctx, Me, "T0123") }, "slackUserID"},
	{"Slack user prefix only", func(ctx context.Context, c *Client) error { return c.Integrations.DeleteSlack(ctx, Me, "U") }, "slackUserID"},
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
			// the iterator loop: it ends with an error.
			serveJSON(w, http.StatusOK, []byte(`{"branches":[],"default_branch":"main","has_more":true}`))
		default:
			serveJSON(w, http.StatusNotFound, readFixture(t, "errors/not_found.json"))
		}
	})
	var got []string
	var endErr error
	for b, err := range ts.client.Integrations.AllGitHubBranches(t.Context(), Me, "42", "o/r", nil) {
		if err != nil {
			endErr = err
			continue
		}
		got = append(got, b)
	}
	if !errors.Is(endErr, ErrMalformedResponse) {
		t.Errorf("an empty page claiming more: %v; want an error matching ErrMalformedResponse", endErr)
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
