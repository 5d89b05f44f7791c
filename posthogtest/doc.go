// Package posthogtest is an in-memory PostHog users API for testing code
// that uses [github.com/hogkit/posthogusers], with no network and no
// PostHog.
//
// A [Fake] behaves like PostHog's /api/users/… endpoints: personal API keys
// with scopes (user:read, user:write, "*"; write implies read), logged-in
// sessions with Django's CSRF check, the @me rule (non-staff callers must say
// @me, even for their own UUID), staff and non-staff users, DRF's limit and
// offset pagination with absolute next and previous links, PATCH rules
// (read-only and unknown fields ignored, email and password refused to keys,
// notification settings merged), the hedgehog configuration that PATCH
// replaces, two-factor setup with real TOTP codes, email verification,
// login sessions, push tokens, personal GitHub and Slack integrations,
// signal autonomy with its empty-body 404, the endpoints PostHog closes to
// keys, PostHog's error envelope with its exact messages, and throttling
// with Retry-After.
//
// # Starting one
//
// [NewServer] starts the fake on an httptest.Server for one test and returns
// a ready client, authenticated as a seeded user with a read-write key:
//
//	func TestSync(t *testing.T) {
//		client, srv := posthogtest.NewServer(t)
//		srv.SeedUsers(1000)
//		// … exercise code that takes client …
//	}
//
// A test that already mocks HTTP with httpmock registers the same fake on its
// transport with [Fake.RegisterResponders] (or uses [Fake.Responder]); there
// is then no listener.
//
// The fake routes a request's path from its start, as PostHog does: the API
// is at /api/users/… of the base URL. A request for any other path, such as
// /project/123/api/users/@me/ from a base URL copied from a project page in
// the browser, gets PostHog's 404 "Endpoint not found." before any
// authentication, which the SDK reports as [posthogusers.ErrEndpointNotFound]:
// a wrong base URL fails in tests too, not only against PostHog. The only path
// taken off first is the path of the base URL given to
// [Fake.RegisterResponders], for a self-hosted PostHog behind a path; over
// HTTP, mount the fake under a path with [net/http.StripPrefix].
//
// # Seeding
//
// [Fake.AddUser], [Fake.AddKey], [Fake.AddSession], [Fake.AddOrganization],
// [Fake.AddGitHubInstallation], [Fake.AddSlackLink] and
// [Fake.AddSlackWorkspace] build the state a test needs. [Fake.SeedUsers]
// adds any number of realistic users in constant time: a million cost
// microseconds, since a generated user exists only as its ID until a request
// changes it. [Fake.DeactivateUser] and [Fake.DeleteUser] take users out as
// PostHog does (PostHog lists and looks up active users only), so that a
// test can change the list under a scan, for [posthogusers.ErrDrift],
// without a session.
//
// # Recording and faults
//
// [Fake.Requests] lists what the fake received (method, path, query, body,
// attempt number, which credential), never a key's or session's value.
// [Fake.InjectFault] makes matching requests slow, fail with a 5xx or a 429
// with a chosen Retry-After, fail with any error envelope PostHog gives
// (such as a validation error about one field, for
// [posthogusers.ErrValidation]), lose their connection, get a truncated
// body, or get list links on a foreign host, for testing retry and error
// paths. A [Fault] matches requests by method, path and query parameters
// (so that one page of a listing can fail while the others succeed), can
// start after a given number of matching requests and stop after a given
// number more, and can apply at random to a fraction of them.
// [WithThrottle] rate-limits every endpoint with PostHog's 429 and
// Retry-After, where PostHog throttles only a few ([WithRateLimits]).
// [WithClock] lets a test move the fake's time (throttle windows, TOTP codes,
// the 10-minute 2FA setup) without sleeping.
//
// # As a process
//
// Command [github.com/hogkit/posthogusers/posthogtest/cmd/posthogfake] serves
// a Fake on a loopback port until it is interrupted, for tests written in
// other languages, a browser or curl, as stripe-mock serves Stripe's API:
//
//	go run github.com/hogkit/posthogusers/posthogtest/cmd/posthogfake -users 1000
//
// It prints the base URL, a staff user's read-write key and a read-only key
// of the same user, as NAME=value lines or JSON. Its flags map onto this
// package: -fault-rate, -reset-rate and -truncate-rate onto faults with a
// Probability, -latency onto their Latency, -throttle onto [WithThrottle];
// its documentation lists them.
//
// # Independence from the SDK
//
// The fake's wire types, the JSON shapes it serves (userJSON,
// organizationJSON and the others in serialize.go), mirror the SDK's types
// on purpose but are written separately, from PostHog's serializers and
// schema, so that a mistake in one is not repeated in the other. The fake
// encodes and decodes with the standard library's encoding/json, while the
// SDK decodes with github.com/go-json-experiment/json (encoding/json/v2):
// the SDK is tested against an independent encoder, and a difference in how
// the two treat names, nulls or unknown fields shows up in the tests rather
// than being shared.
//
// # Fidelity
//
// The fake follows PostHog's source as read for the SDK; every answer it
// gives in its own tests validates against PostHog's published OpenAPI
// schema. It does not model OAuth or ID-JAG tokens (a pha_ token is refused),
// form-encoded bodies, passkeys, SSO, organization-level
// restrictions, or sending email (verification codes are read with
// [Fake.EmailVerificationCode]). It has no web app: a path outside /api,
// where PostHog serves its web app (or, to a key, redirects to its login
// page), gets the same 404 "Endpoint not found." as an unknown API path. A
// user with no role is written without the role_at_organization field,
// where PostHog may send null, which its schema does not allow.
package posthogtest
