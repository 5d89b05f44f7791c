package posthogusers

// This file is what the attempt loop (call.send, in transport.go) logs:
// every attempt and every retry with WithLogger, and requests and answers
// with WithDebugDumps, their secrets redacted.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// logAttempt logs a finished attempt at Debug level when the client has a
// logger: method, path, attempt, status or error, duration. Never a header,
// a query or a body.
func (cl *call) logAttempt(ctx context.Context, a *attempt, resp *http.Response) {
	l := cl.c.logger
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("attempt", len(cl.attempts)),
		slog.Duration("duration", cl.c.now().Sub(a.start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if a.failure != "" {
		attrs = append(attrs, slog.String("error", a.failure)) // scrubbed by record
	}
	l.LogAttrs(ctx, slog.LevelDebug, "posthogusers: attempt", attrs...)
}

// logRetry logs a retry about to wait, with its reason, at Info level.
func (cl *call) logRetry(ctx context.Context, a *attempt) {
	l := cl.c.logger
	if l == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("attempt", len(cl.attempts)),
		slog.String("reason", a.failure),
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

// dumpHeaders are the headers WithDebugDumps shows; others are left out.
var dumpHeaders = []string{"Accept", "Content-Type", "Content-Length", "User-Agent", "Retry-After", "X-Request-Id", "Location", "Date"}

// maxDumpBody bounds the body a dump shows.
const maxDumpBody = 4 << 10

// dumpRequest logs an attempt's request, when the client has
// WithDebugDumps and a logger.
func (cl *call) dumpRequest(ctx context.Context, req *http.Request) {
	if !cl.c.dumps || cl.c.logger == nil {
		return
	}
	var body []byte
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			body, _ = io.ReadAll(rc) // the request's own bytes, in memory already
			_ = rc.Close()
		}
	}
	cl.c.logger.LogAttrs(ctx, slog.LevelDebug, "posthogusers: request dump",
		slog.String("method", req.Method),
		slog.String("url", scrubString(req.URL.String(), cl.secrets)),
		slog.Any("header", dumpHeader(req.Header, cl.secrets)),
		slog.String("body", dumpBody(body, true, cl.secrets)))
}

// dumpResponse logs an answer, with its body when the attempt read it into
// memory, when the client has WithDebugDumps and a logger.
func (cl *call) dumpResponse(ctx context.Context, resp *http.Response) {
	if !cl.c.dumps || cl.c.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.Int("status", resp.StatusCode),
		slog.Any("header", dumpHeader(resp.Header, cl.secrets)),
	}
	if data, ok := bodyOf(resp); ok {
		attrs = append(attrs, slog.String("body", dumpBody(data, false, cl.secrets)))
	}
	cl.c.logger.LogAttrs(ctx, slog.LevelDebug, "posthogusers: response dump", attrs...)
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
