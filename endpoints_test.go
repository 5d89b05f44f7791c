package posthogusers

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// endpointCase is one call of an endpoint method against a handler that
// checks the request the method sends and answers with a canned response.
type endpointCase struct {
	name      string
	session   bool       // authenticate with testSession instead of testKey
	anonymous bool       // the request must carry no credential
	route     string     // ServeMux pattern the request must match
	wantQuery url.Values // the exact query (nil: none)
	wantBody  string     // the JSON body ("": no body)
	status    int
	resp      string
	call      func(ctx context.Context, c *Client) (any, error)
	want      any
}

// The values the endpoint cases of every service share.
var (
	// testUserUUID is the UUID of the user of testdata/users_get.json.
	testUserUUID = uuid.MustParse("0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07")
	// testCreated is when the objects of the cases were created.
	testCreated = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	// usersGetFixture is testdata/users_get.json: PostHog's answer with a
	// user.
	//go:embed testdata/users_get.json
	usersGetFixture string
	// usersGetFixtureUser is usersGetFixture decoded.
	usersGetFixtureUser = decodeFixtureUser(usersGetFixture)
	// tooLong is 129 two-byte characters: more than any length-limited
	// argument allows.
	tooLong = strings.Repeat("é", 129)
)

// decodeFixtureUser decodes a user fixture, which is known to be valid: it
// panics when it is not.
func decodeFixtureUser(body string) User {
	var u User
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		panic("decoding a user fixture: " + err.Error())
	}
	return u
}

// endpointCases returns the endpoint cases of every service, kept next to
// each service's tests.
func endpointCases() []endpointCase {
	return slices.Concat(usersEndpointCases, usersSettingsEndpointCases, usersEmailEndpointCases,
		usersSessionsEndpointCases, usersPushTokensEndpointCases, twoFactorEndpointCases,
		integrationsEndpointCases, signalAutonomyEndpointCases)
}

// server starts the test server of tt, with a client authenticated with
// testSession or testKey as tt says.
func (tt endpointCase) server(t *testing.T) *testServer {
	t.Helper()
	if tt.session {
		return setupSession(t)
	}
	return setup(t)
}

// checkRequest fails t when r is not the request tt wants: its credential,
// query and body.
func (tt endpointCase) checkRequest(t *testing.T, r *http.Request) {
	t.Helper()
	switch {
	case tt.anonymous:
		if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
			t.Errorf("anonymous endpoint got a credential: Authorization %q, Cookie %q", r.Header.Get("Authorization"), r.Header.Get("Cookie"))
		}
	case tt.session:
		testSessionAuth(t, r)
	default:
		testAuth(t, r)
	}
	testQuery(t, r, orEmpty(tt.wantQuery))
	if tt.wantBody != "" {
		testJSONBody(t, r, tt.wantBody)
	} else if r.ContentLength > 0 {
		t.Errorf("request has a body of %d bytes; want none", r.ContentLength)
	}
}

// respond writes the canned response of tt.
func (tt endpointCase) respond(w http.ResponseWriter) {
	if tt.resp == "" {
		w.WriteHeader(tt.status)
		return
	}
	serveJSON(w, tt.status, []byte(tt.resp))
}

// TestEndpoints calls every endpoint method of every service against a
// handler that checks the request (credential, query, body) and answers
// with the case's canned response, and compares what the method returns.
func TestEndpoints(t *testing.T) {
	t.Parallel()
	for _, tt := range endpointCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := tt.server(t)
			var served int
			ts.mux.HandleFunc(tt.route, func(w http.ResponseWriter, r *http.Request) {
				served++
				tt.checkRequest(t, r)
				tt.respond(w)
			})
			got, err := tt.call(t.Context(), ts.client)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if served != 1 {
				t.Fatalf("handler ran %d times; want 1", served)
			}
			if diff := cmp.Diff(tt.want, got, ignoreSent); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEndpoints_validationError sends every endpoint's request to a server
// that refuses it with PostHog's 400 envelope, and checks that each method
// returns it as an *APIError matching ErrValidation, with the envelope's
// fields, after one attempt.
func TestEndpoints_validationError(t *testing.T) {
	t.Parallel()
	const envelope = `{"type":"validation_error","code":"invalid_input","detail":"Ensure this value is greater than or equal to 1.","attr":"limit"}`
	for _, tt := range endpointCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := tt.server(t)
			var served atomic.Int64
			ts.mux.HandleFunc(tt.route, func(w http.ResponseWriter, r *http.Request) {
				served.Add(1)
				serveJSON(w, http.StatusBadRequest, []byte(envelope))
			})
			_, err := tt.call(t.Context(), ts.client)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || !errors.Is(err, ErrValidation) {
				t.Fatalf("error: got %T %v; want an *APIError matching ErrValidation", err, err)
			}
			if apiErr.Code != "invalid_input" || apiErr.Attr != "limit" || apiErr.Type != "validation_error" || apiErr.Attempts != 1 {
				t.Errorf("APIError fields: %+v", apiErr)
			}
			if served.Load() != 1 {
				t.Errorf("requests: %d; want 1 (400 is never retried)", served.Load())
			}
		})
	}
}

// orEmpty returns v, or empty values for nil.
func orEmpty(v url.Values) url.Values {
	if v == nil {
		return url.Values{}
	}
	return v
}

// invalidInputCase is a call with an argument the client refuses before
// sending a request.
type invalidInputCase struct {
	name    string
	call    func(ctx context.Context, c *Client) error
	wantArg string // InputError.Arg
}

// invalidInputCases returns the invalid input cases of every service, made
// with a client authenticated with testKey.
func invalidInputCases() []invalidInputCase {
	return slices.Concat(usersInvalidInputCases, usersSettingsInvalidInputCases, usersEmailInvalidInputCases,
		usersSessionsInvalidInputCases, usersPushTokensInvalidInputCases, twoFactorInvalidInputCases,
		integrationsInvalidInputCases, signalAutonomyInvalidInputCases)
}

// TestEndpoints_invalidInput checks that every method refuses invalid
// arguments with an *InputError naming the argument, sending nothing.
func TestEndpoints_invalidInput(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	sess := setupSession(t, WithSession(Session{ID: "s"})) // no CSRF token
	for _, srv := range []*testServer{ts, sess} {
		srv.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("request sent for invalid input: %s %s", r.Method, r.URL)
		})
	}
	runInvalidInputCases(t, ts.client, invalidInputCases())
	runInvalidInputCases(t, sess.client, csrfLessSessionInvalidInputCases)
}

// runInvalidInputCases runs each case with c as a parallel subtest of t.
func runInvalidInputCases(t *testing.T, c *Client, cases []invalidInputCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(t.Context(), c)
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error: got %T %v; want *InputError", err, err)
			}
			if ie.Arg != tt.wantArg {
				t.Errorf("InputError.Arg: got %q; want %q (%v)", ie.Arg, tt.wantArg, err)
			}
		})
	}
}
