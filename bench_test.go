package posthogusers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// The benchmarks list every user of a local server in PostHog's page shape
// and compare the SDK with what a program would write without it: net/http
// and the standard library's encoding/json, following next links and
// decoding each page into plain structs. Run them with scripts/bench, which
// prints one table of medians; `go test ./...` does not run them.
//
// BenchmarkList's sub-benchmarks are named
// n=<users>/fixture=<large|small>/limit=<page size>/latency=<ms per
// page>/impl=<contender>. The fixture is the user every row is made from:
// large is testdata/users_get.json, small testdata/users_list_small.json.
// The contenders (listContenders, in bench_contenders_test.go) are
// baseline, all (Users.All), scan-w1, scan-w4, scan-w8, scan-w16
// (Users.Scan(...).Users() with a Window of 1, 4, 8 and 16), scan-auto
// (Window: AutoWindow), raw (Users.Scan(...).Raw(), Window 1) and raw-auto
// (Raw with Window: AutoWindow). One iteration lists all n users.
//
// The default grid is N = 10,000, pages of 100 and 1,000 users, 0 and 20 ms
// of latency per page. Environment variables widen it:
// POSTHOGUSERS_BENCH_N (a comma-separated list of N, such as
// 10000,100000), POSTHOGUSERS_BENCH_MILLION=1 (adds N = 1,000,000) and
// POSTHOGUSERS_BENCH_LIMITS (a comma-separated list of page sizes, such as
// 100,1000,10000).
//
// Each reports, besides ns/op:
//
//   - users/s: users listed per second of the loop.
//   - allocs/user and B/user: runtime.MemStats Mallocs and TotalAlloc over
//     the whole loop, divided by the users listed. The server runs in the
//     same process, so its allocations (net/http's per request, the
//     handler's pooled buffers) are counted too: they are a small and equal
//     cost for every contender, about 0.5 allocations per user at a page
//     of 100 and proportionally less for larger pages.
//   - peak-heap-MiB: the largest value of the runtime/metrics sample
//     /memory/classes/heap/objects:bytes (the bytes of heap objects, live
//     or not yet swept: what the heap holds at that moment), read every
//     millisecond by a goroutine while the loop runs, after a runtime.GC
//     before it. Spikes shorter than a millisecond can be missed. It
//     includes the server's share and what the process held before the
//     loop.
//   - base-heap-MiB: the same sample right after that runtime.GC, before
//     the loop, so peak-heap-MiB minus base-heap-MiB is what the listing
//     added.
//   - max-inflight: the most list requests the server was answering at
//     once during the loop (from the start of its handler to its return,
//     the latency included). 1 for the sequential contenders; at most the
//     Window for a windowed scan.

// The environment variables that widen BenchmarkList's grid.
const (
	millionEnv = "POSTHOGUSERS_BENCH_MILLION" // "1" adds N = 1,000,000
	benchNEnv  = "POSTHOGUSERS_BENCH_N"       // the Ns, comma-separated
	limitsEnv  = "POSTHOGUSERS_BENCH_LIMITS"  // the page sizes, comma-separated
)

// benchFixtures are the fixtures in testdata/ BenchmarkList makes its users
// from, by the name of its fixture= level.
var benchFixtures = []struct{ name, file string }{
	{"large", "users_get.json"},
	{"small", "users_list_small.json"},
}

// inOrderWith returns the JSON object fixture, compact, with its members
// in their order and the values of those named in replace replaced with the
// given JSON.
func inOrderWith(tb testing.TB, fixture []byte, replace map[string]string) []byte {
	tb.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(fixture))
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out)
	must := func(err error) {
		if err != nil {
			tb.Fatalf("re-encoding a fixture: %v", err)
		}
	}
	tok, err := dec.ReadToken()
	must(err)
	must(enc.WriteToken(tok))
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		must(err)
		name := tok.Clone()
		v, err := dec.ReadValue()
		must(err)
		must(enc.WriteToken(name))
		if r, ok := replace[name.String()]; ok {
			v = jsontext.Value(r)
		}
		must(enc.WriteValue(v))
	}
	tok, err = dec.ReadToken()
	must(err)
	must(enc.WriteToken(tok))
	return bytes.TrimSpace(out.Bytes())
}

