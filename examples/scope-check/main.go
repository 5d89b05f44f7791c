// Command scope-check tells whether a PostHog personal API key works and what
// it may do with PostHog's users API: whether it authenticates (and, on
// PostHog Cloud, in which region), whether its user is staff, and whether it
// has the user:read and user:write scopes, with PostHog's reason for each no.
//
//	POSTHOG_PERSONAL_API_KEY=phx_… go run ./examples/scope-check
//
// It checks the key in POSTHOG_PERSONAL_API_KEY against POSTHOG_HOST
// (default https://us.posthog.com). A key PostHog Cloud refuses with 401 is
// tried in the other Cloud region, since a key works in one region only.
// user:read is checked by reading the key's own user (GET
// /api/users/@me/), user:write by a PATCH that changes nothing.
//
// Without POSTHOG_PERSONAL_API_KEY it checks a key of an in-memory PostHog
// (package posthogtest) that runs inside the program: a key with the
// user:read scope only, of a user who is not staff, so the report shows
// both a yes and a no with PostHog's reason:
//
//	key works: yes (http://127.0.0.1:…)
//	staff: no
//	user:read: yes
//	user:write: no — API key missing required scope 'user:write'
//
// The exit status is 0 when every check ran, whatever the answers, and 1
// when one could not run (PostHog unreachable or failing, a malformed key).
package main

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

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "scope-check:", err)
		os.Exit(1)
	}
}

// run is the program, given where to write and how to read the environment.
func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	key, host := getenv("POSTHOG_PERSONAL_API_KEY"), getenv("POSTHOG_HOST")
	if key == "" {
		srv, readOnlyKey := startFake()
		defer srv.Close()
		key, host = readOnlyKey, srv.URL
		fmt.Fprintf(w, "Checking a read-only key of an embedded fake PostHog at %s (set POSTHOG_PERSONAL_API_KEY to check a real key)\n", host)
	} else if host == "" {
		host = posthogusers.USCloud
	}
	r, err := checkKey(ctx, key, host)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, r.String())
	return err
}

// startFake starts an in-memory PostHog with one user, Ada, who is not
// staff, and returns it with a key of Ada's that has the user:read scope
// only.
func startFake() (srv *httptest.Server, readOnlyKey string) {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})
	return httptest.NewServer(fake), fake.AddKey(ada.UUID, "user:read")
}
