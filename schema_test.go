package posthogusers

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// errorRecorder is a testing.TB that records Errorf calls instead of failing,
// to show that the schema checks do fail.
type errorRecorder struct {
	testing.TB
	errs []string
}

// Errorf records the message instead of failing.
func (r *errorRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// Helper does nothing: the recorder reports no lines.
func (r *errorRecorder) Helper() {}

// schemaRequest builds a request the way the client sends it to the test
// server.
func schemaRequest(t *testing.T, method, target, body string) *http.Request {
	t.Helper()
	var r *http.Request
	if body == "" {
		r, _ = http.NewRequest(method, "http://127.0.0.1"+basePath+target, nil)
	} else {
		r, _ = http.NewRequest(method, "http://127.0.0.1"+basePath+target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+testKey)
	return r
}

func TestSchema_fixturesValidate(t *testing.T) {
	t.Parallel()
	router := schemaRouter(t)
	page := mustJSON(t, map[string]any{
		"count": 3, "next": "https://us.posthog.com/api/users/?limit=2&offset=2", "previous": nil,
		"results": []any{fixtureUser(t, 1), fixtureUser(t, 2)},
	})
	tests := []struct {
		method, target string
		status         int
		body           []byte
	}{
		{"GET", "/api/users/@me/", 200, readFixture(t, "users_get.json")},
		{"PATCH", "/api/users/@me/", 200, readFixture(t, "users_get.json")},
		{"GET", "/api/users/?limit=2", 200, page},
		{"GET", "/api/users/", 403, readFixture(t, "errors/scope_user_read.json")},
		{"PATCH", "/api/users/@me/", 403, readFixture(t, "errors/scope_user_write.json")},
		{"PATCH", "/api/users/@me/", 403, readFixture(t, "errors/identity_change.json")},
		{"PATCH", "/api/users/@me/", 403, readFixture(t, "errors/not_staff.json")},
		{"PATCH", "/api/users/@me/", 400, readFixture(t, "errors/invalid_notification_key.json")},
		{"GET", "/api/users/0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07/", 403, readFixture(t, "errors/not_me.json")},
		{"GET", "/api/users/0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07/", 404, readFixture(t, "errors/not_found.json")},
		{"GET", "/api/users/@me/", 401, readFixture(t, "errors/not_authenticated.json")},
		{"GET", "/api/users/@me/", 401, readFixture(t, "errors/authentication_failed.json")},
		{"GET", "/api/users/@me/", 429, readFixture(t, "errors/throttled.json")},
		{"DELETE", "/api/users/@me/", 409, readFixture(t, "errors/conflict.json")},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %s %d", tt.method, tt.target, tt.status)
		rec := &errorRecorder{TB: t}
		body := ""
		if tt.method == "PATCH" {
			body = "{}"
		}
		input := validateSchemaRequest(rec, router, schemaRequest(t, tt.method, tt.target, body), []byte(body))
		if input == nil {
			t.Fatalf("%s: no route: %v", name, rec.errs)
		}
		validateSchemaResponse(rec, input, tt.status, http.Header{"Content-Type": {"application/json"}}, tt.body)
		for _, e := range rec.errs {
			t.Errorf("%s: %s", name, e)
		}
	}
}

func TestSchema_harnessCatchesMismatches(t *testing.T) {
	t.Parallel()
	router := schemaRouter(t)
	requests := []struct {
		name, method, target, body string
	}{
		{"read-only field in PATCH", "PATCH", "/api/users/@me/", `{"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"}`},
		{"wrong type in PATCH", "PATCH", "/api/users/@me/", `{"is_staff":"yes"}`},
		{"unknown enum value", "PATCH", "/api/users/@me/", `{"theme_mode":"neon"}`},
		{"limit not an integer", "GET", "/api/users/?limit=ten", ""},
		{"user id neither @me nor a UUID", "GET", "/api/users/me/", ""},
		{"no such operation", "POST", "/api/users/", "{}"},
	}
	for _, tt := range requests {
		rec := &errorRecorder{TB: t}
		validateSchemaRequest(rec, router, schemaRequest(t, tt.method, tt.target, tt.body), []byte(tt.body))
		if len(rec.errs) == 0 {
			t.Errorf("%s: the schema check passed %s %s %s; want it reported", tt.name, tt.method, tt.target, tt.body)
		}
	}

	// A response without the fields the schema requires.
	rec := &errorRecorder{TB: t}
	input := validateSchemaRequest(rec, router, schemaRequest(t, "GET", "/api/users/@me/", ""), nil)
	user := readFixture(t, "users_get.json")
	broken := bytes.Replace(user, []byte(`"email": "ada@example.com",`), nil, 1)
	if bytes.Equal(broken, user) {
		t.Fatal("fixture changed: no email field to remove")
	}
	validateSchemaResponse(rec, input, 200, http.Header{"Content-Type": {"application/json"}}, broken)
	if len(rec.errs) == 0 {
		t.Error("a user without email passed the schema check; want it reported")
	}
}
