package posthogusers

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
)

// Sentinel errors for classes of failure. Every error the client returns for
// a PostHog response matches one of them with [errors.Is] when its status
// belongs to the class; errors for arguments refused before sending match
// [ErrInvalidInput].
var (
	// ErrUnauthorized matches 401 responses: no valid credential, such as a
	// revoked key or a key from the other PostHog Cloud region.
	ErrUnauthorized = errors.New("posthogusers: unauthorized")
	// ErrForbidden matches 403 responses, including [*ScopeError] and most
	// [*SessionRequiredError]s.
	ErrForbidden = errors.New("posthogusers: forbidden")
	// ErrNotFound matches 404 responses.
	ErrNotFound = errors.New("posthogusers: not found")
	// ErrConflict matches 409 responses, such as deleting a user who still
	// belongs to an organization.
	ErrConflict = errors.New("posthogusers: conflict")
	// ErrValidation matches 400 responses: PostHog rejected the request's
	// content. [APIError.Attr] names the field.
	ErrValidation = errors.New("posthogusers: validation failed")
	// ErrRateLimited matches 429 responses, returned as [*RateLimitError].
	ErrRateLimited = errors.New("posthogusers: rate limited")
	// ErrSessionRequired matches [*SessionRequiredError]: the endpoint or
	// change needs a logged-in PostHog session, not an API key.
	ErrSessionRequired = errors.New("posthogusers: needs a logged-in PostHog session")
	// ErrOutcomeUnknown matches errors of writes (POST, PUT, PATCH,
	// DELETE) that may have been applied although the call failed: the
	// connection broke after the request was sent, PostHog or a proxy
	// answered 5xx, or a 2xx answer was cut short. Read the state back
	// before repeating such a write. The package documentation, under
	// "Writes and unknown outcomes", says which writes the client retries
	// itself and what to do after the four it sends only once.
	ErrOutcomeUnknown = errors.New("posthogusers: the write may have been applied")
	// ErrEndpointNotFound matches [*EndpointNotFoundError]: the address
	// answered 404 for the endpoint itself, which points at a wrong base URL.
	ErrEndpointNotFound = errors.New("posthogusers: endpoint not found; check the base URL")
	// ErrInvalidInput matches [*InputError]: an argument or option was
	// refused before any request was sent.
	ErrInvalidInput = errors.New("posthogusers: invalid input")
	// ErrMalformedResponse matches errors for a 2xx answer that is not
	// what PostHog sends: not JSON of the operation's shape, an object
	// without a member PostHog always sends (null, {} or an empty 204 where
	// a user belongs), a list page with more items than its limit, or
	// pages that do not move on. Such an answer comes from a proxy, a cache
	// or a server that is not PostHog; it is not retried.
	ErrMalformedResponse = errors.New("posthogusers: malformed answer")
	// ErrResponseTooLarge matches errors for an answer larger than the
	// client reads: [WithMaxResponseBytes] for a call, the cap on one
	// user's JSON for a scan. It is not retried.
	ErrResponseTooLarge = errors.New("posthogusers: answer too large")
)

// pkgPrefix starts the text of every error of the package, once.
const pkgPrefix = "posthogusers: "

// wrapf returns an error that wraps err, whose text is pkgPrefix, the
// context format says, and the text of err without its own pkgPrefix, so
// that the prefix appears once however errors nest.
func wrapf(err error, format string, args ...any) error {
	return &wrappedError{text: pkgPrefix + fmt.Sprintf(format, args...) + ": " + bare(err), errs: []error{err}}
}

// bare returns err's text without its leading pkgPrefix, for an error
// whose text goes inside another's.
func bare(err error) string { return strings.TrimPrefix(err.Error(), pkgPrefix) }

// wrappedError is an error of wrapf: a text and the errors it matches.
type wrappedError struct {
	text string
	errs []error
}

func (e *wrappedError) Error() string   { return e.text }
func (e *wrappedError) Unwrap() []error { return e.errs }

// maxErrorBodySize bounds how much of an error response is read.
const maxErrorBodySize = 64 << 10

// malformedError is the error of a 2xx answer that is not of the
// operation's shape. It matches [ErrMalformedResponse].
type malformedError struct {
	method, path string
	reason       string
	err          error // the decoder's error, if any
}

