// Command scope-check tells whether a PostHog personal API key works and what
// it may do with PostHog's users API: whether it authenticates (and, on
// PostHog Cloud, in which region), whether its user is staff, and whether it
// has the user:read and user:write scopes, with PostHog's reason for each no.
//
//	POSTHOG_PERSONAL_API_KEY=phx_… go run ./examples/scope-check
//
// It checks the key in POSTHOG_PERSONAL_API_KEY against POSTHOG_HOST
// (default https://us.posthog.com), with the clients
// posthogusers.NewClientFromEnv makes. A key PostHog Cloud refuses with 401 is
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

	"github.com/hogkit/posthogusers/examples/internal/target"
	"github.com/hogkit/posthogusers/posthogtest"
)

func main() { target.Main("scope-check", run) }

// run is the program, given where to write and how to read the environment.
func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	pg, err := target.Choose(getenv, seedFake)
	if err != nil {
		return err
	}
	defer pg.Close()
	if pg.Fake != nil {
		fmt.Fprintf(w, "Checking a read-only key of %s\n", pg)
	}
	r, err := checkKey(ctx, pg.NewClient) // for real PostHog, posthogusers.NewClientFromEnv
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, r.String())
	return err
}

// seedFake gives the in-memory PostHog one user, Ada, who is not staff,
// and returns a key of Ada's that has the user:read scope only.
func seedFake(fake *posthogtest.Fake) (readOnlyKey string) {
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})
	return fake.AddKey(ada.UUID, "user:read")
}
