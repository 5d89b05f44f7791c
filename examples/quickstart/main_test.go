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
	for _, want := range []string{
		"Using an embedded fake PostHog at http://127.0.0.1:",
		" ada@example.com\n",
		"(5 in all)",
		`Me: Ada Lovelace <ada@example.com>, Analytical Engines, theme not set`,
		`Updated: first name is "Ada"`,
		"Updating with a read-only key: the key lacks scope user:write",
		"posthogusers: PATCH /api/users/@me/ needs scope user:write; the key lacks it",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// With POSTHOG_PERSONAL_API_KEY set, the program talks to the PostHog of
// POSTHOG_HOST (here a posthogtest server standing for it) with the key.
// Not parallel: it sets the process's environment.
func TestRun_key(t *testing.T) {
	_, srv := posthogtest.NewServer(t) // Ada, not staff, with user:read and user:write
	t.Setenv(posthogusers.EnvPersonalAPIKey, srv.Key)
	t.Setenv(posthogusers.EnvHost, srv.URL)
	var out strings.Builder
	if err := run(t.Context(), &out, os.Getenv); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Using PostHog at " + srv.URL + "\n",
		"(1 in all)", // a key of a user who is not staff lists that user
		"Me: Ada Lovelace <ada@example.com>",
		`Updated: first name is "Ada"`,
		"(With real PostHog the scope error shows above if the key lacks user:write.)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "embedded fake") {
		t.Errorf("with a key, the program used the embedded fake:\n%s", out.String())
	}
}