// userTemplate writes the JSON of fixtureUserFrom(file, n) for any n
// cheaply: the fixture's bytes are encoded once, split where the id, uuid
// and email go, and each row is the pieces with those three values appended
// between.
type userTemplate struct {
	parts [][]byte // len(holes)+1 pieces of constant JSON
	holes []string // "id", "uuid" or "email", in the order they appear
}

// newUserTemplate encodes the user of the fixture file, its members in the
// fixture's order as PostHog sends them, with markers in place of its id,
// uuid and email, and splits it at them.
func newUserTemplate(tb testing.TB, file string) *userTemplate {
	tb.Helper()
	markers := map[string]string{"id": `"@@id@@"`, "uuid": `"@@uuid@@"`, "email": `"@@email@@"`}
	raw := inOrderWith(tb, readFixture(tb, file), markers)
	type hole struct {
		at   int
		name string
	}
	var hs []hole
	for name, m := range markers {
		at := bytes.Index(raw, []byte(m))
		if at < 0 || bytes.Count(raw, []byte(m)) != 1 {
			tb.Fatalf("marker %s appears %d times in the fixture", m, bytes.Count(raw, []byte(m)))
		}
		hs = append(hs, hole{at, name})
	}
	slices.SortFunc(hs, func(a, b hole) int { return a.at - b.at })
	t := &userTemplate{}
	prev := 0
	for _, h := range hs {
		t.parts = append(t.parts, raw[prev:h.at])
		t.holes = append(t.holes, h.name)
		prev = h.at + len(markers[h.name])
	}
	t.parts = append(t.parts, raw[prev:])
	return t
}

// appendUser appends the JSON of user n of the template's fixture to buf,
// without allocating when buf has room.
func (t *userTemplate) appendUser(buf []byte, n int) []byte {
	for i, h := range t.holes {
		buf = append(buf, t.parts[i]...)
		switch h {
		case "id":
			buf = strconv.AppendInt(buf, int64(n), 10)
		case "uuid":
			buf = append(buf, `"00000000-0000-4000-8000-`...)
			buf = appendPadded(buf, n, 12)
			buf = append(buf, '"')
		case "email":
			buf = append(buf, `"user`...)
			buf = strconv.AppendInt(buf, int64(n), 10)
			buf = append(buf, `@example.com"`...)
		}
	}
	return append(buf, t.parts[len(t.parts)-1]...)
}

// appendPadded appends n in decimal, zero-padded to width digits, without
// allocating (fmt's %012d boxes its argument).
func appendPadded(buf []byte, n, width int) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(n), 10)
	for range width - len(d) {
		buf = append(buf, '0')
	}
	return append(buf, d...)
}

// listServer serves n users (IDs 1 to n) in PostHog's page shape, with
// absolute next links, writing each row from a userTemplate as the page is
// sent, so that no page is held whole and the server costs the same for
// every client. Each list page waits latency before it is written.
// /api/users/@me/ answers user 1. The fixture, n and latency may change
// between benchmarks. It counts the list requests it is answering at once.
type listServer struct {
	tmpls       map[string]*userTemplate // by benchFixtures name
	tmpl        atomic.Pointer[userTemplate]
	n           atomic.Int64
	latency     atomic.Int64 // a time.Duration
	inflight    atomic.Int64 // list requests being answered now
	maxInflight atomic.Int64 // the most at once since the last resetMaxInflight
	bufs        sync.Pool    // *[]byte of about flushAt bytes
}

// flushAt is how many bytes the handler gathers before writing them.
const flushAt = 32 << 10

// newListServer starts a listServer serving the large fixture, closed
// when tb ends.
func newListServer(tb testing.TB) (*listServer, *httptest.Server) {
	tb.Helper()
	s := &listServer{tmpls: map[string]*userTemplate{}}
	for _, f := range benchFixtures {
		s.tmpls[f.name] = newUserTemplate(tb, f.file)
	}
	s.useFixture(tb, "large")
	s.bufs.New = func() any {
		b := make([]byte, 0, flushAt+8<<10)
		return &b
	}
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	return s, srv
}

// useFixture makes the server write its users from the fixture of
// benchFixtures named name.
func (s *listServer) useFixture(tb testing.TB, name string) {
	tb.Helper()
	t := s.tmpls[name]
	if t == nil {
		tb.Fatalf("no fixture %q", name)
	}
	s.tmpl.Store(t)
}

