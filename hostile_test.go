package posthogusers

// This file is the kit of hostile servers and the tests that run the SDK
// against them: servers and proxies that send endless or inflating bodies,
// trickle or stall, ignore offsets, echo credentials, or answer with
// nothing where PostHog sends an object. Each server is an http.HandlerFunc
// made by a function of the kit; newHostile starts one and gives a client
// of it. A handler that could go on forever stops when the client goes away
// or the test ends.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hostile is a misbehaving server and a client of it.
type hostile struct {
	srv      *httptest.Server
	client   *Client
	requests atomic.Int64 // how many requests reached the server
	// done is closed when the test ends, so that handlers that wait for
	// the client stop then too.
	done chan struct{}
}

// newHostile starts a server that answers every request with h, and a
// client of it with fast retries and opts.
func newHostile(t testing.TB, h http.HandlerFunc, opts ...Option) *hostile {
	t.Helper()
	hs := &hostile{done: make(chan struct{})}
	hs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.requests.Add(1)
		h(w, r)
	}))
	t.Cleanup(hs.srv.Close)
	t.Cleanup(func() { close(hs.done) }) // runs before Close
	hs.client = hs.newClient(t, testKey, opts...)
	return hs
}

// newClient returns another client of the server.
func (hs *hostile) newClient(t testing.TB, key string, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(key, append([]Option{
		WithBaseURL(hs.srv.URL),
		WithHTTPClient(&http.Client{Transport: hs.srv.Client().Transport, Timeout: time.Minute}),
		WithRetryWait(time.Millisecond, 2*time.Millisecond),
	}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// waitFor blocks until the client goes away or the test ends.
func (hs *hostile) waitFor(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-hs.done:
	}
}

// answer answers with status and body, as JSON.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// endless answers 200 with prefix and then chunk over and over, until the
// client goes away: a body without end.
func endless(prefix, chunk string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := io.WriteString(w, prefix); err != nil {
			return
		}
		block := []byte(strings.Repeat(chunk, max(1, (64<<10)/len(chunk))))
		for r.Context().Err() == nil {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	}
}

// gzipBomb answers 200 with a gzip body of about inflated/1000 bytes that
// inflates to prefix, inflated bytes of "a", and suffix: a compression
// bomb. It is made of gzip members, one per MiB, which gzip readers join.
func gzipBomb(t testing.TB, prefix string, inflated int64, suffix string) http.HandlerFunc {
	t.Helper()
	member := func(data []byte) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		return b.Bytes()
	}
	head, mib, tail := member([]byte(prefix)), member(bytes.Repeat([]byte("a"), 1<<20)), member([]byte(suffix))
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		if _, err := w.Write(head); err != nil {
			return
		}
		for range inflated >> 20 {
			if _, err := w.Write(mib); err != nil {
				return
			}
		}
		_, _ = w.Write(tail)
	}
}

// stall answers 200 with prefix, then sends nothing more until the client
// goes away or the test ends. contentLength, when positive, is announced.
func (hs *hostile) stall(prefix string, contentLength int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if contentLength > 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(contentLength, 10))
		}
		_, _ = io.WriteString(w, prefix)
		w.(http.Flusher).Flush()
		hs.waitFor(r)
	}
}

// trickle answers 200 with prefix, then one space every interval, until
// the client goes away or the test ends.
func (hs *hostile) trickle(prefix string, every time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, prefix)
		w.(http.Flusher).Flush()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-hs.done:
				return
			case <-tick.C:
			}
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

// throttle answers 429 with a Retry-After header of retryAfter.
func throttle(retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled.","attr":null}`)
	}
}

// hostileUser is the JSON of a user with the given ID, with the members
// PostHog always sends that the SDK checks for.
func hostileUser(id int64) string {
	return fmt.Sprintf(`{"id":%d,"uuid":"00000000-0000-4000-8000-%012x","email":"user%d@example.com"}`, id, id, id)
}

