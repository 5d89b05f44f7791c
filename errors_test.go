package posthogusers

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// sentinels are every sentinel a response error can match.
var sentinels = []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrValidation, ErrRateLimited, ErrSessionRequired, ErrInvalidInput}

// responseErrorCase is an error response of PostHog and what the client
// must make of it.
type responseErrorCase struct {
	name     string
	call     func(c *Client, t *testing.T) error
	route    string
	status   int
	fixture  string
	header   http.Header
	want     []error // sentinels the error must match; it must match no other
	wantMsg  string
	wantType func(t *testing.T, err error) // further checks of err, if any
}

// responseErrorCases are PostHog's error responses, one of each kind the
// client tells apart.
var responseErrorCases = []responseErrorCase{
	{
		name: "missing write scope",
		call: func(c *Client, t *testing.T) error {
			_, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{LastName: Ptr("L")})
			return err
		},
		route:   "PATCH /api/users/{id}/{$}",
		status:  http.StatusForbidden,
		fixture: "errors/scope_user_write.json",
		want:    []error{ErrForbidden},
		wantMsg: "posthogusers: PATCH /api/users/@me/ needs scope user:write; the key lacks it",
		wantType: func(t *testing.T, err error) {
			var se *ScopeError
			if !errors.As(err, &se) {
				t.Fatalf("got %T; want *ScopeError", err)
			}
			if se.Scope != ScopeUserWrite || se.Method != http.MethodPatch || se.Path != "/api/users/@me/" {
				t.Errorf("ScopeError: got %+v; want user:write on PATCH /api/users/@me/", se)
			}
			if se.Err.Code != "permission_denied" || se.Err.StatusCode != http.StatusForbidden {
				t.Errorf("wrapped APIError: got %+v", se.Err)
			}
		},
	},
	{
		name:    "missing read scope",
		call:    func(c *Client, t *testing.T) error { _, err := c.Users.List(t.Context(), nil); return err },
		route:   "GET /api/users/{$}",
		status:  http.StatusForbidden,
		fixture: "errors/scope_user_read.json",
		want:    []error{ErrForbidden},
		wantMsg: "posthogusers: GET /api/users/ needs scope user:read; the key lacks it",
		wantType: func(t *testing.T, err error) {
			var se *ScopeError
			if !errors.As(err, &se) || se.Scope != ScopeUserRead {
				t.Errorf("got %#v; want *ScopeError for user:read", err)
			}
		},
	},
	{
		name: "email or password change with a key",
		call: func(c *Client, t *testing.T) error {
			_, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{Email: Ptr("new@example.com")})
			return err
		},
		route:   "PATCH /api/users/{id}/{$}",
		status:  http.StatusForbidden,
		fixture: "errors/identity_change.json",
		want:    []error{ErrForbidden, ErrSessionRequired},
		wantMsg: "posthogusers: PATCH /api/users/@me/ needs a logged-in PostHog session: PostHog only lets a user change their email or password from the PostHog app",
		wantType: func(t *testing.T, err error) {
			var se *SessionRequiredError
			if !errors.As(err, &se) || se.Err.Code != "permission_denied" {
				t.Errorf("got %#v; want *SessionRequiredError wrapping the 403", err)
			}
		},
	},
	{
		name:    "delete with a key",
		call:    func(c *Client, t *testing.T) error { return c.Users.Delete(t.Context(), Me) },
		route:   "DELETE /api/users/{id}/{$}",
		status:  http.StatusUnauthorized,
		fixture: "errors/not_authenticated.json",
		want:    []error{ErrUnauthorized, ErrSessionRequired},
		wantMsg: "posthogusers: DELETE /api/users/@me/ needs a logged-in PostHog session: PostHog only accepts session authentication here",
		wantType: func(t *testing.T, err error) {
			var se *SessionRequiredError
			if !errors.As(err, &se) || se.Err.StatusCode != http.StatusUnauthorized {
				t.Errorf("got %#v; want *SessionRequiredError wrapping the 401", err)
			}
		},
	},
	{
		name:    "invalid key",
		call:    func(c *Client, t *testing.T) error { _, err := c.Users.Get(t.Context(), Me); return err },
		route:   "GET /api/users/{id}/{$}",
		status:  http.StatusUnauthorized,
		fixture: "errors/authentication_failed.json",
		want:    []error{ErrUnauthorized},
		wantMsg: "posthogusers: GET /api/users/@me/: 401 Unauthorized: authentication_failed: Personal API key found in request Authorization header is invalid.",
		wantType: func(t *testing.T, err error) {
			var ae *APIError
			if !errors.As(err, &ae) || ae.Type != "authentication_error" || ae.Attempts != 1 {
				t.Errorf("got %#v; want an *APIError from one attempt", err)
			}
		},
	},
	{
		name: "non-staff reading another user",
		call: func(c *Client, t *testing.T) error {
			_, err := c.Users.Get(t.Context(), "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07")
			return err
		},
		route:   "GET /api/users/{id}/{$}",
		status:  http.StatusForbidden,
		fixture: "errors/not_me.json",
		want:    []error{ErrForbidden},
		wantMsg: "only allowed to access the `@me` user instance.",
		wantType: func(t *testing.T, err error) {
			var ae *APIError
			var se *ScopeError
			if !errors.As(err, &ae) || errors.As(err, &se) {
				t.Errorf("got %#v; want a plain *APIError", err)
			}
		},
	},
	{
		name: "not found",
		call: func(c *Client, t *testing.T) error {
			_, err := c.Users.Get(t.Context(), "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07")
			return err
		},
		route:   "GET /api/users/{id}/{$}",
		status:  http.StatusNotFound,
		fixture: "errors/not_found.json",
		want:    []error{ErrNotFound},
		wantMsg: "posthogusers: GET /api/users/0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07/: 404 Not Found: not_found: Not found.",
	},
	{
		name:    "conflict",
		call:    func(c *Client, t *testing.T) error { return c.Users.Delete(t.Context(), Me) },
		route:   "DELETE /api/users/{id}/{$}",
		status:  http.StatusConflict,
		fixture: "errors/conflict.json",
		want:    []error{ErrConflict},
		wantMsg: "409 Conflict: conflict: Cannot delete user with organization memberships.",
	},
	{
		name: "validation",
		call: func(c *Client, t *testing.T) error {
			_, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{NotificationSettings: map[string]any{"invalid_key": true}})
			return err
		},
		route:   "PATCH /api/users/{id}/{$}",
		status:  http.StatusBadRequest,
		fixture: "errors/invalid_notification_key.json",
		want:    []error{ErrValidation},
		wantMsg: "400 Bad Request: invalid_input: Key invalid_key is not valid as a key for notification settings (attr notification_settings)",
		wantType: func(t *testing.T, err error) {
			var ae *APIError
			if !errors.As(err, &ae) || ae.Attr != "notification_settings" || ae.Type != "validation_error" {
				t.Errorf("got %#v; want an *APIError with attr notification_settings", err)
			}
		},
	},
	{
		name: "not staff",
		call: func(c *Client, t *testing.T) error {
			_, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{IsStaff: Ptr(true)})
			return err
		},
		route:   "PATCH /api/users/{id}/{$}",
		status:  http.StatusForbidden,
		fixture: "errors/not_staff.json",
		want:    []error{ErrForbidden},
		wantMsg: "You are not a staff user, contact your instance admin.",
	},
	{
		name:    "throttled beyond the longest wait",
		call:    func(c *Client, t *testing.T) error { _, err := c.Users.Get(t.Context(), Me); return err },
		route:   "GET /api/users/{id}/{$}",
		status:  http.StatusTooManyRequests,
		fixture: "errors/throttled.json",
		header:  http.Header{"Retry-After": {"3600"}},
		want:    []error{ErrRateLimited},
		wantMsg: "posthogusers: GET /api/users/@me/: rate limited by PostHog after 1 attempt(s); retry after 1h0m0s",
		wantType: func(t *testing.T, err error) {
			var rl *RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != time.Hour || rl.Err.Code != "throttled" {
				t.Errorf("got %#v; want *RateLimitError with RetryAfter 1h", err)
			}
		},
	},
}

