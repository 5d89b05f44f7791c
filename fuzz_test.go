package posthogusers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/google/uuid"
)

func FuzzUserID(f *testing.F) {
	for _, s := range []string{Me, "@ME", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", "{0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07}", "../x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		got, err := userID(id)
		if err != nil {
			return
		}
		if got == Me {
			if id != Me {
				t.Errorf("userID(%q) = @me", id)
			}
			return
		}
		// Anything else accepted is a canonical UUID: one safe path segment.
		if u, perr := uuid.Parse(got); perr != nil || u.String() != got || len(got) != 36 {
			t.Errorf("userID(%q) = %q; want a canonical UUID", id, got)
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "12", "-1", "Mon, 23 Nov 2026 12:00:30 GMT", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, now)
		if d < 0 || !ok && d != 0 {
			t.Errorf("parseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

// FuzzDecodePage feeds the streaming page decoder arbitrary bodies, whole
// and cut short: it never panics, and it either reads a page or returns an
// error that says what is wrong.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"count": 2, "next": null, "previous": null, "results": [{"id": 1}, {"id": 2}]}`), 40)
	f.Add([]byte(`{"count": 1e999, "results": [{"id": 18446744073709551616}]}`), 0)
	f.Add([]byte(`{"count": 1, "count": 1, "results": []}`), 10)
	f.Add([]byte("{\"next\": \"\xff\xfe\", \"results\": [{\"id\": \"1\"}]}"), 5)
	f.Add([]byte(`{"results": [{"id": 1, "team": null, "organization": null, "uuid": 7}]}`), 0)
	f.Fuzz(func(t *testing.T, body []byte, cut int) {
		if cut > 0 && cut < len(body) {
			body = body[:cut]
		}
		users, raw := userItems(), rawItems()
		for _, decode := range []func(*jsontext.Decoder) error{
			func(dec *jsontext.Decoder) error { _, _, err := users(dec); return err },
			func(dec *jsontext.Decoder) error { _, _, err := raw(dec); return err },
		} {
			br := &bodyReader{r: bytes.NewReader(body)}
			info, err := decodePage(jsontext.NewDecoder(br), decode)
			if err == nil {
				if info.count < 0 || info.items < 0 {
					t.Errorf("decodePage(%q) = %+v", body, info)
				}
				continue
			}
			if err.Error() == "" {
				t.Errorf("decodePage(%q): an empty error", body)
			}
			if br.failed(err) != errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("decodePage(%q): %v is a failed read of a whole body", body, err)
			}
		}
	})
}

func FuzzNewClientKey(f *testing.F) {
	for _, s := range []string{testKey, "phc_x", "pha_x", " ", "phx_a\nb", "phx_é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		c, err := NewClient(key)
		if err != nil {
			if k := strings.TrimSpace(key); len(k) >= 12 && strings.Contains(err.Error(), k) {
				t.Errorf("error %q contains the key", err)
			}
			return
		}
		secret := c.cred.secrets()[0]
		if !isVisibleASCII(secret) || len(secret) >= 12 && strings.Contains(c.String(), secret) {
			t.Errorf("accepted key %q is not a safe header value or shows in String", key)
		}
	})
}

// FuzzMergePatch checks properties RFC 7396 gives JSON merge patches: the
// result is JSON, an object patch yields an object without the patch's null
// members, and applying the same patch again changes nothing.
func FuzzMergePatch(f *testing.F) {
	f.Add(`{"a":"b","c":{"d":1}}`, `{"a":null,"c":{"e":[1]}}`)
	f.Add(`[1,2]`, `{"a":{"bb":{"ccc":null}}}`)
	f.Add(`{}`, `"x"`)
	f.Fuzz(func(t *testing.T, target, patch string) {
		if !json.Valid([]byte(target)) || !json.Valid([]byte(patch)) {
			return
		}
		if !jsontext.Value(patch).IsValid() {
			// JSON to encoding/json but not to the SDK (invalid UTF-8, a
			// duplicate name): refused, never merged into something else.
			if out, err := mergePatch(jsontext.Value(target), jsontext.Value(patch)); err == nil && !out.IsValid() {
				t.Fatalf("mergePatch(%s, %s) = %s: not JSON", target, patch, out)
			}
			return
		}
		once, err := mergePatch(jsontext.Value(target), jsontext.Value(patch))
		if err != nil {
			t.Fatalf("mergePatch(%s, %s): %v", target, patch, err)
		}
		if !json.Valid(once) {
			t.Fatalf("mergePatch(%s, %s) = %s: not JSON", target, patch, once)
		}
		twice, err := mergePatch(once, jsontext.Value(patch))
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		_ = json.Unmarshal(once, &a)
		_ = json.Unmarshal(twice, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("patch %s applied twice: %s, then %s", patch, once, twice)
		}
		var p map[string]any
		if json.Unmarshal([]byte(patch), &p) == nil && p != nil {
			obj, ok := a.(map[string]any)
			if !ok {
				t.Fatalf("object patch gave %s", once)
			}
			for k, v := range p {
				if _, kept := obj[k]; v == nil && kept {
					t.Errorf("member %q set to null in the patch is still in %s", k, once)
				}
			}
		}
	})
}

// FuzzSession checks that a session the client accepts is sent as cookies
// net/http reads back unchanged, and that the CSRF header carries the token.
func FuzzSession(f *testing.F) {
	f.Add("sessionid", "abc123", "tok")
	f.Add("", "a=b", "")
	f.Add("ph_s", "x;y", `"q"`)
	f.Fuzz(func(t *testing.T, name, id, csrf string) {
		cred, err := newSessionCredential(Session{ID: id, CSRFToken: csrf, CookieName: name})
		if err != nil {
			return
		}
		h := http.Header{}
		cred.authorize(h, http.MethodPost)
		r := &http.Request{Header: h}
		wantName := name
		if wantName == "" {
			wantName = defaultSessionCookie
		}
		c, err := r.Cookie(wantName)
		if err != nil || c.Value != id {
			t.Fatalf("session cookie %q from header %q: got %v, %v; want %q", wantName, h.Get("Cookie"), c, err, id)
		}
		if csrf != "" {
			if c, err := r.Cookie(csrfCookie); wantName != csrfCookie && (err != nil || c.Value != csrf) {
				t.Errorf("CSRF cookie from header %q: got %v, %v; want %q", h.Get("Cookie"), c, err, csrf)
			}
		}
		if got := h.Get(csrfHeader); got != csrf {
			t.Errorf("X-CSRFToken %q; want %q", got, csrf)
		}
	})
}

// FuzzParseEnvelope decodes any body as PostHog's error envelope: it never
// panics, and a body that is not an envelope is told apart.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`,
		`{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`,
		`{"detail":"x","attr":"a__b"}`, `{"attr":5}`, `[]`, `null`, ``, `<html>`, `{"type":1}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, ok := parseEnvelope(body)
		if !ok && (env != errorEnvelope{}) {
			t.Errorf("parseEnvelope(%q) = %+v, false; want the zero envelope", body, env)
		}
		missing := isEndpointMissing(body)
		if len(bytes.TrimSpace(body)) == 0 && missing {
			t.Errorf("an empty 404 body (PostHog's signal autonomy answer) counts as a missing endpoint")
		}
		if ok && env.Detail == "Not found." && missing {
			t.Errorf("PostHog's missing object %q counts as a missing endpoint", body)
		}
	})
}

// FuzzResponseError sends a request that any answer may meet, with the
// client's credential planted in the body and headers: the call never
// panics, an answer outside 2xx is an error of its status's class, and no
// error text shows the credential.
func FuzzResponseError(f *testing.F) {
	f.Add(404, []byte(`{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`), "", uint8(0), false)
	f.Add(403, []byte(`{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope '`), "", uint8(90), false)
	f.Add(429, []byte(`{"detail":"throttled"}`), "999999999999", uint8(3), true)
	f.Add(502, []byte("<html>bad gateway</html>"), "Mon, 23 Nov 2026 12:00:30 GMT", uint8(6), false)
	f.Add(401, []byte(`{"attr":"x","detail":"`), "", uint8(20), true)
	f.Add(200, []byte(`{"id":"x"}`), "", uint8(0), false)
	f.Add(204, []byte(``), "", uint8(0), true)
	f.Add(302, []byte(``), "", uint8(0), false)
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string, at uint8, session bool) {
		if status < 100 || status > 599 {
			status = 100 + (status%500+500)%500
		}
		key, opts, secrets := testKey, []Option{}, []string{testKey}
		if session {
			key, opts, secrets = "", []Option{WithSession(testSession)}, []string{testSession.ID, testSession.CSRFToken}
		}
		// The server echoes the credential somewhere in its body.
		cut := min(int(at), len(body))
		planted := append(append(append([]byte{}, body[:cut]...), secrets[int(at)%len(secrets)]...), body[cut:]...)
		tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp := jsonResponse(r, status, string(planted))
			if retryAfter != "" && !hasControl(retryAfter) {
				resp.Header.Set("Retry-After", retryAfter)
			}
			resp.Header.Set("Location", "/api/users/"+secrets[0]+"/")
			return resp, nil
		})
		opts = append(opts, WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(0), WithMaxRateLimitRetries(0))
		c, err := NewClient(key, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range []func() error{
			func() error { _, err := c.Users.Get(t.Context(), Me); return err },
			func() error { return c.Integrations.DeleteGitHub(t.Context(), Me, "1") },
		} {
			err := call()
			if status >= 200 && status <= 299 {
				continue // success, or a body that does not decode
			}
			if err == nil {
				if status >= 300 && status <= 399 {
					continue // a redirect to the same origin, followed to the same answer
				}
				t.Fatalf("status %d: no error", status)
			}
			for _, s := range secrets {
				for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					if strings.Contains(text, s) {
						t.Fatalf("status %d: the error shows the credential: %s", status, text)
					}
				}
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.StatusCode != status {
				t.Errorf("status %d: APIError.StatusCode %d", status, apiErr.StatusCode)
			}
			for sentinel, code := range map[error]int{ErrUnauthorized: 401, ErrForbidden: 403, ErrConflict: 409, ErrValidation: 400, ErrRateLimited: 429} {
				if errors.Is(err, sentinel) && status != code {
					t.Errorf("status %d matches %v", status, sentinel)
				}
			}
		}
	})
}

