package posthogusers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// loginResult is what Users.GitHubLogin returns, as one value to compare.
type loginResult struct {
	Login  string
	Linked bool
}

// usersSettingsEndpointCases are the endpoint cases of users_settings.go.
var usersSettingsEndpointCases = []endpointCase{
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
		route: "GET /api/users/" + testUserUUID.String() + "/github_login/{$}", status: http.StatusOK, resp: `{"github_login":null}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			login, linked, err := c.Users.GitHubLogin(ctx, testUserUUID.String())
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
		status:   http.StatusOK, resp: usersGetFixture,
		call: func(ctx context.Context, c *Client) (any, error) {
			u, err := c.Users.SetScenePersonalisation(ctx, Me, "ProjectHomepage", 7)
			if err != nil {
				return nil, err
			}
			return u.ScenePersonalisation, nil
		},
		want: usersGetFixtureUser.ScenePersonalisation,
	},
	{
		name: "Users.SkipOnboarding", session: true,
		route:    "POST /api/users/@me/onboarding/skip/{$}",
		wantBody: `{"reason":"later","step_at_skip":"install_snippet"}`,
		status:   http.StatusOK, resp: usersGetFixture,
		call: func(ctx context.Context, c *Client) (any, error) {
			u, err := c.Users.SkipOnboarding(ctx, Me, SkipOnboardingLater, "install_snippet")
			if err != nil {
				return nil, err
			}
			return u.ID, nil
		},
		want: int64(42),
	},
}

// usersSettingsInvalidInputCases are the arguments users_settings.go refuses.
var usersSettingsInvalidInputCases = []invalidInputCase{
	{"GitHubLogin bad id", func(ctx context.Context, c *Client) error { return errOf2(c.Users.GitHubLogin(ctx, "me")) }, "id"},
	{"hedgehog config array", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.ReplaceHedgehogConfig(ctx, Me, []int{1}))
	}, "config"},
	{"hedgehog config null", func(ctx context.Context, c *Client) error { return errOf(c.Users.ReplaceHedgehogConfig(ctx, Me, nil)) }, "config"},
	{"hedgehog config invalid raw JSON", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.ReplaceHedgehogConfig(ctx, Me, jsontext.Value(`{"a":`)))
	}, "config"},
	{"hedgehog config unencodable", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.ReplaceHedgehogConfig(ctx, Me, map[string]any{"f": func() {}}))
	}, "config"},
	{"hedgehog merge patch not an object", func(ctx context.Context, c *Client) error { return errOf(c.Users.MergeHedgehogConfig(ctx, Me, "x")) }, "patch"},
	{"product key empty", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.MarkProductIntroSeen(ctx, Me, " ", true))
	}, "productKey"},
	{"product key too long", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.MarkProductIntroSeen(ctx, Me, tooLong, true))
	}, "productKey"},
	{"scene empty", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.SetScenePersonalisation(ctx, Me, "", 1))
	}, "scene"},
	{"dashboard zero", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.SetScenePersonalisation(ctx, Me, "ProjectHomepage", 0))
	}, "dashboard"},
	{"skip onboarding bad reason", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.SkipOnboarding(ctx, Me, "delegated", ""))
	}, "reason"},
	{"skip onboarding long step", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.SkipOnboarding(ctx, Me, SkipOnboardingLater, strings.Repeat("s", 65)))
	}, "stepAtSkip"},
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
