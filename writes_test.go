package posthogusers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// notFoundBody is PostHog's 404 for an object that does not exist.
const notFoundBody = `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`

// errReset is a connection reset after the request was sent.
var errReset = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}

// errRefused is a failure to connect: the request never left.
var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

// step answers one attempt of a scripted exchange.
type step func(r *http.Request) (*http.Response, error)

// reply answers with status and body.
func reply(status int, body string) step {
	return func(r *http.Request) (*http.Response, error) { return jsonResponse(r, status, body), nil }
}

// fail fails the round trip with err.
func fail(err error) step {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

// scripted returns a client whose attempts are answered by steps in turn
// (the last one for every attempt after), with retry waits of a
// millisecond, and the count of attempts.
func scripted(t *testing.T, key string, opts []Option, steps ...step) (*Client, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		i := int(n.Add(1)) - 1
		return steps[min(i, len(steps)-1)](r)
	})
	all := append([]Option{WithHTTPClient(&http.Client{Transport: tr}), WithRetryWait(time.Millisecond, time.Millisecond)}, opts...)
	c, err := NewClient(key, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

// deletes are the DELETE methods, each with the credential it needs.
var deletes = []struct {
	name    string
	session bool
	call    func(ctx context.Context, c *Client) error
}{
	{"Integrations.DeleteGitHub", false, func(ctx context.Context, c *Client) error { return c.Integrations.DeleteGitHub(ctx, Me, "12") }},
	{"Integrations.DeleteSlack", false, func(ctx context.Context, c *Client) error { return c.Integrations.DeleteSlack(ctx, Me, "U0123ABC") }},
	{"SignalAutonomy.Delete", false, func(ctx context.Context, c *Client) error { return c.SignalAutonomy.Delete(ctx, AutonomyMe) }},
	{"Users.Delete", true, func(ctx context.Context, c *Client) error { return c.Users.Delete(ctx, Me) }},
	{"Users.RevokeLoginSession", true, func(ctx context.Context, c *Client) error {
		return c.Users.RevokeLoginSession(ctx, Me, OpaqueID("a1b2"))
	}},
}

// deleteClient is scripted for a delete's credential.
func deleteClient(t *testing.T, session bool, steps ...step) (*Client, *atomic.Int64) {
	t.Helper()
	if session {
		return scripted(t, "", []Option{WithSession(testSession)}, steps...)
	}
	return scripted(t, testKey, nil, steps...)
}

// TestDelete_retryFindsItGone checks that a DELETE whose retry finds
// nothing to delete succeeds when an earlier attempt may have reached
// PostHog: the earlier attempt deleted it.
func TestDelete_retryFindsItGone(t *testing.T) {
	t.Parallel()
	firsts := map[string]step{
		"502":   reply(http.StatusBadGateway, `<html>bad gateway</html>`),
		"reset": fail(errReset),
	}
	for _, d := range deletes {
		for name, first := range firsts {
			c, n := deleteClient(t, d.session, first, reply(http.StatusNotFound, notFoundBody))
			if err := d.call(t.Context(), c); err != nil {
				t.Errorf("%s, %s then 404: %v; want nil, the delete is done", d.name, name, err)
			}
			if n.Load() != 2 {
				t.Errorf("%s, %s then 404: %d attempts; want 2", d.name, name, n.Load())
			}
		}
		// A 404 for the endpoint itself is no proof of a delete.
		c, _ := deleteClient(t, d.session, reply(http.StatusBadGateway, ``),
			reply(http.StatusNotFound, `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`))
		if err := d.call(t.Context(), c); !errors.Is(err, ErrEndpointNotFound) {
			t.Errorf("%s, 502 then Endpoint not found: %v; want ErrEndpointNotFound", d.name, err)
		}
		// Nothing reached PostHog before the 404: it is a real 404.
		for name, first := range map[string]step{
			"refused": fail(errRefused),
			"429":     func(r *http.Request) (*http.Response, error) { return throttled(r, "0"), nil },
			"none":    reply(http.StatusNotFound, notFoundBody),
		} {
			c, _ := deleteClient(t, d.session, first, reply(http.StatusNotFound, notFoundBody))
			if err := d.call(t.Context(), c); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s, %s then 404: %v; want ErrNotFound", d.name, name, err)
			}
		}
	}
}