// FuzzHostileAnswer is a server whose whole answer is the fuzzer's: its
// status, its header lines ("Name: value", one a line; Content-Length
// included, true or not) and its body, the same for every request, with
// "{{KEY}}" in any of them replaced by the client's key. Users.Get and a
// scan of one page each end, within a few requests, with a user PostHog
// could have sent or an error; neither panics, no error shows the key,
// and a run allocates at most a bound: the client's cap of 1 MiB, a few
// times the input, and a few MiB.
func FuzzHostileAnswer(f *testing.F) {
	user := hostileUser(7)
	f.Add(200, "Content-Type: application/json", []byte(user))
	f.Add(200, "Content-Length: 999999999999", []byte(user))
	f.Add(200, "Content-Length: 3", []byte(user))
	f.Add(200, "", []byte(`null`))
	f.Add(204, "", []byte(``))
	f.Add(200, "", []byte(pageHead(3, 2, 2)+hostileUser(1)+","+hostileUser(2)+"]}"))
	f.Add(200, "", []byte(pageHead(300, 100, 100)+hostileUser(1)+","+hostileUser(1)+"]}"))
	f.Add(200, "", []byte(`{"count":1,"next":null,"results":[{"id":1,"uuid":"00000000-0000-4000-8000-000000000001"}],"x":"`+strings.Repeat("a", 3000)))
	f.Add(429, "Retry-After: 999999999999999999999", []byte(`{"detail":"{{KEY}}"}`))
	f.Add(503, "Retry-After: -1\nX-Echo: {{KEY}}", []byte(`{{KEY}}`))
	f.Add(302, "Location: /api/users/{{KEY}}/", []byte(``))
	f.Add(200, "Content-Encoding: gzip", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, status int, header string, body []byte) {
		if status < 100 || status > 599 {
			status = 100 + (status%500+500)%500
		}
		plant := func(s string) string { return strings.ReplaceAll(s, "{{KEY}}", testKey) }
		h := http.Header{}
		for line := range strings.Lines(plant(header)) {
			name, value, ok := strings.Cut(strings.TrimSpace(line), ":")
			if ok && isCookieName(name) && !hasControl(value) {
				h.Add(name, strings.TrimSpace(value))
			}
		}
		length := int64(-1)
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
			length = n
		}
		planted := []byte(plant(string(body)))
		var requests atomic.Int64
		tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			requests.Add(1)
			return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
				Header: h.Clone(), Body: io.NopCloser(bytes.NewReader(planted)), ContentLength: length, Request: r}, nil
		})
		c, err := NewClient(testKey, WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(1), WithMaxRateLimitRetries(1),
			WithRetryWait(time.Nanosecond, time.Nanosecond), WithMaxRetryAfter(0), WithMaxResponseBytes(1<<20))
		if err != nil {
			t.Fatal(err)
		}
		checkErr := func(what string, err error) {
			t.Helper()
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(text, testKey) {
					t.Fatalf("%s: the error shows the key: %s", what, text)
				}
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && (strings.Contains(apiErr.Error(), testKey) || strings.Contains(strings.Join(apiErr.History, " "), testKey) ||
				bytes.Contains(apiErr.Body, []byte(testKey)) || strings.Contains(apiErr.URL, testKey)) {
				t.Fatalf("%s: the *APIError holds the key: %+v", what, apiErr)
			}
		}
		bound := uint64(1<<20 + 8*len(planted) + 8<<20)
		var u *User
		if n := allocated(func() { u, err = c.Users.Get(t.Context(), Me) }); n > bound {
			t.Errorf("Get allocated %d bytes; bound %d", n, bound)
		}
		switch {
		case err != nil:
			checkErr("Get", err)
		case u.ID <= 0 || u.UUID == uuid.Nil:
			t.Errorf("Get returned a user without id or uuid: %+v", u)
		}
		// A call sends at most 3 attempts (a retry after a failure, one
		// after a 429), each following at most 10 redirects.
		const maxCall = 3 * 11
		if n := requests.Load(); n > maxCall {
			t.Errorf("Get made %d requests", n)
		}

		requests.Store(0)
		var users int
		n := allocated(func() {
			for u, err := range c.Users.Scan(t.Context(), &ScanOptions{Limit: 5}).Users() {
				if err != nil {
					checkErr("Scan", err)
					continue
				}
				if u.ID <= 0 || u.UUID == uuid.Nil {
					t.Errorf("Scan yielded a user without id or uuid: %+v", u)
				}
				users++
			}
		})
		if n > bound {
			t.Errorf("Scan allocated %d bytes; bound %d", n, bound)
		}
		if users > 5 {
			t.Errorf("Scan yielded %d users of one page of at most 5 users, served again and again", users)
		}
		// A page, the same page again (which brings nothing new), and
		// once more when the first broke off.
		if got := requests.Load(); got > 3*maxCall {
			t.Errorf("Scan made %d requests", got)
		}
	})
}

