package posthogtest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

func TestNewServer_me(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	me, err := client.Users.Get(t.Context(), posthogusers.Me)
	if err != nil {
		t.Fatal(err)
	}
	if me.UUID != srv.User.UUID || me.ID != srv.User.ID || me.Email != "ada@example.com" || me.FirstName != "Ada" || me.IsStaff {
		t.Errorf("@me: %+v; want the seeded non-staff Ada", me)
	}
	if me.Organization == nil || me.Organization.Name != "Analytical Engines" || me.Organization.MembershipLevel != posthogusers.MembershipOwner {
		t.Errorf("organization %+v; want Analytical Engines, owner", me.Organization)
	}
	if me.Team == nil || me.Team.ID != 2 || !me.HasPassword || me.IsOrganizationFirstUser == nil || !*me.IsOrganizationFirstUser {
		t.Errorf("team %+v, has_password %v, first user %v", me.Team, me.HasPassword, me.IsOrganizationFirstUser)
	}
	if me.ShortcutPosition != posthogusers.ShortcutPositionAbove {
		t.Errorf("shortcut_position %q; want above", me.ShortcutPosition)
	}
}

func TestUsers_meRule(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	// A non-staff key may not name even its own UUID.
	_, err := client.Users.Get(t.Context(), srv.User.UUID.String())
	var apiErr *posthogusers.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden ||
		apiErr.Detail != "As a non-staff user you're only allowed to access the `@me` user instance." {
		t.Errorf("own UUID as non-staff: %v; want PostHog's 403", err)
	}

	staff, ssrv, _ := setup(t, posthogtest.WithStaff())
	other := ssrv.AddUser(posthogtest.UserSpec{Email: "grace@example.com", FirstName: "Grace"})
	u, err := staff.Users.Get(t.Context(), other.UUID.String())
	if err != nil || u.Email != "grace@example.com" {
		t.Fatalf("staff reading another user: %v, %v", u, err)
	}
	if u.IsOrganizationFirstUser != nil || len(u.PendingInvites) != 0 {
		t.Errorf("another user's requester-only fields: first user %v, invites %v", u.IsOrganizationFirstUser, u.PendingInvites)
	}
	if _, err := staff.Users.Get(t.Context(), uuid.NewString()); !errors.Is(err, posthogusers.ErrNotFound) {
		t.Errorf("unknown UUID: %v; want ErrNotFound", err)
	}
	r := do(t, ssrv, "GET", "/api/users/not-a-uuid/", "", bearer(ssrv.Key))
	wantError(t, r, http.StatusNotFound, "not_found", "Not found.")
}

