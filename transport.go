package posthogusers

// This file is the request path. Every endpoint method, and every page of
// a scan, comes to Client.do, which builds the call and runs its attempts
// in one loop, call.send, top to bottom; ARCHITECTURE.md walks it.

import (
	"bytes"
	"cmp"
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
)

// request is one call of an operation: which endpoint, and its arguments.
type request struct {
	op opID
	// name, when set, is the operation's name for middleware in place of
	// its row's: a scan's page is not a plain listing.
	name string
	// user is the user ID argument of operations whose table row says
	// takesUser: do checks it and makes it the first path parameter.
	user   string
	params []string // the other path parameters, in the order of the template
	query  any      // a struct with `url` tags, url.Values, or nil
	body   any      // a value to send as JSON, or nil
	// method and path are those of an operation of Client.Do (opRaw): the
	// path is checked already, by checkAPIPath.
	method, path string
	// rawBody, when set, is a JSON body sent as it is, in place of body.
	rawBody []byte

	// stream, when set, reads a 2xx body as it arrives, within the attempt,
	// in place of do decoding it. A read of the body that fails, which
	// stream returns as a *bodyError, fails the attempt like a body cut
	// short, and the loop may send another. progressed reports that the
	// attempt handed the caller something: the attempts after it get the
	// whole failure budget again.
	stream func(body io.Reader) (progressed bool, err error)
	// requery, when set, gives each attempt's query in place of query, so
	// that an attempt after a stream broke off asks from where it stopped.
	requery func() any
	// onRetryAfter, when set, is told of each wait PostHog asks for with
	// Retry-After, before the retry that honours it.
	onRetryAfter func(wait time.Duration)
	// onRetry, when set, is told of each retry: PostHog throttled the
	// attempt before it (429), or it failed.
	onRetry func()
}

// fetch sends r and returns its decoded 2xx body.
func fetch[T any](ctx context.Context, c *Client, r request, opts ...RequestOption) (*T, error) {
	out := new(T)
	if err := c.do(ctx, r, out, opts...); err != nil {
		return nil, err
	}
	return out, nil
}

// do sends r and decodes a 2xx answer into out, unless out is nil. Every
// request of the client goes through do.
func (c *Client) do(ctx context.Context, r request, out any, opts ...RequestOption) error {
	if ctx == nil {
		return &InputError{Arg: "ctx", Reason: "the context is nil"}
	}
	cfg, err := newRequestConfig(opts)
	if err != nil {
		return err
	}
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
	}
	cl, err := c.newCall(r, cfg)
	if err != nil {
		return err
	}
	resp, err := cl.send(ctx)
	return cl.finish(ctx, resp, err, out)
}

// call is one request of an operation across its attempts: what newCall
// made of it, and the record of the attempts send has made.
type call struct {
	c       *Client
	r       request
	op      *operation
	name    string // the operation's name, for middleware
	method  string
	path    string // the expanded API path, for messages
	body    []byte // the JSON body, nil for none; every attempt sends it
	cfg     requestConfig
	secrets []string // the credential values this call sends, scrubbed from its errors
	url     *url.URL // the latest attempt's URL, for errors

	attempts []attempt // one per attempt, oldest first
	// beyondDeadline is the wait that retrying would have needed when it
	// stopped because the wait would pass the context's deadline.
	beyondDeadline time.Duration
	refreshed      bool // a 401 already made the call take a fresh token
	// unprefixedKey is set when the latest attempt's bearer token starts
	// neither with phx_ nor with pha_, for the hint of a 401.
	unprefixedKey bool
	// buildErr is the error of an attempt whose request could not be built
	// (a token source failed): nothing was sent for it.
	buildErr error
}

