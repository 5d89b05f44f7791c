package posthogtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
	"github.com/jarcoal/httpmock"
)

func TestRecorder(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	ctx := t.Context()
	if _, err := client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{FirstName: posthogusers.Ptr("Ada")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Users.List(ctx, &posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{Email: "ada@example.com"}}); err != nil {
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
	byEmail, err := client.Users.List(t.Context(), &posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{Email: first.Email}})
	if err != nil || byEmail.Count != 1 || byEmail.Results[0].FirstName != "Changed" {
		t.Errorf("by email: %+v, %v", byEmail, err)
	}
	page, err = client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 2, Offset: 0})
	if err != nil || page.Count != 1_000_001 || page.Results[1].FirstName != "Changed" {
		t.Errorf("first page after a change: %+v, %v", page, err)
	}
}

// bothModes runs test as two parallel subtests, one against a fake served
// by an httptest server, one against a fake registered on an httpmock
// transport. In each, client is a staff user's read-write client with short
// retry waits, made with opts too.
func bothModes(t *testing.T, opts []posthogusers.Option, test func(t *testing.T, client *posthogusers.Client, fake *posthogtest.Fake)) {
	t.Helper()
	t.Run("server", func(t *testing.T) {
		t.Parallel()
		client, srv, tr := setup(t, posthogtest.WithStaff(), posthogtest.WithClientOptions(opts...))
		tr.SkipResponses.Store(true) // injected failures are not PostHog's documented answers
		test(t, client, srv.Fake)
	})
	t.Run("httpmock", func(t *testing.T) {
		t.Parallel()
		fake := posthogtest.New()
		admin := fake.AddUser(posthogtest.UserSpec{Email: "admin@example.com", IsStaff: true})
		mt := httpmock.NewMockTransport()
		fake.RegisterResponders(mt, posthogusers.EUCloud)
		all := append([]posthogusers.Option{
			posthogusers.WithBaseURL(posthogusers.EUCloud),
			posthogusers.WithHTTPClient(&http.Client{Transport: mt}),
			posthogusers.WithRetryWait(time.Millisecond, time.Millisecond),
		}, opts...)
		client, err := posthogusers.NewClient(fake.AddKey(admin.UUID, "user:read", "user:write"), all...)
		if err != nil {
			t.Fatal(err)
		}
		test(t, client, fake)
	})
}

// statusOf returns the status of err: 200 for nil, an [posthogusers.APIError]'s
// status, and 0 for any other error.
func statusOf(err error) int {
	var apiErr *posthogusers.APIError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &apiErr):
		return apiErr.StatusCode
	}
	return 0
}

func TestFaults_queryFailsOnePage(t *testing.T) {
	t.Parallel()
	bothModes(t, []posthogusers.Option{posthogusers.WithMaxRetries(0)}, func(t *testing.T, client *posthogusers.Client, fake *posthogtest.Fake) {
		fake.SeedUsers(49) // 50 users with the caller: five pages of 10
		fake.InjectFault(posthogtest.Fault{Method: http.MethodGet, Path: "/api/users/", Query: url.Values{"offset": {"20"}}, Status: http.StatusInternalServerError})
		var got []int
		for offset := 0; offset < 50; offset += 10 {
			_, err := client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 10, Offset: offset})
			got = append(got, statusOf(err))
		}
		if want := []int{200, 200, 500, 200, 200}; !slices.Equal(got, want) {
			t.Errorf("statuses of the pages at offsets 0 to 40: %v; want %v", got, want)
		}
		// The other parameters of the request do not matter.
		_, err := client.Users.List(t.Context(), &posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{IsStaff: posthogusers.Ptr(false)}, Limit: 3, Offset: 20})
		if statusOf(err) != http.StatusInternalServerError {
			t.Errorf("offset 20 with limit 3 and is_staff: %v; want a 500", err)
		}
		// The recorder keeps faulted requests as it keeps the others.
		reqs := fake.Requests()
		if len(reqs) != 6 {
			t.Fatalf("%d requests recorded; want 6", len(reqs))
		}
		for i, r := range reqs {
			want := http.StatusOK
			if r.Query.Get("offset") == "20" {
				want = http.StatusInternalServerError
			}
			if r.Method != http.MethodGet || r.Path != "/api/users/" || r.Status != want || r.Attempt != 1 || r.Credential != "key:1" {
				t.Errorf("request %d recorded as %+v; want status %d, attempt 1", i, r, want)
			}
		}
		if q := reqs[2].Query; q.Get("limit") != "10" || q.Get("offset") != "20" {
			t.Errorf("faulted request's query recorded as %v", q)
		}
	})
}

