package posthogusers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const serverErrorBody = `{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`

// TestRetry_separateBudgets checks that throttling does not use up the
// retries of failures, nor failures those of throttling: three 503s and then
// a 429 still end in the user.
func TestRetry_separateBudgets(t *testing.T) {
	t.Parallel()
	user := `{"id":1,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","email":"ada@example.com"}`
	s503 := reply(http.StatusServiceUnavailable, serverErrorBody)
	s429 := func(r *http.Request) (*http.Response, error) { return throttled(r, "0"), nil }
	c, n := scripted(t, testKey, []Option{WithMaxRetries(3)}, s503, s503, s503, s429, s429, reply(http.StatusOK, user))
	if _, err := c.Users.Get(t.Context(), Me); err != nil {
		t.Fatalf("three 503s and two 429s: %v; want the user", err)
	}
	if n.Load() != 6 {
		t.Errorf("%d attempts; want 6", n.Load())
	}

	// The final error says how each attempt failed.
	c, n = scripted(t, testKey, []Option{WithMaxRetries(3)}, s503, s429, s503, s503, s503)
	_, err := c.Users.Get(t.Context(), Me)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %v; want the last 503", err)
	}
	if n.Load() != 5 || apiErr.Attempts != 5 {
		t.Errorf("%d attempts, error says %d; want 5", n.Load(), apiErr.Attempts)
	}
	want := []string{"503", "429", "503", "503"}
	if len(apiErr.History) != len(want) {
		t.Fatalf("History %q; want the 4 earlier failures", apiErr.History)
	}
	for i, w := range want {
		if !strings.HasPrefix(apiErr.History[i], w) {
			t.Errorf("History[%d] = %q; want %s", i, apiErr.History[i], w)
		}
	}
	if msg := err.Error(); !strings.Contains(msg, "5 attempts") || !strings.Contains(msg, "429") {
		t.Errorf("error %q does not say the attempts and their failures", msg)
	}
}

// TestRetry_waitBeyondDeadline checks that a wait that cannot end before
// the context's deadline is not started: a Retry-After returns the
// *RateLimitError at once, and a backoff returns the last error together
// with the deadline.
func TestRetry_waitBeyondDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, n := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) { return throttled(r, "50"), nil })
	_, err := c.Users.Get(ctx, Me)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 50*time.Second || !errors.Is(err, ErrRateLimited) {
		t.Errorf("Retry-After beyond the deadline: %v; want the *RateLimitError", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d attempts; want 1", n.Load())
	}

	// A 503's Retry-After beyond the deadline: the 503, and the deadline.
	c, _ = scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		resp := jsonResponse(r, http.StatusServiceUnavailable, serverErrorBody)
		resp.Header.Set("Retry-After", "50")
		return resp, nil
	})
	_, err = c.Users.Get(ctx, Me)
	var unavailable *APIError
	if !errors.As(err, &unavailable) || unavailable.StatusCode != http.StatusServiceUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("503 Retry-After beyond the deadline: %v; want the 503 and context.DeadlineExceeded", err)
	}

	c, n = scripted(t, testKey, []Option{WithRetryWait(time.Hour, time.Hour)}, reply(http.StatusServiceUnavailable, serverErrorBody))
	_, err = c.Users.Get(ctx, Me)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("backoff beyond the deadline: %v; want the 503 and context.DeadlineExceeded", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d attempts; want 1", n.Load())
	}
}
