package posthogusers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// doRequest is what the server of a Client.Do test received.
type doRequest struct {
	method, path, query string
	header              http.Header
	body                string
}

// doServer is a server for Client.Do tests, mounted under basePath, that
// records the requests it gets and answers each with the next of
// answers (the last one for every request after).
type doServer struct {
	client *Client
	mu     sync.Mutex
	got    []doRequest
}

func newDoServer(t *testing.T, answers []http.HandlerFunc, opts ...Option) *doServer {
	t.Helper()
	ds := &doServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ds.mu.Lock()
		ds.got = append(ds.got, doRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), string(b)})
		n := len(ds.got)
		ds.mu.Unlock()
		if !strings.HasPrefix(r.URL.Path, basePath+"/api/") {
			t.Errorf("request outside the base URL's path: %s", r.URL.Path)
		}
		answers[min(n, len(answers))-1](w, r)
	}))
	t.Cleanup(srv.Close)
	ds.client = hostileClient(t, srv.URL+basePath, testKey, append([]Option{WithMaxRetries(3)}, opts...)...)
	return ds
}

func (ds *doServer) requests() []doRequest {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return append([]doRequest(nil), ds.got...)
}

// TestClientDo_request checks what Do sends: the method, the path on the
// base URL, the query, the credential and the client's headers, and the
// body in each of its forms.
func TestClientDo_request(t *testing.T) {
	t.Parallel()
	type flag struct {
		Key    string `json:"key"`
		Active bool   `json:"active"`
	}
	tests := []struct {
		name, method, path string
		body               any
		wantPath, wantQ    string
		wantBody           string
	}{
		{"GET, no body", "GET", "/api/projects/@current/feature_flags/", nil, "/api/projects/@current/feature_flags/", "", ""},
		{"a query, re-encoded", "GET", "/api/projects/1/persons/?search=ada%20l&limit=5&distinct_id=a+b", nil, "/api/projects/1/persons/", "distinct_id=a+b&limit=5&search=ada+l", ""},
		{"escaped parameters", "GET", "/api/projects/1/cohorts/%40me/%C3%A9/", nil, "/api/projects/1/cohorts/%40me/%C3%A9/", "", ""},
		{"a value, encoded", "POST", "/api/projects/1/feature_flags/", flag{Key: "beta", Active: true}, "/api/projects/1/feature_flags/", "", `{"key":"beta","active":true}`},
		{"jsontext.Value as it is", "PATCH", "/api/projects/1/feature_flags/7/", jsontext.Value(`{ "active" : false }`), "/api/projects/1/feature_flags/7/", "", `{ "active" : false }`},
		{"[]byte as it is", "PUT", "/api/projects/1/", []byte(`{"name": "p"}`), "/api/projects/1/", "", `{"name": "p"}`},
		{"DELETE", "DELETE", "/api/projects/1/feature_flags/7/", nil, "/api/projects/1/feature_flags/7/", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ds := newDoServer(t, []http.HandlerFunc{answer(http.StatusOK, `{}`)})
			if err := ds.client.Do(t.Context(), tt.method, tt.path, tt.body, nil); err != nil {
				t.Fatal(err)
			}
			got := ds.requests()
			if len(got) != 1 {
				t.Fatalf("%d requests; want 1", len(got))
			}
			r := got[0]
			if r.method != tt.method || r.path != basePath+tt.wantPath || r.query != tt.wantQ || r.body != tt.wantBody {
				t.Errorf("sent %s %s ?%s %q; want %s %s ?%s %q", r.method, r.path, r.query, r.body, tt.method, basePath+tt.wantPath, tt.wantQ, tt.wantBody)
			}
			if auth := r.header.Get("Authorization"); auth != "Bearer "+testKey {
				t.Errorf("Authorization %q; want the key", auth)
			}
			if r.header.Get("Accept") != "application/json" || !strings.HasPrefix(r.header.Get("User-Agent"), "posthogusers/") {
				t.Errorf("headers %v; want the client's Accept and User-Agent", r.header)
			}
			if ct := r.header.Get("Content-Type"); (tt.wantBody != "") != (ct == "application/json") {
				t.Errorf("Content-Type %q with body %q", ct, tt.wantBody)
			}
		})
	}
}

