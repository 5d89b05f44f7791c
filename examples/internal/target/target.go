// Package target is how the example programs choose the PostHog they talk
// to: real PostHog when POSTHOG_PERSONAL_API_KEY is set, with a client from
// posthogusers.NewClientFromEnv (so at POSTHOG_HOST, default US Cloud);
// otherwise an in-memory PostHog (package posthogtest) that runs inside the
// program, so that every example runs offline.
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
	// Client is a client of it.
	Client *posthogusers.Client
	// NewClient makes another client of it with the same credential, opts
	// added after the target's own (so WithBaseURL names another instance).
	NewClient func(opts ...posthogusers.Option) (*posthogusers.Client, error)
	// BaseURL is its address, as Client.BaseURL returns it.
	BaseURL string
	// Fake is the in-memory PostHog, or nil for real PostHog.
	Fake *posthogtest.Fake

	srv *httptest.Server
}

// Choose returns real PostHog when getenv gives POSTHOG_PERSONAL_API_KEY,
// with clients of posthogusers.NewClientFromEnv, which reads the process's
// environment (the programs pass os.Getenv as getenv). Otherwise it starts
// an in-memory PostHog that seed fills, with clients of the key seed
// returns. opts are added to every client. Close the Target when done.
func Choose(getenv func(string) string, seed func(fake *posthogtest.Fake) (key string), opts ...posthogusers.Option) (*Target, error) {
	t := &Target{}
	if getenv(posthogusers.EnvPersonalAPIKey) != "" {
		t.NewClient = func(more ...posthogusers.Option) (*posthogusers.Client, error) {
			return posthogusers.NewClientFromEnv(append(opts[:len(opts):len(opts)], more...)...)
		}
	} else {
		t.Fake = posthogtest.New()
		key := seed(t.Fake)
		t.srv = httptest.NewServer(t.Fake)
		base := append([]posthogusers.Option{posthogusers.WithBaseURL(t.srv.URL)}, opts...)
		t.NewClient = func(more ...posthogusers.Option) (*posthogusers.Client, error) {
			return posthogusers.NewClient(key, append(base[:len(base):len(base)], more...)...)
		}
	}
	client, err := t.NewClient()
	if err != nil {
		t.Close()
		return nil, err
	}
	t.Client, t.BaseURL = client, client.BaseURL()
	return t, nil
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
