package posthogusers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ScanOptions configures [UsersService.Scan]. The zero value scans every
// user PostHog shows the key, 100 to a page, one page at a time.
type ScanOptions struct {
	// Email keeps only the user with exactly this address (case-sensitive).
	Email string
	// IsStaff, when set, keeps only staff (true) or non-staff (false) users.
	IsStaff *bool
	// Limit is the page size; 0 means PostHog's default of 100. PostHog sets
	// no maximum. With a Window of 1, memory does not grow with Limit.
	Limit int
	// Window is how many pages are requested at once. 0 and 1 read one page
	// at a time, decoding each user from the response as the loop asks for
	// it. A larger Window requests the next Window pages together, each
	// decoded whole, and hands their users out in order: it hides PostHog's
	// latency per page at the cost of Window pages in memory.
	Window int
	// Start resumes a scan where an earlier one stopped: pass the
	// [UserScan.Checkpoint] or [ScanError] Checkpoint it left. The zero value
	// starts at the first user.
	Start Checkpoint
	// OnProgress, when set, is called after every page, from the goroutine
	// that runs the loop.
	OnProgress func(Progress)
}

// Checkpoint is where a scan stands: Offset is the position in PostHog's
// list of the next user to yield, and LastID the ID of the last user
// yielded. It encodes to JSON, to be saved and passed back as
// [ScanOptions].Start.
type Checkpoint struct {
	Offset int   `json:"offset"`
	LastID int64 `json:"last_id,omitzero"`
}

// Progress is how far a scan has gone: Done users of Total. Done counts from
// the start of PostHog's list, so a resumed scan starts at its checkpoint.
// Total is PostHog's count from the latest page, 0 before the first.
type Progress struct {
	Done  int
	Total int
}

// UserPage is one page of a scan: the users PostHog listed from Offset on,
// less any already yielded, and the Count it reported.
type UserPage struct {
	Offset int
	Count  int
	Users  []User
}

// ScanError is the error a scan ends with when a page fails. Every user
// before Checkpoint has been yielded; a scan started from Checkpoint goes on
// with the next one. Err is the page's error.
type ScanError struct {
	Checkpoint Checkpoint
	Err        error
}

// Error says where to resume and why the scan stopped.
func (e *ScanError) Error() string {
	return fmt.Sprintf("posthogusers: scan stopped at offset %d (resume from its Checkpoint): %v", e.Checkpoint.Offset, e.Err)
}

// Unwrap returns the page's error.
func (e *ScanError) Unwrap() error { return e.Err }

// ErrDrift is matched by a [*DriftError].
var ErrDrift = errors.New("posthogusers: the user list changed during the scan")

// DriftError reports that PostHog's list of users changed while it was being
// scanned, so the scan may have missed users. PostHog lists active users by
// ID; a user added meanwhile comes at the end of the list and is seen, but a
// user removed (deleted or deactivated) before the scan's position moves
// every later user one place up, and the user that moves past the position
// is missed. A scan never yields a user twice.
type DriftError struct {
	// FirstCount and LastCount are the counts PostHog reported on the first
	// and on the last page.
	FirstCount, LastCount int
	// Skipped is how many users a page listed again that had been yielded
	// already; they were not yielded twice.
	Skipped int
	// Reasons describes what showed the change, at most ten entries.
	Reasons []string
}

// Error summarizes the drift.
func (e *DriftError) Error() string {
	return fmt.Sprintf("posthogusers: the user list changed during the scan (count %d, then %d; %d listed twice); users may be missing: %v",
		e.FirstCount, e.LastCount, e.Skipped, e.Reasons)
}

// Is makes errors.Is(err, ErrDrift) hold.
func (e *DriftError) Is(target error) bool { return target == ErrDrift }

// UserScan reads every user of a listing, for batch jobs. Create one with
// [UsersService.Scan] and range over one of [UserScan.Users],
// [UserScan.Raw] or [UserScan.Pages], once. [UserScan.Checkpoint] and
// [UserScan.Progress] may be called at any time, from any goroutine.
//
// A scan builds every request from its limit and offset, against the
// client's base URL; it never follows a next link. It yields each user at
// most once, in PostHog's order (by ID). When a page fails after the
// client's retries, the scan yields a [*ScanError] that says where to
// resume, and stops. When the list changed during the scan, the last value
// it yields is a [*DriftError] (match [ErrDrift]): the users yielded are
// right, but some may be missing. break, a cancelled ctx and an error all
// stop every request of the scan before the loop ends.
//
// Users of one page with the same current project or organization share
// one [*Team] or [*Organization] value, decoded once: treat them as
// read-only, and copy one before changing it.
type UserScan struct {
	users   *UsersService
	ctx     context.Context
	opts    ScanOptions     // Window normalized
	reqOpts []RequestOption // for every page's request
	ranged  atomic.Bool

	mu    sync.Mutex
	cp    Checkpoint
	total int
	drift DriftError
	count int // the count of the first page; -1 before it
}

