package posthogusers

// Tests of the attempt loop (call.send) and its policy that run the same
// script through a call (Users.Get) and through a scan's page: one loop,
// one policy, the same budgets.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The steps of a loop script: how one attempt is answered.
const (
	ok       = "ok"        // the answer
	s503     = "503"       // 503 Service Unavailable
	s429     = "429"       // 429 with Retry-After: 0
	cut      = "cut"       // a 2xx answer that breaks off after its first user
	cutAgain = "cut again" // a 2xx answer that breaks off after a user it listed before
	refused  = "refused"   // a failure to connect
)

// loopUsers is the list of users the scripted scan pages: three users.
var loopUsers = []int64{1, 2, 3}

// loopAnswer answers an attempt with step. A list request gets its page of
// loopUsers, from its offset and limit; any other gets a user.
func loopAnswer(step string, r *http.Request) (*http.Response, error) {
	switch step {
	case s503:
		return jsonResponse(r, http.StatusServiceUnavailable, serverErrorBody), nil
	case s429:
		return throttled(r, "0"), nil
	case refused:
		return nil, errRefused
	}
	if r.URL.Path != "/api/users/" {
		body := hostileUser(1)
		if step != ok {
			return truncatedResponse(r, body[:10]), nil
		}
		return jsonResponse(r, http.StatusOK, body), nil
	}
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	end := min(offset+limit, len(loopUsers))
	next := -1
	if end < len(loopUsers) {
		next = end
	}
	var users []string
	for _, id := range loopUsers[min(offset, end):end] {
		users = append(users, hostileUser(id))
	}
	body := pageHead(len(loopUsers), next, limit) + strings.Join(users, ",") + "]}"
	switch step {
	case cut: // after the first user of the answer
		return truncatedResponse(r, pageHead(len(loopUsers), next, limit)+users[0]+","), nil
	case cutAgain: // after user 1, whatever the offset: no progress
		return truncatedResponse(r, pageHead(len(loopUsers), next, limit)+hostileUser(1)+","), nil
	}
	return jsonResponse(r, http.StatusOK, body), nil
}

// truncatedResponse is a 2xx answer whose body ends early: it announces
// more than it sends.
func truncatedResponse(r *http.Request, body string) *http.Response {
	resp := jsonResponse(r, http.StatusOK, body)
	resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(body), errReader{io.ErrUnexpectedEOF}))
	return resp
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// loopClient returns a client whose attempts are answered by steps in turn
// (the last one for every attempt after), and the queries it was sent.
func loopClient(t *testing.T, opts []Option, steps ...string) (*Client, *[]string) {
	t.Helper()
	var queries []string
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		queries = append(queries, r.URL.RawQuery)
		return loopAnswer(steps[min(len(queries)-1, len(steps)-1)], r)
	})
	all := append([]Option{WithHTTPClient(&http.Client{Transport: tr}), WithRetryWait(time.Microsecond, time.Microsecond),
		WithMaxRetries(2), WithMaxRateLimitRetries(2)}, opts...)
	c, err := NewClient(testKey, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, &queries
}

