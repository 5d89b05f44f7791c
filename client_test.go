package posthogusers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

func TestNewClient_keyValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		wantErr string // "" when the key is accepted
	}{
		{"personal key", "phx_abcDEF123", ""},
		{"OAuth access token", "pha_abcDEF123", ""},
		{"legacy key without prefix", "Zm9vYmFyYmF6cXV4", ""},
		{"surrounding white space trimmed", "  phx_abcDEF123\n", ""},
		{"empty", "", "the key is empty"},
		{"white space only", " \t\n", "the key is empty"},
		{"project token", "phc_abcDEF123", "phc_ project token cannot call the users API; the users API needs a personal API key, phx_"},
		{"project secret key", "phs_abcDEF123", "phs_ project secret key cannot call the users API; the users API needs a personal API key, phx_"},
		{"OAuth refresh token", "phr_abcDEF123", "refresh token cannot authenticate"},
		{"space inside", "phx_abc DEF", "white space, control or non-ASCII"},
		{"newline inside", "phx_abc\r\nX-Evil: 1", "white space, control or non-ASCII"},
		{"non-ASCII", "phx_abcé", "white space, control or non-ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tt.key)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NewClient: got error %v; want none", err)
				}
				if c.Users == nil {
					t.Error("Users service is nil")
				}
				return
			}
			if err == nil {
				t.Fatalf("NewClient: got no error; want one containing %q", tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("errors.Is(err, ErrInvalidInput) = false for %v", err)
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Arg != "apiKey" {
				t.Errorf("got %#v; want *InputError for apiKey", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error: got %q; want it to contain %q", err, tt.wantErr)
			}
			if strings.TrimSpace(tt.key) != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.key)) {
				t.Errorf("error %q contains the key", err)
			}
		})
	}
}

func TestNewClient_optionValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opt     Option
		wantArg string
	}{
		{"empty base URL", WithBaseURL(""), "WithBaseURL"},
		{"relative base URL", WithBaseURL("us.posthog.com"), "WithBaseURL"},
		{"ftp base URL", WithBaseURL("ftp://us.posthog.com"), "WithBaseURL"},
		{"no host", WithBaseURL("https://"), "WithBaseURL"},
		{"user info", WithBaseURL("https://user:pass@posthog.example.com"), "WithBaseURL"},
		{"query", WithBaseURL("https://posthog.example.com/?personal_api_key=x"), "WithBaseURL"},
		{"fragment", WithBaseURL("https://posthog.example.com/#top"), "WithBaseURL"},
		{"unparsable", WithBaseURL("https://[::1"), "WithBaseURL"},
		{"nil HTTP client", WithHTTPClient(nil), "WithHTTPClient"},
		{"empty user agent", WithUserAgent(" "), "WithUserAgent"},
		{"user agent with newline", WithUserAgent("app\r\nX-Evil: 1"), "WithUserAgent"},
		{"negative retries", WithMaxRetries(-1), "WithMaxRetries"},
		{"zero retry wait", WithRetryWait(0, time.Second), "WithRetryWait"},
		{"negative max retry wait", WithRetryWait(time.Second, -time.Second), "WithRetryWait"},
		{"min above max", WithRetryWait(2*time.Second, time.Second), "WithRetryWait"},
		{"negative max Retry-After", WithMaxRetryAfter(-time.Second), "WithMaxRetryAfter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(testKey, tt.opt)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("NewClient: got (%v, %v); want an *InputError", c, err)
			}
			if ie.Arg != tt.wantArg {
				t.Errorf("InputError.Arg: got %q; want %q", ie.Arg, tt.wantArg)
			}
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("errors.Is(%v, ErrInvalidInput) = false", err)
			}
		})
	}
}