// Scan returns a scan of every user that matches opts, from opts.Start on.
// Nothing is sent until the loop starts. A non-staff key sees only its own
// user. opts may be nil and is not kept; reqOpts apply to the request of
// every page. Needs scope user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users
//
//meta:operation GET /api/users/
func (s *UsersService) Scan(ctx context.Context, opts *ScanOptions, reqOpts ...RequestOption) *UserScan {
	sc := &UserScan{users: s, ctx: ctx, count: -1, reqOpts: reqOpts}
	if opts != nil {
		sc.opts = *opts
	}
	sc.opts.Window = max(sc.opts.Window, 1)
	sc.cp = sc.opts.Start
	return sc
}

// Checkpoint returns where the scan stands: the offset of the next user to
// yield and the ID of the last one yielded.
func (sc *UserScan) Checkpoint() Checkpoint {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.cp
}

// Progress returns how many users of how many the scan has gone past.
func (sc *UserScan) Progress() Progress {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return Progress{Done: sc.cp.Offset, Total: max(sc.total, sc.cp.Offset)}
}

// Users returns an iterator over the scan's users, decoded.
func (sc *UserScan) Users() iter.Seq2[User, error] {
	return func(yield func(User, error) bool) {
		run(sc, userItems, func(u User) bool { return yield(u, nil) }, nil, func(err error) { yield(User{}, err) })
	}
}

// Raw returns an iterator over the scan's users as PostHog's JSON, each
// object as sent, without decoding it: the fastest way to copy users
// elsewhere, such as to a JSON Lines file. Each value is the caller's to
// keep.
func (sc *UserScan) Raw() iter.Seq2[jsontext.Value, error] {
	return func(yield func(jsontext.Value, error) bool) {
		run(sc, rawItems, func(v jsontext.Value) bool { return yield(v, nil) }, nil, func(err error) { yield(nil, err) })
	}
}

// Pages returns an iterator over the scan's pages, for callers that write a
// page at a time. A page's users are yielded together, so with a Window of
// 1 a page is in memory whole.
func (sc *UserScan) Pages() iter.Seq2[*UserPage, error] {
	return func(yield func(*UserPage, error) bool) {
		var page *UserPage
		run(sc, userItems,
			func(u User) bool {
				page.Users = append(page.Users, u)
				return true
			},
			&pageHooks{
				start: func(offset int) { page = &UserPage{Offset: offset} },
				end: func(info pageInfo) bool {
					page.Count = info.count
					return len(page.Users) == 0 || yield(page, nil)
				},
			},
			func(err error) { yield(nil, err) })
	}
}

// pageHooks are called around each page a scan reads, in order.
type pageHooks struct {
	start func(offset int)
	end   func(info pageInfo) bool // false stops the scan
}

// itemDecoder reads one user of a page from dec and returns it with its ID.
type itemDecoder[T any] func(dec *jsontext.Decoder) (T, int64, error)

// userItems returns the decoder of one page's users: users whose team or
// organization is the same JSON share one decoded value (see pageOptions).
func userItems() itemDecoder[User] {
	opts := pageOptions()
	return func(dec *jsontext.Decoder) (User, int64, error) {
		var u User
		err := json.UnmarshalDecode(dec, &u, opts)
		return u, u.ID, err
	}
}

// rawItems returns the reader of one page's users as JSON: each object is
// copied, and its ID read with a decoder the page reuses.
func rawItems() itemDecoder[jsontext.Value] {
	var src bytes.Reader
	idDec := jsontext.NewDecoder(&src)
	return func(dec *jsontext.Decoder) (jsontext.Value, int64, error) {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, 0, err
		}
		v = v.Clone()
		src.Reset(v)
		idDec.Reset(&src)
		id, err := rawUserID(idDec)
		return v, id, err
	}
}

