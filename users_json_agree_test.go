package posthogusers

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// The decoders of users_json_wire.go read the token stream by hand; those
// of users_json_ref_test.go are how the SDK decoded before, mostly through
// package json's reflection. These tests require that both give the same
// values, with how PostHog sent them (asSent), and fail on the same input:
// as json.Unmarshal decodes a User, and as a scan decodes a page's users
// with a decoder that lets duplicate names through.

// compareDecoded compares the Go fields of the decoded types and the
// record of how they were sent.
var compareDecoded = cmp.AllowUnexported(User{}, Team{}, Organization{}, OrganizationBasic{}, PendingInvite{},
	ScenePersonalisation{}, NotificationLock{}, asSent{})

// refUser decodes as a User with the reference decoders, through package
// json as a User decodes.
type refUser struct{ u User }

// UnmarshalJSONFrom decodes the user with the reference decoders.
func (r *refUser) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var err error
	r.u, err = refDecodeUser(dec, nil)
	return err
}

// refSentinel reports whether data is an object with a member the
// reference decoders take for one not sent: a string member of the value
// refNotSent, or an integer one of refNotSentInt. PostHog sends neither;
// the decoders of users_json_wire.go read them as sent.
func refSentinel(data []byte) bool {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	for _, v := range m {
		if v == refNotSent || v == float64(refNotSentInt) {
			return true
		}
	}
	return false
}

// checkDecodersAgree fails t when the decoders and the reference decoders
// disagree on data.
func checkDecodersAgree(t *testing.T, data []byte) {
	t.Helper()
	if refSentinel(data) {
		return
	}
	var got User
	errGot := json.Unmarshal(data, &got)
	var want refUser
	errWant := json.Unmarshal(data, &want)
	if (errGot == nil) != (errWant == nil) {
		t.Fatalf("json.Unmarshal of %q: error %v; the reference's %v", data, errGot, errWant)
	}
	if errGot == nil {
		if diff := cmp.Diff(want.u, got, compareDecoded); diff != "" {
			t.Fatalf("json.Unmarshal of %q (-reference +decoders):\n%s", data, diff)
		}
	}

	// Twice in a list, as a scan reads a page: the second user shares the
	// first one's team and organization.
	list := []byte("[" + string(data) + "," + string(data) + "]")
	dec := jsontext.NewDecoder(bytes.NewReader(list), jsontext.AllowDuplicateNames(true))
	refDec := jsontext.NewDecoder(bytes.NewReader(list))
	if _, err := dec.ReadToken(); err != nil {
		t.Fatal(err)
	}
	if _, err := refDec.ReadToken(); err != nil {
		t.Fatal(err)
	}
	shares := &pageShares{teams: map[string]*Team{}, organizations: map[string]*Organization{}}
	refShares := &refShares{teams: map[string]*Team{}, organizations: map[string]*Organization{}}
	var users, refUsers [2]User
	for i := range users {
		errGot := users[i].decodeJSON(dec, decoding{shares: shares, strict: true, strs: &shares.strs})
		var errWant error
		refUsers[i], errWant = refDecodeUser(refDec, refShares)
		if (errGot == nil) != (errWant == nil) {
			t.Fatalf("user %d of a page of %q: error %v; the reference's %v", i, data, errGot, errWant)
		}
		if errGot != nil {
			return
		}
		if diff := cmp.Diff(refUsers[i], users[i], compareDecoded); diff != "" {
			t.Fatalf("user %d of a page of %q (-reference +decoders):\n%s", i, data, diff)
		}
	}
	if (users[0].Team == users[1].Team) != (refUsers[0].Team == refUsers[1].Team) ||
		(users[0].Organization == users[1].Organization) != (refUsers[0].Organization == refUsers[1].Organization) {
		t.Fatalf("a page of %q: the users share their team and organization, or not, unlike the reference's", data)
	}
}

