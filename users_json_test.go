package posthogusers

import (
	"bytes"
	encjson "encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreSent makes go-cmp compare the Go fields of User and of the types it
// holds, not the record of how PostHog sent them.
var ignoreSent = cmpopts.IgnoreUnexported(User{}, Team{}, Organization{}, OrganizationBasic{}, PendingInvite{},
	ScenePersonalisation{}, NotificationLock{})

// sameJSON fails t when got and want differ as JSON values: the same
// members with the same values, null included, in any order and spacing.
func sameJSON(t *testing.T, what string, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: the JSON wanted: %v", what, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: the JSON encoded: %v\n%s", what, err, got)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s: the encoded JSON differs from PostHog's (-PostHog +encoded):\n%s", what, diff)
	}
}

// fixtureUsers returns the users of the fixtures in testdata/: each JSON
// file that is a user (it has date_joined) or a page of users (it has
// results), by name.
func fixtureUsers(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	users := map[string][]byte{}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var shape struct {
			DateJoined jsontext.Value   `json:"date_joined"`
			Results    []jsontext.Value `json:"results"`
		}
		if err := json.Unmarshal(data, &shape); err != nil {
			continue // not an object
		}
		switch {
		case shape.DateJoined != nil:
			users[filepath.Base(name)] = data
		case shape.Results != nil:
			for i, u := range shape.Results {
				users[filepath.Base(name)+"/results/"+strconv.Itoa(i)] = u
			}
		}
	}
	if users["users_get.json"] == nil || users["docs_users_list.json/results/0"] == nil {
		t.Fatalf("the fixtures found are %v; want users_get.json and docs_users_list.json among them", keys(users))
	}
	return users
}

