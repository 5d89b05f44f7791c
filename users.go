package posthogusers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// UsersService is the users API: /api/users/ and /api/users/{uuid}/.
// Reach it as client.Users.
//
// PostHog API docs: https://posthog.com/docs/api/users
type UsersService service

// User is a PostHog user as the users API returns it.
//
// Fields PostHog adds after this version of the SDK are not lost: [User.Raw]
// returns the whole JSON object and [User.UnknownFields] the fields this type
// does not know.
type User struct {
	ID         int64     `json:"id"`
	UUID       uuid.UUID `json:"uuid"`
	DistinctID string    `json:"distinct_id"`
	FirstName  string    `json:"first_name"`
	LastName   string    `json:"last_name"`
	Email      string    `json:"email"`
	// PendingEmail is a new address awaiting verification, or "".
	PendingEmail string `json:"pending_email"`
	// IsEmailVerified is nil for users whose verification PostHog did not
	// track.
	IsEmailVerified *bool     `json:"is_email_verified"`
	DateJoined      time.Time `json:"date_joined"`
	IsStaff         bool      `json:"is_staff"`
	HasPassword     bool      `json:"has_password"`
	Is2FAEnabled    bool      `json:"is_2fa_enabled"`
	HasSocialAuth   bool      `json:"has_social_auth"`
	// HasSSOEnforcement reports whether the user's email domain enforces SSO.
	HasSSOEnforcement        bool `json:"has_sso_enforcement"`
	RequiresCredentialReview bool `json:"requires_credential_review"`

	// Team is the user's current project, nil when there is none.
	Team *Team `json:"team"`
	// Organization is the user's current organization, nil when there is
	// none.
	Organization *Organization `json:"organization"`
	// Organizations are every organization the user belongs to.
	Organizations []OrganizationBasic `json:"organizations"`
	// PendingInvites are invitations waiting for the user (at most 25). It is
	// empty unless the user is the one the key belongs to.
	PendingInvites []PendingInvite `json:"pending_invites"`
	// IsOrganizationFirstUser is nil unless the user is the one the key
	// belongs to.
	IsOrganizationFirstUser *bool `json:"is_organization_first_user"`

	// NotificationSettings is the full map of notification settings, with
	// defaults filled in. Free-form: PostHog adds keys often.
	NotificationSettings map[string]any `json:"notification_settings"`
	// NotificationLocks are settings the organization enforces. It is empty
	// unless the user is the one the key belongs to.
	NotificationLocks               []NotificationLock `json:"notification_locks"`
	ActiveRealtimeNotificationTypes []string           `json:"active_realtime_notification_types"`

	AnonymizeData           bool               `json:"anonymize_data"`
	AllowImpersonation      bool               `json:"allow_impersonation"`
	ToolbarMode             ToolbarMode        `json:"toolbar_mode"`
	ThemeMode               ThemeMode          `json:"theme_mode"`
	ShortcutPosition        ShortcutPosition   `json:"shortcut_position"`
	RoleAtOrganization      RoleAtOrganization `json:"role_at_organization"`
	AllowSidebarSuggestions bool               `json:"allow_sidebar_suggestions"`
	PasskeysEnabledFor2FA   bool               `json:"passkeys_enabled_for_2fa"`
	HideMCPHints            bool               `json:"hide_mcp_hints"`
	// HasSeenProductIntroFor maps product keys to whether their intro was
	// seen.
	HasSeenProductIntroFor map[string]bool        `json:"has_seen_product_intro_for"`
	ScenePersonalisation   []ScenePersonalisation `json:"scene_personalisation"`
	// EventsColumnConfig is free-form JSON.
	EventsColumnConfig json.RawMessage `json:"events_column_config"`
	// HedgehogConfig is free-form JSON, or null.
	HedgehogConfig json.RawMessage `json:"hedgehog_config"`
	// UIConfiguration is free-form JSON (PostHog's UserUIConfiguration), or
	// null.
	UIConfiguration json.RawMessage `json:"ui_configuration"`

	IsImpersonated         bool   `json:"is_impersonated"`
	IsImpersonatedReadOnly bool   `json:"is_impersonated_read_only"`
	IsImpersonatedReason   string `json:"is_impersonated_reason"`
	// IsImpersonatedUntil, SensitiveSessionExpiresAt and FreshReauthExpiresAt
	// describe the session of a session-authenticated caller; they are nil
	// for API keys, and nil when PostHog sends a time this SDK cannot read
	// (the raw value stays in [User.Raw]).
	IsImpersonatedUntil       *time.Time `json:"is_impersonated_until"`
	SensitiveSessionExpiresAt *time.Time `json:"sensitive_session_expires_at"`
	FreshReauthExpiresAt      *time.Time `json:"fresh_reauth_expires_at"`

	OnboardingSkippedAt                 *time.Time              `json:"onboarding_skipped_at"`
	OnboardingSkippedReason             OnboardingSkippedReason `json:"onboarding_skipped_reason"`
	OnboardingSkippedOrganizationID     *uuid.UUID              `json:"onboarding_skipped_organization_id"`
	OnboardingDelegatedToInvite         *uuid.UUID              `json:"onboarding_delegated_to_invite"`
	OnboardingDelegatedToOrganizationID *uuid.UUID              `json:"onboarding_delegated_to_organization_id"`
	OnboardingDelegationAcceptedAt      *time.Time              `json:"onboarding_delegation_accepted_at"`

	raw json.RawMessage
}

