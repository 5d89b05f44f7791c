package posthogusers_test

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/internal/schematest"
	"github.com/hogkit/posthogusers/posthogtest"
)

// me is the user of most calls.
const me = posthogusers.Me

// fakeEnv is the fake PostHog of TestAgainstFake, seeded, with the clients
// and the state its calls use.
type fakeEnv struct {
	srv            *posthogtest.Server
	client         *posthogusers.Client // the seeded user's read-write key
	session        *posthogusers.Client // the seeded user's session
	inst           string               // the seeded user's GitHub installation
	unverified     posthogtest.User     // a user who has not verified their email
	pendingSession *posthogusers.Client // the session of a user changing their email
}

// newFakeEnv starts posthogtest's fake for t, its clients sending through
// tr, and seeds what the calls of againstFakeCalls need.
func newFakeEnv(t *testing.T, tr http.RoundTripper) *fakeEnv {
	t.Helper()
	client, srv := posthogtest.NewServer(t, posthogtest.WithClientOptions(posthogusers.WithHTTPClient(&http.Client{Transport: tr})))
	f := &fakeEnv{srv: srv, client: client, session: srv.SessionClient(srv.User.UUID)}
	f.inst = srv.AddGitHubInstallation(srv.User.UUID, posthogtest.GitHubInstallation{Account: "babbage", Repositories: []string{"babbage/api"}})
	srv.AddSlackLink(srv.User.UUID, posthogtest.SlackLink{SlackUserID: "U0123ABC456", SlackTeamID: "T1"})
	srv.AddSlackWorkspace(2, "T1", "Engines")
	f.unverified = srv.AddUser(posthogtest.UserSpec{Unverified: true})
	pending := srv.AddUser(posthogtest.UserSpec{PendingEmail: "new@example.com"})
	f.pendingSession = srv.SessionClient(pending.UUID)
	return f
}

// errOf returns the error of a call that returns a value and an error, so
// that againstFakeCalls holds any method as a func returning an error.
func errOf[T any](_ T, err error) error { return err }

// errOf2 is errOf for a call that returns two values and an error.
func errOf2[T, U any](_ T, _ U, err error) error { return err }