// newCall checks r's arguments against its operation, expands the path and
// encodes the body. Nothing is sent.
func (c *Client) newCall(r request, cfg requestConfig) (*call, error) {
	op, method, path := &rawOperation, r.method, r.path
	if r.op != opRaw {
		op, method = &operations[r.op], operations[r.op].method
		params := r.params
		if op.takesUser {
			id, err := userID(r.user)
			if err != nil {
				return nil, err
			}
			params = append([]string{id}, params...)
		}
		var err error
		if path, err = expandPath(op.path, params...); err != nil {
			return nil, err
		}
	}
	if s, ok := c.cred.(*sessionCredential); ok && s.csrfToken() == "" && !safeMethod(method) && op.access != accessAnonymous {
		return nil, &InputError{Arg: "WithSession: CSRFToken", Reason: fmt.Sprintf("PostHog needs the session's CSRF token for %s %s", method, path)}
	}
	cl := &call{c: c, r: r, op: op, name: cmp.Or(r.name, op.name), method: method, path: path, cfg: cfg, secrets: c.cred.secrets(), body: r.rawBody}
	if r.body != nil {
		var err error
		if cl.body, err = json.Marshal(r.body); err != nil {
			return nil, wrapf(err, "%s %s: encoding body", cl.method, path)
		}
	}
	return cl, nil
}

// send makes the call's attempts until one ends it: an answer or failure
// the retry policy (retry.go) does not retry, or the context. It returns
// the last answer, whose body is in memory unless it was a 2xx the call
// streamed, or the error that ended the call.
func (cl *call) send(ctx context.Context) (*http.Response, error) {
	for {
		req, err := cl.newAttempt(ctx)
		if err != nil {
			cl.buildErr = err
			return nil, err
		}
		cl.attempts = append(cl.attempts, attempt{start: cl.c.now(), ctxDoneAtStart: ctx.Err() != nil})
		a := &cl.attempts[len(cl.attempts)-1]
		cl.dumpRequest(ctx, req)
		resp, err := cl.roundTrip(a, req)
		var readErr error
		if err == nil && isSuccess(resp.StatusCode) {
			readErr = cl.readAnswer(resp, a)
		}
		cl.record(a, resp, err, readErr)
		retry, stop := cl.decide(ctx, a)
		cl.logAttempt(ctx, a, resp)
		if !retry {
			if err == nil && !isSuccess(resp.StatusCode) {
				cl.readErrorAnswer(resp)
			}
			if resp != nil {
				cl.dumpResponse(ctx, resp)
			}
			switch {
			case stop != nil:
				closeBody(resp)
				return nil, stop
			case err != nil:
				return nil, err
			case readErr != nil:
				return resp, readErr
			}
			return resp, nil
		}
		cl.logRetry(ctx, a)
		if cl.r.onRetry != nil {
			cl.r.onRetry()
		}
		closeBody(resp) // unread: a body that trickles cannot hold the retry
		if err := sleep(ctx, a.wait); err != nil {
			return nil, err
		}
	}
}

// newAttempt builds the request of the next attempt: its URL, with the
// query afresh, the body, the headers and the credential, taken afresh
// too, so that a token source hands out a current token.
func (cl *call) newAttempt(ctx context.Context) (*http.Request, error) {
	rawURL := cl.c.baseString + cl.path
	q := cl.r.query
	if cl.r.requery != nil {
		q = cl.r.requery()
	}
	if q != nil {
		v, ok := q.(url.Values)
		if !ok {
			var err error
			if v, err = query.Values(q); err != nil {
				return nil, wrapf(err, "%s %s: encoding query", cl.method, cl.path)
			}
		}
		if len(v) > 0 {
			rawURL += "?" + v.Encode()
		}
	}
	var body io.Reader // nil unless there is a body, so GETs carry none
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	// The attempt's request carries its operation and number for
	// middleware; the loop keeps its own ctx.
	actx := withAttemptInfo(ctx, cl.name, len(cl.attempts)+1)
	req, err := http.NewRequestWithContext(actx, cl.method, rawURL, body)
	if err != nil {
		return nil, wrapf(err, "%s %s", cl.method, cl.path)
	}
	cl.url = req.URL
	for name, values := range cl.cfg.header {
		req.Header[name] = slices.Clone(values)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", cl.c.userAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := cl.authorize(req); err != nil {
		return nil, err
	}
	return req, nil
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
		return wrapf(err, "%s %s", cl.method, cl.path)
	}
	if token, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
		cl.unprefixedKey = !strings.HasPrefix(token, prefixPersonalKey) && !strings.HasPrefix(token, prefixOAuthAccess)
	}
	for _, s := range sent {
		if s != "" && !slices.Contains(cl.secrets, s) {
			cl.secrets = append(cl.secrets, s)
		}
	}
	return nil
}

