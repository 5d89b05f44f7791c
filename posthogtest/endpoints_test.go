package posthogtest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

func TestRouting(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	key := bearer(srv.Key)
	if r := do(t, srv, "GET", "/api/users/@me", "", key); r.status != http.StatusOK {
		t.Errorf("without a trailing slash: %d; the router's slash is optional", r.status)
	}
	wantError(t, do(t, srv, "GET", "/api/users/@me/signal_autonomy", "", key), http.StatusNotFound, "not_found", "Endpoint not found.")
	wantError(t, do(t, srv, "GET", "/api/users/@me/no_such_action/", "", key), http.StatusNotFound, "not_found", "Endpoint not found.")
	wantError(t, do(t, srv, "GET", "/api/persons/", "", key), http.StatusNotFound, "not_found", "Endpoint not found.")
	wantError(t, do(t, srv, "DELETE", "/api/users/@me/integrations/github/12a/", "", key), http.StatusNotFound, "not_found", "Endpoint not found.")
	// Methods a route lacks: 405 for a session; a key has no action, so
	// no scope, so 403.
	wantError(t, do(t, srv, "POST", "/api/users/", "{}", key), http.StatusForbidden, "permission_denied", "This action does not support personal API key access")
	s := srv.AddSession(srv.User.UUID)
	sess := http.Header{
		"Cookie":      {"sessionid=" + s.ID + "; posthog_csrftoken=" + s.CSRFToken},
		"X-Csrftoken": {s.CSRFToken},
	}
	wantError(t, do(t, srv, "POST", "/api/users/", "{}", sess), http.StatusMethodNotAllowed, "method_not_allowed", `Method "POST" not allowed.`)
	wantError(t, do(t, srv, "PATCH", "/api/users/@me/integrations/", "{}", sess), http.StatusMethodNotAllowed, "method_not_allowed", `Method "PATCH" not allowed.`)
	// Push tokens only under @me, even for staff.
	r := do(t, srv, "POST", "/api/users/"+srv.User.UUID.String()+"/push_tokens/", `{"token":"t","platform":"ios"}`, key)
	wantError(t, r, http.StatusForbidden, "permission_denied", "Push tokens can only be managed via the `@me` path.")
	// A body that is not JSON.
	r = do(t, srv, "PATCH", "/api/users/@me/", "{nope", key)
	wantError(t, r, http.StatusBadRequest, "parse_error", "")
}

func TestSession_CSRF(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	s := srv.AddSession(srv.User.UUID)
	cookie := "sessionid=" + s.ID + "; posthog_csrftoken=" + s.CSRFToken
	tests := []struct {
		name   string
		header http.Header
		detail string
	}{
		{"no token", http.Header{"Cookie": {cookie}}, "CSRF Failed: CSRF token missing."},
		{"wrong token", http.Header{"Cookie": {cookie}, "X-Csrftoken": {"nope"}}, "CSRF Failed: CSRF token incorrect."},
		{"no cookie", http.Header{"Cookie": {"sessionid=" + s.ID}, "X-Csrftoken": {s.CSRFToken}}, "CSRF Failed: CSRF cookie not set."},
		{"foreign origin", http.Header{"Cookie": {cookie}, "X-Csrftoken": {s.CSRFToken}, "Origin": {"https://evil.example"}},
			"CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."},
	}
	for _, tt := range tests {
		r := do(t, srv, "POST", "/api/users/@me/two_factor_disable/", "{}", tt.header)
		if r.status != http.StatusForbidden || r.envelope(t)["detail"] != tt.detail {
			t.Errorf("%s: %d %s; want 403 %q", tt.name, r.status, r.body, tt.detail)
		}
	}
	// Reads need no token; the SDK sends what writes need.
	if r := do(t, srv, "GET", "/api/users/@me/two_factor_status/", "", http.Header{"Cookie": {"sessionid=" + s.ID}}); r.status != http.StatusOK {
		t.Errorf("session read without a token: %d %s", r.status, r.body)
	}
	if err := srv.SessionClient(srv.User.UUID).TwoFactor.Disable(t.Context(), posthogusers.Me); err != nil {
		t.Errorf("SDK session write: %v", err)
	}
	// An unknown session is no session.
	r := do(t, srv, "GET", "/api/users/@me/", "", http.Header{"Cookie": {"sessionid=unknown"}})
	wantError(t, r, http.StatusUnauthorized, "not_authenticated", "")
}

