package posthogtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// target resolves the user ID of the path as PostHog's get_object does:
// "@me" is the caller; anything else is open to staff only, and an unknown
// or malformed UUID is a 404. It answers the request itself on failure.
func (x *exchange) target() *user {
	id := x.userArg
	if id == "@me" {
		return x.auth.user
	}
	if !x.auth.user.isStaff {
		x.denied(detailOnlyMe)
		return nil
	}
	uid, err := uuid.Parse(id)
	var u *user
	if err == nil && len(id) >= 32 {
		u = x.f.users.getUUID(x.f, uid)
	}
	if u == nil {
		x.notFound("Not found.")
	}
	return u
}

// targetWithBody resolves the path's user and decodes the JSON body, in
// PostHog's order. ok is false when it answered the request itself.
func (x *exchange) targetWithBody() (*user, map[string]json.RawMessage, bool) {
	u := x.target()
	if u == nil {
		return nil, nil, false
	}
	body, ok := x.decode()
	return u, body, ok
}

// mutable returns u ready to be changed: a generated user is stored first.
func (x *exchange) mutable(u *user) *user {
	x.f.users.materialize(u)
	return u
}

// listUsers serves GET /api/users/: DRF's limit/offset pagination over the
// active users ordered by ID, only the caller for non-staff.
func (x *exchange) listUsers() {
	q := x.r.URL.Query()
	var isStaff *bool
	switch strings.ToLower(q.Get("is_staff")) {
	case "true", "1":
		isStaff = ptr(true)
	case "false", "0":
		isStaff = ptr(false)
	}
	email, hasEmail := q.Get("email"), q.Has("email") && q.Get("email") != ""
	keep := func(u *user) bool {
		return (isStaff == nil || u.isStaff == *isStaff) && (!hasEmail || u.email == email)
	}
	limit := 100
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = n
	}
	offset := 0
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		offset = n
	}

	var count int
	var results []*userJSON
	switch {
	case !x.auth.user.isStaff:
		if keep(x.auth.user) {
			count = 1
			if offset == 0 {
				results = append(results, x.serializeUser(x.auth.user))
			}
		}
	case hasEmail:
		var found []*user
		for _, u := range x.f.users.byEmail(x.f, email) {
			if keep(u) {
				found = append(found, u)
			}
		}
		count = len(found)
		for _, u := range found[min(offset, len(found)):min(offset+limit, len(found))] {
			results = append(results, x.serializeUser(u))
		}
	default:
		var page []*user
		count, page = x.f.users.page(x.f, keep, isStaff == nil || !*isStaff, offset, limit)
		for _, u := range page {
			results = append(results, x.serializeUser(u))
		}
	}
	if results == nil {
		results = []*userJSON{}
	}
	x.json(http.StatusOK, map[string]any{
		"count":    count,
		"next":     x.pageLink(offset+limit < count, limit, offset+limit, false),
		"previous": x.pageLink(offset > 0, limit, offset-limit, offset-limit <= 0),
		"results":  results,
	})
}

// pageLink builds DRF's absolute next or previous link: the request's URL
// with limit and offset replaced (offset removed when dropOffset), its query
// sorted by key. It returns nil (JSON null) when ok is false.
func (x *exchange) pageLink(ok bool, limit, offset int, dropOffset bool) *string {
	if !ok {
		return nil
	}
	u := x.absoluteURL()
	q := u.Query()
	q.Set("limit", strconv.Itoa(limit))
	if dropOffset {
		q.Del("offset")
	} else {
		q.Set("offset", strconv.Itoa(offset))
	}
	u.RawQuery = q.Encode() // sorted by key, as DRF's replace_query_param
	s := u.String()
	return &s
}

// byEmail returns the users with an exact email.
func (s *userStore) byEmail(f *Fake, email string) []*user {
	var out []*user
	for _, u := range s.byID {
		if u.email == email {
			out = append(out, u)
		}
	}
	if id, ok := generatedIDOfEmail(email); ok {
		if _, stored := s.byID[id]; !stored {
			if u := s.get(f, id); u != nil {
				out = append(out, u)
			}
		}
	}
	slices.SortFunc(out, func(a, b *user) int { return int(a.id - b.id) })
	return out
}

