package posthogusers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

func TestScanner_pauseHoldsBackEveryRequest(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testKey)
	if err != nil {
		t.Fatal(err)
	}
	r := &scanner[User]{sc: c.Users.Scan(t.Context(), nil)}
	if err := r.waitPause(t.Context()); err != nil {
		t.Fatalf("waitPause without a pause: %v", err)
	}
	r.pause(time.Hour)
	r.pause(time.Millisecond) // a shorter wait does not end the longer one
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := r.waitPause(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waitPause during an hour's pause: %v; want it to wait until the deadline", err)
	}
}

func TestRequest_onRetryAfter(t *testing.T) {
	t.Parallel()
	ts := setup(t, WithMaxRetryAfter(time.Minute))
	var calls atomic.Int32
	ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			serveJSON(w, http.StatusTooManyRequests, readFixture(t, "errors/throttled.json"))
			return
		}
		serveJSON(w, http.StatusOK, []byte(`{"count": 0, "next": null, "previous": null, "results": []}`))
	})
	var waits []time.Duration
	err := ts.client.do(t.Context(), request{op: opUsersList, onRetryAfter: func(d time.Duration) { waits = append(waits, d) }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{0}, waits); diff != "" {
		t.Errorf("waits reported (-want +got):\n%s", diff)
	}
}

func TestScan_nextLinkThatSkipsIsDrift(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	const n = 300
	ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		offset, _ := strconv.Atoi(q.Get("offset"))
		var results []string
		for i := offset; i < min(offset+limit, n); i++ {
			results = append(results, string(mustJSON(t, fixtureUser(t, i+1))))
		}
		next := "null"
		if offset+limit < n {
			skip := 0
			if offset == 100 {
				skip = 50 // the link after the page at 100 names 250, not 200
			}
			next = fmt.Sprintf(`"https://us.posthog.com/api/users/?limit=%d&offset=%d"`, limit, offset+limit+skip)
		}
		serveJSON(w, http.StatusOK, fmt.Appendf(nil, `{"count": %d, "next": %s, "previous": null, "results": [%s]}`, n, next, strings.Join(results, ",")))
	})
	var ids []int64
	var errs []error
	for u, err := range ts.client.Users.All(t.Context(), &ListUsersOptions{Limit: 100}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	if len(ids) != n || ids[0] != 1 || ids[n-1] != n {
		t.Errorf("listed %d users; want all %d, none skipped", len(ids), n)
	}
	var d *DriftError
	if len(errs) != 1 || !errors.As(errs[0], &d) || len(d.Reasons) != 1 || !strings.Contains(d.Reasons[0], "names offset 250, not 200") {
		t.Errorf("errors %v; want a *DriftError about the next link", errs)
	}
}

func TestPageOptions_sharesIdenticalTeamsAndOrganizations(t *testing.T) {
	t.Parallel()
	u1, u2, u3 := fixtureUser(t, 1), fixtureUser(t, 2), fixtureUser(t, 3)
	org3 := u3["organization"].(map[string]any)
	org3["name"] = "Another"
	u3["team"] = nil
	body := mustJSON(t, map[string]any{"count": 3, "next": nil, "results": []any{u1, u2, u3}})
	var users []User
	if _, err := decodePageString(string(body), func(u User) { users = append(users, u) }); err != nil {
		t.Fatal(err)
	}
	if users[0].Organization != users[1].Organization || users[0].Team != users[1].Team {
		t.Error("users with the same organization and team JSON do not share them")
	}
	if users[2].Organization == users[0].Organization || users[2].Organization.Name != "Another" || users[2].Team != nil {
		t.Errorf("a different organization or a null team was shared: %+v, %v", users[2].Organization, users[2].Team)
	}
	if diff := cmp.Diff(*users[0].Organization, *users[2].Organization, ignoreSent, cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".Name"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("organizations differ besides the name (-0 +2):\n%s", diff)
	}
}