func TestUsers_listPagination(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t, posthogtest.WithStaff())
	srv.SeedUsers(249) // 250 users with Ada

	page, err := client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.Count != 250 || len(page.Results) != 100 || page.Previous != "" {
		t.Errorf("first page: count %d, %d results, previous %q", page.Count, len(page.Results), page.Previous)
	}
	if want := srv.URL + "/api/users/?limit=100&offset=100"; page.Next != want {
		t.Errorf("next %q; want %q", page.Next, want)
	}
	page, err = client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 100, Offset: 100})
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/api/users/?limit=100"; page.Previous != want {
		t.Errorf("previous of the second page %q; want %q (offset dropped)", page.Previous, want)
	}
	page, err = client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 100, Offset: 230})
	if err != nil {
		t.Fatal(err)
	}
	if page.Next != "" || len(page.Results) != 20 || page.Previous != srv.URL+"/api/users/?limit=100&offset=130" {
		t.Errorf("last page: next %q, %d results, previous %q", page.Next, len(page.Results), page.Previous)
	}

	// Filters stay in the links, sorted by key; bad limits and offsets
	// fall back to DRF's defaults.
	r := do(t, srv, "GET", "/api/users/?offset=abc&limit=0&is_staff=FALSE", "", bearer(srv.Key))
	var body struct {
		Count   int
		Next    string
		Results []json.RawMessage
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Count != 249 || len(body.Results) != 100 || body.Next != srv.URL+"/api/users/?is_staff=FALSE&limit=100&offset=100" {
		t.Errorf("is_staff=FALSE, bad limit and offset: count %d, %d results, next %q", body.Count, len(body.Results), body.Next)
	}

	var ids []int64
	for u, err := range client.Users.All(t.Context(), &posthogusers.ListUsersOptions{Limit: 64}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if len(ids) != 250 {
		t.Fatalf("All: %d users; want 250", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("All: IDs out of order at %d: %d after %d", i, ids[i], ids[i-1])
		}
	}
}

func TestUsers_listFilters(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t, posthogtest.WithStaff())
	first := srv.SeedUsers(20)
	srv.AddUser(posthogtest.UserSpec{Email: "staff2@example.com", IsStaff: true})
	count := func(opts *posthogusers.ListUsersOptions) int {
		t.Helper()
		page, err := client.Users.List(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return page.Count
	}
	if got := count(&posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{IsStaff: posthogusers.Ptr(true)}}); got != 2 {
		t.Errorf("is_staff=true: %d; want 2", got)
	}
	if got := count(&posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{IsStaff: posthogusers.Ptr(false)}}); got != 20 {
		t.Errorf("is_staff=false: %d; want 20", got)
	}
	if got := count(&posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{Email: first.Email}}); got != 1 {
		t.Errorf("email of a generated user: %d; want 1", got)
	}
	if got := count(&posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{Email: strings.ToUpper(first.Email)}}); got != 0 {
		t.Errorf("email in upper case: %d; want 0 (exact match)", got)
	}

	// A non-staff key sees only itself.
	plain, psrv, _ := setup(t)
	psrv.SeedUsers(5)
	page, err := plain.Users.List(t.Context(), nil)
	if err != nil || page.Count != 1 || len(page.Results) != 1 || page.Results[0].Email != "ada@example.com" {
		t.Errorf("non-staff list: %+v, %v", page, err)
	}
	page, err = plain.Users.List(t.Context(), &posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{Email: "someone@example.com"}})
	if err != nil || page.Count != 0 || len(page.Results) != 0 {
		t.Errorf("non-staff list filtered to someone else: %+v, %v", page, err)
	}
}

