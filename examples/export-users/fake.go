package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// The staff user of the embedded fake, and the user its drift hook deletes,
// have fixed UUIDs and join dates, so that every run exports the same bytes
// (the generated users of SeedUsers are the same for the same count).
const (
	staffUUID  = "0190a3c4-5eaf-7000-8000-000000000001"
	leaverUUID = "0190a3c4-5eaf-7000-8000-000000000002"
)

// fakeJoined is when the fake's added users joined.
func fakeJoined() time.Time { return time.Date(2023, 6, 1, 9, 0, 0, 0, time.UTC) }

// fakePostHog is the in-memory PostHog the program exports from when no key
// is given.
type fakePostHog struct {
	*httptest.Server
	// key is a personal API key of the staff user, with user:read: a
	// non-staff key would list only its own user.
	key string
	// users is how many users the fake lists.
	users int
	// clientOpts are options for the program's client.
	clientOpts []posthogusers.Option
	// afterPage is the drift hook, or nil.
	afterPage func(context.Context, posthogusers.Progress) error
}

// fakeHooks change the embedded fake for the program's tests. They are set
// with environment variables that are not part of the program's interface:
//
//	EXPORT_USERS_FAKE_LATENCY=DURATION  every page is answered that late
//	EXPORT_USERS_FAKE_HOLD=OFFSET       a page starting at OFFSET, or up to 20
//	                                    before it, is answered only when the request
//	                                    is given up (so a run cannot end before a test
//	                                    kills it; a resumed scan starts one user
//	                                    before its checkpoint, so its pages move)
//	EXPORT_USERS_FAKE_FAIL=OFFSET       every request for the page at OFFSET fails
//	                                    with a 500, and retries wait milliseconds
//	EXPORT_USERS_FAKE_DRIFT=OFFSET      once the export has passed OFFSET, a user
//	                                    near the start of the list is deleted
type fakeHooks struct {
	latency                 time.Duration
	holdAt, failAt, driftAt int // offsets; -1 for none
}

// fakeHooksFromEnv reads the fake's test hooks.
func fakeHooksFromEnv(getenv func(string) string) (fakeHooks, error) {
	h := fakeHooks{holdAt: -1, failAt: -1, driftAt: -1}
	if s := getenv("EXPORT_USERS_FAKE_LATENCY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return h, fmt.Errorf("EXPORT_USERS_FAKE_LATENCY: %w", err)
		}
		h.latency = d
	}
	for name, p := range map[string]*int{
		"EXPORT_USERS_FAKE_HOLD":  &h.holdAt,
		"EXPORT_USERS_FAKE_FAIL":  &h.failAt,
		"EXPORT_USERS_FAKE_DRIFT": &h.driftAt,
	} {
		if s := getenv(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return h, fmt.Errorf("%s=%q: want an offset", name, s)
			}
			*p = n
		}
	}
	return h, nil
}

// offsetQuery matches the request for the page at offset: the SDK leaves a
// zero offset out.
func offsetQuery(offset int) url.Values {
	if offset == 0 {
		return url.Values{"offset": nil}
	}
	return url.Values{"offset": {strconv.Itoa(offset)}}
}

// startFake starts an in-memory PostHog with a staff user and n generated
// users, changed by the test hooks h.
func startFake(n int, h fakeHooks) (*fakePostHog, error) {
	fake := posthogtest.New()
	staff := fake.AddUser(posthogtest.UserSpec{
		Email: "staff@example.com", FirstName: "Sam", LastName: "Staff", IsStaff: true,
		UUID: uuid.MustParse(staffUUID), DateJoined: fakeJoined(),
	})
	var leaver posthogtest.User
	if h.driftAt >= 0 {
		// A user outside every organization, whom PostHog lets staff delete.
		leaver = fake.AddUser(posthogtest.UserSpec{
			Email: "leaver@example.com", NoOrganization: true,
			UUID: uuid.MustParse(leaverUUID), DateJoined: fakeJoined(),
		})
	}
	fake.SeedUsers(n)
	f := &fakePostHog{key: fake.AddKey(staff.UUID, "user:read"), users: fake.UserCount()}

	const list = "/api/users/"
	for off := h.holdAt; off >= 0 && off >= h.holdAt-20; off-- {
		fake.InjectFault(posthogtest.Fault{Method: "GET", Path: list, Query: offsetQuery(off), Latency: 24 * time.Hour})
	}
	if h.failAt >= 0 {
		fake.InjectFault(posthogtest.Fault{Method: "GET", Path: list, Query: offsetQuery(h.failAt), Status: 500})
		f.clientOpts = append(f.clientOpts, posthogusers.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	}
	if h.latency > 0 {
		fake.InjectFault(posthogtest.Fault{Method: "GET", Path: list, Latency: h.latency})
	}
	f.Server = httptest.NewServer(fake)

	if h.driftAt >= 0 {
		session, err := posthogusers.NewClient("", posthogusers.WithSession(fake.AddSession(staff.UUID)), posthogusers.WithBaseURL(f.URL))
		if err != nil {
			f.Close()
			return nil, err
		}
		deleted := false
		f.afterPage = func(ctx context.Context, p posthogusers.Progress) error {
			if deleted || p.Done < h.driftAt {
				return nil
			}
			deleted = true
			if err := session.Users.Delete(ctx, leaver.UUID.String()); err != nil {
				return fmt.Errorf("deleting %s from the fake: %w", leaver.Email, err)
			}
			return nil
		}
	}
	return f, nil
}
