package posthogusers

// Tests of what a scan does with the pages it is given: which pages a
// window requests and keeps in flight, what a failed page cancels, where a
// resumed scan starts, and what its drift record says.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pageServer serves a list of users 1..n in PostHog's page shape, at most
// maxPage users a page whatever the limit (0: no cap), and records each
// request's offset and limit. before, when set, runs first and may answer
// the request itself (it returns true then).
type pageServer struct {
	n, maxPage int
	before     func(w http.ResponseWriter, r *http.Request, offset int) bool
	mu         sync.Mutex
	requests   []string // "offset/limit"
}

func (s *pageServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	s.mu.Lock()
	s.requests = append(s.requests, fmt.Sprintf("%d/%d", offset, limit))
	s.mu.Unlock()
	if s.before != nil && s.before(w, r, offset) {
		return
	}
	if s.maxPage > 0 {
		limit = min(limit, s.maxPage)
	}
	end := min(offset+limit, s.n)
	next := -1
	if end < s.n {
		next = end
	}
	var users []string
	for id := offset + 1; id <= end; id++ {
		users = append(users, hostileUser(int64(id)))
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprint(w, pageHead(s.n, next, limit)+strings.Join(users, ",")+"]}")
}

// sortedRequests returns the requests the server got, sorted.
func (s *pageServer) sortedRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := slices.Clone(s.requests)
	slices.SortFunc(r, func(a, b string) int {
		ao, _ := strconv.Atoi(strings.Split(a, "/")[0])
		bo, _ := strconv.Atoi(strings.Split(b, "/")[0])
		return ao - bo
	})
	return r
}

// scanIDs ranges over sc's users, returning their IDs and the errors.
func scanIDs(sc *UserScan) (ids []int64, errs []error) {
	for u, err := range sc.Users() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	return ids, errs
}

// idRange returns from..to.
func idRange(from, to int64) []int64 {
	var ids []int64
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	return ids
}

