package posthogusers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// RequestOption configures one call of an endpoint method, which takes any
// number of them after its arguments:
//
//	var resp posthogusers.Response
//	me, err := client.Users.Get(ctx, posthogusers.Me,
//		posthogusers.WithRequestTimeout(5*time.Second),
//		posthogusers.WithResponseInto(&resp))
//
// An option given an invalid value makes the call return an [*InputError]
// before anything is sent.
type RequestOption func(*requestConfig) error

// requestConfig is what the RequestOptions of one call set.
type requestConfig struct {
	header     http.Header
	timeout    time.Duration
	maxRetries *int
	response   *Response
	middleware []Middleware // inside the client's, outermost first
}

// newRequestConfig applies the options of one call.
func newRequestConfig(opts []RequestOption) (requestConfig, error) {
	var cfg requestConfig
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return requestConfig{}, err
		}
	}
	return cfg, nil
}

// reservedHeaders are the headers the client sets itself: the credential
// and what Django's CSRF check reads, and what net/http computes.
var reservedHeaders = []string{"Authorization", "Cookie", "X-Csrftoken", "Origin", "Referer", "Host", "Content-Length", "Transfer-Encoding", "Connection"}

// WithRequestHeader adds a header to the call's requests, such as a tracing
// header a proxy expects. The client's own headers (Accept, Content-Type,
// User-Agent) win over one of the same name. Headers that carry the
// credential or that net/http sets (Authorization, Cookie, X-CSRFToken,
// Origin, Referer, Host, Content-Length, Transfer-Encoding, Connection) are
// refused, as are names that are not HTTP tokens and values with control
// characters.
func WithRequestHeader(name, value string) RequestOption {
	return func(cfg *requestConfig) error {
		key := http.CanonicalHeaderKey(name)
		switch {
		case !isCookieName(name): // an RFC 7230 token, as a header name must be
			return &InputError{Arg: "WithRequestHeader", Reason: "the name is not an HTTP header name"}
		case slices.Contains(reservedHeaders, key):
			return &InputError{Arg: "WithRequestHeader", Reason: fmt.Sprintf("the client sets %s itself", key)}
		case strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }):
			return &InputError{Arg: "WithRequestHeader", Reason: fmt.Sprintf("the value of %s contains control characters", key)}
		}
		if cfg.header == nil {
			cfg.header = http.Header{}
		}
		cfg.header.Add(key, value)
		return nil
	}
}

// WithRequestTimeout bounds the whole call, retries and their waits
// included, as a context deadline would. It must be positive.
func WithRequestTimeout(d time.Duration) RequestOption {
	return func(cfg *requestConfig) error {
		if d <= 0 {
			return &InputError{Arg: "WithRequestTimeout", Reason: fmt.Sprintf("%v is not positive", d)}
		}
		cfg.timeout = d
		return nil
	}
}

// WithRequestMaxRetries sets, for this call, how many times it may be
// retried after a failure and how many times after a 429, in place of
// [WithMaxRetries] and [WithMaxRateLimitRetries]; 0 sends it once.
func WithRequestMaxRetries(n int) RequestOption {
	return func(cfg *requestConfig) error {
		cfg.maxRetries = new(int)
		return setRetries(cfg.maxRetries, "WithRequestMaxRetries", n)
	}
}

// Response is what a call learnt from PostHog's last answer besides its
// body: see [WithResponseInto].
type Response struct {
	// StatusCode is the HTTP status of the last answer, such as 200.
	StatusCode int
	// Header holds the last answer's headers, such as Retry-After or a
	// proxy's request ID, with any credential of the client in a value
	// replaced by "[redacted]".
	Header http.Header
	// RequestID is the answer's X-Request-Id header, if any: quote it when
	// asking PostHog's support about a request.
	RequestID string
	// Attempts is how many times the request was sent.
	Attempts int
}

// WithResponseInto makes the call fill *dst when PostHog answered, with
// success or not: the status, headers and number of attempts of the last
// answer. *dst is left alone when no answer came (the connection failed, or
// the call was refused before sending).
func WithResponseInto(dst *Response) RequestOption {
	return func(cfg *requestConfig) error {
		if dst == nil {
			return &InputError{Arg: "WithResponseInto", Reason: "the *Response is nil"}
		}
		cfg.response = dst
		return nil
	}
}

// fillResponse fills the call's WithResponseInto destination, if any, with
// every secret removed from the header values.
func (cfg *requestConfig) fillResponse(resp *http.Response, attempts int, secrets []string) {
	if cfg.response == nil {
		return
	}
	header := resp.Header.Clone()
	for _, values := range header {
		for i, v := range values {
			values[i] = scrubString(v, secrets)
		}
	}
	*cfg.response = Response{
		StatusCode: resp.StatusCode,
		Header:     header,
		RequestID:  header.Get("X-Request-Id"),
		Attempts:   max(attempts, 1),
	}
}
