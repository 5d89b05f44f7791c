package posthogtest_test

// This file is what a service that uses posthogusers writes to test its
// own code with posthogtest: once against a fake server, once through
// httpmock.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
	"github.com/jarcoal/httpmock"
)

// NameSync is a downstream service: it copies names from an HR system to
// PostHog.
type NameSync struct {
	PostHog *posthogusers.Client
}

// Sync sets the caller's PostHog name to first and last, if they differ,
// and reports whether it changed anything. A key without user:write is a
// configuration problem it names.
func (s *NameSync) Sync(ctx context.Context, first, last string) (bool, error) {
	me, err := s.PostHog.Users.Get(ctx, posthogusers.Me)
	if err != nil {
		return false, fmt.Errorf("reading the PostHog user: %w", err)
	}
	if me.FirstName == first && me.LastName == last {
		return false, nil
	}
	_, err = s.PostHog.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{
		FirstName: posthogusers.Ptr(first),
		LastName:  posthogusers.Ptr(last),
	})
	var scopeErr *posthogusers.ScopeError
	if errors.As(err, &scopeErr) {
		return false, fmt.Errorf("the PostHog key needs the %s scope: %w", scopeErr.Scope, err)
	}
	return err == nil, err
}

func TestNameSync_server(t *testing.T) {
	t.Parallel()
	client, srv := posthogtest.NewServer(t)
	sync := &NameSync{PostHog: client}

	changed, err := sync.Sync(t.Context(), "Augusta Ada", "King")
	if err != nil || !changed {
		t.Fatalf("first sync: %v, %v", changed, err)
	}
	changed, err = sync.Sync(t.Context(), "Augusta Ada", "King")
	if err != nil || changed {
		t.Errorf("second sync: %v, %v; want nothing to do", changed, err)
	}
	// The fake recorded what the service sent.
	var patches int
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPatch {
			patches++
			if string(r.Body) != `{"first_name":"Augusta Ada","last_name":"King"}` {
				t.Errorf("PATCH body %s", r.Body)
			}
		}
	}
	if patches != 1 {
		t.Errorf("%d PATCH requests; want 1", patches)
	}

	// A read-only key gets a clear error.
	ro := &NameSync{PostHog: srv.NewClient(srv.AddKey(srv.User.UUID, "user:read"))}
	if _, err := ro.Sync(t.Context(), "Ada", "Lovelace"); err == nil || err.Error()[:40] != "the PostHog key needs the user:write sco" {
		t.Errorf("read-only key: %v", err)
	}

	// PostHog being unavailable for a moment does not fail the sync.
	srv.InjectFault(posthogtest.Fault{Method: http.MethodGet, Status: http.StatusBadGateway, Times: 2})
	if _, err := sync.Sync(t.Context(), "Ada", "Lovelace"); err != nil {
		t.Errorf("sync through two 502s: %v", err)
	}
}

func TestNameSync_httpmock(t *testing.T) {
	t.Parallel()
	// A test that already mocks HTTP with httpmock registers the fake on
	// its transport: no listener, same behaviour.
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})
	key := fake.AddKey(ada.UUID, "user:read", "user:write")

	// The mock transport belongs to this test's client: httpmock's global
	// mock (Activate, ActivateNonDefault) would be shared with every test
	// running in parallel.
	mt := httpmock.NewMockTransport()
	hc := &http.Client{Transport: mt}
	fake.RegisterResponders(mt, posthogusers.USCloud)

	client, err := posthogusers.NewClient(key, posthogusers.WithHTTPClient(hc), posthogusers.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	sync := &NameSync{PostHog: client}
	if changed, err := sync.Sync(t.Context(), "Ada", "Lovelace"); err != nil || changed {
		t.Errorf("names already equal: %v, %v", changed, err)
	}
	if changed, err := sync.Sync(t.Context(), "Ada", "King"); err != nil || !changed {
		t.Errorf("new last name: %v, %v", changed, err)
	}
	if got := mt.GetCallCountInfo()["PATCH =~^https://us\\.posthog\\.com/api/"]; got != 1 {
		t.Errorf("httpmock counted %d PATCH calls; want 1 (%v)", got, mt.GetCallCountInfo())
	}
}

