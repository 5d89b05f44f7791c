package posthogtest

import (
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jarcoal/httpmock"
)

// Responder returns an [httpmock.Responder] that serves requests with the
// fake, with no listener: faults apply as they do over HTTP (a reset is a
// failed round trip, a truncated body ends in [io.ErrUnexpectedEOF]).
func (f *Fake) Responder() httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(req.Body, 8<<20))
			_ = req.Body.Close()
		}
		p := f.begin(req, body)
		if p.fault != nil && p.fault.Latency > 0 {
			select {
			case <-time.After(p.fault.Latency):
			case <-req.Context().Done():
				f.end(p, 0)
				return nil, req.Context().Err()
			}
		}
		if p.fault != nil && p.fault.Reset {
			f.end(p, 0)
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}
		rec := newRecorder()
		f.serve(rec, req, body, p.fault)
		f.end(p, rec.code())
		return rec.response(req, p.fault != nil && p.fault.Truncate), nil
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
