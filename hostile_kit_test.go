package posthogusers

// This file is the kit of hostile servers that hostile_test.go runs the SDK
// against: servers and proxies that send endless or inflating bodies,
// trickle or stall, ignore offsets, echo credentials, or answer with
// nothing where PostHog sends an object. Each server is an http.HandlerFunc
// made by a function of the kit (or, where net/http cannot misbehave
// enough, a raw TCP server); newHostile starts one and gives a client of
// it. A handler that could go on forever stops when the client goes away
// or the test ends. To add a case, add a server here and a test there.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hostile is a misbehaving server and a client of it.
type hostile struct {
	srv      *httptest.Server
	client   *Client
	requests atomic.Int64 // how many requests reached the server
	// done is closed when the test ends, so that handlers that wait for
	// the client stop then too.
	done chan struct{}
}

// newHostile starts a server that answers every request with h, and a
// client of it with fast retries and opts.
func newHostile(t testing.TB, h http.HandlerFunc, opts ...Option) *hostile {
	t.Helper()
	hs := &hostile{done: make(chan struct{})}
	hs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.requests.Add(1)
		h(w, r)
	}))
	t.Cleanup(hs.srv.Close)
	t.Cleanup(func() { close(hs.done) }) // runs before Close
	hs.client = hs.newClient(t, testKey, opts...)
	return hs
}

// newClient returns another client of the server.
func (hs *hostile) newClient(t testing.TB, key string, opts ...Option) *Client {
	t.Helper()
	return hostileClient(t, hs.srv.URL, key, opts...)
}

// waitFor blocks until the client goes away or the test ends.
func (hs *hostile) waitFor(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-hs.done:
	}
}

// answer answers with status and body, as JSON.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// endless answers 200 with prefix and then chunk over and over, until the
// client goes away: a body without end.
func endless(prefix, chunk string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := io.WriteString(w, prefix); err != nil {
			return
		}
		block := []byte(strings.Repeat(chunk, max(1, (64<<10)/len(chunk))))
		for r.Context().Err() == nil {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	}
}

// huge answers 200 with prefix, n bytes of "a" and suffix, of unknown
// length (chunked): a body too large for any answer of PostHog.
func huge(prefix string, n int64, suffix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := io.WriteString(w, prefix); err != nil {
			return
		}
		block := bytes.Repeat([]byte("a"), 64<<10)
		for left := n; left > 0; left -= int64(len(block)) {
			if _, err := w.Write(block[:min(left, int64(len(block)))]); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, suffix)
	}
}

// gzipBomb answers 200 with a gzip body of about inflated/1000 bytes that
// inflates to prefix, inflated bytes of "a", and suffix: a compression
// bomb. It is made of gzip members, one per MiB, which gzip readers join.
func gzipBomb(t testing.TB, prefix string, inflated int64, suffix string) http.HandlerFunc {
	t.Helper()
	member := func(data []byte) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		return b.Bytes()
	}
	head, mib, tail := member([]byte(prefix)), member(bytes.Repeat([]byte("a"), 1<<20)), member([]byte(suffix))
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		if _, err := w.Write(head); err != nil {
			return
		}
		for range inflated >> 20 {
			if _, err := w.Write(mib); err != nil {
				return
			}
		}
		_, _ = w.Write(tail)
	}
}

// stall answers 200 with prefix, then sends nothing more until the client
// goes away or the test ends. contentLength, when positive, is announced.
func (hs *hostile) stall(prefix string, contentLength int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if contentLength > 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(contentLength, 10))
		}
		_, _ = io.WriteString(w, prefix)
		w.(http.Flusher).Flush()
		hs.waitFor(r)
	}
}

// trickle answers 200 with prefix, then one space every interval, until
// the client goes away or the test ends.
func (hs *hostile) trickle(prefix string, every time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, prefix)
		w.(http.Flusher).Flush()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-hs.done:
				return
			case <-tick.C:
			}
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

// throttle answers 429 with a Retry-After header of retryAfter.
func throttle(retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled.","attr":null}`)
	}
}

// hostileUser is the JSON of a user with the given ID, with the members
// PostHog always sends that the SDK checks for.
func hostileUser(id int64) string {
	return fmt.Sprintf(`{"id":%d,"uuid":"00000000-0000-4000-8000-%012x","email":"user%d@example.com"}`, id, id, id)
}

// pageHead is the start of a list page, up to its first user.
func pageHead(count, nextOffset, limit int) string {
	next := "null"
	if nextOffset >= 0 {
		next = fmt.Sprintf(`"http://posthog.invalid/api/users/?limit=%d&offset=%d"`, limit, nextOffset)
	}
	return fmt.Sprintf(`{"count":%d,"next":%s,"previous":null,"results":[`, count, next)
}

