package posthogusers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakePages is a page source of n items in limit/offset pages, recording
// the calls made to it.
type fakePages struct {
	n     int
	next  func(limit, offset int) string // the next link of a page; nil: a well-formed one
	calls []string
}

func (f *fakePages) fetch(_ context.Context, limit, offset int) (*Page[int], error) {
	f.calls = append(f.calls, fmt.Sprintf("limit=%d offset=%d", limit, offset))
	if limit == 0 {
		limit = 3 // the server's default in this fake
	}
	page := &Page[int]{Count: f.n}
	for i := offset; i < min(offset+limit, f.n); i++ {
		page.Results = append(page.Results, i)
	}
	if offset+limit < f.n {
		if f.next != nil {
			page.Next = f.next(limit, offset)
		} else {
			page.Next = fmt.Sprintf("https://us.posthog.com/api/users/?limit=%d&offset=%d", limit, offset+limit)
		}
	}
	return page, nil
}

func collect[T any](t *testing.T, seq func(yield func(T, error) bool)) ([]T, []error) {
	t.Helper()
	var items []T
	var errs []error
	for item, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, item)
	}
	return items, errs
}

func TestPaginate_allPages(t *testing.T) {
	t.Parallel()
	f := &fakePages{n: 7}
	items, errs := collect(t, paginate(t.Context(), 0, 0, f.fetch))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4, 5, 6}, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"limit=0 offset=0", "limit=3 offset=3", "limit=3 offset=6"}, f.calls); diff != "" {
		t.Errorf("fetches (-want +got):\n%s", diff)
	}
}

func TestPaginate_lazy(t *testing.T) {
	t.Parallel()
	f := &fakePages{n: 10}
	var seen []int
	for item, err := range paginate(t.Context(), 2, 0, f.fetch) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, item)
		// Page N+1 is fetched only once page N is used up.
		if want := item/2 + 1; len(f.calls) != want {
			t.Fatalf("after item %d: %d fetches; want %d", item, len(f.calls), want)
		}
		if item == 4 {
			break
		}
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4}, seen); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if len(f.calls) != 3 {
		t.Errorf("fetches after break: got %d; want 3", len(f.calls))
	}
}

func TestPaginate_startOffset(t *testing.T) {
	t.Parallel()
	f := &fakePages{n: 6}
	items, _ := collect(t, paginate(t.Context(), 2, 3, f.fetch))
	if diff := cmp.Diff([]int{3, 4, 5}, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestPaginate_errorYieldedOnce(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	calls := 0
	fetch := func(ctx context.Context, limit, offset int) (*Page[int], error) {
		calls++
		if offset > 0 {
			return nil, boom
		}
		return &Page[int]{Count: 4, Next: "https://us.posthog.com/api/users/?limit=2&offset=2", Results: []int{0, 1}}, nil
	}
	items, errs := collect(t, paginate(t.Context(), 2, 0, fetch))
	if diff := cmp.Diff([]int{0, 1}, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if len(errs) != 1 || !errors.Is(errs[0], boom) || calls != 2 {
		t.Errorf("got errors %v after %d fetches; want boom once after 2", errs, calls)
	}
}

func TestPaginate_stopsOnEmptyPage(t *testing.T) {
	t.Parallel()
	calls := 0
	fetch := func(ctx context.Context, limit, offset int) (*Page[int], error) {
		calls++
		// A server that says there is more but sends nothing.
		return &Page[int]{Count: 100, Next: "https://us.posthog.com/api/users/?limit=2&offset=" + strconv.Itoa(offset+2)}, nil
	}
	items, errs := collect(t, paginate(t.Context(), 2, 0, fetch))
	if len(items) != 0 || len(errs) != 0 || calls != 1 {
		t.Errorf("got %v, %v after %d fetches; want nothing after 1", items, errs, calls)
	}
}

func TestPaginate_badNextLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		next func(limit, offset int) string
	}{
		{"offset does not advance", func(limit, offset int) string {
			return fmt.Sprintf("https://us.posthog.com/api/users/?limit=%d&offset=%d", limit, offset)
		}},
		{"offset goes back", func(limit, offset int) string { return "https://us.posthog.com/api/users/?limit=3&offset=0" }},
		{"no offset", func(limit, offset int) string { return "https://us.posthog.com/api/users/?limit=3" }},
		{"offset not a number", func(limit, offset int) string { return "https://us.posthog.com/api/users/?limit=3&offset=x" }},
		{"limit not positive", func(limit, offset int) string { return "https://us.posthog.com/api/users/?limit=0&offset=3" }},
		{"unparsable", func(limit, offset int) string { return "https://us.posthog.com/%zz" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakePages{n: 10, next: tt.next}
			items, errs := collect(t, paginate(t.Context(), 3, 0, f.fetch))
			var pe *PaginationError
			if len(errs) != 1 || !errors.As(errs[0], &pe) {
				t.Fatalf("errors: got %v; want one *PaginationError", errs)
			}
			if len(items) != 3 || len(f.calls) != 1 {
				t.Errorf("got %d items from %d fetches; want the first page only", len(items), len(f.calls))
			}
		})
	}
}

func TestPaginate_nextWithoutLimitKeepsLimit(t *testing.T) {
	t.Parallel()
	f := &fakePages{n: 5, next: func(limit, offset int) string {
		return fmt.Sprintf("https://us.posthog.com/api/users/?offset=%d", offset+limit)
	}}
	items, errs := collect(t, paginate(t.Context(), 2, 0, f.fetch))
	if len(errs) != 0 || len(items) != 5 {
		t.Fatalf("got %v, %v; want 5 items", items, errs)
	}
	if diff := cmp.Diff([]string{"limit=2 offset=0", "limit=2 offset=2", "limit=2 offset=4"}, f.calls); diff != "" {
		t.Errorf("fetches (-want +got):\n%s", diff)
	}
}

// serveUserPages serves n users in pages, with next links on host, as
// PostHog does: query sorted by key, limit always present, other filters
// kept.
func serveUserPages(t *testing.T, ts *testServer, n int, host string) *[]string {
	t.Helper()
	var queries []string
	ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		testAuth(t, r)
		q := r.URL.Query()
		queries = append(queries, r.URL.RawQuery)
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit <= 0 {
			limit = 100
		}
		offset, _ := strconv.Atoi(q.Get("offset"))
		results := []any{}
		for i := offset; i < min(offset+limit, n); i++ {
			results = append(results, fixtureUser(t, i+1))
		}
		var next any
		if offset+limit < n {
			q.Set("limit", strconv.Itoa(limit))
			q.Set("offset", strconv.Itoa(offset+limit))
			next = host + "/api/users/?" + q.Encode()
		}
		serveJSON(w, http.StatusOK, mustJSON(t, map[string]any{"count": n, "next": next, "previous": nil, "results": results}))
	})
	return &queries
}

