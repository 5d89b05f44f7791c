package posthogtest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing/iotest"
)

// recorder is an http.ResponseWriter that keeps the answer, so that faults
// can cut it and httpmock can return it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// newRecorder returns an empty recorder.
func newRecorder() *recorder { return &recorder{header: http.Header{}} }

// Header returns the answer's header.
func (r *recorder) Header() http.Header { return r.header }

// WriteHeader keeps the first status written.
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// Write appends b to the answer's body, with status 200 if none was
// written.
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// code returns the answer's status, 200 when none was written.
func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// copyTo writes the kept answer to w.
func (r *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.code())
	_, _ = w.Write(r.body.Bytes())
}

// writeTruncated writes the answer to w with a Content-Length of the whole
// body but only its first half.
func (r *recorder) writeTruncated(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(r.body.Len()))
	w.WriteHeader(r.code())
	_, _ = w.Write(r.body.Bytes()[:r.body.Len()/2])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// response returns the kept answer as an *http.Response to req.
func (r *recorder) response(req *http.Request, truncate bool) *http.Response {
	var body io.Reader = bytes.NewReader(r.body.Bytes())
	if truncate {
		body = io.MultiReader(bytes.NewReader(r.body.Bytes()[:r.body.Len()/2]), iotest.ErrReader(io.ErrUnexpectedEOF))
	}
	status := r.code()
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.header.Clone(),
		Body:          io.NopCloser(body),
		ContentLength: int64(r.body.Len()),
		Request:       req,
	}
}
