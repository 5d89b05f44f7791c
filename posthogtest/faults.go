package posthogtest

import (
	"cmp"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
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
	// Path is a [path.Match] pattern for the request path as
	// [Request.Path] reports it ("/api/users/*/" matches /api/users/@me/,
	// not /project/123/api/users/@me/); "" matches every path.
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
	// Probability, when between 0 and 1, gives the fault to each request
	// it would apply to with that probability, at random, for faults at a
	// rate ("one request in twenty fails"). A request it spares is served
	// as if the fault were not there (another fault may apply to it) and
	// does not count towards Times. 0, or 1 and more, gives it to every
	// one.
	Probability float64

	// Latency delays the answer (in real time; a done request context ends
	// the wait).
	Latency time.Duration
	// Status, when not 0, answers with this status and PostHog's error
	// envelope instead of serving the request. Unless Type, Code, Detail
	// or Attr say otherwise, the envelope is PostHog's server error for a
	// 5xx (type "server_error", code "error", detail "A server error
	// occurred."), DRF's throttled error for a 429, and type
	// "invalid_request", code "error" and the status text as detail for
	// any other status; its attr is null.
	Status int
	// RetryAfter is the Retry-After header sent with Status.
	RetryAfter string
	// Type, Code and Detail, when not "", replace the envelope's members
	// of the same names in the answer to Status, and Attr, when not "",
	// sets its attr (null otherwise). With them a fault gives any error
	// PostHog gives, such as a validation error about one field:
	//
	//	Fault{Status: 400, Type: "validation_error", Code: "invalid_input",
	//		Detail: "Enter a valid name.", Attr: "first_name"}
	//
	// answers {"type":"validation_error","code":"invalid_input",
	// "detail":"Enter a valid name.","attr":"first_name"}. They have no
	// effect without Status.
	Type, Code, Detail, Attr string
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

// matches reports whether a request of this method, path (as
// [Request.Path] reports it) and query matches the fault's Method, Path and
// Query.
func (ft *Fault) matches(method, reqPath string, query url.Values) bool {
	if ft.Method != "" && !strings.EqualFold(ft.Method, method) {
		return false
	}
	if ft.Path != "" {
		if ok, _ := path.Match(ft.Path, reqPath); !ok {
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

// draw reports whether the fault applies to a request it would apply to,
// by its Probability.
func (rule *faultRule) draw() bool {
	p := rule.Probability
	return p <= 0 || p >= 1 || rand.Float64() < p
}

// InjectFault makes the fake apply ft to the requests it matches.
//
// A request gets at most one injected fault: of the faults that match it,
// have let their After requests pass and do not spare it by their
// Probability, the one injected first. A fault is removed once its Times
// are used up. Every fault a request matches counts the request towards
// its After, whichever fault (if any) applies to it; only the fault that
// applies counts it towards its Times. So a fault injected later gets a
// request only when every earlier fault that matches it is still letting
// requests pass, spares it or has been used up.
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
func (f *Fake) takeFault(method, reqPath string, query url.Values) *Fault {
	applies := -1
	for i, rule := range f.faults {
		if !rule.matches(method, reqPath, query) {
			continue
		}
		if rule.pass > 0 {
			rule.pass--
			continue
		}
		if applies < 0 && rule.draw() {
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
	e.Type, e.Code, e.Detail = cmp.Or(ft.Type, e.Type), cmp.Or(ft.Code, e.Code), cmp.Or(ft.Detail, e.Detail)
	if ft.Attr != "" {
		e.Attr = &ft.Attr
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