func TestUsersService_All(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	// The next links name another host: the client must keep sending to its
	// base URL (the test server fails any request elsewhere).
	queries := serveUserPages(t, ts, 5, "https://attacker.example")
	opts := &ListUsersOptions{Email: "", IsStaff: Ptr(false), Limit: 2}
	before := *opts
	var ids []int64
	for u, err := range ts.client.Users.All(t.Context(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5}, ids); diff != "" {
		t.Errorf("user IDs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"is_staff=false&limit=2", "is_staff=false&limit=2&offset=2", "is_staff=false&limit=2&offset=4"}, *queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, *opts); diff != "" {
		t.Errorf("the caller's options changed (-before +after):\n%s", diff)
	}
}

func TestUsersService_All_errorMidway(t *testing.T) {
	t.Parallel()
	ts := setup(t, WithMaxRetries(0))
	ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") != "" {
			serveJSON(w, http.StatusForbidden, readFixture(t, "errors/scope_user_read.json"))
			return
		}
		serveJSON(w, http.StatusOK, mustJSON(t, map[string]any{
			"count": 4, "next": "http://testserver/api/users/?limit=2&offset=2", "previous": nil,
			"results": []any{fixtureUser(t, 1), fixtureUser(t, 2)},
		}))
	})
	users, errs := collect(t, ts.client.Users.All(t.Context(), &ListUsersOptions{Limit: 2}))
	var se *ScopeError
	if len(users) != 2 || len(errs) != 1 || !errors.As(errs[0], &se) {
		t.Errorf("got %d users and errors %v; want 2 users then one *ScopeError", len(users), errs)
	}
}

func TestUsersService_All_break(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	queries := serveUserPages(t, ts, 10, "https://us.posthog.com")
	n := 0
	for _, err := range ts.client.Users.All(t.Context(), &ListUsersOptions{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 4 {
			break
		}
	}
	if len(*queries) != 2 {
		t.Errorf("pages fetched: got %d (%v); want 2", len(*queries), *queries)
	}
}

func TestUsersService_All_contextCancelled(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	serveUserPages(t, ts, 10, "https://us.posthog.com")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var errs []error
	n := 0
	for _, err := range ts.client.Users.All(ctx, &ListUsersOptions{Limit: 2}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n++; n == 2 {
			cancel()
		}
	}
	if n != 2 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("got %d users and errors %v; want 2 users then context.Canceled once", n, errs)
	}
}
