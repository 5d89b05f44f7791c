package posthogusers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// scanFake is a fake PostHog with a staff key and n seeded non-staff users,
// which a scan with IsStaff false lists: exactly n users.
type scanFake struct {
	*posthogtest.Server
	client *posthogusers.Client
	ids    []int64 // the seeded users' IDs, in PostHog's order
}

// newScanFake starts a scanFake with n seeded users for t; opts configure
// its client.
func newScanFake(t *testing.T, n int, opts ...posthogusers.Option) *scanFake {
	t.Helper()
	client, srv := posthogtest.NewServer(t, posthogtest.WithStaff(), posthogtest.WithClientOptions(opts...))
	f := &scanFake{Server: srv, client: client}
	if n > 0 {
		first := srv.SeedUsers(n)
		for i := range int64(n) {
			f.ids = append(f.ids, first.ID+i)
		}
	}
	return f
}

// scan returns a scan of the fake's non-staff users.
func (f *scanFake) scan(ctx context.Context, opts posthogusers.ScanOptions) *posthogusers.UserScan {
	opts.IsStaff = posthogusers.Ptr(false)
	return f.client.Users.Scan(ctx, &opts)
}

// listOffsets returns the offsets of the list requests the fake answered
// with status, in order.
func (f *scanFake) listOffsets(status int) []int {
	var offsets []int
	for _, r := range f.Requests() {
		if r.Path == "/api/users/" && r.Status == status {
			off, _ := strconv.Atoi(r.Query.Get("offset"))
			offsets = append(offsets, off)
		}
	}
	return offsets
}

// scanMode ranges over a scan one way and returns the IDs of the users it
// yielded, and its errors.
type scanMode struct {
	name string
	run  func(sc *posthogusers.UserScan) ([]int64, []error)
}

var scanModes = []scanMode{
	{"users", func(sc *posthogusers.UserScan) (ids []int64, errs []error) {
		for u, err := range sc.Users() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ids = append(ids, u.ID)
		}
		return ids, errs
	}},
	{"raw", func(sc *posthogusers.UserScan) (ids []int64, errs []error) {
		for v, err := range sc.Raw() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			var u struct {
				ID    int64  `json:"id"`
				Email string `json:"email"`
			}
			if err := json.Unmarshal(v, &u); err != nil || u.Email == "" {
				errs = append(errs, fmt.Errorf("raw user %.60s: %v", v, err))
			}
			ids = append(ids, u.ID)
		}
		return ids, errs
	}},
	{"pages", func(sc *posthogusers.UserScan) (ids []int64, errs []error) {
		next := -1 // the first page starts at the checkpoint, or before it when the list changed
		for page, err := range sc.Pages() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if next >= 0 && page.Offset != next || len(page.Users) == 0 {
				errs = append(errs, fmt.Errorf("page at offset %d with %d users; want offset %d", page.Offset, len(page.Users), next))
			}
			next = page.Offset + len(page.Users)
			for _, u := range page.Users {
				ids = append(ids, u.ID)
			}
		}
		return ids, errs
	}},
}

func TestScan_inOrderExactlyOnce(t *testing.T) {
	t.Parallel()
	const limit = 10
	for _, n := range []int{0, 1, limit - 1, limit, limit + 1, 2345} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			t.Parallel()
			testScanInOrderExactlyOnce(t, n, limit)
		})
	}
}

