// Package posthogusers is a client for PostHog's Users REST API (/api/users/…).
//
// Create a [Client] with a personal API key, [NewClient], or from the
// environment (POSTHOG_PERSONAL_API_KEY, and POSTHOG_HOST for another
// instance than US Cloud) with [NewClientFromEnv], and use its services:
//
//	client, err := posthogusers.NewClientFromEnv()
//	if err != nil {
//		return err // an *InputError naming a missing or malformed variable
//	}
//	me, err := client.Users.Get(ctx, posthogusers.Me)
//
// # Authentication
//
// PostHog's users API takes a personal API key (phx_…) or an OAuth access
// token (pha_…), sent as "Authorization: Bearer …". Project tokens (phc_…)
// and project secret keys (phs_…) are refused by [NewClient]. The key is only
// ever sent in that header, only to the configured base URL: never in a URL,
// a body, an error or a log line; an http:// base URL is refused for hosts
// other than this machine unless [WithInsecureHTTP] allows it. Expiring OAuth
// access tokens come from a [TokenSource] given to [WithTokenSource]. A key
// carries scopes: reading users needs user:read, changing them needs
// user:write. Some endpoints refuse keys
// altogether and only work for a logged-in PostHog session; calling them with
// a key returns a [*SessionRequiredError].
//
// Those endpoints (two-factor setup, scene personalisation, replacing or
// deleting a user, cancelling an email change) can be used with a session
// instead of a key: pass "" as the key and [WithSession] with the session's
// cookies. The client then sends the session cookie, and on requests that
// change something the CSRF token and Origin that Django requires.
//
//	session := posthogusers.Session{
//		ID:        sessionID, // the sessionid cookie
//		CSRFToken: csrfToken, // the posthog_csrftoken cookie
//	}
//	client, err := posthogusers.NewClient("", posthogusers.WithSession(session))
//
// # Services
//
// [Client.Users] reads and changes users and their settings,
// [Client.TwoFactor] manages two-factor authentication (sessions only),
// [Client.Integrations] manages a user's personal GitHub and Slack links, and
// [Client.SignalAutonomy] a user's signal autonomy configuration, whose
// endpoints take a user's integer ID ([AutonomyUserID]) rather than a UUID.
//
// [Client.Do] calls an endpoint the client has no method for, such as
// another of PostHog's APIs, with the same credential, retries and errors.
//
// PostHog Cloud has two regions, [USCloud] (the default) and [EUCloud]; keys
// are not interchangeable between them. Self-hosted instances pass their own
// address to [WithBaseURL].
//
// # Errors
//
// Every response outside 2xx becomes an error that carries PostHog's error
// envelope ({type, code, detail, attr}) as an [*APIError], with the number of
// attempts, why each earlier one failed, and the answer's request ID and
// headers to quote to support ([APIError].RequestID and Header). Some are
// given a more precise type that wraps the [*APIError]: [*ScopeError] when
// the key lacks a scope, [*SessionRequiredError] when the endpoint refuses
// keys, [*RateLimitError] when PostHog throttles the key, and
// [*EndpointNotFoundError] for a 404 that is not PostHog's answer for a
// missing object (the base URL is wrong). Use
// [errors.As] for the types and [errors.Is] with [ErrUnauthorized],
// [ErrForbidden], [ErrNotFound], [ErrConflict], [ErrValidation],
// [ErrRateLimited], [ErrSessionRequired] and [ErrEndpointNotFound] for the
// classes. A redirect the client will not follow is a [*RedirectError].
// Arguments the client can tell are wrong are refused before anything is
// sent, with an [*InputError] that matches [ErrInvalidInput] and describes
// the argument without repeating it.
//
// A write whose error matches [ErrOutcomeUnknown] may have been applied:
// see "Writes and unknown outcomes" below. The client's credential never
// appears in an error's text.
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
//	opts := &posthogusers.ScanOptions{Limit: 1000, Window: 8}
//	sc := client.Users.Scan(ctx, opts)
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
// After each attempt the client decides whether to send another:
//
//   - 429: PostHog throttled the request before acting on it, so it is
//     retried whatever the method, up to [WithMaxRateLimitRetries] (5) times.
//   - 500, 502, 503, 504, a broken connection and a 2xx answer whose body
//     is cut short: retried for GET, HEAD, PUT and DELETE, which are safe to
//     repeat, up to [WithMaxRetries] (3) times. POST and PATCH are not.
//   - A failure to connect (including DNS), which proves nothing was sent:
//     retried for every request, counted with the failures.
//   - The four operations sent once (below) are retried only after a
//     failure to connect: not after a 429 either.
//   - 401 with [WithTokenSource]: a request safe to repeat is sent once more
//     with a token taken afresh.
//   - Nothing else is retried.
//
// The two budgets are separate, so a run of 5xx does not use up the retries
// a throttled export needs. Before a retry the client waits: PostHog's
// Retry-After on 429 and 503 (seconds or an HTTP date) when it is at most
// [WithMaxRetryAfter] (a longer one returns the error at once, so the
// caller decides), otherwise a wait that doubles from 500ms up to 10s,
// less up to half at random ([WithRetryWait]). A wait that would end after the context's deadline is
// not started: a 429 returns its [*RateLimitError] at once, and other
// failures return the last error, which then also matches
// [context.DeadlineExceeded]. Every wait ends early when the context is done.
//
// A scan's pages follow the same policy, and the [RequestOption]s given to
// [UsersService.Scan] apply to each page. A page whose answer breaks off
// midway is asked for again from the first user missing; an attempt that
// brought users not seen before gives the attempts after it the whole
// failure budget again.
//
// # Writes and unknown outcomes
//
// A write (POST, PUT, PATCH or DELETE) can fail after it reached PostHog:
// the connection broke after the request was sent, PostHog or a proxy
// answered 5xx, or a 2xx answer was cut short. PostHog may have made the
// change or not, and the error matches [ErrOutcomeUnknown]. Every write
// method's documentation points here. What the client does first depends
// on the method:
//
//   - PUT and DELETE are idempotent, so the client sends them again as it
//     does a read (see Retries); the error comes when the retries run out.
//     A DELETE whose retry finds nothing to delete (404) after an earlier
//     attempt may have reached PostHog returns nil: the earlier attempt
//     deleted it.
//   - POST and PATCH are never sent again once they may have reached
//     PostHog. They are retried only after a failure to connect, which
//     proves nothing was sent, and after a 429, which PostHog answers
//     before acting.
//
// On an error matching [ErrOutcomeUnknown], read the state back and repeat
// the write only if the change is not there:
//
//	_, err := client.Users.Update(ctx, posthogusers.Me, req)
//	if errors.Is(err, posthogusers.ErrOutcomeUnknown) {
//		me, err := client.Users.Get(ctx, posthogusers.Me) // did the change land?
//		// …
//	}
//
// Four operations are sent once: after an attempt that may have reached
// PostHog they are not retried at all, 429 included, since a second attempt
// could count against the user or replace what the first one made. For them
// reading the state back is not enough:
//
//   - [TwoFactorService.BackupCodes] replaces every backup code. When its
//     answer is lost the new codes are unknown, and no read returns them:
//     generate codes again, which replaces the lost ones.
//   - [UsersService.VerifyEmail]: every attempt counts against the user's
//     tries, so the code is not sent again. Ask the user whether the
//     address is verified, or read it with [UsersService.Get] where the
//     caller may; otherwise request a new code with
//     [UsersService.RequestEmailVerification], which PostHog refuses with
//     "already_verified" when the first attempt worked.
//   - [TwoFactorService.Validate] and [TwoFactorService.ValidateLegacy]: the
//     code is not sent again. [TwoFactorService.Status] says whether the
//     authenticator app is now set up ([TwoFactorStatus].HasTOTP); if not,
//     validate a new code from it, after [TwoFactorService.StartSetup]
//     again once the 10-minute setup has expired.
//
// # Per-call options
//
// Every endpoint method takes [RequestOption]s after its arguments:
// [WithRequestHeader], [WithRequestTimeout], [WithRequestMaxRetries],
// [WithRequestMiddleware], and [WithResponseInto], which fills a [Response]
// with the status, headers and number of attempts of PostHog's answer.
//
// # Middleware, metrics and tracing
//
// A [Middleware] given to [WithMiddleware] wraps every attempt of every
// request, retries included, around the [http.Client]; [OperationName] and
// [AttemptNumber] say which operation and attempt a request is, also to the
// http.Client's transport, so that a metrics counter or an OpenTelemetry
// transport (otelhttp) can label what it sees. ExampleWithMiddleware counts
// requests by operation and status.
//
// # Redirects and logging
//
// Redirects within the base URL's origin are followed (at most 10, or as
// the CheckRedirect of the client given to [WithHTTPClient] says); one
// that leaves the origin, and a 301, 302 or 303 answer to a write (which
// net/http would follow with a GET that drops the write), is refused with
// a [*RedirectError]. [WithLogger] logs each attempt at Debug level and each
// retry wait, with its reason, at Info; [WithDebugDumps] adds requests and
// answers with the credential and the user's secrets (passwords,
// two-factor secrets and codes, backup codes, tokens) redacted.
package posthogusers
