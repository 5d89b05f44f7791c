package posthogusers

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Version is the version of this SDK. It is sent in the User-Agent header.
const Version = "0.1.0"

// Base URLs of PostHog Cloud. Personal API keys belong to one region and are
// refused by the other.
const (
	// USCloud is PostHog Cloud in the United States, the default base URL.
	USCloud = "https://us.posthog.com"
	// EUCloud is PostHog Cloud in the European Union.
	EUCloud = "https://eu.posthog.com"
)

// Me is the user ID that names the user the key belongs to. Non-staff keys
// must use it: PostHog refuses their own UUID with 403.
const Me = "@me"

const (
	defaultMaxRetries = 3
	// defaultMaxRateLimitRetries allows a throttled call to wait out
	// several of PostHog's throttle windows.
	defaultMaxRateLimitRetries = 5
	defaultRetryWaitMin        = 500 * time.Millisecond
	defaultRetryWaitMax        = 10 * time.Second
	defaultMaxRetryAfter       = 60 * time.Second
	defaultTimeout             = 60 * time.Second
	// defaultMaxResponseBytes is far above any answer PostHog gives but a
	// List page of thousands of users.
	defaultMaxResponseBytes = 32 << 20
)

// Client is a client for PostHog's Users API. Create one with [NewClient].
//
// A Client is safe for concurrent use by multiple goroutines. It holds no
// state besides its configuration, so one Client can serve a whole program.
type Client struct {
	// Users is the users API: list, read, update and delete users, and
	// their settings (hedgehog, product intros, scene personalisation, email
	// verification).
	Users *UsersService
	// TwoFactor is a user's two-factor authentication. PostHog only accepts
	// a logged-in session ([WithSession]) there.
	TwoFactor *TwoFactorService
	// Integrations are a user's personal GitHub and Slack connections.
	Integrations *IntegrationsService
	// SignalAutonomy is a user's signal autonomy configuration.
	SignalAutonomy *SignalAutonomyService

	base       *url.URL // scheme, host and path prefix; Path has no trailing slash
	baseString string   // base.String(), the prefix of every request URL
	cred       credential
	httpClient *http.Client // the client given to WithHTTPClient, or the default; sends every attempt
	userAgent  string
	// insecureHTTP allows an http:// base URL for a host that is not
	// loopback.
	insecureHTTP bool
	logger       *slog.Logger
	dumps        bool // log requests and responses at Debug level
	// middleware wraps every attempt, outermost first (WithMiddleware).
	middleware []Middleware

	maxRetries          int // retries after failures
	maxRateLimitRetries int // retries after 429
	retryWaitMin        time.Duration
	retryWaitMax        time.Duration
	maxRetryAfter       time.Duration
	// maxResponseBytes bounds the 2xx answer a call reads whole (all
	// but a scan's pages), after decompression.
	maxResponseBytes int64

	// now and jitter are the clock and the source of randomness of the retry
	// policy, fields so that tests can replace them.
	now    func() time.Time
	jitter func(n int64) int64
}

// service is what every service type is made of: a pointer back to the Client.
type service struct {
	client *Client
}

// Option configures a [Client]. Options are applied in order by [NewClient];
// an option given an invalid value makes NewClient return an [*InputError].
type Option func(*Client) error

