package posthogusers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
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
	// ErrInvalidInput matches [*InputError]: an argument or option was
	// refused before any request was sent.
	ErrInvalidInput = errors.New("posthogusers: invalid input")
)

// maxErrorBodySize bounds how much of an error response is read.
const maxErrorBodySize = 64 << 10

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

	apiPath string // the API path, without the base URL's path prefix
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
	return b.String()
}

// Is makes [errors.Is] match the sentinel of the error's status class.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
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
	return fmt.Sprintf("posthogusers: %s %s needs scope %s; the key lacks it", e.Method, e.Path, e.Scope)
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
	return fmt.Sprintf("posthogusers: %s %s needs a logged-in PostHog session: %s", e.Method, e.Path, e.Reason)
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
	if e.RetryAfter > 0 {
		return fmt.Sprintf("posthogusers: %s %s: rate limited by PostHog after %d attempt(s); retry after %v",
			e.Err.Method, e.Err.path(), e.Err.Attempts, e.RetryAfter)
	}
	return fmt.Sprintf("posthogusers: %s %s: rate limited by PostHog after %d attempt(s)",
		e.Err.Method, e.Err.path(), e.Err.Attempts)
}

// Unwrap returns the [*APIError], so that errors.Is(err, ErrRateLimited)
// holds.
func (e *RateLimitError) Unwrap() error { return e.Err }

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
// It reads at most maxErrorBodySize bytes of the body and removes the
// client's credential from anything it keeps.
func (k *call) responseError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	for _, secret := range k.c.cred.secrets() {
		if secret != "" && bytes.Contains(body, []byte(secret)) {
			body = bytes.ReplaceAll(body, []byte(secret), []byte("[redacted]"))
		}
	}
	u := k.url
	if resp.Request != nil && resp.Request.URL != nil {
		u = resp.Request.URL // after any redirect
	}
	apiErr := &APIError{
		StatusCode: resp.StatusCode,
		Method:     k.method,
		URL:        redactURL(u),
		Attempts:   k.attempts,
		Body:       body,
		apiPath:    k.path,
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), k.c.now()); ok {
		apiErr.RetryAfter = d
	}
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil {
		apiErr.Type, apiErr.Code, apiErr.Detail = env.Type, env.Code, env.Detail
		if env.Attr != nil {
			apiErr.Attr = *env.Attr
		}
	}
	return k.classify(apiErr)
}

// classify wraps apiErr in the error type its status and detail call for.
// The refusals of keys and tokens only become a [*SessionRequiredError] when
// the client authenticates with one: a session that gets 401 has expired.
func (k *call) classify(apiErr *APIError) error {
	if apiErr.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{RetryAfter: apiErr.RetryAfter, Err: apiErr}
	}
	if k.c.cred.isSession() {
		return apiErr
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized:
		if k.op.access == accessSessionAuth {
			return &SessionRequiredError{Method: k.method, Path: k.path, Err: apiErr,
				Reason: "PostHog only accepts session authentication here and ignores personal API keys and OAuth tokens"}
		}
	case http.StatusForbidden:
		switch {
		case strings.HasPrefix(apiErr.Detail, detailMissingScopePrefix):
			scope := strings.TrimSuffix(strings.TrimPrefix(apiErr.Detail, detailMissingScopePrefix), "'")
			if scope == "" {
				scope = string(k.op.scope)
			}
			return &ScopeError{Scope: Scope(scope), Method: k.method, Path: k.path, Err: apiErr}
		case apiErr.Detail == detailNoKeyAccess, k.op.access == accessSessionOnly:
			return &SessionRequiredError{Method: k.method, Path: k.path, Err: apiErr,
				Reason: "PostHog refuses personal API keys and OAuth tokens on this endpoint, whatever their scopes"}
		case strings.HasPrefix(apiErr.Detail, detailIdentityChange):
			return &SessionRequiredError{Method: k.method, Path: k.path, Err: apiErr,
				Reason: "PostHog only lets a user change their email or password from the PostHog app, not with an API key or token"}
		}
	}
	return apiErr
}

// redactURL returns u as a string without user information or a
// personal_api_key query parameter.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	r.User = nil
	if r.RawQuery != "" {
		q := r.Query()
		if q.Has("personal_api_key") {
			q.Set("personal_api_key", "[redacted]")
			r.RawQuery = q.Encode()
		}
	}
	return r.String()
}

// parseRetryAfter reads a Retry-After header value: a number of seconds or an
// HTTP date. A date in the past gives 0. ok is false for an absent or
// unreadable value.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