func TestHedgehogAndIntros(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	ctx := t.Context()
	cfg, err := client.Users.HedgehogConfig(ctx, posthogusers.Me)
	if err != nil || compactJSON(t, cfg) != "{}" {
		t.Fatalf("unset hedgehog config: %s, %v; want {}", cfg, err)
	}
	if _, err := client.Users.ReplaceHedgehogConfig(ctx, posthogusers.Me, map[string]any{"color": "blue", "hat": "beret"}); err != nil {
		t.Fatal(err)
	}
	// PATCH replaces the whole value.
	if _, err := client.Users.ReplaceHedgehogConfig(ctx, posthogusers.Me, map[string]any{"color": "green"}); err != nil {
		t.Fatal(err)
	}
	if got := compactJSON(t, srv.HedgehogConfig(srv.User.UUID)); got != `{"color":"green"}` {
		t.Errorf("stored after two replaces: %s", got)
	}
	merged, err := client.Users.MergeHedgehogConfig(ctx, posthogusers.Me, map[string]any{"hat": "cap"})
	if err != nil || compactJSON(t, merged) != `{"color":"green","hat":"cap"}` {
		t.Errorf("merge: %s, %v", merged, err)
	}

	seen, err := client.Users.MarkProductIntroSeen(ctx, posthogusers.Me, "surveys", true)
	if err != nil || !seen["surveys"] {
		t.Fatalf("intro seen: %v, %v", seen, err)
	}
	seen, err = client.Users.MarkProductIntroSeen(ctx, posthogusers.Me, "surveys", false)
	if err != nil || seen["surveys"] {
		t.Errorf("intro unseen: %v, %v", seen, err)
	}
	r := do(t, srv, "PATCH", "/api/users/@me/product_intro_seen/", `{"product_key":"flags"}`, bearer(srv.Key))
	if r.status != http.StatusOK || compactJSON(t, r.body) != `{"flags":true,"surveys":false}` {
		t.Errorf("seen defaults to true: %d %s", r.status, r.body)
	}
	for i := range 98 {
		if _, err := client.Users.MarkProductIntroSeen(ctx, posthogusers.Me, "p"+strings.Repeat("x", i), true); err != nil {
			t.Fatal(err)
		}
	}
	_, err = client.Users.MarkProductIntroSeen(ctx, posthogusers.Me, "one too many", true)
	var apiErr *posthogusers.APIError
	if !errors.As(err, &apiErr) || apiErr.Detail != "Cannot track more than 100 product intros" {
		t.Errorf("101st intro: %v", err)
	}
	login, linked, err := client.Users.GitHubLogin(ctx, posthogusers.Me)
	if err != nil || linked || login != "" {
		t.Errorf("GitHub login of a user without one: %q %v %v", login, linked, err)
	}
}

func TestTwoFactor(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	_, srv, _ := setup(t, posthogtest.WithClock(clock))
	c := srv.SessionClient(srv.User.UUID)
	ctx := t.Context()

	status, err := c.TwoFactor.Status(ctx, posthogusers.Me)
	if err != nil || status.IsEnabled || status.Method != nil {
		t.Fatalf("status before: %+v, %v", status, err)
	}
	if _, err := c.TwoFactor.BackupCodes(ctx, posthogusers.Me); err == nil || !strings.Contains(err.Error(), "2fa_not_enabled") {
		t.Errorf("backup codes without 2FA: %v", err)
	}
	setup, err := c.TwoFactor.StartSetup(ctx, posthogusers.Me)
	if err != nil || !setup.Success || len(setup.Secret) < 16 {
		t.Fatalf("start: %+v, %v", setup, err)
	}
	if err := c.TwoFactor.Validate(ctx, posthogusers.Me, "000000"); err == nil || !strings.Contains(err.Error(), "token_invalid") {
		t.Errorf("wrong code: %v", err)
	}
	if err := c.TwoFactor.Validate(ctx, posthogusers.Me, srv.TOTPCode(srv.User.UUID)); err != nil {
		t.Fatalf("right code: %v", err)
	}
	status, err = c.TwoFactor.Status(ctx, posthogusers.Me)
	if err != nil || !status.IsEnabled || status.Method == nil || *status.Method != posthogusers.TwoFactorMethodTOTP || status.BackupCodesRemaining != 10 {
		t.Errorf("status after: %+v, %v", status, err)
	}
	codes, err := c.TwoFactor.BackupCodes(ctx, posthogusers.Me)
	if err != nil || len(codes) != 10 {
		t.Errorf("backup codes: %v, %v", codes, err)
	}
	// A setup older than 10 minutes expires, through the legacy routes too.
	if _, err := c.TwoFactor.StartSetupLegacy(ctx, posthogusers.Me); err != nil {
		t.Fatal(err)
	}
	advance(11 * time.Minute)
	if err := c.TwoFactor.ValidateLegacy(ctx, posthogusers.Me, srv.TOTPCode(srv.User.UUID)); err == nil || !strings.Contains(err.Error(), "setup_expired") {
		t.Errorf("expired setup: %v", err)
	}
	if err := c.TwoFactor.Disable(ctx, posthogusers.Me); err != nil {
		t.Fatal(err)
	}
	if me, err := c.Users.Get(ctx, posthogusers.Me); err != nil || me.Is2FAEnabled {
		t.Errorf("after disable: is_2fa_enabled %v, %v", me.Is2FAEnabled, err)
	}
}

