package posthogusers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestExpandPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		template string
		params   []string
		want     string
		wantErr  bool
	}{
		{"/api/users/", nil, "/api/users/", false},
		{"/api/users/{uuid}/", []string{"@me"}, "/api/users/@me/", false},
		{"/api/users/{uuid}/", []string{"a b:c"}, "/api/users/a%20b:c/", false},
		{"/api/users/{uuid}/", []string{"a/b"}, "", true},
		{"/api/users/{uuid}/", []string{"a b?c#d"}, "", true},
		{"/api/users/{uuid}/", []string{".."}, "", true},
		{"/api/users/{uuid}/", []string{"."}, "", true},
		{"/api/users/{uuid}/integrations/github/{installation_id}/", []string{"@me", "123"}, "/api/users/@me/integrations/github/123/", false},
		{"/api/users/{uuid}/", nil, "", true},
		{"/api/users/{uuid}/", []string{""}, "", true},
	}
	for _, tt := range tests {
		got, err := expandPath(tt.template, tt.params...)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("expandPath(%q, %q) = %q, %v; want %q, error %v", tt.template, tt.params, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidInput) {
			t.Errorf("expandPath error %v; want ErrInvalidInput", err)
		}
	}
}

func TestOperations_table(t *testing.T) {
	t.Parallel()
	for id, op := range operations {
		if op.method == "" || op.path == "" {
			t.Errorf("operation %d has no method or path", id)
		}
		if op.access == accessScoped && op.scope != ScopeUserRead && op.scope != ScopeUserWrite {
			t.Errorf("%s %s takes keys but names scope %q", op.method, op.path, op.scope)
		}
		// takesUser is the column that decides whether the first
		// parameter is a user UUID or @me; the path must agree.
		if got := strings.HasPrefix(op.path, "/api/users/{uuid}/"); got != op.takesUser {
			t.Errorf("%s %s: takesUser %v, but the path says %v", op.method, op.path, op.takesUser, got)
		}
		if op.sendOnce && idempotent(op.method) {
			t.Errorf("%s %s: sendOnce on a method that is retried as safe to repeat", op.method, op.path)
		}
		if op.access != accessScoped && op.scope != "" {
			t.Errorf("%s %s refuses keys but names scope %q", op.method, op.path, op.scope)
		}
	}
}

