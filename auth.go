package posthogusers

import (
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

// credential authenticates requests. The secret it holds leaves the process
// only through authorize, which the transport calls for requests to the
// configured origin.
type credential interface {
	// authorize adds the credential to an outgoing request's headers.
	authorize(h http.Header)
	// describe names the kind of credential without revealing it.
	describe() string
	// secret returns the credential's value, so that it can be scrubbed from
	// anything the client returns.
	secret() string
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

func (b *bearerCredential) authorize(h http.Header) {
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

func (b *bearerCredential) secret() string { return b.token }

// isVisibleASCII reports whether s holds only printable, non-space ASCII.
func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
