package posthogusers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

// statusSequence returns a handler that answers with statuses in turn (the
// last one for every request after), serving the user fixture on 2xx and the
// matching error fixture otherwise, and a counter of requests.
func statusSequence(t *testing.T, header http.Header, statuses ...int) (http.HandlerFunc, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		status := statuses[min(i, len(statuses)-1)]
		for k, v := range header {
			w.Header()[k] = v
		}
		switch {
		case status < 300:
			serveJSON(w, status, readFixture(t, "users_get.json"))
		case status == http.StatusTooManyRequests:
			serveJSON(w, status, readFixture(t, "errors/throttled.json"))
		default:
			serveJSON(w, status, readFixture(t, "errors/server_error.json"))
		}
	}, &n
}

func TestRetry_statusPolicy(t *testing.T) {
	t.Parallel()
	get := func(c *Client, t *testing.T) error { _, err := c.Users.Get(t.Context(), Me); return err }
	patch := func(c *Client, t *testing.T) error {
		_, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("A")})
		return err
	}
	tests := []struct {
		name         string
		method       string
		call         func(*Client, *testing.T) error
		status       int
		wantAttempts int64 // with WithMaxRetries(2) and a handler that fails every time
	}{
		{"GET 500", http.MethodGet, get, 500, 3},
		{"GET 502", http.MethodGet, get, 502, 3},
		{"GET 503", http.MethodGet, get, 503, 3},
		{"GET 504", http.MethodGet, get, 504, 3},
		{"GET 429", http.MethodGet, get, 429, 3},
		{"GET 501", http.MethodGet, get, 501, 1},
		{"GET 400", http.MethodGet, get, 400, 1},
		{"GET 401", http.MethodGet, get, 401, 1},
		{"GET 403", http.MethodGet, get, 403, 1},
		{"GET 404", http.MethodGet, get, 404, 1},
		{"GET 408", http.MethodGet, get, 408, 1},
		{"GET 409", http.MethodGet, get, 409, 1},
		{"PATCH 429", http.MethodPatch, patch, 429, 3},
		{"PATCH 500", http.MethodPatch, patch, 500, 1},
		{"PATCH 502", http.MethodPatch, patch, 502, 1},
		{"PATCH 503", http.MethodPatch, patch, 503, 1},
		{"PATCH 504", http.MethodPatch, patch, 504, 1},
		{"PATCH 400", http.MethodPatch, patch, 400, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := setup(t, WithMaxRetries(2), WithMaxRateLimitRetries(2))
			ts.transport.SkipResponses.Store(true) // 5xx bodies are not in the schema
			h, hits := statusSequence(t, nil, tt.status)
			ts.mux.HandleFunc(tt.method+" /api/users/{id}/{$}", h)
			err := tt.call(ts.client, t)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v; want an *APIError", err)
			}
			if got := hits.Load(); got != tt.wantAttempts {
				t.Errorf("requests: got %d; want %d", got, tt.wantAttempts)
			}
			if int64(ae.Attempts) != tt.wantAttempts || ae.StatusCode != tt.status {
				t.Errorf("APIError: got status %d after %d attempts; want %d after %d", ae.StatusCode, ae.Attempts, tt.status, tt.wantAttempts)
			}
		})
	}
}

func TestRetry_recovers(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.transport.SkipResponses.Store(true)
	h, hits := statusSequence(t, nil, 502, 503, 200)
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", h)
	u, err := ts.client.Users.Get(t.Context(), Me)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if u.ID != 42 || hits.Load() != 3 {
		t.Errorf("got user %d after %d requests; want user 42 after 3", u.ID, hits.Load())
	}
}

func TestRetry_retryAfter(t *testing.T) {
	t.Parallel()
	t.Run("honoured within the limit", func(t *testing.T) {
		t.Parallel()
		ts := setup(t, WithMaxRetryAfter(time.Second))
		h, hits := statusSequence(t, http.Header{"Retry-After": {"0"}}, 429, 200)
		ts.mux.HandleFunc("PATCH /api/users/{id}/{$}", h)
		if _, err := ts.client.Users.Update(t.Context(), Me, UpdateUserRequest{}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if hits.Load() != 2 {
			t.Errorf("requests: got %d; want 2", hits.Load())
		}
	})
	t.Run("beyond the limit returns at once", func(t *testing.T) {
		t.Parallel()
		ts := setup(t, WithMaxRetryAfter(30*time.Second))
		h, hits := statusSequence(t, http.Header{"Retry-After": {"31"}}, 429, 200)
		ts.mux.HandleFunc("GET /api/users/{id}/{$}", h)
		start := time.Now()
		_, err := ts.client.Users.Get(t.Context(), Me)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != 31*time.Second || rl.Err.Attempts != 1 {
			t.Fatalf("got %#v; want *RateLimitError{RetryAfter: 31s} after 1 attempt", err)
		}
		if hits.Load() != 1 {
			t.Errorf("requests: got %d; want 1", hits.Load())
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("returned after %v; want no wait", d)
		}
	})
	t.Run("retries run out", func(t *testing.T) {
		t.Parallel()
		ts := setup(t, WithMaxRateLimitRetries(1))
		h, hits := statusSequence(t, http.Header{"Retry-After": {"0"}}, 429)
		ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) { h(w, r) })
		_, err := ts.client.Users.List(t.Context(), nil)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.Err.Attempts != 2 || !errors.Is(err, ErrRateLimited) {
			t.Fatalf("got %#v; want *RateLimitError after 2 attempts", err)
		}
		if hits.Load() != 2 {
			t.Errorf("requests: got %d; want 2", hits.Load())
		}
	})
}

