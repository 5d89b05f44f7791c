package posthogusers

// This file runs a scan (users_scan.go): one page at a time (sequential),
// or a window of pages read whole by goroutines and handed to the loop in
// order (windowed, windowPages). Both hand each user to take, which skips a
// user already yielded and moves the checkpoint, and each page to endPage,
// which checks it for drift; once the loop has had the page, progress
// reports it. Every page is read by readPage, through Client.do and its
// attempt loop (transport.go), which retries a page as it retries any call.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// errStop is returned by a page's item callback when the loop has ended.
var errStop = errors.New("posthogusers: scan stopped by its caller")

// scanner is one run of a scan over items of type T.
type scanner[T any] struct {
	sc *UserScan
	scanMode[T]
	cur Checkpoint // the position of the items read so far
	// checkFirst is set while the first item is the user before a resumed
	// scan's checkpoint, asked for to check that it is the user of LastID.
	checkFirst bool
	counted    bool // a page has given a count, FirstCount
	// limit is the page size asked for: the options' Limit, or PostHog's
	// default, sent explicitly so that a longer page is known to be
	// malformed.
	limit int
	// window is the Window asked for: 1 or more, or AutoWindow.
	window int
	// ctl says how many requests a window keeps in flight; nil one page
	// at a time.
	ctl *windowControl
	// budget is what a window's pages read ahead and in flight may hold.
	budget int64
	// moved is set when a user of the current page moved the scan on:
	// one handed to the loop, or the user a resumed scan checks.
	moved     bool
	pauseTill atomic.Int64   // no request starts before this time (Unix ns)
	wg        sync.WaitGroup // the goroutines of a window
}

// runScan runs a scan: one page at a time, or a window of pages.
func runScan[T any](sc *UserScan, mode scanMode[T]) {
	yieldErr := mode.yieldErr
	if !sc.ranged.CompareAndSwap(false, true) {
		yieldErr(&InputError{Arg: "UserScan", Reason: "is ranged over a second time; start another with UsersService.Scan"})
		return
	}
	if err := sc.validate(); err != nil {
		yieldErr(err)
		return
	}
	ctx, cancel := context.WithCancel(sc.ctx)
	r := &scanner[T]{sc: sc, scanMode: mode, cur: sc.opts.Start,
		limit: cmp.Or(sc.opts.Limit, defaultPageSize), window: sc.opts.Window}
	if r.window != AutoWindow {
		r.window = max(r.window, 1)
	}
	if r.window != 1 {
		r.ctl = newWindowControl(r.window, sc.users.client.now)
		r.budget = cmp.Or(sc.opts.MaxBufferBytes, DefaultScanBuffer)
	}
	if r.cur.Offset > 0 && r.cur.LastID > 0 {
		r.cur.Offset--
		r.checkFirst = true
	}
	defer r.wg.Wait() // after cancel: every request of the scan has ended
	defer cancel()
	var err error
	if r.ctl != nil {
		err = r.windowed(ctx)
	} else {
		err = r.sequential(ctx)
	}
	switch {
	case errors.Is(err, errStop):
	case err != nil:
		cancel()
		r.wg.Wait()
		yieldErr(err)
	default:
		if d := sc.Drift(); d != nil {
			yieldErr(d)
		}
	}
}

// validate checks the options before anything is sent.
func (sc *UserScan) validate() error {
	switch {
	case sc.ctx == nil:
		return &InputError{Arg: "ctx", Reason: "the context is nil"}
	case sc.opts.Start.LastID < 0:
		return &InputError{Arg: "Start.LastID", Reason: fmt.Sprintf("%d is negative", sc.opts.Start.LastID)}
	case sc.opts.Window < 0 && sc.opts.Window != AutoWindow:
		return &InputError{Arg: "Window", Reason: fmt.Sprintf("%d is negative and not AutoWindow", sc.opts.Window)}
	case sc.opts.MaxBufferBytes < 0:
		return &InputError{Arg: "MaxBufferBytes", Reason: fmt.Sprintf("%d is negative", sc.opts.MaxBufferBytes)}
	case sc.opts.Window > MaxWindow:
		return &InputError{Arg: "Window", Reason: fmt.Sprintf("%d is over the maximum of %d (MaxWindow)", sc.opts.Window, MaxWindow)}
	}
	return checkPaging(sc.opts.Limit, sc.opts.Start.Offset, math.MaxInt)
}