func TestFaults_queryOnceThenRetried(t *testing.T) {
	t.Parallel()
	bothModes(t, nil, func(t *testing.T, client *posthogusers.Client, fake *posthogtest.Fake) {
		fake.SeedUsers(9)
		// The SDK leaves out offset 0: a parameter with no values matches
		// its absence, so this fails the first page once.
		fake.InjectFault(posthogtest.Fault{Path: "/api/users/", Query: url.Values{"offset": nil}, Status: http.StatusBadGateway, Times: 1})
		n := 0
		for _, err := range client.Users.All(t.Context(), &posthogusers.ListUsersOptions{Limit: 4}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 10 {
			t.Errorf("All read %d users; want 10", n)
		}
		type rec struct {
			offset          string
			status, attempt int
		}
		var got []rec
		for _, r := range fake.Requests() {
			got = append(got, rec{r.Query.Get("offset"), r.Status, r.Attempt})
		}
		want := []rec{{"", 502, 1}, {"", 200, 2}, {"4", 200, 1}, {"8", 200, 1}}
		if !slices.Equal(got, want) {
			t.Errorf("requests (offset, status, attempt): %v; want %v", got, want)
		}
	})
}

func TestFaults_queryResetAndTruncate(t *testing.T) {
	t.Parallel()
	bothModes(t, []posthogusers.Option{posthogusers.WithMaxRetries(0)}, func(t *testing.T, client *posthogusers.Client, fake *posthogtest.Fake) {
		fake.SeedUsers(20)
		fake.InjectFault(posthogtest.Fault{Query: url.Values{"offset": {"5"}}, Reset: true})
		fake.InjectFault(posthogtest.Fault{Query: url.Values{"offset": {"10"}}, Truncate: true})
		ctx := t.Context()
		if _, err := client.Users.List(ctx, &posthogusers.ListUsersOptions{Limit: 5}); err != nil {
			t.Errorf("offset 0: %v", err)
		}
		if _, err := client.Users.List(ctx, &posthogusers.ListUsersOptions{Limit: 5, Offset: 5}); err == nil || statusOf(err) != 0 {
			t.Errorf("offset 5, reset: %v; want a transport error", err)
		}
		if _, err := client.Users.List(ctx, &posthogusers.ListUsersOptions{Limit: 5, Offset: 10}); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("offset 10, truncated: %v; want io.ErrUnexpectedEOF", err)
		}
		if _, err := client.Users.List(ctx, &posthogusers.ListUsersOptions{Limit: 5, Offset: 15}); err != nil {
			t.Errorf("offset 15: %v", err)
		}
		// A reset connection is recorded with status 0, a truncated answer
		// with the status it was sent with. (Over HTTP, net/http's transport
		// may itself resend a GET whose reused connection was reset.)
		seen := map[string]int{}
		for _, r := range fake.Requests() {
			offset := r.Query.Get("offset")
			seen[offset]++
			if want := map[bool]int{true: 0, false: 200}[offset == "5"]; r.Status != want {
				t.Errorf("request at offset %q recorded with status %d; want %d", offset, r.Status, want)
			}
		}
		if seen[""] != 1 || seen["5"] < 1 || seen["10"] != 1 || seen["15"] != 1 || len(seen) != 4 {
			t.Errorf("requests recorded by offset: %v", seen)
		}
	})
}