func (e *malformedError) Error() string {
	msg := fmt.Sprintf("posthogusers: %s %s: malformed answer: %s", e.method, e.path, e.reason)
	if e.err != nil {
		msg += ": " + bare(e.err)
	}
	return msg
}

func (e *malformedError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrMalformedResponse) hold.
func (e *malformedError) Is(target error) bool { return target == ErrMalformedResponse }

// htmlAnswer is the error of a 2xx answer that is an HTML page where
// PostHog sends JSON: a login page, or a proxy's page, answered in its
// place, so the base URL is likely wrong. It matches ErrMalformedResponse.
func htmlAnswer(method, path string, status int) error {
	return &malformedError{method: method, path: path, reason: fmt.Sprintf(
		"the %d answer is an HTML page, not PostHog's JSON: a login page or a proxy answered; check the base URL (WithBaseURL)", status)}
}

// isHTML reports whether an answer whose body is data is an HTML page: its
// Content-Type says so, or its body starts with '<'.
func isHTML(h http.Header, data []byte) bool {
	data = bytes.TrimSpace(data)
	return len(data) > 0 && (htmlType(h) || data[0] == '<')
}

// htmlType reports whether an answer's Content-Type is HTML.
func htmlType(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// tooLargeError is the error of an answer larger than the client reads. It
// matches [ErrResponseTooLarge].
type tooLargeError struct {
	what  string // what is too large; "the answer" when empty
	limit int64
	// announced is the answer's Content-Length when that alone was over
	// the limit; 0 when the answer was read up to the limit.
	announced int64
	option    string // how to raise the limit
}

func (e *tooLargeError) Error() string {
	if e.announced > 0 {
		return fmt.Sprintf("the answer announces %d bytes, over the cap of %s; %s", e.announced, byteSize(e.limit), e.option)
	}
	what := cmp.Or(e.what, "the answer")
	return fmt.Sprintf("%s holds more than the cap of %s; %s", what, byteSize(e.limit), e.option)
}

// Is makes errors.Is(err, ErrResponseTooLarge) hold.
func (e *tooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

// byteSize writes n bytes for a message: "32 MiB (33554432 bytes)", or "100
// bytes" below a KiB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Exact messages PostHog sends with 403 (posthog/permissions.py,
// posthog/api/user.py).
const (
	detailMissingScopePrefix = "API key missing required scope '"
	detailNoKeyAccess        = "This action does not support personal API key access"
	detailIdentityChange     = "You can only change your email or password from the PostHog app"
)

// APIError is a response from PostHog outside the 2xx range. The error
// envelope fields are PostHog's own ({type, code, detail, attr}, from
// drf-exceptions-hog); they are empty when the body was not such an envelope,
// such as a proxy's HTML error page or an empty 404.
type APIError struct {
	// StatusCode is the HTTP status code, such as 404.
	StatusCode int
	// Type is the envelope's class of error: "validation_error",
	// "invalid_request", "authentication_error", "throttled_error" or
	// "server_error".
	Type string
	// Code is the envelope's machine-readable code, such as "not_found",
	// "permission_denied" or "invalid_input".
	Code string
	// Detail is the envelope's human-readable message.
	Detail string
	// Attr names the field a validation error is about ("" when none; nested
	// fields are joined with "__").
	Attr string
	// Method is the request's HTTP method.
	Method string
	// URL is the request URL. It never holds a credential.
	URL string
	// Attempts is how many times the request was sent.
	Attempts int
	// RetryAfter is the wait PostHog asked for in a Retry-After header, or 0.
	RetryAfter time.Duration
	// Body is the start of the response body (at most 64 KiB), for
	// diagnosis.
	Body []byte
	// Hint suggests a cause when the client can guess one, such as a key of
	// the other PostHog Cloud region on 401; "" otherwise.
	Hint string
	// History says why each earlier attempt failed, oldest first, such as
	// "503 Service Unavailable" or "connection reset"; empty when the
	// request was sent once.
	History []string
	// Header holds the answer's headers that help diagnose it, at most
	// four values of 256 bytes each, with any credential of the client in a
	// value replaced by "[redacted]": Content-Type, Content-Length, Date,
	// Retry-After, X-Request-Id, Server, Via, a CDN's CF-Ray,
	// CF-Cache-Status, X-Cache, Age, X-Amz-Cf-Id, X-Amz-Cf-Pop and
	// X-Served-By, and Location, Allow, WWW-Authenticate, Deprecation and
	// Sunset. Cookies and every other header are left out.
	Header http.Header
	// RequestID is the answer's X-Request-Id, when it is at most 128
	// letters, digits and ._:+=/- characters, "" otherwise: quote it, with
	// Header's Date and CF-Ray, when asking PostHog's support about the
	// request. Error shows it when it is at most 64 characters long.
	RequestID string

	apiPath string // the API path, without the base URL's path prefix
	// endpointMissing is set on a 404 that says there is no such endpoint,
	// which does not match ErrNotFound.
	endpointMissing bool
}

// Error describes the failure with PostHog's detail when there is one.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "posthogusers: %s %s: %d %s", e.Method, e.path(), e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Attr != "" {
		fmt.Fprintf(&b, " (attr %s)", e.Attr)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	if e.RequestID != "" && len(e.RequestID) <= 64 {
		fmt.Fprintf(&b, " [request ID %s]", e.RequestID)
	}
	b.WriteString(e.attemptsNote())
	return b.String()
}

// errorHeaders are the headers of an answer outside 2xx that an [APIError]
// keeps: what PostHog, a proxy or a CDN says about the answer, never a
// cookie or a credential.
var errorHeaders = []string{
	"Content-Type", "Content-Length", "Date", "Retry-After", "X-Request-Id", "Server", "Via",
	"Cf-Ray", "Cf-Cache-Status", "X-Cache", "Age", "X-Amz-Cf-Id", "X-Amz-Cf-Pop", "X-Served-By",
	"Location", "Allow", "Www-Authenticate", "Deprecation", "Sunset",
}

// Bounds on the headers an APIError keeps, against an answer that sends
// many or long ones.
const (
	maxErrorHeaderValues = 4
	maxErrorHeaderValue  = 256
)

// errorHeader returns the headers of errorHeaders in h, within the bounds,
// with secrets scrubbed from their values; nil when there are none.
func errorHeader(h http.Header, secrets []string) http.Header {
	var out http.Header
	for _, name := range errorHeaders {
		values := h.Values(name)
		for _, v := range values[:min(len(values), maxErrorHeaderValues)] {
			if out == nil {
				out = http.Header{}
			}
			v = scrubString(v, secrets)
			if len(v) > maxErrorHeaderValue {
				v = strings.ToValidUTF8(v[:maxErrorHeaderValue], "") + "…"
			}
			out[name] = append(out[name], v)
		}
	}
	return out
}

// requestID returns the request ID of an answer's scrubbed headers: its
// X-Request-Id when that is at most 128 characters of [A-Za-z0-9._:+=/-],
// so that it is safe to print; "" otherwise.
func requestID(h http.Header) string {
	id := h.Get("X-Request-Id")
	if id == "" || len(id) > 128 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._:+=/-", c) >= 0) {
			return ""
		}
	}
	return id
}