// userVariants returns the fixture user with members PostHog may send
// another way than the fixture: more nulls, timestamps in other layouts,
// session times the SDK cannot read, an ID as a number, members the SDK
// does not know, at every level.
func userVariants(t testing.TB) map[string][]byte {
	t.Helper()
	fixture := string(readFixture(t, "users_get.json"))
	replace := func(pairs ...string) []byte {
		t.Helper()
		s := fixture
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("the fixture has no %q", pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		return []byte(s)
	}
	return map[string][]byte{
		"nulls": replace(`"distinct_id": "x4Kc9P2mQ7rT1vW8yZ3bN6dF0gH5jL"`, `"distinct_id": null`,
			`"anonymize_data": false`, `"anonymize_data": null`, `"toolbar_mode": "toolbar"`, `"toolbar_mode": null`,
			`"notification_settings": {`, `"pn": null, "notification_settings": {"all": null, `,
			`"has_completed_onboarding_for": {"product_analytics": true}`, `"has_completed_onboarding_for": null`,
			`"metadata": {"instance_tag": "none"}`, `"metadata": null`, `"teams": [{"id": 2, "name": "Default project"}]`, `"teams": null`,
			`"available_product_features": [{"key": "team_members", "name": "Team members"}]`, `"available_product_features": [null, {}]`,
			`"is_pending_deletion": false
    }
  ],`, `"is_pending_deletion": null
    }
  ],`,
			`"scene_personalisation": [{"scene": "ProjectHomepage", "dashboard": 7}]`, `"scene_personalisation": [{"scene": null, "dashboard": null}]`,
			`"active_realtime_notification_types": ["error_tracking_issue_assigned"]`, `"active_realtime_notification_types": null`),
		"timestamps": replace(`"date_joined": "2024-03-11T09:15:22.418235Z"`, `"date_joined": "2024-03-11T09:15:22.418230Z"`,
			`"created_at": "2024-03-11T09:15:21.902114Z"`, `"created_at": "2024-03-11T10:15:21.902114+01:00"`,
			`"updated_at": "2025-10-02T16:40:03.551870Z"`, `"updated_at": "2025-10-02T16:40:03.000000Z"`,
			`"created_at": "2025-11-20T08:00:00Z"`, `"created_at": "2025-11-20T08:00:00.100000Z"`,
			`"onboarding_skipped_at": null`, `"onboarding_skipped_at": "2025-01-01T00:00:00.5Z"`,
			`"is_impersonated_until": null`, `"is_impersonated_until": "2026-11-29T10:00:00.5"`,
			`"sensitive_session_expires_at": null`, `"sensitive_session_expires_at": "soon"`,
			`"fresh_reauth_expires_at": null`, `"fresh_reauth_expires_at": 1764410400`),
		"numbers and unknown members": replace(`"scope_id": ""`, `"scope_id": 2`,
			`"requires_credential_review": false`, `"requires_credential_review": false, "brand_new": {"on": [1, null]}, "Email": "x"`,
			`"access_control": false`, `"access_control": false, "new_in_team": 1`,
			`"default_anonymize_ips": false`, `"new_in_org": "y", "default_anonymize_ips": false`,
			`"organization_name": "Difference Engines"`, `"organization_name": "Difference Engines", "new_in_invite": null`,
			`"locked_value": false`, `"locked_value": false, "new_in_lock": true`,
			`"dashboard": 7`, `"dashboard": 7, "new_in_scene": []`,
			`"is_active": true,
      "is_not_active_reason": null,`, `"is_active": true, "new_in_basic": {},
      "is_not_active_reason": null,`),
		"members left out": replace(`"pending_email": null,`, ``, `"is_email_verified": true,`, ``,
			`"team": {`, `"hedgehog": 1, "team": {`, `"timezone": "Europe/London",`, ``,
			`"member_count": 3,`, ``, `"is_pending_deletion": false
  },`, `"x": 0
  },`, `"ui_configuration": null,`, ``, `"hide_mcp_hints": false,`, ``),
		"an empty object":  []byte(`{}`),
		"escaped names":    replace(`"email": "ada@example.com"`, `"em\u0061il": "ada@example.com", "n\u00e9w": "\u00e9"`),
		"nothing but null": []byte(`{"team":null,"organization":null,"organizations":null,"date_joined":null,"hedgehog_config":null,"id":null}`),
	}
}

// TestUser_roundTrip decodes every user of the fixtures in testdata/, the
// example of PostHog's API docs among them, and their variants, and
// encodes them: with package json, with encoding/json, and as a scan's page
// decodes them. The JSON must be PostHog's, member for member.
func TestUser_roundTrip(t *testing.T) {
	t.Parallel()
	users := fixtureUsers(t)
	for name, data := range userVariants(t) {
		users["variant "+name] = data
	}
	for name, data := range users {
		var u User
		if err := json.Unmarshal(data, &u); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got, err := json.Marshal(u)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sameJSON(t, name, data, got)

		// encoding/json calls MarshalJSON and UnmarshalJSON.
		var v1 User
		if err := encjson.Unmarshal(data, &v1); err != nil {
			t.Errorf("%s: encoding/json: %v", name, err)
			continue
		}
		for what, value := range map[string]any{"a User": v1, "a *User": &v1, "a []User": []User{v1}} {
			got, err := encjson.Marshal(value)
			if err != nil {
				t.Errorf("%s: encoding/json, %s: %v", name, what, err)
				continue
			}
			if what == "a []User" {
				got = bytes.TrimSuffix(bytes.TrimPrefix(got, []byte("[")), []byte("]"))
			}
			sameJSON(t, name+", encoding/json, "+what, data, got)
		}

		// Twice on a page, as a scan decodes it: the team and the
		// organization are decoded once and shared.
		page := []byte(`{"count":2,"next":null,"previous":null,"results":[` + string(data) + "," + string(data) + "]}")
		decode := userItems()
		var scanned []User
		_, err = decodePage(newPageDecoder(bytes.NewReader(page)), func(dec *jsontext.Decoder) error {
			u, _, err := decode(dec)
			scanned = append(scanned, u)
			return err
		})
		if err != nil {
			continue // a user the scan refuses (no id): not a scan's
		}
		for i, u := range scanned {
			got, err := json.Marshal(u)
			if err != nil {
				t.Errorf("%s: scanned user %d: %v", name, i, err)
				continue
			}
			sameJSON(t, name+", scanned", data, got)
		}
	}
}

// TestUser_encodesWhatPostHogSent checks the members the Go fields cannot
// hold as sent, one by one.
func TestUser_encodesWhatPostHogSent(t *testing.T) {
	t.Parallel()
	variants := userVariants(t)
	for _, tt := range []struct {
		variant string
		pointer string // in the encoded JSON
		want    string
	}{
		{"nulls", "/pending_email", `null`},
		{"nulls", "/distinct_id", `null`},
		{"nulls", "/is_impersonated_read_only", `null`},
		{"nulls", "/toolbar_mode", `null`},
		{"nulls", "/team/has_completed_onboarding_for", `null`},
		{"nulls", "/organization/customer_id", `null`},
		{"nulls", "/organization/available_product_features", `[null,{}]`},
		{"nulls", "/organizations/0/is_pending_deletion", `null`},
		{"nulls", "/scene_personalisation/0", `{"scene":null,"dashboard":null}`},
		{"nulls", "/active_realtime_notification_types", `null`},
		{"nulls", "/hedgehog_config", `null`},
		{"timestamps", "/date_joined", `"2024-03-11T09:15:22.418230Z"`},
		{"timestamps", "/organization/created_at", `"2024-03-11T10:15:21.902114+01:00"`},
		{"timestamps", "/organization/updated_at", `"2025-10-02T16:40:03.000000Z"`},
		{"timestamps", "/pending_invites/0/created_at", `"2025-11-20T08:00:00.100000Z"`},
		{"timestamps", "/onboarding_skipped_at", `"2025-01-01T00:00:00.5Z"`},
		{"timestamps", "/is_impersonated_until", `"2026-11-29T10:00:00.5"`},
		{"timestamps", "/sensitive_session_expires_at", `"soon"`},
		{"timestamps", "/fresh_reauth_expires_at", `1764410400`},
		{"numbers and unknown members", "/notification_locks/0/scope_id", `2`},
		{"numbers and unknown members", "/brand_new", `{"on":[1,null]}`},
		{"numbers and unknown members", "/Email", `"x"`},
		{"numbers and unknown members", "/team/new_in_team", `1`},
		{"numbers and unknown members", "/pending_invites/0/new_in_invite", `null`},
		{"members left out", "/pending_email", ``},
		{"members left out", "/is_email_verified", ``},
		{"members left out", "/team/timezone", ``},
		{"members left out", "/organization/member_count", ``},
		{"members left out", "/ui_configuration", ``},
		{"an empty object", "/email", ``},
	} {
		var u User
		if err := json.Unmarshal(variants[tt.variant], &u); err != nil {
			t.Fatalf("%s: %v", tt.variant, err)
		}
		data, err := json.Marshal(u)
		if err != nil {
			t.Fatalf("%s: %v", tt.variant, err)
		}
		got := jsonAt(t, data, tt.pointer)
		if string(got) != tt.want {
			t.Errorf("%s: %s is %s; want %s", tt.variant, tt.pointer, orNone(got), orNone([]byte(tt.want)))
		}
	}
}

// jsonAt returns the value at pointer (its object names and array
// indexes) in the JSON data, compacted, or nil when there is none.
func jsonAt(t *testing.T, data []byte, pointer string) []byte {
	t.Helper()
	v := jsontext.Value(bytes.Clone(data))
	for _, name := range strings.Split(pointer, "/")[1:] {
		switch v.Kind() {
		case '{':
			var obj map[string]jsontext.Value
			if err := json.Unmarshal(v, &obj); err != nil {
				t.Fatal(err)
			}
			if v = obj[name]; v == nil {
				return nil
			}
		case '[':
			var list []jsontext.Value
			if err := json.Unmarshal(v, &list); err != nil {
				t.Fatal(err)
			}
			i, err := strconv.Atoi(name)
			if err != nil || i >= len(list) {
				return nil
			}
			v = list[i]
		default:
			return nil
		}
	}
	if err := v.Compact(); err != nil {
		t.Fatal(err)
	}
	return v
}

// orNone shows a member's value, or that there is none.
func orNone(v []byte) string {
	if v == nil {
		return "left out"
	}
	return string(v)
}

// A field changed after decoding is encoded as it is now, not as PostHog
// sent it.
func TestUser_encodesChangedFields(t *testing.T) {
	t.Parallel()
	var u User
	if err := json.Unmarshal(userVariants(t)["timestamps"], &u); err != nil {
		t.Fatal(err)
	}
	joined := time.Date(2020, 1, 2, 3, 4, 5, 600000000, time.UTC)
	u.PendingEmail = "new@example.com"          // was null
	u.DateJoined = joined                       // was in another layout
	u.IsImpersonatedUntil = &joined             // was unreadable
	u.SensitiveSessionExpiresAt = nil           // unchanged: stays as sent
	u.FreshReauthExpiresAt = nil                // unchanged
	u.Team = nil                                // was an object
	u.Organization.CustomerID = "cus_1"         // was null
	u.PendingInvites[0].CreatedAt = time.Time{} // was set
	u.IsEmailVerified = nil                     // was true
	u.Organizations = []OrganizationBasic{}     // was a list
	data, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	for pointer, want := range map[string]string{
		"/pending_email":                `"new@example.com"`,
		"/date_joined":                  `"2020-01-02T03:04:05.6Z"`,
		"/is_impersonated_until":        `"2020-01-02T03:04:05.6Z"`,
		"/sensitive_session_expires_at": `"soon"`,
		"/fresh_reauth_expires_at":      `1764410400`,
		"/team":                         `null`,
		"/organization/customer_id":     `"cus_1"`,
		"/pending_invites/0/created_at": `"0001-01-01T00:00:00Z"`,
		"/is_email_verified":            `null`,
		"/organizations":                `[]`,
	} {
		if got := jsonAt(t, data, pointer); string(got) != want {
			t.Errorf("%s is %s; want %s", pointer, orNone(got), want)
		}
	}
}

// A User built in Go, not decoded, encodes every field: empty lists and
// maps as [] and {}, no time as Go's zero time, no value as null.
func TestUser_builtInGoEncodesEveryField(t *testing.T) {
	t.Parallel()
	u := User{ID: 7, Email: "ada@example.com", Team: &Team{Name: "Default project"},
		Organizations: []OrganizationBasic{{Name: "Analytical Engines"}}, NotificationLocks: []NotificationLock{{ScopeID: "2"}}}
	data, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]jsontext.Value
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range userCodec.members {
		names = append(names, m.name)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(names)), slices.Sorted(maps.Keys(got))); diff != "" {
		t.Errorf("members (-User's fields +encoded):\n%s", diff)
	}
	for pointer, want := range map[string]string{
		"/email":                     `"ada@example.com"`,
		"/pending_email":             `""`,
		"/is_email_verified":         `null`,
		"/date_joined":               `"0001-01-01T00:00:00Z"`,
		"/organization":              `null`,
		"/pending_invites":           `[]`,
		"/notification_settings":     `{}`,
		"/hedgehog_config":           `null`,
		"/team/name":                 `"Default project"`,
		"/team/timezone":             `""`,
		"/organizations/0/is_active": `null`,
		"/notification_locks/0":      `{"setting":"","scope_id":"2","locked_value":false,"applies_to_all_members":false}`,
	} {
		if got := jsonAt(t, data, pointer); string(got) != want {
			t.Errorf("%s is %s; want %s", pointer, orNone(got), want)
		}
	}
	// What it encodes to decodes to the same user.
	var back User
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(back)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("decoded and encoded again: %s, %v; want %s", again, err, data)
	}
}