func TestSessionEndpoints(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	ctx := t.Context()
	c := srv.SessionClient(srv.User.UUID)
	other := srv.AddSession(srv.User.UUID) // a second browser

	u, err := c.Users.SetScenePersonalisation(ctx, posthogusers.Me, "ProjectHomepage", 7)
	if err != nil || len(u.ScenePersonalisation) != 1 || u.ScenePersonalisation[0].Dashboard == nil || *u.ScenePersonalisation[0].Dashboard != 7 {
		t.Errorf("scene: %+v, %v", u, err)
	}
	if _, err := c.Users.CancelEmailChange(ctx); err == nil || !strings.Contains(err.Error(), "No active email change requests found.") {
		t.Errorf("cancel without a pending change: %v", err)
	}
	u, err = c.Users.SkipOnboarding(ctx, posthogusers.Me, posthogusers.SkipOnboardingLater, "install")
	if err != nil || u.OnboardingSkippedReason != posthogusers.OnboardingSkippedLater || u.OnboardingSkippedAt == nil {
		t.Errorf("skip onboarding: %+v, %v", u, err)
	}
	sessions, err := c.Users.LoginSessions(ctx, posthogusers.Me)
	if err != nil || len(sessions) != 2 {
		t.Fatalf("login sessions: %+v, %v", sessions, err)
	}
	if n := slices.IndexFunc(sessions, func(s posthogusers.LoginSession) bool { return s.IsCurrent }); n < 0 {
		t.Errorf("no current session in %+v", sessions)
	}
	revoked, err := c.Users.RevokeOtherLoginSessions(ctx, posthogusers.Me)
	if err != nil || revoked != 1 {
		t.Errorf("revoke others: %d, %v", revoked, err)
	}
	if r := do(t, srv, "GET", "/api/users/@me/", "", http.Header{"Cookie": {"sessionid=" + other.ID}}); r.status != http.StatusUnauthorized {
		t.Errorf("revoked session still works: %d", r.status)
	}
	if err := c.Users.RevokeLoginSession(ctx, posthogusers.Me, "nope"); !errors.Is(err, posthogusers.ErrNotFound) {
		t.Errorf("unknown login session: %v", err)
	}
	if err := c.Users.CompleteCredentialsReview(ctx, posthogusers.Me); err != nil {
		t.Errorf("credentials review: %v", err)
	}
	// Push tokens work with a key.
	tok, err := client.Users.RegisterPushToken(ctx, "fcm:abc", posthogusers.PushPlatformAndroid)
	if err != nil || tok.Platform != posthogusers.PushPlatformAndroid {
		t.Errorf("push token: %+v, %v", tok, err)
	}
	if err := client.Users.UnregisterPushToken(ctx, "fcm:abc"); err != nil {
		t.Errorf("unregister: %v", err)
	}
}

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	ctx := t.Context()
	u := srv.AddUser(posthogtest.UserSpec{Email: "new@example.com", Unverified: true})
	if err := client.Users.RequestEmailVerification(ctx, u.UUID); err != nil {
		t.Fatal(err)
	}
	code := srv.EmailVerificationCode(u.UUID)
	if len(code) != 6 {
		t.Fatalf("code %q", code)
	}
	if _, err := client.Users.VerifyEmail(ctx, u.UUID, "000000"); err == nil || !strings.Contains(err.Error(), "invalid_code") {
		t.Errorf("wrong code: %v", err)
	}
	res, err := client.Users.VerifyEmail(ctx, u.UUID, code[:3]+"-"+code[3:])
	if err != nil || !res.Success {
		t.Fatalf("right code with a hyphen: %+v, %v", res, err)
	}
	if err := client.Users.RequestEmailVerification(ctx, u.UUID); err == nil || !strings.Contains(err.Error(), "already_verified") {
		t.Errorf("verified twice: %v", err)
	}
	// Unknown users get the same answer as known ones.
	if err := client.Users.RequestEmailVerification(ctx, srv.User.UUID); err == nil {
		t.Error("already verified seeded user: no error")
	}
	srv.SetEmailAvailable(false)
	if err := client.Users.RequestEmailVerification(ctx, u.UUID); err == nil || !strings.Contains(err.Error(), "email_not_available") {
		t.Errorf("no email: %v", err)
	}
	// The requests carried no credential.
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "verif") && r.Credential != "" {
			t.Errorf("%s %s authenticated as %q", r.Method, r.Path, r.Credential)
		}
	}
}

