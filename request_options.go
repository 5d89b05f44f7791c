package posthogusers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
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
}

// requestConfig applies the options of one call.
func (c *Client) requestConfig(opts []RequestOption) (requestConfig, error) {
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

// dumpHeaders are the headers WithDebugDumps shows; others are left out.
var dumpHeaders = []string{"Accept", "Content-Type", "Content-Length", "User-Agent", "Retry-After", "X-Request-Id", "Location", "Date"}

// maxDumpBody bounds the body a dump shows.
const maxDumpBody = 4 << 10

// dumpRequest logs an attempt's request for WithDebugDumps.
func (c *Client) dumpRequest(ctx context.Context, cl *call, req *http.Request) {
	var body []byte
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			body, _ = io.ReadAll(rc) // the request's own bytes, in memory already
			_ = rc.Close()
		}
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "posthogusers: request dump",
		slog.String("method", req.Method),
		slog.String("url", scrubString(req.URL.String(), cl.secrets)),
		slog.Any("header", dumpHeader(req.Header, cl.secrets)),
		slog.String("body", dumpBody(body, true, cl.secrets)))
}

// dumpResponse logs an attempt's response for WithDebugDumps.
func (c *Client) dumpResponse(ctx context.Context, cl *call, resp *http.Response) {
	attrs := []slog.Attr{
		slog.Int("status", resp.StatusCode),
		slog.Any("header", dumpHeader(resp.Header, cl.secrets)),
	}
	if data, ok := bodyOf(resp); ok {
		attrs = append(attrs, slog.String("body", dumpBody(data, false, cl.secrets)))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "posthogusers: response dump", attrs...)
}

// dumpBody returns what a dump shows of a request (request set) or response
// body: the body with its secrets redacted (redactJSON) and the call's
// credentials scrubbed, then cut to maxDumpBody bytes, in that order, so
// that the cut never leaves part of a secret.
func dumpBody(body []byte, request bool, secrets []string) string {
	s := scrubString(string(redactJSON(body, request, maxDumpBody)), secrets)
	return s[:min(len(s), maxDumpBody)]
}

// redactedJSON stands in for a secret value in a dumped body.
const redactedJSON = `"[redacted]"`

// notJSONMarker ends a dumped body where it stops being valid JSON.
const notJSONMarker = "…[rest not shown: not valid JSON]"

// redactJSON returns a copy of a JSON body with the value of every secret
// member (see secretMember), at any depth and of any kind, and every string
// value that is an otpauth:// URI replaced by the string "[redacted]".
//
// A body that stops being valid JSON midway (cut short, or garbage after a
// valid part) is copied up to where it was valid, followed by
// notJSONMarker, so that nothing unparsed, which could hold a secret, is
// shown; a secret member's value cut off there shows as "[redacted]". A body
// that is not JSON from its first byte, which for a dump means one that
// does not start with an object, an array or a string (such as an HTML page
// or "404 page not found"), is returned as it is. When limit is positive,
// the copy stops once it is at least limit bytes long: a dump shows no
// more.
func redactJSON(body []byte, request bool, limit int) []byte {
	if start := bytes.TrimLeft(body, " \t\r\n"); len(start) == 0 || !strings.ContainsRune(`{["`, rune(start[0])) {
		return body
	}
	type span struct{ start, end int64 }
	var spans []span // the values to redact, in order
	var shrink int64 // how much shorter than the input the copy is so far
	redact := func(start, end int64) {
		spans = append(spans, span{start, end})
		shrink += end - start - int64(len(redactedJSON))
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	var (
		valid int64  // body[:valid] is valid JSON, copied with its redactions
		tail  string // what the copy shows after body[:valid]
		err   error  // why the walk stopped, nil when it reached limit
	)
	for limit <= 0 || valid-shrink < int64(limit) {
		kind, n := dec.StackIndex(dec.StackDepth())
		next := dec.PeekKind()
		switch {
		case kind == '{' && n%2 == 0 && next == '"': // a member's name
			var name jsontext.Token
			if name, err = dec.ReadToken(); err != nil {
				break
			}
			valid = dec.InputOffset()
			if !secretMember(name.String(), request) {
				continue
			}
			var v jsontext.Value
			if v, err = dec.ReadValue(); err != nil {
				// Cut off in the secret's value: say that there was one.
				if start := valueStart(body, valid); start < int64(len(body)) {
					valid, tail = start, redactedJSON
				}
				break
			}
			end := dec.InputOffset()
			redact(end-int64(len(v)), end)
			valid = end
			continue
		case next == '"': // a string value
			var v jsontext.Value
			if v, err = dec.ReadValue(); err != nil {
				break
			}
			end := dec.InputOffset()
			if isOTPAuth(v) {
				redact(end-int64(len(v)), end)
			}
			valid = end
			continue
		default:
			if _, err = dec.ReadToken(); err != nil {
				break
			}
			valid = dec.InputOffset()
			continue
		}
		break
	}
	if errors.Is(err, io.EOF) {
		valid, err = int64(len(body)), nil // the end, after white space
	}
	out := make([]byte, 0, valid-shrink+int64(len(tail)+len(notJSONMarker)))
	var prev int64
	for _, s := range spans {
		out = append(out, body[prev:s.start]...)
		out = append(out, redactedJSON...)
		prev = s.end
	}
	out = append(out, body[prev:valid]...)
	out = append(out, tail...)
	if err != nil {
		out = append(out, notJSONMarker...)
	}
	return out
}

// secretMember reports whether the value of a member named name is a secret
// to keep out of dumps: a password, secret or token of any kind (any name
// containing one of those words, such as current_password or api_token),
// backup codes, and, in a request, a verification or two-factor code. In an
// answer "code" is PostHog's error code, such as "invalid_input", kept for
// diagnosis.
func secretMember(name string, request bool) bool {
	name = strings.ToLower(name)
	switch {
	case strings.Contains(name, "password"), strings.Contains(name, "secret"), strings.Contains(name, "token"):
		return true
	case name == "backup_codes":
		return true
	case name == "code":
		return request
	}
	return false
}

// isOTPAuth reports whether a JSON string value is an otpauth:// URI, which
// holds a two-factor secret.
func isOTPAuth(v jsontext.Value) bool {
	const scheme = "otpauth://"
	if raw := bytes.TrimLeft(v[1:], " \t\r\n"); len(raw) == 0 || raw[0] != 'o' && raw[0] != 'O' && raw[0] != '\\' {
		return false // the common case, without unquoting
	}
	s, _ := jsontext.AppendUnquote(nil, v) // invalid UTF-8 is replaced, not fatal
	s = bytes.TrimLeft(s, " \t\r\n")
	return len(s) >= len(scheme) && strings.EqualFold(string(s[:len(scheme)]), scheme)
}

// valueStart returns the offset of the value of the member whose name ends
// at nameEnd in body: past the colon and white space. It is len(body) when
// the body ends first.
func valueStart(body []byte, nameEnd int64) int64 {
	rest := bytes.TrimLeft(body[nameEnd:], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return int64(len(body))
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	return int64(len(body) - len(rest))
}

// dumpHeader returns the allow-listed headers of h, as "Name: value" lines,
// with secrets removed.
func dumpHeader(h http.Header, secrets []string) []string {
	var out []string
	for _, name := range dumpHeaders {
		for _, v := range h.Values(name) {
			out = append(out, name+": "+scrubString(v, secrets))
		}
	}
	return out
}
