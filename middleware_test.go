package posthogusers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a middleware that notes, for every attempt it wraps, its
// label, the operation and the attempt number.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

// mw returns a middleware that notes "label op #n" before and "label out"
// after the attempt.
func (rec *recorder) mw(label string) Middleware {
	return func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		rec.note(fmt.Sprintf("%s %s #%d", label, OperationName(req), AttemptNumber(req)))
		resp, err := next(req)
		rec.note(label + " out")
		return resp, err
	}
}

func (rec *recorder) note(s string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.calls = append(rec.calls, s)
}

func (rec *recorder) all() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.calls)
}

// TestMiddleware_everyAttemptInOrder checks that middleware runs once per
// attempt, retries included, the client's outermost, then the call's, each
// in the order given, around the http.Client, and reads the operation and
// the attempt number.
func TestMiddleware_everyAttemptInOrder(t *testing.T) {
	t.Parallel()
	var rec recorder
	var wire []string
	steps := []step{reply(http.StatusServiceUnavailable, serverErrorBody), reply(http.StatusOK, hostileUser(1))}
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		wire = append(wire, fmt.Sprintf("wire %s #%d", OperationName(r), AttemptNumber(r)))
		rec.note(wire[len(wire)-1])
		return steps[min(len(wire)-1, len(steps)-1)](r)
	})
	c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}), WithRetryWait(time.Millisecond, time.Millisecond),
		WithMiddleware(rec.mw("A"), rec.mw("B")), WithMiddleware(rec.mw("C")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.Get(t.Context(), Me, WithRequestMiddleware(rec.mw("D"), rec.mw("E"))); err != nil {
		t.Fatal(err)
	}
	var want []string
	for n := 1; n <= 2; n++ {
		for _, l := range []string{"A", "B", "C", "D", "E"} {
			want = append(want, fmt.Sprintf("%s users.get #%d", l, n))
		}
		want = append(want, fmt.Sprintf("wire users.get #%d", n))
		for _, l := range []string{"E", "D", "C", "B", "A"} {
			want = append(want, l+" out")
		}
	}
	if got := rec.all(); !slices.Equal(got, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The call's middleware is for that call only.
	rec = recorder{}
	wire = nil
	steps = steps[1:]
	if _, err := c.Users.Get(t.Context(), Me); err != nil {
		t.Fatal(err)
	}
	if got := rec.all(); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "D") }) {
		t.Errorf("a call without WithRequestMiddleware ran another call's: %q", got)
	}
}

// operationNames are the names middleware reads, one per row of the
// operations table: a rename breaks the dashboards built on them.
var operationNames = []string{
	"integrations.github.branches", "integrations.github.delete", "integrations.github.prepare_callback",
	"integrations.github.repos", "integrations.github.repos.refresh", "integrations.github.start",
	"integrations.list", "integrations.slack.delete", "integrations.slack.linkable_workspaces",
	"integrations.slack.start", "signal_autonomy.delete", "signal_autonomy.get", "signal_autonomy.set",
	"twofactor.backup_codes", "twofactor.disable", "twofactor.start_setup", "twofactor.start_setup_legacy",
	"twofactor.status", "twofactor.validate", "twofactor.validate_legacy",
	"users.cancel_email_change", "users.credentials_review_complete", "users.delete", "users.get",
	"users.github_login", "users.hedgehog_config", "users.hedgehog_config.replace", "users.list",
	"users.login_sessions", "users.login_sessions.revoke", "users.login_sessions.revoke_others",
	"users.product_intro_seen", "users.push_tokens.register", "users.push_tokens.unregister",
	"users.replace", "users.request_email_verification", "users.scene_personalisation",
	"users.skip_onboarding", "users.update", "users.verify_email",
}

// TestOperationNames_stable checks that every row of the operations table
// has its own name, of the documented form, and that the names are those
// published.
func TestOperationNames_stable(t *testing.T) {
	t.Parallel()
	form := regexp.MustCompile(`^[a-z][a-z_]*(\.[a-z][a-z_]*)+$`)
	var names []string
	for id, op := range operations {
		if !form.MatchString(op.name) {
			t.Errorf("operation %d (%s %s): name %q is not service.endpoint in snake case", id, op.method, op.path, op.name)
		}
		names = append(names, op.name)
	}
	slices.Sort(names)
	if !slices.Equal(names, operationNames) {
		t.Errorf("operation names:\n%q\nwant:\n%q", names, operationNames)
	}
	if len(slices.Compact(names)) != len(operations) {
		t.Error("two rows share a name")
	}
	for _, extra := range []string{"do", "users.scan.page", "users.all.page"} {
		if slices.Contains(names, extra) {
			t.Errorf("%s is also the name of a row", extra)
		}
	}
}

// rowOf returns the row of the operations table a request was sent for:
// its method, and the template its path matches with the fewest
// parameters.
func rowOf(method, path string) (operation, bool) {
	var best operation
	found, params := false, 0
	for _, op := range operations {
		if op.method != method {
			continue
		}
		tmpl := strings.Split(op.path, "/")
		segs := strings.Split(path, "/")
		if len(tmpl) != len(segs) {
			continue
		}
		n, match := 0, true
		for i := range tmpl {
			if strings.HasPrefix(tmpl[i], "{") {
				n++
			} else if tmpl[i] != segs[i] {
				match = false
				break
			}
		}
		if match && (!found || n < params) {
			best, found, params = op, true, n
		}
	}
	return best, found
}