// pageHead is the start of a list page, up to its first user.
func pageHead(count, nextOffset, limit int) string {
	next := "null"
	if nextOffset >= 0 {
		next = fmt.Sprintf(`"http://posthog.invalid/api/users/?limit=%d&offset=%d"`, limit, nextOffset)
	}
	return fmt.Sprintf(`{"count":%d,"next":%s,"previous":null,"results":[`, count, next)
}

// offsetIgnoring is a cache in front of PostHog that ignores the query:
// whatever the offset, it answers the first page of a list of count users,
// limit to a page, with a next link to the second page.
func offsetIgnoring(count, limit int) http.HandlerFunc {
	users := make([]string, limit)
	for i := range users {
		users[i] = hostileUser(int64(i + 1))
	}
	return answer(http.StatusOK, pageHead(count, limit, limit)+strings.Join(users, ",")+"]}")
}

// endlessResults answers a list page of count users whose results never
// end: users with rising IDs, until the client goes away.
func endlessResults(count, limit int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := io.WriteString(w, pageHead(count, limit, limit)+hostileUser(1)); err != nil {
			return
		}
		for id := int64(2); r.Context().Err() == nil; id++ {
			if _, err := io.WriteString(w, ","+hostileUser(id)); err != nil {
				return
			}
		}
	}
}

// allocated returns how many bytes f allocated. Run it outside parallel
// tests: it counts every goroutine's allocations.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostile_bodyCap sends Get bodies far larger than the client's cap,
// plain and as a gzip bomb: each fails with ErrResponseTooLarge naming the
// cap, after one request, having allocated little more than the cap. It
// once allocated 1.3 GiB for a 300 MiB body, and 5 GiB for a 1 MB gzip
// body that inflates to 1 GiB. Not parallel: it counts allocations.
func TestHostile_bodyCap(t *testing.T) {
	const limit = 1 << 20
	const userStart = `{"id":1,"uuid":"00000000-0000-4000-8000-000000000001","pad":"`
	for _, tt := range []struct {
		name    string
		handler func(hs *hostile) http.HandlerFunc
	}{
		{"endless", func(*hostile) http.HandlerFunc { return endless(userStart, "a") }},
		{"gzip bomb of 64 MiB", func(*hostile) http.HandlerFunc { return gzipBomb(t, userStart, 64<<20, `"}`) }},
		// Announced over the cap, then nothing: refused without reading,
		// or the call would wait for the test's end.
		{"announced", func(hs *hostile) http.HandlerFunc { return hs.stall(userStart, 2*limit) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hs *hostile
			hs = newHostile(t, func(w http.ResponseWriter, r *http.Request) { tt.handler(hs)(w, r) }, WithMaxResponseBytes(limit))
			var u *User
			var err error
			n := allocated(func() { u, err = hs.client.Users.Get(t.Context(), Me) })
			if !errors.Is(err, ErrResponseTooLarge) || u != nil {
				t.Fatalf("Get: %v, %v; want an error matching ErrResponseTooLarge", u, err)
			}
			if !strings.Contains(err.Error(), "1 MiB") || !strings.Contains(err.Error(), "WithMaxResponseBytes") {
				t.Errorf("the error does not name the cap and its option: %v", err)
			}
			if got := hs.requests.Load(); got != 1 {
				t.Errorf("requests: %d; want 1 (an answer over the cap is not retried)", got)
			}
			if n > limit+8<<20 {
				t.Errorf("allocated %d MiB for a cap of 1 MiB", n>>20)
			}
			t.Logf("allocated %.1f MiB", float64(n)/(1<<20))
		})
	}
}