func TestUsers_update(t *testing.T) {
	t.Parallel()
	client, _, _ := setup(t)
	ctx := t.Context()
	u, err := client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{
		FirstName:            posthogusers.Ptr("Augusta"),
		ThemeMode:            posthogusers.NewNullable(posthogusers.ThemeModeDark),
		ShortcutPosition:     posthogusers.Null[posthogusers.ShortcutPosition](),
		NotificationSettings: map[string]any{"plugin_disabled": false, "project_weekly_digest_disabled": map[string]any{"2": true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.FirstName != "Augusta" || u.ThemeMode != posthogusers.ThemeModeDark || u.ShortcutPosition != posthogusers.ShortcutPositionAbove {
		t.Errorf("after update: first name %q, theme %q, shortcut %q", u.FirstName, u.ThemeMode, u.ShortcutPosition)
	}
	want := map[string]any{
		"plugin_disabled": false, "error_tracking_issue_assigned": true, "discussions_mentioned": true,
		"project_weekly_digest_disabled": map[string]any{"2": true}, "all_weekly_digest_disabled": false,
	}
	if diff := cmp.Diff(want, u.NotificationSettings); diff != "" {
		t.Errorf("notification settings merged (-want +got):\n%s", diff)
	}
	// The change is stored.
	if me, err := client.Users.Get(ctx, posthogusers.Me); err != nil || me.FirstName != "Augusta" {
		t.Errorf("read back: %v, %v", me, err)
	}
	// The unchanged email in another case is allowed; a new one is not.
	if _, err := client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{Email: posthogusers.Ptr("ADA@example.com")}); err != nil {
		t.Errorf("unchanged email: %v", err)
	}
	tests := []struct {
		name    string
		req     posthogusers.UpdateUserRequest
		is      error
		code    string
		attr    string
		session bool
	}{
		{name: "new email", req: posthogusers.UpdateUserRequest{Email: posthogusers.Ptr("ada@lovelace.example")}, is: posthogusers.ErrSessionRequired},
		{name: "password", req: posthogusers.UpdateUserRequest{Password: posthogusers.Ptr("a new long password")}, is: posthogusers.ErrSessionRequired},
		{name: "staff", req: posthogusers.UpdateUserRequest{IsStaff: posthogusers.Ptr(true)}, is: posthogusers.ErrForbidden},
		{name: "notification key", req: posthogusers.UpdateUserRequest{NotificationSettings: map[string]any{"invalid_key": true}}, is: posthogusers.ErrValidation, code: "invalid_input", attr: "notification_settings"},
		{name: "notification value", req: posthogusers.UpdateUserRequest{NotificationSettings: map[string]any{"project_weekly_digest_disabled": map[string]any{"2": "yes"}}}, is: posthogusers.ErrValidation, code: "invalid_input", attr: "notification_settings"},
		{name: "team elsewhere", req: posthogusers.UpdateUserRequest{SetCurrentTeam: posthogusers.Ptr(int64(999))}, is: posthogusers.ErrValidation, code: "does_not_exist", attr: "set_current_team"},
		{name: "passkeys", req: posthogusers.UpdateUserRequest{PasskeysEnabledFor2FA: posthogusers.NewNullable(true)}, is: posthogusers.ErrValidation, code: "no_passkeys", attr: "passkeys_enabled_for_2fa"},
	}
	for _, tt := range tests {
		_, err := client.Users.Update(ctx, posthogusers.Me, tt.req)
		if !errors.Is(err, tt.is) {
			t.Errorf("%s: %v; want %v", tt.name, err, tt.is)
			continue
		}
		var apiErr *posthogusers.APIError
		if tt.code != "" && (!errors.As(err, &apiErr) || apiErr.Code != tt.code || apiErr.Attr != tt.attr) {
			t.Errorf("%s: %v; want code %s on %s", tt.name, err, tt.code, tt.attr)
		}
	}
	var apiErr *posthogusers.APIError
	_, err = client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{NotificationSettings: map[string]any{"invalid_key": true}})
	if errors.As(err, &apiErr); apiErr == nil || apiErr.Detail != "Key invalid_key is not valid as a key for notification settings" {
		t.Errorf("invalid notification key: %v", err)
	}
}

func TestUsers_switchTeam(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t, posthogtest.WithStaff())
	org := srv.AddOrganization("Difference Engines", "Mill", "Store")
	grace := srv.AddUser(posthogtest.UserSpec{Email: "grace@example.com", Organizations: []uuid.UUID{org.ID}})
	// Staff may change another user; the team must be one of theirs.
	u, err := client.Users.Update(t.Context(), grace.UUID.String(), posthogusers.UpdateUserRequest{SetCurrentTeam: posthogusers.Ptr(org.ProjectIDs[1])})
	if err != nil {
		t.Fatal(err)
	}
	if u.Team == nil || u.Team.ID != org.ProjectIDs[1] || u.Organization.ID != org.ID {
		t.Errorf("after switching: team %+v, organization %+v", u.Team, u.Organization)
	}
	_, err = client.Users.Update(t.Context(), grace.UUID.String(), posthogusers.UpdateUserRequest{
		SetCurrentOrganization: &org.ID, SetCurrentTeam: posthogusers.Ptr(int64(2)),
	})
	var apiErr *posthogusers.APIError
	if !errors.As(err, &apiErr) || apiErr.Detail != "Team must belong to the same organization in set_current_organization." {
		t.Errorf("team of another organization: %v", err)
	}
}

