package posthogusers

// This file is the retry policy of the attempt loop (call.send, in
// transport.go): what an attempt was, whether to send another, and how
// long to wait first. It is the one policy of the package, for calls and
// for the pages of a scan alike. go-retryablehttp classifies transport
// errors and computes the exponential backoff.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// attemptKind sorts attempts for the retry budgets.
type attemptKind int

const (
	// attemptAnswered: PostHog answered; the answer is final.
	attemptAnswered attemptKind = iota
	// attemptFailed: a transport error, a 5xx or a 2xx body cut short.
	attemptFailed
	// attemptThrottled: 429.
	attemptThrottled
	// attemptUnauthorized: 401, which a fresh token may cure.
	attemptUnauthorized
	// attemptUnsent: the request never went past the middleware, which
	// failed it, or the context was done first; final.
	attemptUnsent
)

// attempt is the record of one attempt of a call.
type attempt struct {
	start time.Time
	kind  attemptKind
	// status is the answer's status, 0 when there was none.
	status int
	// err is the transport's error, or the error of reading a 2xx answer.
	err error
	// failure says why the attempt failed ("503 Service Unavailable",
	// "connection reset by peer"), with the call's credentials scrubbed;
	// "" when PostHog answered.
	failure string
	// mayHaveActed is set when the request may have reached PostHog and
	// been acted on although no answer says how: a 5xx, a connection
	// broken after sending, a 2xx body that could not be read whole.
	mayHaveActed bool
	// progressed is set when a streamed answer handed the caller
	// something before it broke off: the attempts after it get the whole
	// failure budget again.
	progressed bool
	// retryAfter is PostHog's Retry-After, when the answer had one.
	retryAfter    time.Duration
	hasRetryAfter bool
	// waitMin and waitMax bound the wait before the next attempt, and wait
	// is the one chosen, when there is a next attempt.
	waitMin, waitMax, wait time.Duration
	// ctxDoneAtStart is set when the context was done before the attempt
	// started, so nothing was sent.
	ctxDoneAtStart bool
	// unsent is set when the request never went past the middleware to
	// the http.Client: a middleware failed it, or the context was done.
	unsent bool
}

// record notes how an attempt went: its answer, or the transport's error
// doErr, and readErr, the error of reading a 2xx answer.
func (cl *call) record(a *attempt, resp *http.Response, doErr, readErr error) {
	var be *bodyError
	switch {
	case doErr != nil && a.unsent:
		a.kind, a.err, a.failure = attemptUnsent, doErr, doErr.Error()
	case doErr != nil:
		a.kind, a.err, a.failure = attemptFailed, doErr, transportFailure(doErr)
		var re *RedirectError
		a.mayHaveActed = !errors.As(doErr, &re) && !neverSent(doErr) && !a.ctxDoneAtStart
	case errors.As(readErr, &be):
		a.kind, a.err, a.failure, a.mayHaveActed = attemptFailed, readErr, fmt.Sprintf("%d answer cut short: %v", resp.StatusCode, be.err), true
	case readErr != nil: // over the cap, malformed, or the caller stopped: final
		a.kind, a.err, a.mayHaveActed = attemptAnswered, readErr, true
	case resp.StatusCode == http.StatusTooManyRequests:
		a.kind, a.failure = attemptThrottled, statusText(resp)
	case resp.StatusCode >= 500:
		a.kind, a.failure, a.mayHaveActed = attemptFailed, statusText(resp), true
	case resp.StatusCode == http.StatusUnauthorized:
		a.kind, a.failure = attemptUnauthorized, statusText(resp)
	}
	// A proxy may echo the credential in its status text or error.
	a.failure = scrubString(a.failure, cl.secrets)
	if resp != nil {
		a.status = resp.StatusCode
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			a.retryAfter, a.hasRetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), cl.c.now())
		}
	}
}

