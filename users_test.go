package posthogusers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// usersEndpointCases are the endpoint cases of users.go that the tests
// below do not cover on their own.
var usersEndpointCases = []endpointCase{
	{
		name: "Users.Replace", session: true,
		route:    "PUT /api/users/@me/{$}",
		wantBody: `{"email":"ada@example.com","password":"correct horse battery staple","current_password":"old password","first_name":"Ada"}`,
		status:   http.StatusOK, resp: usersGetFixture,
		call: func(ctx context.Context, c *Client) (any, error) {
			u, err := c.Users.Replace(ctx, Me, ReplaceUserRequest{
				Email: "ada@example.com", Password: "correct horse battery staple",
				UpdateUserRequest: UpdateUserRequest{FirstName: Ptr("Ada"), CurrentPassword: Ptr("old password")},
			})
			if err != nil {
				return nil, err
			}
			return u.Email, nil
		},
		want: "ada@example.com",
	},
}

// usersInvalidInputCases are the arguments of Users.Replace the client
// refuses.
var usersInvalidInputCases = []invalidInputCase{
	{"Replace without password", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.Replace(ctx, Me, ReplaceUserRequest{Email: "a@example.com"}))
	}, "Password"},
	{"Replace without email", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.Replace(ctx, Me, ReplaceUserRequest{Password: "p"}))
	}, "Email"},
	{"Replace with a bad embedded field", func(ctx context.Context, c *Client) error {
		return errOf(c.Users.Replace(ctx, Me, ReplaceUserRequest{Email: "a@example.com", Password: "p",
			UpdateUserRequest: UpdateUserRequest{FirstName: Ptr(tooLong + tooLong)}}))
	}, "FirstName"},
}

// wantFixtureUser is testdata/users_get.json decoded, and fixtureOrgID the
// UUID of its organization.
var (
	fixtureOrgID    = uuid.MustParse("0190a3c4-4c0d-7b1c-8e29-1a5d7c3b0f96")
	wantFixtureUser = User{
		ID:                       42,
		UUID:                     uuid.MustParse("0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"),
		DistinctID:               "x4Kc9P2mQ7rT1vW8yZ3bN6dF0gH5jL",
		FirstName:                "Ada",
		LastName:                 "Lovelace",
		Email:                    "ada@example.com",
		IsEmailVerified:          Ptr(true),
		DateJoined:               time.Date(2024, 3, 11, 9, 15, 22, 418235000, time.UTC),
		HasPassword:              true,
		RequiresCredentialReview: false,
		Team: &Team{
			ID: 2, UUID: uuid.MustParse("0190a3c4-6a2f-7d3e-8a4b-3c7f9e5d2b18"), Organization: fixtureOrgID, ProjectID: 2,
			APIToken: "phc_Xk3vQ8mN2pR7sT1wY6zB4cF9gJ0hL5dA8eK2uV7iO3q", Name: "Default project",
			CompletedSnippetOnboarding: true, HasCompletedOnboardingFor: map[string]any{"product_analytics": true},
			IngestedEvent: true, Timezone: "Europe/London",
		},
		Organization: &Organization{
			ID: fixtureOrgID, Name: "Analytical Engines", Slug: "analytical-engines",
			CreatedAt:                time.Date(2024, 3, 11, 9, 15, 21, 902114000, time.UTC),
			UpdatedAt:                time.Date(2025, 10, 2, 16, 40, 3, 551870000, time.UTC),
			MembershipLevel:          MembershipOwner,
			PluginsAccessLevel:       PluginsAccessRoot,
			Teams:                    []map[string]any{{"id": 2.0, "name": "Default project"}},
			Projects:                 []map[string]any{{"id": 2.0, "name": "Default project"}},
			AvailableProductFeatures: []map[string]any{{"key": "team_members", "name": "Team members"}},
			IsMemberJoinEmailEnabled: true, Metadata: map[string]string{"instance_tag": "none"},
			MembersCanInvite: true, MembersCanUsePersonalAPIKeys: true, AllowPubliclySharedResources: true,
			MemberCount: 3, IsAIDataProcessingApproved: true, DefaultExperimentStatsMethod: ExperimentStatsBayesian,
			IsActive: Ptr(true),
		},
		Organizations: []OrganizationBasic{{
			ID: fixtureOrgID, Name: "Analytical Engines", Slug: "analytical-engines", MembershipLevel: MembershipOwner,
			MembersCanUsePersonalAPIKeys: true, IsActive: Ptr(true),
		}},
		PendingInvites: []PendingInvite{{
			ID: "0190b7e2-1d3c-7a4b-9c5d-6e7f8a9b0c1d", TargetEmail: "ada@example.com",
			OrganizationID: "0190b7e2-0a1b-7c2d-8e3f-4a5b6c7d8e9f", OrganizationName: "Difference Engines",
			CreatedAt: time.Date(2025, 11, 20, 8, 0, 0, 0, time.UTC),
		}},
		IsOrganizationFirstUser: Ptr(true),
		NotificationSettings: map[string]any{
			"plugin_disabled": true, "error_tracking_issue_assigned": true, "discussions_mentioned": true,
			"project_weekly_digest_disabled": map[string]any{"2": true}, "all_weekly_digest_disabled": false,
		},
		NotificationLocks:               []NotificationLock{{Setting: "all_weekly_digest_disabled", AppliesToAllMembers: true}},
		ActiveRealtimeNotificationTypes: []string{"error_tracking_issue_assigned"},
		AllowImpersonation:              true,
		ToolbarMode:                     ToolbarModeToolbar,
		ThemeMode:                       ThemeModeSystem,
		ShortcutPosition:                ShortcutPositionAbove,
		RoleAtOrganization:              RoleEngineering,
		AllowSidebarSuggestions:         true,
		HasSeenProductIntroFor:          map[string]bool{"surveys": true},
		ScenePersonalisation:            []ScenePersonalisation{{Scene: "ProjectHomepage", Dashboard: Ptr(int64(7))}},
		EventsColumnConfig:              jsontext.Value(`{"active": "DEFAULT"}`),
		HedgehogConfig:                  jsontext.Value(`null`),
		UIConfiguration:                 jsontext.Value(`null`),
	}
)