// page returns how many users keep accepts and the limit of them from
// offset on, in ID order. genMatch says whether keep accepts a generated
// user as generated; blocks are then counted without being generated.
func (s *userStore) page(f *Fake, keep func(*user) bool, genMatch bool, offset, limit int) (count int, out []*user) {
	for _, sg := range s.segs {
		if sg.u != nil {
			if keep(sg.u) {
				if count >= offset && len(out) < limit {
					out = append(out, sg.u)
				}
				count++
			}
			continue
		}
		// The block's users that differ from a plain generated one:
		// deleted, or stored (and maybe changed).
		var odd []int64
		for id := range s.deleted {
			if id >= sg.first && id < sg.first+sg.n {
				odd = append(odd, id)
			}
		}
		for id := range s.byID {
			if id >= sg.first && id < sg.first+sg.n {
				odd = append(odd, id)
			}
		}
		slices.Sort(odd)
		if !genMatch {
			for _, id := range odd {
				if u, ok := s.byID[id]; ok && keep(u) {
					if count >= offset && len(out) < limit {
						out = append(out, u)
					}
					count++
				}
			}
			continue
		}
		// Every plain generated user matches; walk the block by ID,
		// jumping over the whole stretch before offset.
		plain := sg.n - int64(len(odd))
		kept := int64(0)
		for _, id := range odd {
			if u, ok := s.byID[id]; ok && keep(u) {
				kept++
			}
		}
		total := int(plain + kept)
		if count+total <= offset || len(out) >= limit {
			count += total
			continue
		}
		id := sg.first
		if skip := offset - count; skip > 0 && len(odd) == 0 {
			id += int64(skip)
			count += skip
		}
		oi, _ := slices.BinarySearch(odd, id)
		for ; id < sg.first+sg.n; id++ {
			var u *user
			if oi < len(odd) && odd[oi] == id {
				oi++
				stored, ok := s.byID[id]
				if !ok || !keep(stored) {
					continue
				}
				u = stored
			}
			if count >= offset {
				if len(out) >= limit {
					break
				}
				if u == nil {
					u = f.generate(id)
				}
				out = append(out, u)
			}
			count++
		}
		// Count what is left of the block without walking it.
		if id < sg.first+sg.n {
			rest := sg.first + sg.n - id
			for _, oid := range odd[oi:] {
				if u, ok := s.byID[oid]; !ok || !keep(u) {
					rest--
				}
			}
			count += int(rest)
		}
	}
	return count, out
}

func (x *exchange) getUser() {
	if u := x.target(); u != nil {
		x.json(http.StatusOK, x.serializeUser(u))
	}
}

// patchUser serves PATCH /api/users/{uuid}/.
func (x *exchange) patchUser() { x.updateUser(true) }

// putUser serves PUT /api/users/{uuid}/: PATCH's rules, with email and
// password required.
func (x *exchange) putUser() { x.updateUser(false) }