// Team is a PostHog project as nested in a [User] (PostHog's TeamBasic).
type Team struct {
	ID           int64     `json:"id"`
	UUID         uuid.UUID `json:"uuid"`
	Organization uuid.UUID `json:"organization"`
	ProjectID    int64     `json:"project_id"`
	// APIToken is the project token (phc_…) used to send events. It cannot
	// call the users API.
	APIToken                   string `json:"api_token"`
	Name                       string `json:"name"`
	CompletedSnippetOnboarding bool   `json:"completed_snippet_onboarding"`
	// HasCompletedOnboardingFor maps products to onboarding state; free-form.
	HasCompletedOnboardingFor map[string]any `json:"has_completed_onboarding_for"`
	IngestedEvent             bool           `json:"ingested_event"`
	IsDemo                    bool           `json:"is_demo"`
	// Timezone is an IANA time zone name, such as "Europe/Berlin".
	Timezone      string `json:"timezone"`
	AccessControl bool   `json:"access_control"`
}

// Organization is a user's current organization, with every field PostHog
// returns for it.
type Organization struct {
	ID                 uuid.UUID          `json:"id"`
	Name               string             `json:"name"`
	Slug               string             `json:"slug"`
	LogoMediaID        *uuid.UUID         `json:"logo_media_id"`
	CreatedAt          time.Time          `json:"created_at"`
	UpdatedAt          time.Time          `json:"updated_at"`
	MembershipLevel    MembershipLevel    `json:"membership_level"`
	PluginsAccessLevel PluginsAccessLevel `json:"plugins_access_level"`
	// Teams and Projects are free-form summaries of the organization's
	// projects.
	Teams    []map[string]any `json:"teams"`
	Projects []map[string]any `json:"projects"`
	// AvailableProductFeatures is free-form: the features of the
	// organization's plan.
	AvailableProductFeatures     []map[string]any      `json:"available_product_features"`
	IsMemberJoinEmailEnabled     bool                  `json:"is_member_join_email_enabled"`
	Metadata                     map[string]string     `json:"metadata"`
	CustomerID                   string                `json:"customer_id"`
	Enforce2FA                   bool                  `json:"enforce_2fa"`
	MembersCanInvite             bool                  `json:"members_can_invite"`
	MembersCanUsePersonalAPIKeys bool                  `json:"members_can_use_personal_api_keys"`
	AllowPubliclySharedResources bool                  `json:"allow_publicly_shared_resources"`
	MemberCount                  int                   `json:"member_count"`
	IsAIDataProcessingApproved   bool                  `json:"is_ai_data_processing_approved"`
	DefaultExperimentStatsMethod ExperimentStatsMethod `json:"default_experiment_stats_method"`
	DefaultAnonymizeIPs          bool                  `json:"default_anonymize_ips"`
	DefaultRoleID                string                `json:"default_role_id"`
	// IsActive is nil when PostHog does not say; false means the
	// organization was deactivated, for IsNotActiveReason.
	IsActive                         *bool  `json:"is_active"`
	IsNotActiveReason                string `json:"is_not_active_reason"`
	IsPendingDeletion                bool   `json:"is_pending_deletion"`
	EnforceVerifiedDomains           bool   `json:"enforce_verified_domains"`
	MembersCanCreateProjects         bool   `json:"members_can_create_projects"`
	MembersCanSeeOrgMembers          bool   `json:"members_can_see_org_members"`
	ReadOnlyMCPAccess                bool   `json:"read_only_mcp_access"`
	IsAITrainingOptedIn              bool   `json:"is_ai_training_opted_in"`
	IsAITrainingLocked               bool   `json:"is_ai_training_locked"`
	IsAITrainingCTAShown             bool   `json:"is_ai_training_cta_shown"`
	HasSignedBAA                     bool   `json:"has_signed_baa"`
	UsesMostSpecificAccessResolution bool   `json:"uses_most_specific_access_resolution"`
}

// OrganizationBasic is an organization a user belongs to, as listed in
// [User.Organizations].
type OrganizationBasic struct {
	ID                           uuid.UUID       `json:"id"`
	Name                         string          `json:"name"`
	Slug                         string          `json:"slug"`
	LogoMediaID                  *uuid.UUID      `json:"logo_media_id"`
	MembershipLevel              MembershipLevel `json:"membership_level"`
	MembersCanUsePersonalAPIKeys bool            `json:"members_can_use_personal_api_keys"`
	// IsActive is nil when PostHog does not say.
	IsActive          *bool  `json:"is_active"`
	IsNotActiveReason string `json:"is_not_active_reason"`
	IsPendingDeletion bool   `json:"is_pending_deletion"`
}

// PendingInvite is an invitation to an organization waiting for the user.
type PendingInvite struct {
	ID               string    `json:"id"`
	TargetEmail      string    `json:"target_email"`
	OrganizationID   string    `json:"organization_id"`
	OrganizationName string    `json:"organization_name"`
	CreatedAt        time.Time `json:"created_at"`
}

// ScenePersonalisation is a dashboard the user chose for a scene of PostHog's
// app.
type ScenePersonalisation struct {
	Scene string `json:"scene"`
	// Dashboard is the dashboard's ID, nil when none.
	Dashboard *int64 `json:"dashboard"`
}

// NotificationLock is a notification setting an organization admin enforces
// on the user.
type NotificationLock struct {
	// Setting is the notification setting the lock enforces.
	Setting string `json:"setting"`
	// ScopeID is what the setting applies to (a project, pipeline or
	// organization ID), or "" for a plain switch.
	ScopeID string `json:"scope_id"`
	// LockedValue is the value the organization enforces.
	LockedValue bool `json:"locked_value"`
	// AppliesToAllMembers reports whether the lock covers every member.
	AppliesToAllMembers bool `json:"applies_to_all_members"`
}

// ToolbarMode is how PostHog's toolbar behaves for a user.
type ToolbarMode string