// TestDecide_wait pins the wait the policy chooses before a retry:
// exponential backoff from the shortest wait (jitter off here), capped at
// the longest, whatever the kind of failure; PostHog's Retry-After on 429
// and 503, and only there.
func TestDecide_wait(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := &Client{now: func() time.Time { return now }, jitter: func(int64) int64 { return 0 }, cred: &bearerCredential{},
		retryWaitMin: 100 * time.Millisecond, retryWaitMax: 2 * time.Second, maxRetries: 100, maxRateLimitRetries: 100, maxRetryAfter: time.Hour}
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Header: h}
	}
	reset := &url.Error{Op: "Get", URL: "https://us.posthog.com/", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	tests := []struct {
		name    string
		retries int // before this attempt
		resp    *http.Response
		want    time.Duration
	}{
		{"first retry", 0, nil, 100 * time.Millisecond},
		{"doubles", 1, resp(502, ""), 200 * time.Millisecond},
		{"doubles again", 3, resp(500, ""), 800 * time.Millisecond},
		{"capped", 10, resp(500, ""), 2 * time.Second},
		{"no overflow", 70, nil, 2 * time.Second},
		{"429 Retry-After seconds", 0, resp(429, "7"), 7 * time.Second},
		{"503 Retry-After date", 0, resp(503, "Mon, 23 Nov 2026 12:00:05 GMT"), 5 * time.Second},
		{"429 without Retry-After", 2, resp(429, ""), 400 * time.Millisecond},
		{"Retry-After ignored on 500", 0, resp(500, "9"), 100 * time.Millisecond},
	}
	for _, tt := range tests {
		cl := &call{c: c, op: &operations[opUsersGet], method: http.MethodGet, attempts: make([]attempt, tt.retries+1)}
		a := &cl.attempts[tt.retries]
		var doErr error
		if tt.resp == nil {
			doErr = reset
		}
		cl.record(a, tt.resp, doErr, nil)
		retry, stop := cl.decide(t.Context(), a)
		if !retry || stop != nil || a.wait != tt.want {
			t.Errorf("%s: retry %v (%v), wait %v; want a retry after %v", tt.name, retry, stop, a.wait, tt.want)
		}
	}
}

func TestJitteredBackoff_bounds(t *testing.T) {
	t.Parallel()
	for attempt := range 8 {
		base := min(100*time.Millisecond<<attempt, 2*time.Second)
		lo := jitteredBackoff(100*time.Millisecond, 2*time.Second, attempt, func(n int64) int64 { return n - 1 })
		hi := jitteredBackoff(100*time.Millisecond, 2*time.Second, attempt, func(int64) int64 { return 0 })
		if hi != base || lo != base-base/2 {
			t.Errorf("attempt %d: range [%v, %v]; want [%v, %v]", attempt, lo, hi, base-base/2, base)
		}
	}
}

func TestRetry_contextCancelledDuringWait(t *testing.T) {
	t.Parallel()
	ts := setup(t, WithRetryWait(time.Hour, time.Hour))
	ts.transport.SkipResponses.Store(true)
	ctx, cancel := context.WithCancel(t.Context())
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusServiceUnavailable, readFixture(t, "errors/server_error.json"))
		cancel() // the client is about to wait an hour
	})
	start := time.Now()
	_, err := ts.client.Users.Get(ctx, Me)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v; want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("returned after %v; want at once", d)
	}
}

func TestRetry_contextDoneBeforeStart(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		t.Error("a request was sent with a done context")
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ts.client.Users.Get(ctx, Me); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v; want context.Canceled", err)
	}
}

// failingTransport fails the first n round trips with err, then answers
// with the user fixture.
func failingTransport(t *testing.T, n int64, err error) (http.RoundTripper, *atomic.Int64) {
	t.Helper()
	body := string(readFixture(t, "users_get.json"))
	var calls atomic.Int64
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		if calls.Add(1) <= n {
			return nil, err
		}
		return jsonResponse(r, http.StatusOK, body), nil
	}), &calls
}