// TestClientDo_answer checks what Do does with a 2xx answer: decoded into
// out, as it is into a *[]byte, unread for a nil out, and out left alone
// when the answer has no body.
func TestClientDo_answer(t *testing.T) {
	t.Parallel()
	ds := newDoServer(t, []http.HandlerFunc{answer(http.StatusOK, `{"id": 7, "key": "beta"}`)})
	ctx := t.Context()
	var flag struct {
		ID  int    `json:"id"`
		Key string `json:"key"`
	}
	if err := ds.client.Do(ctx, "GET", "/api/projects/1/feature_flags/7/", nil, &flag); err != nil || flag.ID != 7 || flag.Key != "beta" {
		t.Errorf("decoded %+v, %v", flag, err)
	}
	var raw []byte
	if err := ds.client.Do(ctx, "GET", "/api/projects/1/feature_flags/7/", nil, &raw); err != nil || string(raw) != `{"id": 7, "key": "beta"}` {
		t.Errorf("raw %q, %v", raw, err)
	}
	var value jsontext.Value
	if err := ds.client.Do(ctx, "GET", "/api/projects/1/feature_flags/7/", nil, &value); err != nil || string(value) != `{"id": 7, "key": "beta"}` {
		t.Errorf("jsontext.Value %q, %v", value, err)
	}

	notJSON := newDoServer(t, []http.HandlerFunc{answer(http.StatusOK, `not json`)})
	if err := notJSON.client.Do(ctx, "POST", "/api/projects/1/query/", nil, nil); err != nil {
		t.Errorf("nil out: %v; want the answer unread", err)
	}
	if err := notJSON.client.Do(ctx, "POST", "/api/projects/1/query/", nil, &flag); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("an answer that is not JSON: %v; want ErrMalformedResponse", err)
	}

	empty := newDoServer(t, []http.HandlerFunc{answer(http.StatusNoContent, "")})
	flag.ID = 9
	if err := empty.client.Do(ctx, "DELETE", "/api/projects/1/feature_flags/9/", nil, &flag); err != nil || flag.ID != 9 {
		t.Errorf("204: %+v, %v; want out left alone", flag, err)
	}
	head := newDoServer(t, []http.HandlerFunc{answer(http.StatusOK, "")})
	if err := head.client.Do(ctx, "HEAD", "/api/projects/1/", nil, &flag); err != nil || flag.ID != 9 {
		t.Errorf("HEAD: %+v, %v; want out left alone", flag, err)
	}
}

