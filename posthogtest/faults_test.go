package posthogtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

func TestRecorder(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	ctx := t.Context()
	if _, err := client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{FirstName: posthogusers.Ptr("Ada")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Users.List(ctx, &posthogusers.ListUsersOptions{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded; want 2", len(reqs))
	}
	p := reqs[0]
	if p.Method != "PATCH" || p.Path != "/api/users/@me/" || string(p.Body) != `{"first_name":"Ada"}` ||
		p.Attempt != 1 || p.Credential != "key:1" || p.User != srv.User.UUID || p.Status != http.StatusOK {
		t.Errorf("PATCH recorded as %+v", p)
	}
	if l := reqs[1]; l.Query.Get("email") != "ada@example.com" || l.Method != "GET" {
		t.Errorf("list recorded as %+v", l)
	}
	srv.ResetRequests()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests after reset", n)
	}
}

func TestFaults_retries(t *testing.T) {
	t.Parallel()
	client, srv, tr := setup(t)
	tr.SkipResponses.Store(true) // injected failures are not PostHog's documented answers
	ctx := t.Context()

	// A 503 then success: the SDK retries, the recorder numbers attempts.
	srv.InjectFault(posthogtest.Fault{Method: "GET", Path: "/api/users/*/", Status: http.StatusServiceUnavailable, Times: 1})
	if _, err := client.Users.Get(ctx, posthogusers.Me); err != nil {
		t.Fatalf("after one 503: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Attempt != 1 || reqs[0].Status != 503 || reqs[1].Attempt != 2 || reqs[1].Status != 200 {
		t.Errorf("attempts: %+v", reqs)
	}

	// Always 500: the SDK gives up with a typed error after 1+3 attempts.
	srv.ResetRequests()
	srv.InjectFault(posthogtest.Fault{Path: "/api/users/@me/github_login/", Status: http.StatusInternalServerError})
	_, _, err := client.Users.GitHubLogin(ctx, posthogusers.Me)
	var apiErr *posthogusers.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Attempts != 4 || len(srv.Requests()) != 4 {
		t.Errorf("persistent 500: %v (%d requests)", err, len(srv.Requests()))
	}
	srv.ClearFaults()

	// A 429 asking for longer than WithMaxRetryAfter allows comes back at once.
	srv.ResetRequests()
	srv.InjectFault(posthogtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600", Times: 1})
	_, err = client.Users.Get(ctx, posthogusers.Me)
	var rl *posthogusers.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Hour || len(srv.Requests()) != 1 {
		t.Errorf("429 Retry-After 3600: %v (%d requests)", err, len(srv.Requests()))
	}
	// A short one is honoured.
	srv.InjectFault(posthogtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0", Times: 1})
	if _, err := client.Users.Get(ctx, posthogusers.Me); err != nil {
		t.Errorf("429 Retry-After 0: %v", err)
	}

	// A reset connection is retried for GET; not for PATCH.
	srv.InjectFault(posthogtest.Fault{Method: "GET", Reset: true, Times: 1})
	if _, err := client.Users.Get(ctx, posthogusers.Me); err != nil {
		t.Errorf("GET after a reset: %v", err)
	}
	srv.ResetRequests()
	srv.InjectFault(posthogtest.Fault{Method: "PATCH", Reset: true, Times: 1})
	if _, err := client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{LastName: posthogusers.Ptr("L")}); err == nil {
		t.Error("PATCH after a reset: no error")
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("PATCH sent %d times after a reset; want 1", n)
	}

	// A truncated body is retried for GET, and an error for PATCH, not a
	// half-decoded user.
	srv.InjectFault(posthogtest.Fault{Method: "GET", Truncate: true, Times: 1})
	if _, err := client.Users.Get(ctx, posthogusers.Me); err != nil {
		t.Errorf("GET after a truncated answer: %v", err)
	}
	srv.InjectFault(posthogtest.Fault{Method: "PATCH", Truncate: true, Times: 1})
	if _, err := client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{LastName: posthogusers.Ptr("L")}); err == nil {
		t.Error("truncated PATCH answer: no error")
	}

	// Latency meets the caller's deadline.
	srv.InjectFault(posthogtest.Fault{Latency: time.Second, Times: 1})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := client.Users.Get(short, posthogusers.Me); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow answer: %v; want DeadlineExceeded", err)
	}
}

func TestFaults_foreignNext(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t, posthogtest.WithStaff())
	srv.SeedUsers(30)
	var foreignHits atomic.Int64
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the foreign host got a credential")
		}
	}))
	defer foreign.Close()
	srv.InjectFault(posthogtest.Fault{Method: "GET", Path: "/api/users/", ForeignNext: foreign.URL})

	page, err := client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 10})
	if err != nil || !strings.HasPrefix(page.Next, foreign.URL) {
		t.Fatalf("next %q, %v; want a link to %s", page.Next, err, foreign.URL)
	}
	n := 0
	for _, err := range client.Users.All(t.Context(), &posthogusers.ListUsersOptions{Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 31 || foreignHits.Load() != 0 {
		t.Errorf("All read %d users (want 31) and sent %d requests to the foreign host (want 0)", n, foreignHits.Load())
	}
}

func TestResponder_httpmock(t *testing.T) {
	t.Parallel()
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	key := fake.AddKey(ada.UUID, "user:read", "user:write")
	mt := httpmock.NewMockTransport()
	fake.RegisterResponders(mt, posthogusers.EUCloud)
	client, err := posthogusers.NewClient(key, posthogusers.WithBaseURL(posthogusers.EUCloud),
		posthogusers.WithHTTPClient(&http.Client{Transport: mt}), posthogusers.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	me, err := client.Users.Get(ctx, posthogusers.Me)
	if err != nil || me.UUID != ada.UUID {
		t.Fatalf("Get through httpmock: %v, %v", me, err)
	}
	fake.SeedUsers(5)
	page, err := client.Users.List(ctx, &posthogusers.ListUsersOptions{Limit: 1})
	if err != nil || page.Count != 1 {
		t.Errorf("list: %+v, %v", page, err)
	}
	// Faults under httpmock.
	fake.InjectFault(posthogtest.Fault{Method: "GET", Reset: true, Times: 1})
	if _, err := client.Users.Get(ctx, posthogusers.Me); err != nil {
		t.Errorf("GET after a reset: %v", err)
	}
	fake.InjectFault(posthogtest.Fault{Method: "GET", Truncate: true})
	_, err = client.Users.Get(ctx, posthogusers.Me)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated: %v; want io.ErrUnexpectedEOF", err)
	}
	if mt.GetTotalCallCount() < 5 {
		t.Errorf("httpmock saw %d calls", mt.GetTotalCallCount())
	}
}

func TestSeedUsers_million(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("pages through a million users")
	}
	client, srv, _ := setup(t, posthogtest.WithStaff())
	first := srv.SeedUsers(1_000_000)
	if n := srv.UserCount(); n != 1_000_001 {
		t.Fatalf("UserCount %d", n)
	}
	page, err := client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 100, Offset: 999_950})
	if err != nil {
		t.Fatal(err)
	}
	if page.Count != 1_000_001 || len(page.Results) != 51 || page.Next != "" {
		t.Errorf("last page: count %d, %d results, next %q", page.Count, len(page.Results), page.Next)
	}
	last := page.Results[len(page.Results)-1]
	if last.ID != first.ID+999_999 || !strings.HasSuffix(last.Email, "@example.com") {
		t.Errorf("last user %d %s", last.ID, last.Email)
	}
	// A generated user can be changed, found by email and deleted.
	u, err := client.Users.Update(t.Context(), first.UUID.String(), posthogusers.UpdateUserRequest{FirstName: posthogusers.Ptr("Changed")})
	if err != nil || u.FirstName != "Changed" {
		t.Fatalf("update generated: %v, %v", u, err)
	}
	byEmail, err := client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Email: first.Email})
	if err != nil || byEmail.Count != 1 || byEmail.Results[0].FirstName != "Changed" {
		t.Errorf("by email: %+v, %v", byEmail, err)
	}
	page, err = client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 2, Offset: 0})
	if err != nil || page.Count != 1_000_001 || page.Results[1].FirstName != "Changed" {
		t.Errorf("first page after a change: %+v, %v", page, err)
	}
}
