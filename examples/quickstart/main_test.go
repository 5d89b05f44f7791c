package main

import (
	"strings"
	"testing"
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
