package posthogtest

import (
	"net/http"
	"slices"
)

// loginSessions serves GET …/login_sessions/.
func (x *exchange) loginSessions(u *user) {
	out := []map[string]any{}
	for _, s := range u.loginSessions {
		out = append(out, map[string]any{
			"id": s.id, "created_at": formatTime(s.createdAt), "last_activity": formatTime(s.createdAt),
			"location": nil, "device": s.device, "login_method": "password",
			"is_current": x.auth.session != nil && s.session == x.cookieSessionID(),
		})
	}
	x.json(http.StatusOK, out)
}

// cookieSessionID returns the session ID of the request's session cookie,
// or "" without one.
func (x *exchange) cookieSessionID() string {
	if c, err := x.r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// revokeSession serves DELETE …/login_sessions/{id}/.
func (x *exchange) revokeSession(u *user) {
	sessions := func(u *user) *[]*loginSession { return &u.loginSessions }
	match := func(s *loginSession) bool { return s.id == x.moreArg }
	if s, ok := removeMatching(x, u, sessions, match, "Login session not found."); ok {
		delete(x.f.sessions, s.session)
		x.noContent()
	}
}

// revokeOtherSessions serves POST …/login_sessions/revoke_others/: every
// login session but the caller's own ends.
func (x *exchange) revokeOtherSessions(u *user) {
	current := x.cookieSessionID()
	m := x.mutable(u)
	n := 0
	m.loginSessions = slices.DeleteFunc(m.loginSessions, func(s *loginSession) bool {
		if s.session == current {
			return false
		}
		delete(x.f.sessions, s.session)
		n++
		return true
	})
	x.json(http.StatusOK, map[string]any{"revoked_count": n})
}

// credentialsReviewed serves POST …/credentials_review_complete/.
func (x *exchange) credentialsReviewed(*user) {
	x.noContent()
}
