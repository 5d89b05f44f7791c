package posthogusers

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// idempotent reports whether a request with this method may be sent again
// after it may have reached PostHog.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// checkRetry is the call's retryablehttp.CheckRetry: it runs after every
// attempt and decides whether to send another.
func (k *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	k.attempts++
	k.bodyErr, k.body = nil, nil
	if err == nil && k.replayable() && !k.stream && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// Read the answer within the attempt, so that a body cut short
		// is retried like a failed connection.
		err = k.bufferBody(resp)
	}
	k.logAttempt(ctx, resp, err)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		retry := retryableError(k.replayable(), err)
		if !retry && k.bodyErr != nil {
			return false, k.bodyErr
		}
		return retry, nil
	}
	return k.retryableStatus(resp), nil
}

// bufferBody reads a response body into memory and puts it back as a
// reader. A failed read is kept in k.bodyErr and returned.
func (k *call) bufferBody(resp *http.Response) error {
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxPresize {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		k.bodyErr = fmt.Errorf("reading the response body: %w", err)
		return k.bodyErr
	}
	_ = resp.Body.Close()
	k.body = buf.Bytes()
	resp.Body = io.NopCloser(bytes.NewReader(k.body))
	return nil
}

// maxPresize bounds the buffer a Content-Length header may reserve at once.
const maxPresize = 64 << 20

// replayable reports whether the call may be sent again after it may have
// reached PostHog.
func (k *call) replayable() bool {
	return idempotent(k.method) && !k.op.sendOnce
}

// retryableStatus applies the retry policy to a response.
func (k *call) retryableStatus(resp *http.Response) bool {
	if k.op.sendOnce {
		// The request reached PostHog; it is not sent again, whatever the
		// answer.
		return false
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		// PostHog throttled the request before acting on it: safe for every
		// method.
		return k.waitAllowed(resp)
	case http.StatusServiceUnavailable:
		return k.replayable() && k.waitAllowed(resp)
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return k.replayable()
	}
	return false
}

// waitAllowed reports whether the Retry-After of resp, if any, is within the
// client's WithMaxRetryAfter.
func (k *call) waitAllowed(resp *http.Response) bool {
	d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), k.c.now())
	return !ok || d <= k.c.maxRetryAfter
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
	)
	if errors.Is(err, errRedirect) || errors.As(err, &certErr) || errors.As(err, &authority) || errors.As(err, &hostErr) {
		return false
	}
	if !replayable {
		var opErr *net.OpError
		return errors.As(err, &opErr) && opErr.Op == "dial"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // *url.Error is a net.Error whatever its cause
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// backoff is the call's retryablehttp.Backoff: the Retry-After PostHog asked
// for on 429 and 503, otherwise exponential backoff from minWait with jitter.
func (k *call) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), k.c.now()); ok {
			if k.onRetryAfter != nil {
				k.onRetryAfter(d)
			}
			return d
		}
	}
	return jitteredBackoff(minWait, maxWait, attempt, k.c.jitter)
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

// errorHandler is the call's retryablehttp.ErrorHandler, called when the
// attempts ran out or an attempt failed without a retry: it hands the last
// response back, so that the caller gets a typed error rather than "giving up
// after N attempts", or the error when there is no usable response.
func (k *call) errorHandler(resp *http.Response, err error, numTries int) (*http.Response, error) {
	k.attempts = numTries
	if err == nil && k.bodyErr != nil {
		err = k.bodyErr // the last attempt's body was cut short
	}
	if err != nil {
		// A transport error, a refused redirect (which comes with the
		// redirect response) or a done context.
		if resp != nil {
			drainAndClose(resp.Body)
		}
		return nil, err
	}
	return resp, nil
}

// beforeAttempt is the call's retryablehttp.RequestLogHook: it notes when an
// attempt starts.
func (k *call) beforeAttempt(retryablehttp.Logger, *http.Request, int) {
	k.attemptStart = k.c.now()
}

// logAttempt logs a finished attempt when the client has a logger: method,
// path, status or error, attempt and duration. Never a header, a query or a
// body.
func (k *call) logAttempt(ctx context.Context, resp *http.Response, err error) {
	l := k.c.logger
	if l == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", k.method),
		slog.String("path", k.path),
		slog.Int("attempt", k.attempts),
		slog.Duration("duration", k.c.now().Sub(k.attemptStart)),
	}
	level := slog.LevelInfo
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL may carry a query
		}
		attrs = append(attrs, slog.String("error", err.Error()))
		level = slog.LevelWarn
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			level = slog.LevelWarn
		}
	}
	l.LogAttrs(ctx, level, "posthogusers: request", attrs...)
}