// agreeInputs are the inputs the decoders must agree on: every JSON file
// of testdata/, the users of the fixtures, their variants, and JSON the
// decoders refuse or read another way, at every level.
func agreeInputs(tb testing.TB) map[string][]byte {
	tb.Helper()
	inputs := map[string][]byte{}
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			inputs[path] = readFixture(tb, strings.TrimPrefix(path, "testdata"+string(filepath.Separator)))
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	for name, data := range fixtureUsers(tb) {
		inputs["user "+name] = data
	}
	for name, data := range userVariants(tb) {
		inputs["variant "+name] = data
	}
	fixture := string(readFixture(tb, "users_get.json"))
	for name, change := range map[string][2]string{
		"a member twice":               {`"email": "ada@example.com"`, `"email": "ada@example.com", "email": "b"`},
		"an unknown member twice":      {`"email": "ada@example.com"`, `"x": 1, "email": "ada@example.com", "x": 2`},
		"a member twice, escaped":      {`"email": "ada@example.com"`, `"email": "ada@example.com", "em\u0061il": "b"`},
		"a team's member twice":        {`"timezone": "Europe/London"`, `"timezone": "Europe/London", "timezone": "UTC"`},
		"an organization's name twice": {`"slug": "analytical-engines",`, `"slug": "analytical-engines", "slug": "x",`},
		"a listed organization's twice": {`"is_pending_deletion": false
    }
  ],`, `"is_pending_deletion": false, "is_pending_deletion": true
    }
  ],`},
		"an invitation's member twice":  {`"organization_name": "Difference Engines"`, `"organization_name": "Difference Engines", "id": "x"`},
		"a lock's member twice":         {`"locked_value": false`, `"locked_value": false, "setting": "x"`},
		"a scene's member twice":        {`"dashboard": 7`, `"dashboard": 7, "dashboard": 8`},
		"a setting twice":               {`"plugin_disabled": true,`, `"plugin_disabled": true, "plugin_disabled": false,`},
		"a nested setting twice":        {`{"2": true}`, `{"2": true, "2": false}`},
		"an intro twice":                {`{"surveys": true}`, `{"surveys": true, "surveys": false}`},
		"metadata twice":                {`{"instance_tag": "none"}`, `{"instance_tag": "none", "instance_tag": "x"}`},
		"a free-form name twice":        {`{"active": "DEFAULT"}`, `{"active": "DEFAULT", "a": {"b": 1, "b": 2}}`},
		"an unknown value's name twice": {`"email": "ada@example.com"`, `"x": [{"a": 1, "a": 1}], "email": "ada@example.com"`},
		"a feature's name twice":        {`{"key": "team_members", "name": "Team members"}`, `{"key": "team_members", "key": "x"}`},
		"a session time's name twice":   {`"is_impersonated_until": null`, `"is_impersonated_until": {"a": 1, "a": 2}`},
		"an id with a fraction":         {`"id": 42`, `"id": 42.0`},
		"an id with an exponent":        {`"id": 42`, `"id": 4.2e1`},
		"an id past int64":              {`"id": 42`, `"id": 9223372036854775808`},
		"an id of 19 digits":            {`"id": 42`, `"id": 9223372036854775807`},
		"a level past int":              {`"membership_level": 15,`, `"membership_level": -9223372036854775809,`},
		"an id as a string":             {`"id": 42`, `"id": "42"`},
		"a flag as a string":            {`"is_staff": false`, `"is_staff": "false"`},
		"a flag as an object":           {`"is_staff": false`, `"is_staff": {"a": 1, "a": 2}`},
		"a nullable flag as a string":   {`"is_email_verified": true`, `"is_email_verified": "true"`},
		"a negative level":              {`"membership_level": 15,`, `"membership_level": -15,`},
		"a logo uuid as a number":       {`"logo_media_id": null,`, `"logo_media_id": 5,`},
		"a nullable time as a number":   {`"onboarding_skipped_at": null`, `"onboarding_skipped_at": 5`},
		"types as an object":            {`["error_tracking_issue_assigned"]`, `{"a": "b"}`},
		"teams as an object":            {`"teams": [{"id": 2, "name": "Default project"}]`, `"teams": {"id": 2}`},
		"intros as a list":              {`{"surveys": true}`, `[true]`},
		"metadata as a list":            {`{"instance_tag": "none"}`, `["none"]`},
		"a name as a number":            {`"first_name": "Ada"`, `"first_name": 1`},
		"a uuid too short":              {`"uuid": "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"`, `"uuid": "0190"`},
		"a uuid without dashes":         {`"uuid": "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"`, `"uuid": "0190a3c45b1e7c2d9f3a2b6e8d4c1a07"`},
		"a uuid in braces":              {`"uuid": "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"`, `"uuid": "{0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07}"`},
		"a logo uuid too short":         {`"logo_media_id": null,`, `"logo_media_id": "x",`},
		"a time not RFC 3339":           {`"date_joined": "2024-03-11T09:15:22.418235Z"`, `"date_joined": "2024-03-11 09:15:22"`},
		"a time as a number":            {`"date_joined": "2024-03-11T09:15:22.418235Z"`, `"date_joined": 5`},
		"a dashboard with a fraction":   {`"dashboard": 7`, `"dashboard": 7.5`},
		"a dashboard as a string":       {`"dashboard": 7`, `"dashboard": "7"`},
		"settings as a list":            {`"notification_settings": {`, `"notification_settings": [1], "x": {`},
		"a number too large":            {`"plugin_disabled": true,`, `"plugin_disabled": 1e400,`},
		"a setting of a list":           {`"plugin_disabled": true,`, `"plugin_disabled": [1, "a", [true, null], {"b": 2.5}, []],`},
		"an intro as a string":          {`{"surveys": true}`, `{"surveys": "yes"}`},
		"an intro of null":              {`{"surveys": true}`, `{"surveys": null}`},
		"metadata of a number":          {`{"instance_tag": "none"}`, `{"instance_tag": 1}`},
		"metadata of null":              {`{"instance_tag": "none"}`, `{"instance_tag": null}`},
		"a feature of a number":         {`[{"key": "team_members", "name": "Team members"}]`, `[1]`},
		"types with a number":           {`["error_tracking_issue_assigned"]`, `["a", null, 1]`},
		"types of null":                 {`["error_tracking_issue_assigned"]`, `["a", null]`},
		"a scope as an object":          {`"scope_id": ""`, `"scope_id": {}`},
		"a team as a list":              {`"team": {`, `"team": [], "x": {`},
		"organizations of null":         {`"organizations": [`, `"organizations": [null, 1, `},
		"a lock of a string":            {`"notification_locks": [`, `"notification_locks": ["x", `},
		"invites as an object":          {`"pending_invites": [`, `"pending_invites": {}, "x": [`},
		"an unknown member":             {`"email": "ada@example.com"`, `"n\u00e9w": {"a": [1, {"b": null}]}, "email": "ada@example.com"`},
	} {
		if !strings.Contains(fixture, change[0]) {
			tb.Fatalf("%s: the fixture has no %q", name, change[0])
		}
		inputs[name] = []byte(strings.Replace(fixture, change[0], change[1], 1))
	}
	for _, s := range []string{`null`, `{}`, `[]`, `1`, `"x"`, `{"id":1,"id":2}`, `{"team":{"id":1},"team":{"id":1}}`,
		`{"team":{"a":1,"a":2}}`, `{"organization":{"teams":[{"a":1,"a":2}]}}`, `{"organizations":[{"id":"x"}]}`,
		`{"hedgehog_config":{"a":{"b":1,"b":1}}}`, `{"ui_configuration":null,"events_column_config":[]}`, "{\"first_name\":\"\xff\"}",
		`{"id":1} x`, `{"id":`, `{"team":null,"organization":null}`, `{"notification_locks":[null,{"scope_id":7}]}`} {
		inputs[s] = []byte(s)
	}
	return inputs
}

