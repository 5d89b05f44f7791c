package posthogusers

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Do calls an endpoint of PostHog's API that the client has no method for,
// such as another of PostHog's APIs or one PostHog added since this
// version, through the same request path as the endpoint methods: the
// client's credential, retries, caps, middleware, logging and error types.
// A personal API key works on PostHog's other APIs when it has their
// scopes.
//
// method is GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS; it decides
// whether a retry is safe, as for the endpoint methods (see "Writes and
// unknown outcomes" in the package documentation and [ErrOutcomeUnknown]).
//
// path is the endpoint's path on the base URL, starting with /api/ and
// ending as PostHog names it (its trailing slash), such as
// "/api/projects/@current/feature_flags/". Escape each parameter with
// [url.PathEscape]. The path stays on the base URL's origin: a path that
// does not start with /api/, or holds a dot segment, an empty segment, a
// backslash, a semicolon, a control or non-ASCII character, a fragment, or
// one of . / \ % ; ? # or a control character escaped, is refused with an [*InputError] before anything is sent. path may end
// with a query ("?search=ada&limit=10"), which is parsed and sent encoded
// afresh, its names sorted; a query that does not parse, or that names
// personal_api_key, is refused.
//
// body is sent as JSON: nil sends no body; a [jsontext.Value] or []byte is
// sent as it is and must be valid JSON; any other value is encoded. out
// receives the 2xx answer: nil does not read it; a *[]byte gets the body as
// it is; any other pointer gets it decoded from JSON. An answer without a
// body (204, 205, or to HEAD) leaves out as it is. The answer is read up to
// [WithMaxResponseBytes], and an HTML page where JSON belongs (a login page
// or a proxy's) is an error matching [ErrMalformedResponse]. An answer
// outside 2xx is an [*APIError], or a more precise type wrapping it, as for
// the endpoint methods.
//
// Middleware reads the operation name "do" ([OperationName]).
func (c *Client) Do(ctx context.Context, method, path string, body, out any, reqOpts ...RequestOption) error {
	if !doMethod(method) {
		return &InputError{Arg: "method", Reason: "must be one of GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS, in capitals"}
	}
	p, q, err := checkAPIPath(path)
	if err != nil {
		return err
	}
	if out != nil {
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return &InputError{Arg: "out", Reason: fmt.Sprintf("a %T is not a pointer to decode into; pass nil not to read the answer", out)}
		}
	}
	r := request{op: opRaw, method: method, path: p}
	if q != nil {
		r.query = q
	}
	switch b := body.(type) {
	case nil:
	case jsontext.Value:
		if r.rawBody, err = rawJSON(b); err != nil {
			return err
		}
	case []byte:
		if r.rawBody, err = rawJSON(b); err != nil {
			return err
		}
	default:
		r.body = body
	}
	return c.do(ctx, r, out, reqOpts...)
}

// doMethod reports whether Do sends requests with method.
func doMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// rawJSON checks that b, a body given to Do as it is to be sent, is valid
// JSON, and copies it.
func rawJSON(b []byte) ([]byte, error) {
	if !jsontext.Value(b).IsValid() {
		return nil, &InputError{Arg: "body", Reason: fmt.Sprintf("%s is not valid JSON", describeArg(string(b)))}
	}
	return bytes.Clone(b), nil
}

// checkAPIPath checks a path given to Do and splits it into its path and
// its query, parsed; query is nil when there is none. It refuses, with an
// *InputError that does not repeat the path, anything that could take the
// request off the path it names on the way to PostHog: a proxy that
// decodes %XX and resolves dot segments (as nginx does) would turn an
// escaped "../" back into navigation, and a backslash or a semicolon means
// a path separator to some servers.
func checkAPIPath(p string) (path string, query url.Values, err error) {
	bad := func(reason string) error {
		return &InputError{Arg: "path", Reason: describeArg(p) + " " + reason}
	}
	path, rawQuery, hasQuery := strings.Cut(p, "?")
	switch {
	case !utf8.ValidString(p):
		return "", nil, bad("is not valid UTF-8")
	case hasControl(p):
		return "", nil, bad("contains control characters")
	case strings.Contains(p, "#"):
		return "", nil, bad("contains '#': a fragment is never sent")
	case !strings.HasPrefix(path, "/api/"):
		return "", nil, bad(`does not start with "/api/": give the path on the base URL, without scheme or host, such as "/api/projects/@current/"`)
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '%' {
			if i+2 >= len(path) || !isHex(path[i+1]) || !isHex(path[i+2]) {
				return "", nil, bad("contains a '%' that does not escape a byte")
			}
			if d := unhex(path[i+1])<<4 | unhex(path[i+2]); d < 0x20 || d == 0x7f || strings.IndexByte(`./\%;?#`, d) >= 0 {
				return "", nil, bad(fmt.Sprintf("contains %q escaped, which a proxy could decode into another path", rune(d)))
			}
			i += 2
			continue
		}
		if !pathChar(c) {
			return "", nil, bad(fmt.Sprintf("contains %q, which could take the request off its path; escape it with url.PathEscape", rune(c)))
		}
	}
	segments := strings.Split(path[1:], "/")
	for i, seg := range segments {
		switch {
		case seg == "." || seg == "..":
			return "", nil, bad("holds a dot segment, which names another path")
		case seg == "" && i != len(segments)-1:
			return "", nil, bad("holds an empty segment (//)")
		}
	}
	if !hasQuery {
		return path, nil, nil
	}
	if query, err = url.ParseQuery(rawQuery); err != nil {
		return "", nil, bad("has a query that does not parse")
	}
	for name := range query {
		if strings.EqualFold(name, "personal_api_key") {
			return "", nil, bad("names personal_api_key in its query: the client sends the credential in a header, never in a URL")
		}
	}
	return path, query, nil
}

// pathChar reports whether c may appear as it is in a path given to Do:
// RFC 3986's unreserved characters and sub-delimiters, ':', '@' and '/',
// but not ';'.
func pathChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,=:@/", c) >= 0
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex returns the value of the hexadecimal digit c.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// rawAnswer hands the 2xx answer of a Client.Do call to out: the body as
// it is for a *[]byte, or decoded. An answer without a body (204, 205, or
// to HEAD) leaves out as it is.
func (cl *call) rawAnswer(resp *http.Response, data []byte, out any) error {
	if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusResetContent || cl.method == http.MethodHead {
		return nil
	}
	if b, ok := out.(*[]byte); ok {
		*b = bytes.Clone(data)
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return cl.scrub(&malformedError{method: cl.method, path: cl.path, reason: fmt.Sprintf("decoding the %d answer", resp.StatusCode), err: err})
	}
	return nil
}
