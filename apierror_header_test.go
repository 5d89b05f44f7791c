package posthogusers

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestAPIError_header checks that an APIError keeps the answer's headers of
// the allow list, scrubbed and bounded, never a cookie or another header,
// and PostHog's request ID, which its text shows.
func TestAPIError_header(t *testing.T) {
	t.Parallel()
	hs := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Request-Id", "req-4f1c2b9e")
		h.Set("CF-Ray", "8a1b2c3d4e5f-AMS")
		h.Set("Server", "nginx")
		h.Set("Via", "1.1 proxy (for "+r.Header.Get("Authorization")+")")
		h.Add("Set-Cookie", "sessionid=s3cr3t; HttpOnly")
		h.Set("X-Echo", r.Header.Get("Authorization"))
		h.Set("Authorization", r.Header.Get("Authorization"))
		for range 10 {
			h.Add("X-Cache", strings.Repeat("MISS ", 100))
		}
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(serverErrorBody))
	}, WithMaxRetries(0))
	_, err := hs.client.Users.Get(t.Context(), Me)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %T %v; want an *APIError", err, err)
	}
	for _, name := range []string{"Set-Cookie", "X-Echo", "Authorization"} {
		if v := apiErr.Header.Values(name); len(v) > 0 {
			t.Errorf("Header keeps %s: %q", name, v)
		}
	}
	if got := apiErr.Header.Get("Cf-Ray"); got != "8a1b2c3d4e5f-AMS" || apiErr.Header.Get("Server") != "nginx" || apiErr.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Header %v; want CF-Ray, Server and Content-Type", apiErr.Header)
	}
	if via := apiErr.Header.Get("Via"); strings.Contains(via, testKey) || !strings.Contains(via, "[redacted]") {
		t.Errorf("Via %q; want the key redacted", via)
	}
	if xc := apiErr.Header.Values("X-Cache"); len(xc) != maxErrorHeaderValues || len(xc[0]) > maxErrorHeaderValue+len("…") {
		t.Errorf("X-Cache: %d values, the first of %d bytes; want %d values of at most %d", len(xc), len(xc[0]), maxErrorHeaderValues, maxErrorHeaderValue)
	}
	if apiErr.RequestID != "req-4f1c2b9e" {
		t.Errorf("RequestID %q; want req-4f1c2b9e", apiErr.RequestID)
	}
	if want := "posthogusers: GET /api/users/@me/: 500 Internal Server Error: error: A server error occurred. [request ID req-4f1c2b9e]"; err.Error() != want {
		t.Errorf("error text %q; want %q", err, want)
	}
}

// TestAPIError_requestID checks which request IDs an APIError keeps and
// shows: a safe one of at most 64 characters in its text, a longer one in
// the field only, and none that is unsafe to print or held a credential.
func TestAPIError_requestID(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a1", 50)
	tests := []struct {
		name, header, wantID string
		shown                bool
	}{
		{"a UUID", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", true},
		{"100 characters", long, long, false},
		{"over 128 characters", strings.Repeat("a", 129), "", false},
		{"markup", "<script>alert(1)</script>", "", false},
		{"space", "req 42", "", false},
		{"the key, echoed", testKey, "", false},
		{"none", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := scripted(t, testKey, []Option{WithMaxRetries(0)}, func(r *http.Request) (*http.Response, error) {
				resp := jsonResponse(r, http.StatusBadGateway, serverErrorBody)
				if tt.header != "" {
					resp.Header.Set("X-Request-Id", tt.header)
				}
				return resp, nil
			})
			_, err := c.Users.Get(t.Context(), Me)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v; want an *APIError", err)
			}
			if apiErr.RequestID != tt.wantID {
				t.Errorf("RequestID %q; want %q", apiErr.RequestID, tt.wantID)
			}
			if shown := strings.Contains(err.Error(), "request ID"); shown != tt.shown {
				t.Errorf("error text %q shows the request ID: %v; want %v", err, shown, tt.shown)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error text shows the key: %q", err)
			}
		})
	}
}

// TestAPIError_headerThroughTheTypes checks that the precise error types
// carry the headers on their *APIError: a 429's Retry-After, a scope
// error's request ID.
func TestAPIError_headerThroughTheTypes(t *testing.T) {
	t.Parallel()
	c, _ := scripted(t, testKey, []Option{WithMaxRateLimitRetries(0)}, func(r *http.Request) (*http.Response, error) {
		resp := throttled(r, "30")
		resp.Header.Set("X-Request-Id", "req-throttled")
		return resp, nil
	})
	_, err := c.Users.Get(t.Context(), Me)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Err.Header.Get("Retry-After") != "30" || rl.Err.RequestID != "req-throttled" {
		t.Errorf("429: %v; want a *RateLimitError whose APIError has Retry-After and the request ID", err)
	}
	c, _ = scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		resp := jsonResponse(r, http.StatusForbidden, `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'user:write'","attr":null}`)
		resp.Header.Set("X-Request-Id", "req-scope")
		return resp, nil
	})
	_, err = c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("Ada")})
	var se *ScopeError
	var apiErr *APIError
	if !errors.As(err, &se) || !errors.As(err, &apiErr) || apiErr.RequestID != "req-scope" {
		t.Errorf("403 scope: %v; want a *ScopeError whose APIError has the request ID", err)
	}
}