// TestScan_windowKeepsPagesInFlight scans 500 users, 100 to a page, with a
// window of 4: the four pages after the first are in flight together, and
// each page is requested once. The server holds each of them until all
// four have arrived; a scan that ran them one at a time would leave the
// first waiting until the test's guard gives up.
func TestScan_windowKeepsPagesInFlight(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	arrived, most := 0, 0
	all := make(chan struct{})
	srv := &pageServer{n: 500, before: func(w http.ResponseWriter, r *http.Request, offset int) bool {
		if offset == 0 {
			return false
		}
		mu.Lock()
		arrived++
		most = max(most, arrived)
		if arrived == 4 {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(10 * time.Second): // turns a window of one into a failure, not a hang
		}
		return false
	}}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	ids, errs := scanIDs(c.Users.Scan(t.Context(), &ScanOptions{Limit: 100, Window: 4}))
	if len(errs) != 0 || !slices.Equal(ids, idRange(1, 500)) {
		t.Fatalf("%d users, errors %v; want users 1 to 500", len(ids), errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 4 {
		t.Errorf("at most %d pages in flight; want the window's 4", most)
	}
	if got, want := srv.sortedRequests(), []string{"0/100", "100/100", "200/100", "300/100", "400/100"}; !slices.Equal(got, want) {
		t.Errorf("requests %v; want %v, each page once", got, want)
	}
}

// TestScan_resumedWindowThroughACappingProxy resumes a windowed scan
// behind a proxy that answers at most 7 users a page whatever the limit:
// the first page's length gives the step of the window, so every later
// page is asked for whole, with no gap to fill.
func TestScan_resumedWindowThroughACappingProxy(t *testing.T) {
	t.Parallel()
	srv := &pageServer{n: 50, maxPage: 7}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	ids, errs := scanIDs(c.Users.Scan(t.Context(), &ScanOptions{Limit: 10, Window: 4, Start: Checkpoint{Offset: 15, LastID: 15}}))
	if len(errs) != 0 || !slices.Equal(ids, idRange(16, 50)) {
		t.Fatalf("users %v, errors %v; want 16 to 50", ids, errs)
	}
	want := []string{"14/10", "21/7", "28/7", "35/7", "42/7", "49/7"}
	if got := srv.sortedRequests(); !slices.Equal(got, want) {
		t.Errorf("requests %v; want %v", got, want)
	}
}

// TestScan_pagesAfterAFailedPageAreCancelled fails the second page of a
// window of 4 once the three after it are in flight: their requests are
// cancelled, and the scan ends with the second page's error.
func TestScan_pagesAfterAFailedPageAreCancelled(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	waiting, cancelled := 0, 0
	three := make(chan struct{})
	srv := &pageServer{n: 500, before: func(w http.ResponseWriter, r *http.Request, offset int) bool {
		switch offset {
		case 0:
			return false
		case 100:
			select {
			case <-three:
			case <-time.After(10 * time.Second):
			}
			answer(http.StatusBadRequest, `{"type":"validation_error","code":"invalid_input","detail":"No.","attr":null}`)(w, r)
			return true
		}
		mu.Lock()
		if waiting++; waiting == 3 {
			close(three)
		}
		mu.Unlock()
		select {
		case <-r.Context().Done():
			mu.Lock()
			cancelled++
			mu.Unlock()
		case <-time.After(10 * time.Second):
		}
		return true
	}}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	ids, errs := scanIDs(c.Users.Scan(t.Context(), &ScanOptions{Limit: 100, Window: 4}))
	var se *ScanError
	if len(errs) != 1 || !errors.As(errs[0], &se) || !errors.Is(errs[0], ErrValidation) || se.Checkpoint.Offset != 100 || len(ids) != 100 {
		t.Fatalf("%d users, errors %v; want the first page's 100 users and the second page's error", len(ids), errs)
	}
	hs.Close() // waits for the handlers
	mu.Lock()
	defer mu.Unlock()
	if cancelled != 3 {
		t.Errorf("%d of the 3 pages after the failed one were cancelled", cancelled)
	}
}

// TestScan_startWithLastIDOnly starts from a checkpoint with a last ID but
// offset 0: there is no user before it to check, so the scan starts at the
// first user and skips those not past the last ID.
func TestScan_startWithLastIDOnly(t *testing.T) {
	t.Parallel()
	srv := &pageServer{n: 10}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 100, Start: Checkpoint{LastID: 5}})
	ids, errs := scanIDs(sc)
	if len(errs) != 0 || !slices.Equal(ids, idRange(6, 10)) || !slices.Equal(srv.sortedRequests(), []string{"0/100"}) {
		t.Errorf("users %v, errors %v, requests %v; want 6 to 10 from offset 0", ids, errs, srv.sortedRequests())
	}
}

// scriptedPages serves the list pages of pages, by offset: each is the
// page's count, its users' IDs and the offset of its next link (-1 for
// none).
type scriptedPage struct {
	count int
	ids   []int64
	next  int
}

func scriptedPages(t *testing.T, limit int, pages map[int]scriptedPage) *Client {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		p, ok := pages[offset]
		if !ok {
			t.Errorf("unexpected request at offset %d", offset)
			p = scriptedPage{next: -1}
		}
		var users []string
		for _, id := range p.ids {
			users = append(users, hostileUser(id))
		}
		answer(http.StatusOK, pageHead(p.count, p.next, limit)+strings.Join(users, ",")+"]}")(w, r)
	}))
	t.Cleanup(hs.Close)
	return hostileClient(t, hs.URL, testKey)
}