// offsetIgnoring is a cache in front of PostHog that ignores the query:
// whatever the offset, it answers the first page of a list of count users,
// limit to a page, with a next link to the second page.
func offsetIgnoring(count, limit int) http.HandlerFunc {
	users := make([]string, limit)
	for i := range users {
		users[i] = hostileUser(int64(i + 1))
	}
	return answer(http.StatusOK, pageHead(count, limit, limit)+strings.Join(users, ",")+"]}")
}

// endlessResults answers a list page of count users whose results never
// end: users with rising IDs, until the client goes away.
func endlessResults(count, limit int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := io.WriteString(w, pageHead(count, limit, limit)+hostileUser(1)); err != nil {
			return
		}
		for id := int64(2); r.Context().Err() == nil; id++ {
			if _, err := io.WriteString(w, ","+hostileUser(id)); err != nil {
				return
			}
		}
	}
}

// allocated returns how many bytes f allocated. Run it outside parallel
// tests: it counts every goroutine's allocations.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before) // TotalAlloc only grows: no GC needed
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hostileContext is the context of a call that must not outlive a test
// whose server could hold it forever.
func hostileContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// scanRun ranges over one of a scan's iterators, collecting user IDs and
// errors. It stops after max users, so that a scan that would go on
// forever fails the test instead of hanging it.
type scanRun func(sc *UserScan, max int) (ids []int64, errs []error)

// scanRuns are the ways to range over a scan.
var scanRuns = map[string]scanRun{
	"Users": func(sc *UserScan, max int) (ids []int64, errs []error) {
		for u, err := range sc.Users() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ids = append(ids, u.ID); len(ids) >= max {
				break
			}
		}
		return ids, errs
	},
	"Raw": func(sc *UserScan, max int) (ids []int64, errs []error) {
		for v, err := range sc.Raw() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			id, err := rawUserID(v)
			if err != nil {
				errs = append(errs, err)
			}
			if ids = append(ids, id); len(ids) >= max {
				break
			}
		}
		return ids, errs
	},
	"Pages": func(sc *UserScan, max int) (ids []int64, errs []error) {
		for p, err := range sc.Pages() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, u := range p.Users {
				ids = append(ids, u.ID)
			}
			if len(ids) >= max {
				break
			}
		}
		return ids, errs
	},
}

// closingTransport serves a page that sends its head and first user, then
// blocks until the request's context is done and fails as a closed
// connection does: the read error that a cancelled request gets when the
// transport closes the connection under it first. blocked is signalled when
// a read waits.
type closingTransport struct {
	head    string
	blocked chan struct{}
}

func (tr closingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := io.MultiReader(strings.NewReader(tr.head), ctxCloser{r.Context(), tr.blocked})
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(body), ContentLength: -1, Request: r}, nil
}

// ctxCloser blocks a read until ctx is done, then fails it as a closed
// network connection.
type ctxCloser struct {
	ctx     context.Context
	blocked chan struct{}
}

func (c ctxCloser) Read([]byte) (int, error) {
	select {
	case c.blocked <- struct{}{}:
	default:
	}
	<-c.ctx.Done()
	return 0, &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
}

// newStatusEchoServer starts a server that answers every request with 503
// and a reason phrase that echoes the request's credentials, as a
// misbehaving proxy may: "HTTP/1.1 503 Echo <Authorization> <Cookie>
// <X-CSRFToken>". It echoes them in an X-Echo header and the body too.
// net/http's server cannot set a reason phrase, hence the raw TCP. It
// returns the server's base URL.
func newStatusEchoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	closed := false
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	serve := func(conn net.Conn) {
		defer wg.Done()
		defer func() { _ = conn.Close() }()
		br := bufio.NewReader(conn)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			_ = req.Body.Close()
			echo := fmt.Sprintf("%s %s %s", req.Header.Get("Authorization"), req.Header.Get("Cookie"), req.Header.Get("X-CSRFToken"))
			body := "upstream said: " + echo
			resp := "HTTP/1.1 503 Echo " + echo + "\r\n" +
				"Content-Type: text/plain\r\n" +
				"X-Echo: " + echo + "\r\n" +
				fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
				"\r\n" + body
			if _, err := io.WriteString(conn, resp); err != nil {
				return
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				_ = conn.Close()
				return
			}
			conns[conn] = true
			wg.Add(1)
			mu.Unlock()
			go serve(conn)
		}
	}()
	return "http://" + ln.Addr().String()
}

// hostileToken is the token of the tests' token sources.
const hostileToken = "pha_H0st1leT0k3nD0N0tL3akXx42"

// hostileClient returns a client of a misbehaving server at base, with one
// retry after a failure and waits of a millisecond, authenticated with key
// or opts.
func hostileClient(t testing.TB, base, key string, opts ...Option) *Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	all := append([]Option{
		WithBaseURL(base),
		WithHTTPClient(&http.Client{Transport: tr, Timeout: 10 * time.Second}),
		WithRetryWait(time.Millisecond, 2*time.Millisecond),
		WithMaxRetries(1),
	}, opts...)
	c, err := NewClient(key, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
