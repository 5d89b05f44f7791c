package posthogusers

// This file is a scan's window (users_scan_run.go calls windowPages): the
// pages requested ahead of the loop, how many are in flight, how much they
// may hold, and the control that adapts their number for AutoWindow.

import (
	"context"
	"sync"
	"time"
)

// windowPages requests n pages of limit users each from offset start on and
// hands them to the loop in order. It keeps as many requests in flight as
// r.ctl allows, starting a page as soon as any request ends, while the
// pages read ahead and in flight fit the scan's MaxBufferBytes (the page the
// loop needs next is always requested). A page that fails stops the pages
// after it. last reports that the last page was the end of the list.
func (r *scanner[T]) windowPages(ctx context.Context, start, n, limit int, pageBytes int64) (last bool, err error) {
	if n == 0 {
		return false, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &pageWindow[T]{r: r, start: start, n: n, limit: limit, budget: r.budget, failed: n,
		pages: map[int]*bufferedPage[T]{}, inflight: map[int]context.CancelFunc{},
		readBytes: pageBytes, read: 1, // the page before the window sizes the first estimate
		wakeDispatch: make(chan struct{}, 1), wakeLoop: make(chan struct{}, 1)}
	r.wg.Go(func() { w.dispatch(ctx) })
	for i := range n {
		page, err := w.take(ctx, i)
		if err != nil {
			return false, r.fail(err)
		}
		if page.err != nil {
			return false, r.fail(page.err)
		}
		if page.offset > r.cur.Offset {
			// The page before was short: read the users between.
			gap := r.readWhole(ctx, r.cur.Offset, page.offset-r.cur.Offset)
			if gap.err != nil {
				return false, r.fail(gap.err)
			}
			if _, err := r.deliver(gap); err != nil {
				return false, err
			}
		}
		done, err := r.deliver(page)
		w.took(page)
		if err != nil {
			return false, err
		}
		if done && i == n-1 {
			return true, nil
		}
	}
	return false, nil
}

// pageWindow is the pages of windowPages: those in flight, and those read
// and not yet taken by the loop.
type pageWindow[T any] struct {
	r               *scanner[T]
	start, n, limit int
	budget          int64 // bytes the pages read ahead and in flight may hold

	mu        sync.Mutex
	pages     map[int]*bufferedPage[T]   // read and not yet taken, by index
	inflight  map[int]context.CancelFunc // being requested, by index
	buffered  int64                      // bytes of the pages read and not yet taken
	readBytes int64                      // bytes of every page read, for the estimate
	read      int                        // pages read
	failed    int                        // the first page that failed; n for none

	// wakeDispatch and wakeLoop say that something changed: a request
	// ended, or the loop took a page. Each has one reader.
	wakeDispatch, wakeLoop chan struct{}
}

// dispatch requests the pages in order, each as soon as the window allows,
// until ctx is done or a page has failed.
func (w *pageWindow[T]) dispatch(ctx context.Context) {
	for i := range w.n {
		for {
			start, stop := w.mayStart(i)
			if stop {
				return
			}
			if start {
				break
			}
			select {
			case <-w.wakeDispatch:
			case <-ctx.Done():
				return
			}
		}
		pctx, cancel := context.WithCancel(ctx)
		w.mu.Lock()
		w.inflight[i] = cancel
		w.mu.Unlock()
		started := w.r.sc.users.client.now()
		w.r.wg.Go(func() {
			defer cancel()
			page := w.r.readWhole(pctx, w.start+i*w.limit, w.limit)
			w.finished(i, page, w.r.sc.users.client.now().Sub(started))
		})
	}
}

// mayStart reports whether page i may be requested now, and whether the
// window stops instead, a page before it having failed.
func (w *pageWindow[T]) mayStart(i int) (start, stop bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case i > w.failed:
		return false, true
	case len(w.inflight) >= w.r.ctl.size():
		return false, false
	case w.buffered == 0 && len(w.inflight) == 0:
		return true, false // the page the loop needs next
	}
	estimate := w.readBytes / int64(w.read)
	return w.buffered+int64(len(w.inflight)+1)*estimate <= w.budget, false
}

