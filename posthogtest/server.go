package posthogtest

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hogkit/posthogusers"
)

// Server is a [Fake] served by an [httptest.Server], made by [NewServer].
type Server struct {
	// Fake is the fake being served: seed it, inject faults and read its
	// requests through it.
	*Fake
	// URL is the server's base URL, for [posthogusers.WithBaseURL].
	URL string
	// User is the user of the client NewServer returned.
	User User
	// Key is that client's personal API key.
	Key string

	t             testing.TB
	srv           *httptest.Server
	clientOptions []posthogusers.Option
}

// WithStaff makes the user of NewServer's client a staff user, who may read
// and change every user.
func WithStaff() Option {
	return func(c *config) { c.staff = true }
}

// WithScopes sets the scopes of the key of NewServer's client; the default
// is user:read and user:write.
func WithScopes(scopes ...string) Option {
	return func(c *config) { c.scopes = scopes }
}

// WithClientOptions adds options to every client the server makes, after
// its own (base URL, HTTP client, the retry waits [NewServer] describes),
// which they may replace:
// WithClientOptions(posthogusers.WithMaxRetryAfter(time.Minute)) restores
// the SDK's default wait on Retry-After.
func WithClientOptions(opts ...posthogusers.Option) Option {
	return func(c *config) { c.clientOptions = append(c.clientOptions, opts...) }
}

// NewServer starts a fake PostHog on an [httptest.Server], closed when the
// test ends, and returns a client for it authenticated as a seeded user
// (Ada Lovelace, ada@example.com, owner of the fake's organization) with a
// key of scopes user:read and user:write, and the server.
//
// The client never sleeps for whole seconds. It waits at most 5
// milliseconds before retrying an answer without Retry-After, and it does
// not sleep on a Retry-After at all (posthogusers.WithMaxRetryAfter(0)):
// a 429 or 503 that
// asks for a wait, from a [Fault] with RetryAfter "1" or more or from the
// fake's throttles, comes back at once as the error (a
// [*posthogusers.RateLimitError] for a 429, with the wait PostHog asked
// for), where the SDK's default client would sleep up to a minute before
// retrying. A Retry-After of "0" is retried at once. To test the SDK
// waiting, pass [WithClientOptions] with a longer WithMaxRetryAfter.
func NewServer(t testing.TB, opts ...Option) (*posthogusers.Client, *Server) {
	t.Helper()
	cfg := config{scopes: []string{"user:read", "user:write"}}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	f := New(opts...)
	u := f.AddUser(UserSpec{
		Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace",
		IsStaff: cfg.staff, Password: "analytical engine 1843",
	})
	f.makeOwner(u.UUID)
	key := f.AddKey(u.UUID, cfg.scopes...)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s := &Server{Fake: f, URL: srv.URL, User: u, Key: key, t: t, srv: srv, clientOptions: cfg.clientOptions}
	return s.NewClient(key), s
}

// NewClient returns a client of the server authenticated with key (or, with
// "" and [posthogusers.WithSession] among opts, with a session), which
// retries as NewServer's does. It fails the test if the client cannot be
// made.
func (s *Server) NewClient(key string, opts ...posthogusers.Option) *posthogusers.Client {
	s.t.Helper()
	all := append([]posthogusers.Option{
		posthogusers.WithBaseURL(s.URL),
		posthogusers.WithHTTPClient(s.srv.Client()),
		posthogusers.WithRetryWait(time.Millisecond, 5*time.Millisecond),
		posthogusers.WithMaxRetryAfter(0),
	}, s.clientOptions...)
	c, err := posthogusers.NewClient(key, append(all, opts...)...)
	if err != nil {
		s.t.Fatalf("posthogtest: NewClient: %v", err)
	}
	return c
}

// SessionClient logs a user in and returns a client authenticated with the
// session, for the endpoints PostHog only opens to sessions.
func (s *Server) SessionClient(userID uuid.UUID, opts ...posthogusers.Option) *posthogusers.Client {
	s.t.Helper()
	return s.NewClient("", append([]posthogusers.Option{posthogusers.WithSession(s.AddSession(userID))}, opts...)...)
}

// makeOwner makes a user the owner of its first organization.
func (f *Fake) makeOwner(id uuid.UUID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.users.getUUID(f, id); u != nil && len(u.memberships) > 0 {
		u.memberships[0].level = 15
	}
}
