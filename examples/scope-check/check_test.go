package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// keyAt returns a function that makes clients of key at baseURL, with
// opts and then its own options, for checkKey.
func keyAt(key, baseURL string, opts ...posthogusers.Option) func(...posthogusers.Option) (*posthogusers.Client, error) {
	return func(more ...posthogusers.Option) (*posthogusers.Client, error) {
		all := append([]posthogusers.Option{posthogusers.WithBaseURL(baseURL)}, opts...)
		return posthogusers.NewClient(key, append(all, more...)...)
	}
}

func TestCheckKey_scopes(t *testing.T) {
	t.Parallel()
	_, srv := posthogtest.NewServer(t)
	ada := srv.User // not staff
	grace := srv.AddUser(posthogtest.UserSpec{Email: "grace@example.com", FirstName: "Grace", IsStaff: true})
	revoked := srv.AddKey(ada.UUID, "*")
	srv.RevokeKey(revoked)

	const (
		noRead  = "API key missing required scope 'user:read'"
		noWrite = "API key missing required scope 'user:write'"
		invalid = "Personal API key found in request Authorization header is invalid."
	)
	unauthenticated := notChecked("the key does not authenticate")
	for _, tt := range []struct {
		name string
		key  string
		want report
	}{
		{"all scopes", srv.AddKey(ada.UUID, "*"),
			report{yes(srv.URL), no(""), yes(""), yes("")}},
		{"read", srv.AddKey(ada.UUID, "user:read"),
			report{yes(srv.URL), no(""), yes(""), no(noWrite)}},
		{"write implies read", srv.AddKey(ada.UUID, "user:write"),
			report{yes(srv.URL), no(""), yes(""), yes("")}},
		{"no scopes", srv.AddKey(ada.UUID),
			report{yes(srv.URL), notChecked("reading the key's user needs user:read"), no(noRead), no(noWrite)}},
		{"revoked", revoked,
			report{no(invalid + " (" + srv.URL + ")"), unauthenticated, unauthenticated, unauthenticated}},
		{"staff, read", srv.AddKey(grace.UUID, "user:read"),
			report{yes(srv.URL), yes(""), yes(""), no(noWrite)}},
		{"staff, all scopes", srv.AddKey(grace.UUID, "*"),
			report{yes(srv.URL), yes(""), yes(""), yes("")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := checkKey(t.Context(), keyAt(tt.key, srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}

// The PATCH that checks user:write changes nothing, and sends only the name
// the user has.
func TestCheckKey_writeChangesNothing(t *testing.T) {
	t.Parallel()
	client, srv := posthogtest.NewServer(t)
	before, err := client.Users.Get(t.Context(), posthogusers.Me)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	if _, err := checkKey(t.Context(), keyAt(srv.Key, srv.URL)); err != nil {
		t.Fatal(err)
	}
	var patches []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPatch {
			patches = append(patches, r.Path+" "+string(r.Body))
		}
	}
	if want := []string{`/api/users/@me/ {"first_name":"Ada"}`}; !cmp.Equal(patches, want) {
		t.Errorf("PATCH requests %q; want %q", patches, want)
	}
	after, err := client.Users.Get(t.Context(), posthogusers.Me)
	if err != nil {
		t.Fatal(err)
	}
	// A User encodes to the JSON PostHog sent: the same JSON, the same user.
	if diff := cmp.Diff(asJSON(t, before), asJSON(t, after)); diff != "" {
		t.Errorf("the user changed (-before +after):\n%s", diff)
	}
}

// A key PostHog Cloud refuses is tried in the other region. Two fakes stand
// for the two regions, on one httpmock transport.
func TestCheckKey_regions(t *testing.T) {
	t.Parallel()
	us, eu := posthogtest.New(), posthogtest.New()
	mt := httpmock.NewMockTransport()
	us.RegisterResponders(mt, posthogusers.USCloud)
	eu.RegisterResponders(mt, posthogusers.EUCloud)
	hc := posthogusers.WithHTTPClient(&http.Client{Transport: mt})

	usKey := us.AddKey(us.AddUser(posthogtest.UserSpec{FirstName: "Ada"}).UUID, "user:read")
	euKey := eu.AddKey(eu.AddUser(posthogtest.UserSpec{FirstName: "Grace"}).UUID, "user:read", "user:write")
	unknown := us.AddKey(us.AddUser(posthogtest.UserSpec{}).UUID, "*")
	us.RevokeKey(unknown)

	for _, tt := range []struct {
		name, key, baseURL string
		want               answer
	}{
		{"US key in US", usKey, posthogusers.USCloud, yes("US Cloud")},
		{"EU key in EU", euKey, posthogusers.EUCloud, yes("EU Cloud")},
		{"EU key in US", euKey, posthogusers.USCloud, yes("EU Cloud, not US Cloud: set POSTHOG_HOST=https://eu.posthog.com")},
		{"US key in EU", usKey, posthogusers.EUCloud, yes("US Cloud, not EU Cloud: set POSTHOG_HOST=https://us.posthog.com")},
		{"unknown key", unknown, posthogusers.USCloud, no("Personal API key found in request Authorization header is invalid. (US Cloud and EU Cloud)")},
	} {
		t.Run(tt.name, func(t *testing.T) { // not parallel: the requests are counted after the loop
			got, err := checkKey(t.Context(), keyAt(tt.key, tt.baseURL, hc))
			if err != nil {
				t.Fatal(err)
			}
			if got.Works != tt.want {
				t.Errorf("key works: %s; want %s", got.Works, tt.want)
			}
		})
	}
	// The EU key's write check went to EU Cloud, where the key works.
	var patches int
	for _, r := range eu.Requests() {
		if r.Method == http.MethodPatch && r.Status == http.StatusOK {
			patches++
		}
	}
	if patches != 2 {
		t.Errorf("EU Cloud answered %d PATCH requests with 200; want 2", patches)
	}
}

// A check that cannot run is an error, not an answer.
func TestCheckKey_failures(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		fault posthogtest.Fault
		is    error
	}{
		{"read fails", posthogtest.Fault{Method: http.MethodGet, Status: http.StatusInternalServerError}, nil},
		// A PATCH that failed may have been applied; this one changes
		// nothing, but the check did not run.
		{"write fails", posthogtest.Fault{Method: http.MethodPatch, Status: http.StatusBadGateway}, posthogusers.ErrOutcomeUnknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := posthogtest.NewServer(t)
			srv.InjectFault(tt.fault)
			_, err := checkKey(t.Context(), keyAt(srv.Key, srv.URL, posthogusers.WithMaxRetries(0)))
			var apiErr *posthogusers.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.fault.Status {
				t.Errorf("checkKey: %v; want an *APIError with status %d", err, tt.fault.Status)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("checkKey: %v; want it to match %v", err, tt.is)
			}
		})
	}
}

// asJSON returns the JSON v encodes to, decoded, to compare.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
