package posthogusers

import (
	"errors"
	"fmt"
	"io"
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
	// with the given method, and returns the secret values it added.
	authorize(h http.Header, method string) ([]string, error)
	// describe names the kind of credential without revealing it.
	describe() string
	// secrets returns the credential's secret values, so that they can be
	// scrubbed from anything the client returns.
	secrets() []string
	// isSession reports whether the credential is a logged-in session
	// rather than a key or token.
	isSession() bool
}

// secret holds a credential value out of sight of reflection: fmt, slog and
// deep printers such as go-spew that walk unexported fields see a func, not
// the text. Call it to get the value.
type secret func() string

// newSecret returns a secret holding s.
func newSecret(s string) secret { return func() string { return s } }

// formatRedacted writes desc, a description without secrets, for any verb of
// a Format method: quoted for %q, padded as asked for %s and %q, as it is
// otherwise (verbs such as %d or %x would show a struct's fields).
func formatRedacted(f fmt.State, verb rune, desc string) {
	switch verb {
	case 's', 'q':
		fmt.Fprintf(f, fmt.FormatString(f, verb), desc)
	default:
		_, _ = io.WriteString(f, desc)
	}
}

// bearerCredential is a personal API key or OAuth access token sent as
// "Authorization: Bearer …".
type bearerCredential struct {
	token secret
}

// newBearerCredential validates an API key for NewClient.
func newBearerCredential(apiKey string) (*bearerCredential, error) {
	bad := func(reason string) error { return &InputError{Arg: "apiKey", Reason: reason} }
	key := strings.TrimSpace(apiKey)
	switch {
	case key == "":
		return nil, bad("the key is empty")
	case strings.Contains(strings.ToLower(key), "bearer "):
		return nil, bad(`drop the "Bearer " prefix and pass the key alone; the client sends it as "Authorization: Bearer …" itself`)
	case !isVisibleASCII(key):
		return nil, bad("the key contains white space, control or non-ASCII characters")
	case strings.HasPrefix(key, prefixProjectToken):
		return nil, bad("a phc_ project token cannot call the users API; the users API needs a personal API key, phx_…")
	case strings.HasPrefix(key, prefixProjectSecret):
		return nil, bad("a phs_ project secret key cannot call the users API; the users API needs a personal API key, phx_…")
	case strings.HasPrefix(key, prefixOAuthRefresh):
		return nil, bad("a phr_ OAuth refresh token cannot authenticate requests; pass the access token (pha_…) or a personal API key, phx_…")
	}
	return &bearerCredential{token: newSecret(key)}, nil
}

func (b *bearerCredential) authorize(h http.Header, _ string) ([]string, error) {
	h.Set("Authorization", "Bearer "+b.token())
	return nil, nil
}

func (b *bearerCredential) describe() string {
	switch token := b.token(); {
	case strings.HasPrefix(token, prefixPersonalKey):
		return "personal API key (phx_…)"
	case strings.HasPrefix(token, prefixOAuthAccess):
		return "OAuth access token (pha_…)"
	default:
		return "legacy personal API key"
	}
}

// Format prints the kind of key, never the key, whatever the verb.
func (b bearerCredential) Format(f fmt.State, verb rune) { formatRedacted(f, verb, b.describe()) }

func (b *bearerCredential) secrets() []string { return []string{b.token()} }

func (b *bearerCredential) isSession() bool { return false }

// TokenSource supplies OAuth access tokens (pha_…) that may expire. The
// client asks it for a token for every attempt of every request, so it
// should cache a token until it expires; [WithTokenSource] describes the
// rest. An oauth2.TokenSource of golang.org/x/oauth2 fits through
// [TokenSourceFunc]:
//
//	src := oauthConfig.TokenSource(ctx, token) // caches and refreshes
//	client, err := posthogusers.NewClient("", posthogusers.WithTokenSource(
//		posthogusers.TokenSourceFunc(func() (string, error) {
//			t, err := src.Token()
//			if err != nil {
//				return "", err
//			}
//			return t.AccessToken, nil
//		})))
type TokenSource interface {
	// Token returns a current access token.
	Token() (string, error)
}