// TestResponseErrors serves each of responseErrorCases and checks the error
// the client returns: its message, the sentinels it matches, the response
// kept in its *APIError, and no key.
func TestResponseErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range responseErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := setup(t)
			ts.mux.HandleFunc(tt.route, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				serveJSON(w, tt.status, readFixture(t, tt.fixture))
			})
			err := tt.call(ts.client, t)
			if err == nil {
				t.Fatal("got no error")
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error: got %q; want it to contain %q", err, tt.wantMsg)
			}
			testSentinels(t, err, tt.want)
			var ae *APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status || !bytes.Equal(ae.Body, readFixture(t, tt.fixture)) {
				t.Errorf("APIError: got %#v; want status %d and the body kept", ae, tt.status)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q contains the key", err)
			}
			if tt.wantType != nil {
				tt.wantType(t, err)
			}
		})
	}
}

// testSentinels fails t when err does not match exactly the sentinels of
// want among sentinels.
func testSentinels(t *testing.T, err error, want []error) {
	t.Helper()
	for _, s := range sentinels {
		if got := errors.Is(err, s); got != slices.Contains(want, s) {
			t.Errorf("errors.Is(err, %v) = %v; want %v", s, got, !got)
		}
	}
}

func TestAPIError_nonJSONBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		body    []byte
		wantMsg string
	}{
		{"proxy HTML page", http.StatusBadGateway, readFixture(t, "errors/proxy_502.html"), "posthogusers: GET /api/users/@me/: 502 Bad Gateway"},
		{"empty 404", http.StatusNotFound, nil, "posthogusers: GET /api/users/@me/: 404 Not Found"},
		{"plain text 403", http.StatusForbidden, []byte("Forbidden"), "posthogusers: GET /api/users/@me/: 403 Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := setup(t, WithMaxRetries(0))
			ts.transport.SkipResponses.Store(true)
			ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tt.status)
				_, _ = w.Write(tt.body)
			})
			_, err := ts.client.Users.Get(t.Context(), Me)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %#v; want an *APIError", err)
			}
			if ae.StatusCode != tt.status || ae.Code != "" || ae.Detail != "" || !bytes.Equal(ae.Body, tt.body) {
				t.Errorf("APIError: got %+v; want status %d, no envelope fields, the body kept", ae, tt.status)
			}
			if got := err.Error(); got != tt.wantMsg {
				t.Errorf("error: got %q; want %q", got, tt.wantMsg)
			}
		})
	}
}

