package posthogtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
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

func (x *exchange) getAutonomy() {
	u := x.autonomyUser()
	if u == nil {
		return
	}
	if u.autonomy == nil {
		x.w.WriteHeader(http.StatusNotFound) // Response(status=404): no body
		return
	}
	x.json(http.StatusOK, x.autonomyJSON(u))
}

var priorities = []string{"P0", "P1", "P2", "P3", "P4"}

// setAutonomy serves POST …/signal_autonomy/: a partial create-or-update
// that answers 200 either way.
func (x *exchange) setAutonomy() {
	u := x.autonomyUser()
	if u == nil {
		return
	}
	body, ok := x.decode()
	if !ok {
		return
	}
	changes := map[string]any{}
	for _, name := range []string{"autostart_priority", "slack_notification_min_priority"} {
		raw, has := body[name]
		if !has {
			continue
		}
		if isNull(raw) {
			changes[name] = nil
			continue
		}
		s, isString := asString(raw)
		if !isString || !slices.Contains(priorities, s) {
			x.invalid("invalid_choice", fmt.Sprintf("%q is not a valid choice.", describeValue(raw)), name)
			return
		}
		changes[name] = s
	}
	if raw, has := body["slack_notification_integration_id"]; has {
		if isNull(raw) {
			changes["slack_notification_integration_id"] = nil
		} else {
			var id int64
			known := json.Unmarshal(raw, &id) == nil && u.currentTeam != nil &&
				slices.ContainsFunc(u.currentTeam.slack, func(w *slackWorkspace) bool { return w.integrationID == id })
			if !known {
				x.invalid("invalid_input", "Unknown Slack integration for this user.", "slack_notification_integration_id")
				return
			}
			changes["slack_notification_integration_id"] = id
		}
	}
	channelSet := false
	if raw, has := body["slack_notification_channel"]; has {
		s, isString := asString(raw)
		switch {
		case isNull(raw) || isString && s == "":
			changes["slack_notification_channel"] = nil
		case !isString:
			x.invalid("invalid_input", "Not a valid string.", "slack_notification_channel")
			return
		case utf8.RuneCountInString(s) > 255:
			x.invalid("max_length", "Ensure this field has no more than 255 characters.", "slack_notification_channel")
			return
		default:
			changes["slack_notification_channel"] = s
			channelSet = true
		}
	}
	if raw, has := body["slack_notification_direct_message"]; has {
		var dm bool
		if json.Unmarshal(raw, &dm) != nil {
			x.invalid("invalid_input", "Must be a valid boolean.", "slack_notification_direct_message")
			return
		}
		if dm && channelSet {
			x.invalid("invalid_input", "Set either `slack_notification_channel` or `slack_notification_direct_message`, not both.", "")
			return
		}
	}
	if raw, has := body["github_assign_on_pull_request"]; has {
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			x.invalid("invalid_input", "Must be a valid boolean.", "github_assign_on_pull_request")
			return
		}
		changes["github_assign_on_pull_request"] = b
	}
	if raw, has := body["github_open_pull_request_ready"]; has {
		var b *bool
		if json.Unmarshal(raw, &b) != nil {
			x.invalid("invalid_input", "Must be a valid boolean.", "github_open_pull_request_ready")
			return
		}
		if b == nil {
			changes["github_open_pull_request_ready"] = nil
		} else {
			changes["github_open_pull_request_ready"] = *b
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

func (x *exchange) deleteAutonomy() {
	u := x.autonomyUser()
	if u == nil {
		return
	}
	if u.autonomy != nil {
		x.mutable(u).autonomy = nil
	}
	x.noContent()
}