// statusText is an answer's status line, such as "503 Service
// Unavailable", made from its code when the line is blank.
func statusText(resp *http.Response) string {
	if strings.TrimSpace(resp.Status) == "" {
		return fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return resp.Status
}

// decide applies the policy to the latest attempt, a: whether to send
// another, after waiting a.wait. stop is the context's error when the
// policy would retry but the context is done. The policy:
//
//   - a 429 is retried for every method, PostHog having throttled the
//     request before acting on it, after its Retry-After when PostHog gives
//     one within WithMaxRetryAfter; at most WithMaxRateLimitRetries times;
//   - a 500, 502, 503 or 504, a broken connection and a 2xx body cut short
//     are retried for requests safe to repeat (GET, HEAD, PUT, DELETE);
//     at most WithMaxRetries times, counted from the latest attempt that
//     handed the caller part of a streamed answer;
//   - a failure to connect, which proves nothing was sent, is retried for
//     every request, counted with the failures;
//   - an operation that must run at most once is retried only after a
//     failure to connect;
//   - a 401 with a token source is retried once, at once, with a fresh
//     token, for requests safe to repeat;
//   - WithRequestMaxRetries replaces both budgets for one call;
//   - no wait starts that would end after the context's deadline.
func (cl *call) decide(ctx context.Context, a *attempt) (retry bool, stop error) {
	if !cl.retryable(ctx, a) || !cl.withinBudget(a) {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if a.kind == attemptUnauthorized {
		cl.refreshed = true
		return true, nil // a fresh token needs no wait
	}
	if a.hasRetryAfter {
		a.waitMin, a.waitMax, a.wait = a.retryAfter, a.retryAfter, a.retryAfter
	} else {
		retries := len(cl.attempts) - 1
		a.waitMax = jitteredBackoff(cl.c.retryWaitMin, cl.c.retryWaitMax, retries, func(int64) int64 { return 0 })
		a.waitMin = a.waitMax - a.waitMax/2
		a.wait = jitteredBackoff(cl.c.retryWaitMin, cl.c.retryWaitMax, retries, cl.c.jitter)
	}
	if deadline, ok := ctx.Deadline(); ok && cl.c.now().Add(a.waitMin).After(deadline) {
		cl.beyondDeadline = a.waitMin
		return false, nil
	}
	if a.hasRetryAfter && cl.r.onRetryAfter != nil {
		cl.r.onRetryAfter(a.retryAfter)
	}
	return true, nil
}

// retryable applies the policy to an attempt, budgets aside.
func (cl *call) retryable(ctx context.Context, a *attempt) bool {
	switch a.kind {
	case attemptAnswered, attemptUnsent:
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
	switch {
	case a.status == 0:
		return retryableError(ctx, cl.replayable(), a.err)
	case !cl.replayable():
		return false
	case errors.As(a.err, &be):
		return true // a 2xx body cut short
	case a.status == http.StatusServiceUnavailable:
		return cl.waitAllowed(a)
	}
	return a.status == http.StatusInternalServerError || a.status == http.StatusBadGateway || a.status == http.StatusGatewayTimeout
}

// withinBudget reports whether another retry of the attempt's kind is
// allowed. Failures and throttling have separate budgets, so that a run of
// 5xx does not use up the retries a throttled export needs, nor the other
// way round. Attempts before the latest one that progressed do not count:
// a stream that keeps moving on is not failing.
func (cl *call) withinBudget(a *attempt) bool {
	if a.kind == attemptUnauthorized {
		return true // at most once, by retryable
	}
	used := 0
	if !a.progressed {
		for i := len(cl.attempts) - 2; i >= 0; i-- {
			b := &cl.attempts[i]
			if b.kind == a.kind {
				used++
			}
			if b.progressed {
				break
			}
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
// replayable requests (idempotent methods) a network failure that
// go-retryablehttp's policy retries, for others only a failure to connect,
// which proves the request never reached PostHog. Certificate errors,
// refused redirects, too many redirects and malformed requests are never
// retried.
func retryableError(ctx context.Context, replayable bool, err error) bool {
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
	if retry, _ := retryablehttp.ErrorPropagatedRetryPolicy(ctx, nil, err); !retry {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // *url.Error is a net.Error whatever its cause
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
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

// jitteredBackoff returns minWait·2^retry capped at maxWait, as
// go-retryablehttp's DefaultBackoff computes it, less a random amount of up
// to half of it, so that clients do not retry in step. jitter(n) returns a
// number in [0, n).
func jitteredBackoff(minWait, maxWait time.Duration, retry int, jitter func(int64) int64) time.Duration {
	d := retryablehttp.DefaultBackoff(minWait, maxWait, retry, nil)
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

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
