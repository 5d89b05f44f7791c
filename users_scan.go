package posthogusers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/go-json-experiment/json/jsontext"
)

// ScanOptions configures [UsersService.Scan]. The zero value scans every
// user PostHog shows the key, 100 to a page, one page at a time.
type ScanOptions struct {
	UserFilter
	// Limit is the page size; 0 means PostHog's default of 100. PostHog sets
	// no maximum. With a Window of 1, memory does not grow with Limit.
	Limit int
	// Window is how many page requests are kept in flight, at most
	// [MaxWindow], or [AutoWindow] for the scan to choose and adapt it as
	// it runs. 0 and 1 read one page at a time, decoding each user from the
	// answer as the loop asks for it. A larger Window starts the next page
	// as soon as a request ends, each page decoded whole, and hands users
	// out in order: it hides PostHog's latency per page, within
	// MaxBufferBytes of pages read ahead. Any other negative Window, or one
	// over MaxWindow, is refused with an [*InputError].
	Window int
	// MaxBufferBytes bounds the pages a window reads ahead of the loop,
	// counted as the bytes of their JSON (decoded, they take about as
	// much): a page is requested only while the pages read and in flight
	// fit, and the page the loop needs next always is. 0 means
	// [DefaultScanBuffer]; a negative value is refused.
	MaxBufferBytes int64
	// Start resumes a scan where an earlier one stopped: pass the
	// [UserScan.Checkpoint] or [ScanError] Checkpoint it left. The zero value
	// starts at the first user.
	Start Checkpoint
	// OnProgress, when set, is called after every page, from the goroutine
	// that runs the loop, once the loop has had the whole page: after the
	// loop body returned for the page's last user ([UserScan.Users],
	// [UserScan.Raw]) or for the page ([UserScan.Pages]), and before the
	// next page is handed to it. A checkpoint saved in OnProgress therefore
	// covers only users the loop body has handled, with any window. A page
	// the loop breaks out of gets no call.
	OnProgress func(Progress)
}

// MaxWindow is the largest [ScanOptions.Window]: more pages at once than
// this only queue at PostHog and hold memory.
const MaxWindow = 64

// AutoWindow, as [ScanOptions.Window], makes the scan choose how many pages
// to keep in flight and adapt it as it runs, as TCP's congestion control
// does: starting at 2, it doubles while users per second rise, then grows
// by one a round while the pages' latency stays flat, holds when latency
// grows, shrinks by one when latency grows and users per second fall, and
// halves when PostHog throttles (429) or fails (5xx). [Progress].Window
// says what it chose.
//
// It is not the default. A window decodes each page whole, where a Window
// of 1 decodes users as they arrive in constant memory, and it puts several
// requests on PostHog at once, which a shared instance and its rate limits
// may not welcome. A batch job that owns its share of PostHog should set
// it.
const AutoWindow = -1

// DefaultScanBuffer is the [ScanOptions].MaxBufferBytes of a scan that sets
// none: 64 MiB of pages read ahead.
const DefaultScanBuffer = 64 << 20

// defaultPageSize is PostHog's page size when a listing gives no limit.
// A scan sends it explicitly, so that a page with more users than it is
// known to be malformed.
const defaultPageSize = 100

// maxUserBytes caps the JSON of one user of a scan, and of the parts of a
// page between two users: a user of PostHog is a few KiB.
const maxUserBytes = 1 << 20

// Checkpoint is where a scan stands: Offset is the position in PostHog's
// list of the next user to yield, and LastID the ID of the last user
// yielded. It encodes to JSON, to be saved and passed back as
// [ScanOptions].Start.
//
// A scan moves its checkpoint past a user as it yields it, so a checkpoint
// read in the loop body after handling the user is the one to save: a job
// resumed from it goes on with the next user. A scan resumed from a
// checkpoint asks for the user before Offset too, and when that is no longer
// the user of LastID (users before the checkpoint were deleted meanwhile, so
// every later user moved up) it reports drift, since users may be missing.
type Checkpoint struct {
	Offset int   `json:"offset"`
	LastID int64 `json:"last_id,omitzero"`
}

