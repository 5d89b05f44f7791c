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

// A staff key may read any user by UUID. A UUID PostHog does not know comes
// back as an *APIError with PostHog's error envelope, matching ErrNotFound.
func ExampleAPIError() {
	fake := posthogtest.New()
	admin := fake.AddUser(posthogtest.UserSpec{Email: "admin@example.com", IsStaff: true})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client, err := posthogusers.NewClient(fake.AddKey(admin.UUID, "user:read"), posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}

	_, err = client.Users.Get(context.Background(), "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07")
	if errors.Is(err, posthogusers.ErrNotFound) {
		fmt.Println("no such user")
	}
	var apiErr *posthogusers.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Detail)
	}
	// Output:
	// no such user
	// 404 not_found Not found.
}

// PostHog lets only a logged-in session delete a user or change a password:
// a personal API key gets a *SessionRequiredError, matching
// ErrSessionRequired, whatever its scopes.
func ExampleSessionRequiredError() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "*"), posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}

	err = client.Users.Delete(context.Background(), posthogusers.Me)
	var sessionErr *posthogusers.SessionRequiredError
	fmt.Println(errors.As(err, &sessionErr), errors.Is(err, posthogusers.ErrSessionRequired))
	fmt.Println(err)

	_, err = client.Users.Update(context.Background(), posthogusers.Me, posthogusers.UpdateUserRequest{
		Password: posthogusers.Ptr("a new long password"),
	})
	fmt.Println(err)
	// Output:
	// true true
	// posthogusers: DELETE /api/users/@me/ needs a logged-in PostHog session: PostHog only accepts session authentication here and ignores personal API keys and OAuth tokens
	// posthogusers: PATCH /api/users/@me/ needs a logged-in PostHog session: PostHog only lets a user change their email or password from the PostHog app, not with an API key or token
}

// When PostHog throttles a request and asks for a longer wait than
// WithMaxRetryAfter allows, the client does not sleep: it returns a
// *RateLimitError at once, with the wait PostHog asked for.
func ExampleRateLimitError() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"),
		posthogusers.WithBaseURL(srv.URL), posthogusers.WithMaxRetryAfter(time.Minute))
	if err != nil {
		panic(err)
	}

	// PostHog asks for two minutes.
	fake.InjectFault(posthogtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "120"})
	_, err = client.Users.Get(context.Background(), posthogusers.Me)
	var rateErr *posthogusers.RateLimitError
	if errors.As(err, &rateErr) {
		fmt.Println("retry after", rateErr.RetryAfter, "attempts", rateErr.Err.Attempts)
	}
	fmt.Println(errors.Is(err, posthogusers.ErrRateLimited))
	// Output:
	// retry after 2m0s attempts 1
	// true
}