// attemptsNote says, for a request sent more than once, how many times and
// why each earlier attempt failed: " (after 4 attempts; earlier: 503
// Service Unavailable; …)". It is "" for a request sent once.
func (e *APIError) attemptsNote() string {
	if e == nil || e.Attempts <= 1 {
		return ""
	}
	if len(e.History) == 0 {
		return fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return fmt.Sprintf(" (after %d attempts; earlier: %s)", e.Attempts, strings.Join(e.History, "; "))
}

// Is makes [errors.Is] match the sentinel of the error's status class.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound && !e.endpointMissing
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// path returns the API path of the request, for messages.
func (e *APIError) path() string {
	if e.apiPath != "" {
		return e.apiPath
	}
	if u, err := url.Parse(e.URL); err == nil && u.Path != "" {
		return u.EscapedPath()
	}
	return e.URL
}

// ScopeError reports that the key lacks the scope an endpoint needs: PostHog
// answered 403 "API key missing required scope '…'". Create a key with the
// scope in PostHog's personal API key settings.
type ScopeError struct {
	// Scope is the scope the key lacks, such as [ScopeUserWrite].
	Scope Scope
	// Method and Path name the request that was refused.
	Method, Path string
	// Err is PostHog's response.
	Err *APIError
}

// Error names the operation and the missing scope.
func (e *ScopeError) Error() string {
	return fmt.Sprintf("posthogusers: %s %s needs scope %s; the key lacks it", e.Method, e.Path, e.Scope) + e.Err.attemptsNote()
}

// Unwrap returns the [*APIError], so that errors.Is(err, ErrForbidden) holds.
func (e *ScopeError) Unwrap() error { return e.Err }

// SessionRequiredError reports that PostHog refused a personal API key or
// OAuth token for something only a logged-in PostHog session may do: an
// endpoint closed to keys (403 "This action does not support personal API key
// access"), an endpoint that only tries session authentication (DELETE of a
// user, 401), or changing a user's email or password (403).
type SessionRequiredError struct {
	// Method and Path name the request that was refused.
	Method, Path string
	// Reason says what needs the session.
	Reason string
	// Err is PostHog's response.
	Err *APIError
}

// Error names the operation and why it needs a session.
func (e *SessionRequiredError) Error() string {
	return fmt.Sprintf("posthogusers: %s %s needs a logged-in PostHog session: %s", e.Method, e.Path, e.Reason) + e.Err.attemptsNote()
}

// Unwrap returns the [*APIError].
func (e *SessionRequiredError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrSessionRequired) hold.
func (e *SessionRequiredError) Is(target error) bool { return target == ErrSessionRequired }

// RateLimitError reports a 429 from PostHog that the client did not, or no
// longer would, retry: retries ran out, or PostHog asked for a wait longer than
// [WithMaxRetryAfter] allows.
type RateLimitError struct {
	// RetryAfter is the wait PostHog asked for, or 0 when it gave none.
	RetryAfter time.Duration
	// Err is PostHog's response.
	Err *APIError
}

// Error says how long PostHog asked the client to wait.
func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("posthogusers: %s %s: rate limited by PostHog after %d attempt(s)", e.Err.Method, e.Err.path(), e.Err.Attempts)
	if len(e.Err.History) > 0 {
		msg += "; earlier: " + strings.Join(e.Err.History, "; ")
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf("; retry after %v", e.RetryAfter)
	}
	return msg
}

