package posthogusers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const userBody = `{"id":1,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","email":"ada@example.com"}`

func TestRequestOptions_header(t *testing.T) {
	t.Parallel()
	var got http.Header
	c, _ := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		got = r.Header.Clone()
		return reply(http.StatusOK, userBody)(r)
	})
	if _, err := c.Users.Get(t.Context(), Me, WithRequestHeader("X-Trace-Id", "abc"), WithRequestHeader("Accept", "text/html")); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Trace-Id") != "abc" || got.Get("Accept") != "application/json" || got.Get("Authorization") != "Bearer "+testKey {
		t.Errorf("headers %v; want the extra header, and the client's own Accept and Authorization", got)
	}
	for _, opt := range []RequestOption{
		WithRequestHeader("Authorization", "Bearer other"),
		WithRequestHeader("cookie", "sessionid=x"),
		WithRequestHeader("Bad Name", "x"),
		WithRequestHeader("X-Ok", "a\r\nInjected: yes"),
		WithRequestTimeout(0),
		WithRequestMaxRetries(-1),
		WithResponseInto(nil),
	} {
		if _, err := c.Users.Get(t.Context(), Me, opt); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("invalid option: %v; want ErrInvalidInput", err)
		}
	}
}

func TestRequestOptions_maxRetriesAndTimeout(t *testing.T) {
	t.Parallel()
	c, n := scripted(t, testKey, nil, reply(http.StatusBadGateway, ``))
	_, err := c.Users.Get(t.Context(), Me, WithRequestMaxRetries(0))
	if n.Load() != 1 {
		t.Errorf("WithRequestMaxRetries(0): %d attempts, %v; want 1", n.Load(), err)
	}
	c, n = scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) { return throttled(r, "0"), nil })
	if _, err := c.Users.Get(t.Context(), Me, WithRequestMaxRetries(1)); !errors.Is(err, ErrRateLimited) || n.Load() != 2 {
		t.Errorf("WithRequestMaxRetries(1) on 429: %d attempts, %v; want 2", n.Load(), err)
	}

	// The timeout bounds the call: a server that never answers.
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})
	c, err = NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Get(t.Context(), Me, WithRequestTimeout(time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WithRequestTimeout: %v; want context.DeadlineExceeded", err)
	}
}

func TestWithResponseInto(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	c, _ := scripted(t, testKey, nil, reply(http.StatusServiceUnavailable, serverErrorBody), func(r *http.Request) (*http.Response, error) {
		resp := jsonResponse(r, http.StatusOK, userBody)
		resp.Header.Set("X-Request-Id", "req-42")
		n.Add(1)
		return resp, nil
	})
	var resp Response
	if _, err := c.Users.Get(t.Context(), Me, WithResponseInto(&resp)); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.RequestID != "req-42" || resp.Attempts != 2 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Response %+v; want 200, request ID req-42, 2 attempts", resp)
	}
	// An error answer fills it too.
	c, _ = scripted(t, testKey, nil, reply(http.StatusNotFound, notFoundBody))
	resp = Response{}
	if err := c.Integrations.DeleteGitHub(t.Context(), Me, "1", WithResponseInto(&resp)); !errors.Is(err, ErrNotFound) || resp.StatusCode != http.StatusNotFound {
		t.Errorf("404: %v, %+v", err, resp)
	}
}

