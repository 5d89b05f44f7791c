package posthogtest

import (
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"

	"github.com/jarcoal/httpmock"
)

// Responder returns an [httpmock.Responder] that serves requests with the
// fake, with no listener: faults apply as they do over HTTP (a reset is a
// failed round trip, a truncated body ends in [io.ErrUnexpectedEOF]).
func (f *Fake) Responder() httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		a := f.answer(req)
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
func (f *Fake) RegisterResponders(mt *httpmock.MockTransport, baseURL string) {
	re := regexp.MustCompile("^" + regexp.QuoteMeta(strings.TrimRight(baseURL, "/")) + "/api/")
	r := f.Responder()
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		mt.RegisterRegexpResponder(m, re, r)
	}
}
