package posthogtest

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// timeLayout is how Django REST framework writes datetimes.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// userJSON is a user as PostHog's UserSerializer writes it.
type userJSON struct {
	DateJoined                 string              `json:"date_joined"`
	UUID                       uuid.UUID           `json:"uuid"`
	DistinctID                 string              `json:"distinct_id"`
	FirstName                  string              `json:"first_name"`
	LastName                   string              `json:"last_name"`
	Email                      string              `json:"email"`
	PendingEmail               *string             `json:"pending_email"`
	IsEmailVerified            bool                `json:"is_email_verified"`
	NotificationSettings       map[string]any      `json:"notification_settings"`
	NotificationLocks          []any               `json:"notification_locks"`
	AnonymizeData              *bool               `json:"anonymize_data"`
	AllowImpersonation         *bool               `json:"allow_impersonation"`
	ToolbarMode                *string             `json:"toolbar_mode"`
	HasPassword                bool                `json:"has_password"`
	ID                         int64               `json:"id"`
	IsStaff                    bool                `json:"is_staff"`
	IsImpersonated             bool                `json:"is_impersonated"`
	IsImpersonatedUntil        *string             `json:"is_impersonated_until"`
	IsImpersonatedReadOnly     *bool               `json:"is_impersonated_read_only"`
	IsImpersonatedReason       *string             `json:"is_impersonated_reason"`
	SensitiveSessionExpiresAt  *string             `json:"sensitive_session_expires_at"`
	FreshReauthExpiresAt       *string             `json:"fresh_reauth_expires_at"`
	Team                       *teamJSON           `json:"team"`
	Organization               *organizationJSON   `json:"organization"`
	Organizations              []organizationBasic `json:"organizations"`
	EventsColumnConfig         json.RawMessage     `json:"events_column_config"`
	Is2FAEnabled               bool                `json:"is_2fa_enabled"`
	HasSocialAuth              bool                `json:"has_social_auth"`
	HasSSOEnforcement          bool                `json:"has_sso_enforcement"`
	HasSeenProductIntroFor     map[string]bool     `json:"has_seen_product_intro_for"`
	ScenePersonalisation       []sceneChoice       `json:"scene_personalisation"`
	ThemeMode                  *string             `json:"theme_mode"`
	HedgehogConfig             json.RawMessage     `json:"hedgehog_config"`
	AllowSidebarSuggestions    *bool               `json:"allow_sidebar_suggestions"`
	ShortcutPosition           string              `json:"shortcut_position"`
	RoleAtOrganization         *string             `json:"role_at_organization,omitempty"`
	PasskeysEnabledFor2FA      *bool               `json:"passkeys_enabled_for_2fa"`
	HideMCPHints               bool                `json:"hide_mcp_hints"`
	UIConfiguration            json.RawMessage     `json:"ui_configuration"`
	OnboardingSkippedAt        *string             `json:"onboarding_skipped_at"`
	OnboardingSkippedReason    *string             `json:"onboarding_skipped_reason"`
	OnboardingSkippedOrgID     *string             `json:"onboarding_skipped_organization_id"`
	OnboardingDelegatedInvite  *string             `json:"onboarding_delegated_to_invite"`
	OnboardingDelegatedOrgID   *string             `json:"onboarding_delegated_to_organization_id"`
	OnboardingDelegationAccept *string             `json:"onboarding_delegation_accepted_at"`
	IsOrganizationFirstUser    *bool               `json:"is_organization_first_user"`
	ActiveRealtimeTypes        []string            `json:"active_realtime_notification_types"`
	PendingInvites             []any               `json:"pending_invites"`
	RequiresCredentialReview   bool                `json:"requires_credential_review"`
}

// teamJSON is a user's current project as PostHog's user serializer
// writes it (team).
type teamJSON struct {
	ID                         int64     `json:"id"`
	UUID                       uuid.UUID `json:"uuid"`
	Organization               uuid.UUID `json:"organization"`
	ProjectID                  int64     `json:"project_id"`
	APIToken                   string    `json:"api_token"`
	Name                       string    `json:"name"`
	CompletedSnippetOnboarding bool      `json:"completed_snippet_onboarding"`
	HasCompletedOnboardingFor  any       `json:"has_completed_onboarding_for"`
	IngestedEvent              bool      `json:"ingested_event"`
	IsDemo                     bool      `json:"is_demo"`
	Timezone                   string    `json:"timezone"`
	AccessControl              bool      `json:"access_control"`
}

