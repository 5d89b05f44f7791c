// Command downstream-test is a small service built on posthogusers, with the
// tests its team writes for it: the way to test your own code that uses the
// SDK, with no network and no PostHog.
//
// The service, [Directory] in service.go, answers two questions: a user's
// display name, and the email addresses of PostHog's staff users. Its
// tests (service_test.go) run it against posthogtest's fake PostHog, once
// as an httptest server ([posthogtest.NewServer]) and once as httpmock
// responders on the client's own transport, with faults and a look at the
// requests the service sent:
//
//	go test ./examples/downstream-test
//
// The program runs the service:
//
//	go run ./examples/downstream-test
//
// With POSTHOG_PERSONAL_API_KEY set it asks real PostHog, with the client
// posthogusers.NewClientFromEnv makes (POSTHOG_HOST, default
// https://us.posthog.com); listing the staff takes a staff user's
// key. Otherwise it asks an in-memory PostHog that runs inside the program,
// with a staff user's key. Its first line says which.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/examples/internal/target"
	"github.com/hogkit/posthogusers/posthogtest"
)

func main() { target.Main("downstream-test", run) }

// run is the program, given where to write and how to read the environment.
func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	pg, err := target.Choose(getenv, seedFake)
	if err != nil {
		return err
	}
	defer pg.Close()
	fmt.Fprintf(w, "Using %s\n", pg)
	dir := NewDirectory(pg.Client) // for real PostHog, posthogusers.NewClientFromEnv()

	name, err := dir.DisplayName(ctx, posthogusers.Me)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "You are %s\n", name)

	staff, err := dir.StaffEmails(ctx)
	if err != nil {
		return err
	}
	if len(staff) == 0 {
		fmt.Fprintln(w, "Staff: none that this key can see (only a staff user's key sees them)")
		return nil
	}
	fmt.Fprintf(w, "Staff: %s\n", strings.Join(staff, ", "))
	return nil
}

// seedFake gives the in-memory PostHog two staff users, Ada and Grace, and
// one other user, Charles, and returns a key of Ada's that has the user:read
// scope.
func seedFake(fake *posthogtest.Fake) (staffKey string) {
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", IsStaff: true})
	fake.AddUser(posthogtest.UserSpec{Email: "charles@example.com", FirstName: "Charles", LastName: "Babbage"})
	fake.AddUser(posthogtest.UserSpec{Email: "grace@example.com", FirstName: "Grace", LastName: "Hopper", IsStaff: true})
	return fake.AddKey(ada.UUID, "user:read")
}