// integrationRepos are the repositories of integrationsSetup's GitHub
// installation.
var integrationRepos = []string{"babbage/api", "babbage/web", "babbage/engine", "babbage/apidocs", "lovelace/notes"}

// integrationsSetup starts a fake whose user has a GitHub installation of
// integrationRepos, whose ID it returns, and a Slack link to workspace T1;
// project 2 has Slack workspaces T1 and T2.
func integrationsSetup(t *testing.T) (*posthogusers.Client, *posthogtest.Server, string) {
	t.Helper()
	client, srv, _ := setup(t)
	inst := srv.AddGitHubInstallation(srv.User.UUID, posthogtest.GitHubInstallation{
		Account: "babbage", Repositories: integrationRepos,
		Branches: map[string][]string{"babbage/api": {"main", "feat/a", "feat/b"}},
	})
	srv.AddSlackLink(srv.User.UUID, posthogtest.SlackLink{SlackUserID: "U0123ABC456", SlackTeamID: "T1", SlackTeamName: "Engines"})
	srv.AddSlackWorkspace(2, "T1", "Engines")
	srv.AddSlackWorkspace(2, "T2", "Mills")
	return client, srv, inst
}

func TestIntegrations_gitHubListings(t *testing.T) {
	t.Parallel()
	client, srv, inst := integrationsSetup(t)
	ctx := t.Context()
	repos := integrationRepos
	gh, err := client.Integrations.ListGitHub(ctx, posthogusers.Me)
	if err != nil || len(gh) != 1 || gh[0].InstallationID != inst || gh[0].Account == nil || gh[0].Account.Name != "babbage" {
		t.Fatalf("GitHub list: %+v, %v", gh, err)
	}
	var names []string
	for repo, err := range client.Integrations.AllGitHubRepos(ctx, posthogusers.Me, inst, &posthogusers.GitHubReposOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, repo.FullName)
	}
	if diff := cmp.Diff(repos, names); diff != "" {
		t.Errorf("all repositories (-want +got):\n%s", diff)
	}
	page, err := client.Integrations.GitHubRepos(ctx, posthogusers.Me, inst, &posthogusers.GitHubReposOptions{Search: "API"})
	if err != nil || len(page.Repositories) != 2 || page.HasMore || page.Total == nil || *page.Total != 2 {
		t.Errorf("search: %+v, %v", page, err)
	}
	wantError(t, do(t, srv, "GET", "/api/users/@me/integrations/github/"+inst+"/repos/?limit=0", "", bearer(srv.Key)),
		http.StatusBadRequest, "min_value", "Ensure this value is greater than or equal to 1.")
	// Parameters are checked before the installation.
	wantError(t, do(t, srv, "GET", "/api/users/@me/integrations/github/1/repos/?limit=abc", "", bearer(srv.Key)),
		http.StatusBadRequest, "invalid_input", "A valid integer is required.")
	wantError(t, do(t, srv, "GET", "/api/users/@me/integrations/?kind=jira", "", bearer(srv.Key)),
		http.StatusBadRequest, "invalid_input", "Unsupported integration kind: 'jira'")
	var branches []string
	for b, err := range client.Integrations.AllGitHubBranches(ctx, posthogusers.Me, inst, "babbage/api", &posthogusers.GitHubBranchesOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		branches = append(branches, b)
	}
	if diff := cmp.Diff([]string{"main", "feat/a", "feat/b"}, branches); diff != "" {
		t.Errorf("branches (-want +got):\n%s", diff)
	}
	if ref, err := client.Integrations.RefreshGitHubRepos(ctx, posthogusers.Me, inst); err != nil || len(ref.Repositories) != 5 {
		t.Errorf("refresh: %+v, %v", ref, err)
	}
}

