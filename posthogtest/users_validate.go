package posthogtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// validateUserChanges checks a PATCH or PUT body field by field, in
// PostHog's order, and returns the changes to apply. Unknown and read-only
// fields are ignored.
func (x *exchange) validateUserChanges(u *user, body map[string]json.RawMessage) ([]func(*user), bool) {
	var changes []func(*user)
	for _, name := range []string{"first_name", "last_name"} {
		raw, ok := body[name]
		if !ok {
			continue
		}
		s, isString := asString(raw)
		switch {
		case !isString:
			x.invalid("invalid_input", "Not a valid string.", name)
			return nil, false
		case utf8.RuneCountInString(s) > 150:
			x.invalid("max_length", "Ensure this field has no more than 150 characters.", name)
			return nil, false
		}
		if name == "first_name" {
			changes = append(changes, func(u *user) { u.firstName = s })
		} else {
			changes = append(changes, func(u *user) { u.lastName = s })
		}
	}
	if raw, ok := body["email"]; ok {
		s, isString := asString(raw)
		if !isString || !strings.Contains(s, "@") || strings.ContainsAny(s, " \t") {
			x.invalid("invalid_input", "Enter a valid email address.", "email")
			return nil, false
		}
		if !strings.EqualFold(s, u.email) {
			for _, other := range x.f.users.byEmail(x.f, s) {
				if other.id != u.id {
					x.invalid("unique", "There is already an account with this email address.", "email")
					return nil, false
				}
			}
			if x.f.emailAvailable {
				changes = append(changes, func(u *user) { u.pendingEmail, u.verifyCode = s, fmt.Sprintf("%06d", u.id%1_000_000) })
			} else {
				changes = append(changes, func(u *user) { u.email = s })
			}
		}
	}
	if raw, ok := body["password"]; ok {
		pw, _ := asString(raw)
		if u.password != "" {
			cur, has := body["current_password"]
			curS, _ := asString(cur)
			switch {
			case !has:
				x.invalid("required", "This field is required when updating your password.", "current_password")
				return nil, false
			case curS != u.password:
				x.invalid("incorrect_password", "Your current password is incorrect.", "current_password")
				return nil, false
			}
		}
		if utf8.RuneCountInString(pw) < 8 {
			x.invalid("invalid_input", "This password is too short. It must contain at least 8 characters.", "password")
			return nil, false
		}
		changes = append(changes, func(u *user) { u.password = pw })
	}
	for _, f := range []struct {
		name  string
		field func(*user) *bool
	}{
		{"is_staff", func(u *user) *bool { return &u.isStaff }},
		{"hide_mcp_hints", func(u *user) *bool { return &u.hideMCPHints }},
	} {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			x.invalid("invalid_input", "Must be a valid boolean.", f.name)
			return nil, false
		}
		field := f.field
		changes = append(changes, func(u *user) { *field(u) = b })
	}
	for _, f := range []struct {
		name  string
		field func(*user) **bool
	}{
		{"anonymize_data", func(u *user) **bool { return &u.anonymizeData }},
		{"allow_impersonation", func(u *user) **bool { return &u.allowImpersonation }},
		{"allow_sidebar_suggestions", func(u *user) **bool { return &u.allowSidebarSuggest }},
		{"passkeys_enabled_for_2fa", func(u *user) **bool { return &u.passkeysFor2FA }},
	} {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		var b *bool
		if json.Unmarshal(raw, &b) != nil {
			x.invalid("invalid_input", "Must be a valid boolean.", f.name)
			return nil, false
		}
		if f.name == "passkeys_enabled_for_2fa" && b != nil && *b {
			x.invalid("no_passkeys", "You must have at least one passkey set up before enabling passkeys for 2FA.", f.name)
			return nil, false
		}
		field := f.field
		changes = append(changes, func(u *user) { *field(u) = b })
	}
	for _, f := range []struct {
		name    string
		choices []string
		field   func(*user) **string
	}{
		{"toolbar_mode", []string{"disabled", "toolbar"}, func(u *user) **string { return &u.toolbarMode }},
		{"theme_mode", []string{"light", "dark", "system"}, func(u *user) **string { return &u.themeMode }},
		{"shortcut_position", []string{"above", "below", "hidden"}, func(u *user) **string { return &u.shortcutPosition }},
	} {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		var v *string
		if isNull(raw) {
			v = nil
		} else if s, ok := asString(raw); ok && (s == "" || slices.Contains(f.choices, s)) {
			v = &s
		} else {
			x.invalid("invalid_choice", fmt.Sprintf("%q is not a valid choice.", describeValue(raw)), f.name)
			return nil, false
		}
		field := f.field
		changes = append(changes, func(u *user) { *field(u) = v })
	}
	if raw, ok := body["role_at_organization"]; ok {
		s, isString := asString(raw)
		switch {
		case isNull(raw):
			x.invalid("null", "This field may not be null.", "role_at_organization")
			return nil, false
		case !isString || !slices.Contains([]string{"engineering", "data", "product", "founder", "leadership", "marketing", "sales", "other"}, s):
			x.invalid("invalid_choice", fmt.Sprintf("%q is not a valid choice.", describeValue(raw)), "role_at_organization")
			return nil, false
		}
		changes = append(changes, func(u *user) { u.roleAtOrganization = &s })
	}
	for _, f := range []struct {
		name  string
		field func(*user) *json.RawMessage
	}{
		{"events_column_config", func(u *user) *json.RawMessage { return &u.eventsColumnConfig }},
		{"hedgehog_config", func(u *user) *json.RawMessage { return &u.hedgehog }},
		{"ui_configuration", func(u *user) *json.RawMessage { return &u.uiConfiguration }},
	} {
		raw, ok := body[f.name]
		if !ok {
			continue
		}
		if f.name == "events_column_config" && isNull(raw) {
			x.invalid("null", "This field may not be null.", f.name)
			return nil, false
		}
		if f.name == "ui_configuration" && !isNull(raw) && !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
			x.invalid("invalid_input", "Does not match the UserUIConfiguration schema: expected an object", f.name)
			return nil, false
		}
		v := append(json.RawMessage(nil), raw...)
		field := f.field
		changes = append(changes, func(u *user) { *field(u) = v })
	}
	if raw, ok := body["has_seen_product_intro_for"]; ok {
		var m map[string]bool
		if json.Unmarshal(raw, &m) != nil {
			x.invalid("invalid_input", "Value must be valid JSON.", "has_seen_product_intro_for")
			return nil, false
		}
		changes = append(changes, func(u *user) {
			u.productIntros = map[string]bool{}
			for k, v := range m {
				u.productIntros[k] = v
			}
		})
	}
	if raw, ok := body["notification_settings"]; ok {
		merged, ok := x.mergeNotifications(u, raw)
		if !ok {
			return nil, false
		}
		changes = append(changes, func(u *user) { u.notifications = merged })
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
// returns u's settings with it merged in.
func (x *exchange) mergeNotifications(u *user, raw json.RawMessage) (map[string]any, bool) {
	const attr = "notification_settings"
	var in map[string]any
	if json.Unmarshal(raw, &in) != nil || in == nil {
		x.invalid("invalid_input", "Notification settings must be a dictionary", attr)
		return nil, false
	}
	out := map[string]any{}
	for k, v := range u.notifications {
		out[k] = v
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := in[k]
		switch {
		case slices.Contains(notificationDicts, k):
			m, ok := v.(map[string]any)
			if !ok {
				x.invalid("invalid_input", k+" must be a dictionary mapping IDs to boolean values", attr)
				return nil, false
			}
			merged := map[string]any{}
			if old, ok := out[k].(map[string]any); ok {
				for id, b := range old {
					merged[id] = b
				}
			}
			for id, b := range m {
				if k != "realtime_notifications_disabled" {
					if _, ok := b.(bool); !ok {
						x.invalid("invalid_input", "Notification setting values must be boolean, got "+pythonClass(b)+" instead", attr)
						return nil, false
					}
				}
				merged[id] = b
			}
			out[k] = merged
		case slices.Contains(notificationBools, k):
			if _, ok := v.(bool); !ok {
				x.invalid("invalid_input", "Notification setting values must be boolean, got "+pythonClass(v)+" instead", attr)
				return nil, false
			}
			out[k] = v
		case k == "data_pipeline_error_threshold":
			n, ok := v.(float64)
			if !ok || n < 0 || n > 1 {
				x.invalid("invalid_input", "data_pipeline_error_threshold must be a number between 0.0 and 1.0", attr)
				return nil, false
			}
			out[k] = n
		default:
			x.invalid("invalid_input", "Key "+k+" is not valid as a key for notification settings", attr)
			return nil, false
		}
	}
	return out, true
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
