package posthogtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/hogkit/posthogusers/internal/wire"
)

// autonomyConfig is a user's signal autonomy configuration.
type autonomyConfig struct {
	id        uuid.UUID
	fields    map[string]any // the writable fields, as JSON values
	createdAt time.Time
	updatedAt time.Time
}

// autonomyUser resolves {user_id}: "@me", or for staff an integer ID.
func (x *exchange) autonomyUser() *user {
	if x.userArg == "@me" {
		return x.auth.user
	}
	if !x.auth.user.isStaff {
		x.denied("Only staff can access other users' autonomy config.")
		return nil
	}
	id, err := strconv.ParseInt(x.userArg, 10, 64)
	if err != nil {
		// User.objects.get(pk="…") raises ValueError: a 500 in PostHog.
		x.fail(http.StatusInternalServerError, "server_error", "error", "A server error occurred.", "")
		return nil
	}
	u := x.f.users.get(x.f, id)
	if u == nil {
		x.notFound("Not found.")
	}
	return u
}

// onAutonomyUser adapts a handler of the path's {user_id}: the user is
// resolved first, by [exchange.autonomyUser], and h runs only when that
// did not answer.
func onAutonomyUser(h func(x *exchange, u *user)) func(*exchange) {
	return func(x *exchange) {
		if u := x.autonomyUser(); u != nil {
			h(x, u)
		}
	}
}

// autonomyJSON writes u's signal autonomy configuration as PostHog's
// serializer does, with the defaults of the fields never set.
func (x *exchange) autonomyJSON(u *user) map[string]any {
	c := u.autonomy
	out := map[string]any{
		"id":                                c.id,
		"user":                              map[string]any{"id": u.id, "uuid": u.uuid, "first_name": u.firstName, "last_name": u.lastName, "email": u.email},
		"autostart_priority":                nil,
		"slack_notification_integration_id": nil,
		"slack_notification_channel":        nil,
		"slack_notification_min_priority":   nil,
		"github_assign_on_pull_request":     false,
		"github_open_pull_request_ready":    nil,
		"created_at":                        formatTime(c.createdAt),
		"updated_at":                        formatTime(c.updatedAt),
	}
	for k, v := range c.fields {
		out[k] = v
	}
	return out
}

// getAutonomy serves GET /api/users/{user_id}/signal_autonomy/: a 404
// with no body when the user has no configuration.
func (x *exchange) getAutonomy(u *user) {
	if u.autonomy == nil {
		x.w.WriteHeader(http.StatusNotFound) // Response(status=404): no body
		return
	}
	x.json(http.StatusOK, x.autonomyJSON(u))
}

// priorities are the choices of the signal autonomy priorities.
var priorities = []string{"P0", "P1", "P2", "P3", "P4"}

// autonomyCheck validates the member name of a signal autonomy body about
// u, whose value is raw, and records the field's new value in changes. It
// returns false when it answered the request with a validation error.
type autonomyCheck func(x *exchange, u *user, changes map[string]any, name string, raw json.RawMessage) bool

// autonomyChecks are the checks of the writable fields of a signal autonomy
// body, in the order PostHog validates them: the first error wins.
var autonomyChecks = []struct {
	name  string
	check autonomyCheck
}{
	{"autostart_priority", (*exchange).checkPriority},
	{"slack_notification_min_priority", (*exchange).checkPriority},
	{"slack_notification_integration_id", (*exchange).checkSlackIntegration},
	{"slack_notification_channel", (*exchange).checkSlackChannel},
	{"slack_notification_direct_message", (*exchange).checkDirectMessage},
	{"github_assign_on_pull_request", (*exchange).checkAutonomyBool},
	{"github_open_pull_request_ready", (*exchange).checkAutonomyNullableBool},
}

