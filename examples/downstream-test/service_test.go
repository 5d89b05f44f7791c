package main

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jarcoal/httpmock"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// The service against a fake PostHog on an httptest server: NewServer
// returns a client of Ada Lovelace's, with user:read and user:write.
func TestDirectory_DisplayName(t *testing.T) {
	t.Parallel()
	client, srv := posthogtest.NewServer(t, posthogtest.WithStaff()) // staff may read every user
	charles := srv.AddUser(posthogtest.UserSpec{Email: "charles@example.com", FirstName: "Charles", LastName: "Babbage"})
	nameless := srv.AddUser(posthogtest.UserSpec{Email: "nameless@example.com"})
	dir := NewDirectory(client)

	for id, want := range map[string]string{
		posthogusers.Me:        "Ada Lovelace",
		charles.UUID.String():  "Charles Babbage",
		nameless.UUID.String(): "nameless@example.com",
	} {
		if got, err := dir.DisplayName(t.Context(), id); err != nil || got != want {
			t.Errorf("DisplayName(%s) = %q, %v; want %q", id, got, err, want)
		}
	}

	_, err := dir.DisplayName(t.Context(), uuid.NewString())
	if !errors.Is(err, ErrUnknownUser) || !errors.Is(err, posthogusers.ErrNotFound) {
		t.Errorf("DisplayName(unknown UUID): %v; want ErrUnknownUser wrapping posthogusers.ErrNotFound", err)
	}
}

func TestDirectory_StaffEmails(t *testing.T) {
	t.Parallel()
	client, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
	charles := srv.AddUser(posthogtest.UserSpec{Email: "charles@example.com"})
	srv.AddUser(posthogtest.UserSpec{Email: "grace@example.com", IsStaff: true})
	srv.SeedUsers(500) // not staff

	got, err := NewDirectory(client).StaffEmails(t.Context())
	if want := []string{"ada@example.com", "grace@example.com"}; err != nil || !cmp.Equal(got, want) {
		t.Errorf("StaffEmails() = %q, %v; want %q", got, err, want)
	}

	// The fake recorded what the service sent: one request, filtered on
	// staff, with NewServer's key (the first key the fake issued).
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests; want 1: %+v", len(reqs), reqs)
	}
	if r := reqs[0]; r.Method != http.MethodGet || r.Path != "/api/users/" || r.Query.Get("is_staff") != "true" || r.Credential != "key:1" {
		t.Errorf("request %s %s?%s with %q; want GET /api/users/?is_staff=true with key:1", r.Method, r.Path, r.Query.Encode(), r.Credential)
	}

	// PostHog shows a key of a user who is not staff only its own user.
	notStaff := srv.NewClient(srv.AddKey(charles.UUID, "user:read"))
	if got, err := NewDirectory(notStaff).StaffEmails(t.Context()); err != nil || len(got) != 0 {
		t.Errorf("StaffEmails() with a non-staff key = %q, %v; want none", got, err)
	}
}

// A 503 is retried by the SDK: the service never sees it.
func TestDirectory_retriesUnavailable(t *testing.T) {
	t.Parallel()
	client, srv := posthogtest.NewServer(t)
	srv.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, Times: 1})

	if got, err := NewDirectory(client).DisplayName(t.Context(), posthogusers.Me); err != nil || got != "Ada Lovelace" {
		t.Fatalf("DisplayName(@me) = %q, %v; want Ada Lovelace", got, err)
	}
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Method+" "+r.Path+" "+http.StatusText(r.Status))
	}
	want := []string{"GET /api/users/@me/ Service Unavailable", "GET /api/users/@me/ OK"}
	if !cmp.Equal(got, want) {
		t.Errorf("requests %q; want %q", got, want)
	}
}

// The same fake as httpmock responders on the client's own transport, for a
// program whose tests already mock HTTP with httpmock. Never use httpmock's
// process-wide mock (httpmock.Activate): parallel tests would share it.
func TestDirectory_httpmock(t *testing.T) {
	t.Parallel()
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", IsStaff: true})
	mt := httpmock.NewMockTransport()
	fake.RegisterResponders(mt, posthogusers.USCloud)
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"),
		posthogusers.WithHTTPClient(&http.Client{Transport: mt}),
		posthogusers.WithMaxRetries(0)) // the service's error path is under test, not the SDK's retries
	if err != nil {
		t.Fatal(err)
	}
	dir := NewDirectory(client)

	if got, err := dir.StaffEmails(t.Context()); err != nil || !cmp.Equal(got, []string{"ada@example.com"}) {
		t.Errorf("StaffEmails() = %q, %v; want [ada@example.com]", got, err)
	}

	// PostHog fails: the service reports itself unavailable.
	fake.InjectFault(posthogtest.Fault{Status: http.StatusInternalServerError})
	_, err = dir.DisplayName(t.Context(), posthogusers.Me)
	var apiErr *posthogusers.APIError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError {
		t.Errorf("DisplayName during a 500: %v; want ErrUnavailable wrapping the SDK's 500", err)
	}

	reqs := fake.Requests()
	if len(reqs) != 2 || mt.GetTotalCallCount() != 2 {
		t.Fatalf("the fake saw %d requests and httpmock %d; want 2 (no retry): %+v", len(reqs), mt.GetTotalCallCount(), reqs)
	}
	if r := reqs[1]; r.Method != http.MethodGet || r.Path != "/api/users/@me/" || r.Status != http.StatusInternalServerError || r.Credential != "key:1" {
		t.Errorf("second request %s %s → %d with %q; want GET /api/users/@me/ → 500 with key:1", r.Method, r.Path, r.Status, r.Credential)
	}
}