func TestIntegrations_gitHubLink(t *testing.T) {
	t.Parallel()
	client, _, inst := integrationsSetup(t)
	ctx := t.Context()
	start, err := client.Integrations.StartGitHubLink(ctx, posthogusers.Me, posthogusers.StartGitHubLinkRequest{})
	if err != nil || start.InstallURL == "" || start.ConnectFlow != posthogusers.GitHubFlowAppInstall {
		t.Errorf("GitHub start: %+v, %v", start, err)
	}
	if _, err := client.Integrations.StartGitHubLink(ctx, posthogusers.Me, posthogusers.StartGitHubLinkRequest{TeamID: posthogusers.Ptr(int64(77))}); err == nil ||
		!strings.Contains(err.Error(), "Invalid or inaccessible team_id for this user.") {
		t.Errorf("GitHub start for another team: %v", err)
	}
	if err := client.Integrations.PrepareGitHubCallback(ctx, posthogusers.Me, inst); err != nil {
		t.Errorf("prepare callback: %v", err)
	}
	if err := client.Integrations.DeleteGitHub(ctx, posthogusers.Me, inst); err != nil {
		t.Errorf("GitHub delete: %v", err)
	}
	var apiErr *posthogusers.APIError
	if err := client.Integrations.DeleteGitHub(ctx, posthogusers.Me, inst); !errors.As(err, &apiErr) || apiErr.Detail != "No GitHub integration found for this installation." {
		t.Errorf("GitHub delete twice: %v", err)
	}
}

func TestIntegrations_slack(t *testing.T) {
	t.Parallel()
	client, _, _ := integrationsSetup(t)
	ctx := t.Context()
	slack, err := client.Integrations.ListSlack(ctx, posthogusers.Me)
	if err != nil || len(slack) != 1 || slack[0].SlackUserID != "U0123ABC456" {
		t.Errorf("Slack list: %+v, %v", slack, err)
	}
	ws, err := client.Integrations.LinkableSlackWorkspaces(ctx, posthogusers.Me)
	if err != nil || len(ws) != 1 || ws[0].SlackTeamID != "T2" || ws[0].PostHogTeamID != 2 {
		t.Errorf("linkable workspaces: %+v, %v", ws, err)
	}
	if u, err := client.Integrations.StartSlackLink(ctx, posthogusers.Me, posthogusers.StartSlackLinkRequest{SlackTeamID: "T2"}); err != nil || !strings.Contains(u, "T2") {
		t.Errorf("Slack start: %q, %v", u, err)
	}
	if err := client.Integrations.DeleteSlack(ctx, posthogusers.Me, "U0123ABC456"); err != nil {
		t.Errorf("Slack delete: %v", err)
	}
	if err := client.Integrations.DeleteSlack(ctx, posthogusers.Me, "U0123ABC456"); !errors.Is(err, posthogusers.ErrNotFound) {
		t.Errorf("Slack delete twice: %v", err)
	}
}