// TestHostile_bodyCapDefault shows the default cap and that an answer
// within it, of unknown length, is read whole.
func TestHostile_bodyCapDefault(t *testing.T) {
	t.Parallel()
	big := `{"id":1,"uuid":"00000000-0000-4000-8000-000000000001","pad":"` + strings.Repeat("a", 3<<20) + `"}`
	hs := newHostile(t, gzipBomb(t, big, 0, ""))
	u, err := hs.client.Users.Get(t.Context(), Me)
	if err != nil || u.ID != 1 || len(u.UnknownFields()["pad"]) != 3<<20+2 {
		t.Fatalf("Get of a 3 MiB gzip answer: %v", err)
	}
	over := newHostile(t, endless(`{"id":1,"uuid":"00000000-0000-4000-8000-000000000001","pad":"`, "a"))
	if _, err := over.client.Users.Get(t.Context(), Me); !errors.Is(err, ErrResponseTooLarge) || !strings.Contains(err.Error(), "32 MiB") {
		t.Errorf("Get of an endless answer: %v; want ErrResponseTooLarge naming 32 MiB", err)
	}
}

// TestHostile_retryAfter sends 429s whose Retry-After is too large for an
// int64 of nanoseconds, or a date far ahead: the call returns the
// *RateLimitError at once, where it once retried at once, five times.
// Negative, fractional and garbage values are no Retry-After: the call
// backs off and retries within its budget.
func TestHostile_retryAfter(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value        string
		wantRequests int64
		atOnce       bool
	}{
		{"999999999999999999999", 1, true},
		{"99999999999", 1, true},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 1, true},
		{"-1", 3, false},
		{"1.5", 3, false},
		{"soon", 3, false},
		{"", 3, false},
	} {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			hs := newHostile(t, throttle(tt.value), WithMaxRateLimitRetries(2))
			_, err := hs.client.Users.Get(t.Context(), Me)
			var rl *RateLimitError
			if !errors.As(err, &rl) {
				t.Fatalf("Get: %v; want a *RateLimitError", err)
			}
			if got := hs.requests.Load(); got != tt.wantRequests {
				t.Errorf("requests: %d; want %d", got, tt.wantRequests)
			}
			if tt.atOnce && rl.RetryAfter < 100*365*24*time.Hour {
				t.Errorf("RetryAfter %v; want the very long wait PostHog asked for", rl.RetryAfter)
			}
		})
	}
}

// TestHostile_emptyAnswers answers every method that returns something
// with what is not PostHog's answer for it: null, {}, an array or a string
// where an object belongs, 204 and 200 without a body. Each is an error
// matching ErrMalformedResponse, where null, {} and 204 once gave an empty
// value and a nil error.
func TestHostile_emptyAnswers(t *testing.T) {
	t.Parallel()
	answers := map[string]http.HandlerFunc{
		"null":             answer(http.StatusOK, "null"),
		"{}":               answer(http.StatusOK, "{}"),
		"[]":               answer(http.StatusOK, "[]"),
		"a string":         answer(http.StatusOK, `"x"`),
		"204":              answer(http.StatusNoContent, ""),
		"200 without body": answer(http.StatusOK, ""),
		"nulls":            answer(http.StatusOK, `{"id":null,"uuid":null,"count":null,"results":null,"secret":null,"is_enabled":null,"backup_codes":null,"repositories":null,"has_more":null,"branches":null,"install_url":null,"user":null,"revoked_count":null,"success":null,"platform":null}`),
	}
	freeForm := map[string]bool{"Users.HedgehogConfig": true, "Users.ReplaceHedgehogConfig": true, "Users.MarkProductIntroSeen": true}
	for _, tt := range endpointCases() {
		if tt.want == nil {
			continue // returns nothing but an error
		}
		for name, h := range answers {
			if name == "[]" && tt.name == "Users.LoginSessions" {
				continue // an empty list of sessions is PostHog's answer
			}
			if (name == "{}" || name == "nulls") && freeForm[tt.name] {
				continue // any object is PostHog's answer
			}
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				hs := newHostile(t, h)
				c := hs.client
				if tt.session {
					c = hs.newClient(t, "", WithSession(testSession))
				}
				got, err := tt.call(t.Context(), c)
				if !errors.Is(err, ErrMalformedResponse) {
					t.Errorf("got %#v, %v; want an error matching ErrMalformedResponse", got, err)
				}
			})
		}
	}
}