// testScanInOrderExactlyOnce scans n users with every window, each way of
// ranging for windows 1, 4 and AutoWindow and Users for the others (they
// share one path).
func testScanInOrderExactlyOnce(t *testing.T, n, limit int) {
	f := newScanFake(t, n)
	for _, window := range []int{1, 2, 4, 8, 16, posthogusers.MaxWindow, posthogusers.AutoWindow} {
		for _, mode := range scanModes {
			if mode.name != scanModes[0].name && window != 1 && window != 4 && window != posthogusers.AutoWindow {
				continue
			}
			t.Run(fmt.Sprintf("window=%d/%s", window, mode.name), func(t *testing.T) {
				pageSize := limit
				if n > 1000 {
					pageSize = 100
				}
				f.ResetRequests()
				var progress []posthogusers.Progress
				sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: pageSize, Window: window,
					OnProgress: func(p posthogusers.Progress) { progress = append(progress, p) }})
				ids, errs := mode.run(sc)
				if len(errs) != 0 {
					t.Fatalf("errors: %v", errs)
				}
				if diff := cmp.Diff(f.ids, ids); diff != "" {
					t.Fatalf("user IDs (-want +got):\n%s", diff)
				}
				wantCP := posthogusers.Checkpoint{Offset: n}
				if n > 0 {
					wantCP.LastID = f.ids[n-1]
				}
				if got := sc.Checkpoint(); got != wantCP {
					t.Errorf("Checkpoint() = %+v; want %+v", got, wantCP)
				}
				wantProgress := posthogusers.Progress{Done: n, Total: n, Checkpoint: wantCP, Window: window}
				if window == posthogusers.AutoWindow { // what it chose
					wantProgress.Window = max(sc.Progress().Window, 1)
				}
				if got := sc.Progress(); got != wantProgress {
					t.Errorf("Progress() = %+v; want %+v", got, wantProgress)
				}
				if window == posthogusers.AutoWindow && len(progress) > 0 {
					progress[len(progress)-1].Window = wantProgress.Window
				}
				if len(progress) == 0 || progress[len(progress)-1] != wantProgress {
					t.Errorf("OnProgress calls %v; want the last to be %+v", progress, wantProgress)
				}
				if d := sc.Drift(); d != nil {
					t.Errorf("Drift() = %v", d)
				}
				var want []int
				for off := 0; off < max(n, 1); off += pageSize {
					want = append(want, off)
				}
				got := f.listOffsets(http.StatusOK)
				slices.Sort(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("page offsets requested (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestScan_throttledAndFailingPagesMidWindow(t *testing.T) {
	t.Parallel()
	// The scan waits out the Retry-After, which NewServer's client does not
	// by default.
	f := newScanFake(t, 100, posthogusers.WithMaxRetryAfter(time.Second))
	f.InjectFault(posthogtest.Fault{Path: "/api/users/", Query: url.Values{"offset": {"30"}},
		Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1})
	f.InjectFault(posthogtest.Fault{Path: "/api/users/", Query: url.Values{"offset": {"50"}},
		Status: http.StatusServiceUnavailable, Times: 2})
	ids, errs := scanModes[0].run(f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Window: 4}))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if diff := cmp.Diff(f.ids, ids); diff != "" {
		t.Errorf("user IDs (-want +got):\n%s", diff)
	}
	if got := f.listOffsets(http.StatusTooManyRequests); !slices.Equal(got, []int{30}) {
		t.Errorf("throttled pages: %v; want offset 30 once", got)
	}
	if got := f.listOffsets(http.StatusServiceUnavailable); !slices.Equal(got, []int{50, 50}) {
		t.Errorf("failed pages: %v; want offset 50 twice", got)
	}
}

func TestScan_errorThenResume(t *testing.T) {
	t.Parallel()
	for _, window := range []int{1, 4} {
		for _, mode := range scanModes {
			t.Run(fmt.Sprintf("window=%d/%s", window, mode.name), func(t *testing.T) {
				t.Parallel()
				f := newScanFake(t, 100, posthogusers.WithMaxRetries(0))
				f.InjectFault(posthogtest.Fault{Path: "/api/users/", Query: url.Values{"offset": {"40"}},
					Status: http.StatusInternalServerError, Times: 1})
				sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Window: window})
				first, errs := mode.run(sc)
				var se *posthogusers.ScanError
				var apiErr *posthogusers.APIError
				if len(errs) != 1 || !errors.As(errs[0], &se) || !errors.As(errs[0], &apiErr) || apiErr.StatusCode != 500 {
					t.Fatalf("errors: %v; want one *ScanError of a 500", errs)
				}
				want := posthogusers.Checkpoint{Offset: 40, LastID: f.ids[39]}
				if se.Checkpoint != want || sc.Checkpoint() != want {
					t.Errorf("checkpoint: error %+v, scan %+v; want %+v", se.Checkpoint, sc.Checkpoint(), want)
				}
				if !strings.Contains(se.Error(), "offset 40") {
					t.Errorf("error %q does not say where to resume", se)
				}
				rest, errs := mode.run(f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Window: window, Start: se.Checkpoint}))
				if len(errs) != 0 {
					t.Fatalf("resumed: errors %v", errs)
				}
				if diff := cmp.Diff(f.ids, append(first, rest...)); diff != "" {
					t.Errorf("users of both runs (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestScan_breakThenResume(t *testing.T) {
	t.Parallel()
	f := newScanFake(t, 95)
	for _, window := range []int{1, 8} {
		sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Window: window})
		var first []int64
		for u, err := range sc.Users() {
			if err != nil {
				t.Fatal(err)
			}
			if first = append(first, u.ID); len(first) == 37 {
				break
			}
		}
		cp := sc.Checkpoint()
		if want := (posthogusers.Checkpoint{Offset: 37, LastID: f.ids[36]}); cp != want {
			t.Errorf("window %d: Checkpoint() after 37 users = %+v; want %+v", window, cp, want)
		}
		rest, errs := scanModes[0].run(f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Window: window, Start: cp}))
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		if diff := cmp.Diff(f.ids, append(first, rest...)); diff != "" {
			t.Errorf("window %d: users of both runs (-want +got):\n%s", window, diff)
		}
	}
}