// resetMaxInflight starts a new count of the most list requests answered
// at once. Requests in flight now stay counted in inflight.
func (s *listServer) resetMaxInflight() { s.maxInflight.Store(0) }

// enter counts a list request in and raises maxInflight to the number in
// flight; exit counts it out.
func (s *listServer) enter() {
	now := s.inflight.Add(1)
	for {
		m := s.maxInflight.Load()
		if now <= m || s.maxInflight.CompareAndSwap(m, now) {
			return
		}
	}
}

// exit counts a list request out.
func (s *listServer) exit() { s.inflight.Add(-1) }

// ServeHTTP answers a list page or user 1.
func (s *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	bp := s.bufs.Get().(*[]byte)
	defer s.bufs.Put(bp)
	buf := (*bp)[:0]
	tmpl := s.tmpl.Load()
	if r.URL.Path != "/api/users/" {
		buf = tmpl.appendUser(buf, 1)
		w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
		_, _ = w.Write(buf)
		*bp = buf
		return
	}
	s.enter()
	defer s.exit()
	n := int(s.n.Load())
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = min(max(offset, 0), n)
	end := min(offset+limit, n)
	if d := time.Duration(s.latency.Load()); d > 0 {
		time.Sleep(d)
	}
	buf = fmt.Appendf(buf, `{"count":%d,"next":`, n)
	if end < n {
		buf = fmt.Appendf(buf, `"http://%s/api/users/?limit=%d&offset=%d"`, r.Host, limit, end)
	} else {
		buf = append(buf, "null"...)
	}
	if offset > 0 {
		buf = fmt.Appendf(buf, `,"previous":"http://%s/api/users/?limit=%d&offset=%d"`, r.Host, limit, max(offset-limit, 0))
	} else {
		buf = append(buf, `,"previous":null`...)
	}
	buf = append(buf, `,"results":[`...)
	for i := offset; i < end; i++ {
		if i > offset {
			buf = append(buf, ',')
		}
		buf = tmpl.appendUser(buf, i+1)
		if len(buf) >= flushAt {
			if _, err := w.Write(buf); err != nil {
				*bp = buf
				return
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, "]}"...)
	_, _ = w.Write(buf)
	*bp = buf
}

// newBenchClient returns an HTTP client like the SDK's default (a copy of
// http.DefaultTransport, a 60-second timeout) whose idle connections are
// closed when b ends.
func newBenchClient(b *testing.B) *http.Client {
	hc := &http.Client{Timeout: defaultTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(hc.CloseIdleConnections)
	return hc
}

// newBenchSDK returns an SDK client for srv over newBenchClient.
func newBenchSDK(b *testing.B, srv *httptest.Server) *Client {
	c, err := NewClient(testKey, WithBaseURL(srv.URL), WithHTTPClient(newBenchClient(b)))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// listing lists every user once and returns how many it saw and the ID of
// the last.
type listing func(ctx context.Context) (count int, lastID int64, err error)

// contender makes a listing for a benchmark: its clients are made once,
// outside the loop, and their idle connections closed when b ends.
type contender struct {
	name string
	make func(b *testing.B, srv *httptest.Server, limit int) listing
}

// baselineContender lists as a program without the SDK would
// (baselineList).
func baselineContender(b *testing.B, srv *httptest.Server, limit int) listing {
	hc := newBenchClient(b)
	return func(ctx context.Context) (int, int64, error) {
		count, last := 0, int64(0)
		err := baselineList(ctx, hc, srv.URL, limit, func(u *plainUser) { count, last = count+1, u.ID })
		return count, last, err
	}
}

// allContender lists with Users.All.
func allContender(b *testing.B, srv *httptest.Server, limit int) listing {
	c := newBenchSDK(b, srv)
	return func(ctx context.Context) (int, int64, error) {
		count, last := 0, int64(0)
		for u, err := range c.Users.All(ctx, &ListUsersOptions{Limit: limit}) {
			if err != nil {
				return count, last, err
			}
			count, last = count+1, u.ID
		}
		return count, last, nil
	}
}

// rawContender lists with Users.Scan(...).Raw() and a window of window
// pages, decoding only the last user's ID.
func rawContender(window int) func(b *testing.B, srv *httptest.Server, limit int) listing {
	return func(b *testing.B, srv *httptest.Server, limit int) listing {
		c := newBenchSDK(b, srv)
		return func(ctx context.Context) (int, int64, error) {
			count := 0
			var last []byte
			for v, err := range c.Users.Scan(ctx, &ScanOptions{Limit: limit, Window: window}).Raw() {
				if err != nil {
					return count, 0, err
				}
				count, last = count+1, v
			}
			if last == nil {
				return count, 0, nil
			}
			var u struct {
				ID int64 `json:"id"`
			}
			err := json.Unmarshal(last, &u)
			return count, u.ID, err
		}
	}
}

// scanContender lists with Users.Scan(...).Users() and a window of window
// pages.
func scanContender(window int) func(b *testing.B, srv *httptest.Server, limit int) listing {
	return func(b *testing.B, srv *httptest.Server, limit int) listing {
		c := newBenchSDK(b, srv)
		return func(ctx context.Context) (int, int64, error) {
			count, last := 0, int64(0)
			for u, err := range c.Users.Scan(ctx, &ScanOptions{Limit: limit, Window: window}).Users() {
				if err != nil {
					return count, last, err
				}
				count, last = count+1, u.ID
			}
			return count, last, nil
		}
	}
}

// heapObjectsMetric is the runtime/metrics sample peak heap is read from.
const heapObjectsMetric = "/memory/classes/heap/objects:bytes"

// heapSampler reads heapObjectsMetric every millisecond from its own
// goroutine and keeps the largest value.
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

// readHeapObjects returns heapObjectsMetric now.
func readHeapObjects(s []metrics.Sample) uint64 {
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// startHeapSampler starts sampling.
func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		s := []metrics.Sample{{Name: heapObjectsMetric}}
		peak := readHeapObjects(s)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				peak = max(peak, readHeapObjects(s))
			case <-h.stop:
				h.done <- max(peak, readHeapObjects(s))
				return
			}
		}
	}()
	return h
}

// peak stops the sampler and returns the largest value it read.
func (h *heapSampler) peak() uint64 {
	close(h.stop)
	return <-h.done
}

// mib is a mebibyte, in bytes.
const mib = 1 << 20

// measureListing runs list in b's loop, checking that each run saw users 1
// to n, and reports users/s, allocs/user, B/user, peak-heap-MiB,
// base-heap-MiB and s's max-inflight as described at the top of this file.
func measureListing(b *testing.B, s *listServer, n int, list listing) {
	ctx := b.Context()
	runtime.GC()
	base := readHeapObjects([]metrics.Sample{{Name: heapObjectsMetric}})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sampler := startHeapSampler()
	s.resetMaxInflight()
	for b.Loop() {
		count, last, err := list(ctx)
		if err != nil {
			sampler.peak()
			b.Fatal(err)
		}
		if count != n || last != int64(n) {
			sampler.peak()
			b.Fatalf("listed %d users, the last with ID %d; want %d, the last %d", count, last, n, n)
		}
	}
	peak := sampler.peak()
	runtime.ReadMemStats(&after)
	users := float64(n) * float64(b.N)
	b.ReportMetric(users/b.Elapsed().Seconds(), "users/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/users, "allocs/user")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/users, "B/user")
	b.ReportMetric(float64(peak)/mib, "peak-heap-MiB")
	b.ReportMetric(float64(base)/mib, "base-heap-MiB")
	b.ReportMetric(float64(s.maxInflight.Load()), "max-inflight")
}

// BenchmarkList lists every user with each contender of listContenders,
// for each N, fixture, page size and latency of the grid described at the
// top of this file. One iteration is one full listing.
func BenchmarkList(b *testing.B) {
	ns := envInts(b, benchNEnv, []int{10_000})
	if os.Getenv(millionEnv) == "1" && !slices.Contains(ns, 1_000_000) {
		ns = append(ns, 1_000_000)
	}
	limits := envInts(b, limitsEnv, []int{100, 1_000})
	contenders := listContenders()
	s, srv := newListServer(b)
	for _, n := range ns {
		for _, f := range benchFixtures {
			for _, limit := range limits {
				for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
					for _, c := range contenders {
						name := fmt.Sprintf("n=%d/fixture=%s/limit=%d/latency=%dms/impl=%s",
							n, f.name, limit, latency.Milliseconds(), c.name)
						b.Run(name, func(b *testing.B) {
							s.useFixture(b, f.name)
							s.n.Store(int64(n))
							s.latency.Store(int64(latency))
							measureListing(b, s, n, c.make(b, srv, limit))
						})
					}
				}
			}
		}
	}
}

// envInts returns the comma-separated positive integers of the environment
// variable name, or def when it is unset or empty.
func envInts(b *testing.B, name string, def []int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		i, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || i <= 0 {
			b.Fatalf("%s=%q: %q is not a positive integer", name, v, f)
		}
		out = append(out, i)
	}
	return out
}

