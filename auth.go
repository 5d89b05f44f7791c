package posthogusers

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Key prefixes PostHog gives its credentials (posthog/models/utils.py).
const (
	prefixPersonalKey   = "phx_"
	prefixProjectToken  = "phc_"
	prefixProjectSecret = "phs_"
	prefixOAuthAccess   = "pha_"
	prefixOAuthRefresh  = "phr_"
)

// credential authenticates requests. The secrets it holds leave the process
// only through authorize, which the transport calls for requests to the
// configured origin.
type credential interface {
	// authorize adds the credential to the headers of an outgoing request
	// with the given method.
	authorize(h http.Header, method string)
	// describe names the kind of credential without revealing it.
	describe() string
	// secrets returns the credential's secret values, so that they can be
	// scrubbed from anything the client returns.
	secrets() []string
	// isSession reports whether the credential is a logged-in session
	// rather than a key or token.
	isSession() bool
}

// bearerCredential is a personal API key or OAuth access token sent as
// "Authorization: Bearer …".
type bearerCredential struct {
	token string
}

// newBearerCredential validates an API key for NewClient.
func newBearerCredential(apiKey string) (*bearerCredential, error) {
	bad := func(reason string) error { return &InputError{Arg: "apiKey", Reason: reason} }
	key := strings.TrimSpace(apiKey)
	switch {
	case key == "":
		return nil, bad("the key is empty")
	case !isVisibleASCII(key):
		return nil, bad("the key contains white space, control or non-ASCII characters")
	case strings.HasPrefix(key, prefixProjectToken):
		return nil, bad("a phc_ project token cannot call the users API; the users API needs a personal API key, phx_…")
	case strings.HasPrefix(key, prefixProjectSecret):
		return nil, bad("a phs_ project secret key cannot call the users API; the users API needs a personal API key, phx_…")
	case strings.HasPrefix(key, prefixOAuthRefresh):
		return nil, bad("a phr_ OAuth refresh token cannot authenticate requests; pass the access token (pha_…) or a personal API key, phx_…")
	}
	return &bearerCredential{token: key}, nil
}

func (b *bearerCredential) authorize(h http.Header, _ string) {
	h.Set("Authorization", "Bearer "+b.token)
}

func (b *bearerCredential) describe() string {
	switch {
	case strings.HasPrefix(b.token, prefixPersonalKey):
		return "personal API key (phx_…)"
	case strings.HasPrefix(b.token, prefixOAuthAccess):
		return "OAuth access token (pha_…)"
	default:
		return "legacy personal API key"
	}
}

func (b *bearerCredential) secrets() []string { return []string{b.token} }

func (b *bearerCredential) isSession() bool { return false }

// Names PostHog's Django settings give the session and CSRF cookies
// (posthog/settings/web.py: SESSION_COOKIE_NAME, default "sessionid", and
// CSRF_COOKIE_NAME), and the header Django reads the CSRF token from
// (CSRF_HEADER_NAME's default).
const (
	defaultSessionCookie = "sessionid"
	csrfCookie           = "posthog_csrftoken"
	csrfHeader           = "X-CSRFToken"
)

// Session is a logged-in PostHog session: the cookies a browser holds after
// logging in to the PostHog app. Some endpoints (two-factor setup, scene
// personalisation, onboarding, login sessions, replacing or deleting a user,
// cancelling an email change) refuse personal API keys and OAuth tokens and
// only work with a session; see [WithSession].
//
// Treat a session like a password: it acts as the user, with every
// permission, until it expires or the user logs out.
type Session struct {
	// ID is the value of the session cookie.
	ID string
	// CSRFToken is the value of the posthog_csrftoken cookie. PostHog checks
	// it on every request that changes something (POST, PUT, PATCH, DELETE);
	// reads work without it. A client without it refuses such requests
	// before sending them.
	CSRFToken string
	// CookieName is the name of the session cookie: "sessionid" when empty,
	// which is PostHog's default. Self-hosted instances can change it with
	// the SESSION_COOKIE_NAME setting.
	CookieName string
}

// String describes the session without its ID or CSRF token, so that
// printing a Session (with fmt, or in a struct) never shows them.
func (s Session) String() string {
	name := s.CookieName
	if name == "" {
		name = defaultSessionCookie
	}
	return fmt.Sprintf("posthogusers.Session{CookieName: %s, ID: %s, CSRFToken: %s}", name, redactedOrEmpty(s.ID), redactedOrEmpty(s.CSRFToken))
}

// GoString is [Session.String], for the %#v verb.
func (s Session) GoString() string { return s.String() }

// LogValue makes [log/slog] log the session without its ID or CSRF token.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("cookie_name", s.CookieName),
		slog.String("id", redactedOrEmpty(s.ID)),
		slog.String("csrf_token", redactedOrEmpty(s.CSRFToken)),
	)
}

// redactedOrEmpty stands in for a secret in descriptions: "[redacted]", or
// "[empty]" when there is none.
func redactedOrEmpty(secret string) string {
	if secret == "" {
		return "[empty]"
	}
	return "[redacted]"
}

// sessionCredential is a Session sent as cookies, with the CSRF token and the
// origin Django's CSRF protection checks on unsafe methods.
type sessionCredential struct {
	cookieName string
	id         string
	csrfToken  string
	origin     string // scheme://host[:port] of the base URL, for Origin
	referer    string // the base URL with a trailing slash, for Referer
}

// newSessionCredential validates a Session for WithSession.
func newSessionCredential(s Session) (*sessionCredential, error) {
	bad := func(arg, reason string) error { return &InputError{Arg: "WithSession: " + arg, Reason: reason} }
	name := s.CookieName
	if name == "" {
		name = defaultSessionCookie
	}
	switch {
	case !isCookieName(name):
		return nil, bad("CookieName", "the name is not a valid cookie name")
	case s.ID == "":
		return nil, bad("ID", "the session ID is empty")
	case !isCookieValue(s.ID):
		return nil, bad("ID", "the session ID contains characters a cookie cannot carry")
	case s.CSRFToken != "" && !isCookieValue(s.CSRFToken):
		return nil, bad("CSRFToken", "the CSRF token contains characters a cookie cannot carry")
	}
	return &sessionCredential{cookieName: name, id: s.ID, csrfToken: s.CSRFToken}, nil
}

func (s *sessionCredential) authorize(h http.Header, method string) {
	cookie := s.cookieName + "=" + s.id
	if s.csrfToken != "" {
		cookie += "; " + csrfCookie + "=" + s.csrfToken
	}
	h.Set("Cookie", cookie)
	if !safeMethod(method) {
		// Django's CSRF check: the token in a header matching the cookie,
		// and, over HTTPS, an Origin (or Referer) of the instance itself.
		h.Set(csrfHeader, s.csrfToken)
		h.Set("Origin", s.origin)
		h.Set("Referer", s.referer)
	}
}

func (s *sessionCredential) describe() string {
	return "PostHog session (cookie " + s.cookieName + ")"
}

func (s *sessionCredential) secrets() []string {
	if s.csrfToken == "" {
		return []string{s.id}
	}
	return []string{s.id, s.csrfToken}
}

func (s *sessionCredential) isSession() bool { return true }

// safeMethod reports whether Django's CSRF protection lets method through
// without a token (RFC 9110 safe methods).
func safeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// isCookieName reports whether s is an RFC 6265 cookie name (an RFC 7230
// token).
func isCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// isCookieValue reports whether s can be sent as a cookie value as it is
// (RFC 6265 cookie-octets).
func isCookieValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// isVisibleASCII reports whether s holds only printable, non-space ASCII.
func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