// roundTrip sends an attempt's request through the middleware, the
// client's outermost, then the call's, to the http.Client, and notes in a
// whether the request went past them. An attempt whose context is done
// before it starts is not sent at all.
func (cl *call) roundTrip(a *attempt, req *http.Request) (*http.Response, error) {
	a.unsent = true
	if a.ctxDoneAtStart {
		return nil, req.Context().Err()
	}
	next := func(r *http.Request) (*http.Response, error) {
		if !sameOrigin(r.URL, cl.c.base) {
			return nil, errOtherOrigin
		}
		a.unsent = false
		return cl.httpClient().Do(r)
	}
	for _, mw := range slices.Backward(slices.Concat(cl.c.middleware, cl.cfg.middleware)) {
		inner := next
		next = func(r *http.Request) (*http.Response, error) { return mw(r, inner) }
	}
	resp, err := next(req)
	switch {
	case err != nil:
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil, err
	case resp == nil:
		return nil, errNoAnswer
	case resp.Body == nil:
		resp.Body = http.NoBody
	}
	return resp, nil
}

// httpClient returns the http.Client of an attempt: the one given to
// WithHTTPClient as it is now (its Transport may have been swapped since
// NewClient, as httpmock does), with the call's redirect policy.
func (cl *call) httpClient() *http.Client {
	hc := *cl.c.httpClient
	hc.CheckRedirect = cl.checkRedirect
	return &hc
}

// checkRedirect is the redirect policy of the call's attempts. It refuses
// a redirect that leaves the base URL's origin (the credential stays with
// the configured base URL), and a 301, 302 or 303 answer to a write,
// which net/http would follow with a GET that drops the write. Otherwise it
// defers to the CheckRedirect of the client given to WithHTTPClient, or to
// net/http's default of at most 10 redirects.
func (cl *call) checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	refuse := func(reason string) error {
		u := *req.URL
		u.RawQuery, u.Fragment, u.User = "", "", nil
		e := &RedirectError{Method: first.Method, Path: cl.path, Location: scrubString(u.String(), cl.secrets), Reason: reason}
		if req.Response != nil {
			e.StatusCode = req.Response.StatusCode
		}
		return e
	}
	base := cl.c.base
	if !sameOrigin(req.URL, base) {
		if base.Scheme == "http" && req.URL.Scheme == "https" && req.URL.Hostname() == base.Hostname() {
			https := *base
			https.Scheme, https.Host = "https", req.URL.Host
			return refuse("the instance redirects to https: use " + https.String() + " as the base URL")
		}
		return refuse("it leaves the base URL's origin; the credential stays with the configured base URL")
	}
	if req.Method != first.Method {
		return refuse(fmt.Sprintf("net/http would send the %s again as %s without its body, losing it; the endpoint moved, so check the base URL", first.Method, req.Method))
	}
	if next := cl.c.httpClient.CheckRedirect; next != nil {
		return next(req, via)
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && a.Hostname() == b.Hostname() && portOf(a) == portOf(b)
}

// portOf returns u's port, or its scheme's default.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// isSuccess reports whether status is a 2xx.
func isSuccess(status int) bool { return status >= 200 && status <= 299 }