func TestNewClient_defaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testKey, nil) // a nil option is skipped
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.BaseURL(), USCloud; got != want {
		t.Errorf("BaseURL: got %q; want %q", got, want)
	}
	if c.maxRetries != 3 || c.retryWaitMin != 500*time.Millisecond || c.retryWaitMax != 10*time.Second || c.maxRetryAfter != time.Minute {
		t.Errorf("retry defaults: got %d, %v, %v, %v; want 3, 500ms, 10s, 1m", c.maxRetries, c.retryWaitMin, c.retryWaitMax, c.maxRetryAfter)
	}
	if c.httpClient == nil || c.httpClient == http.DefaultClient || c.httpClient.Timeout != time.Minute {
		t.Errorf("default HTTP client: got %+v; want a client of its own with a 1m timeout", c.httpClient)
	}
	if c.logger != nil {
		t.Error("logging is on by default; want off")
	}
}

// recordingClient returns an *http.Client whose transport records request
// URLs and answers every request with the user fixture.
func recordingClient(t *testing.T) (*http.Client, func() []string) {
	t.Helper()
	body := string(readFixture(t, "users_get.json"))
	var mu sync.Mutex
	var urls []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		urls = append(urls, r.URL.String())
		mu.Unlock()
		return jsonResponse(r, http.StatusOK, body), nil
	})}
	return hc, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), urls...)
	}
}

func TestWithBaseURL_requestURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base, want string
	}{
		{USCloud, "https://us.posthog.com/api/users/@me/"},
		{EUCloud, "https://eu.posthog.com/api/users/@me/"},
		{"https://us.posthog.com/", "https://us.posthog.com/api/users/@me/"},
		{"https://posthog.example.com/api", "https://posthog.example.com/api/users/@me/"},
		{"https://posthog.example.com/api/", "https://posthog.example.com/api/users/@me/"},
		{"http://localhost:8000", "http://localhost:8000/api/users/@me/"},
		{"https://example.com/posthog", "https://example.com/posthog/api/users/@me/"},
		{"https://example.com/posthog/", "https://example.com/posthog/api/users/@me/"},
		{"https://example.com/tools/posthog/api//", "https://example.com/tools/posthog/api/users/@me/"},
		{" https://us.posthog.com ", "https://us.posthog.com/api/users/@me/"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			t.Parallel()
			hc, urls := recordingClient(t)
			c, err := NewClient(testKey, WithBaseURL(tt.base), WithHTTPClient(hc))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Users.Get(t.Context(), Me); err != nil {
				t.Fatal(err)
			}
			if got := urls(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("request URLs: got %q; want [%q]", got, tt.want)
			}
		})
	}
}

func TestClient_headers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []Option
		wantUA string
	}{
		{"default user agent", nil, "posthogusers/" + Version},
		{"application token", []Option{WithUserAgent("billing-sync/2.1")}, "billing-sync/2.1 posthogusers/" + Version},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := setup(t, tt.opts...)
			ts.mux.HandleFunc("PATCH /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
				testAuth(t, r)
				if got := r.Header.Get("User-Agent"); got != tt.wantUA {
					t.Errorf("User-Agent: got %q; want %q", got, tt.wantUA)
				}
				if got := r.Header.Get("Accept"); got != "application/json" {
					t.Errorf("Accept: got %q; want application/json", got)
				}
				if got := r.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type: got %q; want application/json", got)
				}
				if strings.Contains(r.URL.String(), testKey) {
					t.Errorf("the key is in the URL %s", r.URL)
				}
				testJSONBody(t, r, `{"first_name":"Ada"}`)
				serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
			})
			if _, err := ts.client.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("Ada")}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestClient_getHasNoBody(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > 0 || r.Header.Get("Content-Type") != "" {
			t.Errorf("GET carries a body: length %d, type %q", r.ContentLength, r.Header.Get("Content-Type"))
		}
		serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
	})
	if _, err := ts.client.Users.Get(t.Context(), Me); err != nil {
		t.Fatal(err)
	}
}

func TestClient_stringHidesKey(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(verb, c)
		if strings.Contains(got, testKey) || strings.Contains(got, testKey[4:12]) {
			t.Errorf("Sprintf(%q, client) = %q shows the key", verb, got)
		}
		if !strings.Contains(got, "personal API key") {
			t.Errorf("Sprintf(%q, client) = %q; want it to say the credential's kind", verb, got)
		}
	}
}