func TestUsers_replaceAndDelete(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	ctx := t.Context()
	req := posthogusers.ReplaceUserRequest{Email: "ada@example.com", Password: "a much longer password"}
	if _, err := client.Users.Replace(ctx, posthogusers.Me, req); !errors.Is(err, posthogusers.ErrSessionRequired) {
		t.Errorf("PUT with a key: %v; want ErrSessionRequired", err)
	}
	if err := client.Users.Delete(ctx, posthogusers.Me); !errors.Is(err, posthogusers.ErrSessionRequired) || !errors.Is(err, posthogusers.ErrUnauthorized) {
		t.Errorf("DELETE with a key: %v; want a 401 SessionRequiredError", err)
	}

	session := srv.SessionClient(srv.User.UUID)
	_, err := session.Users.Replace(ctx, posthogusers.Me, req)
	var apiErr *posthogusers.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "required" || apiErr.Attr != "current_password" {
		t.Errorf("PUT without the current password: %v", err)
	}
	req.CurrentPassword = posthogusers.Ptr("analytical engine 1843")
	if _, err := session.Users.Replace(ctx, posthogusers.Me, req); err != nil {
		t.Errorf("PUT with the current password: %v", err)
	}
	if err := session.Users.Delete(ctx, posthogusers.Me); !errors.Is(err, posthogusers.ErrConflict) {
		t.Errorf("deleting an organization member: %v; want ErrConflict", err)
	}

	loner := srv.AddUser(posthogtest.UserSpec{NoOrganization: true})
	ls := srv.SessionClient(loner.UUID)
	if err := ls.Users.Delete(ctx, posthogusers.Me); err != nil {
		t.Fatalf("deleting a user without organizations: %v", err)
	}
	if _, err := ls.Users.Get(ctx, posthogusers.Me); !errors.Is(err, posthogusers.ErrUnauthorized) {
		t.Errorf("the deleted user's session: %v; want ErrUnauthorized", err)
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	ctx := t.Context()
	tests := []struct {
		scopes    []string
		readErr   error
		writeErr  error
		wantScope posthogusers.Scope
	}{
		{[]string{"user:read"}, nil, posthogusers.ErrForbidden, posthogusers.ScopeUserWrite},
		{[]string{"user:write"}, nil, nil, ""},
		{[]string{"*"}, nil, nil, ""},
		{nil, posthogusers.ErrForbidden, posthogusers.ErrForbidden, posthogusers.ScopeUserRead},
		{[]string{"feature_flag:read"}, posthogusers.ErrForbidden, posthogusers.ErrForbidden, posthogusers.ScopeUserRead},
	}
	for _, tt := range tests {
		c := srv.NewClient(srv.AddKey(srv.User.UUID, tt.scopes...))
		_, rerr := c.Users.Get(ctx, posthogusers.Me)
		_, werr := c.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{LastName: posthogusers.Ptr("L")})
		if !errors.Is(rerr, tt.readErr) && (rerr != nil || tt.readErr != nil) {
			t.Errorf("scopes %v: read %v; want %v", tt.scopes, rerr, tt.readErr)
		}
		if !errors.Is(werr, tt.writeErr) && (werr != nil || tt.writeErr != nil) {
			t.Errorf("scopes %v: write %v; want %v", tt.scopes, werr, tt.writeErr)
		}
		var se *posthogusers.ScopeError
		if tt.wantScope != "" {
			err := werr
			if tt.readErr != nil {
				err = rerr
			}
			if !errors.As(err, &se) || se.Scope != tt.wantScope {
				t.Errorf("scopes %v: %v; want a ScopeError for %s", tt.scopes, err, tt.wantScope)
			}
		}
	}
	// "*" does not open the endpoints closed to keys.
	star := srv.NewClient(srv.AddKey(srv.User.UUID, "*"))
	if _, err := star.TwoFactor.Status(ctx, posthogusers.Me); !errors.Is(err, posthogusers.ErrSessionRequired) {
		t.Errorf("2FA with a * key: %v; want ErrSessionRequired", err)
	}
	// events_column_config is not nullable in PostHog's schema.
	r := do(t, srv, "PATCH", "/api/users/@me/", `{"events_column_config":null}`, bearer(srv.AddKey(srv.User.UUID, "user:write")))
	wantError(t, r, http.StatusBadRequest, "null", "This field may not be null.")
}

// TestKeys_unknownAndRevoked checks the 401s of unknown, revoked and
// missing keys.
func TestKeys_unknownAndRevoked(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	key := srv.AddKey(srv.User.UUID, "*")
	srv.RevokeKey(key)
	r := do(t, srv, "GET", "/api/users/@me/", "", bearer(key))
	wantError(t, r, http.StatusUnauthorized, "authentication_failed", "Personal API key found in request Authorization header is invalid.")
	r = do(t, srv, "GET", "/api/users/@me/?personal_api_key="+url.QueryEscape(key), "", nil)
	wantError(t, r, http.StatusUnauthorized, "authentication_failed", "Personal API key found in request query string is invalid.")
	r = do(t, srv, "GET", "/api/users/@me/", "", nil)
	wantError(t, r, http.StatusUnauthorized, "not_authenticated", "Authentication credentials were not provided.")
	if r.header.Get("WWW-Authenticate") != "" {
		t.Errorf("401 carries WWW-Authenticate %q; PostHog sends none", r.header.Get("WWW-Authenticate"))
	}
	for _, req := range srv.Requests() {
		if strings.Contains(fmt.Sprint(req), key) {
			t.Errorf("recorded request %+v holds a key", req)
		}
	}
}