// TestClientDo_refused checks that Do refuses, before sending, a method it
// does not send, a path that could leave the path it names or the origin,
// a body that is not JSON and an out it cannot fill, without repeating the
// path.
func TestClientDo_refused(t *testing.T) {
	t.Parallel()
	ds := newDoServer(t, []http.HandlerFunc{answer(http.StatusOK, `{}`)})
	var out struct{}
	tests := []struct {
		name, method, path string
		body, out          any
		arg                string
	}{
		{"lower-case method", "get", "/api/projects/", nil, nil, "method"},
		{"TRACE", "TRACE", "/api/projects/", nil, nil, "method"},
		{"CONNECT", "CONNECT", "/api/projects/", nil, nil, "method"},
		{"no method", "", "/api/projects/", nil, nil, "method"},
		{"empty", "GET", "", nil, nil, "path"},
		{"not under /api/", "GET", "/admin/", nil, nil, "path"},
		{"/api alone", "GET", "/api", nil, nil, "path"},
		{"relative", "GET", "api/feature_flags/", nil, nil, "path"},
		{"absolute URL", "GET", "https://evil.example/api/projects/", nil, nil, "path"},
		{"another host", "GET", "//evil.example/api/projects/", nil, nil, "path"},
		{"upper-case API", "GET", "/API/projects/", nil, nil, "path"},
		{"dot-dot", "GET", "/api/../admin/", nil, nil, "path"},
		{"dot-dot at the end", "GET", "/api/projects/..", nil, nil, "path"},
		{"dot", "GET", "/api/./projects/", nil, nil, "path"},
		{"empty segment", "GET", "/api//projects/", nil, nil, "path"},
		{"escaped dot-dot", "GET", "/api/%2e%2e/admin/", nil, nil, "path"},
		{"escaped dot-dot, capitals", "GET", "/api/%2E%2E/admin/", nil, nil, "path"},
		{"escaped slash", "GET", "/api/projects%2f..%2fadmin/", nil, nil, "path"},
		{"escaped backslash", "GET", "/api/projects%5c/", nil, nil, "path"},
		{"escaped percent", "GET", "/api/%252e%252e/", nil, nil, "path"},
		{"escaped NUL", "GET", "/api/projects%00/", nil, nil, "path"},
		{"escaped semicolon", "GET", "/api/projects%3b/", nil, nil, "path"},
		{"escaped question mark", "GET", "/api/projects%3f/", nil, nil, "path"},
		{"bad escape", "GET", "/api/projects%zz/", nil, nil, "path"},
		{"cut escape", "GET", "/api/projects%2", nil, nil, "path"},
		{"backslash", "GET", `/api\..\admin/`, nil, nil, "path"},
		{"semicolon", "GET", "/api/projects/..;/admin/", nil, nil, "path"},
		{"space", "GET", "/api/projects/a b/", nil, nil, "path"},
		{"non-ASCII", "GET", "/api/projects/é/", nil, nil, "path"},
		{"invalid UTF-8", "GET", "/api/projects/\xff/", nil, nil, "path"},
		{"control character", "GET", "/api/projects/\n/", nil, nil, "path"},
		{"DEL", "GET", "/api/projects/\x7f/", nil, nil, "path"},
		{"fragment", "GET", "/api/projects/#top", nil, nil, "path"},
		{"query that does not parse", "GET", "/api/projects/?a=%zz", nil, nil, "path"},
		{"key in the query", "GET", "/api/projects/?personal_api_key=phx_x", nil, nil, "path"},
		{"key in the query, capitals", "GET", "/api/projects/?Personal_API_Key=phx_x", nil, nil, "path"},
		{"[]byte not JSON", "POST", "/api/projects/", []byte(`{"a":`), nil, "body"},
		{"jsontext.Value not JSON", "POST", "/api/projects/", jsontext.Value(`nope`), nil, "body"},
		{"out not a pointer", "GET", "/api/projects/", nil, out, "out"},
		{"out a nil pointer", "GET", "/api/projects/", nil, (*struct{})(nil), "out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ds.client.Do(t.Context(), tt.method, tt.path, tt.body, tt.out)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Arg != tt.arg {
				t.Fatalf("error %T %v; want an *InputError for %s", err, err, tt.arg)
			}
			if len(tt.path) > 8 && strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q repeats the path", err)
			}
		})
	}
	if got := ds.requests(); len(got) != 0 {
		t.Errorf("%d requests sent for refused calls: %+v", len(got), got)
	}
}

