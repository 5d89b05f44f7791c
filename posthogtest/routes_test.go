package posthogtest_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
	"github.com/jarcoal/httpmock"
)

// endpointNotFound is PostHog's answer to a path its URL conf has no route
// for (posthog/urls.py, api_not_found), byte for byte.
const endpointNotFound = `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`

// wantEndpointNotFound checks that a raw answer is PostHog's 404 for an
// unknown path, and nothing else.
func wantEndpointNotFound(t *testing.T, r response) {
	t.Helper()
	if r.status != http.StatusNotFound || string(r.body) != endpointNotFound {
		t.Errorf("%d %s; want 404 %s", r.status, r.body, endpointNotFound)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q; want application/json", ct)
	}
}

// routeCase is a request to one of the fake's routes. Its path starts at
// /api; "{uuid}" stands for the path's user and "{inst}" for a GitHub
// installation of that user's.
type routeCase struct {
	method, path, body string
}

// everyRoute is every method of every route of PostHog's users API, one
// request each.
var everyRoute = []routeCase{
	{"GET", "/api/users/", ""},
	{"GET", "/api/users/{uuid}/", ""},
	{"PATCH", "/api/users/{uuid}/", `{"first_name":"Ada"}`},
	{"PUT", "/api/users/{uuid}/", `{"first_name":"Ada"}`},
	{"DELETE", "/api/users/{uuid}/", ""},
	{"GET", "/api/users/{uuid}/github_login/", ""},
	{"GET", "/api/users/{uuid}/hedgehog_config/", ""},
	{"PATCH", "/api/users/{uuid}/hedgehog_config/", `{"enabled":true}`},
	{"PATCH", "/api/users/{uuid}/product_intro_seen/", `{"product_key":"surveys"}`},
	{"POST", "/api/users/{uuid}/scene_personalisation/", `{"scene":"Dashboards","dashboard":1}`},
	{"PATCH", "/api/users/cancel_email_change_request/", ""},
	{"POST", "/api/users/verify_email/", `{"uuid":"00000000-0000-4000-8000-000000000000","token":"x"}`},
	{"POST", "/api/users/request_email_verification/", `{"uuid":"00000000-0000-4000-8000-000000000000"}`},
	{"POST", "/api/users/{uuid}/onboarding/skip/", `{"product_key":"surveys"}`},
	{"GET", "/api/users/{uuid}/login_sessions/", ""},
	{"DELETE", "/api/users/{uuid}/login_sessions/s3ss10n/", ""},
	{"POST", "/api/users/{uuid}/login_sessions/revoke_others/", ""},
	{"POST", "/api/users/{uuid}/credentials_review_complete/", ""},
	{"POST", "/api/users/@me/push_tokens/", `{"token":"t","platform":"ios"}`},
	{"POST", "/api/users/@me/push_tokens/unregister/", `{"token":"t"}`},
	{"GET", "/api/users/{uuid}/two_factor_start_setup/", ""},
	{"GET", "/api/users/{uuid}/start_2fa_setup/", ""},
	{"GET", "/api/users/{uuid}/two_factor_status/", ""},
	{"POST", "/api/users/{uuid}/two_factor_validate/", `{"token":"123456"}`},
	{"POST", "/api/users/{uuid}/validate_2fa/", `{"token":"123456"}`},
	{"POST", "/api/users/{uuid}/two_factor_backup_codes/", ""},
	{"POST", "/api/users/{uuid}/two_factor_disable/", ""},
	{"GET", "/api/users/{uuid}/integrations/", ""},
	{"DELETE", "/api/users/{uuid}/integrations/github/{inst}/", ""},
	{"GET", "/api/users/{uuid}/integrations/github/{inst}/repos/", ""},
	{"POST", "/api/users/{uuid}/integrations/github/{inst}/repos/refresh/", ""},
	{"GET", "/api/users/{uuid}/integrations/github/{inst}/branches/?repo=o/r", ""},
	{"POST", "/api/users/{uuid}/integrations/github/start/", ""},
	{"POST", "/api/users/{uuid}/integrations/github/prepare_callback/", `{"state":"x"}`},
	{"GET", "/api/users/{uuid}/integrations/slack/linkable_workspaces/", ""},
	{"POST", "/api/users/{uuid}/integrations/slack/start/", ""},
	{"DELETE", "/api/users/{uuid}/integrations/slack/U0123ABCD/", ""},
	{"GET", "/api/users/{uuid}/signal_autonomy/", ""},
	{"POST", "/api/users/{uuid}/signal_autonomy/", `{"autonomy_priority":"P0"}`},
	{"DELETE", "/api/users/{uuid}/signal_autonomy/", ""},
}

