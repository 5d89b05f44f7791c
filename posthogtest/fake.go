package posthogtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hogkit/posthogusers"
)

// Fake is an in-memory PostHog serving the users API (/api/users/…) as an
// [http.Handler]. Create one with [New], seed it, and serve it with
// [httptest.Server], [NewServer] or, without a listener, [Fake.Responder].
// A Fake is safe for concurrent use.
type Fake struct {
	mu sync.Mutex
	// now is the fake's clock: timestamps, throttles, TOTP codes and
	// latency faults read it.
	now func() time.Time

	orgs     []*organization
	teams    map[int64]*team
	users    *userStore
	keys     map[string]*apiKey     // by key value
	sessions map[string]*webSession // by session ID

	nextTeamID  int64
	nextKeyID   int64
	nextInstall int64

	emailAvailable bool
	limits         rateLimits
	throttle       map[string][]time.Time // throttle bucket → request times, newest first

	faults   []*faultRule
	requests []Request
	failures map[string]int // request identity → failed attempts in a row
}

// Option configures a [Fake] made by [New] or a server made by [NewServer].
// Options that concern only the server are ignored by New.
type Option func(*config)

// config is what the [Option]s of [New] and [NewServer] set.
type config struct {
	now           func() time.Time
	limits        rateLimits
	staff         bool
	scopes        []string
	clientOptions []posthogusers.Option
}

// rateLimits are the throttle rates the fake applies, per key.
type rateLimits struct {
	burst, sustained int // requests a minute and an hour
	// every is the rate of [WithThrottle]: every requests each period, on
	// every endpoint; 0 for none.
	every  int
	period time.Duration
}

// WithClock makes the fake read the time from now instead of [time.Now]:
// throttles, TOTP codes and timestamps follow it, so tests can move time
// without sleeping.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithRateLimits sets the per-key request rates of the throttled endpoints
// (personal integrations and signal autonomy), per minute and per hour.
// PostHog's defaults are 480 and 4,800; tests of throttling lower them.
func WithRateLimits(perMinute, perHour int) Option {
	return func(c *config) { c.limits.burst, c.limits.sustained = perMinute, perHour }
}

// WithThrottle throttles every request to n per period for each caller (a
// key, a session's user, or an address for requests with neither), on every
// endpoint, answering the requests over the rate with PostHog's 429: DRF's
// throttled error and a Retry-After of the seconds until the oldest
// request of the period leaves it. PostHog itself throttles only the
// endpoints [WithRateLimits] names; WithThrottle is for testing a client
// against a stricter PostHog or a proxy in front of it. The fake's clock
// ([WithClock]) measures the period. n of 0 or less, or a period of 0 or
// less, turns it off.
func WithThrottle(n int, period time.Duration) Option {
	return func(c *config) {
		c.limits.every, c.limits.period = n, period
		if n <= 0 || period <= 0 {
			c.limits.every, c.limits.period = 0, 0
		}
	}
}

// New returns a Fake with PostHog's default rate limits, one organization
// ("Analytical Engines") with one project (ID 2), and no users.
func New(opts ...Option) *Fake {
	cfg := config{now: time.Now, limits: rateLimits{burst: 480, sustained: 4800}}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	f := &Fake{
		now:            cfg.now,
		teams:          map[int64]*team{},
		users:          newUserStore(),
		keys:           map[string]*apiKey{},
		sessions:       map[string]*webSession{},
		nextTeamID:     2,
		nextKeyID:      1,
		nextInstall:    41000000,
		emailAvailable: true,
		limits:         cfg.limits,
		throttle:       map[string][]time.Time{},
		failures:       map[string]int{},
	}
	f.addOrganization("Analytical Engines", "Default project")
	return f
}