func TestAPIError_bodyLimitAndRedaction(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.transport.SkipResponses.Store(true)
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		// A proxy that echoes the request headers, then a huge page.
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("denied: Authorization: " + r.Header.Get("Authorization") + "\n"))
		_, _ = w.Write(bytes.Repeat([]byte("x"), 1<<20))
	})
	_, err := ts.client.Users.Get(t.Context(), Me)
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %#v; want an *APIError", err)
	}
	if len(ae.Body) > maxErrorBodySize {
		t.Errorf("kept %d bytes of the body; want at most %d", len(ae.Body), maxErrorBodySize)
	}
	if bytes.Contains(ae.Body, []byte(testKey)) {
		t.Error("the key echoed by the server is kept in APIError.Body")
	}
	if !bytes.Contains(ae.Body, []byte("Bearer [redacted]")) {
		t.Errorf("body: got %.80q…; want the key replaced by [redacted]", ae.Body)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"absent", "", 0, false},
		{"seconds", "12", 12 * time.Second, true},
		{"zero", "0", 0, true},
		{"padded", " 7 ", 7 * time.Second, true},
		{"negative", "-5", 0, false},
		{"fraction", "1.5", 0, false},
		{"garbage", "soon", 0, false},
		{"HTTP date ahead", "Mon, 23 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"HTTP date past", "Mon, 23 Nov 2026 11:00:00 GMT", 0, true},
		{"RFC 850 date", "Monday, 23-Nov-26 12:01:00 GMT", time.Minute, true},
		{"huge", "99999999999999999", time.Duration(1<<63-1) / time.Second * time.Second, true},
		{"overflowing int64", "999999999999999999999", time.Duration(1<<63-1) / time.Second * time.Second, true},
		{"explicit plus", "+5", 0, false},
		{"digits and garbage", "5 seconds", 0, false},
		{"HTTP date far ahead", "Fri, 31 Dec 9999 23:59:59 GMT", time.Duration(1<<63 - 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseRetryAfter(tt.value, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://us.posthog.com/api/users/?email=a%40b.c&limit=100&offset=300", "https://us.posthog.com/api/users/?email=%5Bredacted%5D&limit=100&offset=300"},
		{"https://u:p@us.posthog.com/api/users/", "https://us.posthog.com/api/users/"},
		{"https://us.posthog.com/api/users/?personal_api_key=phx_x&limit=1", "https://us.posthog.com/api/users/?limit=1&personal_api_key=%5Bredacted%5D"},
	}
	for _, tt := range tests {
		u := mustParseURL(t, tt.in)
		if got := redactURL(u); got != tt.want {
			t.Errorf("redactURL(%s) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

// TestAPIError_responseWithoutRequest checks that a transport that leaves
// Response.Request nil, as net/http allows, still gives an *APIError with
// the request's URL rather than a panic.
func TestAPIError_responseWithoutRequest(t *testing.T) {
	t.Parallel()
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp := jsonResponse(r, http.StatusNotFound, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`)
		resp.Request = nil
		return resp, nil
	})
	c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Get(t.Context(), Me)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %T %v; want a 404 *APIError", err, err)
	}
	if want := USCloud + "/api/users/@me/"; apiErr.URL != want {
		t.Errorf("APIError.URL %q; want %q", apiErr.URL, want)
	}
}

// TestAPIError_boundsOfWhatItKeeps pins the bounds on the request ID and
// the header values an *APIError keeps.
func TestAPIError_boundsOfWhatItKeeps(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"azAZ09._:+=/-":          "azAZ09._:+=/-",
		strings.Repeat("a", 128): strings.Repeat("a", 128),
		strings.Repeat("a", 129): "",
		"a b":                    "",
		"a`b":                    "",
		"a{b":                    "",
		"a@b":                    "",
		"a[b":                    "",
	} {
		if got := requestID(http.Header{"X-Request-Id": {id}}); got != want {
			t.Errorf("requestID(%q) = %q; want %q", id, got, want)
		}
	}
	for n, shown := range map[int]bool{64: true, 65: false} {
		e := &APIError{StatusCode: 500, Method: "GET", URL: "https://h/api/users/", RequestID: strings.Repeat("r", n)}
		if got := strings.Contains(e.Error(), "[request ID "); got != shown {
			t.Errorf("a request ID of %d characters shown: %v; want %v", n, got, shown)
		}
	}
	whole, cut := strings.Repeat("v", maxErrorHeaderValue), strings.Repeat("v", maxErrorHeaderValue+1)
	h := errorHeader(http.Header{"Server": {whole, cut}}, nil)
	if got := h.Values("Server"); len(got) != 2 || got[0] != whole || got[1] != whole+"…" {
		t.Errorf("header values %q; want the first whole and the second cut", got)
	}
}