// The toolbar modes. PostHog may also send "" (unset).
const (
	ToolbarModeDisabled ToolbarMode = "disabled"
	ToolbarModeToolbar  ToolbarMode = "toolbar"
)

// ThemeMode is a user's color theme.
type ThemeMode string

// The theme modes. PostHog may also send "" (unset).
const (
	ThemeModeLight  ThemeMode = "light"
	ThemeModeDark   ThemeMode = "dark"
	ThemeModeSystem ThemeMode = "system"
)

// ShortcutPosition is where a user's shortcuts are shown.
type ShortcutPosition string

// The shortcut positions. PostHog returns a stored null as "above".
const (
	ShortcutPositionAbove  ShortcutPosition = "above"
	ShortcutPositionBelow  ShortcutPosition = "below"
	ShortcutPositionHidden ShortcutPosition = "hidden"
)

// RoleAtOrganization is a user's role as they describe it to PostHog.
type RoleAtOrganization string

// The roles. PostHog may also send "" (unset).
const (
	RoleEngineering RoleAtOrganization = "engineering"
	RoleData        RoleAtOrganization = "data"
	RoleProduct     RoleAtOrganization = "product" // Product Management
	RoleFounder     RoleAtOrganization = "founder"
	RoleLeadership  RoleAtOrganization = "leadership"
	RoleMarketing   RoleAtOrganization = "marketing"
	RoleSales       RoleAtOrganization = "sales" // Sales / Success
	RoleOther       RoleAtOrganization = "other"
)

// OnboardingSkippedReason is why a user skipped onboarding.
type OnboardingSkippedReason string

// The onboarding skip reasons. "" means onboarding was not skipped.
const (
	OnboardingSkippedDelegated   OnboardingSkippedReason = "delegated"
	OnboardingSkippedLater       OnboardingSkippedReason = "later"
	OnboardingSkippedOther       OnboardingSkippedReason = "other"
	OnboardingSkippedProvisioned OnboardingSkippedReason = "provisioned"
)

// ExperimentStatsMethod is an organization's default statistical method for
// experiments.
type ExperimentStatsMethod string

// The experiment statistics methods. PostHog may also send "" (unset).
const (
	ExperimentStatsBayesian    ExperimentStatsMethod = "bayesian"
	ExperimentStatsFrequentist ExperimentStatsMethod = "frequentist"
)

// MembershipLevel is a user's level in an organization. 0 means none.
type MembershipLevel int

// The membership levels.
const (
	MembershipMember MembershipLevel = 1
	MembershipAdmin  MembershipLevel = 8
	MembershipOwner  MembershipLevel = 15
)

// PluginsAccessLevel is an organization's access to data pipeline plugins.
type PluginsAccessLevel int

// The plugin access levels.
const (
	PluginsAccessNone    PluginsAccessLevel = 0
	PluginsAccessConfig  PluginsAccessLevel = 3
	PluginsAccessInstall PluginsAccessLevel = 6
	PluginsAccessRoot    PluginsAccessLevel = 9
)

// ListUsersOptions filters and pages [UsersService.List] and
// [UsersService.All]. A nil *ListUsersOptions lists every user PostHog shows
// the key, 100 to a page.
type ListUsersOptions struct {
	// Email keeps only the user with exactly this address (case-sensitive).
	Email string `url:"email,omitempty"`
	// IsStaff, when set, keeps only staff (true) or non-staff (false) users.
	IsStaff *bool `url:"is_staff,omitempty"`
	// Limit is the page size; 0 means PostHog's default of 100. PostHog sets
	// no maximum.
	Limit int `url:"limit,omitempty"`
	// Offset is the index of the first user to return.
	Offset int `url:"offset,omitempty"`
}

// UpdateUserRequest is the body of [UsersService.Update]: only the fields
// that are set are sent, so PostHog leaves every other field as it is.
// Pointer fields are left out when nil; [Nullable] fields are left out when
// zero and clear the field when set to [Null].
type UpdateUserRequest struct {
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	// Email may only be sent unchanged (in any case) with an API key; a
	// different address is refused with a [*SessionRequiredError].
	Email *string `json:"email,omitempty"`
	// Password and CurrentPassword change the password. PostHog refuses
	// them to API keys with a [*SessionRequiredError].
	Password        *string `json:"password,omitempty"`
	CurrentPassword *string `json:"current_password,omitempty"`
	// NotificationSettings is merged into the user's settings: only the keys
	// given change, and map-valued keys are merged too.
	NotificationSettings map[string]any `json:"notification_settings,omitempty"`
	// IsStaff may only be sent by staff; PostHog refuses it to others with
	// 403.
	IsStaff *bool `json:"is_staff,omitempty"`
	// SetCurrentOrganization switches the user's current organization (and
	// project, to the organization's first one).
	SetCurrentOrganization *uuid.UUID `json:"set_current_organization,omitempty"`
	// SetCurrentTeam switches the user's current project (and organization,
	// to the project's).
	SetCurrentTeam          *int64                     `json:"set_current_team,omitempty,string"`
	AnonymizeData           Nullable[bool]             `json:"anonymize_data,omitzero"`
	AllowImpersonation      Nullable[bool]             `json:"allow_impersonation,omitzero"`
	ToolbarMode             Nullable[ToolbarMode]      `json:"toolbar_mode,omitzero"`
	ThemeMode               Nullable[ThemeMode]        `json:"theme_mode,omitzero"`
	ShortcutPosition        Nullable[ShortcutPosition] `json:"shortcut_position,omitzero"`
	RoleAtOrganization      *RoleAtOrganization        `json:"role_at_organization,omitempty"`
	AllowSidebarSuggestions Nullable[bool]             `json:"allow_sidebar_suggestions,omitzero"`
	PasskeysEnabledFor2FA   Nullable[bool]             `json:"passkeys_enabled_for_2fa,omitzero"`
	HideMCPHints            *bool                      `json:"hide_mcp_hints,omitempty"`
	HasSeenProductIntroFor  Nullable[map[string]bool]  `json:"has_seen_product_intro_for,omitzero"`
	// EventsColumnConfig is free-form JSON. PostHog does not let it be
	// cleared to null; nil leaves it alone.
	EventsColumnConfig json.RawMessage           `json:"events_column_config,omitempty"`
	HedgehogConfig     Nullable[json.RawMessage] `json:"hedgehog_config,omitzero"`
	UIConfiguration    Nullable[json.RawMessage] `json:"ui_configuration,omitzero"`
}