// readAnswer reads a 2xx answer within its attempt: the call's stream reads
// it as it arrives, or it is read into memory up to the client's
// WithMaxResponseBytes. A body cut short fails the attempt with a
// *bodyError, which the retry policy may retry. The body is closed without
// draining what was not read, so a server that trickles its answer cannot
// hold the call.
func (cl *call) readAnswer(resp *http.Response, a *attempt) error {
	if cl.r.stream != nil {
		if htmlType(resp.Header) {
			closeBody(resp)
			return htmlAnswer(cl.method, cl.path, resp.StatusCode)
		}
		progressed, err := cl.r.stream(resp.Body)
		a.progressed = progressed
		closeBody(resp)
		return err
	}
	data, err := readCapped(resp.Body, cl.c.maxResponseBytes, resp.ContentLength)
	closeBody(resp)
	resp.Body = memBody{bytes.NewReader(data), data}
	var tooLarge *tooLargeError
	if err != nil && !errors.As(err, &tooLarge) {
		return &bodyError{err}
	}
	return err
}

// readErrorAnswer reads the start of an answer outside 2xx, at most
// maxErrorBodySize, for the error that describes it.
func (cl *call) readErrorAnswer(resp *http.Response) {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	closeBody(resp)
	resp.Body = memBody{bytes.NewReader(data), data}
}

// closeBody closes resp's body, if there is one, without reading it.
func closeBody(resp *http.Response) {
	if resp != nil {
		_ = resp.Body.Close()
	}
}

// memBody is an answer's body read into memory within its attempt.
type memBody struct {
	*bytes.Reader
	data []byte
}

// Close does nothing: the body is in memory.
func (memBody) Close() error { return nil }

// bodyOf returns the body read from resp within its attempt; ok is false
// when none was, as for a streamed answer.
func bodyOf(resp *http.Response) (data []byte, ok bool) {
	if resp == nil {
		return nil, false
	}
	b, ok := resp.Body.(memBody)
	return b.data, ok
}

// bodyError wraps the failure to read an answer's body within its attempt.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the response body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

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

// finish turns what send returned into do's result: the decoded 2xx
// answer, or the error of the last answer or failure (errors.go).
func (cl *call) finish(ctx context.Context, resp *http.Response, err error, out any) error {
	if resp != nil {
		cl.cfg.fillResponse(resp, len(cl.attempts), cl.secrets)
	}
	switch {
	case resp == nil && err == cl.buildErr: // says what failed itself
		return cl.scrub(cl.outcome(err))
	case resp == nil:
		return cl.scrub(cl.outcome(cl.transportError(ctx, err)))
	case !isSuccess(resp.StatusCode):
		if cl.deleteDone(resp) {
			return nil
		}
		return cl.scrub(cl.outcome(cl.responseError(resp)))
	case cl.r.stream != nil:
		if err == nil {
			return nil
		}
		// A done context closes the connection under the reader, whose
		// error ("use of closed network connection") must still say why.
		if ctxErr := ctx.Err(); ctxErr != nil && !saysContext(err, ctxErr) {
			err = &wrappedError{text: err.Error() + " (" + ctxErr.Error() + ")", errs: []error{err, ctxErr}}
		}
		return cl.scrub(err)
	case err != nil: // a body cut short, or over the cap
		return cl.scrub(cl.outcome(cl.transportError(ctx, err)))
	}
	data, _ := bodyOf(resp)
	raw := cl.op == &rawOperation
	if (!raw || out != nil) && isHTML(resp.Header, data) {
		return cl.scrub(htmlAnswer(cl.method, cl.path, resp.StatusCode))
	}
	switch {
	case out == nil:
		return nil // an answer the SDK does not read
	case raw:
		return cl.rawAnswer(resp, data, out)
	}
	if reason := cl.op.answer.check(data); reason != "" {
		return cl.scrub(&malformedError{method: cl.method, path: cl.path, reason: fmt.Sprintf("%d %s", resp.StatusCode, reason)})
	}
	if err := json.Unmarshal(data, out); err != nil {
		return cl.scrub(&malformedError{method: cl.method, path: cl.path, reason: fmt.Sprintf("decoding the %d answer", resp.StatusCode), err: err})
	}
	return nil
}
