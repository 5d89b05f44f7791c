package posthogusers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// scanExample starts a fake PostHog with a staff user and n more users, and
// returns a client with the staff user's key: listing every user needs one.
func scanExample(n int) (*posthogusers.Client, *posthogtest.Fake, func()) {
	fake := posthogtest.New()
	staff := fake.AddUser(posthogtest.UserSpec{Email: "admin@example.com", IsStaff: true})
	fake.SeedUsers(n)
	srv := httptest.NewServer(fake)
	client, err := posthogusers.NewClient(fake.AddKey(staff.UUID, "user:read"),
		posthogusers.WithBaseURL(srv.URL), posthogusers.WithMaxRetries(0))
	if err != nil {
		panic(err)
	}
	return client, fake, srv.Close
}

// A batch job reads every user with a window of pages in flight, reports
// progress after every page and keeps the checkpoint of the last user it
// processed.
func ExampleUsersService_Scan() {
	client, _, stop := scanExample(2344) // 2,345 users with the staff user
	defer stop()

	sc := client.Users.Scan(context.Background(), &posthogusers.ScanOptions{
		Limit:  500,
		Window: 4,
		OnProgress: func(p posthogusers.Progress) {
			fmt.Printf("%d of %d\n", p.Done, p.Total)
		},
	})
	var checkpoint posthogusers.Checkpoint
	for _, err := range sc.Users() {
		if err != nil {
			panic(err)
		}
		checkpoint = sc.Checkpoint() // save it now and then
	}
	fmt.Printf("checkpoint: offset %d\n", checkpoint.Offset)
	// Output:
	// 500 of 2345
	// 1000 of 2345
	// 1500 of 2345
	// 2000 of 2345
	// 2345 of 2345
	// checkpoint: offset 2345
}

// A scan whose page fails ends with a *ScanError; a new scan started from
// its checkpoint goes on with the next user.
func ExampleScanError() {
	client, fake, stop := scanExample(9)
	defer stop()
	fake.InjectFault(posthogtest.Fault{
		Path: "/api/users/", Query: url.Values{"offset": {"4"}},
		Status: http.StatusInternalServerError, Times: 1,
	})

	opts := &posthogusers.ScanOptions{Limit: 4}
	users := 0
	for {
		var stopped *posthogusers.ScanError
		for _, err := range client.Users.Scan(context.Background(), opts).Users() {
			if errors.As(err, &stopped) {
				break
			}
			users++
		}
		if stopped == nil {
			break
		}
		fmt.Println("stopped; resuming at offset", stopped.Checkpoint.Offset)
		opts.Start = stopped.Checkpoint
	}
	fmt.Println(users, "users")
	// Output:
	// stopped; resuming at offset 4
	// 10 users
}

// Raw yields each user as PostHog sent it, for exports that write JSON
// Lines without decoding.
func ExampleUserScan_Raw() {
	client, _, stop := scanExample(2)
	defer stop()
	for user, err := range client.Users.Scan(context.Background(), nil).Raw() {
		if err != nil {
			panic(err)
		}
		fmt.Println(user.Kind(), len(user) > 100)
	}
	// Output:
	// { true
	// { true
	// { true
}

// Pages yields whole pages, for jobs that write a page at a time.
func ExampleUserScan_Pages() {
	client, _, stop := scanExample(4)
	defer stop()
	for page, err := range client.Users.Scan(context.Background(), &posthogusers.ScanOptions{Limit: 2}).Pages() {
		if err != nil {
			panic(err)
		}
		fmt.Printf("offset %d: %d of %d users\n", page.Offset, len(page.Users), page.Count)
	}
	// Output:
	// offset 0: 2 of 5 users
	// offset 2: 2 of 5 users
	// offset 4: 1 of 5 users
}

// A scan tells when users left while it ran, which may have made it miss
// some: its last value is a *DriftError.
func ExampleDriftError() {
	client, fake, stop := scanExample(6)
	defer stop()
	// A user who belongs to no organization may delete their account.
	leaver := fake.AddUser(posthogtest.UserSpec{NoOrganization: true})
	session, err := posthogusers.NewClient("", posthogusers.WithSession(fake.AddSession(leaver.UUID)),
		posthogusers.WithBaseURL(client.BaseURL()))
	if err != nil {
		panic(err)
	}
	sc := client.Users.Scan(context.Background(), &posthogusers.ScanOptions{
		Limit: 3,
		OnProgress: func(p posthogusers.Progress) {
			if p.Done == 3 {
				// Someone leaves mid-scan: the count goes down, and the
				// scan cannot tell whether they were before its position.
				if err := session.Users.Delete(context.Background(), posthogusers.Me); err != nil {
					panic(err)
				}
			}
		},
	})
	users := 0
	for _, err := range sc.Users() {
		if d, ok := errors.AsType[*posthogusers.DriftError](err); ok {
			fmt.Printf("the list changed: %d users, then %d\n", d.FirstCount, d.LastCount)
			continue
		}
		if err != nil {
			panic(err)
		}
		users++
	}
	fmt.Println(users, "users")
	// Output:
	// the list changed: 8 users, then 7
	// 7 users
}
