package posthogusers

import (
	"fmt"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// User is a PostHog user as the users API returns it.
//
// Fields PostHog adds after this version of the SDK are not lost:
// [User.UnknownFields] returns the members this type does not know. To keep
// users as PostHog's JSON, unchanged, scan them with [UserScan.Raw].
//
// # JSON
//
// A User decoded from PostHog's JSON encodes back to that JSON: the members
// PostHog sent and no others, null where it sent null (PendingEmail reads
// "" for null and encodes as null), timestamps in the text PostHog wrote
// them in, and the members User has no field for. The types a User holds
// (Team, Organization, OrganizationBasic, PendingInvite, NotificationLock,
// ScenePersonalisation) do the same, each with its own members. A field
// changed after decoding encodes as it is now; a User built in Go encodes
// every field, a nil list or map as empty. What differs only in form may be
// written another way: a UUID in lowercase, a string's escapes, the numbers
// of free-form fields (NotificationSettings, Organization.Teams) as
// float64s. encoding/json gives the same JSON, through MarshalJSON and
// UnmarshalJSON.
//
// Decoding records this in unexported fields: compare these types by their
// exported fields (go-cmp's cmpopts.IgnoreUnexported) or as JSON. Values of
// the comparable ones decoded from the same JSON are equal with ==, but not
// to a value built in Go with the same fields.
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
	EventsColumnConfig jsontext.Value `json:"events_column_config"`
	// HedgehogConfig is free-form JSON, or null.
	HedgehogConfig jsontext.Value `json:"hedgehog_config"`
	// UIConfiguration is free-form JSON (PostHog's UserUIConfiguration), or
	// null.
	UIConfiguration jsontext.Value `json:"ui_configuration"`

	IsImpersonated         bool   `json:"is_impersonated"`
	IsImpersonatedReadOnly bool   `json:"is_impersonated_read_only"`
	IsImpersonatedReason   string `json:"is_impersonated_reason"`
	// IsImpersonatedUntil, SensitiveSessionExpiresAt and FreshReauthExpiresAt
	// describe the session of a session-authenticated caller; they are nil
	// for API keys, and nil when PostHog sends a time this SDK cannot read.
	IsImpersonatedUntil       *time.Time `json:"is_impersonated_until"`
	SensitiveSessionExpiresAt *time.Time `json:"sensitive_session_expires_at"`
	FreshReauthExpiresAt      *time.Time `json:"fresh_reauth_expires_at"`

	OnboardingSkippedAt                 *time.Time              `json:"onboarding_skipped_at"`
	OnboardingSkippedReason             OnboardingSkippedReason `json:"onboarding_skipped_reason"`
	OnboardingSkippedOrganizationID     *uuid.UUID              `json:"onboarding_skipped_organization_id"`
	OnboardingDelegatedToInvite         *uuid.UUID              `json:"onboarding_delegated_to_invite"`
	OnboardingDelegatedToOrganizationID *uuid.UUID              `json:"onboarding_delegated_to_organization_id"`
	OnboardingDelegationAcceptedAt      *time.Time              `json:"onboarding_delegation_accepted_at"`

	sent asSent // how PostHog sent the user, when it was decoded
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

	sent asSent
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

	sent asSent
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

	sent asSent
}

// PendingInvite is an invitation to an organization waiting for the user.
type PendingInvite struct {
	ID               string    `json:"id"`
	TargetEmail      string    `json:"target_email"`
	OrganizationID   string    `json:"organization_id"`
	OrganizationName string    `json:"organization_name"`
	CreatedAt        time.Time `json:"created_at"`

	sent asSent
}

// ScenePersonalisation is a dashboard the user chose for a scene of PostHog's
// app.
type ScenePersonalisation struct {
	Scene string `json:"scene"`
	// Dashboard is the dashboard's ID, nil when none.
	Dashboard *int64 `json:"dashboard"`

	sent asSent
}

// NotificationLock is a notification setting an organization admin enforces
// on the user.
type NotificationLock struct {
	// Setting is the notification setting the lock enforces.
	Setting string `json:"setting"`
	// ScopeID is what the setting applies to (a project, pipeline or
	// organization ID), or "" for a plain switch. PostHog sends it as a
	// string or a number.
	ScopeID OpaqueID `json:"scope_id"`
	// LockedValue is the value the organization enforces.
	LockedValue bool `json:"locked_value"`
	// AppliesToAllMembers reports whether the lock covers every member.
	AppliesToAllMembers bool `json:"applies_to_all_members"`

	sent asSent
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

// OpaqueID is an identifier PostHog sends without documenting its type, as a
// JSON string or number; it is kept as the text PostHog sent.
type OpaqueID string

// UnmarshalJSONFrom accepts a JSON string or number; null reads as "".
func (id *OpaqueID) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case jsontext.KindString, jsontext.KindNumber:
		*id = OpaqueID(tok.String())
	case jsontext.KindNull:
		*id = ""
	default:
		return fmt.Errorf("an ID must be a JSON string or number, not %v", tok.Kind())
	}
	return nil
}

// UnknownFields returns the members of the JSON object the user was decoded
// from that User has no field for: what PostHog added after this version of
// the SDK. It returns nil when there are none.
func (u *User) UnknownFields() map[string]jsontext.Value {
	return unknownMembers(jsontext.Value(u.sent.unknown))
}