// TestClientDo_retries checks that the method decides whether Do retries,
// as for the endpoint methods: reads and PUT after a 503, POST and PATCH
// not (the outcome is unknown), but after a 429; a DELETE whose retry finds
// nothing to delete is done.
func TestClientDo_retries(t *testing.T) {
	t.Parallel()
	s503 := answer(http.StatusServiceUnavailable, serverErrorBody)
	ok := answer(http.StatusOK, `{}`)
	notFound := answer(http.StatusNotFound, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`)
	tests := []struct {
		method   string
		answers  []http.HandlerFunc
		requests int
		wantErr  error // nil for success
	}{
		{"GET", []http.HandlerFunc{s503, ok}, 2, nil},
		{"HEAD", []http.HandlerFunc{s503, ok}, 2, nil},
		{"OPTIONS", []http.HandlerFunc{s503, ok}, 2, nil},
		{"PUT", []http.HandlerFunc{s503, ok}, 2, nil},
		{"DELETE", []http.HandlerFunc{s503, notFound}, 2, nil},
		{"POST", []http.HandlerFunc{s503, ok}, 1, ErrOutcomeUnknown},
		{"PATCH", []http.HandlerFunc{s503, ok}, 1, ErrOutcomeUnknown},
		{"POST", []http.HandlerFunc{throttle("0"), ok}, 2, nil},
		{"PATCH", []http.HandlerFunc{throttle("0"), throttle("0")}, 1 + defaultMaxRateLimitRetries, ErrRateLimited},
		{"GET", []http.HandlerFunc{notFound}, 1, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			ds := newDoServer(t, tt.answers)
			err := ds.client.Do(t.Context(), tt.method, "/api/projects/1/feature_flags/7/", nil, nil)
			if (tt.wantErr == nil) != (err == nil) || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v; want %v", err, tt.wantErr)
			}
			if n := len(ds.requests()); n != tt.requests {
				t.Errorf("%d requests; want %d", n, tt.requests)
			}
		})
	}
}

// TestClientDo_failToConnect checks that a POST is retried after a failure
// to connect, which proves nothing was sent.
func TestClientDo_failToConnect(t *testing.T) {
	t.Parallel()
	c, n := scripted(t, testKey, nil, fail(errRefused), reply(http.StatusCreated, `{"id":1}`))
	var out map[string]int
	if err := c.Do(t.Context(), "POST", "/api/projects/1/feature_flags/", map[string]string{"key": "beta"}, &out); err != nil || out["id"] != 1 {
		t.Errorf("got %v, %v; want the answer after a retry", out, err)
	}
	if n.Load() != 2 {
		t.Errorf("%d attempts; want 2", n.Load())
	}
}

// TestClientDo_errors checks that Do's errors are the endpoint methods':
// PostHog's envelope as an *APIError, a missing scope as a *ScopeError, no
// credential in the text, the cap on the answer.
func TestClientDo_errors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	scope := newDoServer(t, []http.HandlerFunc{answer(http.StatusForbidden,
		`{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'feature_flag:write'","attr":null}`)})
	var se *ScopeError
	if err := scope.client.Do(ctx, "POST", "/api/projects/1/feature_flags/", nil, nil); !errors.As(err, &se) || se.Scope != "feature_flag:write" {
		t.Errorf("403 missing scope: %v; want a *ScopeError for feature_flag:write", err)
	}
	echo := newDoServer(t, []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusBadRequest, []byte(`{"type":"validation_error","code":"invalid_input","detail":"bad key `+r.Header.Get("Authorization")+`","attr":"key"}`))
	}})
	var apiErr *APIError
	err := echo.client.Do(ctx, "POST", "/api/projects/1/feature_flags/", nil, nil)
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrValidation) || apiErr.Attr != "key" {
		t.Errorf("400: %v; want an *APIError matching ErrValidation", err)
	}
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Errorf("error text shows the key: %v", err)
	}
	missing := newDoServer(t, []http.HandlerFunc{answer(http.StatusNotFound, `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`)})
	err = missing.client.Do(ctx, "GET", "/api/projects/1/no_such_thing/", nil, nil)
	if !errors.Is(err, ErrEndpointNotFound) || err == nil || !strings.Contains(err.Error(), "no such PostHog endpoint there; check the path") {
		t.Errorf("404 Endpoint not found: %v; want ErrEndpointNotFound naming the path", err)
	}
	big := newDoServer(t, []http.HandlerFunc{answer(http.StatusOK, `{"data":"`+strings.Repeat("a", 2000)+`"}`)}, WithMaxResponseBytes(1000))
	var v map[string]string
	if err := big.client.Do(ctx, "GET", "/api/projects/1/", nil, &v); !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("an answer over WithMaxResponseBytes: %v; want ErrResponseTooLarge", err)
	}
}