// TestMiddleware_operationNameOfEveryEndpoint calls every endpoint method
// with a middleware that reads the operation's name, and checks it is the
// name of the row the request was sent for.
func TestMiddleware_operationNameOfEveryEndpoint(t *testing.T) {
	t.Parallel()
	for _, tt := range endpointCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := tt.server(t)
			ts.mux.HandleFunc(tt.route, func(w http.ResponseWriter, r *http.Request) { tt.respond(w) })
			var mu sync.Mutex
			seen := map[string]string{} // "METHOD path" -> name
			mw := func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
				mu.Lock()
				seen[req.Method+" "+strings.TrimPrefix(req.URL.EscapedPath(), basePath)] = OperationName(req)
				mu.Unlock()
				return next(req)
			}
			ts.client.middleware = []Middleware{mw}
			if _, err := tt.call(t.Context(), ts.client); err != nil {
				t.Fatal(err)
			}
			if len(seen) == 0 {
				t.Fatal("the middleware saw no request")
			}
			for req, name := range seen {
				method, path, _ := strings.Cut(req, " ")
				row, ok := rowOf(method, path)
				if !ok {
					t.Errorf("%s: no row of the operations table", req)
					continue
				}
				want := row.name
				if row.path == "/api/users/" && method == http.MethodGet && name != "users.list" {
					want = name // a scan's page; TestMiddleware_scanPages checks it
				}
				if name != want {
					t.Errorf("%s: OperationName %q; want %q", req, name, want)
				}
			}
		})
	}
}

// TestMiddleware_scanPages checks the names of a listing's requests: a
// scan's pages, with or without a window, All's pages, and List; the
// call's middleware given to Scan runs on every page.
func TestMiddleware_scanPages(t *testing.T) {
	t.Parallel()
	c, _ := loopClient(t, nil, ok)
	names := func(run func(mw Middleware)) []string {
		var rec recorder
		run(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
			rec.note(fmt.Sprintf("%s #%d", OperationName(req), AttemptNumber(req)))
			return next(req)
		})
		return rec.all()
	}
	ctx := t.Context()
	for _, window := range []int{1, 2} {
		got := names(func(mw Middleware) {
			sc := c.Users.Scan(ctx, &ScanOptions{Limit: 2, Window: window}, WithRequestMiddleware(mw))
			for _, err := range sc.Users() {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
		if want := []string{"users.scan.page #1", "users.scan.page #1"}; !slices.Equal(got, want) {
			t.Errorf("Scan with a window of %d: %q; want %q", window, got, want)
		}
	}
	got := names(func(mw Middleware) {
		for _, err := range c.Users.All(ctx, &ListUsersOptions{Limit: 2}, WithRequestMiddleware(mw)) {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	if want := []string{"users.all.page #1", "users.all.page #1"}; !slices.Equal(got, want) {
		t.Errorf("All: %q; want %q", got, want)
	}
	got = names(func(mw Middleware) {
		if _, err := c.Users.List(ctx, nil, WithRequestMiddleware(mw)); err != nil {
			t.Fatal(err)
		}
	})
	if want := []string{"users.list #1"}; !slices.Equal(got, want) {
		t.Errorf("List: %q; want %q", got, want)
	}
}

// TestMiddleware_transportReadsTheAttempt checks that the http.Client's
// transport, such as otelhttp's, reads the operation and attempt too.
func TestMiddleware_transportReadsTheAttempt(t *testing.T) {
	t.Parallel()
	var got []string
	c, _ := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		got = append(got, fmt.Sprintf("%s #%d", OperationName(r), AttemptNumber(r)))
		if len(got) == 1 {
			return jsonResponse(r, http.StatusBadGateway, serverErrorBody), nil
		}
		return jsonResponse(r, http.StatusOK, hostileUser(1)), nil
	})
	if _, err := c.Users.Get(t.Context(), Me); err != nil {
		t.Fatal(err)
	}
	if want := []string{"users.get #1", "users.get #2"}; !slices.Equal(got, want) {
		t.Errorf("the transport read %q; want %q", got, want)
	}
}

// TestOperationName_notTheClients checks the accessors on requests the
// client did not make.
func TestOperationName_notTheClients(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest(http.MethodGet, "/api/users/@me/", nil)
	if OperationName(req) != "" || AttemptNumber(req) != 0 || OperationName(nil) != "" || AttemptNumber(nil) != 0 {
		t.Errorf("OperationName, AttemptNumber: %q, %d; want \"\", 0", OperationName(req), AttemptNumber(req))
	}
}

// TestMiddleware_refusesWithoutSending checks that a middleware that
// returns an error without calling next ends the call with it: nothing
// sent, no retry, no unknown outcome for a write, and a text that says so.
func TestMiddleware_refusesWithoutSending(t *testing.T) {
	t.Parallel()
	errQuota := errors.New("local quota used up")
	refuse := func(*http.Request, MiddlewareNext) (*http.Response, error) { return nil, errQuota }
	c, n := scripted(t, testKey, []Option{WithMiddleware(refuse)}, reply(http.StatusOK, hostileUser(1)))
	_, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("Ada")})
	if !errors.Is(err, errQuota) || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("error %v; want the middleware's, not ErrOutcomeUnknown", err)
	}
	if want := "posthogusers: PATCH /api/users/@me/: not sent: local quota used up"; err == nil || err.Error() != want {
		t.Errorf("error text %q; want %q", err, want)
	}
	if n.Load() != 0 {
		t.Errorf("%d requests reached the transport; want 0", n.Load())
	}
}

