package posthogusers_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/internal/schematest"
	"github.com/hogkit/posthogusers/posthogtest"
)

// TestAgainstFake calls every method of the SDK against posthogtest's fake
// PostHog, with each request and answer checked against PostHog's schema:
// the same methods the other tests check against hand-written handlers, end
// to end against a server that keeps state.
func TestAgainstFake(t *testing.T) {
	t.Parallel()
	next := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(next.CloseIdleConnections)
	tr := &schematest.Transport{T: t, Router: schematest.Router(t, "testdata/posthog-users.openapi.yaml"), Next: next}
	client, srv := posthogtest.NewServer(t, posthogtest.WithClientOptions(posthogusers.WithHTTPClient(&http.Client{Transport: tr})))
	session := srv.SessionClient(srv.User.UUID)
	me := posthogusers.Me
	inst := srv.AddGitHubInstallation(srv.User.UUID, posthogtest.GitHubInstallation{Account: "babbage", Repositories: []string{"babbage/api"}})
	srv.AddSlackLink(srv.User.UUID, posthogtest.SlackLink{SlackUserID: "U0123ABC456", SlackTeamID: "T1"})
	srv.AddSlackWorkspace(2, "T1", "Engines")
	unverified := srv.AddUser(posthogtest.UserSpec{Unverified: true})
	pending := srv.AddUser(posthogtest.UserSpec{PendingEmail: "new@example.com"})
	pendingSession := srv.SessionClient(pending.UUID)

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Users.List", func(ctx context.Context) error { _, err := client.Users.List(ctx, nil); return err }},
		{"Users.All", func(ctx context.Context) error {
			for _, err := range client.Users.All(ctx, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"Users.Get", func(ctx context.Context) error { _, err := client.Users.Get(ctx, me); return err }},
		{"Users.Update", func(ctx context.Context) error {
			_, err := client.Users.Update(ctx, me, posthogusers.UpdateUserRequest{LastName: posthogusers.Ptr("King")})
			return err
		}},
		{"Users.Replace", func(ctx context.Context) error {
			_, err := session.Users.Replace(ctx, me, posthogusers.ReplaceUserRequest{Email: "ada@example.com", Password: "a new long password",
				UpdateUserRequest: posthogusers.UpdateUserRequest{CurrentPassword: posthogusers.Ptr("analytical engine 1843")}})
			return err
		}},
		{"Users.GitHubLogin", func(ctx context.Context) error { _, _, err := client.Users.GitHubLogin(ctx, me); return err }},
		{"Users.HedgehogConfig", func(ctx context.Context) error { _, err := client.Users.HedgehogConfig(ctx, me); return err }},
		{"Users.ReplaceHedgehogConfig", func(ctx context.Context) error {
			_, err := client.Users.ReplaceHedgehogConfig(ctx, me, map[string]string{"color": "blue"})
			return err
		}},
		{"Users.MergeHedgehogConfig", func(ctx context.Context) error {
			_, err := client.Users.MergeHedgehogConfig(ctx, me, map[string]string{"hat": "beret"})
			return err
		}},
		{"Users.MarkProductIntroSeen", func(ctx context.Context) error {
			_, err := client.Users.MarkProductIntroSeen(ctx, me, "surveys", true)
			return err
		}},
		{"Users.SetScenePersonalisation", func(ctx context.Context) error {
			_, err := session.Users.SetScenePersonalisation(ctx, me, "ProjectHomepage", 7)
			return err
		}},
		{"Users.CancelEmailChange", func(ctx context.Context) error { _, err := pendingSession.Users.CancelEmailChange(ctx); return err }},
		{"Users.RequestEmailVerification", func(ctx context.Context) error {
			return client.Users.RequestEmailVerification(ctx, unverified.UUID)
		}},
		{"Users.VerifyEmail", func(ctx context.Context) error {
			_, err := client.Users.VerifyEmail(ctx, unverified.UUID, srv.EmailVerificationCode(unverified.UUID))
			return err
		}},
		{"Users.SkipOnboarding", func(ctx context.Context) error {
			_, err := session.Users.SkipOnboarding(ctx, me, posthogusers.SkipOnboardingOther, "")
			return err
		}},
		{"Users.LoginSessions", func(ctx context.Context) error { _, err := session.Users.LoginSessions(ctx, me); return err }},
		{"Users.RevokeOtherLoginSessions", func(ctx context.Context) error {
			_, err := session.Users.RevokeOtherLoginSessions(ctx, me)
			return err
		}},
		{"Users.RevokeLoginSession", func(ctx context.Context) error {
			other := srv.SessionClient(srv.User.UUID)
			sessions, err := other.Users.LoginSessions(ctx, me)
			if err != nil {
				return err
			}
			return session.Users.RevokeLoginSession(ctx, me, sessions[len(sessions)-1].ID)
		}},
		{"Users.CompleteCredentialsReview", func(ctx context.Context) error { return session.Users.CompleteCredentialsReview(ctx, me) }},
		{"Users.RegisterPushToken", func(ctx context.Context) error {
			_, err := client.Users.RegisterPushToken(ctx, "apns:1", posthogusers.PushPlatformIOS)
			return err
		}},
		{"Users.UnregisterPushToken", func(ctx context.Context) error { return client.Users.UnregisterPushToken(ctx, "apns:1") }},
		{"TwoFactor.Status", func(ctx context.Context) error { _, err := session.TwoFactor.Status(ctx, me); return err }},
		{"TwoFactor.StartSetupLegacy", func(ctx context.Context) error { _, err := session.TwoFactor.StartSetupLegacy(ctx, me); return err }},
		{"TwoFactor.ValidateLegacy", func(ctx context.Context) error {
			return session.TwoFactor.ValidateLegacy(ctx, me, srv.TOTPCode(srv.User.UUID))
		}},
		{"TwoFactor.StartSetup", func(ctx context.Context) error { _, err := session.TwoFactor.StartSetup(ctx, me); return err }},
		{"TwoFactor.Validate", func(ctx context.Context) error {
			return session.TwoFactor.Validate(ctx, me, srv.TOTPCode(srv.User.UUID))
		}},
		{"TwoFactor.BackupCodes", func(ctx context.Context) error { _, err := session.TwoFactor.BackupCodes(ctx, me); return err }},
		{"TwoFactor.Disable", func(ctx context.Context) error { return session.TwoFactor.Disable(ctx, me) }},
		{"Integrations.ListGitHub", func(ctx context.Context) error { _, err := client.Integrations.ListGitHub(ctx, me); return err }},
		{"Integrations.ListSlack", func(ctx context.Context) error { _, err := client.Integrations.ListSlack(ctx, me); return err }},
		{"Integrations.GitHubRepos", func(ctx context.Context) error {
			_, err := client.Integrations.GitHubRepos(ctx, me, inst, nil)
			return err
		}},
		{"Integrations.AllGitHubRepos", func(ctx context.Context) error {
			for _, err := range client.Integrations.AllGitHubRepos(ctx, me, inst, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"Integrations.RefreshGitHubRepos", func(ctx context.Context) error {
			_, err := client.Integrations.RefreshGitHubRepos(ctx, me, inst)
			return err
		}},
		{"Integrations.GitHubBranches", func(ctx context.Context) error {
			_, err := client.Integrations.GitHubBranches(ctx, me, inst, "babbage/api", nil)
			return err
		}},
		{"Integrations.AllGitHubBranches", func(ctx context.Context) error {
			for _, err := range client.Integrations.AllGitHubBranches(ctx, me, inst, "babbage/api", nil) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"Integrations.StartGitHubLink", func(ctx context.Context) error {
			_, err := client.Integrations.StartGitHubLink(ctx, me, posthogusers.StartGitHubLinkRequest{})
			return err
		}},
		{"Integrations.PrepareGitHubCallback", func(ctx context.Context) error {
			return client.Integrations.PrepareGitHubCallback(ctx, me, inst)
		}},
		{"Integrations.LinkableSlackWorkspaces", func(ctx context.Context) error {
			_, err := client.Integrations.LinkableSlackWorkspaces(ctx, me)
			return err
		}},
		{"Integrations.StartSlackLink", func(ctx context.Context) error {
			_, err := client.Integrations.StartSlackLink(ctx, me, posthogusers.StartSlackLinkRequest{})
			return err
		}},
		{"Integrations.DeleteSlack", func(ctx context.Context) error { return client.Integrations.DeleteSlack(ctx, me, "U0123ABC456") }},
		{"Integrations.DeleteGitHub", func(ctx context.Context) error { return client.Integrations.DeleteGitHub(ctx, me, inst) }},
		{"SignalAutonomy.Set", func(ctx context.Context) error {
			_, err := client.SignalAutonomy.Set(ctx, posthogusers.AutonomyMe, posthogusers.SignalAutonomyUpdate{
				AutostartPriority: posthogusers.NewNullable(posthogusers.PriorityP2)})
			return err
		}},
		{"SignalAutonomy.Get", func(ctx context.Context) error {
			_, _, err := client.SignalAutonomy.Get(ctx, posthogusers.AutonomyMe)
			return err
		}},
		{"SignalAutonomy.Delete", func(ctx context.Context) error { return client.SignalAutonomy.Delete(ctx, posthogusers.AutonomyMe) }},
		{"Users.Delete", func(ctx context.Context) error {
			loner := srv.AddUser(posthogtest.UserSpec{NoOrganization: true})
			return srv.SessionClient(loner.UUID).Users.Delete(ctx, me)
		}},
	}
	// In order: some calls build on the state earlier ones leave.
	for _, c := range calls {
		if err := c.call(t.Context()); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if tr.Requests.Load() < int64(len(calls)) {
		t.Errorf("%d requests validated for %d calls", tr.Requests.Load(), len(calls))
	}
}

// TestAgainstFake_wrongBaseURL points a client at posthogtest's fake under
// a wrong path: PostHog's "Endpoint not found." is told apart from a
// missing user.
func TestAgainstFake_wrongBaseURL(t *testing.T) {
	t.Parallel()
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"), posthogusers.WithBaseURL(srv.URL+"/api/v1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Users.Get(t.Context(), posthogusers.Me)
	var e *posthogusers.EndpointNotFoundError
	if !errors.As(err, &e) || errors.Is(err, posthogusers.ErrNotFound) || e.BaseURL != srv.URL+"/api/v1" {
		t.Errorf("wrong base URL: %v; want an *EndpointNotFoundError naming it", err)
	}
	// The right base URL, a user that does not exist: ErrNotFound.
	client, _ = posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"), posthogusers.WithBaseURL(srv.URL))
	if _, err := client.Users.Get(t.Context(), "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"); !errors.Is(err, posthogusers.ErrNotFound) && !errors.Is(err, posthogusers.ErrForbidden) {
		t.Errorf("unknown user: %v; want ErrNotFound or, for a non-staff key, ErrForbidden", err)
	}
}
