package posthogtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// cancelEmailChange serves PATCH /api/users/cancel_email_change_request/.
func (x *exchange) cancelEmailChange() {
	u := x.auth.user
	if u.pendingEmail == "" {
		x.invalid("email_change_request_not_found", "No active email change requests found.", "")
		return
	}
	x.mutable(u).pendingEmail = ""
	x.json(http.StatusOK, x.serializeUser(u))
}

// verifyEmail serves POST /api/users/verify_email/ (no authentication).
func (x *exchange) verifyEmail(body map[string]json.RawMessage) {
	id, _ := asString(body["uuid"])
	rawCode, _ := asString(body["code"])
	code := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' || r == '\u200b' {
			return -1
		}
		return r
	}, rawCode)
	if len(code) != 6 || !isDigits(code) {
		x.invalid("invalid_code", "Enter the 6-digit code from your email.", "code")
		return
	}
	uid, err := uuid.Parse(id)
	var u *user
	if err == nil {
		u = x.f.users.getUUID(x.f, uid)
	}
	switch {
	case u == nil || u.verifyCode == "":
		x.invalid("invalid_code", "This verification code is invalid or has expired.", "code")
		return
	case u.verifyAttempts >= 5:
		x.invalid("too_many_attempts", "Too many attempts. Request a new code.", "code")
		return
	case code != u.verifyCode:
		x.mutable(u).verifyAttempts++
		x.invalid("invalid_code", "This verification code is invalid or has expired.", "code")
		return
	}
	m := x.mutable(u)
	if m.pendingEmail != "" {
		m.email, m.pendingEmail = m.pendingEmail, ""
	}
	m.verified, m.verifyCode, m.verifyAttempts = true, "", 0
	x.json(http.StatusOK, map[string]any{"success": true, "requires_login": true})
}

// requestVerification serves POST /api/users/request_email_verification/.
func (x *exchange) requestVerification(body map[string]json.RawMessage) {
	id, _ := asString(body["uuid"])
	if wait := x.f.hit("email_verification:"+id, 6, 24*time.Hour); wait > 0 {
		secs := strconv.Itoa(int(wait.Seconds() + 0.999))
		x.w.Header().Set("Retry-After", secs)
		x.fail(http.StatusTooManyRequests, "throttled_error", "throttled", throttledDetail(secs), "")
		return
	}
	if !x.f.emailAvailable {
		x.invalid("email_not_available", "Cannot send email verification emails as email is not configured.", "")
		return
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		x.json(http.StatusOK, map[string]any{"success": true})
		return
	}
	u := x.f.users.getUUID(x.f, uid)
	if u == nil {
		x.json(http.StatusOK, map[string]any{"success": true}) // PostHog does not tell
		return
	}
	if u.verified && u.pendingEmail == "" {
		x.invalid("already_verified", "This email is already verified.", "")
		return
	}
	m := x.mutable(u)
	m.verifyCode, m.verifyAttempts = fmt.Sprintf("%06d", (u.id*7919+int64(len(m.email)))%1_000_000), 0
	x.json(http.StatusOK, map[string]any{"success": true})
}
