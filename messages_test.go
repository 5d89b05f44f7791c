package posthogusers

// Tests of what error messages say: the package prefix once, what a
// listing, a call not sent, a host that does not resolve, an HTML page and
// a key of another kind say to do.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// loginPage is what a proxy that wants a login answers in PostHog's place.
const loginPage = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action=/login></form></body></html>"

// badIDUser is a user whose notification lock has a scope_id that is
// neither a string nor a number: it fails to decode.
const badIDUser = `{"id":1,"uuid":"00000000-0000-4000-8000-000000000001","email":"a@example.com","notification_locks":[{"setting":"s","scope_id":{}}]}`

// failureMode is a way every call can fail: a server's answer and the
// client's options.
type failureMode struct {
	name    string
	handler http.HandlerFunc // nil: no server (the client fails to connect)
	opts    []Option
	key     string // the client's key; testKey when empty
	ctx     func(context.Context) context.Context
}

// envelope answers with status and PostHog's error envelope.
func envelope(status int, typ, code, detail string) http.HandlerFunc {
	return answer(status, fmt.Sprintf(`{"type":%q,"code":%q,"detail":%q,"attr":null}`, typ, code, detail))
}

// failureModes are the ways calls fail that TestErrors_prefixOnce runs.
func failureModes() []failureMode {
	cancelled := func(ctx context.Context) context.Context {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return ctx
	}
	tokens := func(token string, err error) Option {
		return WithTokenSource(TokenSourceFunc(func() (string, error) { return token, err }))
	}
	refuse := WithMiddleware(func(*http.Request, MiddlewareNext) (*http.Response, error) { return nil, ErrRateLimited })
	unresolved := WithHTTPClient(&http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "posthog.invalid", IsNotFound: true}}
		},
	}})
	return []failureMode{
		{name: "400", handler: envelope(400, "validation_error", "invalid_input", "This field is required.")},
		{name: "401", handler: envelope(401, "authentication_error", "authentication_failed", "Personal API key found in request Authorization header is invalid.")},
		{name: "401, a key of another kind", key: "legacyK3yD0N0tL3ak", handler: envelope(401, "authentication_error", "authentication_failed", "Invalid.")},
		{name: "403 scope", handler: envelope(403, "authentication_error", "permission_denied", "API key missing required scope 'user:write'")},
		{name: "403 keys refused", handler: envelope(403, "authentication_error", "permission_denied", detailNoKeyAccess)},
		{name: "404", handler: envelope(404, "invalid_request", "not_found", "Not found.")},
		{name: "404 endpoint", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(loginPage))
		}},
		{name: "409", handler: envelope(409, "server_error", "conflict", "Cannot delete user with organization memberships.")},
		{name: "429", handler: throttle("1"), opts: []Option{WithMaxRateLimitRetries(0)}},
		{name: "429 past the wait", handler: throttle("3600")},
		{name: "500", handler: answer(500, serverErrorBody)},
		{name: "502 HTML", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
		}},
		{name: "200 login page", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(loginPage))
		}},
		{name: "200 null", handler: answer(200, "null")},
		{name: "200 a user that does not decode", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/users/" {
				answer(200, pageHead(1, -1, 100)+badIDUser+"]}")(w, r)
				return
			}
			answer(200, badIDUser)(w, r)
		}},
		{name: "200 cut short", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5000")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(pageHead(3, -1, 100) + hostileUser(1) + ","))
		}},
		{name: "too large", handler: answer(200, hostileUser(1)), opts: []Option{WithMaxResponseBytes(10)}},
		{name: "refused connection"},
		{name: "host name that does not resolve", opts: []Option{unresolved}},
		{name: "context cancelled", handler: answer(200, hostileUser(1)), ctx: cancelled},
		{name: "context past its deadline", handler: answer(200, hostileUser(1)), ctx: func(ctx context.Context) context.Context {
			ctx, cancel := context.WithDeadline(ctx, time.Unix(0, 0))
			_ = cancel // the deadline has passed; the context is done
			return ctx
		}},
		{name: "token source failing with an error of the package", key: "-", handler: answer(200, hostileUser(1)), opts: []Option{tokens("", ErrUnauthorized)}},
		{name: "token source handing out no token", key: "-", handler: answer(200, hostileUser(1)), opts: []Option{tokens("", nil)}},
		{name: "middleware failing with an error of the package", handler: answer(200, hostileUser(1)), opts: []Option{refuse}},
	}
}

