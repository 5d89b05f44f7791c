package posthogtest

import (
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"

	"github.com/jarcoal/httpmock"
)

// Responder returns an [httpmock.Responder] that serves requests with the
// fake, with no listener: faults apply as they do over HTTP (a reset is a
// failed round trip, a truncated body ends in [io.ErrUnexpectedEOF]). It
// routes a request's path from its start, as [Fake.ServeHTTP] does; for a
// base URL with a path, use [Fake.RegisterResponders].
func (f *Fake) Responder() httpmock.Responder {
	return f.responder("")
}

// responder is [Fake.Responder] for a fake mounted under base, the path of
// the base URL it answers for ("" at the root).
func (f *Fake) responder(base string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		a := f.answer(req, base)
		switch {
		case a.err != nil:
			return nil, a.err
		case a.reset:
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}
		return a.rec.response(req, a.truncate), nil
	}
}

// RegisterResponders registers the fake's [Fake.Responder] on mt for every
// method and every URL under baseURL's /api/, so that a test already using
// httpmock gets the fake:
//
//	mt := httpmock.NewMockTransport()
//	fake.RegisterResponders(mt, posthogusers.USCloud)
//	client, _ := posthogusers.NewClient(key, posthogusers.WithHTTPClient(&http.Client{Transport: mt}))
//
// A path in baseURL is where the fake is mounted, as a self-hosted PostHog
// behind a path ("https://example.com/posthog"): the fake takes exactly
// that path off the front of a request's path and routes the rest from its
// start, as PostHog does. So https://example.com/posthog/api/users/@me/ is served, and
// https://example.com/posthog/api/v1/api/users/@me/ gets PostHog's 404
// "Endpoint not found.". Other URLs reach no responder of the fake's.
func (f *Fake) RegisterResponders(mt *httpmock.MockTransport, baseURL string) {
	baseURL = strings.TrimRight(baseURL, "/")
	re := regexp.MustCompile("^" + regexp.QuoteMeta(baseURL) + "/api/")
	var base string
	if u, err := url.Parse(baseURL); err == nil {
		base = u.Path
	}
	r := f.responder(base)
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		mt.RegisterRegexpResponder(m, re, r)
	}
}
