package posthogusers

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
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

// PaginationError reports a next link that an iterator cannot follow: one
// whose limit or offset does not read as a number, or whose offset does not
// move past the page just read (which would loop for ever).
type PaginationError struct {
	// Next is the link PostHog sent.
	Next string
	// Reason says what is wrong with it.
	Reason string
}

// Error describes the link's problem.
func (e *PaginationError) Error() string {
	return fmt.Sprintf("posthogusers: cannot follow next page link: %s", e.Reason)
}

// paginate returns an iterator over every item of a limit/offset list,
// starting at offset. fetch reads one page; limit 0 means the server's
// default. The next page is fetched only when the items of the previous one
// have all been yielded. Only the limit and offset of a next link are used, so
// the link's scheme, host and path are never contacted.
func paginate[T any](ctx context.Context, limit, offset int, fetch func(ctx context.Context, limit, offset int) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			page, err := fetch(ctx, limit, offset)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range page.Results {
				if !yield(item, nil) {
					return
				}
			}
			if page.Next == "" || len(page.Results) == 0 {
				return
			}
			nextLimit, nextOffset, err := nextCursor(page.Next, limit, offset)
			if err != nil {
				yield(zero, err)
				return
			}
			limit, offset = nextLimit, nextOffset
		}
	}
}

// nextCursor reads the limit and offset of a next link. A link without a
// limit keeps the current one.
func nextCursor(next string, limit, offset int) (nextLimit, nextOffset int, err error) {
	u, err := url.Parse(next)
	if err != nil {
		return 0, 0, &PaginationError{Next: next, Reason: "the link does not parse"}
	}
	q := u.Query()
	nextLimit = limit
	if v := q.Get("limit"); v != "" {
		if nextLimit, err = strconv.Atoi(v); err != nil || nextLimit <= 0 {
			return 0, 0, &PaginationError{Next: next, Reason: fmt.Sprintf("limit %.20q is not a positive number", v)}
		}
	}
	v := q.Get("offset")
	if v == "" {
		v = "0"
	}
	if nextOffset, err = strconv.Atoi(v); err != nil || nextOffset < 0 {
		return 0, 0, &PaginationError{Next: next, Reason: fmt.Sprintf("offset %.20q is not a number", v)}
	}
	if nextOffset <= offset {
		return 0, 0, &PaginationError{Next: next, Reason: fmt.Sprintf("offset %d does not move past offset %d", nextOffset, offset)}
	}
	return nextLimit, nextOffset, nil
}
