package posthogusers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
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

// TestWithDebugDumps_redactsSecrets calls every operation whose request or
// answer carries a secret of the user (a password, a two-factor code or
// secret, backup codes, an email verification code, a push token) with
// dumps on: the dumps show "[redacted]" in its place, and the log holds none
// of it.
func TestWithDebugDumps_redactsSecrets(t *testing.T) {
	t.Parallel()
	const (
		password        = "Pw-Zq81xLm0Ruv5T"
		currentPassword = "Cur7Hk2Wq9LopX3e"
		replacePassword = "Rp-8sYt2Nv6Qw1Kd"
		totpSecret      = "JBSWY3DPEHPK3PXPQ4ZT"
		validateCode    = "864209"
		legacyCode      = "735102"
		emailCode       = "402617"
		pushToken       = "fcm:Tk9Zq2Lm7Xw4Rv8B"
		unregisterToken = "apns:Uq3Hv6Jc1Nz5Pe0W"
	)
	backupCodes := []string{"bk01Xq7Lm2", "bk02Rt5Vn8", "bk03Pw9Kd4", "bk04Zs3Hg6", "bk05Ly1Cf7", "bk06Mu4Bj2", "bk07Qe8Nx5", "bk08Td6Wr9", "bk09Gi2Yo3", "bk10Hk7Sa1"}
	tests := []struct {
		name    string
		session bool
		route   string
		status  int
		resp    string
		call    func(ctx context.Context, c *Client) error
		secrets []string
		// want is what the dumps must show besides "[redacted]".
		want []string
	}{
		{
			name: "Users.Update password", session: true,
			route: "PATCH /api/users/@me/{$}", status: http.StatusOK, resp: usersGetFixture,
			call: func(ctx context.Context, c *Client) error {
				return errOf(c.Users.Update(ctx, Me, UpdateUserRequest{FirstName: Ptr("Ada"), Password: Ptr(password), CurrentPassword: Ptr(currentPassword)}))
			},
			secrets: []string{password, currentPassword}, want: []string{`first_name`, `Ada`},
		},
		{
			name: "Users.Replace", session: true,
			route: "PUT /api/users/@me/{$}", status: http.StatusOK, resp: usersGetFixture,
			call: func(ctx context.Context, c *Client) error {
				return errOf(c.Users.Replace(ctx, Me, ReplaceUserRequest{Email: "ada@example.com", Password: replacePassword,
					UpdateUserRequest: UpdateUserRequest{CurrentPassword: Ptr(currentPassword)}}))
			},
			secrets: []string{replacePassword, currentPassword}, want: []string{`ada@example.com`},
		},
		{
			name: "TwoFactor.BackupCodes", session: true,
			route: "POST /api/users/@me/two_factor_backup_codes/{$}", status: http.StatusOK,
			resp:    `{"backup_codes":["` + strings.Join(backupCodes, `","`) + `"]}`,
			call:    func(ctx context.Context, c *Client) error { return errOf(c.TwoFactor.BackupCodes(ctx, Me)) },
			secrets: backupCodes, want: []string{`backup_codes`},
		},
		{
			name: "TwoFactor.StartSetup", session: true,
			route: "GET /api/users/@me/two_factor_start_setup/{$}", status: http.StatusOK,
			resp:    `{"success":true,"secret":"` + totpSecret + `"}`,
			call:    func(ctx context.Context, c *Client) error { return errOf(c.TwoFactor.StartSetup(ctx, Me)) },
			secrets: []string{totpSecret}, want: []string{`success`},
		},
		{
			name: "TwoFactor.StartSetupLegacy", session: true,
			route: "GET /api/users/@me/start_2fa_setup/{$}", status: http.StatusOK,
			resp:    `{"success":true,"secret":"` + totpSecret + `"}`,
			call:    func(ctx context.Context, c *Client) error { return errOf(c.TwoFactor.StartSetupLegacy(ctx, Me)) },
			secrets: []string{totpSecret}, want: []string{`success`},
		},
		{
			name: "TwoFactor.Validate", session: true,
			route: "POST /api/users/@me/two_factor_validate/{$}", status: http.StatusOK, resp: `{"success":true}`,
			call:    func(ctx context.Context, c *Client) error { return c.TwoFactor.Validate(ctx, Me, validateCode) },
			secrets: []string{validateCode}, want: []string{`success`},
		},
		{
			name: "TwoFactor.Validate refused", session: true,
			route: "POST /api/users/@me/two_factor_validate/{$}", status: http.StatusBadRequest,
			resp: `{"type":"validation_error","code":"token_invalid","detail":"Token is not valid","attr":null}`,
			call: func(ctx context.Context, c *Client) error {
				if err := c.TwoFactor.Validate(ctx, Me, validateCode); !errors.Is(err, ErrValidation) {
					return fmt.Errorf("got %w; want ErrValidation", err)
				}
				return nil
			},
			// PostHog's error code stays visible in answers.
			secrets: []string{validateCode}, want: []string{`token_invalid`},
		},
		{
			name: "TwoFactor.ValidateLegacy", session: true,
			route: "POST /api/users/@me/validate_2fa/{$}", status: http.StatusOK, resp: `{"success":true}`,
			call:    func(ctx context.Context, c *Client) error { return c.TwoFactor.ValidateLegacy(ctx, Me, legacyCode) },
			secrets: []string{legacyCode}, want: []string{`success`},
		},
		{
			name:  "Users.VerifyEmail",
			route: "POST /api/users/verify_email/{$}", status: http.StatusOK, resp: `{"success":true,"requires_login":true}`,
			call: func(ctx context.Context, c *Client) error {
				return errOf(c.Users.VerifyEmail(ctx, testUserUUID, emailCode))
			},
			secrets: []string{emailCode}, want: []string{testUserUUID.String(), `requires_login`},
		},
		{
			name:  "Users.RegisterPushToken",
			route: "POST /api/users/@me/push_tokens/{$}", status: http.StatusOK,
			resp: `{"id":"0190e1f2-0a1b-7c2d-8e3f-4a5b6c7d8e9f","platform":"ios","created_at":"2025-06-01T12:00:00Z","last_seen_at":null}`,
			call: func(ctx context.Context, c *Client) error {
				return errOf(c.Users.RegisterPushToken(ctx, pushToken, PushPlatformIOS))
			},
			secrets: []string{pushToken}, want: []string{`platform`, `ios`},
		},
		{
			name:  "Users.UnregisterPushToken",
			route: "POST /api/users/@me/push_tokens/unregister/{$}", status: http.StatusNoContent,
			call:    func(ctx context.Context, c *Client) error { return c.Users.UnregisterPushToken(ctx, unregisterToken) },
			secrets: []string{unregisterToken},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf syncBuffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			setupFor := setup
			if tt.session {
				setupFor = setupSession
			}
			ts := setupFor(t, WithLogger(logger), WithDebugDumps())
			ts.mux.HandleFunc(tt.route, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if tt.status == http.StatusNoContent {
					w.WriteHeader(tt.status)
					return
				}
				serveJSON(w, tt.status, []byte(tt.resp))
			})
			if err := tt.call(t.Context(), ts.client); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			var dumps []string
			for line := range strings.Lines(out) {
				if strings.Contains(line, "dump") {
					dumps = append(dumps, line)
				}
			}
			dumped := strings.Join(dumps, "")
			if len(dumps) != 2 || !strings.Contains(dumped, "[redacted]") {
				t.Errorf("want a request and a response dump showing [redacted]:\n%s", out)
			}
			for _, want := range tt.want {
				if !strings.Contains(dumped, want) {
					t.Errorf("the dumps lack %q:\n%s", want, dumped)
				}
			}
			for _, secret := range tt.secrets {
				if strings.Contains(dumped, secret) || leaks(out, secret) {
					t.Errorf("the log shows the secret %q:\n%s", secret, out)
				}
			}
		})
	}
}

