package posthogtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Names of PostHog's cookies and headers (posthog/settings/web.py, Django's
// defaults).
const (
	sessionCookie = "sessionid"
	csrfCookie    = "posthog_csrftoken"
	csrfHeader    = "X-CSRFToken"
)

// Scopes of the users API.
const (
	scopeRead  = "user:read"
	scopeWrite = "user:write"
)

// Exact messages of PostHog's authentication and permission errors.
const (
	detailNoKeyAccess       = "This action does not support personal API key access"
	detailNotAuthenticated  = "Authentication credentials were not provided."
	detailOnlyMe            = "As a non-staff user you're only allowed to access the `@me` user instance."
	detailIdentityChange    = "You can only change your email or password from the PostHog app, not with an API key or token."
	detailNotStaff          = "You are not a staff user, contact your instance admin."
	detailInvalidKeyPattern = "Personal API key found in request %s is invalid."
)

// bearerPattern matches an Authorization header of the Bearer scheme.
var bearerPattern = regexp.MustCompile(`^Bearer\s+(\S.+)$`)

// bearerToken returns the token of an "Authorization: Bearer …" header.
func bearerToken(r *http.Request) string {
	m := bearerPattern.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// bodyKey returns the personal_api_key member of a JSON body, or "".
func bodyKey(body []byte) string {
	if !bytes.Contains(body, []byte(`"personal_api_key"`)) {
		return ""
	}
	var b struct {
		Key string `json:"personal_api_key"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Key
}

// authenticate finds the caller of x's request as PostHog's authenticators
// would, answering the request itself when authentication fails. It reports
// whether serving should go on.
func (x *exchange) authenticate(ep endpoint) bool {
	if c, err := x.r.Cookie(sessionCookie); err == nil {
		if s, ok := x.f.sessions[c.Value]; ok {
			// Django logs out a deactivated user.
			if u := x.f.users.getUUID(x.f, s.user); u != nil && !u.inactive {
				if !x.checkCSRF(s) {
					return false
				}
				x.auth = &caller{user: u, session: s}
				return true
			}
		}
	}
	if ep.access == sessionAuth {
		x.fail(http.StatusUnauthorized, "authentication_error", "not_authenticated", detailNotAuthenticated, "")
		return false
	}
	token, where := bearerToken(x.r), "Authorization header"
	if token != "" && strings.HasPrefix(token, "pha_") {
		// OAuth access tokens are not modelled: the fake knows none.
		x.fail(http.StatusUnauthorized, "authentication_error", "authentication_failed", "Invalid access token.", "")
		return false
	}
	if token == "" {
		token, where = bodyKey(x.body), "body"
	}
	if token == "" {
		token, where = x.r.URL.Query().Get("personal_api_key"), "query string"
	}
	if token != "" {
		k, ok := x.f.keys[token]
		var u *user
		if ok {
			u = x.f.users.getUUID(x.f, k.user)
		}
		if u == nil || u.inactive { // a deactivated user's key is invalid
			status := http.StatusUnauthorized
			if ep.forbidUnauthenticated {
				status = http.StatusForbidden
			}
			x.fail(status, "authentication_error", "authentication_failed", fmt.Sprintf(detailInvalidKeyPattern, where), "")
			return false
		}
		x.auth = &caller{user: u, key: k}
		return true
	}
	if ep.access == anonymous {
		return true
	}
	if ep.forbidUnauthenticated {
		x.fail(http.StatusForbidden, "authentication_error", "not_authenticated", detailNotAuthenticated, "")
		return false
	}
	x.fail(http.StatusUnauthorized, "authentication_error", "not_authenticated", detailNotAuthenticated, "")
	return false
}

// checkCSRF applies Django's CSRF protection to a session request.
func (x *exchange) checkCSRF(s *webSession) bool {
	switch x.r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	reject := func(reason string) bool {
		x.denied("CSRF Failed: " + reason)
		return false
	}
	self := x.absoluteURL()
	selfOrigin := self.Scheme + "://" + self.Host
	if origin := x.r.Header.Get("Origin"); origin != "" {
		if origin != selfOrigin {
			return reject("Origin checking failed - " + origin + " does not match any trusted origins.")
		}
	} else if self.Scheme == "https" {
		ref, err := url.Parse(x.r.Header.Get("Referer"))
		switch {
		case x.r.Header.Get("Referer") == "":
			return reject("Referer checking failed - no Referer.")
		case err != nil || ref.Scheme != "https" || ref.Host != self.Host:
			return reject("Referer checking failed - Referer is insecure while host is secure.")
		}
	}
	c, err := x.r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return reject("CSRF cookie not set.")
	}
	header := x.r.Header.Get(csrfHeader)
	switch {
	case header == "":
		return reject("CSRF token missing.")
	case header != c.Value || c.Value != s.csrf:
		return reject("CSRF token incorrect.")
	}
	return true
}

// authorize applies PostHog's scope rules to a key. Sessions are not
// scoped.
func (x *exchange) authorize(ep endpoint) bool {
	if x.auth == nil || !x.auth.token() {
		return true
	}
	if ep.access == keyRefused {
		x.denied(detailNoKeyAccess)
		return false
	}
	scopes := x.auth.key.scopes
	if slices.Contains(scopes, "*") {
		return true
	}
	ok := slices.Contains(scopes, ep.scope)
	if !ok && strings.HasSuffix(ep.scope, ":read") {
		ok = slices.Contains(scopes, strings.TrimSuffix(ep.scope, ":read")+":write")
	}
	if !ok {
		x.denied("API key missing required scope '" + ep.scope + "'")
		return false
	}
	return true
}

// throttle applies the rate limits of an endpoint, and [WithThrottle]'s.
func (x *exchange) throttle(ep endpoint, m matched) bool {
	var waits []time.Duration
	if lim := x.f.limits; lim.every > 0 {
		waits = append(waits, x.f.hit("every:"+x.throttleIdent(), lim.every, lim.period))
	}
	if ep.throttled && x.auth != nil && x.auth.token() {
		key := strconv.FormatInt(x.auth.key.id, 10)
		waits = append(waits,
			x.f.hit("burst:"+key, x.f.limits.burst, time.Minute),
			x.f.hit("sustained:"+key, x.f.limits.sustained, time.Hour))
	}
	if ep.userThrottle && x.r.Method != http.MethodGet && x.auth != nil && bytes.Contains(x.body, []byte(`"current_password"`)) {
		var body map[string]json.RawMessage
		if json.Unmarshal(x.body, &body) == nil {
			if _, ok := body["current_password"]; ok {
				waits = append(waits, x.f.hit("user_authentication:"+x.auth.user.uuid.String(), 5, time.Minute))
			}
		}
	}
	if wait := slices.Max(append(waits, 0)); wait > 0 {
		secs := strconv.Itoa(int(math.Ceil(wait.Seconds())))
		x.w.Header().Set("Retry-After", secs)
		x.fail(http.StatusTooManyRequests, "throttled_error", "throttled", throttledDetail(secs), "")
		return false
	}
	return true
}

// throttleIdent names the caller for [WithThrottle]: its key, the user of
// its session, or, without either, the address the request came from, as
// DRF keys anonymous requests.
func (x *exchange) throttleIdent() string {
	switch {
	case x.auth != nil && x.auth.key != nil:
		return "key:" + strconv.FormatInt(x.auth.key.id, 10)
	case x.auth != nil:
		return "user:" + x.auth.user.uuid.String()
	}
	host, _, err := net.SplitHostPort(x.r.RemoteAddr)
	if err != nil {
		host = x.r.RemoteAddr
	}
	return "addr:" + host
}

// hit counts a request against a throttle bucket of rate requests per
// period, as DRF's SimpleRateThrottle does, and returns how long to wait
// when the request is over the rate (0 when it is allowed). A rate of 0 or
// less means no limit.
func (f *Fake) hit(bucket string, rate int, period time.Duration) time.Duration {
	if rate <= 0 {
		return 0
	}
	now := f.now()
	history := f.throttle[bucket]
	for len(history) > 0 && !history[len(history)-1].After(now.Add(-period)) {
		history = history[:len(history)-1]
	}
	if len(history) >= rate {
		f.throttle[bucket] = history
		remaining := period - now.Sub(history[len(history)-1])
		return max(remaining/time.Duration(rate-len(history)+1), time.Millisecond)
	}
	f.throttle[bucket] = append([]time.Time{now}, history...)
	return 0
}

// totp returns the RFC 6238 code (SHA-1, 30-second steps, 6 digits) of a
// base32 secret at t, offset by steps.
func totp(secret string, t time.Time, steps int64) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		return ""
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(t.Unix()/30+steps))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1_000_000)
}

// validTOTP accepts the code of the current 30-second step or of either
// neighbour, as authenticator apps drift.
func validTOTP(secret, code string, t time.Time) bool {
	for _, step := range []int64{0, -1, 1} {
		if want := totp(secret, t, step); want != "" && hmac.Equal([]byte(want), []byte(code)) {
			return true
		}
	}
	return false
}