// rawUserID reads the "id" member of the user's JSON object dec holds.
func rawUserID(dec *jsontext.Decoder) (int64, error) {
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != jsontext.KindBeginObject {
		return 0, fmt.Errorf("%w: a user is not a JSON object", errPage)
	}
	for dec.PeekKind() == jsontext.KindString {
		name, err := dec.ReadToken()
		if err != nil {
			return 0, err
		}
		if name.String() == "id" {
			var id int64
			if err := json.UnmarshalDecode(dec, &id); err != nil {
				return 0, fmt.Errorf("%w: a user's id: %w", errPage, err)
			}
			return id, nil
		}
		if err := dec.SkipValue(); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("%w: a user has no id", errPage)
}

// pageOptions returns the decoding options for one page: users whose team
// or organization is the same JSON share one decoded value.
func pageOptions() json.Options {
	const maxShared = 64 // distinct values kept per page, to bound memory
	teams := make(map[string]*Team)
	orgs := make(map[string]*Organization)
	return json.WithUnmarshalers(json.JoinUnmarshalers(
		json.UnmarshalFromFunc(func(dec *jsontext.Decoder, p **Team) error {
			return decodeShared(dec, p, teams, maxShared)
		}),
		json.UnmarshalFromFunc(func(dec *jsontext.Decoder, p **Organization) error {
			return decodeShared(dec, p, orgs, maxShared)
		}),
	))
}

// decodeShared decodes a *T, reusing the value decoded from the same JSON
// earlier in the page.
func decodeShared[T any](dec *jsontext.Decoder, p **T, seen map[string]*T, maxShared int) error {
	if dec.PeekKind() == jsontext.KindNull {
		*p = nil
		_, err := dec.ReadToken()
		return err
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if shared, ok := seen[string(v)]; ok {
		*p = shared
		return nil
	}
	t := new(T)
	if err := json.Unmarshal(v, t); err != nil {
		return err
	}
	if len(seen) < maxShared {
		seen[string(v)] = t
	}
	*p = t
	return nil
}

// errStop is returned by a page's item callback when the loop has ended.
var errStop = errors.New("posthogusers: scan stopped by its caller")

// cursor is a scan's position: the offset of the next user in PostHog's list
// and the ID of the last user taken.
type cursor = Checkpoint

// scanner is one run of a scan over items of type T.
type scanner[T any] struct {
	sc        *UserScan
	items     func() itemDecoder[T] // a decoder for each page
	yieldItem func(T) bool          // false ends the loop
	hooks     *pageHooks            // nil unless pages are yielded
	cur       cursor                // the position of the items read so far
	pauseTill atomic.Int64          // no request starts before this time (Unix ns)
	wg        sync.WaitGroup        // the goroutines of a window
}

// run runs a scan: one page at a time, or a window of pages. yieldErr is
// called at most once, with the scan's error or its drift.
func run[T any](sc *UserScan, items func() itemDecoder[T], yieldItem func(T) bool, hooks *pageHooks, yieldErr func(error)) {
	if !sc.ranged.CompareAndSwap(false, true) {
		yieldErr(&InputError{Arg: "UserScan", Reason: "is ranged over a second time; start another with UsersService.Scan"})
		return
	}
	if err := sc.validate(); err != nil {
		yieldErr(err)
		return
	}
	ctx, cancel := context.WithCancel(sc.ctx)
	r := &scanner[T]{sc: sc, items: items, yieldItem: yieldItem, hooks: hooks, cur: sc.opts.Start}
	defer r.wg.Wait() // after cancel: every request of the scan has ended
	defer cancel()
	var err error
	if sc.opts.Window > 1 {
		err = r.window(ctx)
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
	case sc.opts.Limit < 0:
		return &InputError{Arg: "Limit", Reason: fmt.Sprintf("%d is negative", sc.opts.Limit)}
	case sc.opts.Start.Offset < 0:
		return &InputError{Arg: "Start.Offset", Reason: fmt.Sprintf("%d is negative", sc.opts.Start.Offset)}
	case sc.opts.Start.LastID < 0:
		return &InputError{Arg: "Start.LastID", Reason: fmt.Sprintf("%d is negative", sc.opts.Start.LastID)}
	}
	return nil
}

// sequential reads one page at a time from r.cur, each user decoded as the
// loop asks for it. A response that fails midway is requested again from
// the user it stopped at.
func (r *scanner[T]) sequential(ctx context.Context) error {
	c := r.sc.users.client
	failures := 0
	for {
		pageStart := r.cur.Offset
		if r.hooks != nil {
			r.hooks.start(pageStart)
		}
		var info pageInfo
		for {
			reqStart := r.cur.Offset
			var readFailed bool
			var err error
			info, readFailed, err = r.fetch(ctx, reqStart, r.sc.opts.Limit, r.take)
			if err == nil {
				break
			}
			if r.cur.Offset > reqStart {
				failures = 0 // the attempt made progress
			}
			if !readFailed || ctx.Err() != nil || failures >= c.maxRetries {
				return r.fail(err)
			}
			if err := sleep(ctx, jitteredBackoff(c.retryWaitMin, c.retryWaitMax, failures, c.jitter)); err != nil {
				return r.fail(err)
			}
			failures++
		}
		failures = 0
		done := r.endPage(pageStart, info)
		if r.hooks != nil && !r.hooks.end(info) {
			return errStop
		}
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

// window reads the first page, then requests the pages up to the count it
// gives, sc.opts.Window at a time, and hands their users to the loop in
// order. Pages past that count, if the list grew, are read one at a time.
func (r *scanner[T]) window(ctx context.Context) error {
	first := r.fetchWhole(ctx, r.cur.Offset, r.sc.opts.Limit)
	if first.err != nil {
		return r.fail(first.err)
	}
	if done, err := r.deliver(first); err != nil || done {
		return err
	}
	// PostHog sets no maximum page size, but a proxy may: a first page
	// shorter than asked for with more to come gives the step.
	step := first.info.items
	if r.sc.opts.Limit > 0 {
		step = min(step, r.sc.opts.Limit)
	}
	pages := 0
	if rest := first.info.count - r.cur.Offset; rest > 0 {
		pages = (rest + step - 1) / step
	}
	last, err := r.windowPages(ctx, r.cur.Offset, pages, step)
	if err != nil || last {
		return err
	}
	return r.sequential(ctx)
}

// windowPages requests n pages of limit users each from offset start on, at
// most sc.opts.Window at once, and hands them to the loop in order. A page
// that fails stops the pages after it. last reports that the last page was
// the end of the list.
func (r *scanner[T]) windowPages(ctx context.Context, start, n, limit int) (last bool, err error) {
	if n == 0 {
		return false, nil
	}
	k := r.sc.opts.Window
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slots := make([]chan *bufferedPage[T], k)
	for i := range slots {
		slots[i] = make(chan *bufferedPage[T], 1)
	}
	tokens := make(chan struct{}, k) // a token for each page requested and not yet taken
	var (
		mu       sync.Mutex
		inflight = map[int]context.CancelFunc{}
		failed   = n // the first page that failed
	)
	r.wg.Add(1)
	go func() { // the dispatcher
		defer r.wg.Done()
		for i := range n {
			off := start + i*limit
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			mu.Lock()
			if i > failed {
				mu.Unlock()
				return
			}
			pctx, pcancel := context.WithCancel(ctx)
			inflight[i] = pcancel
			mu.Unlock()
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				page := r.fetchWhole(pctx, off, limit)
				mu.Lock()
				delete(inflight, i)
				if page.err != nil && i < failed {
					failed = i
					for j, c := range inflight {
						if j > i {
							c()
						}
					}
				}
				mu.Unlock()
				pcancel()
				slots[i%k] <- page
			}()
		}
	}()
	for i := range n {
		var page *bufferedPage[T]
		select {
		case page = <-slots[i%k]:
		case <-ctx.Done():
			return false, r.fail(ctx.Err())
		}
		if page.err != nil {
			return false, r.fail(page.err)
		}
		if page.offset > r.cur.Offset {
			// The page before was short: read the users between.
			gap := r.fetchWhole(ctx, r.cur.Offset, page.offset-r.cur.Offset)
			if gap.err != nil {
				return false, r.fail(gap.err)
			}
			if _, err := r.deliver(gap); err != nil {
				return false, err
			}
		}
		done, err := r.deliver(page)
		if err != nil {
			return false, err
		}
		<-tokens
		if done && i == n-1 {
			return true, nil
		}
	}
	return false, nil
}

// fetchWhole reads the page of limit users at offset whole, requesting it
// again when its body fails, as the client's retries allow.
func (r *scanner[T]) fetchWhole(ctx context.Context, offset, limit int) *bufferedPage[T] {
	c := r.sc.users.client
	for failures := 0; ; failures++ {
		page := &bufferedPage[T]{offset: offset}
		info, readFailed, err := r.fetch(ctx, offset, limit, func(item T, id int64) error {
			page.items = append(page.items, item)
			page.ids = append(page.ids, id)
			return nil
		})
		page.info, page.err = info, err
		if err == nil || !readFailed || ctx.Err() != nil || failures >= c.maxRetries {
			return page
		}
		if err := sleep(ctx, jitteredBackoff(c.retryWaitMin, c.retryWaitMax, failures, c.jitter)); err != nil {
			page.err = err
			return page
		}
	}
}

// deliver hands a page read whole to the loop. done reports that it was
// the last page of the list.
func (r *scanner[T]) deliver(page *bufferedPage[T]) (done bool, err error) {
	if r.hooks != nil {
		r.hooks.start(page.offset)
	}
	for i, item := range page.items {
		if err := r.take(item, page.ids[i]); err != nil {
			return false, err
		}
	}
	done = r.endPage(page.offset, page.info)
	if r.hooks != nil && !r.hooks.end(page.info) {
		return false, errStop
	}
	return done, nil
}

// take passes one item of a page to the loop, unless it was yielded already.
func (r *scanner[T]) take(item T, id int64) error {
	r.cur.Offset++
	if r.cur.LastID > 0 && id <= r.cur.LastID {
		r.sc.noteDrift(func(d *DriftError) {
			d.Skipped++
			d.note(fmt.Sprintf("user %d listed again at offset %d, after user %d", id, r.cur.Offset-1, r.cur.LastID))
		})
		return nil
	}
	r.cur.LastID = id
	if r.hooks == nil {
		r.sc.commit(r.cur)
	}
	if !r.yieldItem(item) {
		return errStop
	}
	return nil
}

// endPage records a page the loop has had, checks it for drift and reports
// progress. It reports whether the page was the last.
func (r *scanner[T]) endPage(pageStart int, info pageInfo) (last bool) {
	r.sc.commit(r.cur)
	last = info.items == 0 || info.next == ""
	r.sc.noteDrift(func(d *DriftError) {
		if !info.hasCount {
			return
		}
		switch {
		case r.sc.count < 0:
			r.sc.count, d.FirstCount = info.count, info.count
		case info.count != d.LastCount:
			d.note(fmt.Sprintf("count %d at offset %d, %d before", info.count, pageStart, d.LastCount))
		}
		d.LastCount = info.count
		if info.next != "" {
			if off, ok := nextOffset(info.next); !ok || off != r.cur.Offset {
				d.note(fmt.Sprintf("the next link after offset %d names offset %d, not %d", pageStart, off, r.cur.Offset))
			}
		}
		if last && r.cur.Offset != info.count && (info.count > 0 || r.cur.Offset > 0) {
			d.note(fmt.Sprintf("the list ended at offset %d with a count of %d", r.cur.Offset, info.count))
		}
	})
	r.sc.mu.Lock()
	r.sc.total = info.count
	r.sc.mu.Unlock()
	if f := r.sc.opts.OnProgress; f != nil {
		f(r.sc.Progress())
	}
	return last
}

// fail ends a scan with err, saying where to resume.
func (r *scanner[T]) fail(err error) error {
	if errors.Is(err, errStop) {
		return err
	}
	return &ScanError{Checkpoint: r.sc.Checkpoint(), Err: err}
}

// fetch requests the page of limit users at offset and hands each to item
// as the response arrives. readFailed reports an error reading the body
// (cut short, or the connection failed), after which the rest of the page
// may be requested again.
func (r *scanner[T]) fetch(ctx context.Context, offset, limit int, item func(T, int64) error) (info pageInfo, readFailed bool, err error) {
	if err := r.waitPause(ctx); err != nil {
		return info, false, err
	}
	decode := r.items()
	q := ListUsersOptions{Email: r.sc.opts.Email, IsStaff: r.sc.opts.IsStaff, Limit: limit, Offset: offset}
	err = r.sc.users.client.do(ctx, request{
		op:           opUsersList,
		query:        &q,
		onRetryAfter: r.pause,
		stream: func(body io.Reader) error {
			br := &bodyReader{r: body}
			var err error
			info, err = decodePage(jsontext.NewDecoder(br), func(dec *jsontext.Decoder) error {
				v, id, err := decode(dec)
				if err != nil {
					return fmt.Errorf("%w: user %d of the page: %w", errPage, info.items+1, err)
				}
				return item(v, id)
			})
			if err != nil && !errors.Is(err, errStop) {
				readFailed = br.failed(err)
				err = fmt.Errorf("posthogusers: GET /api/users/ at offset %d: reading the page: %w", offset, err)
			}
			return err
		},
	}, nil, r.sc.reqOpts...)
	return info, readFailed, err
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

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// commit makes cur the scan's checkpoint.
func (sc *UserScan) commit(cur cursor) {
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

// note adds a reason, keeping the first ten.
func (d *DriftError) note(reason string) {
	if len(d.Reasons) < 10 {
		d.Reasons = append(d.Reasons, reason)
	}
}

// Drift returns what the scan has seen of changes to the list so far, or
// nil when it has seen none. A scan whose loop ended without an error also
// yields it as its last value.
func (sc *UserScan) Drift() *DriftError {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.drift.Reasons) == 0 && sc.drift.Skipped == 0 {
		return nil
	}
	d := sc.drift
	d.Reasons = append([]string(nil), d.Reasons...)
	return &d
}