func TestRedactJSON(t *testing.T) {
	t.Parallel()
	const cut = notJSONMarker
	tests := []struct {
		name    string
		body    string
		request bool
		want    string
	}{
		{"no secrets", `{"first_name":"Ada","id":1,"ok":true,"n":null}`, true, `{"first_name":"Ada","id":1,"ok":true,"n":null}`},
		{"password and current_password", `{"password":"p1","current_password":"p2","first_name":"Ada"}`, true,
			`{"password":"[redacted]","current_password":"[redacted]","first_name":"Ada"}`},
		{"names containing password, secret, token, any case", `{"new_Password":"a","client_secret":"b","API_TOKEN":"c","access_token":"d","SECRET":"e","Token":"f"}`, false,
			`{"new_Password":"[redacted]","client_secret":"[redacted]","API_TOKEN":"[redacted]","access_token":"[redacted]","SECRET":"[redacted]","Token":"[redacted]"}`},
		{"nested at any depth", `{"team":{"api_token":"phc_x","name":"T"},"list":[{"a":{"secret":"s"}}]}`, false,
			`{"team":{"api_token":"[redacted]","name":"T"},"list":[{"a":{"secret":"[redacted]"}}]}`},
		{"array of backup codes", `{"backup_codes":["a1","b2","c3"]}`, false, `{"backup_codes":"[redacted]"}`},
		{"object and number values", `{"secret":{"k":"v"},"token":12345,"password":null,"x":1}`, true,
			`{"secret":"[redacted]","token":"[redacted]","password":"[redacted]","x":1}`},
		{"white space kept", "{\n  \"token\" : \"abc\" ,\n  \"x\": 1\n}", true, "{\n  \"token\" : \"[redacted]\" ,\n  \"x\": 1\n}"},
		{"code in a request", `{"uuid":"u","code":"123456"}`, true, `{"uuid":"u","code":"[redacted]"}`},
		{"code in an answer stays", `{"type":"validation_error","code":"invalid_input","detail":"d","attr":"password"}`, false,
			`{"type":"validation_error","code":"invalid_input","detail":"d","attr":"password"}`},
		{"backup_codes_remaining stays", `{"backup_codes_remaining":8}`, false, `{"backup_codes_remaining":8}`},
		{"otpauth value anywhere", `{"uri":"otpauth://totp/PostHog:ada?secret=JBSW","list":["x","OTPAuth://hotp/y"],"k":"otpauth:/no"}`, false,
			`{"uri":"[redacted]","list":["x","[redacted]"],"k":"otpauth:/no"}`},
		{"otpauth value escaped", `{"u":"otpauth:\/\/totp\/x","v":"\u006ftpauth://totp/y"}`, false, `{"u":"[redacted]","v":"[redacted]"}`},
		{"otpauth top-level string", `"otpauth://totp/x"`, false, `"[redacted]"`},
		{"a name is not a value", `{"otpauth://x":1}`, false, `{"otpauth://x":1}`},
		{"duplicate names", `{"token":"a","token":"b"}`, true, `{"token":"[redacted]","token":"[redacted]"}`},
		{"invalid UTF-8", "{\"token\":\"a\xffb\",\"n\":\"\xfe\"}", true, "{\"token\":\"[redacted]\",\"n\":\"\xfe\"}"},
		{"cut in a secret value", `{"first_name":"Ada","password":"hunt`, true, `{"first_name":"Ada","password":"[redacted]"` + cut},
		{"cut in a secret array", `{"backup_codes":["a1","b2`, false, `{"backup_codes":"[redacted]"` + cut},
		{"cut after a secret name", `{"x":1,"token"`, true, `{"x":1,"token"` + cut},
		{"cut after a secret name's colon", `{"x":1,"token": `, true, `{"x":1,"token"` + cut},
		{"cut in another value", `{"x":1,"email":"ada@exa`, true, `{"x":1,"email"` + cut},
		{"cut in a name", `{"x":1,"pass`, true, `{"x":1` + cut},
		{"cut in an otpauth value", `["otpauth://totp/x?secret=AB`, false, `[` + cut},
		{"garbage after a valid part", `{"x":1} <html>token=abc</html>`, false, `{"x":1}` + cut},
		{"garbage inside", `{"x":1,"y":tru "secret":"s"}`, false, `{"x":1,"y"` + cut},
		{"garbage in a secret value", `{"password":"a` + "\x01" + `b","x":1}`, true, `{"password":"[redacted]"` + cut},
		{"stream of values", `{"token":"a"} {"token":"b"}`, true, `{"token":"[redacted]"} {"token":"[redacted]"}`},
		{"not JSON", `<html>502 token=abc</html>`, true, `<html>502 token=abc</html>`},
		{"plain text", `upstream connect error`, false, `upstream connect error`},
		{"plain text starting like a number", `404 page not found`, false, `404 page not found`},
		{"a top-level literal", `true`, false, `true`},
		{"white space first", " \n {\"token\":\"a\"} \n", true, " \n {\"token\":\"[redacted]\"} \n"},
		{"only an opening", `{`, true, `{` + cut},
		{"a top-level string cut", `"otpauth://totp/x?secret=AB`, false, cut},
		{"empty", ``, true, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(redactJSON([]byte(tt.body), tt.request, 0)); got != tt.want {
				t.Errorf("redactJSON(%q, request %v)\n got %q\nwant %q", tt.body, tt.request, got, tt.want)
			}
		})
	}
	// A limit stops the copy once it is that long: what is read is right.
	body := `{"a":"` + strings.Repeat("x", 100) + `","token":"secret-value","b":"` + strings.Repeat("y", 9000) + `"}`
	got := string(redactJSON([]byte(body), true, 50))
	if !strings.HasPrefix(got, `{"a":"xxx`) || len(got) < 50 || strings.Contains(got, "secret-value") || strings.Contains(got, "yyyy") {
		t.Errorf("redactJSON with limit 50 = %.200q", got)
	}
	got = string(redactJSON([]byte(body), true, 120))
	if want := `{"a":"` + strings.Repeat("x", 100) + `","token":"[redacted]"`; !strings.HasPrefix(got, want) {
		t.Errorf("redactJSON with limit 120 = %.300q; want it to start %q", got, want)
	}
}

