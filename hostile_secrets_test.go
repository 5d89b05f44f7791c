package posthogusers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

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
func hostileClient(t *testing.T, base, key string, opts ...Option) *Client {
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

// TestStatusLineEcho_neverReachesTheError has a proxy echo the credential in
// its status line, a header and the body: neither the error, nor the typed
// *APIError behind it (its text, History, Body, URL), nor the Response of
// WithResponseInto holds it.
func TestStatusLineEcho_neverReachesTheError(t *testing.T) {
	t.Parallel()
	base := newStatusEchoServer(t)
	for _, cred := range []struct {
		name    string
		key     string
		opts    []Option
		secrets []string
	}{
		{"key", testKey, nil, []string{testKey}},
		{"session", "", []Option{WithSession(testSession)}, []string{testSession.ID, testSession.CSRFToken}},
		{"token source", "", []Option{WithTokenSource(TokenSourceFunc(func() (string, error) { return hostileToken, nil }))}, []string{hostileToken}},
	} {
		c := hostileClient(t, base, cred.key, cred.opts...)
		for name, call := range map[string]func(ctx context.Context, opts ...RequestOption) error{
			"GET": func(ctx context.Context, opts ...RequestOption) error {
				_, err := c.Users.Get(ctx, Me, opts...)
				return err
			},
			// A DELETE sends the CSRF token of a session, and is retried.
			"DELETE": func(ctx context.Context, opts ...RequestOption) error {
				return c.Integrations.DeleteGitHub(ctx, Me, "12", opts...)
			},
		} {
			var resp Response
			err := call(t.Context(), WithResponseInto(&resp))
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s, %s: %v; want an *APIError for 503", cred.name, name, err)
				continue
			}
			if apiErr.Attempts != 2 || len(apiErr.History) != 1 || !strings.Contains(apiErr.History[0], "503 Echo") {
				t.Errorf("%s, %s: %d attempts, history %q; want 2, the first one's status in the history", cred.name, name, apiErr.Attempts, apiErr.History)
			}
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("X-Echo") == "" {
				t.Errorf("%s, %s: Response %+v; want the 503 and its headers", cred.name, name, resp)
			}
			texts := map[string]string{
				"err.Error()":    err.Error(),
				"%+v of err":     fmt.Sprintf("%+v", err),
				"%#v of err":     fmt.Sprintf("%#v", err),
				"apiErr.Error()": apiErr.Error(),
				"History":        strings.Join(apiErr.History, "\n"),
				"Body":           string(apiErr.Body),
				"URL":            apiErr.URL,
				"Detail":         apiErr.Detail + apiErr.Code + apiErr.Attr,
				"Response":       fmt.Sprintf("%v %s", resp.Header, resp.RequestID),
			}
			for what, text := range texts {
				for _, secret := range cred.secrets {
					if leaks(text, secret) {
						t.Errorf("%s, %s: %s shows the credential: %s", cred.name, name, what, text)
					}
				}
			}
			if !strings.Contains(apiErr.History[0], "[redacted]") || !strings.Contains(resp.Header.Get("X-Echo"), "[redacted]") {
				t.Errorf("%s, %s: history %q, X-Echo %q; want the credential shown as [redacted]", cred.name, name, apiErr.History, resp.Header.Get("X-Echo"))
			}
		}
	}
}

