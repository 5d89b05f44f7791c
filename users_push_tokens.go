package posthogusers

import (
	"context"
	"time"
)

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
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
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
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
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