// TestLoop_callsAndScanPagesAlike runs each script through Users.Get and
// through a scan of one page of three users: each makes the same attempts
// and ends the same way, since both go through the same loop. The budgets
// are 2 retries after failures and 2 after 429s.
func TestLoop_callsAndScanPagesAlike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reqOpts  []RequestOption
		steps    []string
		requests int
		ok       bool
	}{
		{"answered", nil, []string{ok}, 1, true},
		{"failures within the budget", nil, []string{s503, s503, ok}, 3, true},
		{"failures past the budget", nil, []string{s503, s503, s503, ok}, 3, false},
		{"throttling has its own budget", nil, []string{s503, s429, s503, s429, ok}, 5, true},
		{"throttling past its budget", nil, []string{s429, s429, s429, ok}, 3, false},
		{"failing to connect counts as a failure", nil, []string{refused, s503, s503, ok}, 3, false},
		{"a body cut short is a failure", nil, []string{cut, s503, s503, ok}, 3, false},
		{"per call: no retry", []RequestOption{WithRequestMaxRetries(0)}, []string{s503, ok}, 1, false},
		{"per call: no retry after a body cut short", []RequestOption{WithRequestMaxRetries(0)}, []string{cut, ok}, 1, false},
		{"per call: throttling too", []RequestOption{WithRequestMaxRetries(1)}, []string{s429, s429, ok}, 2, false},
		{"per call: more", []RequestOption{WithRequestMaxRetries(4)}, []string{s503, s503, s503, s503, ok}, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, queries := loopClient(t, nil, tt.steps...)
			_, err := c.Users.Get(t.Context(), Me, tt.reqOpts...)
			if (err == nil) != tt.ok || len(*queries) != tt.requests {
				t.Errorf("Get: %d requests, error %v; want %d, success %v", len(*queries), err, tt.requests, tt.ok)
			}
			c, queries = loopClient(t, nil, tt.steps...)
			var ids []int64
			var errs []error
			for u, err := range c.Users.Scan(t.Context(), &ScanOptions{Limit: 3}, tt.reqOpts...).Users() {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				ids = append(ids, u.ID)
			}
			if len(errs) == 0 != tt.ok || len(*queries) != tt.requests {
				t.Errorf("Scan: %d requests, errors %v; want %d, success %v", len(*queries), errs, tt.requests, tt.ok)
			}
			if tt.ok && len(ids) != len(loopUsers) {
				t.Errorf("Scan: users %v; want each of the three", ids)
			}
		})
	}
}

// TestLoop_scanProgressResetsTheBudget reads a page whose answers break off
// after one user each time: each attempt brings a user past those before,
// so the whole budget starts again and the page is read whole, asked for
// from the first missing user each time. When the answers break off after
// a user already read, that is no progress, and the budget runs out.
func TestLoop_scanProgressResetsTheBudget(t *testing.T) {
	t.Parallel()
	c, queries := loopClient(t, []Option{WithMaxRetries(1)}, cut, cut, ok)
	var ids []int64
	for u, err := range c.Users.Scan(t.Context(), &ScanOptions{Limit: 3}).Users() {
		if err != nil {
			t.Fatalf("a page that breaks off after a new user each time: %v", err)
		}
		ids = append(ids, u.ID)
	}
	want := []string{"limit=3", "limit=2&offset=1", "limit=1&offset=2"}
	if fmt.Sprint(ids) != "[1 2 3]" || fmt.Sprint(*queries) != fmt.Sprint(want) {
		t.Errorf("users %v, queries %q; want [1 2 3] and %q", ids, *queries, want)
	}

	c, queries = loopClient(t, []Option{WithMaxRetries(1)}, cut, cutAgain)
	var errs []error
	for _, err := range c.Users.Scan(t.Context(), &ScanOptions{Limit: 3}).Users() {
		if err != nil {
			errs = append(errs, err)
		}
	}
	// The page, which progressed, and its one retry, which repeats user 1:
	// no progress, so the budget of one retry is used up.
	if len(errs) != 1 || !errors.Is(errs[0], io.ErrUnexpectedEOF) || len(*queries) != 2 {
		t.Errorf("%d requests, errors %v; want 2 and an error matching io.ErrUnexpectedEOF", len(*queries), errs)
	}
}