// TestDecoders_agree checks that the decoders of users_json_wire.go and
// the reference decoders agree on every fixture and its variants.
func TestDecoders_agree(t *testing.T) {
	t.Parallel()
	for name, data := range agreeInputs(t) {
		t.Run(name, func(t *testing.T) {
			checkDecodersAgree(t, data)
		})
	}
}

// TestUserItems_errorsAsAStrictDecoder checks that a scan's page, read by
// a decoder that lets duplicate names through (newPageDecoder), fails as one
// read by a decoder that checks them: with the same error, which names the
// duplicate and where it is.
func TestUserItems_errorsAsAStrictDecoder(t *testing.T) {
	t.Parallel()
	for name, data := range agreeInputs(t) {
		page := []byte(`{"count":2,"next":null,"previous":null,"results":[` + string(data) + "," + string(data) + "]}")
		var errs [2]string
		offsets := [2]int64{-1, -1} // of a syntactic error, such as a duplicate name
		for i, opts := range [][]jsontext.Options{nil, {jsontext.AllowDuplicateNames(true)}} {
			decode := userItems()
			_, err := decodePage(jsontext.NewDecoder(bytes.NewReader(page), opts...), func(dec *jsontext.Decoder) error {
				_, _, err := decode(dec)
				return err
			})
			if err != nil {
				errs[i] = err.Error()
			}
			if serr, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
				offsets[i] = serr.ByteOffset
			}
		}
		if errs[0] != errs[1] {
			t.Errorf("%s: a scan's page fails with\n%s\nwhere a strict decoder's fails with\n%s", name, errs[1], errs[0])
		}
		if offsets[0] != offsets[1] {
			t.Errorf("%s: a scan's page fails at byte %d, where a strict decoder fails at byte %d", name, offsets[1], offsets[0])
		}
	}
}