// drain ranges over seq to its end or its first error, which it returns.
func drain[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// fakeCall is one call of an SDK method against the fake.
type fakeCall struct {
	name string
	call func(ctx context.Context, f *fakeEnv) error
}

// againstFakeCalls calls every method of the SDK. They run in order: some
// build on the state earlier ones leave.
var againstFakeCalls = []fakeCall{
	{"Users.List", func(ctx context.Context, f *fakeEnv) error { return errOf(f.client.Users.List(ctx, nil)) }},
	{"Users.All", func(ctx context.Context, f *fakeEnv) error { return drain(f.client.Users.All(ctx, nil)) }},
	{"Users.Get", func(ctx context.Context, f *fakeEnv) error { return errOf(f.client.Users.Get(ctx, me)) }},
	{"Users.Update", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Users.Update(ctx, me, posthogusers.UpdateUserRequest{LastName: posthogusers.Ptr("King")}))
	}},
	{"Users.Replace", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.session.Users.Replace(ctx, me, posthogusers.ReplaceUserRequest{Email: "ada@example.com", Password: "a new long password",
			UpdateUserRequest: posthogusers.UpdateUserRequest{CurrentPassword: posthogusers.Ptr("analytical engine 1843")}}))
	}},
	{"Users.GitHubLogin", func(ctx context.Context, f *fakeEnv) error { return errOf2(f.client.Users.GitHubLogin(ctx, me)) }},
	{"Users.HedgehogConfig", func(ctx context.Context, f *fakeEnv) error { return errOf(f.client.Users.HedgehogConfig(ctx, me)) }},
	{"Users.ReplaceHedgehogConfig", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Users.ReplaceHedgehogConfig(ctx, me, map[string]string{"color": "blue"}))
	}},
	{"Users.MergeHedgehogConfig", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Users.MergeHedgehogConfig(ctx, me, map[string]string{"hat": "beret"}))
	}},
	{"Users.MarkProductIntroSeen", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Users.MarkProductIntroSeen(ctx, me, "surveys", true))
	}},
	{"Users.SetScenePersonalisation", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.session.Users.SetScenePersonalisation(ctx, me, "ProjectHomepage", 7))
	}},
	{"Users.CancelEmailChange", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.pendingSession.Users.CancelEmailChange(ctx))
	}},
	{"Users.RequestEmailVerification", func(ctx context.Context, f *fakeEnv) error {
		return f.client.Users.RequestEmailVerification(ctx, f.unverified.UUID)
	}},
	{"Users.VerifyEmail", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Users.VerifyEmail(ctx, f.unverified.UUID, f.srv.EmailVerificationCode(f.unverified.UUID)))
	}},
	{"Users.SkipOnboarding", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.session.Users.SkipOnboarding(ctx, me, posthogusers.SkipOnboardingOther, ""))
	}},
	{"Users.LoginSessions", func(ctx context.Context, f *fakeEnv) error { return errOf(f.session.Users.LoginSessions(ctx, me)) }},
	{"Users.RevokeOtherLoginSessions", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.session.Users.RevokeOtherLoginSessions(ctx, me))
	}},
	{"Users.RevokeLoginSession", func(ctx context.Context, f *fakeEnv) error {
		other := f.srv.SessionClient(f.srv.User.UUID)
		sessions, err := other.Users.LoginSessions(ctx, me)
		if err != nil {
			return err
		}
		return f.session.Users.RevokeLoginSession(ctx, me, sessions[len(sessions)-1].ID)
	}},
	{"Users.CompleteCredentialsReview", func(ctx context.Context, f *fakeEnv) error { return f.session.Users.CompleteCredentialsReview(ctx, me) }},
	{"Users.RegisterPushToken", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Users.RegisterPushToken(ctx, "apns:1", posthogusers.PushPlatformIOS))
	}},
	{"Users.UnregisterPushToken", func(ctx context.Context, f *fakeEnv) error { return f.client.Users.UnregisterPushToken(ctx, "apns:1") }},
	{"TwoFactor.Status", func(ctx context.Context, f *fakeEnv) error { return errOf(f.session.TwoFactor.Status(ctx, me)) }},
	{"TwoFactor.StartSetupLegacy", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.session.TwoFactor.StartSetupLegacy(ctx, me))
	}},
	{"TwoFactor.ValidateLegacy", func(ctx context.Context, f *fakeEnv) error {
		return f.session.TwoFactor.ValidateLegacy(ctx, me, f.srv.TOTPCode(f.srv.User.UUID))
	}},
	{"TwoFactor.StartSetup", func(ctx context.Context, f *fakeEnv) error { return errOf(f.session.TwoFactor.StartSetup(ctx, me)) }},
	{"TwoFactor.Validate", func(ctx context.Context, f *fakeEnv) error {
		return f.session.TwoFactor.Validate(ctx, me, f.srv.TOTPCode(f.srv.User.UUID))
	}},
	{"TwoFactor.BackupCodes", func(ctx context.Context, f *fakeEnv) error { return errOf(f.session.TwoFactor.BackupCodes(ctx, me)) }},
	{"TwoFactor.Disable", func(ctx context.Context, f *fakeEnv) error { return f.session.TwoFactor.Disable(ctx, me) }},
	{"Integrations.ListGitHub", func(ctx context.Context, f *fakeEnv) error { return errOf(f.client.Integrations.ListGitHub(ctx, me)) }},
	{"Integrations.ListSlack", func(ctx context.Context, f *fakeEnv) error { return errOf(f.client.Integrations.ListSlack(ctx, me)) }},
	{"Integrations.GitHubRepos", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Integrations.GitHubRepos(ctx, me, f.inst, nil))
	}},
	{"Integrations.AllGitHubRepos", func(ctx context.Context, f *fakeEnv) error {
		return drain(f.client.Integrations.AllGitHubRepos(ctx, me, f.inst, nil))
	}},
	{"Integrations.RefreshGitHubRepos", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Integrations.RefreshGitHubRepos(ctx, me, f.inst))
	}},
	{"Integrations.GitHubBranches", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Integrations.GitHubBranches(ctx, me, f.inst, "babbage/api", nil))
	}},
	{"Integrations.AllGitHubBranches", func(ctx context.Context, f *fakeEnv) error {
		return drain(f.client.Integrations.AllGitHubBranches(ctx, me, f.inst, "babbage/api", nil))
	}},
	{"Integrations.StartGitHubLink", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Integrations.StartGitHubLink(ctx, me, posthogusers.StartGitHubLinkRequest{}))
	}},
	{"Integrations.PrepareGitHubCallback", func(ctx context.Context, f *fakeEnv) error {
		return f.client.Integrations.PrepareGitHubCallback(ctx, me, f.inst)
	}},
	{"Integrations.LinkableSlackWorkspaces", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Integrations.LinkableSlackWorkspaces(ctx, me))
	}},
	{"Integrations.StartSlackLink", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.Integrations.StartSlackLink(ctx, me, posthogusers.StartSlackLinkRequest{}))
	}},
	{"Integrations.DeleteSlack", func(ctx context.Context, f *fakeEnv) error {
		return f.client.Integrations.DeleteSlack(ctx, me, "U0123ABC456")
	}},
	{"Integrations.DeleteGitHub", func(ctx context.Context, f *fakeEnv) error {
		return f.client.Integrations.DeleteGitHub(ctx, me, f.inst)
	}},
	{"SignalAutonomy.Set", func(ctx context.Context, f *fakeEnv) error {
		return errOf(f.client.SignalAutonomy.Set(ctx, posthogusers.AutonomyMe, posthogusers.SignalAutonomyUpdate{
			AutostartPriority: posthogusers.NewNullable(posthogusers.PriorityP2)}))
	}},
	{"SignalAutonomy.Get", func(ctx context.Context, f *fakeEnv) error {
		return errOf2(f.client.SignalAutonomy.Get(ctx, posthogusers.AutonomyMe))
	}},
	{"SignalAutonomy.Delete", func(ctx context.Context, f *fakeEnv) error {
		return f.client.SignalAutonomy.Delete(ctx, posthogusers.AutonomyMe)
	}},
	{"Users.Delete", func(ctx context.Context, f *fakeEnv) error {
		loner := f.srv.AddUser(posthogtest.UserSpec{NoOrganization: true})
		return f.srv.SessionClient(loner.UUID).Users.Delete(ctx, me)
	}},
}

