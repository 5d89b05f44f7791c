package main

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

func TestRun_embeddedFake(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := run(t.Context(), &out, func(string) string { return "" }); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	first, rest, _ := strings.Cut(out.String(), "\n")
	if !strings.HasPrefix(first, "Checking a read-only key of an embedded fake PostHog at http://127.0.0.1:") {
		t.Errorf("first line %q", first)
	}
	works, rest, _ := strings.Cut(rest, "\n")
	if !strings.HasPrefix(works, "key works: yes (http://127.0.0.1:") {
		t.Errorf("line %q; want key works: yes (…)", works)
	}
	want := "staff: no\n" +
		"user:read: yes\n" +
		"user:write: no — API key missing required scope 'user:write'\n"
	if rest != want {
		t.Errorf("report ends\n%s\nwant\n%s", rest, want)
	}
}

// Not parallel: the key and the host are in the process's environment,
// where posthogusers.NewClientFromEnv reads them.
func TestRun_key(t *testing.T) {
	_, srv := posthogtest.NewServer(t) // Ada, not staff, with user:read and user:write
	t.Setenv(posthogusers.EnvPersonalAPIKey, srv.Key)
	t.Setenv(posthogusers.EnvHost, srv.URL)
	var out strings.Builder
	if err := run(t.Context(), &out, os.Getenv); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	want := "key works: yes (" + srv.URL + ")\n" +
		"staff: no\n" +
		"user:read: yes\n" +
		"user:write: yes\n"
	if out.String() != want {
		t.Errorf("output\n%s\nwant\n%s", out.String(), want)
	}
}

// A check that cannot run is an error, so that the program exits with 1.
// Not parallel: it sets the process's environment.
func TestRun_failure(t *testing.T) {
	_, srv := posthogtest.NewServer(t)
	// PostHog throttles the key and asks for an hour: more than the client
	// waits, so the error comes at once.
	srv.InjectFault(posthogtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600"})
	t.Setenv(posthogusers.EnvPersonalAPIKey, srv.Key)
	t.Setenv(posthogusers.EnvHost, srv.URL)
	var out strings.Builder
	err := run(t.Context(), &out, os.Getenv)
	var rl *posthogusers.RateLimitError
	if !errors.As(err, &rl) {
		t.Errorf("run: %v; want a *RateLimitError", err)
	}
	if out.Len() != 0 {
		t.Errorf("run printed a report:\n%s", out.String())
	}
}

// A malformed key is an error naming the variable, and nothing is sent.
// Not parallel: it sets the process's environment.
func TestRun_malformedKey(t *testing.T) {
	t.Setenv(posthogusers.EnvPersonalAPIKey, "phc_projectToken")
	var out strings.Builder
	err := run(t.Context(), &out, os.Getenv)
	if !errors.Is(err, posthogusers.ErrInvalidInput) || !strings.Contains(err.Error(), posthogusers.EnvPersonalAPIKey) {
		t.Errorf("run: %v; want an *InputError naming %s", err, posthogusers.EnvPersonalAPIKey)
	}
}