// NewClient returns a Client that authenticates with apiKey.
//
// apiKey is a personal API key (phx_…, or a legacy key without a prefix) or an
// OAuth access token (pha_…); both are sent as "Authorization: Bearer …".
// Surrounding white space is trimmed. An empty key, a key with white space or
// control characters inside, a project token (phc_…) or a project secret key
// (phs_…) is refused with an [*InputError]: the users API needs a personal
// API key. To authenticate with a logged-in session instead, pass "" as
// apiKey and the [WithSession] option. Without options the Client talks to
// [USCloud], retries as the package documentation describes, and logs
// nothing.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	base, _ := parseBaseURL(USCloud)
	c := &Client{
		base:                base,
		userAgent:           defaultUserAgent(),
		maxRetries:          defaultMaxRetries,
		maxRateLimitRetries: defaultMaxRateLimitRetries,
		retryWaitMin:        defaultRetryWaitMin,
		retryWaitMax:        defaultRetryWaitMax,
		maxRetryAfter:       defaultMaxRetryAfter,
		maxResponseBytes:    defaultMaxResponseBytes,
		now:                 time.Now,
		jitter:              rand.Int64N,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.base.Scheme == "http" && !c.insecureHTTP && !isLoopback(c.base.Hostname()) {
		return nil, &InputError{Arg: "WithBaseURL", Reason: "an http:// URL would send the credential in clear text; use https://, or WithInsecureHTTP to allow it"}
	}
	session, _ := c.cred.(*sessionCredential)
	switch {
	case c.cred != nil && strings.TrimSpace(apiKey) != "":
		return nil, &InputError{Arg: "apiKey", Reason: "give either an API key or WithSession or WithTokenSource, not both"}
	case session != nil:
		session.origin = (&url.URL{Scheme: c.base.Scheme, Host: c.base.Host}).String()
		session.referer = c.base.String() + "/"
	case c.cred != nil: // WithTokenSource
	default:
		cred, err := newBearerCredential(apiKey)
		if err != nil {
			return nil, err
		}
		c.cred = cred
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{
			Timeout:   defaultTimeout,
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
		}
	}
	c.baseString = c.base.String()
	c.Users = &UsersService{client: c}
	c.TwoFactor = &TwoFactorService{client: c}
	c.Integrations = &IntegrationsService{client: c}
	c.SignalAutonomy = &SignalAutonomyService{client: c}
	return c, nil
}

// WithSession makes the client authenticate as a logged-in PostHog session
// (its cookies) instead of with an API key; pass "" as NewClient's apiKey.
// Some endpoints only accept a session: the two-factor ones, scene
// personalisation, skipping onboarding, login sessions, the credentials
// review, [UsersService.Replace], [UsersService.Delete] and
// [UsersService.CancelEmailChange]. With a session PostHog checks no scopes.
//
// The session cookie is sent on every request, and on requests that change
// something also the CSRF token (as the posthog_csrftoken cookie and the
// X-CSRFToken header) with Origin and Referer headers naming the base URL,
// which Django's CSRF protection requires.
func WithSession(s Session) Option {
	return func(c *Client) error {
		cred, err := newSessionCredential(s)
		if err != nil {
			return err
		}
		c.cred = cred
		return nil
	}
}

// WithBaseURL sets the address of the PostHog instance: [USCloud] (the
// default), [EUCloud], or a self-hosted instance such as
// "https://posthog.example.com". A path prefix is kept
// ("https://example.com/posthog" sends requests to
// https://example.com/posthog/api/users/…); a trailing slash and a trailing
// "/api" segment are dropped, so paths never become /api/api/. The URL must
// be absolute http or https, with no user information, query or fragment,
// and must not name the users API itself (…/api/users/).
func WithBaseURL(baseURL string) Option {
	return func(c *Client) error {
		u, err := parseBaseURL(baseURL)
		if err != nil {
			return err
		}
		c.base = u
		return nil
	}
}

// WithInsecureHTTP allows an http:// base URL for a host other than this
// machine. Without it [WithBaseURL] refuses one, since the credential would
// cross the network in clear text; http://localhost and literal loopback
// addresses (127.0.0.0/8, [::1]) are always allowed, but not other names such
// as evil.localhost, which are resolved through DNS.
func WithInsecureHTTP() Option {
	return func(c *Client) error {
		c.insecureHTTP = true
		return nil
	}
}

