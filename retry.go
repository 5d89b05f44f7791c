package posthogusers

// This file is the retry policy: the hooks the client gives
// go-retryablehttp, which decide after each attempt whether to send another
// and how long to wait first. They find the call's state in the request's
// context (see transport.go).

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// newRetryClient returns the go-retryablehttp client that sends every
// attempt of every request of c through hc. Its RetryMax is no limit: the
// policy (checkRetry) keeps separate budgets for failures and for 429s.
func (c *Client) newRetryClient(hc *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:     hc,
		RetryWaitMin:   c.retryWaitMin,
		RetryWaitMax:   c.retryWaitMax,
		RetryMax:       math.MaxInt32,
		RequestLogHook: c.beforeAttempt,
		CheckRetry:     c.checkRetry,
		Backoff:        c.backoff,
		PrepareRetry:   c.prepareRetry,
		ErrorHandler:   lastError,
	}
}

// attemptKind sorts attempts for the retry budgets.
type attemptKind int

const (
	// attemptAnswered: PostHog answered; the answer is final.
	attemptAnswered attemptKind = iota
	// attemptFailed: a connection error, a 5xx or a 2xx body cut short.
	attemptFailed
	// attemptThrottled: 429.
	attemptThrottled
	// attemptUnauthorized: 401, which a fresh token may cure.
	attemptUnauthorized
)

// attempt is the record of one attempt of a call.
type attempt struct {
	start time.Time
	kind  attemptKind
	// failure says why the attempt failed ("503 Service Unavailable",
	// "connection reset by peer"); "" when PostHog answered.
	failure string
	// mayHaveActed is set when the request may have reached PostHog and
	// been acted on although no answer says so: a 5xx, a connection broken
	// after sending, a 2xx body cut short.
	mayHaveActed bool
	// retryAfter is PostHog's Retry-After, when the answer had one.
	retryAfter    time.Duration
	hasRetryAfter bool
	// waitMin and waitMax bound the wait before the next attempt, when
	// there is one.
	waitMin, waitMax time.Duration
	// ctxDoneAtStart is set when the context was done before the attempt
	// started, so nothing was sent.
	ctxDoneAtStart bool
}

// beforeAttempt is the RequestLogHook: it opens the record of attempt
// number n+1.
func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, n int) {
	cl := callOf(req.Context())
	if cl == nil {
		return
	}
	cl.attempts = append(cl.attempts[:min(n, len(cl.attempts))], attempt{start: c.now(), ctxDoneAtStart: req.Context().Err() != nil})
	if c.dumps && c.logger != nil {
		c.dumpRequest(req.Context(), cl, req)
	}
}

// checkRetry is the CheckRetry hook. It runs after every attempt (twice when
// a 2xx body could not be read: then err is the read's error), records how
// the attempt went, and decides whether to send another:
//
//   - a 429 is retried for every method, PostHog having throttled the
//     request before acting on it, after its Retry-After when PostHog gives
//     one within WithMaxRetryAfter; at most WithMaxRateLimitRetries times;
//   - a 500, 502, 503 or 504, a broken connection and a 2xx body cut short
//     are retried for requests safe to repeat (GET, HEAD, PUT, DELETE);
//     at most WithMaxRetries times;
//   - a failure to connect, which proves nothing was sent, is retried for
//     every request, counted with the failures;
//   - an operation that must run at most once is retried only after a
//     failure to connect;
//   - a 401 with a token source is retried once, with a fresh token, for
//     requests safe to repeat;
//   - no wait starts that would end after the context's deadline.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	cl := callOf(ctx)
	if cl == nil || len(cl.attempts) == 0 {
		return false, err
	}
	a := &cl.attempts[len(cl.attempts)-1]
	cl.record(a, resp, err)
	retry, err := c.decide(ctx, cl, a, resp, err)
	// retryablehttp asks again about an answer that ends the attempts,
	// once readBody has read it: log the attempt once, then.
	if _, read := bodyOf(resp); retry || resp == nil || read {
		c.logAttempt(ctx, cl, a, resp)
	}
	if retry {
		c.logRetry(ctx, cl, a)
		if resp != nil {
			// Closed before go-retryablehttp drains it: a body that
			// trickles would hold the retry for as long as it lasts.
			_ = resp.Body.Close()
		}
	}
	return retry, err
}