// TestHostile_githubLoginNull shows that null is PostHog's answer for a
// user without a GitHub login, while an answer without the member is not.
func TestHostile_githubLoginNull(t *testing.T) {
	t.Parallel()
	hs := newHostile(t, answer(http.StatusOK, `{"github_login":null}`))
	if login, linked, err := hs.client.Users.GitHubLogin(t.Context(), Me); err != nil || linked || login != "" {
		t.Errorf("GitHubLogin with null: %q, %v, %v; want not linked", login, linked, err)
	}
}

// hostileContext is the context of a call that must not outlive a test
// whose server could hold it forever.
func hostileContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// scanRun ranges over one of a scan's iterators, collecting user IDs and
// errors. It stops after max users, so that a scan that would go on
// forever fails the test instead of hanging it.
type scanRun func(sc *UserScan, max int) (ids []int64, errs []error)

// scanRuns are the ways to range over a scan.
var scanRuns = map[string]scanRun{
	"Users": func(sc *UserScan, max int) (ids []int64, errs []error) {
		for u, err := range sc.Users() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ids = append(ids, u.ID); len(ids) >= max {
				break
			}
		}
		return ids, errs
	},
	"Raw": func(sc *UserScan, max int) (ids []int64, errs []error) {
		for v, err := range sc.Raw() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			id, err := rawUserID(v)
			if err != nil {
				errs = append(errs, err)
			}
			if ids = append(ids, id); len(ids) >= max {
				break
			}
		}
		return ids, errs
	},
	"Pages": func(sc *UserScan, max int) (ids []int64, errs []error) {
		for p, err := range sc.Pages() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, u := range p.Users {
				ids = append(ids, u.ID)
			}
			if len(ids) >= max {
				break
			}
		}
		return ids, errs
	},
}

// TestHostile_endlessResults scans a page of count 250 and limit 100 whose
// results never end: every window and iterator stops at the limit with an
// error matching ErrMalformedResponse, after one request. It once yielded
// 8 million users in 10 s with a Window of 1, and buffered 13 GB in 60 s
// with a Window of 4.
func TestHostile_endlessResults(t *testing.T) {
	t.Parallel()
	for name, run := range scanRuns {
		for _, window := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/window %d", name, window), func(t *testing.T) {
				t.Parallel()
				hs := newHostile(t, endlessResults(250, 100))
				ids, errs := run(hs.client.Users.Scan(hostileContext(t), &ScanOptions{Limit: 100, Window: window}), 10_000)
				if len(ids) > 100 || len(errs) != 1 || !errors.Is(errs[0], ErrMalformedResponse) {
					t.Fatalf("%d users, errors %v; want at most 100 users and an error matching ErrMalformedResponse", len(ids), errs)
				}
				if !strings.Contains(errs[0].Error(), "more users than its limit of 100") {
					t.Errorf("the error does not say what is wrong: %v", errs[0])
				}
				if n := hs.requests.Load(); n != 1 {
					t.Errorf("requests: %d; want 1 (a malformed page is not asked for again)", n)
				}
			})
		}
	}
}

// TestHostile_userTooLarge scans pages where one user, or the page after
// its users, never ends: the scan stops with an error matching
// ErrResponseTooLarge that names the cap of a user, after one request.
func TestHostile_userTooLarge(t *testing.T) {
	t.Parallel()
	pages := map[string]http.HandlerFunc{
		"endless user":   endless(pageHead(1, -1, 100)+`{"id":1,"uuid":"00000000-0000-4000-8000-000000000001","pad":"`, "a"),
		"endless member": endless(pageHead(1, -1, 100)+hostileUser(1)+`],"padding":"`, "a"),
		"endless head":   endless(`{"count":1,"padding":"`, "a"),
		"deep nesting":   endless(pageHead(1, -1, 100)+hostileUser(1)+`],"padding":`, "["),
	}
	for name, page := range pages {
		for _, window := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/window %d", name, window), func(t *testing.T) {
				t.Parallel()
				hs := newHostile(t, page)
				ids, errs := scanRuns["Users"](hs.client.Users.Scan(hostileContext(t), &ScanOptions{Window: window}), 10)
				if len(ids) > 1 || len(errs) != 1 || !errors.Is(errs[0], ErrResponseTooLarge) && !errors.Is(errs[0], ErrMalformedResponse) {
					t.Fatalf("%d users, errors %v; want an error matching ErrResponseTooLarge", len(ids), errs)
				}
				if name != "deep nesting" && (!errors.Is(errs[0], ErrResponseTooLarge) || !strings.Contains(errs[0].Error(), "1 MiB")) {
					t.Errorf("error %v; want ErrResponseTooLarge naming the cap of 1 MiB", errs[0])
				}
				if n := hs.requests.Load(); n != 1 {
					t.Errorf("requests: %d; want 1", n)
				}
			})
		}
	}
}