// ReplaceUserRequest is the body of [UsersService.Replace]: a whole user.
// Email and Password are required; the other fields are those of
// [UpdateUserRequest] (whose own Email and Password are not used).
type ReplaceUserRequest struct {
	// Email is the user's email address.
	Email string `json:"email"`
	// Password is the user's new password. PostHog refuses it to API keys
	// and OAuth tokens.
	Password string `json:"password"`
	UpdateUserRequest
}

// List returns one page of users. A non-staff key only sees its own user, so
// the page holds at most one. opts may be nil.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users
//
//meta:operation GET /api/users/
func (s *UsersService) List(ctx context.Context, opts *ListUsersOptions, reqOpts ...RequestOption) (*Page[User], error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return fetch[Page[User]](ctx, s.client, request{op: opUsersList, query: opts}, reqOpts...)
}

// All returns an iterator over every user that matches opts, from opts'
// offset on. It fetches a page only when the previous one has been used up,
// stops at the last page, yields at most one error and then stops, and
// returns at once when the loop breaks. opts may be nil and is never
// modified. PostHog's next links are followed by their limit and offset only,
// always against the client's base URL.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users
//
//meta:operation GET /api/users/
func (s *UsersService) All(ctx context.Context, opts *ListUsersOptions, reqOpts ...RequestOption) iter.Seq2[User, error] {
	var o ListUsersOptions
	if opts != nil {
		o = *opts
	}
	return paginate(ctx, o.Limit, o.Offset, func(ctx context.Context, limit, offset int) (*Page[User], error) {
		page := o
		page.Limit, page.Offset = limit, offset
		return s.List(ctx, &page, reqOpts...)
	})
}

// Get returns a user. id is [Me] for the key's own user, or a user's UUID;
// PostHog only lets staff read other users, and refuses a non-staff key even
// its own UUID with 403 (match [ErrForbidden]). An unknown UUID gives
// [ErrNotFound]. Needs scope user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-uuid
//
//meta:operation GET /api/users/{uuid}/
func (s *UsersService) Get(ctx context.Context, id string, reqOpts ...RequestOption) (*User, error) {
	return fetch[User](ctx, s.client, request{op: opUsersGet, user: id}, reqOpts...)
}

// Update changes the fields of a user that req sets and returns the user as
// PostHog stored it. id is [Me] or, for staff, a user's UUID. Needs scope
// user:write. PostHog ignores read-only fields and refuses, with an API key,
// a new email address or any password (a [*SessionRequiredError]), and
// IsStaff from non-staff (403).
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users#patch-api-users-uuid
//
//meta:operation PATCH /api/users/{uuid}/
func (s *UsersService) Update(ctx context.Context, id string, req UpdateUserRequest, reqOpts ...RequestOption) (*User, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return fetch[User](ctx, s.client, request{op: opUsersUpdate, user: id, body: req}, reqOpts...)
}

// Delete deletes a user for good. PostHog only accepts a logged-in session
// here: with an API key or OAuth token it answers 401, which Delete returns as
// a [*SessionRequiredError]. A user who still belongs to an organization
// cannot be deleted ([ErrConflict]).
//
// When a retry finds nothing to delete after an earlier attempt may have
// reached PostHog, the earlier attempt deleted it and the call returns nil.
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users#delete-api-users-uuid
//
//meta:operation DELETE /api/users/{uuid}/
func (s *UsersService) Delete(ctx context.Context, id string, reqOpts ...RequestOption) error {
	return s.client.do(ctx, request{op: opUsersDelete, user: id}, nil, reqOpts...)
}

// Replace sends a whole user with PUT and returns the user as PostHog stored
// it. PostHog requires Email and Password in the body and refuses any
// password from an API key or OAuth token (a [*SessionRequiredError]), so
// only a logged-in session ([WithSession]) can use it, and then it changes
// the password. Prefer [UsersService.Update], which changes only the fields
// it is given and works with a key. Needs scope user:write.
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users#put-api-users-uuid
//
//meta:operation PUT /api/users/{uuid}/
func (s *UsersService) Replace(ctx context.Context, id string, req ReplaceUserRequest, reqOpts ...RequestOption) (*User, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return fetch[User](ctx, s.client, request{op: opUsersReplace, user: id, body: req}, reqOpts...)
}

// GitHubLogin returns the GitHub login linked to a user, and false when the
// user has linked no GitHub identity. id is [Me] or, for staff, a user's
// UUID. Needs scope user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation GET /api/users/{uuid}/github_login/
func (s *UsersService) GitHubLogin(ctx context.Context, id string, reqOpts ...RequestOption) (login string, linked bool, err error) {
	resp, err := fetch[struct {
		GitHubLogin *string `json:"github_login"`
	}](ctx, s.client, request{op: opUsersGitHubLogin, user: id}, reqOpts...)
	if err != nil || resp.GitHubLogin == nil || *resp.GitHubLogin == "" {
		return "", false, err
	}
	return *resp.GitHubLogin, true, nil
}