func TestWithTokenSource(t *testing.T) {
	t.Parallel()
	var issued atomic.Int64
	src := TokenSourceFunc(func() (string, error) {
		return "pha_token" + strings.Repeat("x", int(issued.Add(1))), nil
	})
	var sent []string
	steps := func(firstStatus int) step {
		return func(r *http.Request) (*http.Response, error) {
			sent = append(sent, r.Header.Get("Authorization"))
			if len(sent) == 1 {
				return reply(firstStatus, `{"type":"authentication_error","code":"authentication_failed","detail":"Invalid token.","attr":null}`)(r)
			}
			return reply(http.StatusOK, userBody)(r)
		}
	}
	c, _ := scripted(t, "", []Option{WithTokenSource(src)}, steps(http.StatusUnauthorized))
	if _, err := c.Users.Get(t.Context(), Me); err != nil {
		t.Fatalf("GET after a 401: %v; want a retry with a fresh token", err)
	}
	if len(sent) != 2 || sent[0] != "Bearer pha_tokenx" || sent[1] != "Bearer pha_tokenxx" {
		t.Errorf("Authorization headers %q; want a fresh token on the retry", sent)
	}

	// Twice 401: refreshed once only.
	sent = nil
	c, n := scripted(t, "", []Option{WithTokenSource(src)}, reply(http.StatusUnauthorized, `{}`))
	if _, err := c.Users.Get(t.Context(), Me); !errors.Is(err, ErrUnauthorized) || n.Load() != 2 {
		t.Errorf("401 twice: %d attempts, %v; want 2 and ErrUnauthorized", n.Load(), err)
	}

	// A PATCH is not repeated after a 401.
	sent = nil
	c, _ = scripted(t, "", []Option{WithTokenSource(src)}, steps(http.StatusUnauthorized))
	if _, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("A")}); !errors.Is(err, ErrUnauthorized) || len(sent) != 1 {
		t.Errorf("PATCH after 401: %d requests, %v; want 1 and ErrUnauthorized", len(sent), err)
	}

	// A failing source fails the call before sending, and its tokens are
	// scrubbed from errors.
	boom := errors.New("refresh token revoked")
	c, n = scripted(t, "", []Option{WithTokenSource(TokenSourceFunc(func() (string, error) { return "", boom }))}, reply(http.StatusOK, userBody))
	if _, err := c.Users.Get(t.Context(), Me); !errors.Is(err, boom) || n.Load() != 0 {
		t.Errorf("failing source: %d requests, %v; want none and the source's error", n.Load(), err)
	}
	const token = "pha_S3cr3tT0k3nD0N0tL3ak"
	c, _ = scripted(t, "", []Option{WithTokenSource(TokenSourceFunc(func() (string, error) { return token, nil }))},
		reply(http.StatusBadRequest, `{"type":"validation_error","code":"invalid","detail":"token `+token+`","attr":null}`))
	if _, err := c.Users.Get(t.Context(), Me); err == nil || leaks(err.Error(), token) {
		t.Errorf("error %v; want one without the token", err)
	}
	if _, err := NewClient("", WithTokenSource(nil)); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil source: %v", err)
	}
	if _, err := NewClient(testKey, WithTokenSource(src)); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("key and source: %v", err)
	}
	c, _ = scripted(t, "", []Option{WithTokenSource(TokenSourceFunc(func() (string, error) { return "phc_project", nil }))}, reply(http.StatusOK, userBody))
	if _, err := c.Users.Get(t.Context(), Me); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("project token from the source: %v; want ErrInvalidInput", err)
	}
}

func TestWithDebugDumps(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := scripted(t, "", []Option{WithSession(testSession), WithLogger(logger), WithDebugDumps()}, func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		resp := jsonResponse(r, http.StatusOK, `{"id":1,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","note":"echo `+testSession.ID+`"}`)
		resp.Header.Set("Set-Cookie", "sessionid="+testSession.ID)
		resp.Header.Set("X-Request-Id", "req-7")
		return resp, nil
	})
	if _, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("Ada")}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"request dump", "response dump", `first_name`, "X-Request-Id: req-7", "User-Agent: posthogusers/"} {
		if !strings.Contains(out, want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{testSession.ID, testSession.CSRFToken} {
		if leaks(out, secret) {
			t.Errorf("dump shows a credential:\n%s", out)
		}
	}
	if strings.Contains(out, "Cookie") {
		t.Errorf("dump shows a header off the allow list:\n%s", out)
	}
}

func TestWithLogger_retryReasons(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c, _ := scripted(t, testKey, []Option{WithLogger(logger)},
		func(r *http.Request) (*http.Response, error) { return throttled(r, "0"), nil },
		fail(errReset),
		reply(http.StatusOK, userBody))
	if _, err := c.Users.Get(t.Context(), Me); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		`reason="429 Too Many Requests" wait=0s wait_source=Retry-After`,
		`reason="read tcp: connection reset by peer"`, "wait_source=backoff",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "posthogusers: attempt") {
		t.Errorf("attempts logged above Debug:\n%s", out)
	}
}