// organizationBasic is an item of a user's organizations list, as
// PostHog's OrganizationBasicSerializer writes it.
type organizationBasic struct {
	ID                           uuid.UUID `json:"id"`
	Name                         string    `json:"name"`
	Slug                         string    `json:"slug"`
	LogoMediaID                  *string   `json:"logo_media_id"`
	MembershipLevel              int       `json:"membership_level"`
	MembersCanUsePersonalAPIKeys bool      `json:"members_can_use_personal_api_keys"`
	IsActive                     bool      `json:"is_active"`
	IsNotActiveReason            *string   `json:"is_not_active_reason"`
	IsPendingDeletion            bool      `json:"is_pending_deletion"`
}

// organizationJSON is a user's current organization as PostHog's
// OrganizationSerializer writes it.
type organizationJSON struct {
	ID                           uuid.UUID         `json:"id"`
	Name                         string            `json:"name"`
	Slug                         string            `json:"slug"`
	LogoMediaID                  *string           `json:"logo_media_id"`
	CreatedAt                    string            `json:"created_at"`
	UpdatedAt                    string            `json:"updated_at"`
	MembershipLevel              int               `json:"membership_level"`
	PluginsAccessLevel           int               `json:"plugins_access_level"`
	Teams                        []map[string]any  `json:"teams"`
	Projects                     []map[string]any  `json:"projects"`
	AvailableProductFeatures     []any             `json:"available_product_features"`
	IsMemberJoinEmailEnabled     bool              `json:"is_member_join_email_enabled"`
	Metadata                     map[string]string `json:"metadata"`
	CustomerID                   *string           `json:"customer_id"`
	Enforce2FA                   *bool             `json:"enforce_2fa"`
	MembersCanInvite             bool              `json:"members_can_invite"`
	MembersCanUsePersonalAPIKeys bool              `json:"members_can_use_personal_api_keys"`
	AllowPubliclySharedResources bool              `json:"allow_publicly_shared_resources"`
	MemberCount                  int               `json:"member_count"`
	IsAIDataProcessingApproved   bool              `json:"is_ai_data_processing_approved"`
	DefaultExperimentStatsMethod string            `json:"default_experiment_stats_method"`
	DefaultAnonymizeIPs          bool              `json:"default_anonymize_ips"`
	DefaultRoleID                *string           `json:"default_role_id"`
	IsActive                     bool              `json:"is_active"`
	IsNotActiveReason            *string           `json:"is_not_active_reason"`
	IsPendingDeletion            bool              `json:"is_pending_deletion"`
}