// sequential reads one page at a time from r.cur, each user decoded as the
// loop asks for it.
func (r *scanner[T]) sequential(ctx context.Context) error {
	for {
		pageStart := r.cur.Offset
		info, err := r.readPage(ctx, pageStart, r.limit, r.take)
		if err != nil {
			return r.fail(err)
		}
		done, err := r.endPage(pageStart, info)
		if err != nil {
			return err
		}
		if r.pageEnd != nil && !r.pageEnd(info) {
			return errStop
		}
		r.progress()
		if done {
			return nil
		}
	}
}

// bufferedPage is a page a window read whole, for the loop to take in
// order.
type bufferedPage[T any] struct {
	offset int
	items  []T
	ids    []int64
	info   pageInfo
	err    error
}

// windowed reads the first page, then requests the pages up to the count it
// gives, sc.opts.Window at a time, and hands their users to the loop in
// order. Pages past that count, if the list grew, are read one at a time.
func (r *scanner[T]) windowed(ctx context.Context) error {
	first := r.readWhole(ctx, r.cur.Offset, r.limit)
	if first.err != nil {
		return r.fail(first.err)
	}
	if done, err := r.deliver(first); err != nil || done {
		return err
	}
	// PostHog sets no maximum page size, but a proxy may: a first page
	// shorter than asked for with more to come gives the step.
	step := min(first.info.items, r.limit)
	pages := 0
	if rest := first.info.count - r.cur.Offset; rest > 0 {
		pages = (rest + step - 1) / step
	}
	last, err := r.windowPages(ctx, r.cur.Offset, pages, step, first.info.bytes)
	if err != nil || last {
		return err
	}
	return r.sequential(ctx)
}

// readWhole reads the page of limit users at offset whole.
func (r *scanner[T]) readWhole(ctx context.Context, offset, limit int) *bufferedPage[T] {
	// Room for the page's users, up to a bound, so that a page a proxy
	// cuts short or a huge limit does not reserve memory for nothing.
	size := min(limit, 1000)
	page := &bufferedPage[T]{offset: offset, items: make([]T, 0, size), ids: make([]int64, 0, size)}
	page.info, page.err = r.readPage(ctx, offset, limit, func(item T, id int64) error {
		page.items = append(page.items, item)
		page.ids = append(page.ids, id)
		return nil
	})
	return page
}

// deliver hands a page read whole to the loop. done reports that it was
// the last page of the list.
func (r *scanner[T]) deliver(page *bufferedPage[T]) (done bool, err error) {
	for i, item := range page.items {
		if err := r.take(item, page.ids[i]); err != nil {
			return false, err
		}
	}
	if done, err = r.endPage(page.offset, page.info); err != nil {
		return false, err
	}
	if r.pageEnd != nil && !r.pageEnd(page.info) {
		return false, errStop
	}
	r.progress()
	return done, nil
}

// take passes one item of a page to the loop, unless it was yielded already.
func (r *scanner[T]) take(item T, id int64) error {
	r.cur.Offset++
	check := r.checkFirst
	r.checkFirst = false
	if r.cur.LastID > 0 && id <= r.cur.LastID {
		if !check || id != r.cur.LastID {
			r.sc.noteDrift(func(d *DriftError) { d.Skipped++ })
		} else {
			r.moved = true // the user before the checkpoint, as expected
		}
		return nil
	}
	if check {
		r.sc.noteDrift(func(d *DriftError) {
			d.note(fmt.Sprintf("resuming, the user before offset %d is %d, not %d: users before the checkpoint left", r.cur.Offset, id, r.cur.LastID))
		})
	}
	r.cur.LastID = id
	r.moved = true
	if r.pageEnd == nil {
		r.sc.commit(r.cur)
	}
	if !r.yieldItem(item, r.cur.Offset-1) {
		return errStop
	}
	return nil
}