// TestLoop_scanAsksForTheLastUserAgain reads a page whose answer breaks off
// after its last user: the retry asks for that user again, to read the
// page's count and next link, and does not hand it out twice.
func TestLoop_scanAsksForTheLastUserAgain(t *testing.T) {
	t.Parallel()
	var queries []string
	full := pageHead(3, -1, 3) + hostileUser(1) + "," + hostileUser(2) + "," + hostileUser(3) + "]"
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		queries = append(queries, r.URL.RawQuery)
		if len(queries) == 1 {
			return truncatedResponse(r, full), nil // no closing brace
		}
		return loopAnswer(ok, r)
	})
	c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}), WithRetryWait(time.Microsecond, time.Microsecond))
	if err != nil {
		t.Fatal(err)
	}
	sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 3})
	var ids []int64
	for u, err := range sc.Users() {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if fmt.Sprint(ids) != "[1 2 3]" || fmt.Sprint(queries) != "[limit=3 limit=1&offset=2]" || sc.Drift() != nil {
		t.Errorf("users %v, queries %q, drift %v; want [1 2 3], then user 3 asked for again, no drift", ids, queries, sc.Drift())
	}
}

// TestCollapseRepeats_anywhere collapses runs wherever they are.
func TestCollapseRepeats_anywhere(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"reset|503|503":     "reset|2× 503",
		"503|503|reset|503": "2× 503|reset|503",
		"503":               "503",
		"a|b|b|b|c|c":       "a|3× b|2× c",
	} {
		if got := strings.Join(collapseRepeats(strings.Split(in, "|")), "|"); got != want {
			t.Errorf("collapseRepeats(%s) = %s; want %s", in, got, want)
		}
	}
}

// TestLoop_errorTexts pins what the final error says of the attempts: one
// attempt, two (with the earlier one's failure), a blank status line.
func TestLoop_errorTexts(t *testing.T) {
	t.Parallel()
	c, _ := scripted(t, testKey, []Option{WithMaxRetries(0)}, fail(errRefused))
	if _, err := c.Users.Get(t.Context(), Me); err == nil || !strings.Contains(err.Error(), "after 1 attempt(s): ") {
		t.Errorf("one attempt: %v", err)
	}
	c, _ = scripted(t, testKey, []Option{WithMaxRetries(1)}, reply(http.StatusBadGateway, ""), fail(errRefused))
	if _, err := c.Users.Get(t.Context(), Me); err == nil || !strings.Contains(err.Error(), "after 2 attempts (earlier: 502 Bad Gateway): ") {
		t.Errorf("two attempts: %v", err)
	}
	blank := func(r *http.Request) (*http.Response, error) {
		resp := jsonResponse(r, http.StatusServiceUnavailable, "")
		resp.Status = ""
		return resp, nil
	}
	c, _ = scripted(t, testKey, []Option{WithMaxRetries(1)}, blank, fail(errRefused))
	if _, err := c.Users.Get(t.Context(), Me); err == nil || !strings.Contains(err.Error(), "(earlier: 503 Service Unavailable)") {
		t.Errorf("a blank status line: %v; want the status named from its code", err)
	}
}

// TestLoop_transportErrorBeyondDeadline fails to connect, with a backoff
// that would end after the context's deadline: the error is the failure,
// and matches context.DeadlineExceeded.
func TestLoop_transportErrorBeyondDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c, n := scripted(t, testKey, []Option{WithRetryWait(time.Hour, time.Hour)}, fail(errRefused))
	_, err := c.Users.Get(ctx, Me)
	if !errors.Is(err, errRefused) || !errors.Is(err, context.DeadlineExceeded) || n.Load() != 1 {
		t.Errorf("%d attempts, %v; want 1, and an error matching the failure and the deadline", n.Load(), err)
	}
}

// TestLoop_retryAfterAtTheMaximum retries a 429 whose Retry-After is
// exactly WithMaxRetryAfter, and not one a second over.
func TestLoop_retryAfterAtTheMaximum(t *testing.T) {
	t.Parallel()
	step := func(r *http.Request) (*http.Response, error) { return throttled(r, "1"), nil }
	c, n := scripted(t, testKey, []Option{WithMaxRetryAfter(time.Second), WithMaxRateLimitRetries(1)}, step, reply(http.StatusOK, hostileUser(1)))
	if _, err := c.Users.Get(t.Context(), Me); err != nil || n.Load() != 2 {
		t.Errorf("Retry-After at the maximum: %d attempts, %v; want a retry", n.Load(), err)
	}
	c, n = scripted(t, testKey, []Option{WithMaxRetryAfter(999 * time.Millisecond), WithMaxRateLimitRetries(1)}, step, reply(http.StatusOK, hostileUser(1)))
	if _, err := c.Users.Get(t.Context(), Me); !errors.Is(err, ErrRateLimited) || n.Load() != 1 {
		t.Errorf("Retry-After over the maximum: %d attempts, %v; want the *RateLimitError at once", n.Load(), err)
	}
}