func TestFaults_after(t *testing.T) {
	t.Parallel()
	bothModes(t, []posthogusers.Option{posthogusers.WithMaxRetries(0)}, func(t *testing.T, client *posthogusers.Client, fake *posthogtest.Fake) {
		ctx := t.Context()
		get := func() int {
			_, err := client.Users.Get(ctx, posthogusers.Me)
			return statusOf(err)
		}
		list := func() int {
			_, err := client.Users.List(ctx, nil)
			return statusOf(err)
		}
		// Requests before InjectFault do not count.
		get()
		fake.InjectFault(posthogtest.Fault{Method: http.MethodGet, Path: "/api/users/@me/", After: 2, Times: 2, Status: http.StatusServiceUnavailable})
		// Requests the fault does not match (another path) do not count.
		got := []int{get(), list(), get(), list(), get(), get(), get(), list(), get()}
		want := []int{200, 200, 200, 200, 503, 503, 200, 200, 200}
		if !slices.Equal(got, want) {
			t.Errorf("statuses with After 2, Times 2: %v; want %v", got, want)
		}

		// Times 0: every matching request after the first After.
		fake.InjectFault(posthogtest.Fault{Path: "/api/users/", After: 1, Status: http.StatusBadGateway})
		got = []int{list(), get(), list(), list()}
		want = []int{200, 200, 502, 502}
		if !slices.Equal(got, want) {
			t.Errorf("statuses with After 1 and no Times: %v; want %v", got, want)
		}
		fake.ClearFaults()

		// A negative After is 0.
		fake.InjectFault(posthogtest.Fault{After: -3, Times: 1, Status: http.StatusInternalServerError})
		if got := []int{get(), get()}; !slices.Equal(got, []int{500, 200}) {
			t.Errorf("statuses with After -3, Times 1: %v; want [500 200]", got)
		}
	})
}

func TestFaults_afterWithRetries(t *testing.T) {
	t.Parallel()
	bothModes(t, nil, func(t *testing.T, client *posthogusers.Client, fake *posthogtest.Fake) {
		// Every attempt is a request: the second Get's first attempt is the
		// second matching request, and its retry the third.
		fake.InjectFault(posthogtest.Fault{Method: http.MethodGet, After: 1, Times: 1, Status: http.StatusInternalServerError})
		for i := range 3 {
			if _, err := client.Users.Get(t.Context(), posthogusers.Me); err != nil {
				t.Errorf("Get %d: %v", i+1, err)
			}
		}
		var got [][2]int
		for _, r := range fake.Requests() {
			got = append(got, [2]int{r.Status, r.Attempt})
		}
		want := [][2]int{{200, 1}, {500, 1}, {200, 2}, {200, 1}}
		if !slices.Equal(got, want) {
			t.Errorf("requests (status, attempt): %v; want %v", got, want)
		}
	})
}

func TestFaults_order(t *testing.T) {
	t.Parallel()
	bothModes(t, []posthogusers.Option{posthogusers.WithMaxRetries(0)}, func(t *testing.T, client *posthogusers.Client, fake *posthogtest.Fake) {
		get := func() int {
			_, err := client.Users.Get(t.Context(), posthogusers.Me)
			return statusOf(err)
		}
		first := posthogtest.Fault{After: 1, Times: 1, Status: http.StatusInternalServerError}
		second := posthogtest.Fault{Times: 2, Status: http.StatusServiceUnavailable}
		fake.InjectFault(first)
		fake.InjectFault(second)
		// 1: the first lets it pass (and counts it), the second applies.
		// 2: both would apply; the first injected does, and is used up.
		// 3: the second applies again (the first did not use its Times).
		// 4: both are used up.
		got := []int{get(), get(), get(), get()}
		if want := []int{503, 500, 503, 200}; !slices.Equal(got, want) {
			t.Errorf("statuses: %v; want %v", got, want)
		}

		// A request another fault gets still counts towards a later
		// fault's After.
		fake.InjectFault(posthogtest.Fault{Times: 1, Status: http.StatusServiceUnavailable})
		fake.InjectFault(posthogtest.Fault{After: 1, Times: 1, Status: http.StatusInternalServerError})
		got = []int{get(), get(), get()}
		if want := []int{503, 500, 200}; !slices.Equal(got, want) {
			t.Errorf("statuses with a later fault's After: %v; want %v", got, want)
		}
	})
}