// HedgehogConfig returns a user's hedgehog configuration, the free-form JSON
// object PostHog's app stores for its hedgehog mascot; "{}" when none is
// stored. id is [Me] or, for staff, a user's UUID. Needs scope user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-uuid-hedgehog_config
//
//meta:operation GET /api/users/{uuid}/hedgehog_config/
func (s *UsersService) HedgehogConfig(ctx context.Context, id string, reqOpts ...RequestOption) (json.RawMessage, error) {
	cfg, err := fetch[json.RawMessage](ctx, s.client, request{op: opUsersHedgehogConfig, user: id}, reqOpts...)
	if err != nil {
		return nil, err
	}
	return *cfg, nil
}

// ReplaceHedgehogConfig stores config as a user's hedgehog configuration and
// returns what PostHog stored. Although PostHog exposes it as PATCH, it
// REPLACES the whole configuration: keys not in config are dropped. To change
// some keys and keep the others, use [UsersService.MergeHedgehogConfig].
// config must encode to a JSON object (a map, a struct or a
// [json.RawMessage]). Needs scope user:write.
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users#patch-api-users-uuid-hedgehog_config
//
//meta:operation PATCH /api/users/{uuid}/hedgehog_config/
func (s *UsersService) ReplaceHedgehogConfig(ctx context.Context, id string, config any, reqOpts ...RequestOption) (json.RawMessage, error) {
	body, err := jsonObject("config", config)
	if err != nil {
		return nil, err
	}
	stored, err := fetch[json.RawMessage](ctx, s.client, request{op: opUsersUpdateHedgehogConfig, user: id, body: body}, reqOpts...)
	if err != nil {
		return nil, err
	}
	return *stored, nil
}

// MergeHedgehogConfig changes some keys of a user's hedgehog configuration
// and keeps the others: it reads the configuration, applies patch to it as a
// JSON merge patch (RFC 7396: a key set to null is removed, nested objects
// are merged, anything else replaces) and stores the result with
// [UsersService.ReplaceHedgehogConfig]. It is a read-modify-write of two
// requests, not atomic: a change made by someone else between the two is
// lost. patch must encode to a JSON object. Needs scope user:write.
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
//meta:operation GET /api/users/{uuid}/hedgehog_config/
//meta:operation PATCH /api/users/{uuid}/hedgehog_config/
func (s *UsersService) MergeHedgehogConfig(ctx context.Context, id string, patch any, reqOpts ...RequestOption) (json.RawMessage, error) {
	if _, err := userID(id); err != nil {
		return nil, err
	}
	p, err := jsonObject("patch", patch)
	if err != nil {
		return nil, err
	}
	current, err := s.HedgehogConfig(ctx, id, reqOpts...)
	if err != nil {
		return nil, err
	}
	merged, err := mergePatch(current, p)
	if err != nil {
		return nil, fmt.Errorf("posthogusers: merging hedgehog config: %w", err)
	}
	return s.ReplaceHedgehogConfig(ctx, id, merged, reqOpts...)
}

// MarkProductIntroSeen records whether a user has seen the introduction of
// one of PostHog's products (seen false shows it again) and returns the
// user's whole has_seen_product_intro_for map. productKey is any non-empty
// string of at most 128 characters; PostHog tracks at most 100 of them per
// user (400 after that). id is [Me] or, for staff, a user's UUID. Needs scope
// user:write.
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation PATCH /api/users/{uuid}/product_intro_seen/
func (s *UsersService) MarkProductIntroSeen(ctx context.Context, id, productKey string, seen bool, reqOpts ...RequestOption) (map[string]bool, error) {
	if err := checkText("productKey", productKey, 128); err != nil {
		return nil, err
	}
	body := struct {
		ProductKey string `json:"product_key"`
		Seen       bool   `json:"seen"`
	}{productKey, seen}
	seenFor, err := fetch[map[string]bool](ctx, s.client, request{op: opUsersProductIntroSeen, user: id, body: body}, reqOpts...)
	if err != nil {
		return nil, err
	}
	return *seenFor, nil
}

// SetScenePersonalisation makes dashboard the one PostHog shows for scene (a
// page of PostHog's app, such as "ProjectHomepage") in the user's current
// project, and returns the user. The dashboard must belong to that project.
// PostHog refuses API keys and OAuth tokens here, whatever their scopes (a
// [*SessionRequiredError]); it needs a logged-in session ([WithSession]).
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users#post-api-users-uuid-scene_personalisation
//
//meta:operation POST /api/users/{uuid}/scene_personalisation/
func (s *UsersService) SetScenePersonalisation(ctx context.Context, id, scene string, dashboard int64, reqOpts ...RequestOption) (*User, error) {
	if err := checkText("scene", scene, 200); err != nil {
		return nil, err
	}
	if dashboard <= 0 {
		return nil, &InputError{Arg: "dashboard", Reason: fmt.Sprintf("%d is not a dashboard ID", dashboard)}
	}
	body := struct {
		Scene     string `json:"scene"`
		Dashboard int64  `json:"dashboard"`
	}{scene, dashboard}
	return fetch[User](ctx, s.client, request{op: opUsersScenePersonalisation, user: id, body: body}, reqOpts...)
}

// CancelEmailChange cancels the caller's pending email change (the address
// waiting for verification in [User.PendingEmail]) and returns the user.
// Without a pending change PostHog answers 400 with code
// "email_change_request_not_found". PostHog refuses API keys and OAuth tokens
// here (a [*SessionRequiredError]); it needs a logged-in session
// ([WithSession]).
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users#patch-api-users-cancel_email_change_request
//
//meta:operation PATCH /api/users/cancel_email_change_request/
func (s *UsersService) CancelEmailChange(ctx context.Context, reqOpts ...RequestOption) (*User, error) {
	return fetch[User](ctx, s.client, request{op: opUsersCancelEmailChange}, reqOpts...)
}