// TestLoop_redirects follows redirects within the origin, at most 10, and
// names the URL the answer came from.
func TestLoop_redirects(t *testing.T) {
	t.Parallel()
	var hops int
	loop := func(r *http.Request) (*http.Response, error) {
		hops++
		return redirect(http.StatusFound, "/api/users/@me/?hop="+strconv.Itoa(hops))(r)
	}
	c, _ := scripted(t, testKey, []Option{WithMaxRetries(0)}, loop)
	if _, err := c.Users.Get(t.Context(), Me); err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") || hops != 10 {
		t.Errorf("a redirect loop: %d requests, %v; want 10 and the redirect limit", hops, err)
	}

	moved := func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/api/users/@me/" {
			return redirect(http.StatusFound, "/moved/")(r)
		}
		return jsonResponse(r, http.StatusNotFound, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`), nil
	}
	c, _ = scripted(t, testKey, nil, moved)
	var apiErr *APIError
	if _, err := c.Users.Get(t.Context(), Me); !errors.As(err, &apiErr) || apiErr.URL != "https://us.posthog.com/moved/" {
		t.Errorf("the URL of an answer after a redirect: %v; want https://us.posthog.com/moved/", err)
	}
}

// TestLoop_notFoundNotPostHog answers 404 with JSON that is not PostHog's
// envelope: another server, so the base URL is wrong, not the ID.
func TestLoop_notFoundNotPostHog(t *testing.T) {
	t.Parallel()
	c, _ := scripted(t, testKey, nil, reply(http.StatusNotFound, `{"message":"no route"}`))
	_, err := c.Users.Get(t.Context(), Me)
	if !errors.Is(err, ErrEndpointNotFound) || errors.Is(err, ErrNotFound) {
		t.Errorf("a 404 of JSON that is not PostHog's: %v; want ErrEndpointNotFound, not ErrNotFound", err)
	}
}

// causeError is how a transport may report a cancelled request: it matches
// context.Canceled, but its text is the cancel's cause.
type causeError struct{}

func (causeError) Error() string        { return "interrupt signal received" }
func (causeError) Is(target error) bool { return target == context.Canceled }

// TestLoop_cancelledSaysSo cancels a call whose transport reports the
// cancel by its cause only, as net/http does for a context of
// signal.NotifyContext: the error still says "context canceled". The
// export example's test once failed at random on that text.
func TestLoop_cancelledSaysSo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	c, _ := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		cancel()
		return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: causeError{}}
	})
	_, err := c.Users.Get(ctx, Me)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("got %v; want an error that matches context.Canceled and says so", err)
	}
}

// TestLoop_answerSizes reads answers of exactly the cap, announced or not,
// and refuses one a byte over, saying which way it knew.
func TestLoop_answerSizes(t *testing.T) {
	t.Parallel()
	user := hostileUser(1)
	limit := int64(len(user))
	for _, tt := range []struct {
		name      string
		body      string
		announced bool
		want      string // "" for success, else what the error says
	}{
		{"announced, at the cap", user, true, ""},
		{"unannounced, at the cap", user, false, ""},
		{"announced, a byte over", user + " ", true, "announces"},
		{"unannounced, a byte over", user + " ", false, "holds more than"},
	} {
		c, _ := scripted(t, testKey, []Option{WithMaxResponseBytes(limit)}, func(r *http.Request) (*http.Response, error) {
			resp := jsonResponse(r, http.StatusOK, tt.body)
			resp.ContentLength = -1
			if tt.announced {
				resp.ContentLength = int64(len(tt.body))
			}
			return resp, nil
		})
		_, err := c.Users.Get(t.Context(), Me)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v; want the user", tt.name, err)
		case tt.want != "" && (!errors.Is(err, ErrResponseTooLarge) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v; want ErrResponseTooLarge saying %q", tt.name, err, tt.want)
		}
	}
}

// TestLoop_status299 takes any 2xx for success.
func TestLoop_status299(t *testing.T) {
	t.Parallel()
	c, _ := scripted(t, testKey, nil, reply(299, hostileUser(1)))
	if u, err := c.Users.Get(t.Context(), Me); err != nil || u.ID != 1 {
		t.Errorf("a 299: %v; want the user", err)
	}
}

// TestLoop_noEmptyQuery sends no "?" for a query with nothing in it.
func TestLoop_noEmptyQuery(t *testing.T) {
	t.Parallel()
	var sent string
	c, _ := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		sent = r.URL.String()
		return jsonResponse(r, http.StatusOK, `{"count":0,"next":null,"previous":null,"results":[]}`), nil
	})
	if _, err := c.Users.List(t.Context(), &ListUsersOptions{}); err != nil || strings.Contains(sent, "?") {
		t.Errorf("List with empty options sent %s (%v); want no query", sent, err)
	}
}

// TestLoop_rateLimitedWithoutRetryAfter names no wait PostHog did not ask
// for.
func TestLoop_rateLimitedWithoutRetryAfter(t *testing.T) {
	t.Parallel()
	c, _ := scripted(t, testKey, []Option{WithMaxRateLimitRetries(0)}, func(r *http.Request) (*http.Response, error) { return throttled(r, ""), nil })
	_, err := c.Users.Get(t.Context(), Me)
	if !errors.Is(err, ErrRateLimited) || strings.Contains(err.Error(), "retry after") {
		t.Errorf("a 429 without Retry-After: %v; want the *RateLimitError, naming no wait", err)
	}
}

// TestLoop_failureIsNotADeadline keeps a failure that stopped for its
// budget from matching context.DeadlineExceeded.
func TestLoop_failureIsNotADeadline(t *testing.T) {
	t.Parallel()
	c, _ := scripted(t, testKey, []Option{WithMaxRetries(0)}, fail(errRefused))
	if _, err := c.Users.Get(t.Context(), Me); !errors.Is(err, errRefused) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v; want the failure, not the deadline", err)
	}
}

// TestLoop_scopeNotNamed takes the operation's scope when PostHog's 403
// names none.
func TestLoop_scopeNotNamed(t *testing.T) {
	t.Parallel()
	c, _ := scripted(t, testKey, nil, reply(http.StatusForbidden, `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope ''","attr":null}`))
	var se *ScopeError
	if _, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("A")}); !errors.As(err, &se) || se.Scope != ScopeUserWrite {
		t.Errorf("%v; want a *ScopeError naming user:write", err)
	}
}

// TestLoop_redirectToTheDefaultPort follows a redirect to the base URL's
// origin written with its default port.
func TestLoop_redirectToTheDefaultPort(t *testing.T) {
	t.Parallel()
	c, _ := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		if r.URL.Port() == "" {
			return redirect(http.StatusFound, "https://us.posthog.com:443/api/users/@me/")(r)
		}
		return jsonResponse(r, http.StatusOK, hostileUser(1)), nil
	})
	if _, err := c.Users.Get(t.Context(), Me); err != nil {
		t.Errorf("a redirect to https://us.posthog.com:443: %v; want it followed", err)
	}
}

// TestSleep_doneContext returns the context's error for a wait of zero.
func TestSleep_doneContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for range 100 {
		if err := sleep(ctx, 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("sleep(done, 0) = %v; want context.Canceled", err)
		}
	}
	if err := sleep(t.Context(), 0); err != nil {
		t.Errorf("sleep(ctx, 0) = %v; want nil", err)
	}
}
