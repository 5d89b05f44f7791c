package posthogusers

// This file is the request path, in the order a request takes it:
//
//	Users.Get(ctx, id, opts...)     users.go: names the operation and its arguments
//	  fetch, Client.do              this file: options, then build, send, finish
//	    newRequest                  build: the operation's row (operations.go), user ID,
//	                                path, query, JSON body, headers, credential (auth.go)
//	    c.retry.Do                  send: go-retryablehttp's loop, which calls the hooks
//	                                of retry.go around each attempt:
//	      Client.beforeAttempt        opens the attempt's record
//	      http.Client.Do              the wire, through userTransport and Client.checkRedirect
//	      Client.checkRetry           records how the attempt went and applies the policy
//	      readBody                    reads an answer that ends the attempts (checkRetry
//	                                  then looks again, so a body cut short can be retried)
//	      Client.backoff              how long to wait before the next attempt
//	      Client.prepareRetry         a fresh credential for the next attempt
//	    call.finish                 the 2xx body decoded, or the error for the last
//	                                answer (errors.go) or failure
//
// A scan's pages (users_scan.go) take the same path with a stream: readBody
// leaves their 2xx body unread and call.finish hands it to the scan, which
// decodes users as they arrive and asks again, from the first user missing,
// for a page whose body fails midway.
//
// The state of one call (its operation, options and the record of its
// attempts) travels in the request's context as a *call, which only the
// hooks change; the retryablehttp.Client is built once, in NewClient, and
// shared by every call.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"
)

// request is one call of an operation: which endpoint, and its arguments.
type request struct {
	op opID
	// user is the user ID argument of operations whose table row says
	// takesUser: do checks it and makes it the first path parameter.
	user   string
	params []string // the other path parameters, in the order of the template
	query  any      // a struct with `url` tags, or nil
	body   any      // a value to send as JSON, or nil

	// stream, when set, reads a 2xx body as it arrives, in place of do
	// decoding it: the body is not read within the attempt, so a body cut
	// short is stream's to handle.
	stream func(body io.Reader) error
	// onRetryAfter, when set, is told of each wait PostHog asks for with
	// Retry-After, before the retry that honours it.
	onRetryAfter func(wait time.Duration)
}

// fetch sends r and returns its decoded 2xx body.
func fetch[T any](ctx context.Context, c *Client, r request, opts ...RequestOption) (*T, error) {
	out := new(T)
	if err := c.do(ctx, r, out, opts...); err != nil {
		return nil, err
	}
	return out, nil
}

// do sends r and decodes a 2xx response body into out (when out is not nil
// and the response has a body). Every request of the client goes through
// do: it builds the request, sends it with retries, and reads the answer.
func (c *Client) do(ctx context.Context, r request, out any, opts ...RequestOption) error {
	if ctx == nil {
		return &InputError{Arg: "ctx", Reason: "the context is nil"}
	}
	cfg, err := c.requestConfig(opts)
	if err != nil {
		return err
	}
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
	}
	cl, req, err := c.newRequest(ctx, r, cfg)
	if err != nil {
		return err
	}
	resp, err := c.retry.Do(req)
	return cl.finish(ctx, resp, err, out)
}

// call is the state of one request across its attempts. newRequest creates
// it and puts it in the request's context, where the hooks of retry.go find
// it; only those hooks change it, one attempt after another.
type call struct {
	c       *Client
	op      *operation
	method  string
	path    string   // the expanded API path, for messages
	url     *url.URL // the request URL, for errors when a response lacks its request
	cfg     requestConfig
	secrets []string // the credential values this call sends, scrubbed from its errors

	stream       func(io.Reader) error // see request.stream
	onRetryAfter func(time.Duration)   // see request.onRetryAfter

	attempts []attempt // one per attempt, oldest first
	// beyondDeadline is the wait that retrying would have needed when it
	// stopped because the wait would pass the context's deadline.
	beyondDeadline time.Duration
	refreshed      bool // a 401 already made the call fetch a fresh token
}

// callKey is the context key of a request's *call.
type callKey struct{}

// callOf returns the *call of a request's context.
func callOf(ctx context.Context) *call {
	k, _ := ctx.Value(callKey{}).(*call)
	return k
}