// TestUserItems_errorsSayWhere checks that a scan's page that a user's
// value fails says where the value is, and what it is, as package json
// says it of the values it reads.
func TestUserItems_errorsSayWhere(t *testing.T) {
	t.Parallel()
	inputs := agreeInputs(t)
	for name, want := range map[string]string{
		"a uuid too short":        ` unmarshal JSON string into Go uuid.UUID within "/results/0/uuid": invalid UUID length: 4`,
		"an id past int64":        ` unmarshal JSON number 9223372036854775808 into Go int64 within "/results/0/id": value out of range`,
		"a time not RFC 3339":     ` unmarshal JSON string into Go time.Time within "/results/0/date_joined": parsing time`,
		"types with a number":     ` unmarshal JSON number into Go string within "/results/0/active_realtime_notification_types/2"`,
		"an intro as a string":    ` unmarshal JSON string into Go bool within "/results/0/has_seen_product_intro_for/surveys"`,
		"a number too large":      ` unmarshal JSON number 1e400 into Go float64 within "/results/0/notification_settings/plugin_disabled"`,
		"a team as a list":        ` unmarshal into Go posthogusers.Team within "/results/0/team": posthogusers: want a JSON object, not [`,
		"a lock of a string":      ` unmarshal into Go posthogusers.NotificationLock within "/results/0/notification_locks/0"`,
		"a dashboard as a string": ` unmarshal JSON string into Go int64 within "/results/0/scene_personalisation/0/dashboard"`,
		// In the user's organization, decoded apart to be shared in the
		// page, and still said where it is in the page.
		"a feature of a number":       ` unmarshal JSON number into Go map[string]interface {} within "/results/0/organization/available_product_features/0"`,
		"teams as an object":          ` unmarshal JSON object into Go []map[string]interface {} within "/results/0/organization/teams"`,
		"a logo uuid as a number":     ` unmarshal JSON number into Go uuid.UUID within "/results/0/organization/logo_media_id"`,
		"metadata as a list":          ` unmarshal JSON array into Go map[string]string within "/results/0/organization/metadata"`,
		"types as an object":          ` unmarshal JSON object into Go []string within "/results/0/active_realtime_notification_types"`,
		"intros as a list":            ` unmarshal JSON array into Go map[string]bool within "/results/0/has_seen_product_intro_for"`,
		"a nullable time as a number": ` unmarshal JSON number into Go time.Time within "/results/0/onboarding_skipped_at"`,
	} {
		data, ok := inputs[name]
		if !ok {
			t.Fatalf("no input %q", name)
		}
		page := []byte(`{"count":1,"next":null,"previous":null,"results":[` + string(data) + "]}")
		decode := userItems()
		_, err := decodePage(newPageDecoder(bytes.NewReader(page)), func(dec *jsontext.Decoder) error {
			_, _, err := decode(dec)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v; want one with %q", name, err, want)
		}
		// Where the number is sent as it is, the error's offset is where
		// the value starts.
		if value, ok := map[string]string{"an id past int64": "9223372036854775808", "a number too large": "1e400", "a feature of a number": "1]"}[name]; ok {
			serr, _ := errors.AsType[*json.SemanticError](err)
			if serr == nil || serr.ByteOffset < 0 || serr.ByteOffset > int64(len(page)) || !bytes.HasPrefix(page[serr.ByteOffset:], []byte(value)) {
				t.Errorf("%s: error %#v; want one at the offset of %s", name, serr, value)
			}
		}
	}
}