// TestScan_driftFields pins what a scan's *DriftError says.
func TestScan_driftFields(t *testing.T) {
	t.Parallel()
	t.Run("a user listed twice", func(t *testing.T) {
		t.Parallel()
		c := scriptedPages(t, 3, map[int]scriptedPage{
			0: {20, []int64{1, 2, 3}, 3},
			3: {20, []int64{3, 4, 5}, 6}, // the list moved down one
			6: {20, []int64{6}, -1},
		})
		sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 3})
		ids, errs := scanIDs(sc)
		var d *DriftError
		if !slices.Equal(ids, idRange(1, 6)) || len(errs) != 1 || !errors.As(errs[0], &d) {
			t.Fatalf("users %v, errors %v; want 1 to 6 and a *DriftError", ids, errs)
		}
		want := DriftError{FirstCount: 20, LastCount: 20, Skipped: 1, Reasons: []string{"the list ended at offset 7 with a count of 20"}}
		if d.FirstCount != want.FirstCount || d.LastCount != want.LastCount || d.Skipped != want.Skipped || !slices.Equal(d.Reasons, want.Reasons) {
			t.Errorf("drift %+v; want %+v", *d, want)
		}
	})
	t.Run("a clean resume", func(t *testing.T) {
		t.Parallel()
		c := scriptedPages(t, 3, map[int]scriptedPage{2: {5, []int64{3, 4, 5}, -1}})
		sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 3, Start: Checkpoint{Offset: 3, LastID: 3}})
		ids, errs := scanIDs(sc)
		if !slices.Equal(ids, []int64{4, 5}) || len(errs) != 0 || sc.Drift() != nil {
			t.Errorf("users %v, errors %v, drift %v; want 4 and 5, no drift (the user checked is not listed twice)", ids, errs, sc.Drift())
		}
	})
	t.Run("an empty list", func(t *testing.T) {
		t.Parallel()
		c := scriptedPages(t, 3, map[int]scriptedPage{0: {0, nil, -1}})
		sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 3})
		if ids, errs := scanIDs(sc); len(ids)+len(errs) != 0 || sc.Drift() != nil {
			t.Errorf("users %v, errors %v; want none, and no drift", ids, errs)
		}
	})
	t.Run("users where the count says none", func(t *testing.T) {
		t.Parallel()
		c := scriptedPages(t, 3, map[int]scriptedPage{0: {0, []int64{1}, -1}})
		sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 3})
		ids, _ := scanIDs(sc)
		if d := sc.Drift(); len(ids) != 1 || d == nil || !slices.Equal(d.Reasons, []string{"the list ended at offset 1 with a count of 0"}) {
			t.Errorf("users %v, drift %v; want user 1 and the count named", ids, d)
		}
	})
	t.Run("at most ten reasons", func(t *testing.T) {
		t.Parallel()
		pages := map[int]scriptedPage{}
		for i := range 12 {
			pages[i] = scriptedPage{100 - i, []int64{int64(i + 1)}, i + 1} // the count goes down every page
		}
		pages[12] = scriptedPage{88, []int64{13}, -1}
		c := scriptedPages(t, 1, pages)
		sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 1})
		scanIDs(sc)
		if d := sc.Drift(); d == nil || len(d.Reasons) != 10 || d.FirstCount != 100 || d.LastCount != 88 {
			t.Errorf("drift %+v; want 10 reasons, counts 100 then 88", d)
		}
	})
}

// TestScan_offsetPastTheCount lists through a server that brings new users
// at every offset while its count stays 10, 10 to a page: the scan reads
// the page that ends a page past the count, and stops at the next.
func TestScan_offsetPastTheCount(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var users []string
		for id := offset + 1; id <= offset+10; id++ {
			users = append(users, hostileUser(int64(id)))
		}
		answer(http.StatusOK, pageHead(10, offset+10, 10)+strings.Join(users, ",")+"]}")(w, r)
	}))
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	ids, errs := scanIDs(c.Users.Scan(context.Background(), &ScanOptions{Limit: 10}))
	if len(ids) != 30 || len(errs) != 1 || !errors.Is(errs[0], ErrMalformedResponse) || requests.Load() != 3 {
		t.Errorf("%d users, %d requests, errors %v; want 30 users in 3 requests, then ErrMalformedResponse", len(ids), requests.Load(), errs)
	}
}