// pathFor is the case's path for user and the GitHub installation inst,
// with prefix before it.
func (c routeCase) pathFor(prefix, user, inst string) string {
	return prefix + strings.NewReplacer("{uuid}", user, "{inst}", inst).Replace(c.path)
}

// sessionHeader is the header of a request authenticated with s, as a
// browser at origin sends it.
func sessionHeader(s posthogusers.Session, origin string) http.Header {
	return http.Header{
		"Cookie":      {"sessionid=" + s.ID + "; posthog_csrftoken=" + s.CSRFToken},
		"X-Csrftoken": {s.CSRFToken},
		"Origin":      {origin},
	}
}

// wantRouted checks that a raw answer came from the route the request
// named: not the 404 of an unknown path, and not a 405 of a route that
// lacks the method.
func wantRouted(t *testing.T, what string, r response) {
	t.Helper()
	if r.status == http.StatusNotFound && strings.Contains(string(r.body), "Endpoint not found.") || r.status == http.StatusMethodNotAllowed {
		t.Errorf("%s: %d %s; want the route's own answer", what, r.status, r.body)
	}
}

// TestRouting_fromTheStart checks that the fake matches paths from their
// start, as PostHog's URL conf does: a path with anything before /api, such
// as a project page's URL taken for the base URL, gets 404 "Endpoint not
// found." for every route and every credential, never the route's answer.
func TestRouting_fromTheStart(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"/project/123", "/posthog", "/api", "/api/v1", "/x/api/users/@me"} {
		t.Run(strings.TrimPrefix(prefix, "/"), func(t *testing.T) {
			t.Parallel()
			_, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
			creds := map[string]http.Header{
				"key":     bearer(srv.Key),
				"session": sessionHeader(srv.AddSession(srv.User.UUID), srv.URL),
			}
			for _, c := range everyRoute {
				p := c.pathFor(prefix, "@me", "41000000")
				for name, h := range creds {
					r := do(t, srv, c.method, p, c.body, h)
					if r.status != http.StatusNotFound || string(r.body) != endpointNotFound {
						t.Errorf("%s %s with a %s: %d %s; want 404 %s", c.method, p, name, r.status, r.body, endpointNotFound)
					}
				}
			}
		})
	}
}

// TestRouting_notFoundBeforeAuthentication checks that an unknown path gets
// 404 "Endpoint not found." whatever the credential: PostHog resolves the
// URL before any view authenticates, so no credential, a wrong key or an
// unknown session is not a 401 or 403 there.
func TestRouting_notFoundBeforeAuthentication(t *testing.T) {
	t.Parallel()
	_, srv := posthogtest.NewServer(t)
	creds := map[string]http.Header{
		"no credential":   nil,
		"a wrong key":     bearer("phx_NotAKeyOfThisFakeAbCdEfGhIjKlMnOpQrStUvWxYz0123"),
		"a legacy key":    bearer("Zm9vYmFyYmF6cXV4"),
		"an OAuth token":  bearer("pha_NotAnOAuthToken"),
		"Basic auth":      {"Authorization": {"Basic YWRhOnB3"}},
		"unknown session": {"Cookie": {"sessionid=nope; posthog_csrftoken=nope"}, "X-Csrftoken": {"nope"}},
	}
	paths := []string{
		"/project/123/api/users/@me/",
		"/project/123/api/users/",
		"/posthog/api/users/@me/signal_autonomy/", // signal autonomy answers 403, not 401, to no credential
		"/api/v1/api/users/@me/",
		"/api/users/@me/signal_autonomy", // a plain Django route: its slash is required
		"/api/users/@me/no_such_action/",
		"/api/users/@me/integrations/github/12a/",
		"/api/persons/",
		"/apiusers/@me/",
		// Not under /api, where PostHog serves its web app: the fake, which
		// has none, answers as for an unknown API path.
		"/api",
		"/",
		"/login",
	}
	for _, p := range paths {
		for name, h := range creds {
			for _, method := range []string{"GET", "POST", "PATCH", "DELETE"} {
				r := do(t, srv, method, p, "", h)
				if r.status != http.StatusNotFound || string(r.body) != endpointNotFound {
					t.Errorf("%s %s with %s: %d %s; want 404 %s", method, p, name, r.status, r.body, endpointNotFound)
				}
			}
		}
		// A key in the query string is no different.
		wantEndpointNotFound(t, do(t, srv, "GET", p+"?personal_api_key=phx_wrong", "", nil))
	}
}