func TestRetry_transportErrors(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	dns := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "us.posthog.com", IsNotFound: true}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name      string
		method    string
		err       error
		wantCalls int64 // with 2 failures before success and WithMaxRetries(3)
		wantOK    bool
	}{
		{"GET connection refused", http.MethodGet, dial, 3, true},
		{"GET connection reset", http.MethodGet, reset, 3, true},
		{"GET unexpected EOF", http.MethodGet, io.ErrUnexpectedEOF, 3, true},
		{"GET certificate error", http.MethodGet, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, 1, false},
		{"GET other error", http.MethodGet, errors.New("boom"), 1, false},
		{"PATCH connection refused", http.MethodPatch, dial, 3, true},
		{"PATCH DNS failure", http.MethodPatch, dns, 3, true},
		{"PATCH connection reset", http.MethodPatch, reset, 1, false},
		{"PATCH unexpected EOF", http.MethodPatch, io.ErrUnexpectedEOF, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, calls := failingTransport(t, 2, tt.err)
			c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}),
				WithRetryWait(time.Millisecond, time.Millisecond), WithMaxRetries(3))
			if err != nil {
				t.Fatal(err)
			}
			if tt.method == http.MethodGet {
				_, err = c.Users.Get(t.Context(), Me)
			} else {
				_, err = c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("A")})
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("attempts: got %d; want %d", got, tt.wantCalls)
			}
			if (err == nil) != tt.wantOK {
				t.Fatalf("error: got %v; want success %v", err, tt.wantOK)
			}
			if err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("errors.Is(%v, %v) = false; want the cause wrapped", err, tt.err)
				}
				if want := fmt.Sprintf("after %d attempt(s)", tt.wantCalls); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestRetry_queryKeptOutOfTransportErrors(t *testing.T) {
	t.Parallel()
	tr, _ := failingTransport(t, 100, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.List(t.Context(), &ListUsersOptions{UserFilter: UserFilter{Email: "private@example.com"}})
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Fatalf("got %v; want a *url.Error inside", err)
	}
	if strings.Contains(err.Error(), "private") {
		t.Errorf("error %q shows the query", err)
	}
}

func TestRetry_bodyResentOnRetry(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	var bodies []string
	var n atomic.Int64
	ts.mux.HandleFunc("PATCH /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			serveJSON(w, http.StatusTooManyRequests, readFixture(t, "errors/throttled.json"))
			return
		}
		serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
	})
	if _, err := ts.client.Users.Update(t.Context(), Me, UpdateUserRequest{LastName: Ptr("Byron")}); err != nil {
		t.Fatal(err)
	}
	want := `{"last_name":"Byron"}`
	if len(bodies) != 2 || bodies[0] != want || bodies[1] != want {
		t.Errorf("bodies: got %q; want the same body twice, %s", bodies, want)
	}
}

// truncatedBody is a body that ends early, as when a proxy cuts a response.
func truncatedBody(s string) io.ReadCloser {
	return io.NopCloser(io.MultiReader(strings.NewReader(s[:len(s)/2]), iotest.ErrReader(io.ErrUnexpectedEOF)))
}

// TestRetry_truncatedBody checks that a 2xx body cut short is retried for
// idempotent requests, as a failed connection is, and not for PATCH.
func TestRetry_truncatedBody(t *testing.T) {
	t.Parallel()
	user := string(readFixture(t, "users_get.json"))
	tests := []struct {
		name      string
		failures  int64
		patch     bool
		wantCalls int64
		wantOK    bool
	}{
		{"GET cut once", 1, false, 2, true},
		{"GET always cut", 100, false, 4, false},
		{"PATCH cut once", 1, true, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				resp := jsonResponse(r, http.StatusOK, user)
				if calls.Add(1) <= tt.failures {
					resp.Body = truncatedBody(user)
				}
				return resp, nil
			})
			c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}), WithRetryWait(time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			var u *User
			if tt.patch {
				u, err = c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("Ada")})
			} else {
				u, err = c.Users.Get(t.Context(), Me)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("attempts %d; want %d", got, tt.wantCalls)
			}
			if tt.wantOK {
				if err != nil || u.Email != "ada@example.com" {
					t.Errorf("got %v, %v; want the user", u, err)
				}
				return
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("error %v; want one wrapping io.ErrUnexpectedEOF", err)
			}
		})
	}
}

// TestSendOnce checks that operations that must not run twice are sent once
// whatever PostHog answers, while a failure to connect is still retried.
func TestSendOnce(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			ts := setupSession(t)
			var n atomic.Int64
			ts.mux.HandleFunc("POST /api/users/@me/two_factor_backup_codes/{$}", func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Retry-After", "0")
				serveJSON(w, status, readFixture(t, "errors/server_error.json"))
			})
			ts.transport.SkipResponses.Store(true) // a 500 envelope for every status
			_, err := ts.client.TwoFactor.BackupCodes(t.Context(), Me)
			if err == nil {
				t.Fatal("no error")
			}
			if got := n.Load(); got != 1 {
				t.Errorf("backup codes requested %d times; want 1", got)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		tr, calls := failingTransport(t, 1, dial)
		c, err := NewClient("", WithSession(testSession), WithHTTPClient(&http.Client{Transport: tr}),
			WithRetryWait(time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		// failingTransport answers with the user fixture once it stops
		// failing, which has no backup codes: only the attempts matter.
		_, err = c.TwoFactor.BackupCodes(t.Context(), Me)
		if got := calls.Load(); got != 2 {
			t.Errorf("attempts: got %d (error %v); want 2", got, err)
		}
	})
}
