package posthogusers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// The client logs every attempt at Debug level and every retry at Info
// level, with the method, the path and why; never a credential, a query or
// a body. This logger drops the time and the duration, which change from
// run to run.
func ExampleWithLogger() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"), posthogusers.WithBaseURL(srv.URL),
		posthogusers.WithLogger(logger), posthogusers.WithRetryWait(10*time.Millisecond, time.Second))
	if err != nil {
		panic(err)
	}

	// PostHog fails once, then answers.
	fake.InjectFault(posthogtest.Fault{Status: http.StatusBadGateway, Times: 1})
	if _, err := client.Users.Get(context.Background(), posthogusers.Me); err != nil {
		panic(err)
	}
	// Output:
	// level=DEBUG msg="posthogusers: attempt" method=GET path=/api/users/@me/ attempt=1 status=502 error="502 Bad Gateway"
	// level=INFO msg="posthogusers: retrying" method=GET path=/api/users/@me/ attempt=1 reason="502 Bad Gateway" wait_min=5ms wait_max=10ms wait_source=backoff
	// level=DEBUG msg="posthogusers: attempt" method=GET path=/api/users/@me/ attempt=2 status=200
}

// countingTransport is an http.RoundTripper that counts the requests it
// passes on: any middleware of the caller's can wrap the client's
// transport the same way.
type countingTransport struct {
	next     http.RoundTripper
	requests atomic.Int64
}

// RoundTrip counts r and sends it on.
func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	return t.next.RoundTrip(r)
}

// A client of the caller's own: its timeout, and a transport that counts
// every attempt, retries included. Here the transport underneath is
// httpmock's, answered by posthogtest, so nothing goes over the network.
func ExampleWithHTTPClient() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	mock := httpmock.NewMockTransport()
	fake.RegisterResponders(mock, posthogusers.USCloud)

	counter := &countingTransport{next: mock}
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"), posthogusers.WithHTTPClient(&http.Client{
		Timeout:   30 * time.Second,
		Transport: counter,
	}), posthogusers.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		panic(err)
	}

	// PostHog fails once, then answers: two requests for one call.
	fake.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	me, err := client.Users.Get(context.Background(), posthogusers.Me)
	if err != nil {
		panic(err)
	}
	fmt.Println(me.Email, counter.requests.Load(), "requests")
	// Output: ada@example.com 2 requests
}

// A staff key lists every user of the instance, a page at a time: Count is
// the number of users, Next is empty on the last page.
func ExampleUsersService_List() {
	fake := posthogtest.New()
	admin := fake.AddUser(posthogtest.UserSpec{Email: "admin@example.com", IsStaff: true})
	for _, email := range []string{"ada@example.com", "charles@example.com", "mary@example.com"} {
		fake.AddUser(posthogtest.UserSpec{Email: email})
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client, err := posthogusers.NewClient(fake.AddKey(admin.UUID, "user:read"), posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}

	opts := &posthogusers.ListUsersOptions{Limit: 2}
	for {
		page, err := client.Users.List(context.Background(), opts)
		if err != nil {
			panic(err)
		}
		fmt.Printf("offset %d of %d:", opts.Offset, page.Count)
		for _, u := range page.Results {
			fmt.Print(" ", u.Email)
		}
		fmt.Println()
		if page.Next == "" {
			break
		}
		opts.Offset += len(page.Results)
	}
	// Output:
	// offset 0 of 4: admin@example.com ada@example.com
	// offset 2 of 4: charles@example.com mary@example.com
}
