package main

import (
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
	if !strings.HasPrefix(first, "Using an embedded fake PostHog at http://127.0.0.1:") {
		t.Errorf("first line %q", first)
	}
	if want := "You are Ada Lovelace\nStaff: ada@example.com, grace@example.com\n"; rest != want {
		t.Errorf("output ends\n%s\nwant\n%s", rest, want)
	}
}

// With POSTHOG_PERSONAL_API_KEY set, the program asks the PostHog of
// POSTHOG_HOST (here a posthogtest server standing for it).
// Not parallel: it sets the process's environment.
func TestRun_key(t *testing.T) {
	_, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
	t.Setenv(posthogusers.EnvPersonalAPIKey, srv.Key)
	t.Setenv(posthogusers.EnvHost, srv.URL)
	var out strings.Builder
	if err := run(t.Context(), &out, os.Getenv); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if want := "Using PostHog at " + srv.URL + "\nYou are Ada Lovelace\nStaff: ada@example.com\n"; out.String() != want {
		t.Errorf("output\n%s\nwant\n%s", out.String(), want)
	}
}