// TestScan_failedPageCancelsLaterPagesAtOnce fails the third page of a
// window while the second is still being read: the pages after the third
// are cancelled at once, not when the loop gets to the third.
func TestScan_failedPageCancelsLaterPagesAtOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	arrived, cancelled := 0, 0
	inFlight, both := make(chan struct{}), make(chan struct{})
	srv := &pageServer{n: 500, before: func(w http.ResponseWriter, r *http.Request, offset int) bool {
		switch offset {
		case 0:
			return false
		case 100: // held until the pages after the failed one are cancelled
			select {
			case <-both:
			case <-time.After(5 * time.Second):
			}
			return false
		case 200: // fails once the pages after it are in flight
			select {
			case <-inFlight:
			case <-time.After(5 * time.Second):
			}
			answer(http.StatusBadRequest, `{"type":"validation_error","code":"invalid_input","detail":"No.","attr":null}`)(w, r)
			return true
		}
		mu.Lock()
		if arrived++; arrived == 2 {
			close(inFlight)
		}
		mu.Unlock()
		select {
		case <-r.Context().Done():
			mu.Lock()
			if cancelled++; cancelled == 2 {
				close(both)
			}
			mu.Unlock()
		case <-time.After(10 * time.Second):
		}
		return true
	}}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	ids, errs := scanIDs(c.Users.Scan(t.Context(), &ScanOptions{Limit: 100, Window: 4}))
	mu.Lock()
	n := cancelled
	mu.Unlock()
	if len(ids) != 200 || len(errs) != 1 || !errors.Is(errs[0], ErrValidation) || n != 2 {
		t.Errorf("%d users, errors %v, %d pages cancelled; want 200 users, the third page's error, and the two after it cancelled while the second was read", len(ids), errs, n)
	}
}

// TestScan_checkedUserIsNotSkipped resumes from a checkpoint whose user is
// where it was, on a list whose count then goes down: the drift record
// names the count, and the user checked is not counted as listed twice.
func TestScan_checkedUserIsNotSkipped(t *testing.T) {
	t.Parallel()
	c := scriptedPages(t, 3, map[int]scriptedPage{
		2: {9, []int64{3, 4, 5}, 5},
		5: {8, []int64{6, 7, 8}, -1},
	})
	sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 3, Start: Checkpoint{Offset: 3, LastID: 3}})
	ids, _ := scanIDs(sc)
	if d := sc.Drift(); !slices.Equal(ids, idRange(4, 8)) || d == nil || d.Skipped != 0 {
		t.Errorf("users %v, drift %+v; want 4 to 8, drift for the count, none skipped", ids, d)
	}
}

// TestScan_closesEveryAnswer checks that every answer's body is closed:
// pages, retried answers and the answer that ends a call.
func TestScan_closesEveryAnswer(t *testing.T) {
	t.Parallel()
	var opened, closed atomic.Int64
	srv := &pageServer{n: 250}
	var first atomic.Bool
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first.CompareAndSwap(false, true) {
			answer(http.StatusServiceUnavailable, serverErrorBody)(w, r)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	base := hs.Client().Transport
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		if err == nil {
			opened.Add(1)
			resp.Body = closeCounter{resp.Body, &closed}
		}
		return resp, err
	})
	c := hostileClient(t, hs.URL, testKey, WithHTTPClient(&http.Client{Transport: tr}))
	if ids, errs := scanIDs(c.Users.Scan(t.Context(), &ScanOptions{Limit: 100})); len(ids) != 250 || len(errs) != 0 {
		t.Fatalf("%d users, errors %v", len(ids), errs)
	}
	if _, err := c.Users.Get(t.Context(), Me); err == nil {
		t.Fatal("Get of a list server: want an error")
	}
	if opened.Load() != 5 || closed.Load() != opened.Load() {
		t.Errorf("%d answers, %d closed; want 5, every one closed", opened.Load(), closed.Load())
	}
}

// closeCounter counts the closes of a body.
type closeCounter struct {
	io.ReadCloser
	closed *atomic.Int64
}

func (c closeCounter) Close() error {
	c.closed.Add(1)
	return c.ReadCloser.Close()
}

