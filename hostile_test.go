package posthogusers

// The tests against hostile servers and proxies, built from the kit of
// hostile_kit_test.go: what a misbehaving answer may cost (bytes, items,
// requests, time) and what it must never do (loop, hang, leak a secret).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
			// A plain body is read in chunks that stop at the cap: it costs
			// the cap and a little; inflating a gzip body costs its
			// decompressor's buffers too.
			bound := uint64(limit + limit/2)
			if tt.name != "endless" {
				bound = limit + 8<<20
			}
			if n > bound {
				t.Errorf("allocated %.1f MiB for a cap of 1 MiB; want at most %.1f", float64(n)/(1<<20), float64(bound)/(1<<20))
			}
			t.Logf("allocated %.1f MiB", float64(n)/(1<<20))
		})
	}
}

// BenchmarkHostileBody measures what a 1 GiB answer to Users.Get costs,
// plain and as a gzip bomb of about 1 MB, with the default cap of 32 MiB,
// against a plain net/http and encoding/json client that reads it whole.
// MiB-alloc/op is every byte allocated during the call, the server's
// included. Run it with -benchtime 1x: an op of the baseline reads 1 GiB.
func BenchmarkHostileBody(b *testing.B) {
	const size = 1 << 30
	const userStart = `{"id":1,"uuid":"00000000-0000-4000-8000-000000000001","pad":"`
	bodies := map[string]http.HandlerFunc{
		"plain": huge(userStart, size, `"}`),
		"gzip":  gzipBomb(b, userStart, size, `"}`),
	}
	for _, body := range []string{"plain", "gzip"} {
		hs := newHostile(b, bodies[body])
		for _, contender := range []string{"sdk", "baseline"} {
			b.Run(fmt.Sprintf("body=%s/%s", body, contender), func(b *testing.B) {
				b.ReportAllocs()
				var total uint64
				for b.Loop() {
					total += allocated(func() {
						if contender == "baseline" {
							if err := plainGet(b.Context(), hs.srv.Client(), hs.srv.URL); err != nil {
								b.Fatal(err)
							}
							return
						}
						if _, err := hs.client.Users.Get(b.Context(), Me); !errors.Is(err, ErrResponseTooLarge) {
							b.Fatalf("Get: %v; want ErrResponseTooLarge", err)
						}
					})
				}
				b.ReportMetric(float64(total)/float64(b.N)/(1<<20), "MiB-alloc/op")
			})
		}
	}
}

// plainGet is what a program without the SDK writes to read a user: it
// reads whatever comes.
func plainGet(ctx context.Context, hc *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/users/@me/", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer discardAndClose(resp.Body)
	var u plainUser
	return json.NewDecoder(resp.Body).Decode(&u)
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

// TestStatusLineEcho_neverReachesTheError has a proxy echo the credential in
// its status line, a header and the body: neither the error, nor the typed
// *APIError behind it (its text, History, Body, URL), nor the Response of
// WithResponseInto holds it.
func TestStatusLineEcho_neverReachesTheError(t *testing.T) {
	t.Parallel()
	base := newStatusEchoServer(t)
	for _, cred := range []struct {
		name    string
		key     string
		opts    []Option
		secrets []string
	}{
		{"key", testKey, nil, []string{testKey}},
		{"session", "", []Option{WithSession(testSession)}, []string{testSession.ID, testSession.CSRFToken}},
		{"token source", "", []Option{WithTokenSource(TokenSourceFunc(func() (string, error) { return hostileToken, nil }))}, []string{hostileToken}},
	} {
		c := hostileClient(t, base, cred.key, cred.opts...)
		for name, call := range map[string]func(ctx context.Context, opts ...RequestOption) error{
			"GET": func(ctx context.Context, opts ...RequestOption) error {
				_, err := c.Users.Get(ctx, Me, opts...)
				return err
			},
			// A DELETE sends the CSRF token of a session, and is retried.
			"DELETE": func(ctx context.Context, opts ...RequestOption) error {
				return c.Integrations.DeleteGitHub(ctx, Me, "12", opts...)
			},
		} {
			var resp Response
			err := call(t.Context(), WithResponseInto(&resp))
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s, %s: %v; want an *APIError for 503", cred.name, name, err)
				continue
			}
			if apiErr.Attempts != 2 || len(apiErr.History) != 1 || !strings.Contains(apiErr.History[0], "503 Echo") {
				t.Errorf("%s, %s: %d attempts, history %q; want 2, the first one's status in the history", cred.name, name, apiErr.Attempts, apiErr.History)
			}
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("X-Echo") == "" {
				t.Errorf("%s, %s: Response %+v; want the 503 and its headers", cred.name, name, resp)
			}
			texts := map[string]string{
				"err.Error()":    err.Error(),
				"%+v of err":     fmt.Sprintf("%+v", err),
				"%#v of err":     fmt.Sprintf("%#v", err),
				"apiErr.Error()": apiErr.Error(),
				"History":        strings.Join(apiErr.History, "\n"),
				"Body":           string(apiErr.Body),
				"URL":            apiErr.URL,
				"Detail":         apiErr.Detail + apiErr.Code + apiErr.Attr,
				"Response":       fmt.Sprintf("%v %s", resp.Header, resp.RequestID),
			}
			for what, text := range texts {
				for _, secret := range cred.secrets {
					if leaks(text, secret) {
						t.Errorf("%s, %s: %s shows the credential: %s", cred.name, name, what, text)
					}
				}
			}
			if !strings.Contains(apiErr.History[0], "[redacted]") || !strings.Contains(resp.Header.Get("X-Echo"), "[redacted]") {
				t.Errorf("%s, %s: history %q, X-Echo %q; want the credential shown as [redacted]", cred.name, name, apiErr.History, resp.Header.Get("X-Echo"))
			}
		}
	}
}