// TestHostile_offsetIgnoring lists users through a cache that ignores the
// offset and always serves the first page of 100, with a count of 250 and a
// next link. All and every Scan end with an error matching
// ErrMalformedResponse within a few requests, having yielded each of the
// 100 users once. They once made 30,000 requests in 10 s without handing
// the loop body a user after the first 100, so it could not even break.
func TestHostile_offsetIgnoring(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, hs *hostile, ids []int64, errs []error) {
		t.Helper()
		if len(ids) != 100 || len(errs) != 1 || !errors.Is(errs[0], ErrMalformedResponse) {
			t.Fatalf("%d users, errors %v; want 100 users and an error matching ErrMalformedResponse", len(ids), errs)
		}
		for i, id := range ids {
			if id != int64(i+1) {
				t.Fatalf("user %d is %d; want each of the page's users once, in order", i, id)
			}
		}
		if n := hs.requests.Load(); n > 3 {
			t.Errorf("requests: %d; want at most 3", n)
		}
	}
	t.Run("All", func(t *testing.T) {
		t.Parallel()
		hs := newHostile(t, offsetIgnoring(250, 100))
		var ids []int64
		var errs []error
		for u, err := range hs.client.Users.All(hostileContext(t), nil) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ids = append(ids, u.ID); len(ids) > 1000 {
				break
			}
		}
		check(t, hs, ids, errs)
	})
	for name, run := range scanRuns {
		for _, window := range []int{1, 4} {
			t.Run(fmt.Sprintf("Scan %s/window %d", name, window), func(t *testing.T) {
				t.Parallel()
				hs := newHostile(t, offsetIgnoring(250, 100))
				sc := hs.client.Users.Scan(hostileContext(t), &ScanOptions{Window: window})
				ids, errs := run(sc, 1000)
				check(t, hs, ids, errs)
				var se *ScanError
				if !errors.As(errs[0], &se) || se.Checkpoint != (Checkpoint{Offset: 100, LastID: 100}) {
					t.Errorf("error %v; want a *ScanError at the end of the first page", errs[0])
				}
			})
		}
	}
}

// TestHostile_offsetIgnoringRepos lists repositories through a cache that
// ignores the offset: the iterator yields the two repositories once and
// ends with an error, where it once yielded 10,000 duplicates.
func TestHostile_offsetIgnoringRepos(t *testing.T) {
	t.Parallel()
	hs := newHostile(t, answer(http.StatusOK, `{"repositories":[{"id":1,"name":"a","full_name":"o/a"},{"id":2,"name":"b","full_name":"o/b"}],"has_more":true}`))
	var names []string
	var errs []error
	for r, err := range hs.client.Integrations.AllGitHubRepos(hostileContext(t), Me, "42", nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if names = append(names, r.FullName); len(names) > 100 {
			break
		}
	}
	if len(names) != 2 || len(errs) != 1 || !errors.Is(errs[0], ErrMalformedResponse) {
		t.Errorf("repositories %v, errors %v; want o/a and o/b, then an error matching ErrMalformedResponse", names, errs)
	}
	if n := hs.requests.Load(); n != 2 {
		t.Errorf("requests: %d; want 2", n)
	}
	over := newHostile(t, answer(http.StatusOK, `{"repositories":[{"id":1,"name":"a","full_name":"o/a"},{"id":2,"name":"b","full_name":"o/b"}],"has_more":true}`))
	for _, err := range over.client.Integrations.AllGitHubRepos(hostileContext(t), Me, "42", &GitHubReposOptions{Limit: 1}) {
		if !errors.Is(err, ErrMalformedResponse) {
			t.Errorf("a page of two repositories for a limit of 1: %v; want ErrMalformedResponse", err)
		}
	}
}

