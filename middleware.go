package posthogusers

import (
	"context"
	"errors"
	"net/http"
)

// Middleware wraps every attempt of every request the client sends: it gets
// the attempt's request and next, which sends it on (to the next
// middleware, then to the [http.Client] of [WithHTTPClient]), and returns
// the answer or an error. It runs once per attempt, retries included,
// inside the client's retry loop, so it sees each attempt's request and
// answer as they are: it may read and add headers, time the attempt, count
// answers, or answer itself without calling next. [OperationName] and
// [AttemptNumber] tell it which operation and which attempt it wraps.
//
// The answer's body is unread when next returns: the client reads it after
// the middleware has returned, so a middleware that reads it must put back
// a body that reads the same. The request carries the credential
// (Authorization or Cookie): a middleware must not log its headers. An
// error returned without calling next ends the call with that error,
// nothing sent and no retry; a request sent to another origin than the
// base URL's is refused. The client's middleware ([WithMiddleware]) runs
// outermost, then the call's ([WithRequestMiddleware]), each in the order
// given.
//
// A middleware that only reads the attempt's request and answer fits a
// metrics counter or a tracer:
//
//	count := func(req *http.Request, next posthogusers.MiddlewareNext) (*http.Response, error) {
//		resp, err := next(req)
//		status := "error"
//		if err == nil {
//			status = strconv.Itoa(resp.StatusCode)
//		}
//		requests.WithLabelValues(posthogusers.OperationName(req), status).Inc()
//		return resp, err
//	}
//	client, err := posthogusers.NewClient(key, posthogusers.WithMiddleware(count))
type Middleware func(req *http.Request, next MiddlewareNext) (*http.Response, error)

// MiddlewareNext sends an attempt's request on, to the next [Middleware] or
// to the [http.Client], and returns its answer.
type MiddlewareNext func(req *http.Request) (*http.Response, error)

// WithMiddleware adds middleware that wraps every attempt of every request
// of the client, outermost first; see [Middleware]. A nil Middleware is
// refused.
func WithMiddleware(mw ...Middleware) Option {
	return func(c *Client) error {
		if err := checkMiddleware("WithMiddleware", mw); err != nil {
			return err
		}
		c.middleware = append(c.middleware, mw...)
		return nil
	}
}

// WithRequestMiddleware adds middleware that wraps every attempt of this
// call, inside the client's [WithMiddleware]; given to [UsersService.Scan],
// it wraps every attempt of every page. A nil Middleware is refused.
func WithRequestMiddleware(mw ...Middleware) RequestOption {
	return func(cfg *requestConfig) error {
		if err := checkMiddleware("WithRequestMiddleware", mw); err != nil {
			return err
		}
		cfg.middleware = append(cfg.middleware, mw...)
		return nil
	}
}

// checkMiddleware refuses a nil Middleware given to option.
func checkMiddleware(option string, mw []Middleware) error {
	for _, m := range mw {
		if m == nil {
			return &InputError{Arg: option, Reason: "a Middleware is nil"}
		}
	}
	return nil
}

// attemptKey is the context key of an attempt's attemptInfo.
type attemptKey struct{}

// attemptInfo is what the attempt loop tells middleware and transports
// about an attempt, in its request's context. The loop never reads it
// back.
type attemptInfo struct {
	operation string
	number    int
}

// OperationName returns the name of the operation whose attempt req is,
// for a [Middleware] or an [http.RoundTripper] of the client: "" for a
// request the client did not make. Names are stable, one per endpoint: the
// service, then the endpoint in snake case, such as users.get, users.list,
// users.update, users.hedgehog_config.replace, twofactor.backup_codes,
// integrations.github.repos or signal_autonomy.set. The pages of
// [UsersService.Scan] are users.scan.page and those of [UsersService.All]
// users.all.page; the requests of [Client.Do] are do.
func OperationName(req *http.Request) string {
	return infoOf(req).operation
}

// AttemptNumber returns which attempt of its call req is, from 1, for a
// [Middleware] or an [http.RoundTripper] of the client: 2 is the first
// retry. It is 0 for a request the client did not make. Each page of a scan
// is a call of its own, whose attempts count from 1.
func AttemptNumber(req *http.Request) int {
	return infoOf(req).number
}

// infoOf returns the attemptInfo in req's context, or the zero value.
func infoOf(req *http.Request) attemptInfo {
	if req == nil {
		return attemptInfo{}
	}
	info, _ := req.Context().Value(attemptKey{}).(attemptInfo)
	return info
}

// withAttemptInfo returns ctx carrying the attempt's operation name and
// number, for middleware to read.
func withAttemptInfo(ctx context.Context, operation string, number int) context.Context {
	return context.WithValue(ctx, attemptKey{}, attemptInfo{operation: operation, number: number})
}

// errOtherOrigin is the error of an attempt a middleware sent to another
// origin than the base URL's.
var errOtherOrigin = errors.New("a middleware sent the request to another origin than the base URL's; the credential stays with the base URL")

// errNoAnswer is the error of an attempt whose middleware returned neither
// an answer nor an error.
var errNoAnswer = errors.New("a middleware returned neither a response nor an error")