// endPage records a page the loop has had, checks it for drift and reports
// progress. It reports whether the page was the last. A page that is not
// the last must move the scan on: one that brought no user not yielded
// before (a cache that ignores the offset serves the first page again and
// again), or an offset more than a page past the count, ends the scan with
// an error matching ErrMalformedResponse, so that the scan ends within a
// few requests of a server that does not page.
func (r *scanner[T]) endPage(pageStart int, info pageInfo) (last bool, err error) {
	moved := r.moved
	r.moved = false
	last = info.items == 0 || info.next == ""
	if !last && !moved {
		r.cur.Offset = pageStart // the page moved nothing; a resumed scan asks for it again
		r.sc.commit(r.cur)
		return false, r.fail(&malformedError{method: "GET", path: "/api/users/", reason: fmt.Sprintf(
			"the page at offset %d listed only users the scan had yielded, with more to come: the server does not page by offset", pageStart)})
	}
	r.sc.commit(r.cur)
	if !last && info.hasCount && r.cur.Offset > info.count+r.limit {
		return false, r.fail(&malformedError{method: "GET", path: "/api/users/", reason: fmt.Sprintf(
			"the list goes on at offset %d, more than a page past its count of %d", r.cur.Offset, info.count)})
	}
	r.sc.noteDrift(func(d *DriftError) {
		if !info.hasCount {
			return
		}
		switch {
		case !r.counted:
			r.counted, d.FirstCount = true, info.count
		case info.count < d.LastCount:
			// Users who joined come at the end of the list; only users who
			// left may make the scan miss some.
			d.note(fmt.Sprintf("count %d at offset %d, %d before", info.count, pageStart, d.LastCount))
		}
		d.LastCount = info.count
		if info.next != "" {
			if off, ok := nextOffset(info.next); !ok || off != r.cur.Offset {
				d.note(fmt.Sprintf("the next link after offset %d names offset %d, not %d", pageStart, off, r.cur.Offset))
			}
		}
		if last && r.cur.Offset != info.count {
			d.note(fmt.Sprintf("the list ended at offset %d with a count of %d", r.cur.Offset, info.count))
		}
	})
	r.sc.mu.Lock()
	r.sc.total = info.count
	if r.ctl != nil {
		r.sc.window = r.ctl.size()
	}
	r.sc.mu.Unlock()
	return last, nil
}

// progress calls OnProgress once the loop has had the whole page: every
// user of it, or the page itself when pages are yielded.
func (r *scanner[T]) progress() {
	if f := r.sc.opts.OnProgress; f != nil {
		f(r.sc.Progress())
	}
}

// fail ends a scan with err, saying where to resume.
func (r *scanner[T]) fail(err error) error {
	if errors.Is(err, errStop) {
		return err
	}
	return &ScanError{Checkpoint: r.sc.Checkpoint(), Err: err, listing: r.sc.listing}
}

