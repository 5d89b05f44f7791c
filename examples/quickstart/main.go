// Command quickstart shows the posthogusers SDK at work: it lists users,
// reads the key's own user, updates a field and shows the error a key without
// the needed scope gets.
//
// With POSTHOG_PERSONAL_API_KEY set it talks to real PostHog, with the
// client posthogusers.NewClientFromEnv makes (POSTHOG_HOST, default
// https://us.posthog.com); otherwise to a small fake PostHog that runs
// inside the program (posthogtest). Its first line says which.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/examples/internal/target"
	"github.com/hogkit/posthogusers/posthogtest"
)

func main() { target.Main("quickstart", run) }

// run is the program, given where to write and how to read the environment.
func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	var readOnlyKey string
	pg, err := target.Choose(getenv, func(fake *posthogtest.Fake) string {
		key, ro := seedFake(fake)
		readOnlyKey = ro
		return key
	})
	if err != nil {
		return err
	}
	defer pg.Close()
	fmt.Fprintf(w, "Using %s\n", pg)
	client := pg.Client // for real PostHog, posthogusers.NewClientFromEnv()

	// 1. List users. Listing every user needs a staff key: a key of a user
	// who is not staff lists that user alone.
	fmt.Fprintln(w, "\nUsers (a staff key lists every user; any other key lists only its own user):")
	n := 0
	for user, err := range client.Users.All(ctx, &posthogusers.ListUsersOptions{Limit: 100}) {
		if err != nil {
			return fmt.Errorf("listing users: %w", err)
		}
		if n++; n <= 10 {
			fmt.Fprintf(w, "  %-36s %s\n", user.UUID, user.Email)
		}
	}
	fmt.Fprintf(w, "  (%d in all)\n", n)

	// 2. Read the key's own user.
	me, err := client.Users.Get(ctx, posthogusers.Me)
	if err != nil {
		return fmt.Errorf("reading @me: %w", err)
	}
	org := "no organization"
	if me.Organization != nil {
		org = me.Organization.Name
	}
	theme := string(me.ThemeMode)
	if theme == "" {
		theme = "not set"
	}
	fmt.Fprintf(w, "\nMe: %s %s <%s>, %s, theme %s\n", me.FirstName, me.LastName, me.Email, org, theme)

	// 3. Update a field: set it to the value it has, so nothing changes for
	// real, but the request is made.
	updated, err := client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{
		FirstName: posthogusers.Ptr(me.FirstName),
	})
	if err := explain(w, "Updating first_name", err); err != nil {
		return err
	}
	if updated != nil {
		fmt.Fprintf(w, "Updated: first name is %q\n", updated.FirstName)
	}

	// 4. A scope error: a key with user:read only cannot update.
	if readOnlyKey == "" {
		fmt.Fprintln(w, "\n(With real PostHog the scope error shows above if the key lacks user:write.)")
		return nil
	}
	readOnly, err := posthogusers.NewClient(readOnlyKey, posthogusers.WithBaseURL(pg.BaseURL))
	if err != nil {
		return err
	}
	_, err = readOnly.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{FirstName: posthogusers.Ptr("Ada")})
	return explain(w, "\nUpdating with a read-only key", err)
}

// explain prints what an error means; it returns the errors it does not
// expect.
func explain(w io.Writer, what string, err error) error {
	var scopeErr *posthogusers.ScopeError
	var sessionErr *posthogusers.SessionRequiredError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &scopeErr):
		fmt.Fprintf(w, "%s: the key lacks scope %s\n  %v\n", what, scopeErr.Scope, err)
		return nil
	case errors.As(err, &sessionErr):
		fmt.Fprintf(w, "%s: needs a logged-in session\n  %v\n", what, err)
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
