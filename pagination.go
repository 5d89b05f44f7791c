package posthogusers

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"slices"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Page is one page of a list in PostHog's limit/offset pagination.
type Page[T any] struct {
	// Count is the number of items that match the filters, on every page.
	Count int `json:"count"`
	// Next is the URL of the next page, or "" on the last page.
	Next string `json:"next"`
	// Previous is the URL of the previous page, or "" on the first page.
	Previous string `json:"previous"`
	// Results are the page's items.
	Results []T `json:"results"`
}

// pageInfo is what a list page says besides its items.
type pageInfo struct {
	count    int    // the "count" member
	hasCount bool   // whether the page had a "count"
	next     string // the "next" link, "" for null
	items    int    // how many items "results" held
	bytes    int64  // how many bytes of answers the page took, attempts included
}

// errPage is wrapped by every error of a page body that is not JSON of a
// page's shape. It matches ErrMalformedResponse.
var errPage error = pageError{}

// pageError is the type of errPage.
type pageError struct{}

func (pageError) Error() string { return "malformed list page" }

// Is makes errors.Is(err, ErrMalformedResponse) hold.
func (pageError) Is(target error) bool { return target == ErrMalformedResponse }

// decodePage reads a list page from r as it arrives: its count and next
// link, and each item of its results, handed to item one at a time with dec
// positioned at the item. item must read exactly that one value. The members
// may come in any order; previous and members PostHog adds later are
// skipped. A member of the page sent twice is refused, even by a decoder
// that lets duplicate names through (jsontext.AllowDuplicateNames), which
// leaves the items' names to item. An error of item is returned as it is;
// any other error wraps errPage (a body cut short also matches
// io.ErrUnexpectedEOF).
func decodePage(dec *jsontext.Decoder, item func(dec *jsontext.Decoder) error) (pageInfo, error) {
	var info pageInfo
	var sawResults bool
	malformed := func(err error) (pageInfo, error) {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // nothing at all, or an object cut short
		}
		return info, fmt.Errorf("%w: %w", errPage, err)
	}
	if tok, err := dec.ReadToken(); err != nil {
		return malformed(err)
	} else if tok.Kind() != jsontext.KindBeginObject {
		return info, fmt.Errorf("%w: the body is a JSON %v, not an object", errPage, tok.Kind())
	}
	var names []string // the members so far
	for dec.PeekKind() != jsontext.KindEndObject {
		quoted, err := dec.ReadValue()
		if err != nil {
			return malformed(err)
		}
		// A decoder that lets a name twice through (a scan's) leaves
		// the page's names to be checked here.
		name := string(unquote(quoted))
		if slices.Contains(names, name) {
			return malformed(duplicateName(dec, len(quoted)))
		}
		names = append(names, name)
		switch name {
		case "count":
			if err := json.UnmarshalDecode(dec, &info.count); err != nil {
				return malformed(err)
			}
			if info.count < 0 {
				return info, fmt.Errorf("%w: count %d is negative", errPage, info.count)
			}
			info.hasCount = true
		case "next":
			var next *string
			if err := json.UnmarshalDecode(dec, &next); err != nil {
				return malformed(err)
			}
			if next != nil {
				info.next = *next
			}
		case "results":
			sawResults = true
			if tok, err := dec.ReadToken(); err != nil {
				return malformed(err)
			} else if tok.Kind() != jsontext.KindBeginArray {
				return info, fmt.Errorf("%w: results is a JSON %v, not an array", errPage, tok.Kind())
			}
			for dec.PeekKind() != jsontext.KindEndArray {
				if err := item(dec); err != nil {
					return info, err
				}
				info.items++
			}
			if _, err := dec.ReadToken(); err != nil {
				return malformed(err)
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return malformed(err)
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return malformed(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return info, fmt.Errorf("%w: data after the page", errPage)
	}
	if !sawResults {
		return info, fmt.Errorf("%w: the page has no results", errPage)
	}
	return info, nil
}

// bodyReader is a response body that remembers the first error reading it
// gave, other than io.EOF, so that a failed read (a retry from where it
// stopped may succeed) can be told from a malformed body (it will not).
type bodyReader struct {
	r   io.Reader
	err error
	n   int64 // bytes read
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// failed reports whether err, from decoding what b read, comes from reading
// the body: a failed read, or a body that ended early.
func (b *bodyReader) failed(err error) bool {
	return b.err != nil || errors.Is(err, io.ErrUnexpectedEOF)
}

// cappedReader fails a read once more than max bytes have been read since
// its last reset. A scan resets it at every user, so that neither one
// user's JSON nor the stretch of a page between two users can make the
// decoder hold more than about max bytes.
type cappedReader struct {
	r         io.Reader
	max, left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, &tooLargeError{what: "a user of the page, or the page between two users,", limit: c.max,
			option: "a user of PostHog is a few KiB: the page does not come from PostHog"}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// reset starts counting from zero again.
func (c *cappedReader) reset() { c.left = c.max }

// nextOffset reads the offset of a next link; ok is false when the link
// does not parse or its offset is not a number.
func nextOffset(next string) (offset int, ok bool) {
	u, err := url.Parse(next)
	if err != nil {
		return 0, false
	}
	v := u.Query().Get("offset")
	if v == "" {
		return 0, true
	}
	offset, err = strconv.Atoi(v)
	return offset, err == nil && offset >= 0
}

// checkPaging checks the page size (0 for the server's default) and offset
// of a listing's options; maxLimit is PostHog's largest page.
func checkPaging(limit, offset, maxLimit int) error {
	switch {
	case limit < 0:
		return &InputError{Arg: "Limit", Reason: fmt.Sprintf("%d is negative", limit)}
	case limit > maxLimit:
		return &InputError{Arg: "Limit", Reason: fmt.Sprintf("%d is over PostHog's maximum of %d", limit, maxLimit)}
	case offset < 0:
		return &InputError{Arg: "Offset", Reason: fmt.Sprintf("%d is negative", offset)}
	}
	return nil
}

// pageByOffset returns an iterator over a list of operation op, paged by
// offset with a has-more flag, as PostHog's GitHub endpoints are. fetch
// reads the page of at most limit items at offset; key identifies an item,
// so that an item is yielded at most once. The iteration ends with an
// error matching [ErrMalformedResponse], rather than going on forever, when
// a page holds more than limit items, or claims more but brings no item not
// yielded before (empty, or the same page again from a cache that ignores
// the offset). what names the items in errors.
func pageByOffset[T any, K comparable](op opID, what string, offset, limit int, key func(T) K, fetch func(offset int) (items []T, hasMore bool, err error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		malformed := func(format string, args ...any) {
			yield(zero, &malformedError{method: operations[op].method, path: operations[op].path, reason: fmt.Sprintf(format, args...)})
		}
		seen := make(map[K]struct{})
		for {
			items, hasMore, err := fetch(offset)
			if err != nil {
				yield(zero, err)
				return
			}
			if len(items) > limit {
				malformed("the page at offset %d has %d %s, more than its limit of %d", offset, len(items), what, limit)
				return
			}
			fresh := false // a new item came
			for _, item := range items {
				k := key(item)
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
				fresh = true
				if !yield(item, nil) {
					return
				}
			}
			if !hasMore {
				return
			}
			if !fresh {
				malformed("the page at offset %d says more %s follow but brings none not listed before: the server does not page by offset", offset, what)
				return
			}
			offset += len(items)
		}
	}
}