// VerifyEmailResult is PostHog's answer to a successful email verification:
// what the user must do next to be logged in, if anything.
type VerifyEmailResult struct {
	// Success is true when the code was accepted.
	Success bool `json:"success"`
	// RequiresLogin, Requires2FA and RequiresSSO hold PostHog's value for
	// the next step it asks for, as sent (its type is not documented); nil
	// when PostHog did not ask for it.
	RequiresLogin json.RawMessage `json:"requires_login,omitempty"`
	Requires2FA   json.RawMessage `json:"requires_2fa,omitempty"`
	RequiresSSO   json.RawMessage `json:"requires_sso,omitempty"`
}

// VerifyEmail checks the 6-digit code PostHog emailed to a user (userUUID) to
// verify their address. It needs no authentication and sends none. The code
// is sent once and never retried after it may have reached PostHog, since
// every attempt counts against the user's tries. PostHog answers 400 with
// code "invalid_code", "too_many_attempts" or "email_taken".
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users#post-api-users-verify_email
//
//meta:operation POST /api/users/verify_email/
func (s *UsersService) VerifyEmail(ctx context.Context, userUUID uuid.UUID, code string, reqOpts ...RequestOption) (*VerifyEmailResult, error) {
	if userUUID == uuid.Nil {
		return nil, &InputError{Arg: "userUUID", Reason: "is the nil UUID"}
	}
	if strings.TrimSpace(code) == "" {
		return nil, &InputError{Arg: "code", Reason: "is empty"}
	}
	body := struct {
		UUID string `json:"uuid"`
		Code string `json:"code"`
	}{userUUID.String(), code}
	return fetch[VerifyEmailResult](ctx, s.client, request{op: opUsersVerifyEmail, body: body}, reqOpts...)
}

// RequestEmailVerification asks PostHog to email a user (userUUID) a new
// verification code. It needs no authentication and sends none. PostHog
// answers success even for an unknown UUID, allows 6 requests a day per user,
// and answers 400 with code "email_not_available" (the instance cannot send
// email) or "already_verified".
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users#post-api-users-request_email_verification
//
//meta:operation POST /api/users/request_email_verification/
func (s *UsersService) RequestEmailVerification(ctx context.Context, userUUID uuid.UUID, reqOpts ...RequestOption) error {
	if userUUID == uuid.Nil {
		return &InputError{Arg: "userUUID", Reason: "is the nil UUID"}
	}
	body := struct {
		UUID string `json:"uuid"`
	}{userUUID.String()}
	return s.client.do(ctx, request{op: opUsersRequestEmailVerification, body: body}, nil, reqOpts...)
}

// OnboardingSkipReason is a reason a user can give for skipping onboarding
// with [UsersService.SkipOnboarding].
type OnboardingSkipReason string

// The reasons [UsersService.SkipOnboarding] accepts.
const (
	SkipOnboardingLater OnboardingSkipReason = "later"
	SkipOnboardingOther OnboardingSkipReason = "other"
)

// SkipOnboarding records that the user skipped PostHog's onboarding, with a
// reason and, optionally, the step they were at (at most 64 characters), and
// returns the user. PostHog refuses API keys and OAuth tokens here (a
// [*SessionRequiredError]); it needs a logged-in session ([WithSession]).
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation POST /api/users/{uuid}/onboarding/skip/
func (s *UsersService) SkipOnboarding(ctx context.Context, id string, reason OnboardingSkipReason, stepAtSkip string, reqOpts ...RequestOption) (*User, error) {
	if reason != SkipOnboardingLater && reason != SkipOnboardingOther {
		return nil, &InputError{Arg: "reason", Reason: fmt.Sprintf("%s is not %q or %q", describeArg(string(reason)), SkipOnboardingLater, SkipOnboardingOther)}
	}
	if n := utf8.RuneCountInString(stepAtSkip); n > 64 {
		return nil, &InputError{Arg: "stepAtSkip", Reason: fmt.Sprintf("has %d characters; PostHog takes at most 64", n)}
	}
	body := struct {
		Reason     OnboardingSkipReason `json:"reason"`
		StepAtSkip string               `json:"step_at_skip,omitempty"`
	}{reason, stepAtSkip}
	return fetch[User](ctx, s.client, request{op: opUsersSkipOnboarding, user: id, body: body}, reqOpts...)
}

// OpaqueID is an identifier PostHog sends without documenting its type, as a
// JSON string or number; it is kept as the text PostHog sent.
type OpaqueID string

// UnmarshalJSON accepts a JSON string or number.
func (id *OpaqueID) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*id = OpaqueID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("posthogusers: an ID must be a JSON string or number, not %.40s", data)
	}
	*id = OpaqueID(n)
	return nil
}

// LoginSession is one place the user is logged in to PostHog.
type LoginSession struct {
	// ID identifies the session for [UsersService.RevokeLoginSession].
	ID OpaqueID `json:"id"`
	// CreatedAt is when the user logged in.
	CreatedAt time.Time `json:"created_at"`
	// LastActivity is when the session was last used, or nil.
	LastActivity *time.Time `json:"last_activity"`
	// Location and Device describe where the session is, as PostHog
	// guessed them; "" when unknown.
	Location string `json:"location"`
	Device   string `json:"device"`
	// LoginMethod is how the user logged in, such as a password or SSO.
	LoginMethod string `json:"login_method"`
	// IsCurrent is true for the session making the request.
	IsCurrent bool `json:"is_current"`
}