func (x *exchange) updateUser(partial bool) {
	u, body, ok := x.targetWithBody()
	if !ok {
		return
	}
	// guard_identity_change runs before validation.
	if x.auth.token() {
		_, hasPassword := body["password"]
		email, hasEmail := body["email"]
		newEmail, _ := mustString(email)
		if hasPassword || hasEmail && !strings.EqualFold(newEmail, u.email) {
			x.denied(detailIdentityChange)
			return
		}
	}
	if !partial {
		for _, f := range []string{"email", "password"} {
			if _, ok := body[f]; !ok {
				x.invalid("required", "This field is required.", f)
				return
			}
		}
	}
	if raw, ok := body["is_staff"]; ok && !x.auth.user.isStaff {
		_ = raw
		x.denied(detailNotStaff)
		return
	}
	next, ok := x.validateUserChanges(u, body)
	if !ok {
		return
	}
	for _, apply := range next {
		apply(x.mutable(u))
	}
	x.json(http.StatusOK, x.serializeUser(u))
}

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
		s, isString := mustString(raw)
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
		s, isString := mustString(raw)
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
		pw, _ := mustString(raw)
		if u.password != "" {
			cur, has := body["current_password"]
			curS, _ := mustString(cur)
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
		} else if s, ok := mustString(raw); ok && (s == "" || slices.Contains(f.choices, s)) {
			v = &s
		} else {
			x.invalid("invalid_choice", fmt.Sprintf("%q is not a valid choice.", describeValue(raw)), f.name)
			return nil, false
		}
		field := f.field
		changes = append(changes, func(u *user) { *field(u) = v })
	}
	if raw, ok := body["role_at_organization"]; ok {
		s, isString := mustString(raw)
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
						x.invalid("invalid_input", "Notification setting values must be boolean, got "+pythonType(b)+" instead", attr)
						return nil, false
					}
				}
				merged[id] = b
			}
			out[k] = merged
		case slices.Contains(notificationBools, k):
			if _, ok := v.(bool); !ok {
				x.invalid("invalid_input", "Notification setting values must be boolean, got "+pythonType(v)+" instead", attr)
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

func pythonType(v any) string {
	switch v.(type) {
	case string:
		return "<class 'str'>"
	case float64:
		return "<class 'int'>"
	case nil:
		return "<class 'NoneType'>"
	case []any:
		return "<class 'list'>"
	case map[string]any:
		return "<class 'dict'>"
	}
	return "<class 'bool'>"
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

// deleteUser serves DELETE /api/users/{uuid}/ (sessions only).
func (x *exchange) deleteUser() {
	u := x.target()
	if u == nil {
		return
	}
	if len(u.memberships) > 0 {
		x.fail(http.StatusConflict, "server_error", "conflict", "Cannot delete user with organization memberships.", "")
		return
	}
	x.f.users.remove(u)
	for k, key := range x.f.keys {
		if key.user == u.uuid {
			delete(x.f.keys, k)
		}
	}
	x.noContent()
}

func (x *exchange) githubLogin() {
	u := x.target()
	if u == nil {
		return
	}
	var login *string
	if u.githubLogin != "" {
		login = &u.githubLogin
	}
	x.json(http.StatusOK, map[string]any{"github_login": login})
}

func (x *exchange) getHedgehog() {
	u := x.target()
	if u == nil {
		return
	}
	if len(u.hedgehog) == 0 || isNull(u.hedgehog) || bytes.Equal(bytes.TrimSpace(u.hedgehog), []byte("{}")) {
		x.json(http.StatusOK, map[string]any{})
		return
	}
	x.json(http.StatusOK, u.hedgehog)
}

// replaceHedgehog serves PATCH …/hedgehog_config/: the body replaces the
// whole stored value, unvalidated.
func (x *exchange) replaceHedgehog() {
	u := x.target()
	if u == nil {
		return
	}
	if !json.Valid(x.body) {
		x.fail(http.StatusBadRequest, "invalid_request", "parse_error", "JSON parse error - invalid JSON", "")
		return
	}
	x.mutable(u).hedgehog = append(json.RawMessage(nil), x.body...)
	x.json(http.StatusOK, u.hedgehog)
}

func (x *exchange) productIntroSeen() {
	u, body, ok := x.targetWithBody()
	if !ok {
		return
	}
	raw, has := body["product_key"]
	key, isString := mustString(raw)
	switch {
	case !has:
		x.invalid("required", "This field is required.", "product_key")
		return
	case !isString || key == "":
		x.invalid("blank", "This field may not be blank.", "product_key")
		return
	case utf8.RuneCountInString(key) > 128:
		x.invalid("max_length", "Ensure this field has no more than 128 characters.", "product_key")
		return
	}
	seen := true
	if raw, ok := body["seen"]; ok && json.Unmarshal(raw, &seen) != nil {
		x.invalid("invalid_input", "Must be a valid boolean.", "seen")
		return
	}
	if _, exists := u.productIntros[key]; !exists && len(u.productIntros) >= 100 {
		x.invalid("invalid_input", "Cannot track more than 100 product intros", "")
		return
	}
	x.mutable(u).productIntros[key] = seen
	x.json(http.StatusOK, u.productIntros)
}

func (x *exchange) scenePersonalisation() {
	u, body, ok := x.targetWithBody()
	if !ok {
		return
	}
	scene, _ := mustString(body["scene"])
	var dashboard int64
	hasDashboard := json.Unmarshal(body["dashboard"], &dashboard) == nil && !isNull(body["dashboard"])
	switch {
	case !hasDashboard:
		x.invalid("invalid_input", "Dashboard must be provided.", "")
		return
	case scene == "":
		x.invalid("invalid_input", "Scene must be provided.", "")
		return
	case utf8.RuneCountInString(scene) > 200:
		x.invalid("max_length", "Ensure this field has no more than 200 characters.", "scene")
		return
	case u.currentTeam == nil:
		x.invalid("invalid_input", "Dashboard must belong to the user's current team.", "dashboard")
		return
	}
	m := x.mutable(u)
	choice := sceneChoice{Scene: scene, Dashboard: dashboard, team: u.currentTeam.id}
	if i := slices.IndexFunc(m.scenes, func(s sceneChoice) bool { return s.Scene == scene && s.team == choice.team }); i >= 0 {
		m.scenes[i] = choice
	} else {
		m.scenes = append(m.scenes, choice)
	}
	x.json(http.StatusOK, x.serializeUser(u))
}

func (x *exchange) cancelEmailChange() {
	u := x.auth.user
	if u.pendingEmail == "" {
		x.invalid("email_change_request_not_found", "No active email change requests found.", "")
		return
	}
	x.mutable(u).pendingEmail = ""
	x.json(http.StatusOK, x.serializeUser(u))
}

// verifyEmail serves POST /api/users/verify_email/ (no authentication).
func (x *exchange) verifyEmail() {
	body, ok := x.decode()
	if !ok {
		return
	}
	id, _ := mustString(body["uuid"])
	rawCode, _ := mustString(body["code"])
	code := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' || r == '\u200b' {
			return -1
		}
		return r
	}, rawCode)
	if len(code) != 6 || !isDigits(code) {
		x.invalid("invalid_code", "Enter the 6-digit code from your email.", "code")
		return
	}
	uid, err := uuid.Parse(id)
	var u *user
	if err == nil {
		u = x.f.users.getUUID(x.f, uid)
	}
	switch {
	case u == nil || u.verifyCode == "":
		x.invalid("invalid_code", "This verification code is invalid or has expired.", "code")
		return
	case u.verifyAttempts >= 5:
		x.invalid("too_many_attempts", "Too many attempts. Request a new code.", "code")
		return
	case code != u.verifyCode:
		x.mutable(u).verifyAttempts++
		x.invalid("invalid_code", "This verification code is invalid or has expired.", "code")
		return
	}
	m := x.mutable(u)
	if m.pendingEmail != "" {
		m.email, m.pendingEmail = m.pendingEmail, ""
	}
	m.verified, m.verifyCode, m.verifyAttempts = true, "", 0
	x.json(http.StatusOK, map[string]any{"success": true, "requires_login": true})
}