// ServeHTTP serves one request of the users API, applying any fault
// injected for it. It routes r's path from its start, as PostHog does, so
// the fake answers at the root of its server: a request for any path that
// does not start with /api/users, such as /project/123/api/users/@me/, gets
// PostHog's 404 "Endpoint not found.". To serve it under a path, as a
// self-hosted PostHog behind a proxy, mount it with [http.StripPrefix].
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := f.answer(r, "")
	switch {
	case a.err != nil:
		// The client is gone: nothing to write.
	case a.reset:
		panic(http.ErrAbortHandler) // closes the connection without an answer
	case a.truncate:
		a.rec.writeTruncated(w)
		panic(http.ErrAbortHandler)
	default:
		a.rec.copyTo(w)
	}
}

// answered is how the fake answers one request, in either serving mode
// ([Fake.ServeHTTP] and [Fake.Responder]).
type answered struct {
	// rec holds the answer when there is one (reset and err unset).
	rec *recorder
	// truncate says to send only the first half of rec's body, then fail.
	truncate bool
	// reset says to drop the connection without an answer.
	reset bool
	// err is the request context's error when it ended during an injected
	// latency.
	err error
}

// answer reads r's body, records r, applies the fault injected for it and
// serves it. base is the path the fake is mounted under, "" at the root of
// its server: the fake sees r's path less base, as PostHog behind that path
// would. Both serving modes call it, so that faults behave the same in
// each.
func (f *Fake) answer(r *http.Request, base string) answered {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 8<<20))
		_ = r.Body.Close()
	}
	path, under := underBase(r.URL.Path, base)
	p := f.begin(r, body, path)
	if !under {
		path = "" // routes nowhere
	}
	ft := p.fault
	if ft != nil && ft.Latency > 0 {
		timer := time.NewTimer(ft.Latency)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			f.end(p, 0)
			return answered{err: r.Context().Err()}
		}
	}
	if ft != nil && ft.Reset {
		f.end(p, 0)
		return answered{reset: true}
	}
	rec := newRecorder()
	f.serve(rec, r, body, path, ft)
	f.end(p, rec.code())
	return answered{rec: rec, truncate: ft != nil && ft.Truncate}
}

// underBase returns path less base, the path the fake is mounted under, and
// whether path is under base at all: "/posthog/api/users/" is under
// "/posthog", "/posthogs/api/users/" is not. Every path is under "". A path
// that is not under base is returned whole.
func underBase(path, base string) (string, bool) {
	rest, ok := strings.CutPrefix(path, base)
	if !ok || base != "" && rest != "" && rest[0] != '/' {
		return path, false
	}
	return rest, true
}