// LoginSessions lists the places the user is logged in to PostHog. PostHog
// only accepts session authentication here ([WithSession]): with an API key
// it answers 401, returned as a [*SessionRequiredError].
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation GET /api/users/{uuid}/login_sessions/
func (s *UsersService) LoginSessions(ctx context.Context, id string, reqOpts ...RequestOption) ([]LoginSession, error) {
	sessions, err := fetch[[]LoginSession](ctx, s.client, request{op: opUsersLoginSessions, user: id}, reqOpts...)
	if err != nil {
		return nil, err
	}
	return *sessions, nil
}

// RevokeLoginSession logs one of the user's sessions out (sessionID is a
// [LoginSession.ID]); an unknown one gives [ErrNotFound]. Session
// authentication only, as for [UsersService.LoginSessions].
//
// When a retry finds nothing to delete after an earlier attempt may have
// reached PostHog, the earlier attempt deleted it and the call returns nil.
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation DELETE /api/users/{uuid}/login_sessions/{session_id}/
func (s *UsersService) RevokeLoginSession(ctx context.Context, id string, sessionID OpaqueID, reqOpts ...RequestOption) error {
	if strings.TrimSpace(string(sessionID)) == "" {
		return &InputError{Arg: "sessionID", Reason: "is empty"}
	}
	return s.client.do(ctx, request{op: opUsersRevokeLoginSession, user: id, params: []string{string(sessionID)}}, nil, reqOpts...)
}

// RevokeOtherLoginSessions logs out every session of the user but the one
// making the request and returns how many it logged out. Session
// authentication only, as for [UsersService.LoginSessions].
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation POST /api/users/{uuid}/login_sessions/revoke_others/
func (s *UsersService) RevokeOtherLoginSessions(ctx context.Context, id string, reqOpts ...RequestOption) (revoked int, err error) {
	resp, err := fetch[struct {
		RevokedCount int `json:"revoked_count"`
	}](ctx, s.client, request{op: opUsersRevokeOtherLoginSessions, user: id}, reqOpts...)
	if err != nil {
		return 0, err
	}
	return resp.RevokedCount, nil
}

// CompleteCredentialsReview records that the user has reviewed their
// credentials, which PostHog asks for when [User.RequiresCredentialReview]
// is true. Session authentication only, as for [UsersService.LoginSessions].
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation POST /api/users/{uuid}/credentials_review_complete/
func (s *UsersService) CompleteCredentialsReview(ctx context.Context, id string, reqOpts ...RequestOption) error {
	return s.client.do(ctx, request{op: opUsersCompleteCredentialsReview, user: id}, nil, reqOpts...)
}

// PushPlatform is a platform push notifications are sent to.
type PushPlatform string

// The push platforms.
const (
	PushPlatformIOS     PushPlatform = "ios"
	PushPlatformAndroid PushPlatform = "android"
	PushPlatformWeb     PushPlatform = "web"
)

// PushToken is a registered push notification token.
type PushToken struct {
	// ID identifies the registration.
	ID OpaqueID `json:"id"`
	// Platform is the platform the token is for.
	Platform PushPlatform `json:"platform"`
	// CreatedAt is when the token was first registered.
	CreatedAt time.Time `json:"created_at"`
	// LastSeenAt is when the token was last registered again, or nil.
	LastSeenAt *time.Time `json:"last_seen_at"`
}

// RegisterPushToken registers a device's push notification token for the
// caller, so that PostHog's mobile app gets notifications; registering it
// again only refreshes it. PostHog keeps 20 tokens per user and drops the
// oldest. It only works for the caller (PostHog refuses any path but @me).
// token is at most 512 characters. Needs scope user:write.
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation POST /api/users/@me/push_tokens/
func (s *UsersService) RegisterPushToken(ctx context.Context, token string, platform PushPlatform, reqOpts ...RequestOption) (*PushToken, error) {
	if err := checkPushToken(token); err != nil {
		return nil, err
	}
	switch platform {
	case PushPlatformIOS, PushPlatformAndroid, PushPlatformWeb:
	default:
		return nil, &InputError{Arg: "platform", Reason: describeArg(string(platform)) + " is not ios, android or web"}
	}
	body := struct {
		Token    string       `json:"token"`
		Platform PushPlatform `json:"platform"`
	}{token, platform}
	return fetch[PushToken](ctx, s.client, request{op: opUsersRegisterPushToken, body: body}, reqOpts...)
}

// UnregisterPushToken stops push notifications to a token of the caller's.
// PostHog answers success whether or not the token was registered. Needs
// scope user:write.
//
// An error matching [ErrOutcomeUnknown] means that the change may have
// been made: read the state back before repeating it.
//
// PostHog API docs: https://posthog.com/docs/api/users
//
//meta:operation POST /api/users/@me/push_tokens/unregister/
func (s *UsersService) UnregisterPushToken(ctx context.Context, token string, reqOpts ...RequestOption) error {
	if err := checkPushToken(token); err != nil {
		return err
	}
	body := struct {
		Token string `json:"token"`
	}{token}
	return s.client.do(ctx, request{op: opUsersUnregisterPushToken, body: body}, nil, reqOpts...)
}

func checkPushToken(token string) error { return checkText("token", token, 512) }

// checkText checks a required string argument that PostHog limits to
// maxChars characters.
func checkText(arg, s string, maxChars int) error {
	if strings.TrimSpace(s) == "" {
		return &InputError{Arg: arg, Reason: "is empty"}
	}
	if n := utf8.RuneCountInString(s); n > maxChars {
		return &InputError{Arg: arg, Reason: fmt.Sprintf("has %d characters; PostHog takes at most %d", n, maxChars)}
	}
	return nil
}

