package posthogusers

import (
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// userJSON is the fixture user with its members changed: a nil value
// removes a member, a jsontext.Value is put in as it is.
func userJSON(t *testing.T, changes map[string]any) []byte {
	t.Helper()
	u := fixtureUser(t, 7)
	for k, v := range changes {
		if v == nil {
			delete(u, k)
			continue
		}
		u[k] = v
	}
	return mustJSON(t, u)
}

func TestUser_decodesPostHogBodies(t *testing.T) {
	t.Parallel()
	t.Run("null nested objects", func(t *testing.T) {
		t.Parallel()
		var u User
		body := userJSON(t, map[string]any{"team": jsontext.Value("null"), "organization": jsontext.Value("null"),
			"organizations": []any{}, "pending_email": jsontext.Value("null"), "role_at_organization": jsontext.Value("null"),
			"is_email_verified": jsontext.Value("null"), "membership_level": jsontext.Value("null")})
		if err := json.Unmarshal(body, &u); err != nil {
			t.Fatal(err)
		}
		if u.Team != nil || u.Organization != nil || len(u.Organizations) != 0 || u.PendingEmail != "" ||
			u.RoleAtOrganization != "" || u.IsEmailVerified != nil || u.ID != 7 {
			t.Errorf("got team %v, organization %v, organizations %v, pending %q, role %q, verified %v, id %d",
				u.Team, u.Organization, u.Organizations, u.PendingEmail, u.RoleAtOrganization, u.IsEmailVerified, u.ID)
		}
	})
	t.Run("unknown and differently cased members", func(t *testing.T) {
		t.Parallel()
		var u User
		body := userJSON(t, map[string]any{"brand_new": map[string]any{"on": true}, "Email": "shout@example.com"})
		if err := json.Unmarshal(body, &u); err != nil {
			t.Fatal(err)
		}
		// Names match case-sensitively: "Email" is not "email".
		if u.Email != "user7@example.com" {
			t.Errorf("Email = %q; want the value of \"email\"", u.Email)
		}
		want := map[string]jsontext.Value{"brand_new": jsontext.Value(`{"on":true}`), "Email": jsontext.Value(`"shout@example.com"`)}
		if diff := cmp.Diff(want, u.UnknownFields()); diff != "" {
			t.Errorf("UnknownFields (-want +got):\n%s", diff)
		}
	})
	t.Run("a string or a number", func(t *testing.T) {
		t.Parallel()
		for _, scope := range []string{`2`, `"2"`} {
			var u User
			body := userJSON(t, map[string]any{"notification_locks": []any{map[string]any{
				"setting": "project_weekly_digest_disabled", "scope_id": jsontext.Value(scope), "locked_value": true,
			}}})
			if err := json.Unmarshal(body, &u); err != nil {
				t.Fatalf("scope_id %s: %v", scope, err)
			}
			if got := u.NotificationLocks[0].ScopeID; got != "2" {
				t.Errorf("scope_id %s: ScopeID = %q; want \"2\"", scope, got)
			}
		}
	})
	t.Run("session times with and without a zone", func(t *testing.T) {
		t.Parallel()
		var u User
		body := userJSON(t, map[string]any{"is_impersonated_until": "2026-11-29T10:00:00.5", "sensitive_session_expires_at": "soon",
			"fresh_reauth_expires_at": "2026-11-29T10:00:00+01:00"})
		if err := json.Unmarshal(body, &u); err != nil {
			t.Fatal(err)
		}
		if u.IsImpersonatedUntil == nil || !u.IsImpersonatedUntil.Equal(time.Date(2026, 11, 29, 10, 0, 0, 5e8, time.UTC)) ||
			u.SensitiveSessionExpiresAt != nil || u.FreshReauthExpiresAt == nil || u.FreshReauthExpiresAt.UTC().Hour() != 9 {
			t.Errorf("got %v, %v, %v", u.IsImpersonatedUntil, u.SensitiveSessionExpiresAt, u.FreshReauthExpiresAt)
		}
	})
}

func TestUser_refusesAmbiguousJSON(t *testing.T) {
	t.Parallel()
	fixture := string(userJSON(t, nil))
	for name, body := range map[string]string{
		"duplicate member": strings.Replace(fixture, `"email":`, `"email":"a@example.com","email":`, 1),
		"invalid UTF-8":    strings.Replace(fixture, `"first_name":"Ada"`, "\"first_name\":\"Ad\xff\"", 1),
		"id past int64":    strings.Replace(fixture, `"id":7`, `"id":9223372036854775808`, 1),
		"uuid a number":    strings.Replace(fixture, `"uuid":"`, `"uuid":7,"x":"`, 1),
		"cut short":        fixture[:len(fixture)/2],
	} {
		if body == fixture {
			t.Fatalf("%s: the body was not changed", name)
		}
		var u User
		if err := json.Unmarshal([]byte(body), &u); err == nil {
			t.Errorf("%s: decoded without an error", name)
		}
	}
}

func TestRequestBodies_sendWhatWasSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body any
		want string
	}{
		{"nothing set", UpdateUserRequest{}, `{}`},
		// omitzero, not omitempty: a pointer to "" clears the field.
		{"a name cleared", UpdateUserRequest{LastName: Ptr("")}, `{"last_name":""}`},
		{"false is sent", UpdateUserRequest{HideMCPHints: Ptr(false), AnonymizeData: NewNullable(false)}, `{"anonymize_data":false,"hide_mcp_hints":false}`},
		{"null clears", UpdateUserRequest{HasSeenProductIntroFor: Null[map[string]bool]()}, `{"has_seen_product_intro_for":null}`},
		{"a nil map is an empty object", UpdateUserRequest{HasSeenProductIntroFor: NewNullable[map[string]bool](nil)}, `{"has_seen_product_intro_for":{}}`},
		{"an empty settings map is not sent", UpdateUserRequest{NotificationSettings: map[string]any{}}, `{}`},
		{"a team ID as a string", UpdateUserRequest{SetCurrentTeam: Ptr(int64(7))}, `{"set_current_team":"7"}`},
		{"raw JSON as it is", UpdateUserRequest{UIConfiguration: NewNullable(jsontext.Value(`{"a": [1]}`))}, `{"ui_configuration":{"a":[1]}}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.body)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s: got %s; want %s", tt.name, got, tt.want)
		}
	}
}

func TestOpaqueID(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]OpaqueID{`"ab-1"`: "ab-1", `12345678901234567890`: "12345678901234567890", `null`: ""} {
		var id OpaqueID
		if err := json.Unmarshal([]byte(body), &id); err != nil || id != want {
			t.Errorf("%s: got %q, %v; want %q", body, id, err, want)
		}
	}
	for _, body := range []string{`true`, `{}`, `[1]`} {
		var id OpaqueID
		if err := json.Unmarshal([]byte(body), &id); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}

func TestMergePatch(t *testing.T) {
	t.Parallel()
	// Cases from RFC 7396 Appendix A.
	tests := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, tt := range tests {
		got, err := mergePatch(jsontext.Value(tt.target), jsontext.Value(tt.patch))
		if err != nil {
			t.Errorf("mergePatch(%s, %s): %v", tt.target, tt.patch, err)
			continue
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("result %s: %v", got, err)
		}
		_ = json.Unmarshal([]byte(tt.want), &w)
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("mergePatch(%s, %s) (-want +got):\n%s", tt.target, tt.patch, diff)
		}
	}
}
