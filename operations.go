package posthogusers

import (
	"net/http"
	"net/url"
	"strings"
)

// Scope is a personal API key scope. PostHog checks the scope an endpoint
// needs before anything else; a key with user:write also satisfies user:read,
// and a key with "*" satisfies both.
type Scope string

// The scopes of the users API.
const (
	// ScopeUserRead allows reading users.
	ScopeUserRead Scope = "user:read"
	// ScopeUserWrite allows changing users; it implies ScopeUserRead.
	ScopeUserWrite Scope = "user:write"
)

// access is how PostHog treats a personal API key on an endpoint.
type access int

const (
	// accessScoped: keys are accepted when they carry the operation's scope.
	accessScoped access = iota
	// accessSessionOnly: keys are refused with 403 "This action does not
	// support personal API key access", even with scope "*".
	accessSessionOnly
	// accessSessionAuth: only session authentication is tried, so a key gets
	// 401 as if no credential had been sent.
	accessSessionAuth
	// accessAnonymous: no authentication is needed.
	accessAnonymous
)

// operation is one endpoint of the users API.
type operation struct {
	method string
	path   string // template, e.g. "/api/users/{uuid}/"
	scope  Scope  // the scope a key needs; "" when keys are not accepted
	access access
}

// opID names a row of the operations table.
type opID int

const (
	opUsersList opID = iota
	opUsersGet
	opUsersUpdate
	opUsersDelete
	numOperations
)

// operations is the one table of every endpoint the client calls, with the
// scope PostHog requires for each (reference: posthog/permissions.py and
// posthog/api/user.py). It is never written to.
var operations = [numOperations]operation{
	opUsersList:   {http.MethodGet, "/api/users/", ScopeUserRead, accessScoped},
	opUsersGet:    {http.MethodGet, "/api/users/{uuid}/", ScopeUserRead, accessScoped},
	opUsersUpdate: {http.MethodPatch, "/api/users/{uuid}/", ScopeUserWrite, accessScoped},
	opUsersDelete: {http.MethodDelete, "/api/users/{uuid}/", "", accessSessionAuth},
}

// expandPath fills the {…} segments of an operation's path template with
// params, in order, each escaped as one path segment. It returns an
// *InputError when a parameter is missing or empty.
func expandPath(template string, params ...string) (string, error) {
	var b strings.Builder
	b.Grow(len(template) + 40)
	n := 0
	for rest := template; rest != ""; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			b.WriteString(rest)
			break
		}
		name := rest[open+1 : open+end]
		b.WriteString(rest[:open])
		if n >= len(params) || params[n] == "" {
			return "", &InputError{Arg: name, Reason: "is empty"}
		}
		b.WriteString(escapeSegment(params[n]))
		n++
		rest = rest[open+end+1:]
	}
	return b.String(), nil
}

// escapeSegment escapes s as a single path segment. url.PathEscape leaves "."
// and ".." alone, which a server would read as path navigation, so those are
// escaped too.
func escapeSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}
