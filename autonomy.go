package posthogusers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// SignalAutonomyService is a user's signal autonomy configuration: how
// PostHog's signals act for the user on their own (which reports start work
// automatically, where the user is notified in Slack, how pull requests are
// opened on GitHub), under /api/users/{id}/signal_autonomy/. Reach it as
// client.SignalAutonomy.
//
// Every method needs scope user:write, reading included. PostHog applies its
// default rate limits here (480 requests a minute and 4,800 an hour per key).
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-user_id-signal_autonomy
type SignalAutonomyService service

// AutonomyUserID names a user on the signal autonomy endpoints, which, unlike
// the rest of the users API, take a user's integer ID ([User.ID]) rather
// than a UUID. Make one with [AutonomyUser], or use [AutonomyMe] for the
// caller; other users are open to staff only. The zero value names nobody
// and is refused with an [*InputError], so an ID that failed to load never
// turns into the caller.
type AutonomyUserID string

// AutonomyMe is the caller, sent as "@me".
const AutonomyMe AutonomyUserID = "@me"

// AutonomyUser returns the AutonomyUserID of the user whose integer ID
// ([User.ID]) is id. An id that is not positive, such as the zero ID of a
// user that failed to load, gives an AutonomyUserID that every method
// refuses.
func AutonomyUser(id int64) AutonomyUserID {
	return AutonomyUserID(strconv.FormatInt(id, 10))
}

// pathParam returns the ID as PostHog's route takes it: "@me", or a
// positive integer in decimal.
func (id AutonomyUserID) pathParam() (string, error) {
	switch {
	case id == AutonomyMe:
		return Me, nil
	case id == "":
		return "", &InputError{Arg: "user", Reason: "is the zero AutonomyUserID, which names nobody; use posthogusers.AutonomyMe for the caller or AutonomyUser(id) for another user"}
	}
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != string(id) {
		return "", &InputError{Arg: "user", Reason: describeArg(string(id)) + " is not a user ID (a positive integer, as AutonomyUser makes) nor AutonomyMe"}
	}
	return string(id), nil
}

// Priority is the priority of a signal report, P0 (highest) to P4.
type Priority string

// The priorities.
const (
	PriorityP0 Priority = "P0"
	PriorityP1 Priority = "P1"
	PriorityP2 Priority = "P2"
	PriorityP3 Priority = "P3"
	PriorityP4 Priority = "P4"
)

func (p Priority) valid() bool {
	switch p {
	case PriorityP0, PriorityP1, PriorityP2, PriorityP3, PriorityP4:
		return true
	}
	return false
}