// This example is compiled but not run: NewServer needs the *testing.T of a
// test, which an example does not have. TestNameSync_server runs the same
// steps.
func ExampleNewServer() {
	var t *testing.T // func TestSomething(t *testing.T) { … }
	client, srv := posthogtest.NewServer(t)
	srv.SeedUsers(3)

	me, err := client.Users.Get(t.Context(), posthogusers.Me)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(me.Email, me.Organization.Name) // ada@example.com Analytical Engines
	fmt.Println(srv.UserCount(), "users")       // 4 users
}

func ExampleFake_RegisterResponders() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	key := fake.AddKey(ada.UUID, "user:read")

	mt := httpmock.NewMockTransport()
	fake.RegisterResponders(mt, posthogusers.USCloud)
	client, err := posthogusers.NewClient(key, posthogusers.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		panic(err)
	}
	_, err = client.Users.Update(context.Background(), posthogusers.Me, posthogusers.UpdateUserRequest{
		FirstName: posthogusers.Ptr("Ada"),
	})
	fmt.Println(err)
	// Output: posthogusers: PATCH /api/users/@me/ needs scope user:write; the key lacks it
}

func ExampleFake_InjectFault() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	key := fake.AddKey(ada.UUID, "user:read")
	srv := httptest.NewServer(fake)
	defer srv.Close()

	// PostHog throttles the next request and asks for an hour.
	fake.InjectFault(posthogtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600", Times: 1})
	client, _ := posthogusers.NewClient(key, posthogusers.WithBaseURL(srv.URL))
	_, err := client.Users.Get(context.Background(), posthogusers.Me)
	var rl *posthogusers.RateLimitError
	fmt.Println(errors.As(err, &rl), rl.RetryAfter)
	for _, r := range fake.Requests() {
		fmt.Println(r.Method, r.Path, r.Status, "attempt", r.Attempt)
	}
	// Output:
	// true 1h0m0s
	// GET /api/users/@me/ 429 attempt 1
}

// A batch job that reads every user page by page, and resumes where it
// stopped when a page fails, tests that resume with a fault on one page.
func ExampleFake_InjectFault_page() {
	fake := posthogtest.New()
	admin := fake.AddUser(posthogtest.UserSpec{Email: "admin@example.com", IsStaff: true})
	fake.SeedUsers(9) // ten users: four pages of three
	srv := httptest.NewServer(fake)
	defer srv.Close()
	// Retries off: the job's own resume is under test, not the SDK's retries.
	client, err := posthogusers.NewClient(fake.AddKey(admin.UUID, "user:read"),
		posthogusers.WithBaseURL(srv.URL), posthogusers.WithMaxRetries(0))
	if err != nil {
		panic(err)
	}

	// The third page (offset 6) fails once, then PostHog answers again.
	fake.InjectFault(posthogtest.Fault{
		Method: http.MethodGet, Path: "/api/users/", Query: url.Values{"offset": {"6"}},
		Status: http.StatusBadGateway, Times: 1,
	})

	opts := posthogusers.ScanOptions{Limit: 3}
	read := 0
	for {
		var stopped *posthogusers.ScanError
		for _, err := range client.Users.Scan(context.Background(), &opts).Users() {
			if errors.As(err, &stopped) {
				break
			}
			if err != nil {
				panic(err)
			}
			read++
		}
		if stopped == nil {
			break
		}
		fmt.Println("stopped after", read, "users:", stopped.Err)
		// Resume where the scan stopped. The resumed scan asks for the user
		// before its checkpoint too, to check that the list did not change.
		opts.Start = stopped.Checkpoint
	}
	fmt.Println("read", read, "users")
	for _, r := range fake.Requests() {
		fmt.Println(r.Method, r.Path+"?"+r.Query.Encode(), r.Status, "attempt", r.Attempt)
	}
	// Output:
	// stopped after 6 users: posthogusers: GET /api/users/: 502 Bad Gateway: error: A server error occurred.
	// read 10 users
	// GET /api/users/?limit=3 200 attempt 1
	// GET /api/users/?limit=3&offset=3 200 attempt 1
	// GET /api/users/?limit=3&offset=6 502 attempt 1
	// GET /api/users/?limit=3&offset=5 200 attempt 1
	// GET /api/users/?limit=3&offset=8 200 attempt 1
}