// Progress is how far a scan has gone: Done users of Total, and the
// Checkpoint to resume from. Done is the checkpoint's offset, counted from the
// start of PostHog's list (so a resumed scan starts at its checkpoint, and a
// user listed twice and skipped counts once). Total is PostHog's count from
// the latest page, 0 before the first. Window is how many page requests
// the scan keeps in flight now: 1 one page at a time, the Window asked for,
// or what [AutoWindow] chose last.
type Progress struct {
	Done       int
	Total      int
	Checkpoint Checkpoint
	Window     int
}

// UserPage is one page of a scan: the users PostHog listed from Offset on,
// less any already yielded, and the Count it reported.
type UserPage struct {
	Offset int
	Count  int
	Users  []User
}

// ScanError is the error a scan ends with when a page fails or its context
// is done. Every user before Checkpoint has been yielded; a scan started from
// Checkpoint goes on with the next one. Err is the page's error:
// errors.Is(err, context.Canceled) tells a cancelled scan from a failed page.
type ScanError struct {
	Checkpoint Checkpoint
	Err        error

	listing bool // the scan serves UsersService.All
}

// Error says where and why the scan stopped, or, for [UsersService.All],
// the listing.
func (e *ScanError) Error() string {
	if e.listing {
		return fmt.Sprintf("posthogusers: listing users, at offset %d: %s", e.Checkpoint.Offset, bare(e.Err))
	}
	return fmt.Sprintf("posthogusers: scan stopped at offset %d: %s", e.Checkpoint.Offset, bare(e.Err))
}

// Unwrap returns the page's error.
func (e *ScanError) Unwrap() error { return e.Err }

// ErrDrift is matched by a [*DriftError].
var ErrDrift = errors.New("posthogusers: the user list changed during the scan")

// DriftError reports that PostHog's list of users changed while it was being
// scanned in a way that may have made the scan miss users. PostHog lists
// active users by ID, with offsets: a user who joins comes at the end of the
// list and is seen, and a user listed again because the list moved down is
// skipped, so neither loses anyone. But a user who leaves (deleted or
// deactivated) before the scan's position moves every later user up one
// place, and the user who moves past the position is missed. The scan
// reports that from a count that went down between pages, a next link that
// does not name where the page ended, a list that ended before or after its
// count, and a resumed scan whose checkpoint no longer matches. A scan never
// yields a user twice.
type DriftError struct {
	// FirstCount and LastCount are the counts PostHog reported on the first
	// and on the last page.
	FirstCount, LastCount int
	// Skipped is how many users a page listed again that had been yielded
	// already; they were not yielded twice.
	Skipped int
	// Reasons describes what showed the change, at most ten entries.
	Reasons []string

	listing bool // the scan serves UsersService.All
}

// Error summarizes the drift.
func (e *DriftError) Error() string {
	during := "during the scan"
	if e.listing {
		during = "while listing users"
	}
	return fmt.Sprintf("posthogusers: the user list changed %s (count %d, then %d; %d listed twice); users may be missing: %v",
		during, e.FirstCount, e.LastCount, e.Skipped, e.Reasons)
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
	opts    ScanOptions     // as given; run checks them
	reqOpts []RequestOption // for every page's request
	ranged  atomic.Bool
	// listing is set when the scan serves [UsersService.All]: its pages and
	// errors are named for a listing, not a scan.
	listing bool

	mu     sync.Mutex
	cp     Checkpoint
	total  int
	window int // requests in flight now
	drift  DriftError
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
	sc := &UserScan{users: s, ctx: ctx, reqOpts: reqOpts}
	if opts != nil {
		sc.opts = *opts
	}
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
	return Progress{Done: sc.cp.Offset, Total: max(sc.total, sc.cp.Offset), Checkpoint: sc.cp, Window: max(sc.window, 1)}
}

// Users returns an iterator over the scan's users, decoded.
func (sc *UserScan) Users() iter.Seq2[User, error] {
	return func(yield func(User, error) bool) {
		runScan(sc, scanMode[User]{
			items:     userItems,
			yieldItem: func(u User, _ int) bool { return yield(u, nil) },
			yieldErr:  func(err error) { yield(User{}, err) },
		})
	}
}