// TestErrors_prefixOnce runs every endpoint method, every refused argument,
// every way to list users and Client.Do against every failure mode, and
// checks that each error says "posthogusers:" once.
func TestErrors_prefixOnce(t *testing.T) {
	t.Parallel()
	for _, m := range failureModes() {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			base := "http://127.0.0.1:1" // nothing listens there
			if m.handler != nil {
				srv := httptest.NewServer(m.handler)
				t.Cleanup(srv.Close)
				base = srv.URL
			}
			key := m.key
			switch key {
			case "":
				key = testKey
			case "-":
				key = ""
			}
			opts := append([]Option{WithMaxRetries(1)}, m.opts...)
			keyClient := hostileClient(t, base, key, opts...)
			sessionClient := hostileClient(t, base, "", append(opts, WithSession(testSession))...)
			csrfLess := hostileClient(t, base, "", append(opts, WithSession(Session{ID: "s"}))...)
			ctx := t.Context()
			if m.ctx != nil {
				ctx = m.ctx(ctx)
			}
			var checked atomic.Int64
			check := func(what string, err error) {
				t.Helper()
				if err == nil {
					return
				}
				checked.Add(1)
				if n := strings.Count(err.Error(), "posthogusers:"); n != 1 {
					t.Errorf("%s: %q says posthogusers: %d times", what, err, n)
				}
			}
			for _, tt := range endpointCases() {
				c := keyClient
				if tt.session {
					c = sessionClient
				}
				_, err := tt.call(ctx, c)
				check(tt.name, err)
			}
			for _, tt := range invalidInputCases() {
				check(tt.name, tt.call(ctx, keyClient))
			}
			for _, tt := range csrfLessSessionInvalidInputCases {
				check(tt.name, tt.call(ctx, csrfLess))
			}
			for name, run := range scanRuns {
				for _, window := range []int{1, 3} {
					_, errs := run(keyClient.Users.Scan(ctx, &ScanOptions{Limit: 2, Window: window}), 100)
					for _, err := range errs {
						check(fmt.Sprintf("Scan %s, window %d", name, window), err)
					}
				}
			}
			for _, err := range keyClient.Users.All(ctx, &ListUsersOptions{Limit: 2}) {
				check("All", err)
			}
			_, err := keyClient.Users.List(ctx, nil)
			check("List", err)
			var out map[string]any
			check("Do GET", keyClient.Do(ctx, "GET", "/api/projects/@current/", nil, &out))
			check("Do POST", keyClient.Do(ctx, "POST", "/api/projects/@current/feature_flags/", map[string]string{"key": "k"}, &out))
			check("Do, a refused path", keyClient.Do(ctx, "GET", "/api/../x/", nil, nil))
			if checked.Load() < 50 {
				t.Errorf("only %d errors checked", checked.Load())
			}
		})
	}
}

// TestAll_errorSaysListing checks that All's errors speak of listing
// users, not of a scan, while a scan's still say scan.
func TestAll_errorSaysListing(t *testing.T) {
	t.Parallel()
	hs := newHostile(t, answer(http.StatusInternalServerError, serverErrorBody), WithMaxRetries(0))
	var errs []error
	for _, err := range hs.client.Users.All(t.Context(), nil) {
		errs = append(errs, err)
	}
	const want = "posthogusers: listing users, at offset 0: GET /api/users/: 500 Internal Server Error: error: A server error occurred."
	if len(errs) != 1 || errs[0] == nil || errs[0].Error() != want {
		t.Fatalf("All's errors %q; want one: %q", errs, want)
	}
	var se *ScanError
	if !errors.As(errs[0], &se) {
		t.Errorf("All's error %T is not a *ScanError", errs[0])
	}
	for _, err := range hs.client.Users.Scan(t.Context(), nil).Users() {
		if want := "posthogusers: scan stopped at offset 0: GET /api/users/"; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Scan's error %q; want it to start %q", err, want)
		}
	}
}