// BenchmarkGet compares Users.Get with a net/http request decoded by
// encoding/json into a plain struct.
func BenchmarkGet(b *testing.B) {
	s, srv := newListServer(b)
	s.n.Store(1)
	b.Run("impl=baseline", func(b *testing.B) {
		hc := newBenchClient(b)
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, srv.URL+"/api/users/@me/", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+testKey)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var u plainUser
			err = json.NewDecoder(resp.Body).Decode(&u)
			discardAndClose(resp.Body)
			if err != nil || u.ID != 1 {
				b.Fatalf("user %d, %v", u.ID, err)
			}
		}
	})
	b.Run("impl=sdk", func(b *testing.B) {
		c := newBenchSDK(b, srv)
		b.ReportAllocs()
		for b.Loop() {
			u, err := c.Users.Get(b.Context(), Me)
			if err != nil || u.ID != 1 {
				b.Fatalf("user %v, %v", u, err)
			}
		}
	})
}

// memberNames returns the names of the JSON object obj's members, in order.
func memberNames(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(obj))
	var names []string
	if _, err := dec.ReadToken(); err != nil {
		t.Fatal(err)
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name.String())
		if err := dec.SkipValue(); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// TestBenchServer checks that the benchmarks' server writes each user as
// fixtureUserFrom does, its members in the fixture's order, for each fixture, and pages like PostHog, so that
// what the benchmarks decode is the fixture.
func TestBenchServer(t *testing.T) {
	t.Parallel()
	s, srv := newListServer(t)
	s.n.Store(5)
	for _, f := range benchFixtures {
		for _, n := range []int{1, 7, 123456} {
			var got, want map[string]any
			if err := json.Unmarshal(s.tmpls[f.name].appendUser(nil, n), &got); err != nil {
				t.Fatalf("%s, user %d: %v", f.name, n, err)
			}
			if err := json.Unmarshal(mustJSON(t, fixtureUserFrom(t, f.file, n)), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s, user %d (-fixture +server):\n%s", f.name, n, diff)
			}
			if got, want := memberNames(t, s.tmpls[f.name].appendUser(nil, n)), memberNames(t, readFixture(t, f.file)); !slices.Equal(got, want) {
				t.Errorf("%s, user %d: members in the order %v; want the fixture's, %v", f.name, n, got, want)
			}
		}
	}
	if got, want := len(mustJSON(t, fixtureUserFrom(t, "users_list_small.json", 1))),
		len(mustJSON(t, fixtureUserFrom(t, "users_get.json", 1))); got >= want {
		t.Errorf("the small fixture is %d bytes of JSON, the large %d; want it smaller", got, want)
	}
	hc := srv.Client()
	for _, f := range benchFixtures {
		s.useFixture(t, f.name)
		var ids []int64
		var emails []string
		err := baselineList(t.Context(), hc, srv.URL, 2, func(u *plainUser) {
			ids, emails = append(ids, u.ID), append(emails, u.Email)
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{1, 2, 3, 4, 5}; !slices.Equal(ids, want) {
			t.Errorf("%s: listed %v; want %v", f.name, ids, want)
		}
		if want := "user5@example.com"; emails[len(emails)-1] != want {
			t.Errorf("%s: the last user's email is %q; want %q", f.name, emails[len(emails)-1], want)
		}
	}
	c, err := NewClient(testKey, WithBaseURL(srv.URL), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for u, err := range c.Users.Scan(t.Context(), &ScanOptions{Limit: 2, Window: 4}).Users() {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if want := []int64{1, 2, 3, 4, 5}; !slices.Equal(ids, want) {
		t.Errorf("scanned %v; want %v", ids, want)
	}
}

// TestBenchServer_maxInflight checks the server's count of list requests
// answered at once: list requests held in the handler until three are in
// are counted three, one at a time counts 1, and a windowed scan counts at
// most its Window.
func TestBenchServer_maxInflight(t *testing.T) {
	t.Parallel()
	s, srv := newListServer(t)
	s.n.Store(16)
	release := make(chan struct{})
	held := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/users/" {
			w = heldWriter{w, release}
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(held.Close)
	const together = 3
	s.resetMaxInflight()
	errs := make(chan error, together)
	for range together {
		go func() {
			resp, err := held.Client().Get(held.URL + "/api/users/?limit=1")
			if err == nil {
				discardAndClose(resp.Body)
			}
			errs <- err
		}()
	}
	// The requests are held until all are in: this waits for them, and is
	// no limit on their time.
	for deadline := time.Now().Add(10 * time.Second); s.inflight.Load() < together; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("%d requests in flight after 10 s; want %d", s.inflight.Load(), together)
		}
	}
	close(release)
	for range together {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := s.maxInflight.Load(); got != together {
		t.Errorf("%d requests held together: the server counted %d at most", together, got)
	}
	if got := s.inflight.Load(); got != 0 {
		t.Errorf("%d requests still counted in flight after they were answered; want 0", got)
	}

	hc := srv.Client()
	s.resetMaxInflight()
	if err := baselineList(t.Context(), hc, srv.URL, 4, func(*plainUser) {}); err != nil {
		t.Fatal(err)
	}
	if got := s.maxInflight.Load(); got != 1 {
		t.Errorf("one page at a time: the server counted %d requests at once; want 1", got)
	}
	c, err := NewClient(testKey, WithBaseURL(srv.URL), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	const window = 4
	s.resetMaxInflight()
	for _, err := range c.Users.Scan(t.Context(), &ScanOptions{Limit: 1, Window: window}).Users() {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := s.maxInflight.Load(); got < 1 || got > window {
		t.Errorf("a window of %d: the server counted %d requests at once; want 1 to %d", window, got, window)
	}
}

// heldWriter is a ResponseWriter whose writes wait until release is closed.
type heldWriter struct {
	http.ResponseWriter
	release <-chan struct{}
}

// Write waits for release, then writes p.
func (w heldWriter) Write(p []byte) (int, error) {
	<-w.release
	return w.ResponseWriter.Write(p)
}

// TestBenchFixtures_schema checks that a page of each benchmark fixture's
// users is a GET /api/users/ answer PostHog's schema allows.
func TestBenchFixtures_schema(t *testing.T) {
	t.Parallel()
	router := schemaRouter(t)
	for _, f := range benchFixtures {
		page := mustJSON(t, map[string]any{
			"count": 3, "next": "https://us.posthog.com/api/users/?limit=2&offset=2", "previous": nil,
			"results": []any{fixtureUserFrom(t, f.file, 1), fixtureUserFrom(t, f.file, 2)},
		})
		rec := &errorRecorder{TB: t}
		input := validateSchemaRequest(rec, router, schemaRequest(t, "GET", "/api/users/?limit=2", ""), nil)
		if input == nil {
			t.Fatalf("no route: %v", rec.errs)
		}
		validateSchemaResponse(rec, input, 200, http.Header{"Content-Type": {"application/json"}}, page)
		for _, e := range rec.errs {
			t.Errorf("%s: %s", f.name, e)
		}
	}
}

// TestBenchServerAllocs checks that the benchmarks' server writes a row
// without allocating, so that it adds as little as possible to every
// contender's allocations.
func TestBenchServerAllocs(t *testing.T) {
	for _, f := range benchFixtures {
		tmpl := newUserTemplate(t, f.file)
		buf := make([]byte, 0, 64<<10)
		if allocs := testing.AllocsPerRun(100, func() { buf = tmpl.appendUser(buf[:0], 123456) }); allocs != 0 {
			t.Errorf("%s: appendUser allocates %v times; want 0", f.name, allocs)
		}
	}
}

// TestListContenders checks that BenchmarkList's contenders have distinct
// names that internal/benchtable parses (no slash, no space).
func TestListContenders(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range listContenders() {
		if c.name == "" || strings.ContainsAny(c.name, "/ \t") || seen[c.name] {
			t.Errorf("contender name %q is empty, repeated or has a slash or space", c.name)
		}
		seen[c.name] = true
		if c.make == nil {
			t.Errorf("%s: no make", c.name)
		}
	}
	for _, name := range []string{"baseline", "all", "scan-w1", "scan-w4", "scan-w8", "scan-w16", "scan-auto", "raw", "raw-auto"} {
		if !seen[name] {
			t.Errorf("no contender %s", name)
		}
	}
}