// setAutonomy serves POST …/signal_autonomy/: a partial create-or-update
// that answers 200 either way.
func (x *exchange) setAutonomy(u *user) {
	body, ok := x.decode()
	if !ok {
		return
	}
	changes := map[string]any{}
	for _, f := range autonomyChecks {
		if raw, has := body[f.name]; has && !f.check(x, u, changes, f.name, raw) {
			return
		}
	}
	m := x.mutable(u)
	now := x.f.now()
	if m.autonomy == nil {
		m.autonomy = &autonomyConfig{id: uuid.New(), fields: map[string]any{}, createdAt: now}
	}
	for k, v := range changes {
		m.autonomy.fields[k] = v
	}
	m.autonomy.updatedAt = now
	x.json(http.StatusOK, x.autonomyJSON(m))
}

// checkPriority checks a priority: one of priorities, or null.
func (x *exchange) checkPriority(_ *user, changes map[string]any, name string, raw json.RawMessage) bool {
	if wire.IsNull(raw) {
		changes[name] = nil
		return true
	}
	s, isString := asString(raw)
	if !isString || !slices.Contains(priorities, s) {
		x.notAChoice(name, describeValue(raw))
		return false
	}
	changes[name] = s
	return true
}

// checkSlackIntegration checks slack_notification_integration_id: the ID
// of a Slack integration of u's current project, or null.
func (x *exchange) checkSlackIntegration(u *user, changes map[string]any, name string, raw json.RawMessage) bool {
	if wire.IsNull(raw) {
		changes[name] = nil
		return true
	}
	var id int64
	known := json.Unmarshal(raw, &id) == nil && u.currentTeam != nil &&
		slices.ContainsFunc(u.currentTeam.slack, func(w *slackWorkspace) bool { return w.integrationID == id })
	if !known {
		x.invalid("invalid_input", "Unknown Slack integration for this user.", name)
		return false
	}
	changes[name] = id
	return true
}

// checkSlackChannel checks slack_notification_channel: a string of at most
// 255 characters, or null; "" is stored as null.
func (x *exchange) checkSlackChannel(_ *user, changes map[string]any, name string, raw json.RawMessage) bool {
	s, isString := asString(raw)
	switch {
	case wire.IsNull(raw) || isString && s == "":
		changes[name] = nil
	case !isString:
		x.invalid("invalid_input", "Not a valid string.", name)
		return false
	case utf8.RuneCountInString(s) > 255:
		x.tooLong(name, 255)
		return false
	default:
		changes[name] = s
	}
	return true
}

// checkDirectMessage checks slack_notification_direct_message: a boolean,
// not true when the same body sets a channel. It is not stored.
func (x *exchange) checkDirectMessage(_ *user, changes map[string]any, name string, raw json.RawMessage) bool {
	var dm bool
	if !x.decodeBool(name, raw, &dm) {
		return false
	}
	if _, channelSet := changes["slack_notification_channel"].(string); dm && channelSet {
		x.invalid("invalid_input", "Set either `slack_notification_channel` or `slack_notification_direct_message`, not both.", "")
		return false
	}
	return true
}

// checkAutonomyBool checks a boolean field.
func (x *exchange) checkAutonomyBool(_ *user, changes map[string]any, name string, raw json.RawMessage) bool {
	var b bool
	if !x.decodeBool(name, raw, &b) {
		return false
	}
	changes[name] = b
	return true
}

// checkAutonomyNullableBool checks a boolean-or-null field.
func (x *exchange) checkAutonomyNullableBool(_ *user, changes map[string]any, name string, raw json.RawMessage) bool {
	var b *bool
	if !x.decodeBool(name, raw, &b) {
		return false
	}
	if b == nil {
		changes[name] = nil
	} else {
		changes[name] = *b
	}
	return true
}

// deleteAutonomy serves DELETE /api/users/{user_id}/signal_autonomy/.
func (x *exchange) deleteAutonomy(u *user) {
	if u.autonomy != nil {
		x.mutable(u).autonomy = nil
	}
	x.noContent()
}