// decide applies the retry policy to an attempt.
func (c *Client) decide(ctx context.Context, cl *call, a *attempt, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if !cl.retryable(a, resp, err) || !cl.withinBudget(a) {
		return false, nil
	}
	if a.kind == attemptUnauthorized {
		cl.refreshed = true
		return true, nil
	}
	a.waitMin, a.waitMax = c.waitBounds(len(cl.attempts)-1, a)
	if deadline, ok := ctx.Deadline(); ok && c.now().Add(a.waitMin).After(deadline) {
		cl.beyondDeadline = a.waitMin
		return false, nil
	}
	if a.hasRetryAfter && cl.onRetryAfter != nil {
		cl.onRetryAfter(a.retryAfter)
	}
	return true, nil
}

// record notes how an attempt went.
func (cl *call) record(a *attempt, resp *http.Response, err error) {
	a.kind, a.failure, a.mayHaveActed = attemptAnswered, "", false
	var be *bodyError
	switch {
	case errors.As(err, &be):
		a.kind, a.failure, a.mayHaveActed = attemptFailed, fmt.Sprintf("%d answer cut short: %v", resp.StatusCode, be.err), true
	case err != nil:
		a.kind, a.failure = attemptFailed, transportFailure(err)
		var re *RedirectError
		a.mayHaveActed = !errors.As(err, &re) && !neverSent(err) && !a.ctxDoneAtStart
	case resp.StatusCode == http.StatusTooManyRequests:
		a.kind, a.failure = attemptThrottled, resp.Status
	case resp.StatusCode >= 500:
		a.kind, a.failure, a.mayHaveActed = attemptFailed, resp.Status, true
	case resp.StatusCode == http.StatusUnauthorized:
		a.kind, a.failure = attemptUnauthorized, resp.Status
	}
	if a.failure != "" && resp != nil && strings.TrimSpace(resp.Status) == "" {
		a.failure = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	// A proxy may echo the credential in its status text or error.
	a.failure = scrubString(a.failure, cl.secrets)
	a.retryAfter, a.hasRetryAfter = 0, false
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		a.retryAfter, a.hasRetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), cl.c.now())
	}
}