// TestMiddleware_answerWithAnErrorIsClosed closes the answer a middleware
// returns along with an error.
func TestMiddleware_answerWithAnErrorIsClosed(t *testing.T) {
	t.Parallel()
	var closed atomic.Int64
	mw := func(r *http.Request, _ MiddlewareNext) (*http.Response, error) {
		resp := jsonResponse(r, http.StatusOK, hostileUser(1))
		resp.Body = closeCounter{resp.Body, &closed}
		return resp, errors.New("refused")
	}
	c, _ := scripted(t, testKey, []Option{WithMiddleware(mw)}, reply(http.StatusOK, hostileUser(1)))
	if _, err := c.Users.Get(t.Context(), Me); err == nil || closed.Load() != 1 {
		t.Errorf("error %v, %d bodies closed; want an error and the body closed", err, closed.Load())
	}
}

// TestScan_slowPageDoesNotHoldLaterPages holds the second page of a window
// of 2 until the fourth page has been asked for: the window starts a page
// whenever a request ends, so the pages after the slow one go on. A window
// that handed pages over in slots (page i in slot i mod 2) would wait for
// the slow page before asking for the fourth.
func TestScan_slowPageDoesNotHoldLaterPages(t *testing.T) {
	t.Parallel()
	fourth := make(chan struct{})
	var once sync.Once
	srv := &pageServer{n: 500, before: func(w http.ResponseWriter, r *http.Request, offset int) bool {
		switch offset {
		case 100:
			select {
			case <-fourth:
			case <-time.After(10 * time.Second): // turns the old wait into a failure
			}
		case 300:
			once.Do(func() { close(fourth) })
		}
		return false
	}}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	start := time.Now()
	ids, errs := scanIDs(c.Users.Scan(t.Context(), &ScanOptions{Limit: 100, Window: 2}))
	if len(errs) != 0 || !slices.Equal(ids, idRange(1, 500)) {
		t.Fatalf("%d users, errors %v; want 1 to 500", len(ids), errs)
	}
	if time.Since(start) > 9*time.Second {
		t.Errorf("the slow page held the pages after it until the server gave up waiting")
	}
}

// TestScan_memoryBudget bounds the pages a window reads ahead: with room
// for one page, a window of 8 keeps one request in flight at a time; with
// room for three, at most three pages are in flight and waiting.
func TestScan_memoryBudget(t *testing.T) {
	t.Parallel()
	pageBytes := int64(len(pageHead(1000, 100, 100)) + 100*len(hostileUser(100)) + 100)
	for _, tt := range []struct {
		budget   int64
		mostHeld int
		lateHeld int // at least, once half the users are read
	}{
		{1, 1, 1},
		{3 * pageBytes, 3, 2},
	} {
		var mu sync.Mutex
		inflight, most, mostLate := 0, 0, 0
		srv := &pageServer{n: 1000, before: func(w http.ResponseWriter, r *http.Request, offset int) bool {
			mu.Lock()
			inflight++
			most = max(most, inflight)
			if offset >= 500 {
				mostLate = max(mostLate, inflight)
			}
			mu.Unlock()
			time.Sleep(2 * time.Millisecond) // long enough for others to start, if they may
			mu.Lock()
			inflight--
			mu.Unlock()
			return false
		}}
		hs := httptest.NewServer(srv)
		c := hostileClient(t, hs.URL, testKey)
		ids, errs := scanIDs(c.Users.Scan(t.Context(), &ScanOptions{Limit: 100, Window: 8, MaxBufferBytes: tt.budget}))
		hs.Close()
		if len(errs) != 0 || len(ids) != 1000 {
			t.Fatalf("budget %d: %d users, errors %v", tt.budget, len(ids), errs)
		}
		if most > tt.mostHeld {
			t.Errorf("budget %d: %d requests in flight at once; want at most %d", tt.budget, most, tt.mostHeld)
		}
		// The estimate of a page's bytes is their mean: the budget holds
		// as many pages late in the scan as early.
		if mostLate < tt.lateHeld {
			t.Errorf("budget %d: at most %d requests in flight at once in the second half; want %d", tt.budget, mostLate, tt.lateHeld)
		}
	}
}