// Raw returns the JSON object the user was decoded from, with every field
// PostHog sent, or nil for a User that was not decoded from JSON.
func (u *User) Raw() json.RawMessage { return u.raw }

// UnknownFields returns the fields of the JSON object the user was decoded
// from that User has no field for: what PostHog added after this version of
// the SDK. It returns nil when there are none.
func (u *User) UnknownFields() map[string]json.RawMessage {
	return unknownFields(u.raw, reflect.TypeFor[User]())
}

// UnmarshalJSON decodes a user and keeps a copy of the JSON object for
// [User.Raw]. Session times in a format it cannot read are left nil rather
// than failing the whole user.
func (u *User) UnmarshalJSON(data []byte) error {
	type plain User // without methods, so decoding does not recurse
	aux := struct {
		*plain
		IsImpersonatedUntil       *string `json:"is_impersonated_until"`
		SensitiveSessionExpiresAt *string `json:"sensitive_session_expires_at"`
		FreshReauthExpiresAt      *string `json:"fresh_reauth_expires_at"`
	}{plain: (*plain)(u)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	u.IsImpersonatedUntil = parseLooseTime(aux.IsImpersonatedUntil)
	u.SensitiveSessionExpiresAt = parseLooseTime(aux.SensitiveSessionExpiresAt)
	u.FreshReauthExpiresAt = parseLooseTime(aux.FreshReauthExpiresAt)
	u.raw = append(json.RawMessage(nil), data...)
	return nil
}

// validate checks options before a request is built.
func (o *ListUsersOptions) validate() error {
	if o == nil {
		return nil
	}
	if o.Limit < 0 {
		return &InputError{Arg: "Limit", Reason: fmt.Sprintf("%d is negative", o.Limit)}
	}
	if o.Offset < 0 {
		return &InputError{Arg: "Offset", Reason: fmt.Sprintf("%d is negative", o.Offset)}
	}
	return nil
}

// validate checks a PUT body: both required fields, then the rest as for
// PATCH.
func (r *ReplaceUserRequest) validate() error {
	if strings.TrimSpace(r.Email) == "" {
		return &InputError{Arg: "Email", Reason: "is required by PUT"}
	}
	if r.Password == "" {
		return &InputError{Arg: "Password", Reason: "is required by PUT"}
	}
	u := r.UpdateUserRequest
	u.Email, u.Password = &r.Email, &r.Password
	return u.validate()
}

// validate checks what PostHog's serializer would refuse for its shape, so
// that a malformed body is never sent.
func (r *UpdateUserRequest) validate() error {
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{
		{"FirstName", r.FirstName, 150},
		{"LastName", r.LastName, 150},
		{"Email", r.Email, 254},
		{"Password", r.Password, 128},
	} {
		if f.value != nil && utf8.RuneCountInString(*f.value) > f.max {
			return &InputError{Arg: f.name, Reason: fmt.Sprintf("is longer than %d characters", f.max)}
		}
	}
	if r.Email != nil && !strings.Contains(*r.Email, "@") {
		return &InputError{Arg: "Email", Reason: "is not an email address"}
	}
	if r.RoleAtOrganization != nil && *r.RoleAtOrganization == "" {
		return &InputError{Arg: "RoleAtOrganization", Reason: "cannot be empty; PostHog does not let the role be cleared"}
	}
	if r.EventsColumnConfig != nil && !json.Valid(r.EventsColumnConfig) {
		return &InputError{Arg: "EventsColumnConfig", Reason: "is not valid JSON"}
	}
	for _, f := range []struct {
		name  string
		value Nullable[json.RawMessage]
	}{
		{"HedgehogConfig", r.HedgehogConfig},
		{"UIConfiguration", r.UIConfiguration},
	} {
		if v, ok := f.value.Get(); ok && !json.Valid(v) {
			return &InputError{Arg: f.name, Reason: "is not valid JSON"}
		}
	}
	return nil
}

// parseLooseTime reads the ISO 8601 times PostHog computes for session
// fields, with or without a zone (UTC when none); nil for null or anything
// unreadable.
func parseLooseTime(s *string) *time.Time {
	if s == nil {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, *s); err == nil {
			return &t
		}
	}
	return nil
}

// unknownFields returns the members of the JSON object raw that have no
// field in struct type t.
func unknownFields(raw json.RawMessage, t reflect.Type) map[string]json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(raw, &all) != nil {
		return nil
	}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		delete(all, name)
	}
	if len(all) == 0 {
		return nil
	}
	return all
}

// jsonObject encodes v and checks that it is a JSON object, for request
// bodies that PostHog stores as one. arg names the argument in errors.
func jsonObject(arg string, v any) (json.RawMessage, error) {
	var b []byte
	switch v := v.(type) {
	case json.RawMessage:
		b = v
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, &InputError{Arg: arg, Reason: fmt.Sprintf("does not encode to JSON: %v", err)}
		}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		return nil, &InputError{Arg: arg, Reason: "is not a JSON object"}
	}
	return b, nil
}

// mergePatch applies patch to target as an RFC 7396 JSON merge patch. Both
// are JSON values; a target that is not an object is replaced by an empty
// one first, as the RFC says.
func mergePatch(target, patch json.RawMessage) (json.RawMessage, error) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil || p == nil {
		// Not an object: the patch replaces the target.
		return patch, nil
	}
	var t map[string]json.RawMessage
	if json.Unmarshal(target, &t) != nil || t == nil {
		t = map[string]json.RawMessage{}
	}
	for k, v := range p {
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			delete(t, k)
			continue
		}
		merged, err := mergePatch(t[k], v)
		if err != nil {
			return nil, err
		}
		t[k] = merged
	}
	return json.Marshal(t)
}
