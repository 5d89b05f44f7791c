package posthogtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/internal/schematest"
	"github.com/hogkit/posthogusers/posthogtest"
)

// specFile is the root package's copy of PostHog's schema.
const specFile = "../testdata/posthog-users.openapi.yaml"

// setup starts a fake PostHog whose clients validate every request and
// response against PostHog's schema.
func setup(t *testing.T, opts ...posthogtest.Option) (*posthogusers.Client, *posthogtest.Server, *schematest.Transport) {
	t.Helper()
	tr := &schematest.Transport{T: t, Router: schematest.Router(t, specFile)}
	hc := &http.Client{Transport: tr}
	opts = append(opts, posthogtest.WithClientOptions(posthogusers.WithHTTPClient(hc)))
	client, srv := posthogtest.NewServer(t, opts...)
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	tr.Next = base
	return client, srv, tr
}

// response is a raw answer of the fake.
type response struct {
	status int
	header http.Header
	body   []byte
}

// envelope decodes an error body.
func (r response) envelope(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("error body %q is not JSON: %v", r.body, err)
	}
	return m
}

// do sends a raw request to srv, for what the SDK never sends (paths
// without a trailing slash, missing CSRF tokens, unknown routes).
func do(t *testing.T, srv *posthogtest.Server, method, path, body string, header http.Header) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// bearer returns the header of a key.
func bearer(key string) http.Header {
	return http.Header{"Authorization": {"Bearer " + key}}
}

// wantError checks a raw answer's status and envelope.
func wantError(t *testing.T, r response, status int, code, detail string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d (%s); want %d", r.status, r.body, status)
	}
	env := r.envelope(t)
	if env["code"] != code || detail != "" && env["detail"] != detail {
		t.Errorf("envelope %s; want code %q, detail %q", r.body, code, detail)
	}
}

// compactJSON normalizes a JSON document for comparison.
func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("%q is not JSON: %v", b, err)
	}
	return buf.String()
}