// TestRedirectedError_URLScrubbed follows a redirect within the origin to a
// path that holds the credential, whose answer is an error: the
// *APIError's URL, the address after the redirect, does not show it.
func TestRedirectedError_URLScrubbed(t *testing.T) {
	t.Parallel()
	for _, cred := range []struct {
		name   string
		key    string
		opts   []Option
		secret string
	}{
		{"key", testKey, nil, testKey},
		{"session", "", []Option{WithSession(testSession)}, testSession.ID},
	} {
		c, _ := scripted(t, cred.key, append([]Option{WithMaxRetries(0)}, cred.opts...), func(r *http.Request) (*http.Response, error) {
			if strings.HasPrefix(r.URL.Path, "/x/") {
				return reply(http.StatusBadRequest, `{"type":"validation_error","code":"invalid_input","detail":"No.","attr":null}`)(r)
			}
			return redirect(http.StatusTemporaryRedirect, "/x/"+cred.secret+"/")(r)
		})
		_, err := c.Users.Get(t.Context(), Me)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %v; want the 400 as an *APIError", cred.name, err)
			continue
		}
		for what, text := range map[string]string{"URL": apiErr.URL, "Error()": apiErr.Error(), "err": fmt.Sprintf("%v %+v", err, err)} {
			if leaks(text, cred.secret) {
				t.Errorf("%s: %s shows the credential: %s", cred.name, what, text)
			}
		}
	}
}

// TestWithDebugDumps_hostileBodies answers with bodies that hold secrets
// where a dump could show them: an otpauth:// URI PostHog does not send, a
// body cut short in the middle of the secret, a valid start followed by
// garbage that holds it, and a page that is not JSON with the client's
// credential across the dump's size limit.
func TestWithDebugDumps_hostileBodies(t *testing.T) {
	t.Parallel()
	const secret = "JBSWY3DPEHPK3PXPQ4ZT"
	tests := []struct {
		name    string
		handler http.HandlerFunc
		secrets []string
		want    []string // what the response dump shows
	}{
		{
			name: "otpauth URI",
			handler: func(w http.ResponseWriter, r *http.Request) {
				serveJSON(w, http.StatusOK, []byte(`{"success":true,"secret":"`+secret+`","setup":{"uri":"otpauth://totp/PostHog:ada%40example.com?secret=`+secret+`&issuer=PostHog"}}`))
			},
			secrets: []string{secret, "otpauth://"},
			want:    []string{`\"uri\":\"[redacted]\"`, `\"secret\":\"[redacted]\"`},
		},
		{
			name: "cut short in the secret",
			handler: func(w http.ResponseWriter, r *http.Request) {
				body := `{"success":true,"secret":"` + secret + `"}`
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, body[:len(body)-12])
				w.(http.Flusher).Flush()
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			},
			secrets: []string{secret[:8]},
			want:    []string{`\"secret\":\"[redacted]\"…[rest not shown: not valid JSON]`},
		},
		{
			name: "garbage after a valid part",
			handler: func(w http.ResponseWriter, r *http.Request) {
				serveJSON(w, http.StatusOK, []byte(`{"success":true}<!-- debug: secret=`+secret+` -->`))
			},
			secrets: []string{secret},
			want:    []string{`{\"success\":true}…[rest not shown: not valid JSON]`},
		},
		{
			name: "HTML page with the session ID across the size limit",
			handler: func(w http.ResponseWriter, r *http.Request) {
				page := "<html>" + strings.Repeat("x", maxDumpBody-6-20) + testSession.ID + strings.Repeat("y", 1000) + "</html>"
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, page)
			},
			secrets: []string{testSession.ID},
			want:    []string{`<html>xxx`, `[redacted]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			var buf syncBuffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := hostileClient(t, srv.URL, "", WithSession(testSession), WithMaxRetries(0), WithLogger(logger), WithDebugDumps())
			_, _ = c.TwoFactor.StartSetup(t.Context(), Me)
			out := buf.String()
			var dump string
			for line := range strings.Lines(out) {
				if strings.Contains(line, "response dump") {
					dump = line
				}
			}
			for _, want := range tt.want {
				if !strings.Contains(dump, want) {
					t.Errorf("the response dump lacks %s:\n%s", want, dump)
				}
			}
			for _, s := range tt.secrets {
				if strings.Contains(out, s) || leaks(out, s) {
					t.Errorf("the log shows %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestHostile_cutShortAfterRepeats serves a page that breaks off after its
// first user, every time: the scan yields the user once, asks again from
// where the body broke off as the client's retries allow, and ends with an
// error. A retry lists the first user again before breaking off, and that
// once counted as progress, which reset the retries: the scan asked again
// forever.
func TestHostile_cutShortAfterRepeats(t *testing.T) {
	t.Parallel()
	page := pageHead(3, -1, 100) + hostileUser(1) + ","
	hs := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(page)+100)) // announced, never sent
		_, _ = io.WriteString(w, page)
	}, WithMaxRetries(2))
	ids, errs := scanRuns["Users"](hs.client.Users.Scan(hostileContext(t), nil), 100)
	if len(ids) != 1 || len(errs) != 1 || !errors.Is(errs[0], io.ErrUnexpectedEOF) {
		t.Fatalf("users %v, errors %v; want user 1, then an error matching io.ErrUnexpectedEOF", ids, errs)
	}
	if n := hs.requests.Load(); n != 3 {
		t.Errorf("requests: %d; want 3 (the page, then the 2 retries WithMaxRetries allows)", n)
	}
}