// FuzzRedactJSON feeds redactJSON arbitrary bodies: it never panics, a
// second pass changes nothing, and the copy of a valid JSON body is valid
// JSON in which every secret member's value is "[redacted]" and no string
// is an otpauth:// URI.
func FuzzRedactJSON(f *testing.F) {
	f.Add([]byte(`{"password":"p","team":{"api_token":"t"},"backup_codes":["a","b"],"code":"123456","uri":"otpauth://totp/x"}`), true)
	f.Add([]byte(`{"type":"validation_error","code":"invalid_input","detail":"d","attr":null}`), false)
	f.Add([]byte(`{"first_name":"Ada","password":"hunt`), true)
	f.Add([]byte(`[{"secret":{"a":[1,2,{"token":null}]}},"OTPAUTH://x"] trailing`), false)
	f.Add([]byte(`<html>502</html>`), false)
	f.Fuzz(func(t *testing.T, body []byte, request bool) {
		out := redactJSON(body, request, 0)
		if again := redactJSON(out, request, 0); !bytes.Equal(again, out) {
			t.Errorf("redactJSON is not idempotent:\n once %q\ntwice %q", out, again)
		}
		opts := []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}
		start := bytes.TrimLeft(body, " \t\r\n")
		if len(start) == 0 || !strings.ContainsRune(`{["`, rune(start[0])) || !jsontext.Value(body).IsValid(opts...) {
			return
		}
		if !jsontext.Value(out).IsValid(opts...) {
			t.Fatalf("redactJSON(%q) = %q, not valid JSON", body, out)
		}
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("redactJSON(%q) = %q: %v", body, out, err)
		}
		var check func(v any)
		check = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for name, m := range v {
					if secretMember(name, request) && m != "[redacted]" {
						t.Errorf("redactJSON(%q) = %q shows the secret member %q", body, out, name)
					}
					check(m)
				}
			case []any:
				for _, e := range v {
					check(e)
				}
			case string:
				if v = strings.TrimLeft(v, " \t\r\n"); len(v) >= 10 && strings.EqualFold(v[:10], "otpauth://") {
					t.Errorf("redactJSON(%q) = %q shows an otpauth URI", body, out)
				}
			}
		}
		check(v)
	})
}

// TestRedactJSON_limit shows as much as the limit allows after a long
// secret, and redacts a value that is the bare otpauth scheme.
func TestRedactJSON_limit(t *testing.T) {
	t.Parallel()
	body := `{"secret":"` + strings.Repeat("s", 3000) + `","pad":"` + strings.Repeat("p", 9000) + `"}`
	if got := dumpBody([]byte(body), false, nil); len(got) != maxDumpBody || strings.Contains(got, "sss") {
		t.Errorf("a dump of a long body after a long secret is %d bytes; want %d, the secret redacted", len(got), maxDumpBody)
	}
	if got := string(redactJSON([]byte(`{"u":"otpauth://"}`), false, 0)); got != `{"u":"[redacted]"}` {
		t.Errorf("the bare scheme: %s", got)
	}
}