// decodePageString decodes a page of users from body as a scan does.
func decodePageString(body string, each func(User)) (pageInfo, error) {
	decode := userItems()
	return decodePage(newPageDecoder(strings.NewReader(body)), func(dec *jsontext.Decoder) error {
		u, _, err := decode(dec)
		each(u)
		return err
	})
}

func TestScan_rawYieldsWhatItDoesNotDecode(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	// A member PostHog might add twice: Raw passes the user on as sent,
	// while decoding it into a User refuses the ambiguous object.
	user := strings.Replace(string(mustJSON(t, fixtureUser(t, 1))), `"id":1,`, `"id":1,"extra":1,"extra":2,`, 1)
	ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveJSON(w, http.StatusOK, []byte(`{"count":1,"next":null,"previous":null,"results":[`+user+`]}`))
	})
	var raw []string
	for v, err := range ts.client.Users.Scan(t.Context(), nil).Raw() {
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, string(v))
	}
	if len(raw) != 1 || raw[0] != user {
		t.Errorf("Raw yielded %.80q; want the user as sent", raw)
	}
	_, errs := collect(t, ts.client.Users.Scan(t.Context(), nil).Users())
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "duplicate") {
		t.Errorf("Users: errors %v; want one about the duplicate name", errs)
	}
}

func TestScan_malformedUserNamesItsOffset(t *testing.T) {
	t.Parallel()
	ts := setup(t, WithMaxRetries(0))
	ts.transport.SkipResponses.Store(true) // the answer breaks the schema on purpose
	ts.mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		good := string(mustJSON(t, fixtureUser(t, 1)))
		bad := strings.Replace(good, `"id":1,`, `"id":"one",`, 1)
		serveJSON(w, http.StatusOK, []byte(`{"count":3,"next":null,"previous":null,"results":[`+good+`,`+bad+`,`+good+`]}`))
	})
	users, errs := collect(t, ts.client.Users.Scan(t.Context(), &ScanOptions{Start: Checkpoint{Offset: 10}}).Users())
	var se *ScanError
	if len(users) != 1 || len(errs) != 1 || !errors.As(errs[0], &se) || !strings.Contains(errs[0].Error(), "the user at offset 11") {
		t.Errorf("got %d users, errors %v; want one user, then an error naming offset 11", len(users), errs)
	}
}

func TestRawUserID(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int64{
		`{"id": 42, "uuid": "u"}`: 42,
		`{"uuid" :"u", "team": {"id": 2, "uuid": "t", "x": [{"id": 3}]}, "name": "id", "q": "a \"id\": 9", "id" : 7}`: 7,
		`{ "first_name":"\\", "id":1 , "uuid":"u"}`: 1,
	} {
		if got, err := rawUserID(jsontext.Value(body)); err != nil || got != want {
			t.Errorf("rawUserID(%s) = %d, %v; want %d", body, got, err, want)
		}
	}
	for _, body := range []string{`{"id": 42}`, `{"id": 42, "uuid": null}`, `{"id": 42, "team": {"uuid": "t"}}`, `{"id": 0, "uuid": "u"}`, `{"id": -1, "uuid": "u"}`, `{"team": {"id": 2}}`, `{"id": "42"}`, `{"id": 1.5}`, `[{"id": 1}]`, `{"id": 99999999999999999999}`, `{"a": "unterminated`} {
		if got, err := rawUserID(jsontext.Value(body)); err == nil {
			t.Errorf("rawUserID(%s) = %d; want an error", body, got)
		}
	}
}

// TestStringEnd checks where stringEnd finds a JSON string's end: at the
// first quote after an even number of backslashes.
func TestStringEnd(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want int
	}{
		{`"ab"`, 3},
		{`"a\"b"`, 5},
		{`"a\\"b`, 4},
		{`"a\\\"b"`, 7},
		{`"\"\""`, 5},
		{`"a`, -1},
		{`"a\"`, -1},
		{`""`, 1},
	} {
		if got := stringEnd([]byte(tt.in), 0); got != tt.want {
			t.Errorf("stringEnd(%s) = %d; want %d", tt.in, got, tt.want)
		}
	}
}