// transportFailure describes a transport error for an attempt's record,
// without the request URL.
func transportFailure(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// neverSent reports whether a transport error proves that the request never
// left: the connection could not be made (including DNS failures).
func neverSent(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// retryable applies the policy to an attempt, budgets aside.
func (cl *call) retryable(a *attempt, resp *http.Response, err error) bool {
	switch a.kind {
	case attemptAnswered:
		return false
	case attemptUnauthorized:
		_, isSource := cl.c.cred.(*tokenSourceCredential)
		return isSource && cl.replayable() && !cl.refreshed
	case attemptThrottled:
		// PostHog throttles before acting: safe for every method, but an
		// operation that must run once is not sent again after it arrived.
		return !cl.op.sendOnce && cl.waitAllowed(a)
	}
	// attemptFailed
	var be *bodyError
	if err != nil && !errors.As(err, &be) {
		return retryableError(cl.replayable(), err)
	}
	if !cl.replayable() {
		return false
	}
	if resp.StatusCode >= 500 {
		switch resp.StatusCode {
		case http.StatusServiceUnavailable:
			return cl.waitAllowed(a)
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return true // a 2xx body cut short
}

// withinBudget reports whether another retry of the attempt's kind is
// allowed: failures and throttling have separate budgets, so that a run of
// 5xx does not use up the retries a throttled export needs, nor the other
// way round.
func (cl *call) withinBudget(a *attempt) bool {
	if a.kind == attemptUnauthorized {
		return true // at most once, by retryable
	}
	used := 0
	for _, b := range cl.attempts[:len(cl.attempts)-1] {
		if b.kind == a.kind {
			used++
		}
	}
	budget := cl.c.maxRetries
	if a.kind == attemptThrottled {
		budget = cl.c.maxRateLimitRetries
	}
	if cl.cfg.maxRetries != nil {
		budget = *cl.cfg.maxRetries
	}
	return used < budget
}

// replayable reports whether the call may be sent again after it may have
// reached PostHog.
func (cl *call) replayable() bool {
	return idempotent(cl.method) && !cl.op.sendOnce
}

// idempotent reports whether a request with this method may be sent again
// after it may have reached PostHog.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// waitAllowed reports whether the Retry-After of an attempt, if any, is
// within the client's WithMaxRetryAfter.
func (cl *call) waitAllowed(a *attempt) bool {
	return !a.hasRetryAfter || a.retryAfter <= cl.c.maxRetryAfter
}

// retryableError reports whether a transport error may be retried: for
// replayable requests (idempotent methods) any network failure, for others
// only a failure to connect, which proves the request never reached PostHog.
// Certificate errors, refused redirects and malformed requests are never
// retried.
func retryableError(replayable bool, err error) bool {
	var (
		certErr   *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		redirect  *RedirectError
	)
	if errors.As(err, &redirect) || errors.As(err, &certErr) || errors.As(err, &authority) || errors.As(err, &hostErr) {
		return false
	}
	if !replayable {
		return neverSent(err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // *url.Error is a net.Error whatever its cause
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// backoff is the Backoff hook: the Retry-After PostHog asked for on 429 and
// 503, otherwise exponential backoff from minWait with jitter. attempt
// counts the retries of the call so far, from 0.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
			return d
		}
	}
	if resp != nil && resp.StatusCode == http.StatusUnauthorized {
		return 0 // a fresh token needs no wait
	}
	return jitteredBackoff(minWait, maxWait, attempt, c.jitter)
}

// waitBounds returns the shortest and longest wait backoff may choose after
// an attempt (retry counts the retries so far, from 0).
func (c *Client) waitBounds(retry int, a *attempt) (lo, hi time.Duration) {
	if a.hasRetryAfter {
		return a.retryAfter, a.retryAfter
	}
	hi = jitteredBackoff(c.retryWaitMin, c.retryWaitMax, retry, func(int64) int64 { return 0 })
	return hi - hi/2, hi
}

// jitteredBackoff returns minWait·2^attempt capped at maxWait, less a random
// amount of up to half of it. jitter(n) returns a number in [0, n).
func jitteredBackoff(minWait, maxWait time.Duration, attempt int, jitter func(int64) int64) time.Duration {
	d := maxWait
	if attempt < 62 {
		if exp := minWait << attempt; exp > 0 && exp>>attempt == minWait && exp < maxWait {
			d = exp
		}
	}
	if half := int64(d / 2); half > 0 {
		d -= time.Duration(jitter(half + 1))
	}
	return d
}

// parseRetryAfter reads a Retry-After header value: a number of seconds or an
// HTTP date. A date in the past gives 0; a number of seconds too large for a
// time.Duration, however many digits it has, gives the longest Duration,
// which no WithMaxRetryAfter allows, so the call ends at once instead of
// retrying without waiting. ok is false for an absent or unreadable value
// (a negative or fractional number, garbage), which is treated as no
// Retry-After.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" { // delay-seconds: 1*DIGIT
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > maxSecs { // only a range error is possible
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// prepareRetry is the PrepareRetry hook: the next attempt gets the
// credential afresh, so that a token source hands out a current token.
func (c *Client) prepareRetry(req *http.Request) error {
	cl := callOf(req.Context())
	if cl == nil {
		return nil
	}
	req.Header = req.Header.Clone() // the previous attempt's request keeps its own
	return cl.authorize(req)
}

// lastError is the ErrorHandler hook, called when the attempts end in an
// error (a transport error, a body cut short, a refused redirect or a done
// context): it returns that error rather than retryablehttp's "giving up
// after N attempts", and closes any response.
func lastError(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil {
		_ = resp.Body.Close() // not drained: a trickling body cannot hold the call
	}
	return nil, err
}

// logAttempt logs a finished attempt at Debug level when the client has a
// logger: method, path, attempt, status or error, duration. Never a header,
// a query or a body.
func (c *Client) logAttempt(ctx context.Context, cl *call, a *attempt, resp *http.Response) {
	l := c.logger
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("attempt", len(cl.attempts)),
		slog.Duration("duration", c.now().Sub(a.start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if a.failure != "" {
		attrs = append(attrs, slog.String("error", scrubString(a.failure, cl.secrets)))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "posthogusers: attempt", attrs...)
}

// logRetry logs a retry about to wait, with its reason, at Info level.
func (c *Client) logRetry(ctx context.Context, cl *call, a *attempt) {
	l := c.logger
	if l == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("attempt", len(cl.attempts)),
		slog.String("reason", scrubString(a.failure, cl.secrets)),
	}
	switch {
	case a.kind == attemptUnauthorized:
		attrs = append(attrs, slog.Duration("wait", 0), slog.String("wait_source", "fresh token"))
	case a.hasRetryAfter:
		attrs = append(attrs, slog.Duration("wait", a.waitMin), slog.String("wait_source", "Retry-After"))
	default:
		attrs = append(attrs, slog.Duration("wait_min", a.waitMin), slog.Duration("wait_max", a.waitMax), slog.String("wait_source", "backoff"))
	}
	l.LogAttrs(ctx, slog.LevelInfo, "posthogusers: retrying", attrs...)
}
