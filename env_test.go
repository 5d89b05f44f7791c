package posthogusers

import (
	"errors"
	"strings"
	"testing"
)

// envLookup returns a lookup of the variables in env, as os.LookupEnv of
// a process with that environment.
func envLookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestNewClientFromEnv_configures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		opts     []Option
		wantBase string
		wantAuth string
	}{
		{"the key alone: US Cloud", map[string]string{EnvPersonalAPIKey: testKey}, nil, USCloud, "personal API key (phx_…)"},
		{"an empty host: US Cloud", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: " "}, nil, USCloud, ""},
		{"EU Cloud", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "https://eu.posthog.com"}, nil, EUCloud, ""},
		{"a host without a scheme is https", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "eu.posthog.com"}, nil, EUCloud, ""},
		{"self-hosted, /api dropped", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "https://posthog.example.com/ph/api/"}, nil,
			"https://posthog.example.com/ph", ""},
		{"loopback over http", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "http://localhost:8010"}, nil, "http://localhost:8010", ""},
		{"white space around both", map[string]string{EnvPersonalAPIKey: " " + testKey + "\n", EnvHost: "\thttps://eu.posthog.com\n"}, nil, EUCloud, ""},
		{"an OAuth access token", map[string]string{EnvPersonalAPIKey: "pha_abc123"}, nil, USCloud, "OAuth access token (pha_…)"},
		{"WithBaseURL wins over the host", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "https://eu.posthog.com"},
			[]Option{WithBaseURL("https://posthog.example.com")}, "https://posthog.example.com", ""},
		{"WithBaseURL wins over a malformed host", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "ftp://nope"},
			[]Option{WithBaseURL(EUCloud)}, EUCloud, ""},
		{"a later option still applies", map[string]string{EnvPersonalAPIKey: testKey},
			[]Option{nil, WithInsecureHTTP(), WithBaseURL("http://posthog.internal")}, "http://posthog.internal", ""},
		{"WithSession: no key needed", map[string]string{EnvHost: EUCloud},
			[]Option{WithSession(Session{ID: "s3ss10n", CSRFToken: "csrf"})}, EUCloud, "PostHog session"},
		{"WithSession wins over the key", map[string]string{EnvPersonalAPIKey: testKey},
			[]Option{WithSession(Session{ID: "s3ss10n"})}, USCloud, "PostHog session"},
		{"WithTokenSource wins over a malformed key", map[string]string{EnvPersonalAPIKey: "phc_project"},
			[]Option{WithTokenSource(TokenSourceFunc(func() (string, error) { return "pha_x", nil }))}, USCloud, "token source"},
	}
	for _, tt := range tests {
		c, err := newClientFromEnv(envLookup(tt.env), tt.opts...)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := c.BaseURL(); got != tt.wantBase {
			t.Errorf("%s: BaseURL() = %q; want %q", tt.name, got, tt.wantBase)
		}
		if got := c.String(); tt.wantAuth != "" && !strings.Contains(got, "Auth: "+tt.wantAuth) {
			t.Errorf("%s: %s; want Auth: %s", tt.name, got, tt.wantAuth)
		}
	}
}

func TestNewClientFromEnv_refuses(t *testing.T) {
	t.Parallel()
	const secretHost = "s3cr3tproxy.example.com"
	tests := []struct {
		name    string
		env     map[string]string
		opts    []Option
		wantArg string
		reason  string // a part of the reason
	}{
		{"no key", map[string]string{}, nil, EnvPersonalAPIKey, "is not set"},
		{"no key, a host", map[string]string{EnvHost: EUCloud}, nil, EnvPersonalAPIKey, "or pass WithSession or WithTokenSource"},
		{"no key, a malformed host", map[string]string{EnvHost: "ftp://" + secretHost}, nil, EnvPersonalAPIKey, "is not set"},
		{"an empty key", map[string]string{EnvPersonalAPIKey: " \n"}, nil, EnvPersonalAPIKey, "is empty"},
		{"a project token", map[string]string{EnvPersonalAPIKey: "phc_" + testKey[4:]}, nil, EnvPersonalAPIKey, "project token"},
		{"a Bearer prefix", map[string]string{EnvPersonalAPIKey: "Bearer " + testKey}, nil, EnvPersonalAPIKey, `"Bearer "`},
		{"white space inside", map[string]string{EnvPersonalAPIKey: testKey[:10] + " " + testKey[10:]}, nil, EnvPersonalAPIKey, "white space"},
		{"a quoted key", map[string]string{EnvPersonalAPIKey: `"` + testKey + `"`}, nil, EnvPersonalAPIKey, "in quotes"},
		{"a quoted host", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: `'https://` + secretHost + `'`}, nil, EnvHost, "in quotes"},
		{"another scheme", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "ftp://" + secretHost}, nil, EnvHost, `scheme "http" or "https"`},
		{"user information", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "https://admin:hunter2@" + secretHost}, nil, EnvHost, "user information"},
		{"the users API", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "https://" + secretHost + "/api/users/"}, nil, EnvHost, "names the users API"},
		{"a query", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "https://" + secretHost + "?token=x"}, nil, EnvHost, "query"},
		{"http to another host", map[string]string{EnvPersonalAPIKey: testKey, EnvHost: "http://" + secretHost}, nil, EnvHost, "clear text"},
		{"a bad option", map[string]string{EnvPersonalAPIKey: testKey}, []Option{WithMaxRetries(-1)}, "WithMaxRetries", "negative"},
		{"http in WithBaseURL", map[string]string{EnvPersonalAPIKey: testKey}, []Option{WithBaseURL("http://" + secretHost)}, "WithBaseURL", "clear text"},
	}
	for _, tt := range tests {
		c, err := newClientFromEnv(envLookup(tt.env), tt.opts...)
		var inputErr *InputError
		if !errors.As(err, &inputErr) || !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: got %v, %v; want an *InputError", tt.name, c, err)
			continue
		}
		if inputErr.Arg != tt.wantArg || !strings.Contains(inputErr.Reason, tt.reason) {
			t.Errorf("%s: %v; want the argument %s and a reason with %q", tt.name, err, tt.wantArg, tt.reason)
		}
		for _, secret := range []string{testKey, testKey[4:14], secretHost, "hunter2"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error repeats a value: %v", tt.name, err)
			}
		}
	}
}

// NewClientFromEnv reads the process's environment when it is called.
// Not parallel: it sets environment variables.
func TestNewClientFromEnv_readsTheProcessEnvironment(t *testing.T) {
	t.Setenv(EnvPersonalAPIKey, "pha_fromTheEnvironment")
	t.Setenv(EnvHost, "eu.posthog.com")
	c, err := NewClientFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != EUCloud || !strings.Contains(c.String(), "OAuth access token") {
		t.Errorf("got %v; want an OAuth token for EU Cloud", c)
	}
	t.Setenv(EnvPersonalAPIKey, "")
	if _, err := NewClientFromEnv(); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("with the key emptied: %v; want an *InputError", err)
	}
}