// TestUsersService_Get checks the request of Users.Get and that every field
// of PostHog's answer is decoded.
func TestUsersService_Get(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testAuth(t, r)
		if got := r.PathValue("id"); got != "@me" {
			t.Errorf("path id: got %q; want @me", got)
		}
		serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
	})
	u, err := ts.client.Users.Get(t.Context(), Me)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&wantFixtureUser, u, ignoreSent); diff != "" {
		t.Errorf("user (-want +got):\n%s", diff)
	}
}

func TestUser_unknownFields(t *testing.T) {
	t.Parallel()
	// Every field of the fixture, which has every field of PostHog's newer
	// docs and schema, has a field in User.
	var u User
	if err := json.Unmarshal(readFixture(t, "users_get.json"), &u); err != nil {
		t.Fatal(err)
	}
	if extra := u.UnknownFields(); extra != nil {
		t.Errorf("fixture fields User does not know: %v", keys(extra))
	}
	// A field PostHog adds later is kept.
	fields := fixtureUser(t, 1)
	fields["brand_new_setting"] = map[string]any{"on": true}
	if err := json.Unmarshal(mustJSON(t, fields), &u); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]jsontext.Value{"brand_new_setting": jsontext.Value(`{"on":true}`)}, u.UnknownFields()); diff != "" {
		t.Errorf("UnknownFields (-want +got):\n%s", diff)
	}
	if (&User{}).UnknownFields() != nil {
		t.Error("a User not decoded from JSON has unknown fields")
	}
}

func TestUser_sessionTimes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  *time.Time
	}{
		{`null`, nil},
		{`"2026-11-23T10:00:00+00:00"`, Ptr(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))},
		{`"2026-11-23T10:00:00.5Z"`, Ptr(time.Date(2026, 11, 23, 10, 0, 0, 5e8, time.UTC))},
		{`"2026-11-23T10:00:00"`, Ptr(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))},
		{`"2026-11-23 10:00:00+00:00"`, Ptr(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))},
		{`"string"`, nil},
	}
	for _, tt := range tests {
		var u User
		data := `{"id":1,"is_impersonated_until":` + tt.value + `,"sensitive_session_expires_at":` + tt.value + `,"fresh_reauth_expires_at":` + tt.value + `}`
		if err := json.Unmarshal([]byte(data), &u); err != nil {
			t.Fatalf("%s: %v", tt.value, err)
		}
		for name, got := range map[string]*time.Time{
			"IsImpersonatedUntil": u.IsImpersonatedUntil, "SensitiveSessionExpiresAt": u.SensitiveSessionExpiresAt, "FreshReauthExpiresAt": u.FreshReauthExpiresAt,
		} {
			if (got == nil) != (tt.want == nil) || got != nil && !got.Equal(*tt.want) {
				t.Errorf("%s from %s: got %v; want %v", name, tt.value, got, tt.want)
			}
		}
		if u.ID != 1 {
			t.Errorf("ID: got %d; want 1", u.ID)
		}
	}
	var u User
	if err := json.Unmarshal([]byte(`{"id":"x"}`), &u); err == nil {
		t.Error("a malformed user decoded without error")
	}
}