// FuzzRawUserID checks rawUserID, which walks a user's bytes, against a
// decoder: for any valid JSON object, both find the same positive id and a
// uuid string, or both refuse it.
func FuzzRawUserID(f *testing.F) {
	for _, s := range []string{`{"id": 42, "uuid": "u"}`, `{"uuid":"u","team":{"id":2,"uuid":"t"},"q":"a \"id\": 9","id" : 7}`,
		`{"first_name":"\\","id":1,"uuid":"u"}`, `{"id":1.5,"uuid":"u"}`, `{"id":"1","uuid":"u"}`, `{"id":1,"uuid":null}`,
		`{"a":"\\\\","id":3,"uuid":"\\""}`, `{"id":-1,"uuid":"u"}`, hostileUser(9)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := jsontext.Value(data)
		if !v.IsValid() || v.Kind() != jsontext.KindBeginObject {
			return
		}
		var top map[string]jsontext.Value
		if err := jsonv2.Unmarshal(data, &top, jsontext.AllowDuplicateNames(true)); err != nil {
			return
		}
		got, err := rawUserID(v)
		var want int64
		wantOK := false
		if idv, ok := top["id"]; ok && idv.Kind() == '0' {
			n, perr := strconv.ParseInt(string(idv), 10, 64)
			wantOK = perr == nil && n > 0
			want = n
		}
		if u, ok := top["uuid"]; !ok || u.Kind() != '"' {
			wantOK = false
		}
		if bytes.Count(data, []byte(`"id"`)) > 1 || bytes.Count(data, []byte(`"uuid"`)) > 1 {
			return // duplicates: the walk takes the first, the map the last
		}
		if bytes.Contains(data, []byte(`\u`)) {
			return // an escaped name such as "\u0069d": the walk compares names as sent, and refuses the user
		}
		if wantOK != (err == nil) || wantOK && got != want {
			t.Errorf("rawUserID(%s) = %d, %v; want %d, ok %v", data, got, err, want, wantOK)
		}
	})
}

// FuzzUserDecoders checks the decoders of users_json_wire.go, which read
// the token stream by hand, against the reference decoders of
// users_json_ref_test.go on any input, seeded with every JSON file of
// testdata/ and the inputs of TestDecoders_agree: both accept it with the
// same values, alone and twice on a scan's page, or both refuse it.
func FuzzUserDecoders(f *testing.F) {
	for _, data := range agreeInputs(f) {
		f.Add(data)
	}
	f.Fuzz(checkDecodersAgree)
}
