package posthogtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/hogkit/posthogusers/internal/wire"
)

// userUpdate is a PATCH or PUT of a user being validated.
type userUpdate struct {
	x    *exchange
	u    *user // the user the request changes
	body map[string]json.RawMessage
}

// fieldCheck validates the member name of a PATCH or PUT body, whose value
// is raw, and returns the change it makes to the user (nil for none). ok is
// false when it answered the request with a validation error.
type fieldCheck func(c *userUpdate, name string, raw json.RawMessage) (change func(*user), ok bool)

// userFieldChecks are the checks of the writable fields of a PATCH or PUT
// body, in the order PostHog validates them: the first error wins.
var userFieldChecks = []struct {
	name  string
	check fieldCheck
}{
	{"first_name", checkName(func(u *user) *string { return &u.firstName })},
	{"last_name", checkName(func(u *user) *string { return &u.lastName })},
	{"email", checkEmail},
	{"password", checkPassword},
	{"is_staff", checkBool(func(u *user) *bool { return &u.isStaff })},
	{"hide_mcp_hints", checkBool(func(u *user) *bool { return &u.hideMCPHints })},
	{"anonymize_data", checkNullableBool(func(u *user) **bool { return &u.anonymizeData })},
	{"allow_impersonation", checkNullableBool(func(u *user) **bool { return &u.allowImpersonation })},
	{"allow_sidebar_suggestions", checkNullableBool(func(u *user) **bool { return &u.allowSidebarSuggest })},
	{"passkeys_enabled_for_2fa", checkPasskeysFor2FA},
	{"toolbar_mode", checkChoice([]string{"disabled", "toolbar"}, func(u *user) **string { return &u.toolbarMode })},
	{"theme_mode", checkChoice([]string{"light", "dark", "system"}, func(u *user) **string { return &u.themeMode })},
	{"shortcut_position", checkChoice([]string{"above", "below", "hidden"}, func(u *user) **string { return &u.shortcutPosition })},
	{"role_at_organization", checkRole},
	{"events_column_config", checkEventsColumnConfig},
	{"hedgehog_config", checkHedgehogConfig},
	{"ui_configuration", checkUIConfiguration},
	{"has_seen_product_intro_for", checkProductIntros},
	{"notification_settings", checkNotifications},
}

// rolesAtOrganization are the choices of role_at_organization.
var rolesAtOrganization = []string{"engineering", "data", "product", "founder", "leadership", "marketing", "sales", "other"}

// validateUserChanges checks a PATCH or PUT body field by field, in
// PostHog's order, and returns the changes to apply. Unknown and read-only
// fields are ignored.
func (x *exchange) validateUserChanges(u *user, body map[string]json.RawMessage) ([]func(*user), bool) {
	c := &userUpdate{x: x, u: u, body: body}
	var changes []func(*user)
	for _, f := range userFieldChecks {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		change, ok := f.check(c, f.name, raw)
		if !ok {
			return nil, false
		}
		if change != nil {
			changes = append(changes, change)
		}
	}
	teamChange, ok := x.currentTeamChange(u, body)
	if !ok {
		return nil, false
	}
	if teamChange != nil {
		changes = append(changes, func(u *user) { u.currentTeam = teamChange })
	}
	return changes, true
}

// reject answers with a validation error about attr, for a fieldCheck to
// return.
func (c *userUpdate) reject(code, detail, attr string) (func(*user), bool) {
	c.x.invalid(code, detail, attr)
	return nil, false
}

// checkName checks first_name or last_name: a string of at most 150
// characters, stored in the field that field returns.
func checkName(field func(*user) *string) fieldCheck {
	return func(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
		s, isString := asString(raw)
		switch {
		case wire.IsNull(raw):
			c.x.mayNotBeNull(name)
			return nil, false
		case !isString:
			return c.reject("invalid_input", "Not a valid string.", name)
		case utf8.RuneCountInString(s) > 150:
			c.x.tooLong(name, 150)
			return nil, false
		}
		return func(u *user) { *field(u) = s }, true
	}
}

// checkEmail checks email: a valid address no other user has. A new address
// waits for verification when the fake can send email.
func checkEmail(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
	s, isString := asString(raw)
	if !isString || !strings.Contains(s, "@") || strings.ContainsAny(s, " \t") {
		return c.reject("invalid_input", "Enter a valid email address.", name)
	}
	if strings.EqualFold(s, c.u.email) {
		return nil, true
	}
	for _, other := range c.x.f.users.byEmail(c.x.f, s) {
		if other.id != c.u.id {
			return c.reject("unique", "There is already an account with this email address.", name)
		}
	}
	if c.x.f.emailAvailable {
		return func(u *user) { u.pendingEmail, u.verifyCode = s, fmt.Sprintf("%06d", u.id%1_000_000) }, true
	}
	return func(u *user) { u.email = s }, true
}

