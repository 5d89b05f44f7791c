package posthogtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing/iotest"
	"time"

	"github.com/google/uuid"
)

// Fault is a failure the fake gives matching requests instead of, or on top
// of, its normal answer, for testing retry and error paths. Inject it with
// [Fake.InjectFault].
//
// A request matches a fault when it matches each of Method, Path and Query
// that is set. Of the matching requests that come after InjectFault, the
// first After pass without this fault, and the next Times get it (every
// later one when Times is 0):
//
//	// Fail the third list request, and only that one.
//	Fault{Method: "GET", Path: "/api/users/", After: 2, Times: 1, Status: 500}
//	// Fail every request for the page at offset 300, whatever came before.
//	Fault{Path: "/api/users/", Query: url.Values{"offset": {"300"}}, Status: 500}
//
// Every attempt is a request: a retry of a faulted request counts towards
// After and Times like any other.
type Fault struct {
	// Method is the request method to match; "" matches every method.
	Method string
	// Path is a [path.Match] pattern for the request path, from /api on
	// ("/api/users/*/" matches /api/users/@me/); "" matches every path.
	Path string
	// Query is a subset of the request's query to match: each parameter in
	// Query must have exactly the values it lists, in order, and other
	// parameters of the request are ignored. A parameter with no values
	// matches a request without it: the SDK leaves out a zero offset, so
	// url.Values{"offset": nil} matches the first page of a listing. A nil
	// or empty Query matches every query.
	Query url.Values
	// After is how many matching requests, counted from InjectFault on, the
	// fault lets pass before it applies: with After 2 it applies from the
	// third. The requests it lets pass are served as if it were not there
	// (another fault may apply to them). 0 or less applies it from the
	// first.
	After int
	// Times is how many matching requests get the fault, once After have
	// passed; 0 means all.
	Times int

	// Latency delays the answer (in real time; a done request context ends
	// the wait).
	Latency time.Duration
	// Status, when not 0, answers with this status and PostHog's error
	// envelope for it instead of serving the request.
	Status int
	// RetryAfter is the Retry-After header sent with Status.
	RetryAfter string
	// Reset closes the connection without an answer (under httpmock: the
	// round trip fails with a connection reset).
	Reset bool
	// Truncate cuts the answer's body in half: the client reads an
	// unexpected EOF.
	Truncate bool
	// ForeignNext makes list answers' next and previous links point at this
	// origin ("https://elsewhere.example") instead of the fake's.
	ForeignNext string
}

// matches reports whether a request of this method, path (from /api on)
// and query matches the fault's Method, Path and Query.
func (ft *Fault) matches(method, apiPath string, query url.Values) bool {
	if ft.Method != "" && !strings.EqualFold(ft.Method, method) {
		return false
	}
	if ft.Path != "" {
		if ok, _ := path.Match(ft.Path, apiPath); !ok {
			return false
		}
	}
	for name, values := range ft.Query {
		if !slices.Equal(query[name], values) {
			return false
		}
	}
	return true
}

// faultRule is an injected fault and how far it has got.
type faultRule struct {
	Fault
	pass int // matching requests still to let pass before applying
	left int // matching requests left to apply to; -1 for no limit
}

// InjectFault makes the fake apply ft to the requests it matches.
//
// A request gets at most one injected fault: of the faults that match it
// and have let their After requests pass, the one injected first. A fault
// is removed once its Times are used up. Every fault a request matches
// counts the request towards its After, whichever fault (if any) applies
// to it; only the fault that applies counts it towards its Times. So a
// fault injected later gets a request only when every earlier fault that
// matches it is still letting requests pass or has been used up.
func (f *Fake) InjectFault(ft Fault) {
	if ft.Query != nil {
		q := make(url.Values, len(ft.Query))
		for name, values := range ft.Query {
			q[name] = slices.Clone(values)
		}
		ft.Query = q
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	left := ft.Times
	if left <= 0 {
		left = -1
	}
	f.faults = append(f.faults, &faultRule{Fault: ft, pass: max(ft.After, 0), left: left})
}

// ClearFaults removes every injected fault.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// takeFault returns the fault that applies to a request, using it up, and
// counts the request towards the After of every fault it matches. The fake
// is locked.
func (f *Fake) takeFault(method, apiPath string, query url.Values) *Fault {
	applies := -1
	for i, rule := range f.faults {
		if !rule.matches(method, apiPath, query) {
			continue
		}
		if rule.pass > 0 {
			rule.pass--
			continue
		}
		if applies < 0 {
			applies = i
		}
	}
	if applies < 0 {
		return nil
	}
	rule := f.faults[applies]
	ft := rule.Fault
	if rule.left > 0 {
		rule.left--
		if rule.left == 0 {
			f.faults = append(f.faults[:applies:applies], f.faults[applies+1:]...)
		}
	}
	return &ft
}

// writeFault answers with an injected status.
func writeFault(w http.ResponseWriter, ft *Fault) {
	if ft.RetryAfter != "" {
		w.Header().Set("Retry-After", ft.RetryAfter)
	}
	e := errorBody{Type: "server_error", Code: "error", Detail: "A server error occurred."}
	switch {
	case ft.Status == http.StatusTooManyRequests:
		wait := ft.RetryAfter
		if wait == "" {
			wait = "1"
		}
		e = errorBody{Type: "throttled_error", Code: "throttled", Detail: throttledDetail(wait)}
	case ft.Status < 500:
		e = errorBody{Type: "invalid_request", Code: "error", Detail: http.StatusText(ft.Status)}
	}
	writeJSON(w, ft.Status, e)
}

// throttledDetail is DRF's message for a throttled request.
func throttledDetail(wait string) string {
	unit := "seconds"
	if wait == "1" {
		unit = "second"
	}
	return "Request was throttled. Expected available in " + wait + " " + unit + "."
}

// Request is a request the fake received, as [Fake.Requests] reports it.
// It never holds a key's or session's secret value.
type Request struct {
	// Method, Path and Query are the request's method, path (from /api on)
	// and query. A personal_api_key query parameter is replaced by
	// "[redacted]", as is one in a JSON body.
	Method string
	Path   string
	Query  url.Values
	// Body is the request body.
	Body []byte
	// Attempt is 1 for a first request, and n+1 for a request identical
	// (method, URL, body and credential) to one whose attempt n failed in a
	// way clients retry: a 5xx, a 429 or an injected connection fault.
	Attempt int
	// Credential says how the request authenticated: "key:<n>" for the nth
	// key the fake issued, "key:unknown", "session:<user UUID>",
	// "session:unknown" or "" for none.
	Credential string
	// User is the authenticated user, or uuid.Nil.
	User uuid.UUID
	// Status is the status the fake answered with (0 for a reset
	// connection).
	Status int
}

// Requests returns the requests the fake has received, oldest first.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Request, len(f.requests))
	copy(out, f.requests)
	return out
}

