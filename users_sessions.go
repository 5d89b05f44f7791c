package posthogusers

import (
	"context"
	"strings"
	"time"
)

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
// Not on PostHog's API docs page.
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
// [LoginSession.ID]); an unknown one gives [ErrNotFound]. A sessionID that
// could leave its path segment (such as "..", or one holding "/", "%" or
// "?") is refused with an [*InputError] and nothing is sent. Session
// authentication only, as for [UsersService.LoginSessions].
//
// A retry answered 404, after an earlier attempt may have revoked the
// session, returns nil. After other failures, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation DELETE /api/users/{uuid}/login_sessions/{session_id}/
func (s *UsersService) RevokeLoginSession(ctx context.Context, id string, sessionID OpaqueID, reqOpts ...RequestOption) error {
	if strings.TrimSpace(string(sessionID)) == "" {
		return &InputError{Arg: "sessionID", Reason: "is empty"}
	}
	if err := checkSegment("sessionID", string(sessionID)); err != nil {
		return err
	}
	return s.client.do(ctx, request{op: opUsersRevokeLoginSession, user: id, params: []string{string(sessionID)}}, nil, reqOpts...)
}

// RevokeOtherLoginSessions logs out every session of the user but the one
// making the request and returns how many it logged out. Session
// authentication only, as for [UsersService.LoginSessions].
//
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
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
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/{uuid}/credentials_review_complete/
func (s *UsersService) CompleteCredentialsReview(ctx context.Context, id string, reqOpts ...RequestOption) error {
	return s.client.do(ctx, request{op: opUsersCompleteCredentialsReview, user: id}, nil, reqOpts...)
}