func TestScan_bodyCutMidPageIsReadAgainFromWhereItStopped(t *testing.T) {
	t.Parallel()
	for _, window := range []int{1, 4} {
		f := newScanFake(t, 60)
		f.InjectFault(posthogtest.Fault{Path: "/api/users/", Query: url.Values{"offset": {"20"}}, Truncate: true, Times: 1})
		ids, errs := scanModes[0].run(f.scan(t.Context(), posthogusers.ScanOptions{Limit: 20, Window: window}))
		if len(errs) != 0 {
			t.Fatalf("window %d: errors %v", window, errs)
		}
		if diff := cmp.Diff(f.ids, ids); diff != "" {
			t.Errorf("window %d: user IDs (-want +got):\n%s", window, diff)
		}
		offsets := f.listOffsets(http.StatusOK)
		if window == 1 && (len(offsets) != 4 || offsets[1] != 20 || offsets[2] <= 20 || offsets[2] >= 40) {
			// One at a time, the users read before the cut are kept and the
			// rest of the page is asked for from the first one missing.
			t.Errorf("window 1: offsets %v; want the page at 20 asked for again from past 20", offsets)
		}
	}
}

func TestScan_drift(t *testing.T) {
	t.Parallel()
	client, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
	// Users who may be deleted (they belong to no organization), listed
	// before the others since PostHog lists by ID.
	var leavers []posthogtest.User
	for range 3 {
		leavers = append(leavers, srv.AddUser(posthogtest.UserSpec{NoOrganization: true}))
	}
	srv.SeedUsers(40)
	before := srv.UserCount()
	var added []int64
	pages := 0
	sc := client.Users.Scan(t.Context(), &posthogusers.ScanOptions{Limit: 10, OnProgress: func(posthogusers.Progress) {
		if pages++; pages != 2 {
			return
		}
		// Between pages two and three: two users leave from before the
		// scan's position, and one joins.
		for _, u := range leavers[:2] {
			if err := srv.SessionClient(u.UUID).Users.Delete(t.Context(), posthogusers.Me); err != nil {
				t.Errorf("deleting a user: %v", err)
			}
		}
		added = append(added, srv.AddUser(posthogtest.UserSpec{}).ID)
	}})
	var ids []int64
	var errs []error
	for u, err := range sc.Users() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	var d *posthogusers.DriftError
	if len(errs) != 1 || !errors.Is(errs[0], posthogusers.ErrDrift) || !errors.As(errs[0], &d) {
		t.Fatalf("errors: %v; want one *DriftError", errs)
	}
	if d.FirstCount != before || d.LastCount != before-1 || len(d.Reasons) == 0 {
		t.Errorf("drift %+v; want counts %d then %d, with reasons", d, before, before-1)
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("user %d yielded twice", id)
		}
		seen[id] = true
	}
	if !seen[added[0]] {
		t.Errorf("the user added during the scan (%d) was not listed", added[0])
	}
	// The two who left had been listed; the list then moved two users past
	// the scan's position, who are missing.
	if got, want := len(ids), before+1-2; got != want {
		t.Errorf("listed %d users; want %d", got, want)
	}
	if got := sc.Drift(); got == nil || got.LastCount != d.LastCount {
		t.Errorf("Drift() = %v; want the error yielded", got)
	}
}

