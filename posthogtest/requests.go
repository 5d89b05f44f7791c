package posthogtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"
)

// Request is a request the fake received, as [Fake.Requests] reports it.
// It never holds a key's or session's secret value.
type Request struct {
	// Method, Path and Query are the request's method, path and query.
	// Path is the whole path the request was sent to, less the path of the
	// base URL given to [Fake.RegisterResponders]: /api/users/@me/ for the
	// SDK's Users.Get(ctx, Me) at a correct base URL, and
	// /project/123/api/users/@me/ at a base URL with a wrong path. A
	// personal_api_key query parameter is replaced by "[redacted]", as is
	// one in a JSON body.
	Method string
	Path   string
	Query  url.Values
	// Body is the request body.
	Body []byte
	// Attempt is 1 for a first request, and n+1 for a request identical
	// (method, URL, body and credential) to one whose attempt n failed in a
	// way clients retry: a 5xx, a 429 or an injected connection fault.
	Attempt int
	// Credential says how the request authenticated: "key:<n>" for the nth
	// key the fake issued, "key:unknown", "session:<user UUID>",
	// "session:unknown" or "" for none.
	Credential string
	// User is the authenticated user, or uuid.Nil.
	User uuid.UUID
	// Status is the status the fake answered with (0 for a reset
	// connection).
	Status int
}

// Requests returns the requests the fake has received, oldest first.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Request, len(f.requests))
	copy(out, f.requests)
	return out
}

// ResetRequests forgets the requests received so far.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

// pending is what begin learned about a request, for end.
type pending struct {
	index    int
	identity string
	fault    *Fault
}

// begin records a request, whose path is path as [Request.Path] reports
// it, and takes the fault that applies to it.
func (f *Fake) begin(r *http.Request, body []byte, path string) pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	query := r.URL.Query()
	fault := f.takeFault(r.Method, path, query)
	if query.Has("personal_api_key") {
		query.Set("personal_api_key", "[redacted]")
	}
	cred, userID := f.describeCredential(r, body)
	sum := sha256.Sum256(body)
	identity := r.Method + " " + r.URL.RequestURI() + " " + hex.EncodeToString(sum[:8]) + " " + cred
	req := Request{
		Method: r.Method, Path: path, Query: query, Body: redactBody(body),
		Attempt: f.failures[identity] + 1, Credential: cred, User: userID,
	}
	f.requests = append(f.requests, req)
	return pending{index: len(f.requests) - 1, identity: identity, fault: fault}
}

// end notes how a request was answered, for the attempt numbers of the
// requests that repeat it.
func (f *Fake) end(p pending, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p.index < len(f.requests) {
		f.requests[p.index].Status = status
	}
	failed := status == 0 || status >= 500 || status == http.StatusTooManyRequests ||
		p.fault != nil && (p.fault.Reset || p.fault.Truncate)
	if failed {
		f.failures[p.identity]++
	} else {
		delete(f.failures, p.identity)
	}
}

// describeCredential names the credential of r without revealing it. The
// fake is locked.
func (f *Fake) describeCredential(r *http.Request, body []byte) (string, uuid.UUID) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if s, ok := f.sessions[c.Value]; ok {
			return "session:" + s.user.String(), s.user
		}
		return "session:unknown", uuid.Nil
	}
	token := bearerToken(r)
	if token == "" {
		token = bodyKey(body)
	}
	if token == "" {
		token = r.URL.Query().Get("personal_api_key")
	}
	if token == "" {
		return "", uuid.Nil
	}
	if k, ok := f.keys[token]; ok {
		return "key:" + strconv.FormatInt(k.id, 10), k.user
	}
	return "key:unknown", uuid.Nil
}

// redactBody returns a copy of a request body with the value of a
// personal_api_key member replaced by "[redacted]".
func redactBody(body []byte) []byte {
	if bodyKey(body) == "" {
		return bytes.Clone(body)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return []byte(`{"personal_api_key":"[redacted]"}`)
	}
	m["personal_api_key"] = json.RawMessage(`"[redacted]"`)
	b, _ := json.Marshal(m)
	return b
}
