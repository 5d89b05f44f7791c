package posthogusers

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/go-cmp/cmp"

	"github.com/hogkit/posthogusers/internal/schematest"
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

// schemaTransport validates the tests' traffic against the schema.
type schemaTransport = schematest.Transport

// loadSchemaDoc returns PostHog's schema, failing t if it cannot be loaded.
// It is shared: callers must not change it.
func loadSchemaDoc(t testing.TB) *openapi3.T {
	t.Helper()
	return schematest.Doc(t, specFile)
}

// schemaRouter returns the router over PostHog's schema.
func schemaRouter(t testing.TB) routers.Router {
	t.Helper()
	return schematest.Router(t, specFile)
}

// validateSchemaRequest checks req against the schema operation its method
// and path (less the base path) name, returning the input for
// validateSchemaResponse.
func validateSchemaRequest(t testing.TB, router routers.Router, req *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	t.Helper()
	return schematest.ValidateRequest(t, router, req, body, basePath)
}

// validateSchemaResponse checks a response against the schema operation of
// input.
func validateSchemaResponse(t testing.TB, input *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) {
	t.Helper()
	schematest.ValidateResponse(t, input, status, header, body)
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

	tr := &schemaTransport{T: t, Next: srv.Client().Transport, Router: schemaRouter(t), Prefix: basePath}
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
	return fixtureUserFrom(t, "users_get.json", n)
}

// fixtureUserFrom returns the user of the fixture file name in testdata/
// as a JSON object, changed to be user n as fixtureUser changes it.
func fixtureUserFrom(t testing.TB, name string, n int) map[string]any {
	t.Helper()
	var u map[string]any
	if err := json.Unmarshal(readFixture(t, name), &u); err != nil {
		t.Fatalf("decoding fixture %s: %v", name, err)
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

// RoundTrip calls f.
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

// testSessionAuth fails t when r does not carry testSession the way Django
// expects it: the cookies always, and on unsafe methods the CSRF header with
// Origin and Referer naming the base URL; and never a bearer token.
func testSessionAuth(t testing.TB, r *http.Request) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization header %q sent with a session", got)
	}
	if c, err := r.Cookie("sessionid"); err != nil || c.Value != testSession.ID {
		t.Errorf("sessionid cookie: got %v, %v; want the session ID", c, err)
	}
	if c, err := r.Cookie("posthog_csrftoken"); err != nil || c.Value != testSession.CSRFToken {
		t.Errorf("posthog_csrftoken cookie: got %v, %v; want the CSRF token", c, err)
	}
	if safeMethod(r.Method) {
		if got := r.Header.Get("X-CSRFToken"); got != "" {
			t.Errorf("X-CSRFToken on %s: got %q; want none", r.Method, got)
		}
		return
	}
	if got := r.Header.Get("X-CSRFToken"); got != testSession.CSRFToken {
		t.Errorf("X-CSRFToken on %s: got %q; want the CSRF token", r.Method, got)
	}
	origin := "http://" + r.Host
	if got := r.Header.Get("Origin"); got != origin {
		t.Errorf("Origin: got %q; want %q", got, origin)
	}
	if got, want := r.Header.Get("Referer"), origin+basePath+"/"; got != want {
		t.Errorf("Referer: got %q; want %q", got, want)
	}
}

// errOf returns the error of a call that returns a value and an error, so
// that a table of calls holds any method as a func returning an error.
func errOf[T any](_ T, err error) error { return err }

// errOf2 is errOf for a call that returns two values and an error.
func errOf2[T, U any](_ T, _ U, err error) error { return err }