// TestHostile_breakReturnsAtOnce breaks out of a scan after its first user
// while the server holds the rest of the page (stalled, or trickling a
// byte every 100 ms), with an http.Client that has no timeout: the loop
// returns, where the SDK once drained the rest of the body first, which
// took the client's whole timeout, or forever without one. The wait below
// only turns a hang into a failure.
func TestHostile_breakReturnsAtOnce(t *testing.T) {
	t.Parallel()
	head := pageHead(250, 100, 100) + hostileUser(1)
	for _, server := range []string{"stall", "trickle"} {
		for _, mode := range []string{"All", "Users", "Raw"} {
			t.Run(server+"/"+mode, func(t *testing.T) {
				t.Parallel()
				var hs *hostile
				hs = newHostile(t, func(w http.ResponseWriter, r *http.Request) {
					if server == "stall" {
						hs.stall(head, 0)(w, r)
					} else {
						hs.trickle(head, 100*time.Millisecond)(w, r)
					}
				})
				c := hs.newClient(t, testKey, WithHTTPClient(&http.Client{Transport: hs.srv.Client().Transport}))
				returned := make(chan int, 1)
				go func() {
					n := 0
					switch mode {
					case "All":
						for range c.Users.All(t.Context(), nil) {
							n++
							break
						}
					case "Users":
						for range c.Users.Scan(t.Context(), nil).Users() {
							n++
							break
						}
					case "Raw":
						for range c.Users.Scan(t.Context(), nil).Raw() {
							n++
							break
						}
					}
					returned <- n
				}()
				select {
				case n := <-returned:
					if n != 1 {
						t.Errorf("the loop ran %d times; want 1", n)
					}
				case <-time.After(time.Minute):
					t.Fatal("break did not return")
				}
			})
		}
	}
}

// closingTransport serves a page that sends its head and first user, then
// blocks until the request's context is done and fails as a closed
// connection does: the read error that a cancelled request gets when the
// transport closes the connection under it first. blocked is signalled when
// a read waits.
type closingTransport struct {
	head    string
	blocked chan struct{}
}

func (tr closingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := io.MultiReader(strings.NewReader(tr.head), ctxCloser{r.Context(), tr.blocked})
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(body), ContentLength: -1, Request: r}, nil
}

// ctxCloser blocks a read until ctx is done, then fails it as a closed
// network connection.
type ctxCloser struct {
	ctx     context.Context
	blocked chan struct{}
}

func (c ctxCloser) Read([]byte) (int, error) {
	select {
	case c.blocked <- struct{}{}:
	default:
	}
	<-c.ctx.Done()
	return 0, &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
}

// TestHostile_cancelledScanSaysSo cancels a scan while its page is being
// read, and the read fails as a closed connection rather than with the
// context's error: the scan's error still matches context.Canceled. About
// one cancelled scan in 200 once ended with only "use of closed network
// connection".
func TestHostile_cancelledScanSaysSo(t *testing.T) {
	t.Parallel()
	for name, run := range scanRuns {
		for _, window := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/window %d", name, window), func(t *testing.T) {
				t.Parallel()
				tr := closingTransport{head: pageHead(250, 100, 100) + hostileUser(1), blocked: make(chan struct{}, 1)}
				c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				go func() {
					<-tr.blocked
					cancel()
				}()
				ids, errs := run(c.Users.Scan(ctx, &ScanOptions{Window: window}), 1000)
				if len(ids) > 1 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
					t.Errorf("%d users, errors %v; want one matching context.Canceled", len(ids), errs)
				}
			})
		}
	}
}