// TestMiddleware_answersItself checks that a middleware may answer
// without calling next, even with no body, and that the answer is
// handled as PostHog's.
func TestMiddleware_answersItself(t *testing.T) {
	t.Parallel()
	cached := func(req *http.Request, _ MiddlewareNext) (*http.Response, error) {
		resp := jsonResponse(req, http.StatusOK, hostileUser(7))
		return resp, nil
	}
	empty := func(req *http.Request, _ MiddlewareNext) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusNotFound, Header: http.Header{}, Request: req}, nil
	}
	c, n := scripted(t, testKey, nil, reply(http.StatusOK, hostileUser(1)))
	u, err := c.Users.Get(t.Context(), Me, WithRequestMiddleware(cached))
	if err != nil || u.ID != 7 {
		t.Errorf("cached answer: %v, %v; want user 7", u, err)
	}
	if _, err := c.Users.Get(t.Context(), Me, WithRequestMiddleware(empty)); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty 404: %v; want ErrNotFound", err)
	}
	none := func(*http.Request, MiddlewareNext) (*http.Response, error) { return nil, nil }
	if _, err := c.Users.Get(t.Context(), Me, WithRequestMiddleware(none)); !errors.Is(err, errNoAnswer) {
		t.Errorf("no answer, no error: %v; want errNoAnswer", err)
	}
	if n.Load() != 0 {
		t.Errorf("%d requests reached the transport; want 0", n.Load())
	}
}

// TestMiddleware_staysOnTheOrigin checks that a request a middleware
// sends to another origin is refused, its credential kept.
func TestMiddleware_staysOnTheOrigin(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	move := func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		moved := req.Clone(req.Context())
		moved.URL.Host = strings.TrimPrefix(other.URL, "http://")
		return next(moved)
	}
	ts := setup(t, WithMiddleware(move))
	_, err := ts.client.Users.Get(t.Context(), Me)
	if !errors.Is(err, errOtherOrigin) {
		t.Errorf("error %v; want errOtherOrigin", err)
	}
	if elsewhere.Load() != 0 {
		t.Error("the request reached the other origin")
	}
}

// TestMiddleware_nilRefused checks both options refuse a nil Middleware.
func TestMiddleware_nilRefused(t *testing.T) {
	t.Parallel()
	if _, err := NewClient(testKey, WithMiddleware(nil)); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("WithMiddleware(nil): %v; want ErrInvalidInput", err)
	}
	c, n := scripted(t, testKey, nil, reply(http.StatusOK, hostileUser(1)))
	if _, err := c.Users.Get(t.Context(), Me, WithRequestMiddleware(nil)); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("WithRequestMiddleware(nil): %v; want ErrInvalidInput", err)
	}
	if n.Load() != 0 {
		t.Errorf("%d requests sent; want 0", n.Load())
	}
}

// TestMiddleware_notRunForADoneContext checks that a call whose context
// is done before it starts runs no middleware and says nothing was sent.
func TestMiddleware_notRunForADoneContext(t *testing.T) {
	t.Parallel()
	var rec recorder
	c, n := scripted(t, testKey, []Option{WithMiddleware(rec.mw("A"))}, reply(http.StatusOK, hostileUser(1)))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Users.Get(ctx, Me)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v; want context.Canceled", err)
	}
	if want := "posthogusers: GET /api/users/@me/: not sent: context canceled"; err == nil || err.Error() != want {
		t.Errorf("error text %q; want %q", err, want)
	}
	if len(rec.all()) != 0 || n.Load() != 0 {
		t.Errorf("middleware calls %q, requests %d; want none", rec.all(), n.Load())
	}
}

// TestMiddleware_readsAndReplacesTheBody checks that a middleware that
// reads the answer's body and puts back one that reads the same leaves
// the call's result as it was.
func TestMiddleware_readsAndReplacesTheBody(t *testing.T) {
	t.Parallel()
	var size int
	peek := func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		resp, err := next(req)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		size = len(b)
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		return resp, err
	}
	c, _ := scripted(t, testKey, []Option{WithMiddleware(peek)}, reply(http.StatusOK, hostileUser(3)))
	u, err := c.Users.Get(t.Context(), Me)
	if err != nil || u.ID != 3 || size != len(hostileUser(3)) {
		t.Errorf("user %v, error %v, body of %d bytes", u, err, size)
	}
}