// ResetRequests forgets the requests received so far.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

// pending is what begin learned about a request, for end.
type pending struct {
	index    int
	identity string
	fault    *Fault
}

// begin records a request and takes the fault that applies to it.
func (f *Fake) begin(r *http.Request, body []byte) pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	apiPath := r.URL.Path
	if i := strings.Index(apiPath, "/api/"); i > 0 {
		apiPath = apiPath[i:]
	}
	query := r.URL.Query()
	fault := f.takeFault(r.Method, apiPath, query)
	if query.Has("personal_api_key") {
		query.Set("personal_api_key", "[redacted]")
	}
	cred, userID := f.describeCredential(r, body)
	sum := sha256.Sum256(body)
	identity := r.Method + " " + r.URL.RequestURI() + " " + hex.EncodeToString(sum[:8]) + " " + cred
	req := Request{
		Method: r.Method, Path: apiPath, Query: query, Body: redactBody(body),
		Attempt: f.failures[identity] + 1, Credential: cred, User: userID,
	}
	f.requests = append(f.requests, req)
	return pending{index: len(f.requests) - 1, identity: identity, fault: fault}
}

// end notes how a request was answered, for the attempt numbers of the
// requests that repeat it.
func (f *Fake) end(p pending, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p.index < len(f.requests) {
		f.requests[p.index].Status = status
	}
	failed := status == 0 || status >= 500 || status == http.StatusTooManyRequests ||
		p.fault != nil && (p.fault.Reset || p.fault.Truncate)
	if failed {
		f.failures[p.identity]++
	} else {
		delete(f.failures, p.identity)
	}
}

// describeCredential names the credential of r without revealing it. The
// fake is locked.
func (f *Fake) describeCredential(r *http.Request, body []byte) (string, uuid.UUID) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if s, ok := f.sessions[c.Value]; ok {
			return "session:" + s.user.String(), s.user
		}
		return "session:unknown", uuid.Nil
	}
	token := bearerToken(r)
	if token == "" {
		token = bodyKey(body)
	}
	if token == "" {
		token = r.URL.Query().Get("personal_api_key")
	}
	if token == "" {
		return "", uuid.Nil
	}
	if k, ok := f.keys[token]; ok {
		return "key:" + strconv.FormatInt(k.id, 10), k.user
	}
	return "key:unknown", uuid.Nil
}

// redactBody returns a copy of a request body with the value of a
// personal_api_key member replaced by "[redacted]".
func redactBody(body []byte) []byte {
	if bodyKey(body) == "" {
		return bytes.Clone(body)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return []byte(`{"personal_api_key":"[redacted]"}`)
	}
	m["personal_api_key"] = json.RawMessage(`"[redacted]"`)
	b, _ := json.Marshal(m)
	return b
}

// recorder is an http.ResponseWriter that keeps the answer, so that faults
// can cut it and httpmock can return it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// copyTo writes the kept answer to w.
func (r *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.code())
	_, _ = w.Write(r.body.Bytes())
}

// writeTruncated writes the answer to w with a Content-Length of the whole
// body but only its first half.
func (r *recorder) writeTruncated(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(r.body.Len()))
	w.WriteHeader(r.code())
	_, _ = w.Write(r.body.Bytes()[:r.body.Len()/2])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// response returns the kept answer as an *http.Response to req.
func (r *recorder) response(req *http.Request, truncate bool) *http.Response {
	var body io.Reader = bytes.NewReader(r.body.Bytes())
	if truncate {
		body = io.MultiReader(bytes.NewReader(r.body.Bytes()[:r.body.Len()/2]), iotest.ErrReader(io.ErrUnexpectedEOF))
	}
	status := r.code()
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.header.Clone(),
		Body:          io.NopCloser(body),
		ContentLength: int64(r.body.Len()),
		Request:       req,
	}
}