// Unwrap returns the [*APIError], so that errors.Is(err, ErrRateLimited)
// holds.
func (e *RateLimitError) Unwrap() error { return e.Err }

// EndpointNotFoundError reports a 404 that is not PostHog's answer for a
// missing object: PostHog's "Endpoint not found." for a path it has no route
// for, or a 404 whose body is not PostHog's JSON (the base URL names another
// server). It matches [ErrEndpointNotFound], not [ErrNotFound]: the base URL
// is wrong, not the user ID.
type EndpointNotFoundError struct {
	// BaseURL is the client's base URL.
	BaseURL string
	// Err is the response.
	Err *APIError

	raw bool // the request of Client.Do, whose path may be the wrong part
}

// Error names the request and points at the base URL.
func (e *EndpointNotFoundError) Error() string {
	if e.raw {
		return fmt.Sprintf("posthogusers: %s %s: 404 from %s: no such PostHog endpoint there; check the path and the base URL (WithBaseURL)", e.Err.Method, e.Err.path(), e.BaseURL)
	}
	return fmt.Sprintf("posthogusers: %s %s: 404 from %s: no PostHog users API there; check the base URL (WithBaseURL)", e.Err.Method, e.Err.path(), e.BaseURL)
}

// Unwrap returns the [*APIError].
func (e *EndpointNotFoundError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrEndpointNotFound) hold.
func (e *EndpointNotFoundError) Is(target error) bool { return target == ErrEndpointNotFound }

// RedirectError reports a redirect the client refused to follow: one that
// leaves the base URL's origin (the credential stays with the configured
// base URL), or a 301, 302 or 303 answer to a write, which net/http would
// follow with a GET that drops the write.
type RedirectError struct {
	// StatusCode is the redirect's status, such as 302.
	StatusCode int
	// Method and Path name the request that was redirected.
	Method, Path string
	// Location is where the redirect pointed, without query and with any
	// credential of the client removed.
	Location string
	// Reason says why the redirect was refused and what to do.
	Reason string
}