func TestUsersService_Get_idForms(t *testing.T) {
	t.Parallel()
	tests := []struct{ id, wantPath string }{
		{Me, "@me"},
		{"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"},
		{"0190A3C4-5B1E-7C2D-9F3A-2B6E8D4C1A07", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"},
		{"{0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07}", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"},
		{"urn:uuid:0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			ts := setup(t)
			ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
				if got := r.PathValue("id"); got != tt.wantPath {
					t.Errorf("path id: got %q; want %q", got, tt.wantPath)
				}
				serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
			})
			if _, err := ts.client.Users.Get(t.Context(), tt.id); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestUsersService_invalidIDs(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request was sent: %s %s", r.Method, r.URL)
	})
	for _, id := range []string{"", "me", "@ME", "42", "../../api/projects", "0190a3c4-5b1e-7c2d-9f3a", "0190a3c4/5b1e-7c2d-9f3a-2b6e8d4c1a07", strings.Repeat("x", 500)} {
		calls := map[string]func() error{
			"Get":    func() error { return errOf(ts.client.Users.Get(t.Context(), id)) },
			"Update": func() error { return errOf(ts.client.Users.Update(t.Context(), id, UpdateUserRequest{})) },
			"Delete": func() error { return ts.client.Users.Delete(t.Context(), id) },
		}
		for name, call := range calls {
			err := call()
			var ie *InputError
			if !errors.As(err, &ie) || ie.Arg != "id" || !errors.Is(err, ErrInvalidInput) {
				t.Errorf("%s(%.20q): got %v; want an *InputError for id", name, id, err)
			}
			if err != nil && len(err.Error()) > 200 {
				t.Errorf("%s: error of %d bytes; want the id cut short", name, len(err.Error()))
			}
		}
	}
}

func TestUsersService_Get_notFound(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusNotFound, readFixture(t, "errors/not_found.json"))
	})
	_, err := ts.client.Users.Get(t.Context(), "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v; want ErrNotFound", err)
	}
}

func TestUsersService_Get_malformedResponse(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.transport.SkipResponses.Store(true)
	ts.mux.HandleFunc("GET /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusOK, []byte(`{"id": 42, "email": "ada@exa`))
	})
	u, err := ts.client.Users.Get(t.Context(), Me)
	if !errors.Is(err, ErrMalformedResponse) || u != nil || !strings.Contains(err.Error(), "decoding the 200 answer") {
		t.Errorf("got (%v, %v); want a decoding error", u, err)
	}
}

func TestUsersService_Update(t *testing.T) {
	t.Parallel()
	orgID := uuid.MustParse("0190a3c4-4c0d-7b1c-8e29-1a5d7c3b0f96")
	tests := []struct {
		name string
		req  UpdateUserRequest
		want string
	}{
		{"nothing", UpdateUserRequest{}, `{}`},
		{"names", UpdateUserRequest{FirstName: Ptr("Ada"), LastName: Ptr("")}, `{"first_name":"Ada","last_name":""}`},
		{"set and clear nullable fields", UpdateUserRequest{
			ThemeMode:          NewNullable(ThemeModeDark),
			ToolbarMode:        Null[ToolbarMode](),
			AnonymizeData:      NewNullable(false),
			HedgehogConfig:     Null[jsontext.Value](),
			UIConfiguration:    NewNullable(jsontext.Value(`{"sidebar":{"starred_products_setup_completed":true}}`)),
			AllowImpersonation: Null[bool](),
		}, `{"theme_mode":"dark","toolbar_mode":null,"anonymize_data":false,"hedgehog_config":null,
			"ui_configuration":{"sidebar":{"starred_products_setup_completed":true}},"allow_impersonation":null}`},
		{"partial notification settings", UpdateUserRequest{
			NotificationSettings: map[string]any{"project_weekly_digest_disabled": map[string]bool{"2": true}},
		}, `{"notification_settings":{"project_weekly_digest_disabled":{"2":true}}}`},
		{"switch organization and team", UpdateUserRequest{SetCurrentOrganization: &orgID, SetCurrentTeam: Ptr[int64](7)},
			`{"set_current_organization":"0190a3c4-4c0d-7b1c-8e29-1a5d7c3b0f96","set_current_team":"7"}`},
		{"enums and flags", UpdateUserRequest{
			RoleAtOrganization: Ptr(RoleFounder), ShortcutPosition: NewNullable(ShortcutPosition("")),
			HideMCPHints: Ptr(false), PasskeysEnabledFor2FA: NewNullable(true), HasSeenProductIntroFor: NewNullable(map[string]bool{"surveys": false}),
		}, `{"role_at_organization":"founder","shortcut_position":"","hide_mcp_hints":false,"passkeys_enabled_for_2fa":true,"has_seen_product_intro_for":{"surveys":false}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := setup(t)
			ts.mux.HandleFunc("PATCH /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
				testAuth(t, r)
				testJSONBody(t, r, tt.want)
				serveJSON(w, http.StatusOK, readFixture(t, "users_get.json"))
			})
			u, err := ts.client.Users.Update(t.Context(), Me, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if u.Email != "ada@example.com" {
				t.Errorf("returned user: got %q; want the decoded response", u.Email)
			}
		})
	}
}