// TestAgainstFake calls every method of the SDK against posthogtest's fake
// PostHog, with each request and answer checked against PostHog's schema:
// the same methods the other tests check against hand-written handlers, end
// to end against a server that keeps state.
func TestAgainstFake(t *testing.T) {
	t.Parallel()
	next := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(next.CloseIdleConnections)
	tr := &schematest.Transport{T: t, Router: schematest.Router(t, "testdata/posthog-users.openapi.yaml"), Next: next}
	f := newFakeEnv(t, tr)
	for _, c := range againstFakeCalls {
		if err := c.call(t.Context(), f); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if tr.Requests.Load() < int64(len(againstFakeCalls)) {
		t.Errorf("%d requests validated for %d calls", tr.Requests.Load(), len(againstFakeCalls))
	}
}

// TestAgainstFake_wrongBaseURL points a client at posthogtest's fake under
// a wrong path: PostHog's "Endpoint not found." is told apart from a
// missing user. A project page's URL taken from the browser is as wrong as
// any other path: PostHog routes /api from the start of the path.
func TestAgainstFake_wrongBaseURL(t *testing.T) {
	t.Parallel()
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	for _, wrong := range []string{"/api/v1", "/project/123", "/posthog"} {
		client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"), posthogusers.WithBaseURL(srv.URL+wrong))
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Users.Get(t.Context(), posthogusers.Me)
		var e *posthogusers.EndpointNotFoundError
		if !errors.As(err, &e) || errors.Is(err, posthogusers.ErrNotFound) || e.BaseURL != srv.URL+wrong {
			t.Errorf("base URL %s: %v; want an *EndpointNotFoundError naming it", srv.URL+wrong, err)
		}
		// With a key the fake never issued too: the path is checked first.
		unknown, err := posthogusers.NewClient("phx_UnknownKeyAbCdEfGhIjKlMnOpQrStUvWxYz0123456789", posthogusers.WithBaseURL(srv.URL+wrong))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := unknown.Users.Get(t.Context(), posthogusers.Me); !errors.Is(err, posthogusers.ErrEndpointNotFound) {
			t.Errorf("base URL %s, unknown key: %v; want ErrEndpointNotFound", srv.URL+wrong, err)
		}
	}
	// The right base URL, a user that does not exist: ErrNotFound.
	client, _ := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"), posthogusers.WithBaseURL(srv.URL))
	if _, err := client.Users.Get(t.Context(), "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"); !errors.Is(err, posthogusers.ErrNotFound) && !errors.Is(err, posthogusers.ErrForbidden) {
		t.Errorf("unknown user: %v; want ErrNotFound or, for a non-staff key, ErrForbidden", err)
	}
}