// Error names the request, the redirect and the reason.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("posthogusers: %s %s: refused a %d redirect to %s: %s", e.Method, e.Path, e.StatusCode, e.Location, e.Reason)
}

// InputError reports an argument or option that the client refused before
// sending anything.
type InputError struct {
	// Arg names the argument, field or option, such as "id" or "WithBaseURL".
	Arg string
	// Reason says what is wrong with it.
	Reason string
}

// Error names the argument and the reason.
func (e *InputError) Error() string {
	return fmt.Sprintf("posthogusers: invalid %s: %s", e.Arg, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidInput) hold.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// describeArg describes a refused argument without repeating any of it: an
// argument in the wrong place may be a credential (the key passed as a user
// ID), and an error text travels to logs. It names the length and, for
// values that look like PostHog credentials, says so.
func describeArg(s string) string {
	switch {
	case s == "":
		return "an empty value"
	case looksLikeCredential(s):
		return fmt.Sprintf("a value of %d characters that looks like a PostHog key or token", len(s))
	}
	return fmt.Sprintf("a value of %d characters", len(s))
}

// looksLikeCredential reports whether s starts like one of PostHog's keys
// or tokens.
func looksLikeCredential(s string) bool {
	for _, p := range []string{prefixPersonalKey, prefixProjectToken, prefixProjectSecret, prefixOAuthAccess, prefixOAuthRefresh} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// errorEnvelope is PostHog's error body.
type errorEnvelope struct {
	Type   string  `json:"type"`
	Code   string  `json:"code"`
	Detail string  `json:"detail"`
	Attr   *string `json:"attr"`
}

// responseError turns a response outside 2xx into the most precise error type.
// It keeps at most maxErrorBodySize bytes of the body (readBody read them
// within the attempt) and removes the call's credentials from anything it
// keeps.
func (cl *call) responseError(resp *http.Response) error {
	body, ok := bodyOf(resp)
	if !ok {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	}
	for _, secret := range cl.secrets {
		if secret != "" && bytes.Contains(body, []byte(secret)) {
			body = bytes.ReplaceAll(body, []byte(secret), []byte("[redacted]"))
		}
	}
	u := cl.url
	if resp.Request != nil && resp.Request.URL != nil {
		u = resp.Request.URL // after any redirect
	}
	apiErr := &APIError{
		StatusCode: resp.StatusCode,
		Method:     cl.method,
		URL:        scrubString(redactURL(u), cl.secrets), // a redirect may have put one in the path
		Attempts:   max(len(cl.attempts), 1),
		Body:       body,
		History:    cl.history(),
		Header:     errorHeader(resp.Header, cl.secrets),
		apiPath:    cl.path,
	}
	apiErr.RequestID = requestID(apiErr.Header)
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), cl.c.now()); ok {
		apiErr.RetryAfter = d
	}
	if env, ok := parseEnvelope(body); ok {
		apiErr.Type, apiErr.Code, apiErr.Detail = env.Type, env.Code, env.Detail
		if env.Attr != nil {
			apiErr.Attr = *env.Attr
		}
	}
	err := cl.classify(apiErr)
	if cl.beyondDeadline > 0 && resp.StatusCode != http.StatusTooManyRequests {
		// A 503 whose Retry-After passes the deadline; a 429's is the
		// *RateLimitError itself.
		return &deadlineError{wait: cl.beyondDeadline, err: err}
	}
	return err
}

// parseEnvelope decodes PostHog's error envelope. ok is false when body is
// not a JSON object with at least one of the envelope's fields.
func parseEnvelope(body []byte) (env errorEnvelope, ok bool) {
	if json.Unmarshal(body, &env) != nil {
		return errorEnvelope{}, false
	}
	return env, env.Type != "" || env.Code != "" || env.Detail != "" || env.Attr != nil
}

// detailEndpointNotFound is the detail of PostHog's 404 for a path it has
// no route for (posthog/urls.py, api_not_found).
const detailEndpointNotFound = "Endpoint not found."