// finished records page i, read after latency; when it failed, the pages
// after it are cancelled.
func (w *pageWindow[T]) finished(i int, page *bufferedPage[T], latency time.Duration) {
	w.mu.Lock()
	delete(w.inflight, i)
	w.pages[i] = page
	w.buffered += page.info.bytes
	w.readBytes += page.info.bytes
	w.read++
	if page.err != nil && i < w.failed {
		w.failed = i
		for j, cancel := range w.inflight {
			if j > i {
				cancel()
			}
		}
	}
	w.mu.Unlock()
	if page.err == nil {
		w.r.ctl.pageDone(len(page.items), latency)
	}
	wake(w.wakeDispatch)
	wake(w.wakeLoop)
}

// take waits for page i and takes it out of the window.
func (w *pageWindow[T]) take(ctx context.Context, i int) (*bufferedPage[T], error) {
	for {
		w.mu.Lock()
		page := w.pages[i]
		delete(w.pages, i)
		w.mu.Unlock()
		if page != nil {
			return page, nil
		}
		select {
		case <-w.wakeLoop:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// took frees what page held, once the loop has had it.
func (w *pageWindow[T]) took(page *bufferedPage[T]) {
	w.mu.Lock()
	w.buffered -= page.info.bytes
	w.mu.Unlock()
	wake(w.wakeDispatch)
}

// wake signals c without waiting: a signal already pending says the same.
func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// windowControl decides how many page requests a window keeps in flight:
// the Window asked for, or, for AutoWindow, a number it adapts as pages
// come back. It is safe for the window's goroutines.
//
// The adaptive window works in rounds of as many pages as the window
// holds. After each round it compares the round's users per second with
// the best recent round (the best fades by bestRateFade a round) and its
// pages' latency with the fastest page seen: it doubles while users per
// second rise (a slow start); when pages wait (latency over twice the
// fastest: more pages in flight only queue), it holds while users per
// second hold and shrinks by one when they fall; it grows by one
// otherwise, to probe; and it halves at once when PostHog throttles or
// fails a page, as TCP's congestion control does.
type windowControl struct {
	auto bool
	now  func() time.Time

	mu   sync.Mutex
	cur  int // requests in flight allowed now
	slow bool
	// The current round.
	roundStart             time.Time
	roundPages, roundUsers int
	roundLatency           time.Duration // summed
	troubled               bool          // the round already halved the window
	// What the rounds so far have shown.
	bestRate   float64       // users per second
	minLatency time.Duration // of one page
}

// bestRateFade is what an adaptive window keeps of its best users per
// second from one round to the next.
const bestRateFade = 0.95

// newWindowControl returns the control of a window: Window pages in
// flight, or an adaptive number for AutoWindow.
func newWindowControl(window int, now func() time.Time) *windowControl {
	if window != AutoWindow {
		return &windowControl{cur: window, now: now}
	}
	return &windowControl{auto: true, cur: 2, slow: true, now: now, roundStart: now()}
}

// size returns how many requests may be in flight now.
func (c *windowControl) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// retried is told that a page of the window was retried: PostHog throttled
// it, or it failed. An adaptive window halves, once a round.
func (c *windowControl) retried() {
	if !c.auto {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.troubled {
		c.cur, c.slow, c.troubled = max(c.cur/2, 1), false, true
	}
}

// pageDone is told that a page of users came back after latency.
func (c *windowControl) pageDone(users int, latency time.Duration) {
	if !c.auto {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.minLatency == 0 || latency < c.minLatency {
		c.minLatency = latency
	}
	c.roundPages++
	c.roundUsers += users
	c.roundLatency += latency
	if c.roundPages < c.cur {
		return
	}
	now := c.now()
	rate := float64(c.roundUsers) / max(now.Sub(c.roundStart).Seconds(), 1e-9)
	rising := rate >= 1.05*c.bestRate
	queued := c.roundLatency/time.Duration(c.roundPages) > 2*c.minLatency
	switch {
	case c.troubled: // halved already
	case rising && c.slow:
		c.cur = min(2*c.cur, MaxWindow)
	case queued && rate < 0.95*c.bestRate:
		c.cur, c.slow = max(c.cur-1, 1), false
	case queued: // as many users per second, with pages waiting: hold
		c.slow = false
	default: // rising, or pages not waiting: one more, to probe
		c.cur, c.slow = min(c.cur+1, MaxWindow), c.slow && rising
	}
	// The best rate fades a little each round, so that one lucky round
	// does not shrink the window for the rest of the scan.
	c.bestRate = max(rate, bestRateFade*c.bestRate)
	c.roundStart, c.roundPages, c.roundUsers, c.roundLatency, c.troubled = now, 0, 0, 0, false
}
