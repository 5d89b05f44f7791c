package posthogusers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"
)

// request is one call of an operation.
type request struct {
	op opID
	// user is the user ID argument of operations whose path starts with
	// /api/users/{uuid}/: do checks it and makes it the first path
	// parameter.
	user   string
	params []string // the other path parameters, in the order of the template
	query  any      // a struct with `url` tags, or nil
	body   any      // a value to send as JSON, or nil

	// stream, when set, reads a 2xx body as it arrives instead of do
	// decoding it: the body is not read within the attempt, so a body cut
	// short is stream's to handle. Its error is returned as it is.
	stream func(body io.Reader) error
	// onRetryAfter, when set, is told of every wait PostHog asks for with
	// Retry-After before the attempt that honours it.
	onRetryAfter func(wait time.Duration)
}

// fetch sends r and returns its decoded 2xx body.
func fetch[T any](ctx context.Context, c *Client, r request) (*T, error) {
	out := new(T)
	if err := c.do(ctx, r, out); err != nil {
		return nil, err
	}
	return out, nil
}

// userPathPrefix starts the paths of operations on one user named by UUID
// or [Me].
const userPathPrefix = "/api/users/{uuid}/"

// call is the state of one request across its attempts.
type call struct {
	c      *Client
	op     *operation
	method string
	path   string   // the expanded path, for messages
	url    *url.URL // the request URL, for errors when a response lacks its request

	stream       bool                // the 2xx body is read by the caller, as it arrives
	onRetryAfter func(time.Duration) // see request.onRetryAfter

	attempts     int
	attemptStart time.Time // when the current attempt started
	bodyErr      error     // the failed read of the current attempt's body
	body         []byte    // the current attempt's body, when it was read within the attempt
}

// do sends r and decodes a 2xx response body into out (when out is not nil
// and the response has a body). Every request of the client goes through do.
func (c *Client) do(ctx context.Context, r request, out any) error {
	if ctx == nil {
		return &InputError{Arg: "ctx", Reason: "the context is nil"}
	}
	op := &operations[r.op]
	params := r.params
	if strings.HasPrefix(op.path, userPathPrefix) {
		id, err := userID(r.user)
		if err != nil {
			return err
		}
		params = append([]string{id}, params...)
	}
	path, err := expandPath(op.path, params...)
	if err != nil {
		return err
	}
	k := &call{c: c, op: op, method: op.method, path: path, stream: r.stream != nil, onRetryAfter: r.onRetryAfter}
	if s, ok := c.cred.(*sessionCredential); ok && s.csrfToken == "" && !safeMethod(op.method) && op.access != accessAnonymous {
		return &InputError{Arg: "WithSession: CSRFToken", Reason: fmt.Sprintf("PostHog needs the session's CSRF token for %s %s", op.method, path)}
	}

	rawURL := c.baseString + path
	if r.query != nil {
		v, err := query.Values(r.query)
		if err != nil {
			return fmt.Errorf("posthogusers: %s %s: encoding query: %w", k.method, path, err)
		}
		if len(v) > 0 {
			rawURL += "?" + v.Encode()
		}
	}
	var body any // untyped nil unless there is a body, so GETs carry none
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("posthogusers: %s %s: encoding body: %w", k.method, path, err)
		}
		body = b
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, op.method, rawURL, body)
	if err != nil {
		return fmt.Errorf("posthogusers: %s %s: %w", k.method, path, err)
	}
	k.url = req.URL
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if op.access != accessAnonymous {
		c.cred.authorize(req.Header, op.method)
	}

	resp, err := k.retryClient().Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return fmt.Errorf("posthogusers: %s %s: after %d attempt(s): %w", k.method, path, max(k.attempts, 1), scrub(err))
	}
	defer drainAndClose(resp.Body)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return k.responseError(resp)
	}
	if r.stream != nil {
		return r.stream(resp.Body)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := k.decode(resp, out); err != nil {
		return fmt.Errorf("posthogusers: %s %s: decoding %d response: %w", k.method, path, resp.StatusCode, err)
	}
	return nil
}

// decode decodes a 2xx body into out: from memory when the attempt already
// read it, otherwise from the stream.
func (k *call) decode(resp *http.Response, out any) error {
	if k.body != nil {
		return json.Unmarshal(k.body, out)
	}
	return json.UnmarshalRead(resp.Body, out)
}

// retryClient returns the go-retryablehttp client that sends this call's
// attempts through the Client's *http.Client.
func (k *call) retryClient() *retryablehttp.Client {
	c := k.c
	// A shallow copy of the caller's client, taken now so that a Transport
	// swapped in later (httpmock.ActivateNonDefault) is the one used, with a
	// redirect policy that keeps the credential on the configured origin.
	hc := *c.httpClient
	hc.CheckRedirect = c.checkRedirect(c.httpClient.CheckRedirect)
	return &retryablehttp.Client{
		HTTPClient:     &hc,
		RetryWaitMin:   c.retryWaitMin,
		RetryWaitMax:   c.retryWaitMax,
		RetryMax:       c.maxRetries,
		CheckRetry:     k.checkRetry,
		Backoff:        k.backoff,
		ErrorHandler:   k.errorHandler,
		RequestLogHook: k.beforeAttempt,
	}
}

// errRedirect is returned (wrapped in a *url.Error) for a redirect that would
// leave the configured origin.
var errRedirect = errors.New("posthogusers: refused a redirect to another origin; the credential stays with the configured base URL")

// checkRedirect returns a redirect policy that refuses redirects leaving the
// base URL's origin and otherwise defers to next (or to net/http's default of
// at most 10 redirects).
func (c *Client) checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(req.URL, c.base) {
			return errRedirect
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && a.Hostname() == b.Hostname() && portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// scrub drops the query from the URL of a *url.Error, so that filter values
// such as an email address do not end up in error strings.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User = "", nil
			ue.URL = u.String()
		}
	}
	return err
}

// drainAndClose reads what is left of a body, up to a limit, so that the
// connection can be reused, and closes it.
func drainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