// requestVerification serves POST /api/users/request_email_verification/.
func (x *exchange) requestVerification() {
	body, ok := x.decode()
	if !ok {
		return
	}
	id, _ := mustString(body["uuid"])
	if wait := x.f.hit("email_verification:"+id, 6, 24*time.Hour); wait > 0 {
		secs := strconv.Itoa(int(wait.Seconds() + 0.999))
		x.w.Header().Set("Retry-After", secs)
		x.fail(http.StatusTooManyRequests, "throttled_error", "throttled", throttledDetail(secs), "")
		return
	}
	if !x.f.emailAvailable {
		x.invalid("email_not_available", "Cannot send email verification emails as email is not configured.", "")
		return
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		x.json(http.StatusOK, map[string]any{"success": true})
		return
	}
	u := x.f.users.getUUID(x.f, uid)
	if u == nil {
		x.json(http.StatusOK, map[string]any{"success": true}) // PostHog does not tell
		return
	}
	if u.verified && u.pendingEmail == "" {
		x.invalid("already_verified", "This email is already verified.", "")
		return
	}
	m := x.mutable(u)
	m.verifyCode, m.verifyAttempts = fmt.Sprintf("%06d", (u.id*7919+int64(len(m.email)))%1_000_000), 0
	x.json(http.StatusOK, map[string]any{"success": true})
}

func (x *exchange) skipOnboarding() {
	u, body, ok := x.targetWithBody()
	if !ok {
		return
	}
	reason, _ := mustString(body["reason"])
	step, _ := mustString(body["step_at_skip"])
	switch {
	case reason != "later" && reason != "other":
		if _, has := body["reason"]; !has {
			x.invalid("required", "This field is required.", "reason")
		} else {
			x.invalid("invalid_choice", fmt.Sprintf("%q is not a valid choice.", reason), "reason")
		}
		return
	case utf8.RuneCountInString(step) > 64:
		x.invalid("max_length", "Ensure this field has no more than 64 characters.", "step_at_skip")
		return
	}
	m := x.mutable(u)
	now := x.f.now()
	m.onboardingSkippedAt, m.onboardingSkipReason = &now, reason
	x.json(http.StatusOK, x.serializeUser(u))
}

