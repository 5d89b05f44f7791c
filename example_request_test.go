package posthogusers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// Per-call options: a header for this call, a bound on the whole call and
// its retries, and how many retries it may have.
func ExampleRequestOption() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"),
		posthogusers.WithBaseURL(srv.URL), posthogusers.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		panic(err)
	}

	fake.InjectFault(posthogtest.Fault{Status: http.StatusBadGateway, Times: 1})
	_, err = client.Users.Get(context.Background(), posthogusers.Me,
		posthogusers.WithRequestHeader("X-Trace-Id", "sync-7"),
		posthogusers.WithRequestTimeout(10*time.Second),
		posthogusers.WithRequestMaxRetries(0)) // this call only: no retry
	fmt.Println(err)

	me, err := client.Users.Get(context.Background(), posthogusers.Me) // the client's 3 retries
	fmt.Println(me.Email, err)
	// Output:
	// posthogusers: GET /api/users/@me/: 502 Bad Gateway: error: A server error occurred.
	// ada@example.com <nil>
}

// Response metadata: the status, headers and attempts of the answer.
func ExampleWithResponseInto() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"),
		posthogusers.WithBaseURL(srv.URL), posthogusers.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		panic(err)
	}

	fake.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, Times: 2})
	var resp posthogusers.Response
	me, err := client.Users.Get(context.Background(), posthogusers.Me, posthogusers.WithResponseInto(&resp))
	if err != nil {
		panic(err)
	}
	fmt.Println(me.Email, resp.StatusCode, resp.Header.Get("Content-Type"), "after", resp.Attempts, "attempts")
	// Output: ada@example.com 200 application/json after 3 attempts
}

// A token source: each request takes a current token, and a 401 on a
// request safe to repeat is retried once with a fresh one. The fake PostHog
// stands in for an OAuth server with personal API keys, which travel the
// same way.
func ExampleWithTokenSource() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	// The source hands out a cached token until PostHog refuses it, then a
	// fresh one, as an OAuth token source refreshing an expired token does.
	first, second := fake.AddKey(ada.UUID, "user:read"), fake.AddKey(ada.UUID, "user:read")
	handedOut := []string{first, first, second}
	taken := 0
	tokens := posthogusers.TokenSourceFunc(func() (string, error) {
		t := handedOut[min(taken, len(handedOut)-1)]
		taken++
		return t, nil
	})
	client, err := posthogusers.NewClient("", posthogusers.WithTokenSource(tokens), posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	me, err := client.Users.Get(context.Background(), posthogusers.Me)
	fmt.Println(me.Email, err)

	fake.RevokeKey(first) // PostHog no longer accepts the cached token
	me, err = client.Users.Get(context.Background(), posthogusers.Me)
	fmt.Println(me.Email, err, "- tokens taken:", taken)

	// A source that fails fails the call before anything is sent.
	failing := posthogusers.TokenSourceFunc(func() (string, error) { return "", errors.New("refresh token revoked") })
	client, _ = posthogusers.NewClient("", posthogusers.WithTokenSource(failing), posthogusers.WithBaseURL(srv.URL))
	_, err = client.Users.Get(context.Background(), posthogusers.Me)
	fmt.Println(err)
	// Output:
	// ada@example.com <nil>
	// ada@example.com <nil> - tokens taken: 3
	// posthogusers: GET /api/users/@me/: the token source failed: refresh token revoked
}