// Raw returns an iterator over the scan's users as PostHog's JSON, each
// object as sent, without decoding it: the fastest way to copy users
// elsewhere, such as to a JSON Lines file. Each value is checked to be JSON
// (its syntax and UTF-8) but, not being decoded, not for duplicate names.
// Each value is the caller's to keep.
func (sc *UserScan) Raw() iter.Seq2[jsontext.Value, error] {
	return func(yield func(jsontext.Value, error) bool) {
		runScan(sc, scanMode[jsontext.Value]{
			items:     rawItems,
			yieldItem: func(v jsontext.Value, _ int) bool { return yield(v, nil) },
			yieldErr:  func(err error) { yield(nil, err) },
		})
	}
}

// Pages returns an iterator over the scan's pages, for callers that write a
// page at a time. A page's users are yielded together, so with a Window of
// 1 a page is in memory whole.
func (sc *UserScan) Pages() iter.Seq2[*UserPage, error] {
	return func(yield func(*UserPage, error) bool) {
		var page *UserPage
		runScan(sc, scanMode[User]{
			items: userItems,
			yieldItem: func(u User, offset int) bool {
				if page == nil {
					page = &UserPage{Offset: offset}
				}
				page.Users = append(page.Users, u)
				return true
			},
			pageEnd: func(info pageInfo) bool {
				p := page
				if page = nil; p == nil {
					return true
				}
				p.Count = info.count
				return yield(p, nil)
			},
			yieldErr: func(err error) { yield(nil, err) },
		})
	}
}

// scanMode is how one of UserScan's iterators ranges: how it reads a page's
// items, and what it does with them.
type scanMode[T any] struct {
	items     func() itemDecoder[T] // a decoder for each page
	yieldItem func(T, int) bool     // an item and its offset; false ends the loop
	pageEnd   func(pageInfo) bool   // after each page, when pages are yielded; false ends the loop
	yieldErr  func(error)           // the scan's error or drift, at most once
}

// itemDecoder reads one user of a page from dec and returns it with its ID.
type itemDecoder[T any] func(dec *jsontext.Decoder) (T, int64, error)

// userItems returns the decoder of one page's users: users whose team or
// organization is the same JSON share one decoded value (see pageShares).
func userItems() itemDecoder[User] {
	shares := &pageShares{teams: map[string]*Team{}, organizations: map[string]*Organization{}}
	// Each user is decoded into u, which the decoders' pointers into it
	// would otherwise move to the heap user by user, and returned as a
	// copy.
	u := new(User)
	return func(dec *jsontext.Decoder) (User, int64, error) {
		*u = User{}
		if err := u.decodeJSON(dec, decoding{shares: shares, strict: true, strs: &shares.strs}); err != nil {
			return *u, 0, asUnmarshalError(err)
		}
		if reason := checkUser(u); reason != "" {
			return *u, 0, errors.New(reason)
		}
		return *u, u.ID, nil
	}
}

// rawItems returns the reader of one page's users as JSON: each object is
// checked by the page's decoder, copied, and its ID read.
func rawItems() itemDecoder[jsontext.Value] {
	return func(dec *jsontext.Decoder) (jsontext.Value, int64, error) {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, 0, err
		}
		v = v.Clone()
		id, err := rawUserID(v)
		return v, id, err
	}
}