// isEndpointMissing reports whether a 404 body says that there is no such
// endpoint rather than no such object: PostHog's "Endpoint not found.", or
// a body that is not PostHog's JSON at all (another server's page). An
// empty body is PostHog's (signal autonomy answers 404 without one).
func isEndpointMissing(body []byte) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		return false
	}
	env, ok := parseEnvelope(body)
	return !ok || env.Detail == detailEndpointNotFound
}

// classify wraps apiErr in the error type its status and detail call for.
// The refusals of keys and tokens only become a [*SessionRequiredError] when
// the client authenticates with one: a session that gets 401 has expired.
func (cl *call) classify(apiErr *APIError) error {
	switch apiErr.StatusCode {
	case http.StatusTooManyRequests:
		return &RateLimitError{RetryAfter: apiErr.RetryAfter, Err: apiErr}
	case http.StatusNotFound:
		if isEndpointMissing(apiErr.Body) {
			apiErr.endpointMissing = true
			return &EndpointNotFoundError{BaseURL: cl.c.baseString, Err: apiErr, raw: cl.op == &rawOperation}
		}
	}
	if cl.c.cred.isSession() {
		return apiErr
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized:
		if cl.op.access == accessSessionAuth {
			return &SessionRequiredError{Method: cl.method, Path: cl.path, Err: apiErr,
				Reason: "PostHog only accepts session authentication here and ignores personal API keys and OAuth tokens"}
		}
		switch {
		case cl.unprefixedKey:
			apiErr.Hint = "the key starts neither with phx_ (a personal API key) nor with pha_ (an OAuth access token): unless it is a legacy personal API key, create a personal API key in PostHog under Settings, Personal API keys"
		case cl.c.base.Host == "us.posthog.com":
			apiErr.Hint = "a key works in one PostHog Cloud region only: a key made on EU Cloud needs WithBaseURL(posthogusers.EUCloud)"
		case cl.c.base.Host == "eu.posthog.com":
			apiErr.Hint = "a key works in one PostHog Cloud region only: a key made on US Cloud needs WithBaseURL(posthogusers.USCloud)"
		}
	case http.StatusForbidden:
		switch {
		case strings.HasPrefix(apiErr.Detail, detailMissingScopePrefix):
			scope := strings.TrimSuffix(strings.TrimPrefix(apiErr.Detail, detailMissingScopePrefix), "'")
			if scope == "" {
				scope = string(cl.op.scope)
			}
			return &ScopeError{Scope: Scope(scope), Method: cl.method, Path: cl.path, Err: apiErr}
		case apiErr.Detail == detailNoKeyAccess, cl.op.access == accessKeyRefused:
			return &SessionRequiredError{Method: cl.method, Path: cl.path, Err: apiErr,
				Reason: "PostHog refuses personal API keys and OAuth tokens on this endpoint, whatever their scopes"}
		case strings.HasPrefix(apiErr.Detail, detailIdentityChange):
			return &SessionRequiredError{Method: cl.method, Path: cl.path, Err: apiErr,
				Reason: "PostHog only lets a user change their email or password from the PostHog app, not with an API key or token"}
		}
	}
	return apiErr
}

// redactURL returns u as a string for an error or a log: without user
// information, and with the value of every query parameter but limit and
// offset replaced by "[redacted]", since filters such as email are personal
// data and a personal_api_key parameter is a credential.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	r.User = nil
	if r.RawQuery != "" {
		q := r.Query()
		for name, values := range q {
			if name != "limit" && name != "offset" {
				for i := range values {
					values[i] = "[redacted]"
				}
			}
		}
		r.RawQuery = q.Encode()
	}
	return r.String()
}

// transportError describes a failure without a usable answer: the
// connection, a refused redirect, a body cut short, or the context.
func (cl *call) transportError(ctx context.Context, err error) error {
	var re *RedirectError
	if errors.As(err, &re) {
		return re
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !saysContext(err, ctxErr) {
		err = &wrappedError{text: ctxErr.Error() + " (" + bare(err) + ")", errs: []error{ctxErr, err}}
	}
	if len(cl.attempts) == 1 && cl.attempts[0].unsent {
		// The context was done before the call, or a middleware refused it.
		return wrapf(err, "%s %s: not sent", cl.method, cl.path)
	}
	err = wrapf(redactURLError(err), "%s %s: %s", cl.method, cl.path, cl.attemptSummary())
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		err = &wrappedError{text: err.Error() + "; the base URL's host name did not resolve: check WithBaseURL, and the network's DNS", errs: []error{err}}
	}
	if cl.beyondDeadline > 0 {
		return &deadlineError{wait: cl.beyondDeadline, err: err}
	}
	return err
}

