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
	first, rest, _ := strings.Cut(out.String(), "\n")
	if !strings.HasPrefix(first, "Using an embedded fake PostHog at http://127.0.0.1:") {
		t.Errorf("first line %q", first)
	}
	if want := "You are Ada Lovelace\nStaff: ada@example.com, grace@example.com\n"; rest != want {
		t.Errorf("output ends\n%s\nwant\n%s", rest, want)
	}
}