// WithHTTPClient sets the HTTP client that sends every attempt of every
// request. Its Transport is looked up at every attempt, so an
// httpmock.NewMockTransport() set as hc.Transport, even after NewClient, or a
// transport that records traffic sees every attempt; its Jar, Timeout and
// CheckRedirect are those it has when NewClient is called. Redirects that
// leave the configured base URL's origin (scheme, host and port) are
// refused, so the key never reaches another origin; within the origin the
// client's own CheckRedirect applies.
// The default is a client with a 60-second timeout and its own copy of
// [http.DefaultTransport].
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return &InputError{Arg: "WithHTTPClient", Reason: "the *http.Client is nil"}
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent puts an application token such as "billing-sync/2.1" in front
// of the SDK's own User-Agent, "posthogusers/<Version>". The token must not be
// empty and must not contain control characters.
func WithUserAgent(token string) Option {
	return func(c *Client) error {
		token = strings.TrimSpace(token)
		if token == "" {
			return &InputError{Arg: "WithUserAgent", Reason: "the token is empty"}
		}
		if hasControl(token) {
			return &InputError{Arg: "WithUserAgent", Reason: "the token contains control characters"}
		}
		c.userAgent = token + " " + defaultUserAgent()
		return nil
	}
}

// WithMaxRetries sets how many times a request may be retried after a
// failure (a broken connection, a 5xx, a 2xx body cut short); 0 turns those
// retries off. The default is 3. Retries after 429 have their own budget,
// [WithMaxRateLimitRetries], so throttling does not use these up. Which
// failures are retried is described in the package documentation under
// Retries.
func WithMaxRetries(n int) Option {
	return func(c *Client) error { return setRetries(&c.maxRetries, "WithMaxRetries", n) }
}

// WithMaxRateLimitRetries sets how many times a request may be retried after
// PostHog throttled it (429); 0 returns the [*RateLimitError] at once. The
// default is 5. Failures have their own budget, [WithMaxRetries].
func WithMaxRateLimitRetries(n int) Option {
	return func(c *Client) error { return setRetries(&c.maxRateLimitRetries, "WithMaxRateLimitRetries", n) }
}

// setRetries sets *dst to n, the number of retries given to the option
// named option, which must not be negative.
func setRetries(dst *int, option string, n int) error {
	if n < 0 {
		return &InputError{Arg: option, Reason: fmt.Sprintf("%d is negative", n)}
	}
	*dst = n
	return nil
}

// WithRetryWait sets the shortest and longest wait between attempts when
// PostHog gives no Retry-After: the wait doubles from minWait with every
// attempt, never exceeds maxWait, and is shortened by up to half at random so
// that clients do not retry in step. The defaults are 500ms and 10s. Both must
// be positive and minWait must not exceed maxWait.
func WithRetryWait(minWait, maxWait time.Duration) Option {
	return func(c *Client) error {
		if minWait <= 0 || maxWait <= 0 {
			return &InputError{Arg: "WithRetryWait", Reason: "waits must be positive"}
		}
		if minWait > maxWait {
			return &InputError{Arg: "WithRetryWait", Reason: fmt.Sprintf("minimum %v exceeds maximum %v", minWait, maxWait)}
		}
		c.retryWaitMin, c.retryWaitMax = minWait, maxWait
		return nil
	}
}

// WithMaxRetryAfter sets the longest wait requested by PostHog in a
// Retry-After header (on 429 and 503) that the client will sleep before
// retrying. When PostHog asks for a longer wait, the request is not retried
// and a [*RateLimitError] carrying the requested wait is returned at once, so
// the caller decides. 0 means never sleep on Retry-After. The default is 60s.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return &InputError{Arg: "WithMaxRetryAfter", Reason: fmt.Sprintf("%v is negative", d)}
		}
		c.maxRetryAfter = d
		return nil
	}
}

// WithMaxResponseBytes sets the most bytes the client reads of a
// successful answer, counted after decompression (net/http asks for gzip
// and inflates it on its own). An answer that announces more, or turns out
// to hold more, fails with an error matching [ErrResponseTooLarge] that
// names the cap, and is not retried; what the client read of it is freed.
// The default, 32 MiB, is far above any answer PostHog gives except a
// [UsersService.List] page of thousands of users: list those with
// [UsersService.All] or [UsersService.Scan], which read a page one user at a
// time and cap each user instead. n must be positive.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return &InputError{Arg: "WithMaxResponseBytes", Reason: fmt.Sprintf("%d is not positive", n)}
		}
		c.maxResponseBytes = n
		return nil
	}
}