// TestScan_autoWindowGrowsAndShrinks scans through a server that takes 20
// ms a page: AutoWindow grows past the 2 pages it starts with; then PostHog
// throttles some pages, and it shrinks.
func TestScan_autoWindowGrowsAndShrinks(t *testing.T) {
	t.Parallel()
	var throttling atomic.Bool
	var throttled sync.Map
	srv := &pageServer{n: 6000, before: func(w http.ResponseWriter, r *http.Request, offset int) bool {
		time.Sleep(20 * time.Millisecond)
		if throttling.Load() {
			if _, done := throttled.LoadOrStore(offset, true); !done {
				throttle("0")(w, r)
				return true
			}
		}
		return false
	}}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	var before, after []int
	sc := c.Users.Scan(t.Context(), &ScanOptions{Limit: 100, Window: AutoWindow, OnProgress: func(p Progress) {
		if p.Done >= 3000 {
			throttling.Store(true)
		}
		if throttling.Load() {
			after = append(after, p.Window)
		} else {
			before = append(before, p.Window)
		}
	}})
	ids, errs := scanIDs(sc)
	if len(errs) != 0 || len(ids) != 6000 {
		t.Fatalf("%d users, errors %v", len(ids), errs)
	}
	if slices.Max(before) <= 2 {
		t.Errorf("windows before throttling %v; want it to grow past 2", before)
	}
	if grown := slices.Max(append(before, after...)); len(after) == 0 || slices.Min(after) >= grown {
		t.Errorf("windows %v, then under throttling %v; want it to shrink below the %d it grew to", before, after, grown)
	}
}

// TestWindowControl pins the adaptive window's rules with a clock the test
// moves: it doubles while users per second rise, grows by one a round
// while pages do not wait, holds when they wait and users per second hold,
// shrinks by one when they wait and users per second fall, halves once a
// round on a throttled or failed page,
// forgets a lucky round, and stays within 1 and MaxWindow.
func TestWindowControl(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	c := newWindowControl(AutoWindow, clock)
	// round runs a round of the current size: each page of users takes
	// latency, and the round lasts the given time.
	round := func(users int, latency, lasts time.Duration) int {
		now = now.Add(lasts)
		for range c.size() {
			c.pageDone(users, latency)
		}
		return c.size()
	}
	ms := time.Millisecond
	if got := c.size(); got != 2 {
		t.Fatalf("starts at %d; want 2", got)
	}
	if got := round(100, 20*ms, 20*ms); got != 4 {
		t.Errorf("first round: %d; want 4 (doubled)", got) // 10,000 users/s
	}
	if got := round(100, 20*ms, 20*ms); got != 8 {
		t.Errorf("twice the users per second: %d; want 8", got)
	}
	if got := round(100, 20*ms, 40*ms); got != 9 {
		t.Errorf("users per second flat, pages not waiting: %d; want 9 (one more, to probe), and the slow start over", got)
	}
	if got := round(100, 20*ms, 30*ms); got != 10 {
		t.Errorf("users per second up again: %d; want 10 (one more)", got)
	}
	if got := round(100, 50*ms, 40*ms); got != 9 {
		t.Errorf("pages waiting (latency over twice the fastest): %d; want 9", got)
	}
	if got := round(100, 60*ms, 200*ms); got != 8 {
		t.Errorf("users per second down, pages waiting: %d; want 8", got)
	}
	if got := round(100, 20*ms, 200*ms); got != 9 {
		t.Errorf("users per second down, pages not waiting: %d; want 9 (the window is not the cause)", got)
	}
	c.retried()
	c.retried()
	if got := c.size(); got != 4 {
		t.Errorf("two throttled pages in a round: %d; want 4 (halved once)", got)
	}
	for range 5 {
		c.retried()
		round(100, 20*ms, 20*ms)
	}
	if got := c.size(); got != 1 {
		t.Errorf("failures round after round: %d; want 1", got)
	}
	for range 20 {
		round(100, 1*ms, 1*ms)
		now = now.Add(-time.Duration(c.size()) * time.Microsecond) // each round a little faster
	}
	if got := c.size(); got > MaxWindow || got < 2 {
		t.Errorf("growing for long: %d; want more than 1, at most MaxWindow", got)
	}
	// Pages in flight wait for the same two cores, so latency rises with the
	// window even when users per second rise with it too: rising wins.
	c = newWindowControl(AutoWindow, clock)
	round(100, 1*ms, 2*ms) // 2 pages, 100,000 users/s
	if got := round(100, 3*ms, 3*ms); got != 8 {
		t.Errorf("latency tripled, users per second up: %d; want 8 (doubled)", got)
	}
	if got := round(100, 3*ms, 6*ms); got != 8 {
		t.Errorf("latency tripled, users per second flat: %d; want 8 (held)", got)
	}
	if got := round(100, 3*ms, 7*ms); got != 7 {
		t.Errorf("latency tripled, users per second down: %d; want 7", got)
	}
	// Latency of exactly twice the fastest page is not yet waiting.
	c = newWindowControl(AutoWindow, clock)
	c.slow = false
	round(100, 10*ms, 10*ms) // 2 pages of 10 ms: 20,000 users/s; one more
	if got := round(100, 20*ms, 15*ms); got != 4 {
		t.Errorf("latency twice the fastest, users per second flat: %d; want 4 (one more)", got)
	}
	// One lucky round is forgotten: the best fades, and the window grows
	// again while users per second rise with it (at 20 ms a page, 5,000
	// users/s a page in flight).
	c = newWindowControl(AutoWindow, clock)
	c.slow, c.cur = false, 8
	round(100, 20*ms, 10*ms) // 80,000 users/s: a lucky round
	sizes := []int{}
	for range 30 {
		sizes = append(sizes, round(100, 20*ms, 20*ms))
	}
	if got := sizes[len(sizes)-1]; got < 12 {
		t.Errorf("after one lucky round, the window is %d (sizes %v); want it grown past 12", got, sizes)
	}
	fixed := newWindowControl(8, clock)
	fixed.retried()
	fixed.pageDone(100, time.Second)
	if got := fixed.size(); got != 8 {
		t.Errorf("a fixed window moved to %d", got)
	}
}