func TestSignalAutonomy(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	ctx := t.Context()
	cfg, found, err := client.SignalAutonomy.Get(ctx, posthogusers.AutonomyMe)
	if err != nil || found || cfg != nil {
		t.Fatalf("before: %v, %v, %v; want not found", cfg, found, err)
	}
	r := do(t, srv, "GET", "/api/users/@me/signal_autonomy/", "", bearer(srv.Key))
	if r.status != http.StatusNotFound || len(r.body) != 0 {
		t.Errorf("no config: %d %q; want an empty 404", r.status, r.body)
	}
	slackID := srv.AddSlackWorkspace(2, "T1", "Engines")
	cfg, err = client.SignalAutonomy.Set(ctx, posthogusers.AutonomyMe, posthogusers.SignalAutonomyUpdate{
		AutostartPriority:              posthogusers.NewNullable(posthogusers.PriorityP1),
		SlackNotificationIntegrationID: posthogusers.NewNullable(slackID),
		SlackNotificationChannel:       posthogusers.NewNullable("C0123ABC456|#alerts"),
	})
	if err != nil || cfg.AutostartPriority != posthogusers.PriorityP1 || cfg.User.ID != srv.User.ID ||
		cfg.SlackNotificationIntegrationID == nil || *cfg.SlackNotificationIntegrationID != slackID {
		t.Fatalf("set: %+v, %v", cfg, err)
	}
	// Partial: only what is sent changes; null resets.
	cfg, err = client.SignalAutonomy.Set(ctx, posthogusers.AutonomyMe, posthogusers.SignalAutonomyUpdate{
		AutostartPriority: posthogusers.Null[posthogusers.Priority](), GitHubOpenPullRequestReady: posthogusers.NewNullable(true),
	})
	if err != nil || cfg.AutostartPriority != "" || cfg.SlackNotificationChannel != "C0123ABC456|#alerts" ||
		cfg.GitHubOpenPullRequestReady == nil || !*cfg.GitHubOpenPullRequestReady {
		t.Errorf("partial update: %+v, %v", cfg, err)
	}
	if got, found, err := client.SignalAutonomy.Get(ctx, posthogusers.AutonomyMe); err != nil || !found || got.ID != cfg.ID {
		t.Errorf("get after set: %+v, %v, %v", got, found, err)
	}
	_, err = client.SignalAutonomy.Set(ctx, posthogusers.AutonomyMe, posthogusers.SignalAutonomyUpdate{SlackNotificationIntegrationID: posthogusers.NewNullable(int64(4242))})
	if err == nil || !strings.Contains(err.Error(), "Unknown Slack integration for this user.") {
		t.Errorf("unknown Slack integration: %v", err)
	}
	wantError(t, do(t, srv, "POST", "/api/users/@me/signal_autonomy/", `{"slack_notification_channel":"C1|#a","slack_notification_direct_message":true}`, bearer(srv.Key)),
		http.StatusBadRequest, "invalid_input", "Set either `slack_notification_channel` or `slack_notification_direct_message`, not both.")
	wantError(t, do(t, srv, "POST", "/api/users/@me/signal_autonomy/", `{"autostart_priority":""}`, bearer(srv.Key)),
		http.StatusBadRequest, "invalid_choice", `"" is not a valid choice.`)
	for range 2 {
		if err := client.SignalAutonomy.Delete(ctx, posthogusers.AutonomyMe); err != nil {
			t.Errorf("delete (idempotent): %v", err)
		}
	}
	// GET needs user:write; no credential is a 403 here.
	ro := srv.NewClient(srv.AddKey(srv.User.UUID, "user:read"))
	var se *posthogusers.ScopeError
	if _, _, err := ro.SignalAutonomy.Get(ctx, posthogusers.AutonomyMe); !errors.As(err, &se) || se.Scope != posthogusers.ScopeUserWrite {
		t.Errorf("read-only key: %v", err)
	}
	wantError(t, do(t, srv, "GET", "/api/users/@me/signal_autonomy/", "", nil), http.StatusForbidden, "not_authenticated", "")
	// Other users: staff by integer ID only.
	if _, _, err := client.SignalAutonomy.Get(ctx, posthogusers.AutonomyUser(srv.User.ID)); err == nil ||
		!strings.Contains(err.Error(), "Only staff can access other users' autonomy config.") {
		t.Errorf("non-staff naming an ID: %v", err)
	}
	staff, ssrv, _ := setup(t, posthogtest.WithStaff())
	grace := ssrv.AddUser(posthogtest.UserSpec{Email: "grace@example.com"})
	if _, err := staff.SignalAutonomy.Set(ctx, posthogusers.AutonomyUser(grace.ID), posthogusers.SignalAutonomyUpdate{}); err != nil {
		t.Errorf("staff setting another user's config: %v", err)
	}
	if _, found, err := staff.SignalAutonomy.Get(ctx, posthogusers.AutonomyUser(grace.ID)); err != nil || !found {
		t.Errorf("staff reading it: %v %v", found, err)
	}
}

