// Package schematest checks HTTP traffic against PostHog's OpenAPI schema for
// the users API, for the tests of posthogusers and posthogtest. It is used by
// tests only.
package schematest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// schema is a loaded schema and its router.
type schema struct {
	doc    *openapi3.T
	router routers.Router
}

// loaded caches schemas by file name for the whole test binary. Loading the
// schema takes tens of milliseconds; tests load it once.
var loaded sync.Map // file name → func() (*schema, error)

func load(file string) (*schema, error) {
	f, _ := loaded.LoadOrStore(file, sync.OnceValues(func() (*schema, error) {
		doc, err := openapi3.NewLoader().LoadFromFile(file)
		if err != nil {
			return nil, err
		}
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("schema does not validate: %w", err)
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			return nil, err
		}
		return &schema{doc: doc, router: router}, nil
	}))
	return f.(func() (*schema, error))()
}

// Doc returns the schema in file, failing t if it cannot be loaded. The
// document is shared: callers must not change it.
func Doc(t testing.TB, file string) *openapi3.T {
	t.Helper()
	s, err := load(file)
	if err != nil {
		t.Fatalf("loading %s: %v", file, err)
	}
	return s.doc
}

// Router returns a router over the schema in file, failing t if it cannot be
// loaded.
func Router(t testing.TB, file string) routers.Router {
	t.Helper()
	s, err := load(file)
	if err != nil {
		t.Fatalf("loading %s: %v", file, err)
	}
	return s.router
}

// Transport is an http.RoundTripper that validates every request it sends,
// and every response it gets back, against the schema, reporting a mismatch
// with T.Errorf.
type Transport struct {
	// T receives the mismatches.
	T testing.TB
	// Next sends the requests.
	Next http.RoundTripper
	// Router is the schema's router.
	Router routers.Router
	// Prefix is a path prefix the server mounts the API under; it is
	// removed before matching the schema's paths.
	Prefix string
	// SkipResponses turns response validation off, for tests that serve
	// deliberately broken responses (a proxy's HTML page, a truncated body).
	SkipResponses atomic.Bool
	// SkipRequests turns all validation off, for tests of what the schema
	// does not describe.
	SkipRequests atomic.Bool
	// Requests counts the requests sent.
	Requests atomic.Int64
}

// RoundTrip validates req, sends it with Next and validates the response.
func (s *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	s.Requests.Add(1)
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	if s.SkipRequests.Load() {
		return s.Next.RoundTrip(req)
	}
	input := ValidateRequest(s.T, s.Router, req, body, s.Prefix)

	resp, err := s.Next.RoundTrip(req)
	if err != nil || input == nil || s.SkipResponses.Load() {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	ValidateResponse(s.T, input, resp.StatusCode, resp.Header, respBody)
	return resp, nil
}

// ValidateRequest checks req, whose body is body, against the schema
// operation its method and path (less prefix) name. It returns the
// validation input for the response check, or nil after reporting a request
// the schema has no operation for.
func ValidateRequest(t testing.TB, router routers.Router, req *http.Request, body []byte, prefix string) *openapi3filter.RequestValidationInput {
	t.Helper()
	vreq := req.Clone(context.Background())
	vreq.URL = &url.URL{
		Scheme:   "https",
		Host:     "us.posthog.com",
		Path:     strings.TrimPrefix(req.URL.Path, prefix),
		RawPath:  strings.TrimPrefix(req.URL.RawPath, prefix),
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
		Options:    &openapi3filter.Options{AuthenticationFunc: authenticate},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
		t.Errorf("schema: request %s %s does not match PostHog's schema: %v", req.Method, vreq.URL.Path, err)
	}
	return input
}

// authenticate accepts what PostHog takes where the schema asks for a
// personal API key: a bearer token, or a session cookie.
func authenticate(_ context.Context, ai *openapi3filter.AuthenticationInput) error {
	r := ai.RequestValidationInput.Request
	if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		return nil
	}
	if _, err := r.Cookie("sessionid"); err == nil {
		return nil
	}
	return errors.New("neither an Authorization: Bearer header nor a session cookie")
}

// ValidateResponse checks a response against the schema operation of input.
func ValidateResponse(t testing.TB, input *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) {
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
