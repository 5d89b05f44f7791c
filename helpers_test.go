package posthogusers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/go-cmp/cmp"
)

// testKey is the personal API key of the tests. Tests check that it never
// shows up where it must not.
const testKey = "phx_T3stK3yD0N0tL3akAbCdEfGhIjKlMnOpQrStUvWxYz012345"

// basePath is where the test server mounts the API, so that a request built
// with an absolute path instead of one relative to the base URL fails.
const basePath = "/posthog"

// specFile is the copy of PostHog's published OpenAPI schema for the users
// endpoints.
const specFile = "testdata/posthog-users.openapi.yaml"

// loadSchema loads the schema once for the whole test binary.
var loadSchema = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("schema does not validate: %w", err)
	}
	return doc, nil
})

// loadSchemaRouter builds the router over the schema once.
var loadSchemaRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := loadSchema()
	if err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

// loadSchemaDoc returns PostHog's schema, failing t if it cannot be loaded.
// It is shared: callers must not change it.
func loadSchemaDoc(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := loadSchema()
	if err != nil {
		t.Fatalf("loading %s: %v", specFile, err)
	}
	return doc
}

// schemaRouter returns the router over PostHog's schema, failing t if the
// schema cannot be loaded.
func schemaRouter(t testing.TB) routers.Router {
	t.Helper()
	r, err := loadSchemaRouter()
	if err != nil {
		t.Fatalf("loading %s: %v", specFile, err)
	}
	return r
}

// schemaTransport is the test transport: it validates every request the
// client sends, and every response it gets back, against PostHog's
// published schema, failing the test on a mismatch.
type schemaTransport struct {
	t      testing.TB
	next   http.RoundTripper
	router routers.Router
	// skipResponses turns response validation off, for tests that serve
	// deliberately broken responses (a proxy's HTML page, a truncated body).
	skipResponses atomic.Bool
	// skipRequests turns all validation off, for tests of what the schema
	// does not describe (a renamed session cookie).
	skipRequests atomic.Bool
	requests     atomic.Int64
}

func (s *schemaTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s.requests.Add(1)
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	if s.skipRequests.Load() {
		return s.next.RoundTrip(req)
	}
	input := validateSchemaRequest(s.t, s.router, req, body)

	resp, err := s.next.RoundTrip(req)
	if err != nil || input == nil || s.skipResponses.Load() {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	validateSchemaResponse(s.t, input, resp.StatusCode, resp.Header, respBody)
	return resp, nil
}

// validateSchemaRequest checks req against the schema operation its method
// and path (less the base path) name. It returns the validation input for
// the response check, or nil after reporting a request the schema has no
// operation for.
func validateSchemaRequest(t testing.TB, router routers.Router, req *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	t.Helper()
	vreq := req.Clone(context.Background())
	vreq.URL = &url.URL{
		Scheme:   "https",
		Host:     "us.posthog.com",
		Path:     strings.TrimPrefix(req.URL.Path, basePath),
		RawPath:  strings.TrimPrefix(req.URL.RawPath, basePath),
		RawQuery: req.URL.RawQuery,
	}
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		t.Errorf("schema: %s %s matches no operation of PostHog's schema: %v", req.Method, vreq.URL.Path, err)
		return nil
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    vreq,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: func(_ context.Context, ai *openapi3filter.AuthenticationInput) error {
				// PostHog takes a personal API key or a session cookie.
				r := ai.RequestValidationInput.Request
				if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
					return nil
				}
				if _, err := r.Cookie("sessionid"); err == nil {
					return nil
				}
				return errors.New("neither an Authorization: Bearer header nor a session cookie")
			},
		},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
		t.Errorf("schema: request %s %s does not match PostHog's schema: %v", req.Method, vreq.URL.Path, err)
	}
	return input
}