// SignalAutonomyConfig is a user's signal autonomy configuration.
type SignalAutonomyConfig struct {
	// ID is PostHog's ID of the configuration.
	ID uuid.UUID `json:"id"`
	// User is the user the configuration belongs to.
	User AutonomyConfigUser `json:"user"`
	// AutostartPriority is the lowest priority of report that starts work
	// automatically; "" means the project's default.
	AutostartPriority Priority `json:"autostart_priority"`
	// SlackNotificationIntegrationID is the project's Slack integration
	// notifications go through, or nil when they are off. Newer PostHog
	// versions only, as are the fields up to CreatedAt.
	SlackNotificationIntegrationID *int64 `json:"slack_notification_integration_id"`
	// SlackNotificationChannel is where notifications go, "C…|#channel" or
	// "U…|@member"; "" when none.
	SlackNotificationChannel string `json:"slack_notification_channel"`
	// SlackNotificationMinPriority is the lowest priority that notifies;
	// "" when unset.
	SlackNotificationMinPriority Priority `json:"slack_notification_min_priority"`
	// GitHubAssignOnPullRequest assigns the user on implementation pull
	// requests that suggest them as reviewer.
	GitHubAssignOnPullRequest bool `json:"github_assign_on_pull_request"`
	// GitHubOpenPullRequestReady opens pull requests ready for review
	// (true) or as drafts (false); nil follows the project's default.
	GitHubOpenPullRequestReady *bool `json:"github_open_pull_request_ready"`
	// CreatedAt and UpdatedAt are when the configuration was created and
	// last changed.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AutonomyConfigUser is the user a [SignalAutonomyConfig] belongs to.
type AutonomyConfigUser struct {
	// ID is the user's integer ID, the one [AutonomyUserID] takes.
	ID        int64     `json:"id"`
	UUID      uuid.UUID `json:"uuid"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Email     string    `json:"email"`
}

// SignalAutonomyUpdate is the body of [SignalAutonomyService.Set]: only the
// fields that are set are sent and changed. [Nullable] fields can be set to
// [Null], which PostHog reads as "use the default" or "off".
type SignalAutonomyUpdate struct {
	// AutostartPriority is the lowest priority that starts work
	// automatically; Null means the project's default.
	AutostartPriority Nullable[Priority] `json:"autostart_priority,omitzero"`
	// SlackNotificationIntegrationID is a Slack integration of the user's
	// current project; Null turns Slack notifications off.
	SlackNotificationIntegrationID Nullable[int64] `json:"slack_notification_integration_id,omitzero"`
	// SlackNotificationChannel is "C…|#channel" or "U…|@member", at most
	// 255 characters; Null (or "") clears it.
	SlackNotificationChannel Nullable[string] `json:"slack_notification_channel,omitzero"`
	// SlackNotificationDirectMessage sends notifications as direct messages
	// from the PostHog app. It cannot be combined with a channel.
	SlackNotificationDirectMessage *bool `json:"slack_notification_direct_message,omitempty"`
	// SlackNotificationMinPriority is the lowest priority that notifies.
	SlackNotificationMinPriority Nullable[Priority] `json:"slack_notification_min_priority,omitzero"`
	// GitHubAssignOnPullRequest assigns the user on implementation pull
	// requests that suggest them as reviewer.
	GitHubAssignOnPullRequest *bool `json:"github_assign_on_pull_request,omitempty"`
	// GitHubOpenPullRequestReady opens pull requests ready for review or as
	// drafts; Null follows the project's default.
	GitHubOpenPullRequestReady Nullable[bool] `json:"github_open_pull_request_ready,omitzero"`
}

// Get returns a user's signal autonomy configuration. A user who has none
// is a normal answer, not an error: Get then returns nil, false and a nil
// error (PostHog answers 404 with an empty body). A 404 that is not that,
// such as staff naming an unknown user, is returned as an error matching
// [ErrNotFound]. Needs scope user:write, although it only reads.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-user_id-signal_autonomy
//
//meta:operation GET /api/users/{user_id}/signal_autonomy/
func (s *SignalAutonomyService) Get(ctx context.Context, user AutonomyUserID, reqOpts ...RequestOption) (cfg *SignalAutonomyConfig, found bool, err error) {
	id, err := user.pathParam()
	if err != nil {
		return nil, false, err
	}
	cfg = new(SignalAutonomyConfig)
	err = s.client.do(ctx, request{op: opAutonomyGet, params: []string{id}}, cfg, reqOpts...)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && len(bytes.TrimSpace(apiErr.Body)) == 0 {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return cfg, true, nil
}

// Set creates a user's signal autonomy configuration or changes the fields
// of it that update sets, and returns the configuration as PostHog stored
// it. An empty update creates a configuration with PostHog's defaults.
// Needs scope user:write.
//
// If it fails, see [ErrOutcomeUnknown].
//
// PostHog API docs: https://posthog.com/docs/api/users#post-api-users-user_id-signal_autonomy
//
//meta:operation POST /api/users/{user_id}/signal_autonomy/
func (s *SignalAutonomyService) Set(ctx context.Context, user AutonomyUserID, update SignalAutonomyUpdate, reqOpts ...RequestOption) (*SignalAutonomyConfig, error) {
	id, err := user.pathParam()
	if err != nil {
		return nil, err
	}
	if err := update.validate(); err != nil {
		return nil, err
	}
	cfg := new(SignalAutonomyConfig)
	if err := s.client.do(ctx, request{op: opAutonomySet, params: []string{id}, body: update}, cfg, reqOpts...); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Delete removes a user's signal autonomy configuration, opting them out.
// Deleting a configuration that does not exist succeeds too. Needs scope
// user:write.
//
// If it fails, see [ErrOutcomeUnknown].
//
// PostHog API docs: https://posthog.com/docs/api/users#delete-api-users-user_id-signal_autonomy
//
//meta:operation DELETE /api/users/{user_id}/signal_autonomy/
func (s *SignalAutonomyService) Delete(ctx context.Context, user AutonomyUserID, reqOpts ...RequestOption) error {
	id, err := user.pathParam()
	if err != nil {
		return err
	}
	return s.client.do(ctx, request{op: opAutonomyDelete, params: []string{id}}, nil, reqOpts...)
}

// validate checks what PostHog's serializer would refuse for its shape.
func (u *SignalAutonomyUpdate) validate() error {
	for _, f := range []struct {
		name  string
		value Nullable[Priority]
	}{
		{"AutostartPriority", u.AutostartPriority},
		{"SlackNotificationMinPriority", u.SlackNotificationMinPriority},
	} {
		if p, ok := f.value.Get(); ok && !p.valid() {
			return &InputError{Arg: f.name, Reason: describeArg(string(p)) + " is not a priority (P0 to P4; Null for the default)"}
		}
	}
	if id, ok := u.SlackNotificationIntegrationID.Get(); ok && id <= 0 {
		return &InputError{Arg: "SlackNotificationIntegrationID", Reason: fmt.Sprintf("%d is not an integration ID", id)}
	}
	channel, hasChannel := u.SlackNotificationChannel.Get()
	if n := utf8.RuneCountInString(channel); n > 255 {
		return &InputError{Arg: "SlackNotificationChannel", Reason: fmt.Sprintf("has %d characters; PostHog takes at most 255", n)}
	}
	if hasChannel && channel != "" && u.SlackNotificationDirectMessage != nil && *u.SlackNotificationDirectMessage {
		return &InputError{Arg: "SlackNotificationDirectMessage", Reason: "cannot be combined with SlackNotificationChannel; set one of them"}
	}
	return nil
}