func TestScan_driftFromUsersDeactivatedOrDeleted(t *testing.T) {
	t.Parallel()
	for _, mode := range scanModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			f := newScanFake(t, 40)
			page, err := f.client.Users.List(t.Context(), &posthogusers.ListUsersOptions{Limit: 40, UserFilter: posthogusers.UserFilter{IsStaff: posthogusers.Ptr(false)}})
			if err != nil || len(page.Results) != 40 {
				t.Fatalf("listing: %v", err)
			}
			left := false
			sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, OnProgress: func(p posthogusers.Progress) {
				if p.Done != 20 || left {
					return
				}
				// Between pages two and three, with no session: one user
				// yielded already is deactivated, another deleted.
				left = f.DeactivateUser(page.Results[3].UUID) && f.DeleteUser(page.Results[5].UUID)
			}})
			ids, errs := mode.run(sc)
			if !left {
				t.Fatal("the users did not leave")
			}
			var d *posthogusers.DriftError
			if len(errs) != 1 || !errors.Is(errs[0], posthogusers.ErrDrift) || !errors.As(errs[0], &d) {
				t.Fatalf("errors: %v; want one *DriftError", errs)
			}
			if d.FirstCount != 40 || d.LastCount != 38 || len(d.Reasons) == 0 {
				t.Errorf("drift %+v; want counts 40 then 38, with reasons", d)
			}
			// The list moved two users past the scan's position: the two
			// after offset 20 are missing.
			want := append(slices.Clone(f.ids[:20]), f.ids[22:]...)
			if diff := cmp.Diff(want, ids); diff != "" {
				t.Errorf("user IDs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScan_resumeSkipsUsersAlreadyYielded(t *testing.T) {
	t.Parallel()
	f := newScanFake(t, 30)
	// A checkpoint whose offset is behind its last ID, as after users joined
	// before it: users 6 and 7 of the list were yielded already. Nobody is
	// missing, so this is no drift.
	start := posthogusers.Checkpoint{Offset: 5, LastID: f.ids[6]}
	sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Start: start})
	ids, errs := scanModes[0].run(sc)
	if diff := cmp.Diff(f.ids[7:], ids); diff != "" {
		t.Errorf("user IDs (-want +got):\n%s", diff)
	}
	if len(errs) != 0 || sc.Drift() != nil {
		t.Errorf("errors %v, drift %v; want none", errs, sc.Drift())
	}
}

func TestScan_resumeAfterUsersLeft(t *testing.T) {
	t.Parallel()
	for _, mode := range scanModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			f := newScanFake(t, 30)
			// The checkpoint says user 4 of the list (index 3) was the last
			// yielded at offset 5: two users before it have left since, so
			// the user now before offset 5 is a later one.
			start := posthogusers.Checkpoint{Offset: 5, LastID: f.ids[2]}
			sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Start: start})
			ids, errs := mode.run(sc)
			// The scan asks for offset 4 to check the user before its
			// checkpoint: that user had not been yielded, so it is.
			if diff := cmp.Diff(f.ids[4:], ids); diff != "" {
				t.Errorf("user IDs (-want +got):\n%s", diff)
			}
			var d *posthogusers.DriftError
			if len(errs) != 1 || !errors.As(errs[0], &d) || !strings.Contains(d.Reasons[0], "before the checkpoint") {
				t.Errorf("errors: %v; want a *DriftError about the checkpoint", errs)
			}
			if got := f.listOffsets(http.StatusOK); len(got) == 0 || got[0] != 4 {
				t.Errorf("offsets requested %v; want the first at 4", got)
			}
		})
	}
}

func TestScan_usersWhoJoinAreNoDrift(t *testing.T) {
	t.Parallel()
	f := newScanFake(t, 30)
	var joined []int64
	sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, OnProgress: func(p posthogusers.Progress) {
		if p.Done == 10 {
			joined = append(joined, f.AddUser(posthogtest.UserSpec{}).ID)
		}
	}})
	ids, errs := scanModes[0].run(sc)
	if diff := cmp.Diff(append(slices.Clone(f.ids), joined...), ids); diff != "" {
		t.Errorf("user IDs (-want +got):\n%s", diff)
	}
	if len(errs) != 0 {
		t.Errorf("errors: %v; want none", errs)
	}
}

func TestScan_rangedTwice(t *testing.T) {
	t.Parallel()
	f := newScanFake(t, 3)
	sc := f.scan(t.Context(), posthogusers.ScanOptions{})
	if _, errs := scanModes[0].run(sc); len(errs) != 0 {
		t.Fatal(errs)
	}
	_, errs := scanModes[1].run(sc)
	if len(errs) != 1 || !errors.Is(errs[0], posthogusers.ErrInvalidInput) {
		t.Errorf("second range: %v; want one ErrInvalidInput", errs)
	}
}