// readPage reads the page of limit users at offset and hands each user to
// item as the answer arrives. It is one call of Client.do, whose attempt
// loop retries it as it retries any call: an answer that breaks off
// midway is asked for again from the first user missing, and an attempt
// that brought a user past those before (by ID, PostHog's order) gives the
// attempts after it the whole failure budget again. A page with more users
// than asked for, or a user (or the page between two users) over
// maxUserBytes, is an error that is not retried.
func (r *scanner[T]) readPage(ctx context.Context, offset, limit int, item func(T, int64) error) (pageInfo, error) {
	if err := r.waitPause(ctx); err != nil {
		return pageInfo{}, err
	}
	decode := r.items()
	var info pageInfo
	at := offset     // the offset of the next user of the page
	var lastID int64 // the highest ID the page has brought
	// want is how many users the next attempt asks for, and drop how many
	// at the start of its answer to pass over.
	want, drop := limit, 0
	requery := func() any {
		q := &ListUsersOptions{UserFilter: r.sc.opts.UserFilter, Offset: at, Limit: offset + limit - at}
		want, drop = q.Limit, 0
		if q.Limit == 0 {
			// Every user came before the answer broke off: ask for the
			// last one again, for the page's count and next link.
			q.Offset, q.Limit, want, drop = at-1, 1, 1, 1
		}
		return q
	}
	var read int64 // bytes of answers, every attempt's
	stream := func(body io.Reader) (progressed bool, err error) {
		br := &bodyReader{r: body}
		defer func() { read += br.n }()
		cr := &cappedReader{r: br, max: maxUserBytes, left: maxUserBytes}
		n := 0 // the users of this answer
		info, err = decodePage(newPageDecoder(cr), func(dec *jsontext.Decoder) error {
			if n == want && dec.PeekKind() != 0 { // 0: the answer ends here, which decode reports
				return fmt.Errorf("%w: the page at offset %d has more users than its limit of %d", errPage, offset, limit)
			}
			n++
			v, id, err := decode(dec)
			if err != nil {
				return fmt.Errorf("%w: the user at offset %d: %w", errPage, at, err)
			}
			cr.reset()
			if n <= drop {
				return nil
			}
			at++
			if id > lastID {
				lastID, progressed = id, true
			}
			return item(v, id)
		})
		if err == nil {
			info.items, info.bytes = at-offset, read+br.n
			return progressed, nil
		}
		if !errors.Is(err, errStop) {
			if br.failed(err) {
				err = &bodyError{err} // the attempt loop may ask again from at
			}
			err = wrapf(err, "GET /api/users/ at offset %d: reading the page", offset)
		}
		return progressed, err
	}
	name := "users.scan.page"
	if r.sc.listing {
		name = "users.all.page"
	}
	err := r.sc.users.client.do(ctx, request{op: opUsersList, name: name, requery: requery, stream: stream,
		onRetryAfter: r.pause, onRetry: r.retried}, nil, r.sc.reqOpts...)
	return info, err
}

// retried is told of a retry of one of the scan's pages: the window, if
// any, adapts to it.
func (r *scanner[T]) retried() {
	if r.ctl != nil {
		r.ctl.retried()
	}
}

// pause holds back every request of the scan for wait, as PostHog asked
// with Retry-After.
func (r *scanner[T]) pause(wait time.Duration) {
	until := r.sc.users.client.now().Add(wait).UnixNano()
	for {
		cur := r.pauseTill.Load()
		if cur >= until || r.pauseTill.CompareAndSwap(cur, until) {
			return
		}
	}
}

// waitPause waits until the scan's pause, if any, is over.
func (r *scanner[T]) waitPause(ctx context.Context) error {
	until := r.pauseTill.Load()
	if until == 0 {
		return nil
	}
	return sleep(ctx, time.Unix(0, until).Sub(r.sc.users.client.now()))
}

// commit makes cur the scan's checkpoint.
func (sc *UserScan) commit(cur Checkpoint) {
	sc.mu.Lock()
	sc.cp = cur
	sc.mu.Unlock()
}

// noteDrift changes the scan's drift record under its lock.
func (sc *UserScan) noteDrift(f func(d *DriftError)) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	f(&sc.drift)
}

// newPageDecoder returns the JSON decoder of a page of users. It lets
// duplicate names through: the users' decoders refuse them themselves
// (decoding.strict), at less cost than the decoder's check of every name of
// every object, decodePage refuses those of the page, and Raw's walk takes
// the first.
func newPageDecoder(r io.Reader) *jsontext.Decoder {
	return jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true))
}
