package posthogusers

import (
	"errors"
	"fmt"
	"io"
	"net/url"
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
}

// errPage is wrapped by every error of a page body that is not JSON of a
// page's shape.
var errPage = errors.New("malformed list page")

// decodePage reads a list page from r as it arrives: its count and next
// link, and each item of its results, handed to item one at a time with dec
// positioned at the item. item must read exactly that one value. The members
// may come in any order; previous and members PostHog adds later are
// skipped. An error of item is returned as it is; any other error wraps
// errPage (a body cut short also matches io.ErrUnexpectedEOF).
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
	for dec.PeekKind() != jsontext.KindEndObject {
		name, err := dec.ReadToken()
		if err != nil {
			return malformed(err)
		}
		switch name.String() {
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
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
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

// checkWindow checks the page size (0 for the server's default) and offset
// of a listing's options; maxLimit is PostHog's largest page.
func checkWindow(limit, offset, maxLimit int) error {
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