// saysContext reports whether err matches ctxErr, the error of a done
// context, and says so in its text: a context cancelled with a cause (as
// signal.NotifyContext's is) fails a request with an error that matches
// context.Canceled but reads as the cause alone.
func saysContext(err, ctxErr error) bool {
	return errors.Is(err, ctxErr) && strings.Contains(err.Error(), ctxErr.Error())
}

// attemptSummary says how many attempts were made and how the earlier ones
// failed.
func (cl *call) attemptSummary() string {
	n := max(len(cl.attempts), 1)
	if h := cl.history(); len(h) > 0 {
		return fmt.Sprintf("after %d attempts (earlier: %s)", n, strings.Join(collapseRepeats(h), "; "))
	}
	return fmt.Sprintf("after %d attempt(s)", n)
}

// collapseRepeats writes a run of the same failure once, with its count:
// ["503", "503", "reset"] reads ["2× 503", "reset"].
func collapseRepeats(h []string) []string {
	var out []string
	for i := 0; i < len(h); {
		j := i + 1
		for j < len(h) && h[j] == h[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%d× %s", j-i, h[i]))
		} else {
			out = append(out, h[i])
		}
		i = j
	}
	return out
}

// history says why each attempt before the last failed.
func (cl *call) history() []string {
	if len(cl.attempts) < 2 {
		return nil
	}
	h := make([]string, 0, len(cl.attempts)-1)
	for _, a := range cl.attempts[:len(cl.attempts)-1] {
		h = append(h, a.failure)
	}
	return h
}

// outcome marks the error of a write that may have been applied: an attempt
// may have reached PostHog and been acted on, but no answer says so.
func (cl *call) outcome(err error) error {
	if safeMethod(cl.method) {
		return err
	}
	for _, a := range cl.attempts {
		if a.mayHaveActed {
			return &outcomeUnknownError{err: err}
		}
	}
	return err
}

// outcomeUnknownError is the error of a write that may have been applied.
type outcomeUnknownError struct{ err error }

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + " (the write may have been applied: read the state back before repeating it)"
}

func (e *outcomeUnknownError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrOutcomeUnknown) hold.
func (e *outcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// deadlineError is the last error of a call that stopped retrying because
// the next wait would pass the context's deadline. It matches both the last
// error and context.DeadlineExceeded.
type deadlineError struct {
	wait time.Duration
	err  error
}

func (e *deadlineError) Error() string {
	return fmt.Sprintf("%v; not retried: the next attempt, in %v, would start after the context's deadline", e.err, e.wait)
}

func (e *deadlineError) Unwrap() []error { return []error{e.err, context.DeadlineExceeded} }

// redactURLError redacts the URL of a *url.Error as [redactURL] does, so
// that filter values such as an email address do not end up in error
// strings.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = redactURL(u)
		}
	}
	return err
}

// scrub returns err with every credential value of the call removed from
// its text, wherever it came from (a transport error, a URL, a body).
func (cl *call) scrub(err error) error {
	text := err.Error()
	for _, s := range cl.secrets {
		if s != "" && strings.Contains(text, s) {
			return &scrubbedError{err: err, text: scrubString(text, cl.secrets)}
		}
	}
	return err
}

// scrubbedError is an error whose text held a credential of the client:
// text is that text with the credential removed. It keeps no credential, so
// that printing it by reflection shows none.
type scrubbedError struct {
	err  error
	text string
}

func (e *scrubbedError) Error() string    { return e.text }
func (e *scrubbedError) GoString() string { return e.text }
func (e *scrubbedError) Unwrap() error    { return e.err }

// Format prints the scrubbed text for every verb: verbs that fmt does not
// apply to errors (%d, %x with flags, …) would print the wrapped error's
// fields.
func (e *scrubbedError) Format(f fmt.State, verb rune) { formatRedacted(f, verb, e.text) }

// scrubString replaces every secret in s with "[redacted]".
func scrubString(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
