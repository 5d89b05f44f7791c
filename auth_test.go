package posthogusers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// csrfLessSessionInvalidInputCases are calls a session without its CSRF
// token cannot make: they are run with such a session, not a key.
var csrfLessSessionInvalidInputCases = []invalidInputCase{
	{"session without CSRF token cannot POST", func(ctx context.Context, c *Client) error { return c.TwoFactor.Disable(ctx, Me) }, "WithSession: CSRFToken"},
	{"session without CSRF token cannot DELETE", func(ctx context.Context, c *Client) error { return c.Users.Delete(ctx, Me) }, "WithSession: CSRFToken"},
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
		"TwoFactor.StartSetup":            func() error { return errOf(c.TwoFactor.StartSetup(ctx, Me)) },
		"TwoFactor.StartSetupLegacy":      func() error { return errOf(c.TwoFactor.StartSetupLegacy(ctx, Me)) },
		"TwoFactor.Status":                func() error { return errOf(c.TwoFactor.Status(ctx, Me)) },
		"TwoFactor.Validate":              func() error { return c.TwoFactor.Validate(ctx, Me, "123456") },
		"TwoFactor.ValidateLegacy":        func() error { return c.TwoFactor.ValidateLegacy(ctx, Me, "123456") },
		"TwoFactor.BackupCodes":           func() error { return errOf(c.TwoFactor.BackupCodes(ctx, Me)) },
		"TwoFactor.Disable":               func() error { return c.TwoFactor.Disable(ctx, Me) },
		"Users.SetScenePersonalisation":   func() error { return errOf(c.Users.SetScenePersonalisation(ctx, Me, "ProjectHomepage", 7)) },
		"Users.CancelEmailChange":         func() error { return errOf(c.Users.CancelEmailChange(ctx)) },
		"Users.SkipOnboarding":            func() error { return errOf(c.Users.SkipOnboarding(ctx, Me, SkipOnboardingOther, "")) },
		"Users.LoginSessions":             func() error { return errOf(c.Users.LoginSessions(ctx, Me)) },
		"Users.RevokeLoginSession":        func() error { return c.Users.RevokeLoginSession(ctx, Me, "k1") },
		"Users.RevokeOtherLoginSessions":  func() error { return errOf(c.Users.RevokeOtherLoginSessions(ctx, Me)) },
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