func TestThrottling(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	client, srv, _ := setup(t, posthogtest.WithClock(clock), posthogtest.WithRateLimits(2, 100),
		posthogtest.WithClientOptions(posthogusers.WithMaxRetryAfter(0)))
	ctx := t.Context()
	for range 2 {
		if _, err := client.Integrations.ListGitHub(ctx, posthogusers.Me); err != nil {
			t.Fatal(err)
		}
	}
	_, err := client.Integrations.ListGitHub(ctx, posthogusers.Me)
	var rl *posthogusers.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Minute {
		t.Fatalf("third request in a minute: %v; want a RateLimitError asking for 60s", err)
	}
	if rl.Err.Detail != "Request was throttled. Expected available in 60 seconds." {
		t.Errorf("detail %q", rl.Err.Detail)
	}
	// The users endpoints are not throttled.
	for range 5 {
		if _, err := client.Users.Get(ctx, posthogusers.Me); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	if _, err := client.Integrations.ListGitHub(ctx, posthogusers.Me); err != nil {
		t.Errorf("after the window: %v", err)
	}
	// current_password bodies: 5 a minute per user, sessions included.
	s := srv.SessionClient(srv.User.UUID)
	var last error
	for range 6 {
		_, last = s.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{CurrentPassword: posthogusers.Ptr("wrong"), Password: posthogusers.Ptr("a long new password")})
	}
	if !errors.Is(last, posthogusers.ErrRateLimited) {
		t.Errorf("sixth password attempt: %v; want ErrRateLimited", last)
	}
	var body map[string]any
	_ = json.Unmarshal(rl.Err.Body, &body)
	if body["type"] != "throttled_error" {
		t.Errorf("429 envelope %s", rl.Err.Body)
	}
}

func TestWithThrottle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	// WithRateLimits after WithThrottle leaves it in place.
	_, srv := posthogtest.NewServer(t, posthogtest.WithClock(clock), posthogtest.WithThrottle(2, 10*time.Second),
		posthogtest.WithRateLimits(480, 4800))
	other := srv.AddKey(srv.User.UUID, "user:read")

	// Every endpoint, the listing and @me included, which PostHog itself
	// does not throttle.
	for _, path := range []string{"/api/users/", "/api/users/@me/"} {
		if r := do(t, srv, "GET", path, "", bearer(srv.Key)); r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	advance(4 * time.Second)
	r := do(t, srv, "GET", "/api/users/@me/", "", bearer(srv.Key))
	want := `{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 6 seconds.","attr":null}`
	if r.status != http.StatusTooManyRequests || string(r.body) != want || r.header.Get("Retry-After") != "6" {
		t.Errorf("third request in 10s: %d %s, Retry-After %q; want 429 %s, Retry-After 6", r.status, r.body, r.header.Get("Retry-After"), want)
	}
	// Each key has its own budget; a request refused by authentication is
	// not counted.
	if r := do(t, srv, "GET", "/api/users/@me/", "", bearer("phx_unknown")); r.status != http.StatusUnauthorized {
		t.Errorf("unknown key: %d; want 401", r.status)
	}
	if r := do(t, srv, "GET", "/api/users/@me/", "", bearer(other)); r.status != http.StatusOK {
		t.Errorf("another key: %d %s", r.status, r.body)
	}
	// The first request leaves the window after 10s.
	advance(6 * time.Second)
	if r := do(t, srv, "GET", "/api/users/@me/", "", bearer(srv.Key)); r.status != http.StatusOK {
		t.Errorf("after the window: %d %s", r.status, r.body)
	}
	// Anonymous requests count by address.
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests} {
		r := do(t, srv, "POST", "/api/users/request_email_verification/", `{"uuid":"`+uuid.NewString()+`"}`, nil)
		if r.status != want {
			t.Errorf("anonymous request %d: %d %s; want %d", i+1, r.status, r.body, want)
		}
	}
}