// newRequest builds the request for r: it checks the arguments against the
// operation, expands the path, encodes query and body and sets the headers
// and the credential. Nothing is sent.
func (c *Client) newRequest(ctx context.Context, r request, cfg requestConfig) (*call, *retryablehttp.Request, error) {
	op := &operations[r.op]
	params := r.params
	if op.takesUser {
		id, err := userID(r.user)
		if err != nil {
			return nil, nil, err
		}
		params = append([]string{id}, params...)
	}
	path, err := expandPath(op.path, params...)
	if err != nil {
		return nil, nil, err
	}
	if s, ok := c.cred.(*sessionCredential); ok && s.csrfToken() == "" && !safeMethod(op.method) && op.access != accessAnonymous {
		return nil, nil, &InputError{Arg: "WithSession: CSRFToken", Reason: fmt.Sprintf("PostHog needs the session's CSRF token for %s %s", op.method, path)}
	}
	cl := &call{c: c, op: op, method: op.method, path: path, cfg: cfg, secrets: c.cred.secrets(),
		stream: r.stream, onRetryAfter: r.onRetryAfter}

	rawURL := c.baseString + path
	if r.query != nil {
		v, err := query.Values(r.query)
		if err != nil {
			return nil, nil, fmt.Errorf("posthogusers: %s %s: encoding query: %w", cl.method, path, err)
		}
		if len(v) > 0 {
			rawURL += "?" + v.Encode()
		}
	}
	var body any // untyped nil unless there is a body, so GETs carry none
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, nil, fmt.Errorf("posthogusers: %s %s: encoding body: %w", cl.method, path, err)
		}
		body = b
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, callKey{}, cl), op.method, rawURL, body)
	if err != nil {
		return nil, nil, fmt.Errorf("posthogusers: %s %s: %w", cl.method, path, err)
	}
	cl.url = req.URL
	for name, values := range cfg.header {
		req.Header[name] = append([]string(nil), values...)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := cl.authorize(req.Request); err != nil {
		return nil, nil, err
	}
	req.SetResponseHandler(readBody)
	return cl, req, nil
}

// authorize adds the client's credential to an attempt's headers, unless
// the operation needs none, and notes the values it sent as secrets of the
// call.
func (cl *call) authorize(req *http.Request) error {
	if cl.op.access == accessAnonymous {
		return nil
	}
	sent, err := cl.c.cred.authorize(req.Header, cl.method)
	if err != nil {
		return fmt.Errorf("posthogusers: %s %s: %w", cl.method, cl.path, err)
	}
	for _, s := range sent {
		if s != "" && !slices.Contains(cl.secrets, s) {
			cl.secrets = append(cl.secrets, s)
		}
	}
	return nil
}

// memBody is a response body read into memory within its attempt.
type memBody struct {
	*bytes.Reader
	data []byte
}

func (memBody) Close() error { return nil }

// bodyOf returns the body readBody read from resp; ok is false when it has
// not read one.
func bodyOf(resp *http.Response) (data []byte, ok bool) {
	if resp == nil {
		return nil, false
	}
	b, ok := resp.Body.(memBody)
	return b.data, ok
}

// bodyError wraps the failure to read a response body within its attempt.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the response body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// readBody is every request's retryablehttp.ResponseHandlerFunc, run on
// the answer that ends the attempts: it reads the body into memory (a 2xx
// body up to the client's WithMaxResponseBytes, at most maxErrorBodySize of
// any other), so that a body cut short fails the attempt, which CheckRetry
// may then retry. It closes the body without draining what it did not
// read, so that a server that trickles its answer cannot hold the call.
func readBody(resp *http.Response) error {
	var cl *call
	if resp.Request != nil {
		cl = callOf(resp.Request.Context())
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if ok && cl != nil && cl.stream != nil {
		return nil // read as it arrives, by the call's stream
	}
	var data []byte
	var err error
	if ok {
		limit := int64(defaultMaxResponseBytes)
		if cl != nil {
			limit = cl.c.maxResponseBytes
		}
		data, err = readCapped(resp.Body, limit, resp.ContentLength)
	} else {
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	}
	_ = resp.Body.Close()
	resp.Body = memBody{bytes.NewReader(data), data}
	if cl != nil && cl.c.dumps && cl.c.logger != nil {
		cl.c.dumpResponse(resp.Request.Context(), cl, resp)
	}
	var tooLarge *tooLargeError
	if err != nil && !errors.As(err, &tooLarge) {
		return &bodyError{err}
	}
	return err
}

// readCapped reads r to its end, or fails with a *tooLargeError once it
// holds more than limit bytes, or with the error of a read, along with what
// it read before. size is the length the answer announces
// (Content-Length, -1 when unknown): more than limit is refused before
// anything is read, and an answer within it is read into one slice of that
// size. An answer of unknown length is read in chunks of up to a MiB and
// joined at its end, so that an endless one costs at most limit bytes and a
// chunk before it is refused.
func readCapped(r io.Reader, limit, size int64) ([]byte, error) {
	if size > limit {
		return nil, &tooLargeError{limit: limit, announced: size, option: raiseResponseCap}
	}
	var chunks [][]byte
	var total int64
	next := int64(32 << 10)
	if size >= 0 {
		next = size + 1 // room to see the end without a second chunk
	}
	for {
		buf := make([]byte, min(next, limit-total+1))
		n, err := fill(r, buf)
		if n > 0 {
			chunks = append(chunks, buf[:n])
			total += int64(n)
		}
		if total > limit {
			return nil, &tooLargeError{limit: limit, option: raiseResponseCap}
		}
		if err == io.EOF {
			return join(chunks), nil
		}
		if err != nil {
			return join(chunks), err // what came, for a dump
		}
		next = min(2*next, 1<<20)
	}
}

// join returns the chunks as one slice, copying only when there are
// several.
func join(chunks [][]byte) []byte {
	if len(chunks) == 1 {
		return chunks[0]
	}
	return bytes.Join(chunks, nil)
}

// raiseResponseCap says how to read an answer over WithMaxResponseBytes.
const raiseResponseCap = "raise it with WithMaxResponseBytes, or list users with Users.All or Users.Scan, which read one user at a time"

// fill reads from r until buf is full or r ends. Its error is io.EOF when r
// ended, nil when buf is full.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// finish turns the outcome of the attempts into do's result: the decoded
// 2xx body, or an error for the last answer or failure.
func (cl *call) finish(ctx context.Context, resp *http.Response, err error, out any) error {
	if resp != nil {
		defer resp.Body.Close() // never drained: what is left is not read
		cl.cfg.fillResponse(resp, len(cl.attempts), cl.secrets)
	}
	if err != nil {
		return cl.scrub(cl.outcome(cl.transportError(ctx, err)))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if cl.deleteDone(resp) {
			return nil
		}
		return cl.scrub(cl.outcome(cl.responseError(resp)))
	}
	if cl.stream != nil {
		if err := cl.stream(resp.Body); err != nil {
			// A done context closes the connection under the reader, whose
			// error ("use of closed network connection") must still say
			// why.
			if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
				err = fmt.Errorf("%w: %w", ctxErr, err)
			}
			return cl.scrub(err)
		}
		return nil
	}
	if out == nil {
		return nil // an answer the SDK does not read
	}
	data, ok := bodyOf(resp)
	if !ok {
		if data, err = readCapped(resp.Body, cl.c.maxResponseBytes, resp.ContentLength); err != nil {
			return cl.scrub(fmt.Errorf("posthogusers: %s %s: %w", cl.method, cl.path, err))
		}
	}
	if reason := cl.op.answer.check(data); reason != "" {
		return cl.scrub(&malformedError{method: cl.method, path: cl.path, reason: fmt.Sprintf("%d %s", resp.StatusCode, reason)})
	}
	if err := json.Unmarshal(data, out); err != nil {
		return cl.scrub(&malformedError{method: cl.method, path: cl.path, reason: fmt.Sprintf("decoding the %d answer", resp.StatusCode), err: err})
	}
	return nil
}