func TestUsersService_Update_invalidInput(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request was sent: %s %s", r.Method, r.URL)
	})
	tests := []struct {
		req     UpdateUserRequest
		wantArg string
	}{
		{UpdateUserRequest{FirstName: Ptr(strings.Repeat("é", 151))}, "FirstName"},
		{UpdateUserRequest{LastName: Ptr(strings.Repeat("x", 151))}, "LastName"},
		{UpdateUserRequest{Email: Ptr("not-an-address")}, "Email"},
		{UpdateUserRequest{Password: Ptr(strings.Repeat("p", 129))}, "Password"},
		{UpdateUserRequest{RoleAtOrganization: Ptr(RoleAtOrganization(""))}, "RoleAtOrganization"},
		{UpdateUserRequest{HedgehogConfig: NewNullable(jsontext.Value(`{"color":`))}, "HedgehogConfig"},
		{UpdateUserRequest{UIConfiguration: NewNullable(jsontext.Value(`nope`))}, "UIConfiguration"},
		{UpdateUserRequest{EventsColumnConfig: jsontext.Value(`{`)}, "EventsColumnConfig"},
	}
	for _, tt := range tests {
		_, err := ts.client.Users.Update(t.Context(), Me, tt.req)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Arg != tt.wantArg {
			t.Errorf("Update(%s): got %v; want an *InputError for %s", tt.wantArg, err, tt.wantArg)
		}
	}
	// 150 characters of any width are fine.
	if err := (&UpdateUserRequest{FirstName: Ptr(strings.Repeat("é", 150))}).validate(); err != nil {
		t.Errorf("150 characters: got %v; want accepted", err)
	}
}

func TestUsersService_Delete(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ts.mux.HandleFunc("DELETE /api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodDelete)
		if got := r.PathValue("id"); got != "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07" {
			t.Errorf("path id: got %q", got)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	if err := ts.client.Users.Delete(t.Context(), "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"); err != nil {
		t.Errorf("Delete: %v", err)
	}
}

func TestUsersService_List(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts *ListUsersOptions
		want url.Values
	}{
		{"nil options", nil, url.Values{}},
		{"zero options", &ListUsersOptions{}, url.Values{}},
		{"every filter", &ListUsersOptions{UserFilter: UserFilter{Email: "ada+ops@example.com", IsStaff: Ptr(true)}, Limit: 2, Offset: 4},
			url.Values{"email": {"ada+ops@example.com"}, "is_staff": {"true"}, "limit": {"2"}, "offset": {"4"}}},
		{"non-staff only", &ListUsersOptions{UserFilter: UserFilter{IsStaff: Ptr(false)}}, url.Values{"is_staff": {"false"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := setup(t)
			ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
				testAuth(t, r)
				testQuery(t, r, tt.want)
				serveJSON(w, http.StatusOK, mustJSON(t, map[string]any{
					"count": 3, "next": "https://us.posthog.com/api/users/?limit=2&offset=2", "previous": nil,
					"results": []any{fixtureUser(t, 1), fixtureUser(t, 2)},
				}))
			})
			page, err := ts.client.Users.List(t.Context(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if page.Count != 3 || page.Next != "https://us.posthog.com/api/users/?limit=2&offset=2" || page.Previous != "" || len(page.Results) != 2 {
				t.Errorf("page: got count %d, next %q, previous %q, %d results", page.Count, page.Next, page.Previous, len(page.Results))
			}
			if page.Results[1].Email != "user2@example.com" {
				t.Errorf("second user: got %q; want user2@example.com", page.Results[1].Email)
			}
		})
	}
}

func TestUsersService_List_invalidOptions(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("a request was sent: %s", r.URL)
		return nil, errors.New("unreachable")
	})}))
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []*ListUsersOptions{{Limit: -1}, {Offset: -5}} {
		if _, err := c.Users.List(t.Context(), opts); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("List(%+v): got %v; want ErrInvalidInput", opts, err)
		}
		for _, err := range c.Users.All(t.Context(), opts) {
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("All(%+v): got %v; want ErrInvalidInput", opts, err)
			}
		}
	}
}

// keys returns the keys of m, in no order.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
