// Package posthogusers is a client for PostHog's Users REST API (/api/users/…).
//
// Create a [Client] with a personal API key and use its services:
//
//	client, err := posthogusers.NewClient(os.Getenv("POSTHOG_PERSONAL_API_KEY"))
//	if err != nil {
//		return err
//	}
//	me, err := client.Users.Get(ctx, posthogusers.Me)
//
// # Authentication
//
// PostHog's users API takes a personal API key (phx_…) or an OAuth access
// token (pha_…), sent as "Authorization: Bearer …". Project tokens (phc_…)
// and project secret keys (phs_…) are refused by [NewClient]. The key is only
// ever sent in that header, only to the configured base URL: never in a URL,
// a body, an error or a log line. A key carries scopes: reading users needs
// user:read, changing them needs user:write. Some endpoints refuse keys
// altogether and only work for a logged-in PostHog session; calling them with
// a key returns a [*SessionRequiredError].
//
// Those endpoints (two-factor setup, scene personalisation, replacing or
// deleting a user, cancelling an email change) can be used with a session
// instead of a key: pass "" as the key and [WithSession] with the session's
// cookies. The client then sends the session cookie, and on requests that
// change something the CSRF token and Origin that Django requires.
//
//	client, err := posthogusers.NewClient("", posthogusers.WithSession(posthogusers.Session{
//		ID:        sessionID, // the sessionid cookie
//		CSRFToken: csrfToken, // the posthog_csrftoken cookie
//	}))
//
// # Services
//
// [Client.Users] reads and changes users and their settings,
// [Client.TwoFactor] manages two-factor authentication (sessions only),
// [Client.Integrations] manages a user's personal GitHub and Slack links, and
// [Client.SignalAutonomy] a user's signal autonomy configuration, whose
// endpoints take a user's integer ID ([AutonomyUserID]) rather than a UUID.
//
// PostHog Cloud has two regions, [USCloud] (the default) and [EUCloud]; keys
// are not interchangeable between them. Self-hosted instances pass their own
// address to [WithBaseURL].
//
// # Errors
//
// Every response outside 2xx becomes an error that carries PostHog's error
// envelope ({type, code, detail, attr}) as an [*APIError]. Some are given a
// more precise type that wraps the [*APIError]: [*ScopeError] when the key
// lacks a scope, [*SessionRequiredError] when the endpoint refuses keys, and
// [*RateLimitError] when PostHog throttles the key. Use [errors.As] for the
// types and [errors.Is] with [ErrUnauthorized], [ErrForbidden],
// [ErrNotFound], [ErrConflict], [ErrValidation], [ErrRateLimited] and
// [ErrSessionRequired] for the classes. Arguments the client can tell are
// wrong are refused before anything is sent, with an [*InputError] that
// matches [ErrInvalidInput].
//
// # Pagination
//
// [UsersService.List] returns one [Page]. [UsersService.All] returns an
// iterator over every user, fetching the next page only when the previous one
// has been used up:
//
//	for user, err := range client.Users.All(ctx, nil) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(user.Email)
//	}
//
// Non-staff keys only ever see their own user: list results hold at most one
// user, and every other user must be addressed as [Me].
//
// # Batch jobs
//
// [UsersService.Scan] reads every user for jobs that export or process a
// whole instance: a window of pages requested at once with users still
// yielded in order, a [Checkpoint] to resume from, [Progress], users as
// PostHog's raw JSON or in whole pages, and a [*DriftError] when the list
// changed during the scan, so the job knows users may be missing:
//
//	sc := client.Users.Scan(ctx, &posthogusers.ScanOptions{Limit: 1000, Window: 8})
//	for user, err := range sc.Users() {
//		if err != nil {
//			return err // a *ScanError says where to resume
//		}
//		process(user)
//	}
//
// PostHog's JSON is read with github.com/go-json-experiment/json, the mirror
// of the standard library's encoding/json/v2: object names match exactly,
// and a duplicate name or invalid UTF-8 is an error.
//
// # Retries
//
// Requests are retried with exponential backoff and jitter. GET, HEAD, PUT
// and DELETE are retried on connection errors (a successful answer whose
// body is cut short included) and on 429, 500, 502, 503 and 504. POST and PATCH are retried only on 429 and on connection errors that
// prove the request never reached PostHog, so a request with side effects is
// never sent twice. Requests that must run at most once
// ([TwoFactorService.BackupCodes], which invalidates the previous codes, and
// code checks that count attempts) are retried only when the connection
// failed. A Retry-After header on 429 and 503 is honoured up to
// [WithMaxRetryAfter]; a longer requested wait returns a [*RateLimitError] at
// once. Every wait ends early when the context is done. See
// [WithMaxRetries] and [WithRetryWait].
package posthogusers