// TestRedirectedError_URLScrubbed follows a redirect within the origin to a
// path that holds the credential, whose answer is an error: the
// *APIError's URL, the address after the redirect, does not show it.
func TestRedirectedError_URLScrubbed(t *testing.T) {
	t.Parallel()
	for _, cred := range []struct {
		name   string
		key    string
		opts   []Option
		secret string
	}{
		{"key", testKey, nil, testKey},
		{"session", "", []Option{WithSession(testSession)}, testSession.ID},
	} {
		c, _ := scripted(t, cred.key, append([]Option{WithMaxRetries(0)}, cred.opts...), func(r *http.Request) (*http.Response, error) {
			if strings.HasPrefix(r.URL.Path, "/x/") {
				return reply(http.StatusBadRequest, `{"type":"validation_error","code":"invalid_input","detail":"No.","attr":null}`)(r)
			}
			return redirect(http.StatusTemporaryRedirect, "/x/"+cred.secret+"/")(r)
		})
		_, err := c.Users.Get(t.Context(), Me)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %v; want the 400 as an *APIError", cred.name, err)
			continue
		}
		for what, text := range map[string]string{"URL": apiErr.URL, "Error()": apiErr.Error(), "err": fmt.Sprintf("%v %+v", err, err)} {
			if leaks(text, cred.secret) {
				t.Errorf("%s: %s shows the credential: %s", cred.name, what, text)
			}
		}
	}
}

// TestWithDebugDumps_hostileBodies answers with bodies that hold secrets
// where a dump could show them: an otpauth:// URI PostHog does not send, a
// body cut short in the middle of the secret, a valid start followed by
// garbage that holds it, and a page that is not JSON with the client's
// credential across the dump's size limit.
func TestWithDebugDumps_hostileBodies(t *testing.T) {
	t.Parallel()
	const secret = "JBSWY3DPEHPK3PXPQ4ZT"
	tests := []struct {
		name    string
		handler http.HandlerFunc
		secrets []string
		want    []string // what the response dump shows
	}{
		{
			name: "otpauth URI",
			handler: func(w http.ResponseWriter, r *http.Request) {
				serveJSON(w, http.StatusOK, []byte(`{"success":true,"secret":"`+secret+`","setup":{"uri":"otpauth://totp/PostHog:ada%40example.com?secret=`+secret+`&issuer=PostHog"}}`))
			},
			secrets: []string{secret, "otpauth://"},
			want:    []string{`\"uri\":\"[redacted]\"`, `\"secret\":\"[redacted]\"`},
		},
		{
			name: "cut short in the secret",
			handler: func(w http.ResponseWriter, r *http.Request) {
				body := `{"success":true,"secret":"` + secret + `"}`
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, body[:len(body)-12])
				w.(http.Flusher).Flush()
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			},
			secrets: []string{secret[:8]},
			want:    []string{`\"secret\":\"[redacted]\"…[rest not shown: not valid JSON]`},
		},
		{
			name: "garbage after a valid part",
			handler: func(w http.ResponseWriter, r *http.Request) {
				serveJSON(w, http.StatusOK, []byte(`{"success":true}<!-- debug: secret=`+secret+` -->`))
			},
			secrets: []string{secret},
			want:    []string{`{\"success\":true}…[rest not shown: not valid JSON]`},
		},
		{
			name: "HTML page with the session ID across the size limit",
			handler: func(w http.ResponseWriter, r *http.Request) {
				page := "<html>" + strings.Repeat("x", maxDumpBody-6-20) + testSession.ID + strings.Repeat("y", 1000) + "</html>"
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, page)
			},
			secrets: []string{testSession.ID},
			want:    []string{`<html>xxx`, `[redacted]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			var buf syncBuffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := hostileClient(t, srv.URL, "", WithSession(testSession), WithMaxRetries(0), WithLogger(logger), WithDebugDumps())
			_, _ = c.TwoFactor.StartSetup(t.Context(), Me)
			out := buf.String()
			var dump string
			for line := range strings.Lines(out) {
				if strings.Contains(line, "response dump") {
					dump = line
				}
			}
			for _, want := range tt.want {
				if !strings.Contains(dump, want) {
					t.Errorf("the response dump lacks %s:\n%s", want, dump)
				}
			}
			for _, s := range tt.secrets {
				if strings.Contains(out, s) || leaks(out, s) {
					t.Errorf("the log shows %q:\n%s", s, out)
				}
			}
		})
	}
}
