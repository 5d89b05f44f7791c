package posthogusers

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// GitHubLogin returns the GitHub login linked to a user, and false when the
// user has linked no GitHub identity. id is [Me] or, for staff, a user's
// UUID. Needs scope user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-uuid-github_login
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
func (s *UsersService) HedgehogConfig(ctx context.Context, id string, reqOpts ...RequestOption) (jsontext.Value, error) {
	cfg, err := fetch[jsontext.Value](ctx, s.client, request{op: opUsersHedgehogConfig, user: id}, reqOpts...)
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
// [jsontext.Value]). Needs scope user:write.
//
// If it fails, see [ErrOutcomeUnknown].
//
// PostHog API docs: https://posthog.com/docs/api/users#patch-api-users-uuid-hedgehog_config
//
//meta:operation PATCH /api/users/{uuid}/hedgehog_config/
func (s *UsersService) ReplaceHedgehogConfig(ctx context.Context, id string, config any, reqOpts ...RequestOption) (jsontext.Value, error) {
	body, err := jsonObject("config", config)
	if err != nil {
		return nil, err
	}
	stored, err := fetch[jsontext.Value](ctx, s.client, request{op: opUsersUpdateHedgehogConfig, user: id, body: body}, reqOpts...)
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
// If it fails, see [ErrOutcomeUnknown].
//
//meta:operation GET /api/users/{uuid}/hedgehog_config/
//meta:operation PATCH /api/users/{uuid}/hedgehog_config/
func (s *UsersService) MergeHedgehogConfig(ctx context.Context, id string, patch any, reqOpts ...RequestOption) (jsontext.Value, error) {
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
		return nil, wrapf(err, "merging hedgehog config")
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
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
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
// If it fails, see [ErrOutcomeUnknown].
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
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
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
