package posthogtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// target resolves the user ID of the path as PostHog's get_object does:
// "@me" is the caller; anything else is open to staff only, and an unknown
// or malformed UUID, or a deactivated user's, is a 404. It answers the request itself on failure.
func (x *exchange) target() *user {
	id := x.userArg
	if id == "@me" {
		return x.auth.user
	}
	if !x.auth.user.isStaff {
		x.denied(detailOnlyMe)
		return nil
	}
	uid, err := uuid.Parse(id)
	var u *user
	if err == nil && len(id) >= 32 {
		u = x.f.users.getUUID(x.f, uid)
	}
	if u == nil || u.inactive {
		x.notFound("Not found.")
		return nil
	}
	return u
}

// targetWithBody resolves the path's user and decodes the JSON body, in
// PostHog's order. ok is false when it answered the request itself.
func (x *exchange) targetWithBody() (*user, map[string]json.RawMessage, bool) {
	u := x.target()
	if u == nil {
		return nil, nil, false
	}
	body, ok := x.decode()
	return u, body, ok
}

// removeMatching removes the first item that match accepts from u's list
// that items returns, and returns it; without one it answers 404 with
// detail, and ok is false.
func removeMatching[E any](x *exchange, u *user, items func(*user) *[]E, match func(E) bool, detail string) (removed E, ok bool) {
	i := slices.IndexFunc(*items(u), match)
	if i < 0 {
		x.notFound(detail)
		return removed, false
	}
	list := items(x.mutable(u))
	removed = (*list)[i]
	*list = slices.Delete(*list, i, i+1)
	return removed, true
}

// onTarget adapts a handler of the path's user: the user is resolved
// first, by [exchange.target], and h runs only when that did not answer.
func onTarget(h func(x *exchange, u *user)) func(*exchange) {
	return func(x *exchange) {
		if u := x.target(); u != nil {
			h(x, u)
		}
	}
}

// onTargetBody adapts a handler of the path's user and the JSON body: both
// are resolved first, by [exchange.targetWithBody], and h runs only when
// that did not answer.
func onTargetBody(h func(x *exchange, u *user, body map[string]json.RawMessage)) func(*exchange) {
	return func(x *exchange) {
		if u, body, ok := x.targetWithBody(); ok {
			h(x, u, body)
		}
	}
}

// onBody adapts a handler of the JSON body: the body is decoded first, by
// [exchange.decode], and h runs only when that did not answer.
func onBody(h func(x *exchange, body map[string]json.RawMessage)) func(*exchange) {
	return func(x *exchange) {
		if body, ok := x.decode(); ok {
			h(x, body)
		}
	}
}

// mutable returns u ready to be changed: a generated user is stored first.
func (x *exchange) mutable(u *user) *user {
	x.f.users.materialize(u)
	return u
}

// listUsers serves GET /api/users/: DRF's limit/offset pagination over the
// active users ordered by ID, only the caller for non-staff.
func (x *exchange) listUsers() {
	q := x.r.URL.Query()
	var isStaff *bool
	switch strings.ToLower(q.Get("is_staff")) {
	case "true", "1":
		isStaff = ptr(true)
	case "false", "0":
		isStaff = ptr(false)
	}
	email, hasEmail := q.Get("email"), q.Has("email") && q.Get("email") != ""
	keep := func(u *user) bool {
		return !u.inactive && (isStaff == nil || u.isStaff == *isStaff) && (!hasEmail || u.email == email)
	}
	limit := 100
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = n
	}
	offset := 0
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		offset = n
	}

	var count int
	var results []*userJSON
	switch {
	case !x.auth.user.isStaff:
		if keep(x.auth.user) {
			count = 1
			if offset == 0 {
				results = append(results, x.serializeUser(x.auth.user))
			}
		}
	case hasEmail:
		var found []*user
		for _, u := range x.f.users.byEmail(x.f, email) {
			if keep(u) {
				found = append(found, u)
			}
		}
		count = len(found)
		for _, u := range found[min(offset, len(found)):min(offset+limit, len(found))] {
			results = append(results, x.serializeUser(u))
		}
	default:
		var page []*user
		count, page = x.f.users.page(x.f, keep, isStaff == nil || !*isStaff, offset, limit)
		for _, u := range page {
			results = append(results, x.serializeUser(u))
		}
	}
	if results == nil {
		results = []*userJSON{}
	}
	x.json(http.StatusOK, map[string]any{
		"count":    count,
		"next":     x.pageLink(offset+limit < count, limit, offset+limit, false),
		"previous": x.pageLink(offset > 0, limit, offset-limit, offset-limit <= 0),
		"results":  results,
	})
}

// pageLink builds DRF's absolute next or previous link: the request's URL
// with limit and offset replaced (offset removed when dropOffset), its query
// sorted by key. It returns nil (JSON null) when ok is false.
func (x *exchange) pageLink(ok bool, limit, offset int, dropOffset bool) *string {
	if !ok {
		return nil
	}
	u := x.absoluteURL()
	q := u.Query()
	q.Set("limit", strconv.Itoa(limit))
	if dropOffset {
		q.Del("offset")
	} else {
		q.Set("offset", strconv.Itoa(offset))
	}
	u.RawQuery = q.Encode() // sorted by key, as DRF's replace_query_param
	s := u.String()
	return &s
}

// getUser serves GET /api/users/{uuid}/.
func (x *exchange) getUser(u *user) {
	x.json(http.StatusOK, x.serializeUser(u))
}

// patchUser serves PATCH /api/users/{uuid}/.
func (x *exchange) patchUser(u *user, body map[string]json.RawMessage) {
	x.updateUser(u, body, true)
}

// putUser serves PUT /api/users/{uuid}/: PATCH's rules, with email and
// password required.
func (x *exchange) putUser(u *user, body map[string]json.RawMessage) {
	x.updateUser(u, body, false)
}

// updateUser changes u as a PATCH (partial) or PUT body asks, after
// PostHog's checks.
func (x *exchange) updateUser(u *user, body map[string]json.RawMessage, partial bool) {
	// guard_identity_change runs before validation.
	if x.auth.token() {
		_, hasPassword := body["password"]
		email, hasEmail := body["email"]
		newEmail, _ := asString(email)
		if hasPassword || hasEmail && !strings.EqualFold(newEmail, u.email) {
			x.denied(detailIdentityChange)
			return
		}
	}
	if !partial {
		for _, f := range []string{"email", "password"} {
			if _, ok := body[f]; !ok {
				x.required(f)
				return
			}
		}
	}
	if _, ok := body["is_staff"]; ok && !x.auth.user.isStaff {
		x.denied(detailNotStaff)
		return
	}
	next, ok := x.validateUserChanges(u, body)
	if !ok {
		return
	}
	for _, apply := range next {
		apply(x.mutable(u))
	}
	x.json(http.StatusOK, x.serializeUser(u))
}

// deleteUser serves DELETE /api/users/{uuid}/ (sessions only).
func (x *exchange) deleteUser(u *user) {
	if len(u.memberships) > 0 {
		x.fail(http.StatusConflict, "server_error", "conflict", "Cannot delete user with organization memberships.", "")
		return
	}
	x.f.removeUser(u)
	x.noContent()
}

// removeUser deletes u with its keys and sessions. The fake is locked.
func (f *Fake) removeUser(u *user) {
	f.users.remove(u)
	for k, key := range f.keys {
		if key.user == u.uuid {
			delete(f.keys, k)
		}
	}
	for id, s := range f.sessions {
		if s.user == u.uuid {
			delete(f.sessions, id)
		}
	}
}