// checkPassword checks password: current_password must come with it when
// the user has one, and the new one has at least 8 characters.
func checkPassword(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
	pw, _ := asString(raw)
	if c.u.password != "" {
		cur, has := c.body["current_password"]
		curS, _ := asString(cur)
		switch {
		case !has:
			return c.reject("required", "This field is required when updating your password.", "current_password")
		case curS != c.u.password:
			return c.reject("incorrect_password", "Your current password is incorrect.", "current_password")
		}
	}
	if utf8.RuneCountInString(pw) < 8 {
		return c.reject("invalid_input", "This password is too short. It must contain at least 8 characters.", name)
	}
	return func(u *user) { u.password = pw }, true
}

// checkBool checks a boolean field that may not be null, stored in the
// field that field returns.
func checkBool(field func(*user) *bool) fieldCheck {
	return func(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
		var b bool
		if wire.IsNull(raw) {
			c.x.mayNotBeNull(name)
			return nil, false
		}
		if !c.x.decodeBool(name, raw, &b) {
			return nil, false
		}
		return func(u *user) { *field(u) = b }, true
	}
}

// checkNullableBool checks a boolean-or-null field, stored in the field that
// field returns.
func checkNullableBool(field func(*user) **bool) fieldCheck {
	return func(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
		var b *bool
		if !c.x.decodeBool(name, raw, &b) {
			return nil, false
		}
		return func(u *user) { *field(u) = b }, true
	}
}

// checkPasskeysFor2FA checks passkeys_enabled_for_2fa: a boolean or null,
// and never true, since the fake has no passkeys.
func checkPasskeysFor2FA(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
	var b *bool
	switch {
	case !c.x.decodeBool(name, raw, &b):
		return nil, false
	case b != nil && *b:
		return c.reject("no_passkeys", "You must have at least one passkey set up before enabling passkeys for 2FA.", name)
	}
	return func(u *user) { u.passkeysFor2FA = b }, true
}

// checkChoice checks a field whose value is one of choices, "" or null,
// stored in the field that field returns.
func checkChoice(choices []string, field func(*user) **string) fieldCheck {
	return func(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
		var v *string
		if wire.IsNull(raw) {
			v = nil
		} else if s, ok := asString(raw); ok && (s == "" || slices.Contains(choices, s)) {
			v = &s
		} else {
			c.x.notAChoice(name, describeValue(raw))
			return nil, false
		}
		return func(u *user) { *field(u) = v }, true
	}
}

// checkRole checks role_at_organization: one of rolesAtOrganization, never
// null.
func checkRole(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
	s, isString := asString(raw)
	switch {
	case wire.IsNull(raw):
		c.x.mayNotBeNull(name)
		return nil, false
	case !isString || !slices.Contains(rolesAtOrganization, s):
		c.x.notAChoice(name, describeValue(raw))
		return nil, false
	}
	return func(u *user) { u.roleAtOrganization = &s }, true
}

// storeJSON returns the change that stores a copy of raw in the field that
// field returns.
func storeJSON(raw json.RawMessage, field func(*user) *json.RawMessage) func(*user) {
	v := append(json.RawMessage(nil), raw...)
	return func(u *user) { *field(u) = v }
}

// checkEventsColumnConfig checks events_column_config: any JSON but null.
func checkEventsColumnConfig(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
	if wire.IsNull(raw) {
		c.x.mayNotBeNull(name)
		return nil, false
	}
	return storeJSON(raw, func(u *user) *json.RawMessage { return &u.eventsColumnConfig }), true
}

// checkHedgehogConfig takes hedgehog_config as it is: any JSON.
func checkHedgehogConfig(_ *userUpdate, _ string, raw json.RawMessage) (func(*user), bool) {
	return storeJSON(raw, func(u *user) *json.RawMessage { return &u.hedgehog }), true
}

// checkUIConfiguration checks ui_configuration: an object or null.
func checkUIConfiguration(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
	if !wire.IsNull(raw) && !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return c.reject("invalid_input", "Does not match the UserUIConfiguration schema: expected an object", name)
	}
	return storeJSON(raw, func(u *user) *json.RawMessage { return &u.uiConfiguration }), true
}

// checkProductIntros checks has_seen_product_intro_for: an object of
// booleans, which replaces the stored one.
func checkProductIntros(c *userUpdate, name string, raw json.RawMessage) (func(*user), bool) {
	var m map[string]bool
	if json.Unmarshal(raw, &m) != nil {
		return c.reject("invalid_input", "Value must be valid JSON.", name)
	}
	return func(u *user) {
		u.productIntros = map[string]bool{}
		for k, v := range m {
			u.productIntros[k] = v
		}
	}, true
}