// TestScan_windowReadsTheGapAfterAShortPage checks that a window whose page
// comes back short (a proxy that cut it, with the count unchanged) reads
// the users between that page and the next before going on: every user
// once, in order, and the drift said at the end.
func TestScan_windowReadsTheGapAfterAShortPage(t *testing.T) {
	t.Parallel()
	srv := &pageServer{n: 500}
	srv.before = func(w http.ResponseWriter, r *http.Request, offset int) bool {
		if offset != 100 || r.URL.Query().Get("limit") != "100" {
			return false
		}
		var users []string
		for id := 101; id <= 190; id++ { // 10 users short
			users = append(users, hostileUser(int64(id)))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, pageHead(srv.n, 200, 100)+strings.Join(users, ",")+"]}")
		return true
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := hostileClient(t, hs.URL, testKey)
	for _, window := range []int{2, 4, AutoWindow} {
		srv.mu.Lock()
		srv.requests = nil
		srv.mu.Unlock()
		ids, errs := scanIDs(c.Users.Scan(t.Context(), &ScanOptions{Limit: 100, Window: window}))
		// The short page's next link names offset 200 where its users end
		// at 190: drift, said at the end.
		if len(errs) != 1 || !errors.Is(errs[0], ErrDrift) {
			t.Fatalf("window %d: errors %v; want the drift only", window, errs)
		}
		want := make([]int64, 500)
		for i := range want {
			want[i] = int64(i + 1)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("window %d: %d users, %v…; want 1 to 500 in order", window, len(ids), ids[:min(len(ids), 5)])
		}
		// The gap is read, and the window goes on with the pages it has:
		// none is asked for twice.
		reqs := srv.sortedRequests()
		if !slices.Contains(reqs, "190/10") || len(slices.Compact(slices.Clone(reqs))) != len(reqs) {
			t.Errorf("window %d: requests %v; want the 10 users from offset 190 asked for, and no page twice", window, reqs)
		}
	}
}