// hostileSegments are path parameters that would leave their segment
// through a proxy that decodes %XX and resolves dot segments, or that a
// server would read as something other than the segment.
var hostileSegments = []string{
	"", ".", "..", "/", `\`, "%", "?", "#", ";", "\x00", "\n", "\x7f", "\xff",
	"../../0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", "..%2F..%2F", "%2e%2e", "a/b", `a\b`,
	"a?b=c", "a#b", "a;b", "k1/../../",
}

// pathParamCalls calls, for each operation with a path parameter, its method
// with user as the user argument and param as its other path parameter.
var pathParamCalls = map[opID]func(ctx context.Context, c *Client, user, param string) error{
	opUsersGet: func(ctx context.Context, c *Client, u, _ string) error { return errOf(c.Users.Get(ctx, u)) },
	opUsersUpdate: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Users.Update(ctx, u, UpdateUserRequest{}))
	},
	opUsersReplace: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Users.Replace(ctx, u, ReplaceUserRequest{Email: "a@b.c", Password: "p"}))
	},
	opUsersDelete: func(ctx context.Context, c *Client, u, _ string) error { return c.Users.Delete(ctx, u) },
	opUsersGitHubLogin: func(ctx context.Context, c *Client, u, _ string) error {
		_, _, err := c.Users.GitHubLogin(ctx, u)
		return err
	},
	opUsersHedgehogConfig: func(ctx context.Context, c *Client, u, _ string) error { return errOf(c.Users.HedgehogConfig(ctx, u)) },
	opUsersUpdateHedgehogConfig: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Users.ReplaceHedgehogConfig(ctx, u, map[string]any{}))
	},
	opUsersProductIntroSeen: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Users.MarkProductIntroSeen(ctx, u, "p", true))
	},
	opUsersScenePersonalisation: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Users.SetScenePersonalisation(ctx, u, "s", 1))
	},
	opUsersSkipOnboarding: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Users.SkipOnboarding(ctx, u, SkipOnboardingLater, ""))
	},
	opUsersLoginSessions: func(ctx context.Context, c *Client, u, _ string) error { return errOf(c.Users.LoginSessions(ctx, u)) },
	opUsersRevokeLoginSession: func(ctx context.Context, c *Client, u, p string) error {
		return c.Users.RevokeLoginSession(ctx, u, OpaqueID(p))
	},
	opUsersRevokeOtherLoginSessions: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Users.RevokeOtherLoginSessions(ctx, u))
	},
	opUsersCompleteCredentialsReview: func(ctx context.Context, c *Client, u, _ string) error {
		return c.Users.CompleteCredentialsReview(ctx, u)
	},
	opTwoFactorStartSetup: func(ctx context.Context, c *Client, u, _ string) error { return errOf(c.TwoFactor.StartSetup(ctx, u)) },
	opTwoFactorStartSetupLegacy: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.TwoFactor.StartSetupLegacy(ctx, u))
	},
	opTwoFactorStatus:   func(ctx context.Context, c *Client, u, _ string) error { return errOf(c.TwoFactor.Status(ctx, u)) },
	opTwoFactorValidate: func(ctx context.Context, c *Client, u, _ string) error { return c.TwoFactor.Validate(ctx, u, "123456") },
	opTwoFactorValidateLegacy: func(ctx context.Context, c *Client, u, _ string) error {
		return c.TwoFactor.ValidateLegacy(ctx, u, "123456")
	},
	opTwoFactorBackupCodes: func(ctx context.Context, c *Client, u, _ string) error { return errOf(c.TwoFactor.BackupCodes(ctx, u)) },
	opTwoFactorDisable:     func(ctx context.Context, c *Client, u, _ string) error { return c.TwoFactor.Disable(ctx, u) },
	opIntegrationsList: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Integrations.ListGitHub(ctx, u))
	},
	opGitHubDelete: func(ctx context.Context, c *Client, u, p string) error { return c.Integrations.DeleteGitHub(ctx, u, p) },
	opGitHubRepos: func(ctx context.Context, c *Client, u, p string) error {
		return errOf(c.Integrations.GitHubRepos(ctx, u, p, nil))
	},
	opGitHubReposRefresh: func(ctx context.Context, c *Client, u, p string) error {
		return errOf(c.Integrations.RefreshGitHubRepos(ctx, u, p))
	},
	opGitHubBranches: func(ctx context.Context, c *Client, u, p string) error {
		return errOf(c.Integrations.GitHubBranches(ctx, u, p, "o/r", nil))
	},
	opGitHubStart: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Integrations.StartGitHubLink(ctx, u, StartGitHubLinkRequest{}))
	},
	opGitHubPrepareCallback: func(ctx context.Context, c *Client, u, _ string) error {
		return c.Integrations.PrepareGitHubCallback(ctx, u, "123")
	},
	opSlackLinkableWorkspaces: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Integrations.LinkableSlackWorkspaces(ctx, u))
	},
	opSlackStart: func(ctx context.Context, c *Client, u, _ string) error {
		return errOf(c.Integrations.StartSlackLink(ctx, u, StartSlackLinkRequest{}))
	},
	opSlackDelete: func(ctx context.Context, c *Client, u, p string) error { return c.Integrations.DeleteSlack(ctx, u, p) },
	opAutonomyGet: func(ctx context.Context, c *Client, _, p string) error {
		_, _, err := c.SignalAutonomy.Get(ctx, AutonomyUserID(p))
		return err
	},
	opAutonomySet: func(ctx context.Context, c *Client, _, p string) error {
		return errOf(c.SignalAutonomy.Set(ctx, AutonomyUserID(p), SignalAutonomyUpdate{}))
	},
	opAutonomyDelete: func(ctx context.Context, c *Client, _, p string) error {
		return c.SignalAutonomy.Delete(ctx, AutonomyUserID(p))
	},
}

// validParam is a value each operation's non-user parameter accepts.
func validParam(op *operation) string {
	switch {
	case strings.Contains(op.path, "{installation_id}"):
		return "123"
	case strings.Contains(op.path, "{slack_user_id}"):
		return "U0123ABC"
	case strings.Contains(op.path, "{user_id}"):
		return "42"
	}
	return "k1"
}

// TestPathParameters_stayInTheirSegment calls every operation that has a
// path parameter with each hostile value in each parameter: every call is
// refused with an *InputError that does not repeat the value, and nothing
// is sent. The same calls with valid values are sent, so the refusals are
// the checks' and not the harness's.
func TestPathParameters_stayInTheirSegment(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"type":"validation_error","code":"invalid_input","detail":"No.","attr":null}`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(testKey, WithBaseURL(srv.URL), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for id, op := range operations {
		if !strings.Contains(op.path, "{") {
			continue
		}
		call, ok := pathParamCalls[opID(id)]
		if !ok {
			t.Errorf("%s %s has a path parameter but no entry in pathParamCalls", op.method, op.path)
			continue
		}
		param := validParam(&op)
		before := sent.Load()
		if err := call(ctx, c, Me, param); errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s %s with valid parameters: %v", op.method, op.path, err)
		}
		if sent.Load() != before+1 {
			t.Errorf("%s %s with valid parameters sent %d requests; want 1", op.method, op.path, sent.Load()-before)
		}
		hasOther := strings.Count(op.path, "{") > 1 || !op.takesUser
		for _, h := range hostileSegments {
			before := sent.Load()
			var errs []error
			if op.takesUser {
				errs = append(errs, call(ctx, c, h, param))
			}
			if hasOther {
				errs = append(errs, call(ctx, c, Me, h))
			}
			for _, err := range errs {
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Errorf("%s %s with %q: %v; want an *InputError", op.method, op.path, h, err)
					continue
				}
				if len(h) > 2 && strings.Contains(err.Error(), h) {
					t.Errorf("%s %s: the error repeats the value: %v", op.method, op.path, err)
				}
			}
			if n := sent.Load() - before; n != 0 {
				t.Errorf("%s %s with %q sent %d requests; want none", op.method, op.path, h, n)
			}
		}
	}
}

// TestCheckSegment pins what a path parameter may hold.
func TestCheckSegment(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"k1", "a b", "@me", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", "é", "a.b", "...", "U0123ABC", "a:b"} {
		if err := checkSegment("p", ok); err != nil {
			t.Errorf("checkSegment(%q) = %v; want nil", ok, err)
		}
	}
	for _, bad := range hostileSegments {
		if err := checkSegment("p", bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("checkSegment(%q) = %v; want ErrInvalidInput", bad, err)
		}
	}
}
