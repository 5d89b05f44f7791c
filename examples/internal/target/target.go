// Package target is how the example programs choose the PostHog they talk
// to: real PostHog when POSTHOG_PERSONAL_API_KEY is set (at POSTHOG_HOST,
// default US Cloud), otherwise an in-memory PostHog (package posthogtest)
// that runs inside the program, so that every example runs offline.
package target

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// Main runs an example program's run function with a minute to finish,
// writing to standard output and reading the environment; an error is
// printed as "name: error" and ends the program with status 1.
func Main(name string, run func(ctx context.Context, w io.Writer, getenv func(string) string) error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	err := run(ctx, os.Stdout, os.Getenv)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// Target is the PostHog an example talks to.
type Target struct {
	// Key is the personal API key to use.
	Key string
	// BaseURL is the PostHog to use, for [posthogusers.WithBaseURL].
	BaseURL string
	// Fake is the in-memory PostHog, or nil for real PostHog.
	Fake *posthogtest.Fake

	srv *httptest.Server
}

// Choose returns real PostHog when getenv gives POSTHOG_PERSONAL_API_KEY, and
// otherwise starts an in-memory PostHog that seed fills, returning the key
// seed chose. Close the Target when done.
func Choose(getenv func(string) string, seed func(fake *posthogtest.Fake) (key string)) *Target {
	if key := getenv("POSTHOG_PERSONAL_API_KEY"); key != "" {
		host := getenv("POSTHOG_HOST")
		if host == "" {
			host = posthogusers.USCloud
		}
		return &Target{Key: key, BaseURL: host}
	}
	fake := posthogtest.New()
	key := seed(fake)
	srv := httptest.NewServer(fake)
	return &Target{Key: key, BaseURL: srv.URL, Fake: fake, srv: srv}
}

// Close stops the in-memory PostHog, if any.
func (t *Target) Close() {
	if t.srv != nil {
		t.srv.Close()
	}
}

// String says which PostHog this is, for an example's first line.
func (t *Target) String() string {
	if t.Fake != nil {
		return fmt.Sprintf("an embedded fake PostHog at %s (set POSTHOG_PERSONAL_API_KEY to use real PostHog)", t.BaseURL)
	}
	return "PostHog at " + t.BaseURL
}