// rawUserID reads the "id" member of a user's JSON object, which the
// decoder has already checked to be valid JSON, and checks that it has a
// "uuid" string: it walks the object's top-level members by their bytes,
// skipping strings and nested values, without decoding anything but the
// ID, and stops once it has seen both (PostHog sends them first).
func rawUserID(v jsontext.Value) (int64, error) {
	if v.Kind() != jsontext.KindBeginObject {
		return 0, fmt.Errorf("%w: a user is not a JSON object", errPage)
	}
	var id int64
	var hasID, hasUUID bool
	depth := 0
	for i := 0; i < len(v) && !(hasID && hasUUID); {
		// Jump to the next brace, bracket or string: numbers, literals,
		// commas and colons need no look.
		k := bytes.IndexAny(v[i:], `{}[]"`)
		if k < 0 {
			break
		}
		i += k
		switch v[i] {
		case '{', '[':
			depth++
			i++
			continue
		case '}', ']':
			depth--
			i++
			continue
		}
		start, end := i, stringEnd(v, i)
		if end < 0 {
			break // an unterminated string; the decoder refuses these first
		}
		i = end + 1
		if depth != 1 {
			continue
		}
		name := v[start : end+1] // compared without a copy
		isUUID := string(name) == `"uuid"`
		if !isUUID && string(name) != `"id"` {
			continue
		}
		j := i
		for j < len(v) && isJSONSpace(v[j]) {
			j++
		}
		if j == len(v) || v[j] != ':' {
			continue // a value, not a name
		}
		for j++; j < len(v) && isJSONSpace(v[j]); j++ {
		}
		if isUUID {
			hasUUID = j < len(v) && v[j] == '"'
			continue
		}
		n, err := strconv.ParseInt(string(bytes.TrimRight(memberValue(v[j:]), " \t\r\n")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: a user's id is not an integer: %w", errPage, err)
		}
		id, hasID = n, true
	}
	switch {
	case !hasID || id <= 0:
		return 0, fmt.Errorf("%w: a user has no positive id", errPage)
	case !hasUUID:
		return 0, fmt.Errorf("%w: a user has no uuid", errPage)
	}
	return id, nil
}

// stringEnd returns the index of the quote that ends the JSON string
// starting at v[start], or -1 when it does not end: a quote after an even
// number of backslashes.
func stringEnd(v []byte, start int) int {
	for i := start + 1; ; i++ {
		q := bytes.IndexByte(v[i:], '"')
		if q < 0 {
			return -1
		}
		i += q
		backslashes := 0
		for b := i - 1; b > start && v[b] == '\\'; b-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i
		}
	}
}

// memberValue returns the value at the start of b, a member's value followed
// by the rest of its object: b up to the next comma or closing brace, which
// is enough for a number, the only value rawUserID decodes.
func memberValue(b []byte) []byte {
	end := bytes.IndexAny(b, ",}")
	if end < 0 {
		return b
	}
	return b[:end]
}

// isJSONSpace reports whether c is JSON white space.
func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// pageShares are the teams and organizations a page's users share: users
// whose team or organization is the same JSON share one decoded value,
// which readShared (users_json.go) finds with decodeShared.
type pageShares struct {
	teams         map[string]*Team
	organizations map[string]*Organization
	strs          stringArena // the users' strings
}

// maxShared bounds the distinct values a page shares, to bound memory.
const maxShared = 64

// decodeShared decodes a *T from a JSON object, reusing the value decoded
// from the same JSON earlier in the page. A value new to the page is
// checked for duplicate names, which the page's decoder may let through,
// then decoded from its text by a decoder of its own.
func decodeShared[T Team | Organization, PT interface {
	*T
	decodeJSON(dec *jsontext.Decoder, d decoding) error
}](dec *jsontext.Decoder, p **T, seen map[string]*T) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if shared, ok := seen[string(v)]; ok {
		*p = shared
		return nil
	}
	// The page's decoder let duplicate names through: refuse them first,
	// with its error, as it would have refused them reading v.
	if err := checkNames(dec, v); err != nil {
		return err
	}
	t := new(T)
	if err := PT(t).decodeJSON(jsontext.NewDecoder(bytes.NewReader(v)), decoding{}); err != nil {
		return within(dec, v, err)
	}
	if len(seen) < maxShared {
		seen[string(v)] = t
	}
	*p = t
	return nil
}

// note adds a reason, keeping the first ten.
func (d *DriftError) note(reason string) {
	if len(d.Reasons) < 10 {
		d.Reasons = append(d.Reasons, reason)
	}
}

// Drift returns the changes to the list the scan has seen so far that may
// have made it miss users, or nil when it has seen none. A scan whose loop
// ended without an error also yields it as its last value.
func (sc *UserScan) Drift() *DriftError {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.drift.Reasons) == 0 {
		return nil
	}
	d := sc.drift
	d.Reasons = append([]string(nil), d.Reasons...)
	d.listing = sc.listing
	return &d
}