// validateSchemaResponse checks a response against the schema operation of
// input.
func validateSchemaResponse(t testing.TB, input *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) {
	t.Helper()
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: false},
	})
	if err != nil {
		t.Errorf("schema: %d response to %s %s does not match PostHog's schema: %v",
			status, input.Request.Method, input.Request.URL.Path, err)
	}
}

// testServer is a fake PostHog for one test: handlers registered on mux are
// reached through the client, which validates traffic against the schema.
type testServer struct {
	client    *Client
	mux       *http.ServeMux
	server    *httptest.Server
	transport *schemaTransport
}

// testSession is the session of the tests that authenticate with one.
var testSession = Session{ID: "s3ss10nIdD0N0tL3akq8w7e6r5t4y3u2i1", CSRFToken: "csrfT0kenD0N0tL3akZ9x8c7v6b5n4m3"}

// setup starts a test server and a client for it with fast retries,
// authenticated with testKey. opts are applied after the test defaults.
func setup(t *testing.T, opts ...Option) *testServer {
	t.Helper()
	return setupWith(t, testKey, opts...)
}

// setupSession is setup for a client authenticated with testSession.
func setupSession(t *testing.T, opts ...Option) *testServer {
	t.Helper()
	return setupWith(t, "", append([]Option{WithSession(testSession)}, opts...)...)
}

// setupWith is setup with the key given to NewClient.
func setupWith(t *testing.T, key string, opts ...Option) *testServer {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	outer.Handle(basePath+"/", http.StripPrefix(basePath, mux))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base URL: %s %s", r.Method, r.URL)
		http.Error(w, "outside the base URL", http.StatusNotFound)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)

	tr := &schemaTransport{t: t, next: srv.Client().Transport, router: schemaRouter(t)}
	all := append([]Option{
		WithBaseURL(srv.URL + basePath),
		WithHTTPClient(&http.Client{Transport: tr, Timeout: 10 * time.Second}),
		WithRetryWait(time.Millisecond, 2*time.Millisecond),
	}, opts...)
	client, err := NewClient(key, all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return &testServer{client: client, mux: mux, server: srv, transport: tr}
}

// readFixture returns a file of testdata/.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	return b
}

// serveJSON writes body as a JSON response with status.
func serveJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fixtureUser returns the users_get.json fixture as a JSON object, changed
// to be user n (its id, uuid and email differ per n).
func fixtureUser(t testing.TB, n int) map[string]any {
	t.Helper()
	var u map[string]any
	if err := json.Unmarshal(readFixture(t, "users_get.json"), &u); err != nil {
		t.Fatalf("decoding fixture: %v", err)
	}
	u["id"] = n
	u["uuid"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	u["email"] = fmt.Sprintf("user%d@example.com", n)
	return u
}

// mustJSON encodes v.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding JSON: %v", err)
	}
	return b
}

// testMethod fails t when r's method is not want.
func testMethod(t testing.TB, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("request method: got %s; want %s", r.Method, want)
	}
}

// testAuth fails t when r does not carry the test key as a bearer token.
func testAuth(t testing.TB, r *http.Request) {
	t.Helper()
	if got, want := r.Header.Get("Authorization"), "Bearer "+testKey; got != want {
		t.Errorf("Authorization header: got %q; want %q", got, want)
	}
}

// testQuery fails t when r's query differs from want.
func testQuery(t testing.TB, r *http.Request, want url.Values) {
	t.Helper()
	if diff := cmp.Diff(want, r.URL.Query()); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}

// testJSONBody fails t when r's body is not the JSON value want.
func testJSONBody(t testing.TB, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	var got, wantV any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", b, err)
	}
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if diff := cmp.Diff(wantV, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// jsonResponse builds a response for a RoundTripper.
func jsonResponse(r *http.Request, status int, body string) *http.Response {
	return &http.Response{
		StatusCode: status,
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    r,
	}
}

// mustParseURL parses a URL or fails t.
func mustParseURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parsing %q: %v", raw, err)
	}
	return u
}