// FuzzUser_roundTrip decodes any JSON as a User and checks that encoding it
// works and is stable: what it encodes to decodes to a User that encodes
// to the same JSON.
func FuzzUser_roundTrip(f *testing.F) {
	f.Add(readFixture(f, "users_get.json"))
	f.Add([]byte(`{"id":1,"team":null,"organizations":[null,{"x":1}],"pending_email":null,"date_joined":"2024-01-01T00:00:00.100Z"}`))
	f.Add([]byte(`{"is_impersonated_until":5,"notification_locks":[{"scope_id":7}],"ui_configuration":null,"new":[1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var u User
		if json.Unmarshal(data, &u) != nil {
			return
		}
		first, err := json.Marshal(u, json.Deterministic(true))
		if err != nil {
			t.Fatalf("encoding %s: %v", data, err)
		}
		var again User
		if err := json.Unmarshal(first, &again); err != nil {
			t.Fatalf("decoding what %s encodes to, %s: %v", data, first, err)
		}
		second, err := json.Marshal(again, json.Deterministic(true))
		if err != nil || !bytes.Equal(first, second) {
			t.Fatalf("%s encodes to\n%s\nthen to\n%s (%v)", data, first, second, err)
		}
	})
}

// TestStringArena checks that the strings of a page's arena keep their
// values while later strings are made, that strings up to arenaMax bytes
// share chunks (a chunk of arenaChunk bytes holds them until it is full),
// and that longer and empty strings are made as string(b) makes them. It
// counts allocations, so it does not run in parallel.
func TestStringArena(t *testing.T) {
	var a stringArena
	var got, want []string
	for i := range 600 {
		b := []byte(strings.Repeat(string(rune('a'+i%26)), i%(arenaMax+40)))
		want = append(want, string(b))
		got = append(got, a.string(b))
		for j := range b {
			b[j] = 'X' // the arena's string is a copy
		}
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("string %d is %q; want %q", i, got[i], want[i])
		}
	}
	short, full := []byte("0123456789"), make([]byte, arenaMax)
	for _, tt := range []struct {
		name   string
		make   func(a *stringArena)
		allocs float64
	}{
		{"1,000 short strings", func(a *stringArena) {
			for range 1000 {
				a.string(short)
			}
		}, 5}, // 10,000 bytes in chunks of 2,048
		{"strings of arenaMax bytes that fill a chunk exactly", func(a *stringArena) {
			for range arenaChunk / arenaMax {
				a.string(full)
			}
		}, 1},
		{"a string over arenaMax after a short one", func(a *stringArena) {
			a.string(short)
			a.string(make([]byte, arenaMax+1))
		}, 2},
		{"empty strings", func(a *stringArena) {
			for range 100 {
				a.string(nil)
			}
		}, 0},
	} {
		if got := testing.AllocsPerRun(20, func() { tt.make(new(stringArena)) }); got != tt.allocs+1 { // +1: new(stringArena)
			t.Errorf("%s: %v allocations; want %v", tt.name, got-1, tt.allocs)
		}
	}
}