// transportError describes a failure without a usable answer: the
// connection, a refused redirect, a body cut short, or the context.
func (cl *call) transportError(ctx context.Context, err error) error {
	var re *RedirectError
	if errors.As(err, &re) {
		return re
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w (%w)", ctxErr, err)
	}
	err = fmt.Errorf("posthogusers: %s %s: %s: %w", cl.method, cl.path, cl.attemptSummary(), redactURLError(err))
	if cl.beyondDeadline > 0 {
		return &deadlineError{wait: cl.beyondDeadline, err: err}
	}
	return err
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

// deleteDone reports whether a 404 answer to a DELETE means that the delete
// is done: an earlier attempt may have reached PostHog and deleted it (it
// failed with a 5xx or a connection broken after sending), so this
// attempt's "not found" is the earlier attempt's work.
func (cl *call) deleteDone(resp *http.Response) bool {
	if cl.method != http.MethodDelete || resp.StatusCode != http.StatusNotFound || len(cl.attempts) < 2 {
		return false
	}
	if body, _ := bodyOf(resp); isEndpointMissing(body) {
		return false
	}
	for _, a := range cl.attempts[:len(cl.attempts)-1] {
		if a.mayHaveActed {
			return true
		}
	}
	return false
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

// checkRedirect returns the redirect policy of the client's http.Client.
// It refuses redirects that leave the base URL's origin (the credential
// stays with the configured base URL) and 301, 302 and 303 answers to
// writes, which net/http would follow with a GET that drops the write. It
// otherwise defers to next (or to net/http's default of at most 10
// redirects).
func (c *Client) checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		refuse := func(reason string) error {
			path, secrets := first.URL.EscapedPath(), c.cred.secrets()
			if cl := callOf(req.Context()); cl != nil {
				path, secrets = cl.path, cl.secrets
			}
			u := *req.URL
			u.RawQuery, u.Fragment, u.User = "", "", nil
			e := &RedirectError{Method: first.Method, Path: path, Location: scrubString(u.String(), secrets), Reason: reason}
			if req.Response != nil {
				e.StatusCode = req.Response.StatusCode
			}
			return e
		}
		if !sameOrigin(req.URL, c.base) {
			if c.base.Scheme == "http" && req.URL.Scheme == "https" && req.URL.Hostname() == c.base.Hostname() {
				https := *c.base
				https.Scheme, https.Host = "https", req.URL.Host
				return refuse("the instance redirects to https: use " + https.String() + " as the base URL")
			}
			return refuse("it leaves the base URL's origin; the credential stays with the configured base URL")
		}
		if req.Method != first.Method {
			return refuse(fmt.Sprintf("net/http would send the %s again as %s without its body, losing it; the endpoint moved, so check the base URL", first.Method, req.Method))
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

// userTransport sends attempts through the Transport of the *http.Client
// given to WithHTTPClient as it is at the time of each attempt, so that a
// Transport swapped in after NewClient is used.
type userTransport struct{ hc *http.Client }

func (t userTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if rt := t.hc.Transport; rt != nil {
		return rt.RoundTrip(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

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