func TestWithHTTPClient_httpmock(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	c, err := NewClient(testKey, WithHTTPClient(hc), WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// Activated after NewClient: the client must still send through hc.
	mock := httpmock.NewMockTransport()
	hc.Transport = mock
	body := string(readFixture(t, "users_get.json"))
	mock.RegisterResponder(http.MethodGet, "https://us.posthog.com/api/users/@me/",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			httpmock.NewStringResponse(http.StatusServiceUnavailable, ""),
			httpmock.NewStringResponse(http.StatusOK, body),
		}))
	u, err := c.Users.Get(t.Context(), Me)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" {
		t.Errorf("Email: got %q; want ada@example.com", u.Email)
	}
	if got := mock.GetTotalCallCount(); got != 2 {
		t.Errorf("calls through the mocked client: got %d; want 2 (a 503, then the retry)", got)
	}
}

func TestClient_redirects(t *testing.T) {
	t.Parallel()
	var foreignHits atomic.Int64
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the key reached another origin: %s", r.URL)
		}
		serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
	}))
	t.Cleanup(foreign.Close)

	ts := setup(t)
	ts.transport.SkipResponses.Store(true) // redirects are not in the schema
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "00000000-0000-4000-8000-000000000001": // leaves the origin: another port
			http.Redirect(w, r, foreign.URL+"/api/users/@me/", http.StatusFound)
		case "00000000-0000-4000-8000-000000000002": // stays on the origin
			http.Redirect(w, r, basePath+"/api/users/@me/", http.StatusFound)
		default:
			testAuth(t, r)
			serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
		}
	})

	_, err := ts.client.Users.Get(t.Context(), "00000000-0000-4000-8000-000000000001")
	var re *RedirectError
	if !errors.As(err, &re) {
		t.Errorf("redirect to another origin: got %v; want the refused-redirect error", err)
	}
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Errorf("error %q contains the key", err)
	}
	if n := foreignHits.Load(); n != 0 {
		t.Errorf("requests that reached the other origin: got %d; want 0", n)
	}
	if _, err := ts.client.Users.Get(t.Context(), "00000000-0000-4000-8000-000000000002"); err != nil {
		t.Errorf("redirect within the origin: got %v; want it followed", err)
	}
}

func TestClient_concurrentUse(t *testing.T) {
	t.Parallel()
	ts := setup(t, WithMaxRetries(10))
	var hits atomic.Int64
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 8 {
			serveJSON(w, http.StatusBadGateway, readFixture(t, "errors/server_error.json"))
			return
		}
		serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
	})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			if _, err := ts.client.Users.Get(t.Context(), Me); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Get: %v", err)
	}
}

func TestClient_nilContext(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Error("a request was sent")
		return nil, errors.New("unreachable")
	})}))
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1012 testing that a nil context is refused
	_, err = c.Users.Get(nil, Me) //nolint:staticcheck
	if !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Get(nil ctx): got %v; want ErrInvalidInput", err)
	}
}

func TestWithLogger(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := setup(t, WithLogger(logger))
	var hits atomic.Int64
	ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			serveJSON(w, http.StatusServiceUnavailable, readFixture(t, "errors/server_error.json"))
			return
		}
		serveJSON(w, http.StatusOK, []byte(`{"count":0,"next":null,"previous":null,"results":[]}`))
	})
	if _, err := ts.client.Users.List(t.Context(), &ListUsersOptions{UserFilter: UserFilter{Email: "secret.person@example.com"}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"level=DEBUG", "method=GET", "path=/api/users/", "attempt=1", "status=503", "duration=",
		`level=INFO msg="posthogusers: retrying"`, `reason="503 Service Unavailable"`, "wait_source=backoff",
		"attempt=2", "status=200",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range []string{testKey, "Bearer", "secret.person", "server_error"} {
		if strings.Contains(out, leak) {
			t.Errorf("log contains %q:\n%s", leak, out)
		}
	}
	if n := strings.Count(out, "attempt=2"); n != 1 {
		t.Errorf("attempt 2 logged %d times; want once:\n%s", n, out)
	}
	if strings.Contains(out, "level=INFO") && strings.Count(out, "level=INFO") != 1 {
		t.Errorf("want one Info line, the retry:\n%s", out)
	}
}

// syncBuffer is a strings.Builder safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p to the buffer.
func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
