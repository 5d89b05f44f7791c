package posthogusers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// leaks reports whether text holds secret or any 8-character piece of it.
func leaks(text, secret string) bool {
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(text, secret[i:i+8]) {
			return true
		}
	}
	return false
}

// TestInputErrors_neverEchoArguments passes the client's own key where an ID
// or a name belongs, as a mix-up of arguments does: the refusal describes
// the argument without repeating any of it.
func TestInputErrors_neverEchoArguments(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent for invalid input: %s %s", r.Method, r.URL)
	})
	c, k := ts.client, testKey
	calls := map[string]func(ctx context.Context) error{
		"Users.Get": func(ctx context.Context) error { _, err := c.Users.Get(ctx, k); return err },
		"Integrations.DeleteGitHub": func(ctx context.Context) error {
			return c.Integrations.DeleteGitHub(ctx, Me, k)
		},
		"Integrations.DeleteSlack": func(ctx context.Context) error { return c.Integrations.DeleteSlack(ctx, Me, k) },
		"Integrations.GitHubBranches": func(ctx context.Context) error {
			_, err := c.Integrations.GitHubBranches(ctx, Me, "1", k, nil)
			return err
		},
		"Users.SkipOnboarding": func(ctx context.Context) error {
			_, err := c.Users.SkipOnboarding(ctx, Me, OnboardingSkipReason(k), "")
			return err
		},
		"Users.RegisterPushToken": func(ctx context.Context) error {
			_, err := c.Users.RegisterPushToken(ctx, "t", PushPlatform(k))
			return err
		},
		"SignalAutonomy.Set": func(ctx context.Context) error {
			_, err := c.SignalAutonomy.Set(ctx, AutonomyMe, SignalAutonomyUpdate{AutostartPriority: NewNullable(Priority(k))})
			return err
		},
	}
	for name, call := range calls {
		err := call(t.Context())
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v; want ErrInvalidInput", name, err)
			continue
		}
		if leaks(err.Error(), k) {
			t.Errorf("%s: the error repeats part of the argument: %v", name, err)
		}
	}
}

// TestCheckInstallationID_bounds checks that installation IDs are refused
// unless they fit PostHog's bigint: at most 19 digits, within int64.
func TestCheckInstallationID_bounds(t *testing.T) {
	t.Parallel()
	for id, ok := range map[string]bool{
		"1":                       true,
		"9223372036854775807":     true,
		"9223372036854775808":     false,
		"99999999999999999999":    false,
		strings.Repeat("9", 400):  false,
		"00000000000000000000001": false,
		"":                        false,
		"-1":                      false,
		"12a":                     false,
	} {
		err := checkInstallationID(id)
		if ok != (err == nil) {
			t.Errorf("checkInstallationID(%.30q) = %v; want ok %v", id, err, ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidInput) {
			t.Errorf("checkInstallationID(%.30q) = %v; want ErrInvalidInput", id, err)
		}
	}
}

// TestSession_redacted prints and logs a Session every way a program might:
// its ID and CSRF token never show.
func TestSession_redacted(t *testing.T) {
	t.Parallel()
	s := testSession
	var texts []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		texts = append(texts, fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s), fmt.Sprintf(verb, struct{ S Session }{s}))
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("login", "session", s)
	}
	texts = append(texts, buf.String())
	for _, text := range texts {
		if leaks(text, s.ID) || leaks(text, s.CSRFToken) {
			t.Errorf("the session's secrets show: %s", text)
		}
		if !strings.Contains(text, "redacted") {
			t.Errorf("%s: want the secrets shown as redacted", text)
		}
	}
}

// TestErrors_neverShowTheCredential makes every place an error text comes
// from carry the client's credential: a redirect's Location, a transport
// error, a response body. The errors show none of it.
func TestErrors_neverShowTheCredential(t *testing.T) {
	t.Parallel()
	for _, cred := range []struct {
		name    string
		key     string
		opts    []Option
		secrets []string
	}{
		{"key", testKey, nil, []string{testKey}},
		{"session", "", []Option{WithSession(testSession)}, []string{testSession.ID, testSession.CSRFToken}},
	} {
		for name, s := range map[string]step{
			"foreign redirect, key in the path": redirect(http.StatusFound, "https://elsewhere.example.com/steal/"+cred.secrets[0]+"/"),
			"same-origin redirect, key in the path then refused": func(r *http.Request) (*http.Response, error) {
				if strings.Contains(r.URL.Path, "/x/") {
					return redirect(http.StatusFound, "http://elsewhere.example.com/")(r)
				}
				return redirect(http.StatusFound, "/x/"+cred.secrets[len(cred.secrets)-1]+"/")(r)
			},
			"transport error naming it": fail(fmt.Errorf("proxy refused token %s", cred.secrets[0])),
			"error body echoing it":     reply(http.StatusBadRequest, `{"type":"validation_error","code":"invalid","detail":"bad token `+cred.secrets[0]+`","attr":"x `+cred.secrets[len(cred.secrets)-1]+`"}`),
			"HTML body echoing it":      reply(http.StatusBadGateway, `<html>`+cred.secrets[0]+`</html>`),
		} {
			c, _ := scripted(t, cred.key, append([]Option{WithMaxRetries(0)}, cred.opts...), s)
			_, err := c.Users.Get(t.Context(), Me)
			if err == nil {
				t.Errorf("%s, %s: no error", cred.name, name)
				continue
			}
			for _, secret := range cred.secrets {
				if leaks(err.Error(), secret) || leaks(fmt.Sprintf("%+v %#v", err, err), secret) {
					t.Errorf("%s, %s: the error shows the credential: %v", cred.name, name, err)
				}
			}
		}
	}
}