// TestClientDo_throughTheLoop checks that Do goes through the loop of the
// endpoint methods: middleware sees the operation "do", per-call options
// apply, and WithResponseInto is filled.
func TestClientDo_throughTheLoop(t *testing.T) {
	t.Parallel()
	ds := newDoServer(t, []http.HandlerFunc{answer(http.StatusBadGateway, serverErrorBody), answer(http.StatusOK, `{}`)})
	var seen []string
	mw := func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		seen = append(seen, OperationName(req))
		return next(req)
	}
	var resp Response
	err := ds.client.Do(t.Context(), "GET", "/api/projects/", nil, nil,
		WithRequestMiddleware(mw), WithRequestHeader("X-Trace", "t1"), WithResponseInto(&resp), WithRequestTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"do", "do"}, seen); diff != "" {
		t.Errorf("middleware saw (-want +got):\n%s", diff)
	}
	if resp.Attempts != 2 || resp.StatusCode != http.StatusOK {
		t.Errorf("Response %+v; want 200 after 2 attempts", resp)
	}
	if got := ds.requests(); got[0].header.Get("X-Trace") != "t1" {
		t.Errorf("X-Trace %q; want t1", got[0].header.Get("X-Trace"))
	}
}

// TestClientDo_sessionNeedsCSRF checks that a session without a CSRF
// token is refused for a write through Do too, and a read goes.
func TestClientDo_sessionNeedsCSRF(t *testing.T) {
	t.Parallel()
	ds := newDoServer(t, []http.HandlerFunc{answer(http.StatusOK, `{}`)})
	c := hostileClient(t, ds.client.BaseURL(), "", WithSession(Session{ID: "s"}))
	if err := c.Do(t.Context(), "POST", "/api/projects/", nil, nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("POST without a CSRF token: %v; want ErrInvalidInput", err)
	}
	if err := c.Do(t.Context(), "GET", "/api/projects/", nil, nil); err != nil {
		t.Errorf("GET: %v", err)
	}
	if got := ds.requests(); len(got) != 1 || got[0].header.Get("Cookie") != "sessionid=s" {
		t.Errorf("requests %+v; want the GET with the session cookie", got)
	}
}

// TestClientDo_nilContext checks that a nil context is refused.
func TestClientDo_nilContext(t *testing.T) {
	t.Parallel()
	c, n := scripted(t, testKey, nil, reply(http.StatusOK, `{}`))
	var nilCtx context.Context
	if err := c.Do(nilCtx, "GET", "/api/projects/", nil, nil); !errors.Is(err, ErrInvalidInput) || n.Load() != 0 {
		t.Errorf("nil ctx: %v, %d requests", err, n.Load())
	}
}

// FuzzCheckAPIPath checks that a path Client.Do accepts stays on the base
// URL's origin and names, decoded once, the path it says: under /api/,
// with no dot segment, backslash or semicolon, and no credential in the
// query.
func FuzzCheckAPIPath(f *testing.F) {
	for _, seed := range []string{
		"/api/projects/@current/feature_flags/?active=true", "/api/%2e%2e/", "/api/a%252e/", "/api/..;/x",
		"//evil/api/", "/api/x/%C3%A9/", "/api/x?personal_api_key=k", `/api\x`, "/api/x/%40me/#f",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		apiPath, query, err := checkAPIPath(p)
		if err != nil {
			return
		}
		u, err := url.Parse("https://posthog.example/prefix" + apiPath)
		if err != nil || u.Host != "posthog.example" || u.User != nil {
			t.Fatalf("%q: parses as %v, %v", p, u, err)
		}
		decoded, err := url.PathUnescape(apiPath)
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		if !strings.HasPrefix(decoded, "/api/") || strings.ContainsAny(decoded, `\;?#%`) || hasControl(decoded) {
			t.Fatalf("%q decodes to %q", p, decoded)
		}
		if clean := path.Clean(decoded); clean != strings.TrimSuffix(decoded, "/") {
			t.Fatalf("%q decodes to %q, which a proxy would clean to %q", p, decoded, clean)
		}
		for name := range query {
			if strings.EqualFold(name, "personal_api_key") {
				t.Fatalf("%q: a key in the query", p)
			}
		}
	})
}