func (x *exchange) loginSessions() {
	u := x.target()
	if u == nil {
		return
	}
	out := []map[string]any{}
	for _, s := range u.loginSessions {
		out = append(out, map[string]any{
			"id": s.id, "created_at": formatTime(s.createdAt), "last_activity": formatTime(s.createdAt),
			"location": nil, "device": s.device, "login_method": "password",
			"is_current": x.auth.session != nil && s.session == sessionIDOf(x),
		})
	}
	x.json(http.StatusOK, out)
}

// sessionIDOf returns the session ID of x's cookie.
func sessionIDOf(x *exchange) string {
	if c, err := x.r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

func (x *exchange) revokeSession() {
	u := x.target()
	if u == nil {
		return
	}
	i := slices.IndexFunc(u.loginSessions, func(s *loginSession) bool { return s.id == x.moreArg })
	if i < 0 {
		x.notFound("Login session not found.")
		return
	}
	m := x.mutable(u)
	delete(x.f.sessions, m.loginSessions[i].session)
	m.loginSessions = slices.Delete(m.loginSessions, i, i+1)
	x.noContent()
}

func (x *exchange) revokeOtherSessions() {
	u := x.target()
	if u == nil {
		return
	}
	current := sessionIDOf(x)
	m := x.mutable(u)
	n := 0
	m.loginSessions = slices.DeleteFunc(m.loginSessions, func(s *loginSession) bool {
		if s.session == current {
			return false
		}
		delete(x.f.sessions, s.session)
		n++
		return true
	})
	x.json(http.StatusOK, map[string]any{"revoked_count": n})
}

func (x *exchange) credentialsReviewed() {
	if x.target() != nil {
		x.noContent()
	}
}

// registerPushToken serves POST /api/users/@me/push_tokens/.
func (x *exchange) registerPushToken() {
	body, ok := x.pushTokenBody()
	if !ok {
		return
	}
	token, _ := mustString(body["token"])
	platform, _ := mustString(body["platform"])
	switch {
	case token == "":
		x.invalid("required", "This field is required.", "token")
		return
	case utf8.RuneCountInString(token) > 512:
		x.invalid("max_length", "Ensure this field has no more than 512 characters.", "token")
		return
	case !slices.Contains([]string{"ios", "android", "web"}, platform):
		x.invalid("invalid_choice", fmt.Sprintf("%q is not a valid choice.", platform), "platform")
		return
	}
	m := x.mutable(x.auth.user)
	now := x.f.now()
	for _, t := range m.pushTokens {
		if t.token == token {
			t.platform, t.lastSeen = platform, &now
			x.json(http.StatusOK, pushTokenJSON(t))
			return
		}
	}
	t := &pushToken{id: uuid.New(), token: token, platform: platform, createdAt: now}
	m.pushTokens = append(m.pushTokens, t)
	if len(m.pushTokens) > 20 {
		m.pushTokens = m.pushTokens[len(m.pushTokens)-20:]
	}
	x.json(http.StatusOK, pushTokenJSON(t))
}

func pushTokenJSON(t *pushToken) map[string]any {
	out := map[string]any{"id": t.id, "platform": t.platform, "created_at": formatTime(t.createdAt), "last_seen_at": nil}
	if t.lastSeen != nil {
		out["last_seen_at"] = formatTime(*t.lastSeen)
	}
	return out
}

// pushTokenBody checks that a push token route names @me, which PostHog
// requires even of staff, and decodes the body.
func (x *exchange) pushTokenBody() (map[string]json.RawMessage, bool) {
	if x.userArg != "@me" {
		x.denied("Push tokens can only be managed via the `@me` path.")
		return nil, false
	}
	return x.decode()
}

func (x *exchange) unregisterPushToken() {
	body, ok := x.pushTokenBody()
	if !ok {
		return
	}
	token, _ := mustString(body["token"])
	m := x.mutable(x.auth.user)
	m.pushTokens = slices.DeleteFunc(m.pushTokens, func(t *pushToken) bool { return t.token == token })
	x.noContent()
}

// queryInt reads an integer query parameter for the GitHub endpoints,
// answering DRF's validation errors itself. ok is false after an error.
func (x *exchange) queryInt(q url.Values, name string, def, lo, hi int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		x.invalid("invalid_input", "A valid integer is required.", name)
		return 0, false
	case n < lo:
		x.invalid("min_value", fmt.Sprintf("Ensure this value is greater than or equal to %d.", lo), name)
		return 0, false
	case hi > 0 && n > hi:
		x.invalid("max_value", fmt.Sprintf("Ensure this value is less than or equal to %d.", hi), name)
		return 0, false
	}
	return n, true
}
