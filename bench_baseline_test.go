package posthogusers

// The baseline of the benchmarks in bench_test.go: what a program without
// the SDK would write to list every user, with net/http and the standard
// library's encoding/json.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// plainUser is a user as a program without the SDK would declare it for
// encoding/json: the fields of PostHog's user with ordinary Go types.
type plainUser struct {
	ID                       int64      `json:"id"`
	UUID                     string     `json:"uuid"`
	DistinctID               string     `json:"distinct_id"`
	FirstName                string     `json:"first_name"`
	LastName                 string     `json:"last_name"`
	Email                    string     `json:"email"`
	PendingEmail             *string    `json:"pending_email"`
	IsEmailVerified          *bool      `json:"is_email_verified"`
	DateJoined               time.Time  `json:"date_joined"`
	IsStaff                  bool       `json:"is_staff"`
	HasPassword              bool       `json:"has_password"`
	Is2FAEnabled             bool       `json:"is_2fa_enabled"`
	HasSocialAuth            bool       `json:"has_social_auth"`
	HasSSOEnforcement        bool       `json:"has_sso_enforcement"`
	RequiresCredentialReview bool       `json:"requires_credential_review"`
	Team                     *plainTeam `json:"team"`
	Organization             *plainOrg  `json:"organization"`
	Organizations            []struct {
		ID                           string  `json:"id"`
		Name                         string  `json:"name"`
		Slug                         string  `json:"slug"`
		LogoMediaID                  *string `json:"logo_media_id"`
		MembershipLevel              int     `json:"membership_level"`
		MembersCanUsePersonalAPIKeys bool    `json:"members_can_use_personal_api_keys"`
		IsActive                     *bool   `json:"is_active"`
		IsNotActiveReason            *string `json:"is_not_active_reason"`
		IsPendingDeletion            bool    `json:"is_pending_deletion"`
	} `json:"organizations"`
	PendingInvites []struct {
		ID               string    `json:"id"`
		TargetEmail      string    `json:"target_email"`
		OrganizationID   string    `json:"organization_id"`
		OrganizationName string    `json:"organization_name"`
		CreatedAt        time.Time `json:"created_at"`
	} `json:"pending_invites"`
	IsOrganizationFirstUser *bool          `json:"is_organization_first_user"`
	NotificationSettings    map[string]any `json:"notification_settings"`
	NotificationLocks       []struct {
		Setting             string `json:"setting"`
		ScopeID             string `json:"scope_id"`
		LockedValue         bool   `json:"locked_value"`
		AppliesToAllMembers bool   `json:"applies_to_all_members"`
	} `json:"notification_locks"`
	ActiveRealtimeNotificationTypes []string        `json:"active_realtime_notification_types"`
	AnonymizeData                   bool            `json:"anonymize_data"`
	AllowImpersonation              bool            `json:"allow_impersonation"`
	ToolbarMode                     string          `json:"toolbar_mode"`
	ThemeMode                       string          `json:"theme_mode"`
	ShortcutPosition                string          `json:"shortcut_position"`
	RoleAtOrganization              string          `json:"role_at_organization"`
	AllowSidebarSuggestions         bool            `json:"allow_sidebar_suggestions"`
	PasskeysEnabledFor2FA           *bool           `json:"passkeys_enabled_for_2fa"`
	HideMCPHints                    bool            `json:"hide_mcp_hints"`
	HasSeenProductIntroFor          map[string]bool `json:"has_seen_product_intro_for"`
	ScenePersonalisation            []struct {
		Scene     string `json:"scene"`
		Dashboard *int64 `json:"dashboard"`
	} `json:"scene_personalisation"`
	EventsColumnConfig                  map[string]any `json:"events_column_config"`
	HedgehogConfig                      map[string]any `json:"hedgehog_config"`
	UIConfiguration                     map[string]any `json:"ui_configuration"`
	IsImpersonated                      bool           `json:"is_impersonated"`
	IsImpersonatedReadOnly              *bool          `json:"is_impersonated_read_only"`
	IsImpersonatedReason                *string        `json:"is_impersonated_reason"`
	IsImpersonatedUntil                 *time.Time     `json:"is_impersonated_until"`
	SensitiveSessionExpiresAt           *time.Time     `json:"sensitive_session_expires_at"`
	FreshReauthExpiresAt                *time.Time     `json:"fresh_reauth_expires_at"`
	OnboardingSkippedAt                 *time.Time     `json:"onboarding_skipped_at"`
	OnboardingSkippedReason             *string        `json:"onboarding_skipped_reason"`
	OnboardingSkippedOrganizationID     *string        `json:"onboarding_skipped_organization_id"`
	OnboardingDelegatedToInvite         *string        `json:"onboarding_delegated_to_invite"`
	OnboardingDelegatedToOrganizationID *string        `json:"onboarding_delegated_to_organization_id"`
	OnboardingDelegationAcceptedAt      *time.Time     `json:"onboarding_delegation_accepted_at"`
}