// TestAll_driftSaysListing checks that All's drift speaks of listing
// users.
func TestAll_driftSaysListing(t *testing.T) {
	t.Parallel()
	// The first page counts 4 users; the second 3: a user left.
	c, _ := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("offset") == "0" {
			return jsonResponse(r, http.StatusOK, pageHead(4, 2, 2)+hostileUser(1)+","+hostileUser(2)+"]}"), nil
		}
		return jsonResponse(r, http.StatusOK, pageHead(3, -1, 2)+hostileUser(4)+"]}"), nil
	})
	var last error
	for _, err := range c.Users.All(t.Context(), &ListUsersOptions{Limit: 2}) {
		last = err
	}
	if !errors.Is(last, ErrDrift) || !strings.Contains(last.Error(), "changed while listing users") {
		t.Errorf("All's last value %v; want a drift while listing users", last)
	}
}

// TestAll_rangedTwice checks that All's iterator lists the users again
// each time it is ranged over.
func TestAll_rangedTwice(t *testing.T) {
	t.Parallel()
	c, _ := loopClient(t, nil, ok)
	seq := c.Users.All(t.Context(), &ListUsersOptions{Limit: 2})
	for round := range 2 {
		n := 0
		for _, err := range seq {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			n++
		}
		if n != len(loopUsers) {
			t.Errorf("round %d: %d users; want %d", round, n, len(loopUsers))
		}
	}
}

// TestErrors_notSentWhenContextDone checks that a call, a scan and
// Client.Do whose context is done before they start say nothing was sent,
// and still match the context's error.
func TestErrors_notSentWhenContextDone(t *testing.T) {
	t.Parallel()
	c, n := scripted(t, testKey, nil, reply(http.StatusOK, hostileUser(1)))
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithTimeout(t.Context(), -time.Second)
	defer cancel2()
	for _, tt := range []struct {
		name string
		ctx  context.Context
		want error
	}{{"cancelled", cancelled, context.Canceled}, {"past its deadline", expired, context.DeadlineExceeded}} {
		calls := map[string]func() error{
			"GET /api/users/@me/": func() error { return errOf(c.Users.Get(tt.ctx, Me)) },
			"PATCH /api/users/@me/": func() error {
				return errOf(c.Users.Update(tt.ctx, Me, UpdateUserRequest{FirstName: Ptr("A")}))
			},
			"GET /api/projects/": func() error { return c.Do(tt.ctx, "GET", "/api/projects/", nil, nil) },
			"GET /api/users/": func() error {
				for _, err := range c.Users.Scan(tt.ctx, nil).Users() {
					return err
				}
				return nil
			},
		}
		for req, call := range calls {
			err := call()
			want := "GET /api/users/" + ": not sent: " + tt.want.Error()
			if req != "GET /api/users/" {
				want = "posthogusers: " + req + ": not sent: " + tt.want.Error()
			}
			if !errors.Is(err, tt.want) || err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "attempt") {
				t.Errorf("%s, %s: %v; want %q, matching %v", tt.name, req, err, want, tt.want)
			}
			if errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("%s, %s: %v matches ErrOutcomeUnknown", tt.name, req, err)
			}
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d requests sent", n.Load())
	}
}

// TestErrors_hostNotResolved checks that a base URL whose host name does
// not resolve gets a hint to check it.
func TestErrors_hostNotResolved(t *testing.T) {
	t.Parallel()
	var dials atomic.Int64
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "posthog.invalid", IsNotFound: true}}
	}}
	c, err := NewClient(testKey, WithBaseURL("https://posthog.invalid"), WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Get(t.Context(), Me)
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || err == nil || !strings.Contains(err.Error(), "the base URL's host name did not resolve: check WithBaseURL") {
		t.Errorf("error %v; want the DNS error with a hint to check the base URL", err)
	}
	if dials.Load() != 1 {
		t.Errorf("%d dials; want 1", dials.Load())
	}
}