// TestFaults_matching sends raw requests, to match on what the SDK never
// sends.
func TestFaults_matching(t *testing.T) {
	t.Parallel()
	offset300 := url.Values{"offset": {"300"}}
	cases := []struct {
		name   string
		fault  posthogtest.Fault
		method string
		target string
		want   bool // whether the fault applies
	}{
		{"query", posthogtest.Fault{Query: offset300}, "GET", "/api/users/?limit=100&offset=300", true},
		{"query in another order", posthogtest.Fault{Query: offset300}, "GET", "/api/users/?offset=300&limit=100", true},
		{"another value", posthogtest.Fault{Query: offset300}, "GET", "/api/users/?limit=100&offset=200", false},
		{"parameter missing", posthogtest.Fault{Query: offset300}, "GET", "/api/users/?limit=100", false},
		{"no query", posthogtest.Fault{Query: offset300}, "GET", "/api/users/", false},
		{"more values", posthogtest.Fault{Query: offset300}, "GET", "/api/users/?offset=300&offset=400", false},
		{"both values", posthogtest.Fault{Query: url.Values{"offset": {"300", "400"}}}, "GET", "/api/users/?offset=300&offset=400", true},
		{"name is case-sensitive", posthogtest.Fault{Query: offset300}, "GET", "/api/users/?Offset=300", false},
		{"every parameter", posthogtest.Fault{Query: url.Values{"offset": {"300"}, "limit": {"100"}}}, "GET", "/api/users/?offset=300&limit=100", true},
		{"every parameter, one missing", posthogtest.Fault{Query: url.Values{"offset": {"300"}, "limit": {"100"}}}, "GET", "/api/users/?offset=300", false},
		{"absent", posthogtest.Fault{Query: url.Values{"offset": nil}}, "GET", "/api/users/?limit=100", true},
		{"absent, present", posthogtest.Fault{Query: url.Values{"offset": nil}}, "GET", "/api/users/?limit=100&offset=0", false},
		{"empty value", posthogtest.Fault{Query: url.Values{"email": {""}}}, "GET", "/api/users/?email=", true},
		{"empty query", posthogtest.Fault{Query: url.Values{}}, "GET", "/api/users/?limit=1", true},
		{"method", posthogtest.Fault{Method: "GET", Query: offset300}, "GET", "/api/users/?offset=300", true},
		{"method, another", posthogtest.Fault{Method: "PATCH", Query: offset300}, "GET", "/api/users/?offset=300", false},
		{"path", posthogtest.Fault{Path: "/api/users/*/", Query: offset300}, "GET", "/api/users/@me/?offset=300", true},
		{"path, another", posthogtest.Fault{Path: "/api/users/*/", Query: offset300}, "GET", "/api/users/?offset=300", false},
		{"path, query another", posthogtest.Fault{Path: "/api/users/", Query: offset300}, "GET", "/api/users/?offset=301", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
			ft := c.fault
			ft.Status = http.StatusTeapot
			srv.InjectFault(ft)
			r := do(t, srv, c.method, c.target, "", bearer(srv.Key))
			if applied := r.status == http.StatusTeapot; applied != c.want {
				t.Errorf("%s %s: status %d; want the fault applied: %v", c.method, c.target, r.status, c.want)
			}
		})
	}
}