// TestKeys_bodyAndQuery checks the keys given in a JSON body and in the
// query string.
func TestKeys_bodyAndQuery(t *testing.T) {
	t.Parallel()
	_, srv, _ := setup(t)
	// A key in a JSON body works, is tried after the header, and is not
	// recorded.
	bodyKey := srv.AddKey(srv.User.UUID, "user:write")
	r := do(t, srv, "PATCH", "/api/users/@me/", `{"personal_api_key":"`+bodyKey+`","last_name":"King"}`, nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"last_name":"King"`) {
		t.Errorf("body key: %d %s", r.status, r.body)
	}
	r = do(t, srv, "PATCH", "/api/users/@me/", `{"personal_api_key":"phx_unknown"}`, nil)
	wantError(t, r, http.StatusUnauthorized, "authentication_failed", "Personal API key found in request body is invalid.")
	for _, req := range srv.Requests() {
		if strings.Contains(string(req.Body), bodyKey) || strings.Contains(string(req.Body), "phx_unknown") {
			t.Errorf("recorded body %s holds a key", req.Body)
		}
	}
	// The query-string key works too, and is not recorded.
	good := srv.AddKey(srv.User.UUID, "user:read")
	if r := do(t, srv, "GET", "/api/users/@me/?personal_api_key="+good, "", nil); r.status != http.StatusOK {
		t.Errorf("query-string key: %d", r.status)
	}
	for _, req := range srv.Requests() {
		if strings.Contains(fmt.Sprint(req), good) {
			t.Errorf("recorded request %+v holds a key", req)
		}
	}
}

func TestAddUser_fixedUUIDAndDateJoined(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("0190a3c4-0000-7000-8000-000000000001")
	joined := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	fake := posthogtest.New()
	u := fake.AddUser(posthogtest.UserSpec{IsStaff: true, UUID: id, DateJoined: joined})
	if u.UUID != id {
		t.Errorf("UUID %s; want %s", u.UUID, id)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client, err := posthogusers.NewClient(fake.AddKey(u.UUID, "user:read"), posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.Users.Get(t.Context(), id.String())
	if err != nil {
		t.Fatal(err)
	}
	if got.UUID != id || !got.DateJoined.Equal(joined) {
		t.Errorf("user %s joined %v; want %s joined %v", got.UUID, got.DateJoined, id, joined)
	}
	defer func() {
		if recover() == nil {
			t.Error("AddUser with a taken UUID did not panic")
		}
	}()
	fake.AddUser(posthogtest.UserSpec{UUID: id})
}

// listedUUIDs lists every user client sees, with the count PostHog
// reported.
func listedUUIDs(t *testing.T, client *posthogusers.Client) (count int, listed map[uuid.UUID]bool) {
	t.Helper()
	page, err := client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	listed = map[uuid.UUID]bool{}
	for _, u := range page.Results {
		listed[u.UUID] = true
	}
	return page.Count, listed
}

func TestDeactivateUser(t *testing.T) {
	t.Parallel()
	staff, srv, _ := setup(t, posthogtest.WithStaff())
	ctx := t.Context()
	seeded := srv.SeedUsers(5) // a generated user, never changed before
	grace := srv.AddUser(posthogtest.UserSpec{Email: "grace@example.com"})
	graceKey := srv.AddKey(grace.UUID, "user:read")
	graceSession := srv.SessionClient(grace.UUID)
	if _, err := srv.NewClient(graceKey).Users.Get(ctx, posthogusers.Me); err != nil {
		t.Fatalf("before: %v", err)
	}
	count, _ := listedUUIDs(t, staff)

	for _, u := range []posthogtest.User{seeded, grace} {
		if !srv.DeactivateUser(u.UUID) {
			t.Fatalf("DeactivateUser(%s) = false", u.UUID)
		}
	}
	if srv.DeactivateUser(uuid.New()) {
		t.Error("DeactivateUser of an unknown user = true")
	}

	after, listed := listedUUIDs(t, staff)
	if after != count-2 || len(listed) != after || listed[seeded.UUID] || listed[grace.UUID] {
		t.Errorf("listing after: count %d (%d listed; before %d); deactivated users listed: %v %v",
			after, len(listed), count, listed[seeded.UUID], listed[grace.UUID])
	}
	if n := srv.UserCount(); n != after {
		t.Errorf("UserCount() = %d; want %d, the listing's count", n, after)
	}
	byEmail, err := staff.Users.List(ctx, &posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{Email: grace.Email}})
	if err != nil || byEmail.Count != 0 {
		t.Errorf("listing by a deactivated user's email: %+v, %v; want none", byEmail, err)
	}
	for _, u := range []posthogtest.User{seeded, grace} {
		if _, err := staff.Users.Get(ctx, u.UUID.String()); !errors.Is(err, posthogusers.ErrNotFound) {
			t.Errorf("staff GET of a deactivated user: %v; want 404", err)
		}
		if _, err := staff.Integrations.ListGitHub(ctx, u.UUID.String()); !errors.Is(err, posthogusers.ErrNotFound) {
			t.Errorf("staff listing a deactivated user's integrations: %v; want 404", err)
		}
	}
	// Signal autonomy looks users up by ID without PostHog's filter.
	if _, err := staff.SignalAutonomy.Set(ctx, posthogusers.AutonomyUser(grace.ID), posthogusers.SignalAutonomyUpdate{}); err != nil {
		t.Errorf("signal autonomy of a deactivated user: %v", err)
	}
	// The user's credentials no longer authenticate.
	var apiErr *posthogusers.APIError
	if _, err := srv.NewClient(graceKey).Users.Get(ctx, posthogusers.Me); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized ||
		apiErr.Detail != "Personal API key found in request Authorization header is invalid." {
		t.Errorf("a deactivated user's key: %v; want PostHog's 401 for an invalid key", err)
	}
	if _, err := graceSession.Users.Get(ctx, posthogusers.Me); !errors.Is(err, posthogusers.ErrUnauthorized) {
		t.Errorf("a deactivated user's session: %v; want 401", err)
	}
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	staff, srv, _ := setup(t, posthogtest.WithStaff())
	ctx := t.Context()
	seeded := srv.SeedUsers(3)
	// A member of an organization, whom DELETE /api/users/@me/ refuses.
	grace := srv.AddUser(posthogtest.UserSpec{Email: "grace@example.com"})
	graceKey := srv.AddKey(grace.UUID, "user:read")
	count, _ := listedUUIDs(t, staff)

	for _, u := range []posthogtest.User{seeded, grace} {
		if !srv.DeleteUser(u.UUID) {
			t.Fatalf("DeleteUser(%s) = false", u.UUID)
		}
		if srv.DeleteUser(u.UUID) {
			t.Errorf("DeleteUser(%s) twice = true", u.UUID)
		}
		if srv.DeactivateUser(u.UUID) {
			t.Errorf("DeactivateUser of a deleted user = true")
		}
	}
	after, listed := listedUUIDs(t, staff)
	if after != count-2 || listed[seeded.UUID] || listed[grace.UUID] || srv.UserCount() != after {
		t.Errorf("after: count %d, UserCount %d; want %d; deleted users listed: %v %v",
			after, srv.UserCount(), count-2, listed[seeded.UUID], listed[grace.UUID])
	}
	if _, err := staff.Users.Get(ctx, grace.UUID.String()); !errors.Is(err, posthogusers.ErrNotFound) {
		t.Errorf("staff GET of a deleted user: %v; want 404", err)
	}
	if _, err := srv.NewClient(graceKey).Users.Get(ctx, posthogusers.Me); !errors.Is(err, posthogusers.ErrUnauthorized) {
		t.Errorf("a deleted user's key: %v; want 401", err)
	}
	// The UUID is free again.
	back := srv.AddUser(posthogtest.UserSpec{UUID: grace.UUID, Email: "grace@example.com"})
	if got, err := staff.Users.Get(ctx, grace.UUID.String()); err != nil || got.ID != back.ID {
		t.Errorf("the UUID added again: %+v, %v", got, err)
	}
}