// serve answers r, whose body has been read into body, into w. path is r's
// path as the fake routes it (see [exchange]).
func (f *Fake) serve(w *recorder, r *http.Request, body []byte, path string, fault *Fault) {
	if fault != nil && fault.Status != 0 {
		writeFault(w, fault)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	x := &exchange{f: f, w: w, r: r, path: path, body: body}
	if fault != nil {
		x.foreignNext = fault.ForeignNext
	}
	f.route(x)
}

// exchange is one request being served, with the fake locked.
type exchange struct {
	f *Fake
	w *recorder
	r *http.Request
	// path is r's path as PostHog's URL conf matches it: less the path the
	// fake is mounted under, or "" when r is not under that path.
	path string
	body []byte

	auth *caller
	// orgJSON caches the organizations written in this answer.
	orgJSON map[membership]*organizationJSON
	// userArg is the path's {uuid} or {user_id}; moreArg its other
	// argument (an installation, Slack user or login session ID).
	userArg, moreArg string
	// foreignNext replaces the scheme and host of list links, a fault.
	foreignNext string
}

// caller is who is making a request.
type caller struct {
	user    *user
	key     *apiKey     // nil for a session
	session *webSession // nil for a key
}

// token reports whether the caller authenticated with a key or token
// rather than a session.
func (c *caller) token() bool { return c.key != nil }

// errorBody is PostHog's error envelope (drf-exceptions-hog).
type errorBody struct {
	Type   string  `json:"type"`
	Code   string  `json:"code"`
	Detail string  `json:"detail"`
	Attr   *string `json:"attr"`
}

// fail writes PostHog's error envelope.
func (x *exchange) fail(status int, typ, code, detail, attr string) {
	e := errorBody{Type: typ, Code: code, Detail: detail}
	if attr != "" {
		e.Attr = &attr
	}
	x.json(status, e)
}

// invalid writes a 400 validation error about attr.
func (x *exchange) invalid(code, detail, attr string) {
	x.fail(http.StatusBadRequest, "validation_error", code, detail, attr)
}

// required writes DRF's validation error for a missing field attr.
func (x *exchange) required(attr string) {
	x.invalid("required", "This field is required.", attr)
}

// tooLong writes DRF's validation error for a string field attr longer
// than max characters.
func (x *exchange) tooLong(attr string, max int) {
	x.invalid("max_length", fmt.Sprintf("Ensure this field has no more than %d characters.", max), attr)
}

// notAChoice writes DRF's validation error for a choice field attr given
// value, as Python prints it.
func (x *exchange) notAChoice(attr, value string) {
	x.invalid("invalid_choice", fmt.Sprintf("%q is not a valid choice.", value), attr)
}

// mayNotBeNull writes DRF's validation error for null in a field attr that
// refuses it.
func (x *exchange) mayNotBeNull(attr string) {
	x.invalid("null", "This field may not be null.", attr)
}

// decodeBool decodes raw, the value of the boolean field attr, into v (a
// *bool, or a **bool for a field that takes null), writing DRF's
// validation error when it is not a boolean. It reports whether it
// decoded.
func (x *exchange) decodeBool(attr string, raw json.RawMessage, v any) bool {
	if json.Unmarshal(raw, v) != nil {
		x.invalid("invalid_input", "Must be a valid boolean.", attr)
		return false
	}
	return true
}

// denied writes a 403 permission_denied error.
func (x *exchange) denied(detail string) {
	x.fail(http.StatusForbidden, "authentication_error", "permission_denied", detail, "")
}

// notFound writes a 404 with detail.
func (x *exchange) notFound(detail string) {
	x.fail(http.StatusNotFound, "invalid_request", "not_found", detail, "")
}

// json writes v as a JSON response.
func (x *exchange) json(status int, v any) { writeJSON(x.w, status, v) }

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// noContent writes a 204.
func (x *exchange) noContent() { x.w.WriteHeader(http.StatusNoContent) }

// decode reads the request's JSON object body. An empty body is an empty
// object. A body that is not JSON gets DRF's parse error.
func (x *exchange) decode() (map[string]json.RawMessage, bool) {
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(x.body)) == 0 {
		return m, true
	}
	var v any
	if err := json.Unmarshal(x.body, &v); err != nil {
		x.fail(http.StatusBadRequest, "invalid_request", "parse_error", "JSON parse error - "+err.Error(), "")
		return nil, false
	}
	if err := json.Unmarshal(x.body, &m); err != nil {
		x.invalid("invalid_input", "Invalid data. Expected a dictionary, but got "+pythonTypeName(v)+".", "")
		return nil, false
	}
	return m, true
}

// absoluteURL returns the request's URL as an absolute URL, as Django's
// build_absolute_uri does: the scheme and host the request came to.
func (x *exchange) absoluteURL() *url.URL {
	u := *x.r.URL
	if u.Host == "" {
		u.Host = x.r.Host
	}
	if u.Scheme == "" {
		u.Scheme = "http"
		if x.r.TLS != nil {
			u.Scheme = "https"
		}
	}
	if x.foreignNext != "" {
		if fu, err := url.Parse(x.foreignNext); err == nil {
			u.Scheme, u.Host = fu.Scheme, fu.Host
		}
	}
	return &u
}