// WithLogger makes the client log to l. Every attempt of every request is
// logged at Debug level with the method, the path (without its query), the
// status or transport error, the attempt number and the duration; a retry
// about to wait is logged at Info level with its reason and wait.
// Credentials, headers, queries and bodies are never logged (see
// [WithDebugDumps]). Logging is off by default; a nil l turns it off.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// WithDebugDumps makes the client log, at Debug level to the [WithLogger]
// logger, every request it sends and every response it gets: method, URL
// (query included), the headers of an allow list, and the first 4 KiB of the
// body, with every credential of the client replaced by "[redacted]".
//
// In JSON bodies the values of secret members are shown as "[redacted]",
// at any depth and whatever their kind: members named password or
// current_password, backup_codes, secret or token, and any whose name
// contains "password", "secret" or "token" (such as api_token), and in
// requests "code" (an email verification or two-factor code; in answers
// "code" is PostHog's error code and stays). So is any string value that
// is an otpauth:// URI. This covers the passwords of [UsersService.Update]
// and [UsersService.Replace], the codes of [TwoFactorService.Validate] and
// [UsersService.VerifyEmail], the secret of [TwoFactorService.StartSetup],
// the codes of [TwoFactorService.BackupCodes] and push tokens. A JSON body
// that is cut short or turns invalid is shown only up to there, marked
// "…[rest not shown: not valid JSON]"; a body that is not JSON (an HTML
// error page) is shown as it is, less the client's credentials.
//
// Bodies still hold personal data such as email addresses: turn dumps on
// only to diagnose.
func WithDebugDumps() Option {
	return func(c *Client) error {
		c.dumps = true
		return nil
	}
}

// String describes the client without its credential, so that printing a
// Client with fmt never shows the key.
func (c *Client) String() string {
	auth := "none"
	if c.cred != nil {
		auth = c.cred.describe()
	}
	return fmt.Sprintf("posthogusers.Client{BaseURL: %s, Auth: %s}", c.baseString, auth)
}

// GoString is [Client.String], for the %#v verb.
func (c *Client) GoString() string { return c.String() }

// Format prints [Client.String] for every verb, for a Client and a *Client
// alike, so that no verb (%d, %x, …) prints the fields. The credential is
// kept so that printers that walk unexported fields by reflection do not
// see it either.
func (c Client) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String()) }

// BaseURL returns the base URL requests are sent to, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseString }

func defaultUserAgent() string { return "posthogusers/" + Version }

// parseBaseURL validates and normalizes a base URL for WithBaseURL.
func parseBaseURL(raw string) (*url.URL, error) {
	bad := func(reason string) error {
		return &InputError{Arg: "WithBaseURL", Reason: reason}
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, bad("the URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("the URL does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, bad(`the URL must be absolute, with scheme "http" or "https"`)
	case u.Host == "" || u.Hostname() == "":
		return nil, bad("the URL has no host")
	case u.User != nil:
		return nil, bad("the URL must not carry user information; the key is passed to NewClient")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, bad("the URL must not have a query")
	case u.Fragment != "":
		return nil, bad("the URL must not have a fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if strings.Contains(u.Path+"/", "/api/users/") {
		// The path is not repeated: a proxy's path may hold a key.
		return nil, bad("the URL names the users API; give the instance's address, the part before /api/users, such as https://posthog.example.com")
	}
	u.Path = strings.TrimSuffix(u.Path, "/api")
	u.RawPath = ""
	return u, nil
}

// isLoopback reports whether host (a URL's Hostname, without brackets)
// names this machine: a literal loopback address (127.0.0.0/8, ::1) or the
// name localhost, in any case. Other names, those under .localhost
// included, are refused: Go's resolver looks them up in DNS like any name,
// so they may lead off the machine. So is the absolute name "localhost.":
// Go's resolver does not match it against the hosts file's "localhost" and
// asks DNS.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hasControl reports whether s contains an ASCII control character.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