// checkNotifications checks notification_settings, which is merged into the
// stored settings.
func checkNotifications(c *userUpdate, _ string, raw json.RawMessage) (func(*user), bool) {
	merged, ok := c.x.mergeNotifications(c.u, raw)
	if !ok {
		return nil, false
	}
	return func(u *user) { u.notifications = merged }, true
}

// notificationDicts are the notification settings whose values are maps of
// IDs to booleans.
var notificationDicts = []string{
	"project_weekly_digest_disabled", "error_tracking_weekly_digest_project_enabled",
	"web_analytics_weekly_digest_project_enabled", "organization_member_join_email_disabled",
	"pipeline_notifications_disabled", "realtime_notifications_disabled",
}

// notificationBools are the notification settings whose values are booleans.
var notificationBools = []string{
	"plugin_disabled", "error_tracking_issue_assigned", "discussions_mentioned", "all_weekly_digest_disabled",
}

// mergeNotifications validates a partial notification_settings map and
// returns u's settings with it merged in. Keys are checked in sorted order.
func (x *exchange) mergeNotifications(u *user, raw json.RawMessage) (map[string]any, bool) {
	const attr = "notification_settings"
	var in map[string]any
	if json.Unmarshal(raw, &in) != nil || in == nil {
		x.invalid("invalid_input", "Notification settings must be a dictionary", attr)
		return nil, false
	}
	out := maps.Clone(u.notifications)
	if out == nil {
		out = map[string]any{}
	}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v, detail := mergeNotification(k, in[k], out[k])
		if detail != "" {
			x.invalid("invalid_input", detail, attr)
			return nil, false
		}
		out[k] = v
	}
	return out, true
}

// mergeNotification validates v, the new value of the notification setting
// k, and returns the setting's value: v, or for the settings that are maps
// of IDs, old with v merged in. detail is the error's message when v is
// not valid, and "" otherwise.
func mergeNotification(k string, v, old any) (merged any, detail string) {
	switch {
	case slices.Contains(notificationDicts, k):
		return mergeNotificationDict(k, v, old)
	case slices.Contains(notificationBools, k):
		if _, ok := v.(bool); !ok {
			return nil, notificationNotBool(v)
		}
		return v, ""
	case k == "data_pipeline_error_threshold":
		n, ok := v.(float64)
		if !ok || n < 0 || n > 1 {
			return nil, "data_pipeline_error_threshold must be a number between 0.0 and 1.0"
		}
		return n, ""
	}
	return nil, "Key " + k + " is not valid as a key for notification settings"
}

// mergeNotificationDict is mergeNotification for the settings that are
// maps of IDs to booleans (realtime_notifications_disabled takes any
// values).
func mergeNotificationDict(k string, v, old any) (merged any, detail string) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, k + " must be a dictionary mapping IDs to boolean values"
	}
	out := map[string]any{}
	if old, ok := old.(map[string]any); ok {
		maps.Copy(out, old)
	}
	for id, b := range m {
		if _, isBool := b.(bool); !isBool && k != "realtime_notifications_disabled" {
			return nil, notificationNotBool(b)
		}
		out[id] = b
	}
	return out, ""
}

// notificationNotBool is the message for a notification setting value v
// that is not a boolean.
func notificationNotBool(v any) string {
	return "Notification setting values must be boolean, got " + pythonClass(v) + " instead"
}

// currentTeamChange validates set_current_organization and set_current_team
// and returns the project the user switches to, or nil.
func (x *exchange) currentTeamChange(u *user, body map[string]json.RawMessage) (*team, bool) {
	var org *organization
	if raw, ok := body["set_current_organization"]; ok {
		s := describeValue(raw)
		id, err := uuid.Parse(s)
		if err == nil {
			if o := x.f.org(id); o != nil && u.memberOf(o) != nil {
				org = o
			}
		}
		if org == nil {
			x.invalid("does_not_exist", "Object with id="+s+" does not exist.", "set_current_organization")
			return nil, false
		}
	}
	var t *team
	if raw, ok := body["set_current_team"]; ok {
		s := describeValue(raw)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if cand := x.f.teams[n]; cand != nil && u.memberOf(cand.org) != nil {
				t = cand
			}
		}
		if t == nil {
			x.invalid("does_not_exist", "Object with id="+s+" does not exist.", "set_current_team")
			return nil, false
		}
	}
	switch {
	case t != nil && org != nil && t.org != org:
		x.invalid("invalid_input", "Team must belong to the same organization in set_current_organization.", "set_current_team")
		return nil, false
	case t != nil:
		return t, true
	case org != nil && len(org.teams) > 0:
		return org.teams[0], true
	}
	return nil, true
}