func TestInjectFault_copiesQuery(t *testing.T) {
	t.Parallel()
	_, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
	q := url.Values{"offset": {"300"}}
	srv.InjectFault(posthogtest.Fault{Query: q, Status: http.StatusTeapot})
	q.Set("offset", "200") // after InjectFault: no effect
	q.Set("limit", "1")
	if r := do(t, srv, "GET", "/api/users/?offset=300", "", bearer(srv.Key)); r.status != http.StatusTeapot {
		t.Errorf("offset 300 after the caller changed its Query: status %d; want 418", r.status)
	}
	if r := do(t, srv, "GET", "/api/users/?offset=200&limit=1", "", bearer(srv.Key)); r.status != http.StatusOK {
		t.Errorf("offset 200: status %d; want 200", r.status)
	}
}

func TestFaults_envelope(t *testing.T) {
	t.Parallel()
	// The envelope of a fault given only a status is the one it has always
	// been; Type, Code, Detail and Attr replace its members one by one.
	for _, tt := range []struct {
		name  string
		fault posthogtest.Fault
		want  string
	}{
		{"5xx", posthogtest.Fault{Status: 503},
			`{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`},
		{"429", posthogtest.Fault{Status: 429, RetryAfter: "7"},
			`{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 7 seconds.","attr":null}`},
		{"429 without Retry-After", posthogtest.Fault{Status: 429},
			`{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 1 second.","attr":null}`},
		{"other 4xx", posthogtest.Fault{Status: 404},
			`{"type":"invalid_request","code":"error","detail":"Not Found","attr":null}`},
		{"full envelope", posthogtest.Fault{Status: 400, Type: "validation_error", Code: "invalid_input", Detail: "Enter a valid name.", Attr: "first_name"},
			`{"type":"validation_error","code":"invalid_input","detail":"Enter a valid name.","attr":"first_name"}`},
		{"code only", posthogtest.Fault{Status: 403, Code: "permission_denied"},
			`{"type":"invalid_request","code":"permission_denied","detail":"Forbidden","attr":null}`},
		{"detail of a 5xx", posthogtest.Fault{Status: 500, Detail: "Database unavailable."},
			`{"type":"server_error","code":"error","detail":"Database unavailable.","attr":null}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := posthogtest.NewServer(t)
			srv.InjectFault(tt.fault)
			r := do(t, srv, "GET", "/api/users/@me/", "", bearer(srv.Key))
			if r.status != tt.fault.Status || string(r.body) != tt.want {
				t.Errorf("answer %d %s; want %d %s", r.status, r.body, tt.fault.Status, tt.want)
			}
			if got := r.header.Get("Retry-After"); got != tt.fault.RetryAfter {
				t.Errorf("Retry-After %q; want %q", got, tt.fault.RetryAfter)
			}
		})
	}
}

func TestFaults_validationErrorThroughSDK(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	srv.InjectFault(posthogtest.Fault{Method: "PATCH", Path: "/api/users/@me/", Status: http.StatusBadRequest,
		Type: "validation_error", Code: "invalid_input", Detail: "Enter a valid name.", Attr: "first_name"})
	_, err := client.Users.Update(t.Context(), posthogusers.Me, posthogusers.UpdateUserRequest{FirstName: posthogusers.Ptr("")})
	if !errors.Is(err, posthogusers.ErrValidation) {
		t.Fatalf("err = %v; want ErrValidation", err)
	}
	var apiErr *posthogusers.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %T; want *APIError", err)
	}
	if apiErr.StatusCode != 400 || apiErr.Type != "validation_error" || apiErr.Code != "invalid_input" ||
		apiErr.Detail != "Enter a valid name." || apiErr.Attr != "first_name" || apiErr.Attempts != 1 {
		t.Errorf("APIError %+v", apiErr)
	}
}

func TestNewServer_retryAfterComesBackAtOnce(t *testing.T) {
	t.Parallel()
	client, srv, tr := setup(t)
	tr.SkipResponses.Store(true) // injected failures are not PostHog's documented answers
	ctx := t.Context()

	// A 429 asking for a second: the SDK's default client would sleep and
	// retry; NewServer's returns the error at once.
	srv.InjectFault(posthogtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1})
	_, err := client.Users.Get(ctx, posthogusers.Me)
	var rl *posthogusers.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second || len(srv.Requests()) != 1 {
		t.Errorf("429 Retry-After 1: %v (%d requests); want a RateLimitError at once", err, len(srv.Requests()))
	}
	// So does a 503 asking for a wait.
	srv.ResetRequests()
	srv.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "2", Times: 1})
	_, err = client.Users.Get(ctx, posthogusers.Me)
	var apiErr *posthogusers.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.RetryAfter != 2*time.Second || len(srv.Requests()) != 1 {
		t.Errorf("503 Retry-After 2: %v (%d requests); want the 503 at once", err, len(srv.Requests()))
	}
	// The fake's own throttle, whose wait is a minute here.
	tclient, tsrv, _ := setup(t, posthogtest.WithRateLimits(1, 100))
	if _, err := tclient.Integrations.ListGitHub(ctx, posthogusers.Me); err != nil {
		t.Fatal(err)
	}
	if _, err := tclient.Integrations.ListGitHub(ctx, posthogusers.Me); !errors.As(err, &rl) || rl.RetryAfter <= 0 || len(tsrv.Requests()) != 2 {
		t.Errorf("throttled: %v (%d requests); want a RateLimitError at once", err, len(tsrv.Requests()))
	}
	// A Retry-After of 0 is retried at once.
	srv.ResetRequests()
	srv.InjectFault(posthogtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0", Times: 1})
	if _, err := client.Users.Get(ctx, posthogusers.Me); err != nil || len(srv.Requests()) != 2 {
		t.Errorf("429 Retry-After 0: %v (%d requests); want a retry", err, len(srv.Requests()))
	}
}

func TestFaults_probability(t *testing.T) {
	t.Parallel()
	// serveN sends n requests for @me straight to fake's handler, and counts
	// the answers by status.
	serveN := func(t *testing.T, fake *posthogtest.Fake, key string, n int) map[int]int {
		t.Helper()
		statuses := map[int]int{}
		for range n {
			req := httptest.NewRequestWithContext(t.Context(), "GET", "/api/users/@me/", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			rec := httptest.NewRecorder()
			fake.ServeHTTP(rec, req)
			statuses[rec.Code]++
		}
		return statuses
	}
	newFake := func() (*posthogtest.Fake, string) {
		fake := posthogtest.New()
		return fake, fake.AddKey(fake.AddUser(posthogtest.UserSpec{}).UUID, "user:read")
	}
	// The bounds are 10 standard deviations from the mean: they fail once
	// in about 10^23 runs.
	t.Run("a fraction", func(t *testing.T) {
		t.Parallel()
		fake, key := newFake()
		fake.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, Probability: 0.25})
		got := serveN(t, fake, key, 1200)
		if n := got[503]; n < 300-150 || n > 300+150 || got[200] != 1200-n {
			t.Errorf("statuses %v; want about 300 of 1200 503s, the rest 200", got)
		}
	})
	t.Run("spared requests go to the next fault", func(t *testing.T) {
		t.Parallel()
		fake, key := newFake()
		fake.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, Probability: 0.5})
		fake.InjectFault(posthogtest.Fault{Status: http.StatusInternalServerError})
		got := serveN(t, fake, key, 400)
		if got[200] != 0 || got[503] < 100 || got[500] < 100 {
			t.Errorf("statuses %v; want 503s and 500s, about half each", got)
		}
	})
	t.Run("only requests given the fault count towards Times", func(t *testing.T) {
		t.Parallel()
		fake, key := newFake()
		fake.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, Probability: 0.5, Times: 10})
		if got := serveN(t, fake, key, 400); got[503] != 10 || got[200] != 390 {
			t.Errorf("statuses %v; want 10 503s", got)
		}
	})
	for _, p := range []float64{0, 1, 2} {
		t.Run(fmt.Sprintf("probability %v gives every request", p), func(t *testing.T) {
			t.Parallel()
			fake, key := newFake()
			fake.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, Probability: p})
			if got := serveN(t, fake, key, 50); got[503] != 50 {
				t.Errorf("statuses %v; want every request 503", got)
			}
		})
	}
}
