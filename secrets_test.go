package posthogusers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
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

// printVerbs are the verbs TestPrinting_neverShowsSecrets prints with: every
// verb fmt knows, with flags, and some it does not.
var printVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%o", "%b", "%c", "%e", "%f", "%g", "%t", "%U", "%w", "%z", "%p", "%T", "% x", "%#x", "%-40s", "%.3s", "%#q"}

// TestPrinting_neverShowsSecrets prints clients, sessions, credentials and
// structs holding them with every verb: no secret shows.
func TestPrinting_neverShowsSecrets(t *testing.T) {
	t.Parallel()
	const token = "pha_S0urc3T0k3nD0N0tL3akQq77"
	keyClient, err := NewClient(testKey)
	if err != nil {
		t.Fatal(err)
	}
	sessionClient, err := NewClient("", WithSession(testSession))
	if err != nil {
		t.Fatal(err)
	}
	sourceClient, err := NewClient("", WithTokenSource(TokenSourceFunc(func() (string, error) { return token, nil })))
	if err != nil {
		t.Fatal(err)
	}
	bearer, err := newBearerCredential(testKey)
	if err != nil {
		t.Fatal(err)
	}
	session, err := newSessionCredential(testSession)
	if err != nil {
		t.Fatal(err)
	}
	source := &tokenSourceCredential{src: sourceClient.cred.(*tokenSourceCredential).src}
	s := testSession
	// holder is a program's struct holding clients and sessions. It holds
	// no Session in an unexported field: fmt prints such a field by
	// reflection, without calling its methods, and a Session's ID and
	// CSRFToken are exported strings.
	type holder struct {
		Client        *Client
		ClientValue   Client
		Session       Session
		SessionPtr    *Session
		client        *Client
		clientValue   Client
		sessionClient Client
		cred          credential
		bearer        bearerCredential
		sessionCred   sessionCredential
	}
	h := holder{keyClient, *keyClient, s, &s, keyClient, *keyClient, *sessionClient, bearer, *bearer, *session}
	values := map[string]any{
		"Session":                       s,
		"*Session":                      &s,
		"key Client":                    *keyClient,
		"key *Client":                   keyClient,
		"session Client":                *sessionClient,
		"session *Client":               sessionClient,
		"token source Client":           *sourceClient,
		"bearerCredential":              *bearer,
		"*bearerCredential":             bearer,
		"sessionCredential":             *session,
		"*sessionCredential":            session,
		"tokenSourceCredential":         *source,
		"*tokenSourceCredential":        source,
		"holder":                        h,
		"*holder":                       &h,
		"[]any":                         []any{s, keyClient, *sessionClient},
		"map[string]Client":             map[string]Client{"a": *keyClient},
		"struct{ credential }":          struct{ credential }{bearer},
		"struct{ c credential }":        struct{ c credential }{session},
		"struct{ s sessionCredential }": struct{ s sessionCredential }{*session},
		"struct{ b *bearerCredential }": struct{ b *bearerCredential }{bearer},
		"struct{ C Client; S Session }": struct {
			C Client
			S Session
		}{*sessionClient, s},
	}
	// fmt prints the operand of %p, and of %w outside Errorf, by reflection,
	// without calling its methods, and reflection reads a Session's exported
	// ID and CSRFToken: these hold a Session.
	holdsSession := map[string]bool{"Session": true, "*Session": true, "holder": true, "*holder": true, "[]any": true, "struct{ C Client; S Session }": true}
	secrets := []string{testKey, testSession.ID, testSession.CSRFToken}
	for name, v := range values {
		for _, verb := range printVerbs {
			if (verb == "%p" || verb == "%w") && holdsSession[name] {
				continue
			}
			text := fmt.Sprintf(verb, v)
			for _, secret := range secrets {
				if leaks(text, secret) || leaks(strings.ToLower(text), strings.ToLower(fmt.Sprintf("%x", secret))) {
					t.Errorf("Sprintf(%q, %s) shows a secret: %s", verb, name, text)
				}
			}
		}
		if holdsSession[name] {
			continue
		}
		// A deep printer walks unexported fields by reflection.
		for _, text := range reflectStrings(reflect.ValueOf(v)) {
			for _, secret := range append(secrets, token) {
				if leaks(text, secret) {
					t.Errorf("%s holds a secret where reflection reads it: %.60q", name, text)
				}
			}
		}
	}
	// The descriptions stay.
	for _, tc := range []struct {
		v    any
		want string
	}{
		{s, "ID: [redacted]"},
		{keyClient, "personal API key"},
		{*keyClient, "personal API key"},
		{*sessionClient, "PostHog session"},
		{bearer, "personal API key"},
		{*session, "PostHog session"},
		{source, "token source"},
	} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
			if got := fmt.Sprintf(verb, tc.v); !strings.Contains(got, tc.want) {
				t.Errorf("Sprintf(%q, %T) = %s; want it to say %q", verb, tc.v, got, tc.want)
			}
		}
	}
	// The errors that carry the credentials to scrub.
	c, _ := scripted(t, testKey, []Option{WithMaxRetries(0)}, fail(fmt.Errorf("proxy refused token %s", testKey)))
	_, err = c.Users.Get(t.Context(), Me)
	if err == nil {
		t.Fatal("no error")
	}
	for _, verb := range printVerbs {
		if text := fmt.Sprintf(verb, err); leaks(text, testKey) {
			t.Errorf("Sprintf(%q, err) shows the key: %s", verb, text)
		}
	}
}

// reflectStrings returns every string and byte slice v holds, through
// pointers, interfaces and unexported fields, as a deep printer such as
// go-spew reads them. Functions are opaque to it.
func reflectStrings(v reflect.Value) []string {
	var out []string
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, depth int)
	walk = func(v reflect.Value, depth int) {
		if !v.IsValid() || depth > 40 {
			return
		}
		switch v.Kind() {
		case reflect.String:
			out = append(out, v.String())
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			if v.Kind() == reflect.Pointer {
				if seen[v.Pointer()] {
					return
				}
				seen[v.Pointer()] = true
			}
			walk(v.Elem(), depth+1)
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), depth+1)
			}
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
				out = append(out, string(v.Bytes()))
				return
			}
			for i := range v.Len() {
				walk(v.Index(i), depth+1)
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Key(), depth+1)
				walk(it.Value(), depth+1)
			}
		}
	}
	walk(v, 0)
	return out
}