// TestErrors_htmlAnswer checks that a 2xx HTML page where PostHog sends
// JSON (a login page, a proxy's) is refused with a hint to check the base
// URL, for a call that decodes its answer, one that does not read it, a
// scan's page and Client.Do with an out, but not Client.Do without one.
func TestErrors_htmlAnswer(t *testing.T) {
	t.Parallel()
	for _, contentType := range []string{"text/html; charset=utf-8", ""} {
		hs := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
			if contentType != "" {
				w.Header().Set("Content-Type", contentType)
			}
			_, _ = w.Write([]byte(loginPage))
		})
		const hint = "is an HTML page, not PostHog's JSON: a login page or a proxy answered; check the base URL (WithBaseURL)"
		ctx := t.Context()
		var out map[string]any
		for name, err := range map[string]error{
			"Get":                      errOf(hs.client.Users.Get(ctx, Me)),
			"Delete":                   hs.newClient(t, "", WithSession(testSession)).Users.Delete(ctx, Me),
			"RequestEmailVerification": hs.client.Users.RequestEmailVerification(ctx, testUserUUID),
			"Do":                       hs.client.Do(ctx, "GET", "/api/projects/", nil, &out),
		} {
			if !errors.Is(err, ErrMalformedResponse) || err == nil || !strings.Contains(err.Error(), hint) {
				t.Errorf("Content-Type %q, %s: %v; want ErrMalformedResponse with the hint", contentType, name, err)
			}
		}
		if err := hs.client.Do(ctx, "GET", "/api/projects/", nil, nil); err != nil {
			t.Errorf("Content-Type %q, Do without out: %v; want the answer unread", contentType, err)
		}
		if contentType == "" {
			continue // a scan streams its page: it goes by the Content-Type
		}
		for _, err := range hs.client.Users.Scan(ctx, nil).Users() {
			if !errors.Is(err, ErrMalformedResponse) || err == nil || !strings.Contains(err.Error(), hint) {
				t.Errorf("Scan: %v; want ErrMalformedResponse with the hint", err)
			}
		}
	}
}

// TestErrors_keyOfAnotherKind checks that a 401 for a key that does not
// look like PostHog's says so, in place of the region hint, which keys and
// tokens of PostHog still get.
func TestErrors_keyOfAnotherKind(t *testing.T) {
	t.Parallel()
	const otherKind = "starts neither with phx_ (a personal API key) nor with pha_ (an OAuth access token)"
	const region = "a key works in one PostHog Cloud region only"
	tests := []struct {
		name string
		key  string
		opts []Option
		want string
	}{
		{"a key without a prefix", "sk-0123456789abcdef", nil, otherKind},
		{"a token source's token without a prefix", "", []Option{WithTokenSource(TokenSourceFunc(func() (string, error) { return "ya29.token", nil }))}, otherKind},
		{"a personal API key", testKey, nil, region},
		{"an OAuth access token", hostileToken, nil, region},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := scripted(t, tt.key, tt.opts, reply(http.StatusUnauthorized, `{"type":"authentication_error","code":"authentication_failed","detail":"Invalid.","attr":null}`))
			_, err := c.Users.Get(t.Context(), Me)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || !strings.Contains(apiErr.Hint, tt.want) {
				t.Errorf("error %v; want a hint saying %q", err, tt.want)
			}
			if tt.want == otherKind && strings.Contains(apiErr.Hint, region) {
				t.Errorf("hint %q blames the region", apiErr.Hint)
			}
			if strings.Contains(err.Error(), tt.key) && tt.key != "" {
				t.Errorf("error %q shows the key", err)
			}
		})
	}
}

// signalCause is the cause signal.NotifyContext cancels its context with:
// it matches context.Canceled, but its text does not say so.
type signalCause string

func (s signalCause) Error() string        { return string(s) }
func (s signalCause) Is(target error) bool { return target == context.Canceled }

// TestErrors_cancelledWithACause checks that a call whose context is
// cancelled with a cause while it waits for PostHog says that the context
// was cancelled, and why, whether the cause matches context.Canceled (as
// signal.NotifyContext's does) or not.
func TestErrors_cancelledWithACause(t *testing.T) {
	t.Parallel()
	for _, cause := range []error{signalCause("interrupt signal received"), errors.New("interrupt signal received")} {
		arrived := make(chan struct{}, 1)
		hs := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			<-r.Context().Done()
		})
		ctx, cancel := context.WithCancelCause(t.Context())
		go func() {
			<-arrived
			cancel(cause)
		}()
		_, err := hs.client.Users.Get(ctx, Me)
		if !errors.Is(err, context.Canceled) || err == nil || !strings.Contains(err.Error(), "context canceled") || !strings.Contains(err.Error(), "interrupt signal received") {
			t.Errorf("cause %T: error %v; want it to say context canceled and the cause", cause, err)
		}
	}
}
