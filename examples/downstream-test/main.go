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
// With POSTHOG_PERSONAL_API_KEY set it asks real PostHog (POSTHOG_HOST,
// default https://us.posthog.com); listing the staff takes a staff user's
// key. Otherwise it asks an in-memory PostHog that runs inside the program,
// with a staff user's key. Its first line says which.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "downstream-test:", err)
		os.Exit(1)
	}
}

// run is the program, given where to write and how to read the environment.
func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	key, host := getenv("POSTHOG_PERSONAL_API_KEY"), getenv("POSTHOG_HOST")
	if key == "" {
		srv, staffKey := startFake()
		defer srv.Close()
		key, host = staffKey, srv.URL
		fmt.Fprintf(w, "Using an embedded fake PostHog at %s (set POSTHOG_PERSONAL_API_KEY to use real PostHog)\n", host)
	} else {
		if host == "" {
			host = posthogusers.USCloud
		}
		fmt.Fprintf(w, "Using PostHog at %s\n", host)
	}
	client, err := posthogusers.NewClient(key, posthogusers.WithBaseURL(host))
	if err != nil {
		return err
	}
	dir := NewDirectory(client)

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

// startFake starts an in-memory PostHog with two staff users, Ada and
// Grace, and one other user, Charles, and returns it with a key of Ada's
// that has the user:read scope.
func startFake() (srv *httptest.Server, staffKey string) {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", IsStaff: true})
	fake.AddUser(posthogtest.UserSpec{Email: "charles@example.com", FirstName: "Charles", LastName: "Babbage"})
	fake.AddUser(posthogtest.UserSpec{Email: "grace@example.com", FirstName: "Grace", LastName: "Hopper", IsStaff: true})
	return httptest.NewServer(fake), fake.AddKey(ada.UUID, "user:read")
}