func TestScan_badOptions(t *testing.T) {
	t.Parallel()
	f := newScanFake(t, 3)
	for _, opts := range []posthogusers.ScanOptions{
		{Limit: -1}, {Start: posthogusers.Checkpoint{Offset: -1}}, {Start: posthogusers.Checkpoint{LastID: -5}},
	} {
		_, errs := scanModes[0].run(f.scan(t.Context(), opts))
		if len(errs) != 1 || !errors.Is(errs[0], posthogusers.ErrInvalidInput) {
			t.Errorf("%+v: %v; want one ErrInvalidInput", opts, errs)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d requests sent for bad options", n)
	}
}

func TestScan_progressFromAnotherGoroutine(t *testing.T) {
	t.Parallel()
	f := newScanFake(t, 500)
	sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: 25, Window: 4})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		last := 0
		for {
			select {
			case <-done:
				return
			default:
			}
			p := sc.Progress()
			if p.Done < last || p.Done > p.Total && p.Total > 0 {
				t.Errorf("progress went from %d to %+v", last, p)
			}
			last = p.Done
			runtime.Gosched()
		}
	})
	_, errs := scanModes[0].run(sc)
	close(done)
	wg.Wait()
	if p := sc.Progress(); len(errs) != 0 || p.Done != 500 || p.Total != 500 || p.Checkpoint.LastID != f.ids[499] {
		t.Errorf("errors %v, progress %+v", errs, sc.Progress())
	}
}

// scanGoroutines counts the goroutines running code of a scan. A goroutine
// that has signalled its end may still be returning: like goleak, it looks
// again for a while before it counts any.
func scanGoroutines() int {
	n := 0
	for range 100 {
		if n = countScanGoroutines(); n == 0 {
			return 0
		}
		time.Sleep(5 * time.Millisecond)
	}
	return n
}

// countScanGoroutines counts the goroutines running code of a scan now.
func countScanGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "posthogusers.(*scanner[") {
			n++
		}
	}
	return n
}

// TestScan_stopsEveryRequest is not parallel: it counts the goroutines of
// every scan in the process. The package's TestMain also checks, with
// goleak, that no test leaves a goroutine behind.
func TestScan_stopsEveryRequest(t *testing.T) {
	f := newScanFake(t, 400)
	slow := posthogtest.Fault{Path: "/api/users/", Latency: 2 * time.Millisecond} // requests are in flight
	for _, window := range []int{1, 8} {
		f.ClearFaults()
		f.InjectFault(slow)
		// break
		sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Window: window})
		n := 0
		for _, err := range sc.Users() {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 55 {
				break
			}
		}
		if g := scanGoroutines(); g != 0 {
			t.Errorf("window %d: %d goroutines of the scan after break", window, g)
		}
		// cancel
		ctx, cancel := context.WithCancel(t.Context())
		sc = f.scan(ctx, posthogusers.ScanOptions{Limit: 10, Window: window, OnProgress: func(p posthogusers.Progress) {
			if p.Done >= 50 {
				cancel()
			}
		}})
		_, errs := scanModes[0].run(sc)
		cancel()
		if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("window %d: cancelled scan errors %v; want context.Canceled", window, errs)
		}
		if g := scanGoroutines(); g != 0 {
			t.Errorf("window %d: %d goroutines of the scan after cancel", window, g)
		}
		// a failed page, before the others; it fails every time, so that
		// a request of the cancelled scan still reaching the fake cannot
		// use the fault up
		f.ClearFaults()
		f.InjectFault(posthogtest.Fault{Path: "/api/users/", Query: url.Values{"offset": {"100"}}, Status: http.StatusBadRequest})
		f.InjectFault(slow)
		_, errs = scanModes[0].run(f.scan(t.Context(), posthogusers.ScanOptions{Limit: 10, Window: window}))
		if len(errs) != 1 || !errors.Is(errs[0], posthogusers.ErrValidation) {
			t.Errorf("window %d: errors %v; want a 400", window, errs)
		}
		if g := scanGoroutines(); g != 0 {
			t.Errorf("window %d: %d goroutines of the scan after a failed page", window, g)
		}
	}
}