// throttled is PostHog's 429 with a Retry-After.
func throttled(r *http.Request, retryAfter string) *http.Response {
	resp := jsonResponse(r, http.StatusTooManyRequests, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled.","attr":null}`)
	if retryAfter != "" {
		resp.Header.Set("Retry-After", retryAfter)
	}
	return resp
}

// redirect answers with a redirect to location.
func redirect(status int, location string) step {
	return func(r *http.Request) (*http.Response, error) {
		resp := jsonResponse(r, status, "")
		resp.Header.Set("Location", location)
		return resp, nil
	}
}

// TestWrites_redirectThatDropsTheBodyRefused checks that a 301, 302 or 303
// answer to a write is refused: net/http would follow it with a GET, losing
// the write. A 307 or 308 within the origin keeps method and body.
func TestWrites_redirectThatDropsTheBodyRefused(t *testing.T) {
	t.Parallel()
	user := `{"id":1,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","email":"ada@example.com"}`
	writes := map[string]func(ctx context.Context, c *Client) error{
		"PATCH": func(ctx context.Context, c *Client) error {
			_, err := c.Users.Update(ctx, Me, UpdateUserRequest{FirstName: Ptr("Ada")})
			return err
		},
		"POST": func(ctx context.Context, c *Client) error {
			_, err := c.Integrations.StartGitHubLink(ctx, Me, StartGitHubLinkRequest{})
			return err
		},
		"PUT": func(ctx context.Context, c *Client) error {
			_, err := c.Users.Replace(ctx, Me, ReplaceUserRequest{Email: "ada@example.com", Password: "pw"})
			return err
		},
		"DELETE": func(ctx context.Context, c *Client) error { return c.Integrations.DeleteGitHub(ctx, Me, "12") },
	}
	for method, call := range writes {
		for _, status := range []int{301, 302, 303} {
			var methods []string
			c, _ := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
				methods = append(methods, r.Method)
				if len(methods) == 1 {
					return redirect(status, "/api/users/@me/moved/")(r)
				}
				return reply(http.StatusOK, user)(r)
			})
			err := call(t.Context(), c)
			var re *RedirectError
			if !errors.As(err, &re) || re.StatusCode != status {
				t.Errorf("%s answered %d: %v (requests %v); want a *RedirectError", method, status, err, methods)
			}
			if len(methods) != 1 {
				t.Errorf("%s answered %d: requests %v; want the redirect not followed", method, status, methods)
			}
		}
	}
	// 307 keeps the method and the body.
	var got []string
	c, _ := scripted(t, testKey, nil, func(r *http.Request) (*http.Response, error) {
		body := ""
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			body = string(b)
		}
		got = append(got, r.Method+" "+r.URL.Path+" "+body)
		if len(got) == 1 {
			return redirect(http.StatusTemporaryRedirect, "/api/users/@me/?moved=1")(r)
		}
		return reply(http.StatusOK, user)(r)
	})
	if _, err := c.Users.Update(t.Context(), Me, UpdateUserRequest{FirstName: Ptr("Ada")}); err != nil {
		t.Errorf("307 within the origin: %v", err)
	}
	if len(got) != 2 || got[1] != `PATCH /api/users/@me/ {"first_name":"Ada"}` {
		t.Errorf("307: requests %q; want the PATCH repeated with its body", got)
	}
}

// cutBody answers 200 with a body cut short.
func cutBody(r *http.Request) (*http.Response, error) {
	resp := jsonResponse(r, http.StatusOK, "")
	resp.Body = truncatedBody(`{"id":1,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","email":"ada@example.com"}`)
	return resp, nil
}

// TestWrites_outcomeUnknown checks that a write whose outcome the client
// cannot know matches ErrOutcomeUnknown, and that failures which prove
// nothing was done, and reads, do not.
func TestWrites_outcomeUnknown(t *testing.T) {
	t.Parallel()
	patch := func(ctx context.Context, c *Client) error {
		_, err := c.Users.Update(ctx, Me, UpdateUserRequest{FirstName: Ptr("Ada")})
		return err
	}
	backupCodes := func(ctx context.Context, c *Client) error {
		_, err := c.TwoFactor.BackupCodes(ctx, Me)
		return err
	}
	deleteGitHub := func(ctx context.Context, c *Client) error { return c.Integrations.DeleteGitHub(ctx, Me, "12") }
	get := func(ctx context.Context, c *Client) error { _, err := c.Users.Get(ctx, Me); return err }
	tests := []struct {
		name    string
		session bool
		call    func(ctx context.Context, c *Client) error
		step    step
		unknown bool
	}{
		{"PATCH reset after sending", false, patch, fail(errReset), true},
		{"PATCH 500", false, patch, reply(500, `{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`), true},
		{"PATCH 502", false, patch, reply(502, `<html>bad gateway</html>`), true},
		{"PATCH 504", false, patch, reply(504, ``), true},
		{"PATCH 2xx body cut short", false, patch, cutBody, true},
		{"backup codes reset", true, backupCodes, fail(errReset), true},
		{"DELETE 502 every time", false, deleteGitHub, reply(502, ``), true},
		{"PATCH refused connection", false, patch, fail(errRefused), false},
		{"PATCH 400", false, patch, reply(400, `{"type":"validation_error","code":"invalid_input","detail":"Bad.","attr":"first_name"}`), false},
		{"PATCH 403", false, patch, reply(403, `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'user:write'","attr":null}`), false},
		{"GET 502 every time", false, get, reply(502, ``), false},
		{"GET reset every time", false, get, fail(errReset), false},
	}
	for _, tt := range tests {
		var c *Client
		if tt.session {
			c, _ = scripted(t, "", []Option{WithSession(testSession)}, tt.step)
		} else {
			c, _ = scripted(t, testKey, nil, tt.step)
		}
		err := tt.call(t.Context(), c)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if got := errors.Is(err, ErrOutcomeUnknown); got != tt.unknown {
			t.Errorf("%s: errors.Is(%v, ErrOutcomeUnknown) = %v; want %v", tt.name, err, got, tt.unknown)
		}
	}
}
