package posthogusers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// decodeInts reads a page of numbers with decodePage, with a JSON decoder
// of options opts.
func decodeInts(body string, opts ...jsontext.Options) ([]int64, pageInfo, error) {
	var items []int64
	info, err := decodePage(jsontext.NewDecoder(strings.NewReader(body), opts...), func(dec *jsontext.Decoder) error {
		var n int64
		if err := json.UnmarshalDecode(dec, &n); err != nil {
			return err
		}
		items = append(items, n)
		return nil
	})
	return items, info, err
}

func TestDecodePage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		items []int64
		info  pageInfo
	}{
		{"PostHog's order", `{"count": 3, "next": "https://h/api/users/?limit=2&offset=2", "previous": null, "results": [1, 2]}`,
			[]int64{1, 2}, pageInfo{count: 3, hasCount: true, next: "https://h/api/users/?limit=2&offset=2", items: 2}},
		{"results first, unknown members", `{"results": [7], "total_pages": {"a": [1]}, "next": null, "count": 1}`,
			[]int64{7}, pageInfo{count: 1, hasCount: true, items: 1}},
		{"no count", `{"results": []}`, nil, pageInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, info, err := decodeInts(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.items, items); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.info, info, cmp.AllowUnexported(pageInfo{})); diff != "" {
				t.Errorf("info (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodePage_malformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		eof        bool // the body ends early
		item       bool // the item's decoder finds the error
	}{
		{"not an object", `[1, 2]`, false, false},
		{"results not an array", `{"count": 1, "results": {"a": 1}}`, false, false},
		{"no results", `{"count": 0, "next": null}`, false, false},
		{"negative count", `{"count": -1, "results": []}`, false, false},
		{"count too large", `{"count": 1e400, "results": []}`, false, false},
		{"count a string", `{"count": "3", "results": []}`, false, false},
		{"next a number", `{"next": 3, "results": []}`, false, false},
		{"duplicate member", `{"count": 1, "count": 2, "results": []}`, false, false},
		{"duplicate unknown member", `{"results": [], "x": 1, "\u0078": 2}`, false, false},
		{"duplicate results", `{"results": [], "results": []}`, false, false},
		{"invalid UTF-8", "{\"next\": \"\xff\", \"results\": []}", false, false},
		{"wrong item type", `{"results": ["x"]}`, false, true},
		{"trailing garbage", `{"results": []} x`, false, false},
		{"cut in results", `{"count": 2, "results": [1,`, true, true},
		{"cut before the end", `{"count": 2, "results": [1, 2]`, true, false},
		{"empty", ``, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := decodeInts(tt.body)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, io.ErrUnexpectedEOF); got != tt.eof {
				t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) = %v; want %v", err, got, tt.eof)
			}
			if !tt.item && !errors.Is(err, errPage) {
				t.Errorf("error %v does not wrap errPage", err)
			}
			// A scan's decoder of users lets duplicate names through:
			// decodePage refuses the page's own, with the same error.
			if _, _, errLax := decodeInts(tt.body, jsontext.AllowDuplicateNames(true)); errLax == nil || errLax.Error() != err.Error() {
				t.Errorf("with duplicate names let through: error %v; want %v", errLax, err)
			}
		})
	}
}

func TestBodyReader_failed(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	br := &bodyReader{r: io.MultiReader(strings.NewReader(`{"results": [1,`), iotest.ErrReader(boom))}
	_, err := decodePage(jsontext.NewDecoder(br), func(dec *jsontext.Decoder) error { return dec.SkipValue() })
	if err == nil || !br.failed(err) || !errors.Is(br.err, boom) {
		t.Errorf("got %v, failed %v, read error %v; want a failed read of %v", err, br.failed(err), br.err, boom)
	}
	br = &bodyReader{r: strings.NewReader(`{"results": [1, x]}`)}
	_, err = decodePage(jsontext.NewDecoder(br), func(dec *jsontext.Decoder) error { return dec.SkipValue() })
	if err == nil || br.failed(err) {
		t.Errorf("malformed body: got %v, failed %v; want an error that is not a failed read", err, br.failed(err))
	}
}

func TestNextOffset(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]int{
		"https://us.posthog.com/api/users/?limit=100&offset=300": 300,
		"https://us.posthog.com/api/users/?limit=100":            0,
		"https://us.posthog.com/api/users/?limit=100&offset=0":   0,
	} {
		if got, ok := nextOffset(next); !ok || got != want {
			t.Errorf("nextOffset(%q) = %d, %v; want %d, true", next, got, ok, want)
		}
	}
	for _, next := range []string{"https://h/?offset=x", "https://h/?offset=-1", "%zz"} {
		if _, ok := nextOffset(next); ok {
			t.Errorf("nextOffset(%q) reads an offset", next)
		}
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
	opts := &ListUsersOptions{UserFilter: UserFilter{IsStaff: Ptr(false)}, Limit: 2}
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

// collect ranges over seq and returns what it yielded.
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
