package posthogusers

import (
	"errors"
	"net/url"
	"os"
	"strings"
)

// The environment variables [NewClientFromEnv] reads, the names PostHog's
// documentation and Terraform provider use.
const (
	// EnvPersonalAPIKey holds the personal API key (phx_…) or OAuth
	// access token (pha_…) to authenticate with.
	EnvPersonalAPIKey = "POSTHOG_PERSONAL_API_KEY"
	// EnvHost holds the address of the PostHog instance, such as
	// https://eu.posthog.com; when it is unset the client talks to
	// [USCloud].
	EnvHost = "POSTHOG_HOST"
)

// NewClientFromEnv returns a Client configured from the environment, as
// read when it is called: the key from POSTHOG_PERSONAL_API_KEY
// ([EnvPersonalAPIKey]) and the instance from POSTHOG_HOST ([EnvHost]),
// [USCloud] when that is unset or empty.
//
// The key is checked as [NewClient] checks its apiKey. POSTHOG_HOST is a base
// URL as [WithBaseURL] takes it ("https://eu.posthog.com", a self-hosted
// "https://posthog.example.com"); a value without a scheme, such as
// "eu.posthog.com", is taken as https. White space around either value is
// ignored. A variable that is missing or malformed is an [*InputError]
// naming it, which never repeats its value.
//
// Options given explicitly win over the environment: with [WithBaseURL]
// POSTHOG_HOST is not read, and with [WithSession] or [WithTokenSource]
// POSTHOG_PERSONAL_API_KEY is not read (so it need not be set).
func NewClientFromEnv(opts ...Option) (*Client, error) {
	return newClientFromEnv(os.LookupEnv, opts...)
}

// newClientFromEnv is NewClientFromEnv reading the environment through
// lookup.
func newClientFromEnv(lookup func(string) (string, bool), opts ...Option) (*Client, error) {
	// What do the explicit options set? Options only set fields of the
	// Client they are given, so applying them to a blank one tells.
	var explicit Client
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&explicit); err != nil {
			return nil, err
		}
	}
	key := ""
	if explicit.cred == nil {
		var err error
		if key, err = envKey(lookup); err != nil {
			return nil, err
		}
	}
	hostFromEnv := false
	var envOpts []Option
	if explicit.base == nil {
		if host, _ := lookup(EnvHost); strings.TrimSpace(host) != "" {
			base, err := parseEnvHost(host)
			if err != nil {
				return nil, err
			}
			hostFromEnv = true
			envOpts = append(envOpts, func(c *Client) error { c.base = base; return nil })
		}
	}
	c, err := NewClient(key, append(envOpts, opts...)...)
	var inputErr *InputError
	if errors.As(err, &inputErr) {
		// Name the variable the refused value came from.
		switch {
		case inputErr.Arg == "apiKey" && key != "":
			return nil, &InputError{Arg: EnvPersonalAPIKey, Reason: inputErr.Reason}
		case inputErr.Arg == "WithBaseURL" && hostFromEnv:
			return nil, &InputError{Arg: EnvHost, Reason: inputErr.Reason}
		}
	}
	return c, err
}

// envKey returns the key of POSTHOG_PERSONAL_API_KEY, trimmed, or an
// error when it is not set or is quoted.
func envKey(lookup func(string) (string, bool)) (string, error) {
	raw, ok := lookup(EnvPersonalAPIKey)
	key := strings.TrimSpace(raw)
	switch {
	case !ok:
		return "", &InputError{Arg: EnvPersonalAPIKey, Reason: "is not set: set it to a personal API key (phx_…), or pass WithSession or WithTokenSource"}
	case key == "":
		return "", &InputError{Arg: EnvPersonalAPIKey, Reason: "is empty: set it to a personal API key (phx_…), or pass WithSession or WithTokenSource"}
	case isQuoted(key):
		return "", &InputError{Arg: EnvPersonalAPIKey, Reason: "is in quotes, which would be sent as part of the key: remove them"}
	}
	return key, nil
}

// parseEnvHost parses the base URL of POSTHOG_HOST: as WithBaseURL does,
// with https:// put in front of a value that has no scheme.
func parseEnvHost(host string) (*url.URL, error) {
	host = strings.TrimSpace(host)
	if isQuoted(host) {
		return nil, &InputError{Arg: EnvHost, Reason: "is in quotes: remove them"}
	}
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := parseBaseURL(host)
	var inputErr *InputError
	if errors.As(err, &inputErr) {
		return nil, &InputError{Arg: EnvHost, Reason: inputErr.Reason}
	}
	return u, err
}

// isQuoted reports whether s is wrapped in a pair of double or single
// quotes, as a line of a .env file that was not unquoted leaves it.
func isQuoted(s string) bool {
	return len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0]
}