// TokenSourceFunc is a function that is a [TokenSource].
type TokenSourceFunc func() (string, error)

// Token calls f.
func (f TokenSourceFunc) Token() (string, error) { return f() }

// WithTokenSource makes the client authenticate with the tokens of src
// instead of a fixed key; pass "" as NewClient's apiKey. Each attempt of each
// request takes a token from src, sent as "Authorization: Bearer …". When
// PostHog answers 401, a request safe to repeat (GET, HEAD, PUT, DELETE) is
// sent once more with a token taken afresh; a write that is not is not
// repeated. A token src returns that is empty, has white space or control
// characters, or is a project token fails the request with an
// [*InputError] before sending; an error of src fails it too, wrapped.
func WithTokenSource(src TokenSource) Option {
	return func(c *Client) error {
		if src == nil {
			return &InputError{Arg: "WithTokenSource", Reason: "the TokenSource is nil"}
		}
		c.cred = &tokenSourceCredential{src: src}
		return nil
	}
}

// tokenSourceCredential is a TokenSource's current token, sent as
// "Authorization: Bearer …".
type tokenSourceCredential struct {
	src TokenSource
}

func (t *tokenSourceCredential) authorize(h http.Header, _ string) ([]string, error) {
	token, err := t.src.Token()
	if err != nil {
		return nil, &wrappedError{text: "the token source failed: " + bare(err), errs: []error{err}}
	}
	b, err := newBearerCredential(token)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			ie.Arg = "WithTokenSource: token"
		}
		return nil, err
	}
	h.Set("Authorization", "Bearer "+b.token())
	return []string{b.token()}, nil
}

func (t *tokenSourceCredential) describe() string { return "token source" }

// Format prints "token source", never the source, whatever the verb.
func (t tokenSourceCredential) Format(f fmt.State, verb rune) { formatRedacted(f, verb, t.describe()) }

// secrets returns nothing: the tokens are the call's, noted as authorize
// hands them out.
func (t *tokenSourceCredential) secrets() []string { return nil }

func (t *tokenSourceCredential) isSession() bool { return false }

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

// Format prints [Session.String] for every verb, so that no verb (%d, %x, …)
// prints the fields. fmt calls no method of a value it reaches through an
// unexported struct field, nor of the operand of %p: it prints such a
// Session field by field, secrets included.
func (s Session) Format(f fmt.State, verb rune) { formatRedacted(f, verb, s.String()) }

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
	id         secret
	csrfToken  secret // returns "" when the Session has none
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
	return &sessionCredential{cookieName: name, id: newSecret(s.ID), csrfToken: newSecret(s.CSRFToken)}, nil
}

func (s *sessionCredential) authorize(h http.Header, method string) ([]string, error) {
	cookie := s.cookieName + "=" + s.id()
	csrfToken := s.csrfToken()
	if csrfToken != "" {
		cookie += "; " + csrfCookie + "=" + csrfToken
	}
	h.Set("Cookie", cookie)
	if !safeMethod(method) {
		// Django's CSRF check: the token in a header matching the cookie,
		// and, over HTTPS, an Origin (or Referer) of the instance itself.
		h.Set(csrfHeader, csrfToken)
		h.Set("Origin", s.origin)
		h.Set("Referer", s.referer)
	}
	return nil, nil
}

func (s *sessionCredential) describe() string {
	return "PostHog session (cookie " + s.cookieName + ")"
}

// Format prints the kind of credential, never the session, whatever the
// verb.
func (s sessionCredential) Format(f fmt.State, verb rune) { formatRedacted(f, verb, s.describe()) }

func (s *sessionCredential) secrets() []string {
	if s.csrfToken() == "" {
		return []string{s.id()}
	}
	return []string{s.id(), s.csrfToken()}
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
