package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hogkit/posthogusers"
)

// report is what scope-check found out about a key: one answer a check.
type report struct {
	Works, Staff, Read, Write answer
}

// String is the report as the program prints it, one line a check.
func (r report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "key works: %s\n", r.Works)
	fmt.Fprintf(&b, "staff: %s\n", r.Staff)
	fmt.Fprintf(&b, "user:read: %s\n", r.Read)
	fmt.Fprintf(&b, "user:write: %s\n", r.Write)
	return b.String()
}

// answer is the outcome of one check: yes, no, or not checked, with a note
// that says where (for yes), why (for no, PostHog's own words) or why the
// check could not be made.
type answer struct {
	Checked, Yes bool
	Note         string
}

// yes, no and notChecked make answers.
func yes(note string) answer       { return answer{Checked: true, Yes: true, Note: note} }
func no(reason string) answer      { return answer{Checked: true, Note: reason} }
func notChecked(why string) answer { return answer{Note: why} }

// String is the answer as the report prints it: "yes (US Cloud)",
// "no — API key missing required scope 'user:write'".
func (a answer) String() string {
	switch {
	case !a.Checked:
		return "not checked — " + a.Note
	case !a.Yes && a.Note != "":
		return "no — " + a.Note
	case !a.Yes:
		return "no"
	case a.Note != "":
		return "yes (" + a.Note + ")"
	}
	return "yes"
}

// checkKey checks what the key of the clients newClient makes may do at
// their base URL; given WithBaseURL, newClient makes a client of the same
// key at another instance. A key PostHog Cloud refuses with 401 is tried in
// the other region. checkKey returns an error only when a check could not
// run: the key is malformed, or PostHog could not be reached or failed.
func checkKey(ctx context.Context, newClient func(...posthogusers.Option) (*posthogusers.Client, error)) (report, error) {
	client, err := newClient()
	if err != nil {
		return report{}, err
	}
	where := regionName(client.BaseURL())
	me, err := client.Users.Get(ctx, posthogusers.Me)

	// Keys belong to one PostHog Cloud region, and the other one answers
	// 401 as for an unknown key.
	if other := otherRegion(client.BaseURL()); other != "" && errors.Is(err, posthogusers.ErrUnauthorized) {
		otherClient, cerr := newClient(posthogusers.WithBaseURL(other))
		if cerr != nil {
			return report{}, cerr
		}
		otherMe, oerr := otherClient.Users.Get(ctx, posthogusers.Me)
		if errors.Is(oerr, posthogusers.ErrUnauthorized) {
			where += " and " + regionName(other)
		} else {
			where = fmt.Sprintf("%s, not %s: set POSTHOG_HOST=%s", regionName(other), where, other)
			client, me, err = otherClient, otherMe, oerr
		}
	}

	var r report
	switch {
	case err == nil:
		r.Works, r.Read = yes(where), yes("")
		r.Staff = answer{Checked: true, Yes: me.IsStaff}
	case errors.Is(err, posthogusers.ErrUnauthorized):
		cause := "the key does not authenticate"
		r.Works = no(fmt.Sprintf("%s (%s)", detail(err), where))
		r.Staff, r.Read, r.Write = notChecked(cause), notChecked(cause), notChecked(cause)
		return r, nil
	case errors.Is(err, posthogusers.ErrForbidden): // a *posthogusers.ScopeError for user:read
		r.Works, r.Read = yes(where), no(detail(err))
		r.Staff = notChecked("reading the key's user needs user:read")
	default:
		return report{}, fmt.Errorf("reading the key's user: %w", err)
	}
	r.Write, err = checkWrite(ctx, client, me)
	return r, err
}

// checkWrite tells whether the client's key has user:write. me is the
// key's user, or nil when the key may not read it.
func checkWrite(ctx context.Context, client *posthogusers.Client, me *posthogusers.User) (answer, error) {
	// A PATCH that changes nothing: PATCH changes only the fields its body
	// names, and this one names only first_name, with the value PostHog
	// already has, so the user is the same afterwards. PostHog checks the
	// key's scope (user:write) before it looks at the body, so the answer
	// still says whether the key may write. Without user:read there is no
	// name to send back, and an empty body ({}) changes nothing either.
	var req posthogusers.UpdateUserRequest
	if me != nil {
		req.FirstName = &me.FirstName
	}
	_, err := client.Users.Update(ctx, posthogusers.Me, req)
	switch {
	case err == nil:
		return yes(""), nil
	case errors.Is(err, posthogusers.ErrForbidden): // a *posthogusers.ScopeError for user:write
		return no(detail(err)), nil
	case errors.Is(err, posthogusers.ErrValidation):
		// PostHog validates the body only after the scope check passed.
		return yes("PostHog then refused the unchanged first name: " + detail(err)), nil
	}
	return answer{}, fmt.Errorf("trying a PATCH that changes nothing: %w", err)
}

// detail returns PostHog's reason for an error, such as "API key missing
// required scope 'user:write'", or the error's text when PostHog gave none.
func detail(err error) string {
	var apiErr *posthogusers.APIError
	if errors.As(err, &apiErr) && apiErr.Detail != "" {
		return apiErr.Detail
	}
	return err.Error()
}

// regionName names a PostHog Cloud region's base URL, and returns any other
// base URL as it is.
func regionName(baseURL string) string {
	switch baseURL {
	case posthogusers.USCloud:
		return "US Cloud"
	case posthogusers.EUCloud:
		return "EU Cloud"
	}
	return baseURL
}

// otherRegion returns the base URL of the other PostHog Cloud region, or ""
// when baseURL is not PostHog Cloud.
func otherRegion(baseURL string) string {
	switch baseURL {
	case posthogusers.USCloud:
		return posthogusers.EUCloud
	case posthogusers.EUCloud:
		return posthogusers.USCloud
	}
	return ""
}