// serializeUser writes u as PostHog does for requester: some fields are
// only filled in for the requester's own user.
func (x *exchange) serializeUser(u *user) *userJSON {
	self := x.auth != nil && x.auth.user.id == u.id
	out := &userJSON{
		DateJoined:              u.dateJoined.UTC().Format(timeLayout),
		UUID:                    u.uuid,
		DistinctID:              u.distinctID,
		FirstName:               u.firstName,
		LastName:                u.lastName,
		Email:                   u.email,
		IsEmailVerified:         u.verified,
		NotificationSettings:    u.notifications,
		NotificationLocks:       []any{},
		AnonymizeData:           u.anonymizeData,
		AllowImpersonation:      u.allowImpersonation,
		ToolbarMode:             u.toolbarMode,
		HasPassword:             u.password != "",
		ID:                      u.id,
		IsStaff:                 u.isStaff,
		Organizations:           []organizationBasic{},
		EventsColumnConfig:      u.eventsColumnConfig,
		Is2FAEnabled:            u.totpSecret != "",
		HasSeenProductIntroFor:  u.productIntros,
		ScenePersonalisation:    []sceneChoice{},
		ThemeMode:               u.themeMode,
		HedgehogConfig:          u.hedgehog,
		AllowSidebarSuggestions: u.allowSidebarSuggest,
		ShortcutPosition:        "above", // PostHog writes a stored null as "above"
		RoleAtOrganization:      u.roleAtOrganization,
		PasskeysEnabledFor2FA:   u.passkeysFor2FA,
		HideMCPHints:            u.hideMCPHints,
		UIConfiguration:         u.uiConfiguration,
		ActiveRealtimeTypes:     []string{},
		PendingInvites:          []any{},
	}
	if u.pendingEmail != "" {
		out.PendingEmail = &u.pendingEmail
	}
	if u.shortcutPosition != nil {
		out.ShortcutPosition = *u.shortcutPosition
	}
	if len(out.HedgehogConfig) == 0 {
		out.HedgehogConfig = json.RawMessage("null")
	}
	if len(out.UIConfiguration) == 0 {
		out.UIConfiguration = json.RawMessage("null")
	}
	if u.onboardingSkippedAt != nil {
		at := u.onboardingSkippedAt.UTC().Format(timeLayout)
		out.OnboardingSkippedAt, out.OnboardingSkippedReason = &at, &u.onboardingSkipReason
		if org := u.currentOrg(); org != nil {
			id := org.id.String()
			out.OnboardingSkippedOrgID = &id
		}
	}
	if self {
		first := len(u.memberships) > 0 && u.memberships[0].level == 15
		out.IsOrganizationFirstUser = &first
	}
	for _, sc := range u.scenes {
		if u.currentTeam != nil && sc.team == u.currentTeam.id {
			out.ScenePersonalisation = append(out.ScenePersonalisation, sc)
		}
	}
	for _, m := range u.memberships {
		out.Organizations = append(out.Organizations, organizationBasic{
			ID: m.org.id, Name: m.org.name, Slug: m.org.slug, MembershipLevel: m.level,
			MembersCanUsePersonalAPIKeys: true, IsActive: true,
		})
	}
	if t := u.currentTeam; t != nil {
		out.Team = &teamJSON{
			ID: t.id, UUID: t.uuid, Organization: t.org.id, ProjectID: t.id, APIToken: t.apiToken, Name: t.name,
			CompletedSnippetOnboarding: true, HasCompletedOnboardingFor: map[string]any{}, IngestedEvent: true,
			Timezone: "UTC",
		}
		out.Organization = x.serializeOrganization(t.org, u)
	}
	return out
}

// serializeOrganization writes an organization as seen by u. Users of one
// organization at one level share the result within an answer, so that a
// page of users builds it once.
func (x *exchange) serializeOrganization(o *organization, u *user) *organizationJSON {
	level := 1
	if m := u.memberOf(o); m != nil {
		level = m.level
	}
	key := membership{org: o, level: level}
	if out, ok := x.orgJSON[key]; ok {
		return out
	}
	out := &organizationJSON{
		ID: o.id, Name: o.name, Slug: o.slug,
		CreatedAt: o.createdAt.UTC().Format(timeLayout), UpdatedAt: o.createdAt.UTC().Format(timeLayout),
		MembershipLevel: level, PluginsAccessLevel: 9,
		Teams: []map[string]any{}, Projects: []map[string]any{}, AvailableProductFeatures: []any{},
		IsMemberJoinEmailEnabled: true, Metadata: map[string]string{},
		MembersCanInvite: true, MembersCanUsePersonalAPIKeys: true, AllowPubliclySharedResources: true,
		MemberCount: 1, DefaultExperimentStatsMethod: "bayesian", IsActive: true,
	}
	for _, t := range o.teams {
		out.Teams = append(out.Teams, map[string]any{"id": t.id, "name": t.name})
		out.Projects = append(out.Projects, map[string]any{"id": t.id, "name": t.name})
	}
	if x.orgJSON == nil {
		x.orgJSON = map[membership]*organizationJSON{}
	}
	x.orgJSON[key] = out
	return out
}

// formatTime writes t as DRF does.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// itoa writes n in base 10.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