// plainTeam is a user's current project, for plainUser.
type plainTeam struct {
	ID                         int64          `json:"id"`
	UUID                       string         `json:"uuid"`
	Organization               string         `json:"organization"`
	ProjectID                  int64          `json:"project_id"`
	APIToken                   string         `json:"api_token"`
	Name                       string         `json:"name"`
	CompletedSnippetOnboarding bool           `json:"completed_snippet_onboarding"`
	HasCompletedOnboardingFor  map[string]any `json:"has_completed_onboarding_for"`
	IngestedEvent              bool           `json:"ingested_event"`
	IsDemo                     bool           `json:"is_demo"`
	Timezone                   string         `json:"timezone"`
	AccessControl              bool           `json:"access_control"`
}

// plainOrg is a user's current organization, for plainUser.
type plainOrg struct {
	ID                               string            `json:"id"`
	Name                             string            `json:"name"`
	Slug                             string            `json:"slug"`
	LogoMediaID                      *string           `json:"logo_media_id"`
	CreatedAt                        time.Time         `json:"created_at"`
	UpdatedAt                        time.Time         `json:"updated_at"`
	MembershipLevel                  int               `json:"membership_level"`
	PluginsAccessLevel               int               `json:"plugins_access_level"`
	Teams                            []map[string]any  `json:"teams"`
	Projects                         []map[string]any  `json:"projects"`
	AvailableProductFeatures         []map[string]any  `json:"available_product_features"`
	IsMemberJoinEmailEnabled         bool              `json:"is_member_join_email_enabled"`
	Metadata                         map[string]string `json:"metadata"`
	CustomerID                       *string           `json:"customer_id"`
	Enforce2FA                       *bool             `json:"enforce_2fa"`
	MembersCanInvite                 bool              `json:"members_can_invite"`
	MembersCanUsePersonalAPIKeys     bool              `json:"members_can_use_personal_api_keys"`
	AllowPubliclySharedResources     bool              `json:"allow_publicly_shared_resources"`
	MemberCount                      int               `json:"member_count"`
	IsAIDataProcessingApproved       bool              `json:"is_ai_data_processing_approved"`
	DefaultExperimentStatsMethod     string            `json:"default_experiment_stats_method"`
	DefaultAnonymizeIPs              bool              `json:"default_anonymize_ips"`
	DefaultRoleID                    *string           `json:"default_role_id"`
	IsActive                         *bool             `json:"is_active"`
	IsNotActiveReason                *string           `json:"is_not_active_reason"`
	IsPendingDeletion                bool              `json:"is_pending_deletion"`
	EnforceVerifiedDomains           bool              `json:"enforce_verified_domains"`
	MembersCanCreateProjects         bool              `json:"members_can_create_projects"`
	MembersCanSeeOrgMembers          bool              `json:"members_can_see_org_members"`
	ReadOnlyMCPAccess                bool              `json:"read_only_mcp_access"`
	IsAITrainingOptedIn              bool              `json:"is_ai_training_opted_in"`
	IsAITrainingLocked               bool              `json:"is_ai_training_locked"`
	IsAITrainingCTAShown             bool              `json:"is_ai_training_cta_shown"`
	HasSignedBAA                     bool              `json:"has_signed_baa"`
	UsesMostSpecificAccessResolution bool              `json:"uses_most_specific_access_resolution"`
}

// plainPage is a list page for plainUser.
type plainPage struct {
	Count    int         `json:"count"`
	Next     *string     `json:"next"`
	Previous *string     `json:"previous"`
	Results  []plainUser `json:"results"`
}

// baselineList lists every user as a program without the SDK would: GET the
// first page, decode it with encoding/json, follow next until it is null.
// visit sees each user.
func baselineList(ctx context.Context, hc *http.Client, baseURL string, limit int, visit func(*plainUser)) error {
	next := baseURL + "/api/users/?limit=" + strconv.Itoa(limit)
	for next != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			discardAndClose(resp.Body)
			return fmt.Errorf("GET %s: %s", next, resp.Status)
		}
		var page plainPage
		err = json.NewDecoder(resp.Body).Decode(&page)
		discardAndClose(resp.Body)
		if err != nil {
			return err
		}
		for i := range page.Results {
			visit(&page.Results[i])
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}
	return nil
}

// discardAndClose reads what is left of a body and closes it, as a plain
// net/http client does to reuse its connection.
func discardAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, body)
	_ = body.Close()
}