// TestRouting_everyRoute checks that every route is still reached at the
// root of the fake's server, with and without its optional trailing slash.
func TestRouting_everyRoute(t *testing.T) {
	t.Parallel()
	for _, c := range everyRoute {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			t.Parallel()
			_, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
			inst := srv.AddGitHubInstallation(srv.User.UUID, posthogtest.GitHubInstallation{})
			session := sessionHeader(srv.AddSession(srv.User.UUID), srv.URL)
			p := c.pathFor("", "@me", inst)
			wantRouted(t, p, do(t, srv, c.method, p, c.body, session))
			wantRouted(t, p+" with a key", do(t, srv, c.method, p, c.body, bearer(srv.Key)))
			wantRouted(t, p+" with no credential", do(t, srv, c.method, p, c.body, nil))
			if p := c.pathFor("", srv.User.UUID.String(), inst); strings.Contains(c.path, "{uuid}") {
				wantRouted(t, p, do(t, srv, c.method, p, c.body, session))
			}
			if strings.Contains(c.path, "signal_autonomy") || strings.Contains(c.path, "?") {
				return
			}
			p = strings.TrimSuffix(p, "/")
			wantRouted(t, p, do(t, srv, c.method, p, c.body, session))
		})
	}
}

// TestRouting_requestsAndFaults checks that Requests reports the path a
// request was sent to, and that a fault's Path matches that path: a request
// with a prefix before /api is neither reported nor faulted as an API
// request.
func TestRouting_requestsAndFaults(t *testing.T) {
	t.Parallel()
	_, srv := posthogtest.NewServer(t)
	srv.InjectFault(posthogtest.Fault{Path: "/api/users/*/", Status: http.StatusBadGateway})
	wantEndpointNotFound(t, do(t, srv, "GET", "/project/123/api/users/@me/", "", bearer(srv.Key)))
	if r := do(t, srv, "GET", "/api/users/@me/", "", bearer(srv.Key)); r.status != http.StatusBadGateway {
		t.Errorf("GET /api/users/@me/ under a fault: %d; want 502", r.status)
	}
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Method+" "+r.Path+" "+http.StatusText(r.Status))
	}
	want := []string{"GET /project/123/api/users/@me/ Not Found", "GET /api/users/@me/ Bad Gateway"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRouting_stripPrefix checks that the fake serves a self-hosted PostHog
// behind a path when mounted with http.StripPrefix, which hands it the path
// as PostHog would see it behind a proxy that strips the prefix.
func TestRouting_stripPrefix(t *testing.T) {
	t.Parallel()
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	mux := http.NewServeMux()
	mux.Handle("/posthog/", http.StripPrefix("/posthog", fake))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	key := fake.AddKey(ada.UUID, "user:read")
	client, err := posthogusers.NewClient(key, posthogusers.WithBaseURL(srv.URL+"/posthog"), posthogusers.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if me, err := client.Users.Get(t.Context(), posthogusers.Me); err != nil || me.UUID != ada.UUID {
		t.Errorf("Get under /posthog: %v, %v", me, err)
	}
	client, err = posthogusers.NewClient(key, posthogusers.WithBaseURL(srv.URL+"/posthog/project/123"), posthogusers.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Users.Get(t.Context(), posthogusers.Me); !errors.Is(err, posthogusers.ErrEndpointNotFound) {
		t.Errorf("Get under /posthog/project/123: %v; want ErrEndpointNotFound", err)
	}
	var paths []string
	for _, r := range fake.Requests() {
		paths = append(paths, r.Path)
	}
	if want := "/api/users/@me/ /project/123/api/users/@me/"; strings.Join(paths, " ") != want {
		t.Errorf("paths %q; want %s", paths, want)
	}
}

// gatewayBase is a self-hosted PostHog behind an API gateway, at a path
// that itself starts with /api.
const gatewayBase = "https://gateway.example.com/api/posthog"

// mockDo sends a raw request through an httpmock transport.
func mockDo(t *testing.T, mt *httpmock.MockTransport, method, url, body string, header http.Header) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Transport: mt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// TestRegisterResponders_basePath checks that a fake registered under a base
// URL with a path routes the request's path less exactly that base path:
// the API works there, a path with more before /api gets 404 "Endpoint not
// found.", and Requests and faults see paths from /api on.
func TestRegisterResponders_basePath(t *testing.T) {
	t.Parallel()
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", IsStaff: true})
	fake.SeedUsers(4)
	key := fake.AddKey(ada.UUID, "user:read", "user:write")
	mt := httpmock.NewMockTransport()
	fake.RegisterResponders(mt, gatewayBase+"/")
	hc := &http.Client{Transport: mt}
	client, err := posthogusers.NewClient(key, posthogusers.WithBaseURL(gatewayBase), posthogusers.WithHTTPClient(hc),
		posthogusers.WithRetryWait(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if me, err := client.Users.Get(ctx, posthogusers.Me); err != nil || me.UUID != ada.UUID {
		t.Fatalf("Get under %s: %v, %v", gatewayBase, me, err)
	}
	page, err := client.Users.List(ctx, &posthogusers.ListUsersOptions{Limit: 2})
	if err != nil || page.Count != 5 || !strings.HasPrefix(page.Next, gatewayBase+"/api/users/?") {
		t.Errorf("list: %+v, %v; want a next link under %s", page, err, gatewayBase)
	}
	fake.InjectFault(posthogtest.Fault{Method: "GET", Path: "/api/users/*/", Status: http.StatusBadGateway, Times: 1})
	if _, err := client.Users.Get(ctx, posthogusers.Me); err != nil {
		t.Errorf("Get after one 502: %v", err)
	}
	var got []string
	for _, r := range fake.Requests() {
		got = append(got, r.Method+" "+r.Path+" "+http.StatusText(r.Status))
	}
	want := []string{"GET /api/users/@me/ OK", "GET /api/users/ OK", "GET /api/users/@me/ Bad Gateway", "GET /api/users/@me/ OK"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Under the base path, only /api routes; nothing before it is stripped.
	for _, p := range []string{"/api/v1/api/users/@me/", "/api/project/123/api/users/@me/", "/api/posthog/api/users/@me/"} {
		for name, h := range map[string]http.Header{"a key": bearer(key), "no credential": nil, "a wrong key": bearer("phx_wrong")} {
			r := mockDo(t, mt, "GET", gatewayBase+p, "", h)
			if r.status != http.StatusNotFound || string(r.body) != endpointNotFound {
				t.Errorf("GET %s%s with %s: %d %s; want 404 %s", gatewayBase, p, name, r.status, r.body, endpointNotFound)
			}
		}
	}
	wrong, err := posthogusers.NewClient(key, posthogusers.WithBaseURL(gatewayBase+"/api/v1"), posthogusers.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	var nf *posthogusers.EndpointNotFoundError
	if _, err := wrong.Users.Get(ctx, posthogusers.Me); !errors.As(err, &nf) {
		t.Errorf("Get under %s/api/v1: %v; want an *EndpointNotFoundError", gatewayBase, err)
	}
}

// TestRegisterResponders_everyRoute checks that every route is reached
// through httpmock, at a cloud base URL and under a base path.
func TestRegisterResponders_everyRoute(t *testing.T) {
	t.Parallel()
	for _, base := range []string{posthogusers.EUCloud, gatewayBase} {
		for _, c := range everyRoute {
			t.Run(base+" "+c.method+" "+c.path, func(t *testing.T) {
				t.Parallel()
				fake := posthogtest.New()
				ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", IsStaff: true})
				inst := fake.AddGitHubInstallation(ada.UUID, posthogtest.GitHubInstallation{})
				mt := httpmock.NewMockTransport()
				fake.RegisterResponders(mt, base)
				u, err := url.Parse(base)
				if err != nil {
					t.Fatal(err)
				}
				session := sessionHeader(fake.AddSession(ada.UUID), u.Scheme+"://"+u.Host)
				p := c.pathFor("", "@me", inst)
				wantRouted(t, p, mockDo(t, mt, c.method, base+p, c.body, session))
				wantRouted(t, p+" with a key", mockDo(t, mt, c.method, base+p, c.body, bearer(fake.AddKey(ada.UUID, "*"))))
				wantRouted(t, p+" with no credential", mockDo(t, mt, c.method, base+p, c.body, nil))
			})
		}
	}
}
