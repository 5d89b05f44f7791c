package posthogusers

import (
	"context"
	"fmt"
	"iter"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// UsersService is the users API: /api/users/ and /api/users/{uuid}/.
// Reach it as client.Users.
//
// PostHog API docs: https://posthog.com/docs/api/users
type UsersService service

// UserFilter selects the users of a listing; its zero value selects every
// user PostHog shows the key. [ListUsersOptions] and [ScanOptions] embed it.
type UserFilter struct {
	// Email keeps only the user with exactly this address (case-sensitive).
	Email string `url:"email,omitempty"`
	// IsStaff, when set, keeps only staff (true) or non-staff (false) users.
	IsStaff *bool `url:"is_staff,omitempty"`
}

// ListUsersOptions filters and pages [UsersService.List] and
// [UsersService.All]. A nil *ListUsersOptions lists every user PostHog shows
// the key, 100 to a page.
type ListUsersOptions struct {
	UserFilter
	// Limit is the page size; 0 means PostHog's default of 100. PostHog sets
	// no maximum.
	Limit int `url:"limit,omitempty"`
	// Offset is the index of the first user to return.
	Offset int `url:"offset,omitempty"`
}

// UpdateUserRequest is the body of [UsersService.Update]: only the fields
// that are set are sent, so PostHog leaves every other field as it is.
// Pointer fields are left out when nil; [Nullable] fields are left out when
// zero and clear the field when set to [Null].
type UpdateUserRequest struct {
	FirstName *string `json:"first_name,omitzero"`
	LastName  *string `json:"last_name,omitzero"`
	// Email may only be sent unchanged (in any case) with an API key; a
	// different address is refused with a [*SessionRequiredError].
	Email *string `json:"email,omitzero"`
	// Password and CurrentPassword change the password. PostHog refuses
	// them to API keys with a [*SessionRequiredError].
	Password        *string `json:"password,omitzero"`
	CurrentPassword *string `json:"current_password,omitzero"`
	// NotificationSettings is merged into the user's settings: only the keys
	// given change, and map-valued keys are merged too.
	NotificationSettings map[string]any `json:"notification_settings,omitempty"`
	// IsStaff may only be sent by staff; PostHog refuses it to others with
	// 403.
	IsStaff *bool `json:"is_staff,omitzero"`
	// SetCurrentOrganization switches the user's current organization (and
	// project, to the organization's first one).
	SetCurrentOrganization *uuid.UUID `json:"set_current_organization,omitzero"`
	// SetCurrentTeam switches the user's current project (and organization,
	// to the project's).
	SetCurrentTeam          *int64                     `json:"set_current_team,omitzero,string"`
	AnonymizeData           Nullable[bool]             `json:"anonymize_data,omitzero"`
	AllowImpersonation      Nullable[bool]             `json:"allow_impersonation,omitzero"`
	ToolbarMode             Nullable[ToolbarMode]      `json:"toolbar_mode,omitzero"`
	ThemeMode               Nullable[ThemeMode]        `json:"theme_mode,omitzero"`
	ShortcutPosition        Nullable[ShortcutPosition] `json:"shortcut_position,omitzero"`
	RoleAtOrganization      *RoleAtOrganization        `json:"role_at_organization,omitzero"`
	AllowSidebarSuggestions Nullable[bool]             `json:"allow_sidebar_suggestions,omitzero"`
	PasskeysEnabledFor2FA   Nullable[bool]             `json:"passkeys_enabled_for_2fa,omitzero"`
	HideMCPHints            *bool                      `json:"hide_mcp_hints,omitzero"`
	HasSeenProductIntroFor  Nullable[map[string]bool]  `json:"has_seen_product_intro_for,omitzero"`
	// EventsColumnConfig is free-form JSON. PostHog does not let it be
	// cleared to null; nil leaves it alone.
	EventsColumnConfig jsontext.Value           `json:"events_column_config,omitzero"`
	HedgehogConfig     Nullable[jsontext.Value] `json:"hedgehog_config,omitzero"`
	UIConfiguration    Nullable[jsontext.Value] `json:"ui_configuration,omitzero"`
}

// ReplaceUserRequest is the body of [UsersService.Replace]: a whole user.
// Email and Password are required; the other fields are those of
// [UpdateUserRequest] (whose own Email and Password are not used).
type ReplaceUserRequest struct {
	// Email is the user's email address.
	Email string `json:"email"`
	// Password is the user's new password. PostHog refuses it to API keys
	// and OAuth tokens.
	Password string `json:"password"`
	UpdateUserRequest
}

// List returns one page of users. A non-staff key only sees its own user, so
// the page holds at most one. opts may be nil.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users
//
//meta:operation GET /api/users/
func (s *UsersService) List(ctx context.Context, opts *ListUsersOptions, reqOpts ...RequestOption) (*Page[User], error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	page, err := fetch[Page[User]](ctx, s.client, request{op: opUsersList, query: opts}, reqOpts...)
	if err != nil {
		return nil, err
	}
	malformed := func(reason string) error {
		return &malformedError{method: "GET", path: "/api/users/", reason: reason}
	}
	if opts != nil && opts.Limit > 0 && len(page.Results) > opts.Limit {
		return nil, malformed(fmt.Sprintf("the page has %d users, more than its limit of %d", len(page.Results), opts.Limit))
	}
	for i := range page.Results {
		if reason := checkUser(&page.Results[i]); reason != "" {
			return nil, malformed(fmt.Sprintf("the user at index %d: %s", i, reason))
		}
	}
	return page, nil
}

// All returns an iterator over every user that matches opts, from opts'
// offset on, one page at a time: the simple form of [UsersService.Scan],
// which adds a window of concurrent pages, checkpoints and progress. Each
// user is decoded from the response as the loop asks for it, so memory does
// not grow with the page size. All yields at most one error and then stops,
// and returns at once when the loop breaks. Listing every user needs a staff
// key: a non-staff key sees only its own user. Requests are built from the
// limit and offset, against the client's base URL; PostHog's next links are
// never followed. A page that fails after the retries ends the iteration
// with a [*ScanError] that says where the listing stopped. If the list
// changed during the iteration, the last value is a [*DriftError] (match
// [ErrDrift]). Each range over the iterator lists the users again. opts may
// be nil and is never modified.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users
//
//meta:operation GET /api/users/
func (s *UsersService) All(ctx context.Context, opts *ListUsersOptions, reqOpts ...RequestOption) iter.Seq2[User, error] {
	var o ListUsersOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(User, error) bool) {
		// A scan of its own each time the iterator is ranged over, which
		// knows that it lists users for All: its errors say so.
		sc := s.Scan(ctx, &ScanOptions{UserFilter: o.UserFilter, Limit: o.Limit, Start: Checkpoint{Offset: o.Offset}}, reqOpts...)
		sc.listing = true
		for u, err := range sc.Users() {
			if !yield(u, err) {
				return
			}
		}
	}
}

// Get returns a user. id is [Me] for the key's own user, or a user's UUID;
// PostHog only lets staff read other users, and refuses a non-staff key even
// its own UUID with 403 (match [ErrForbidden]). An unknown UUID gives
// [ErrNotFound]. Needs scope user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-uuid
//
//meta:operation GET /api/users/{uuid}/
func (s *UsersService) Get(ctx context.Context, id string, reqOpts ...RequestOption) (*User, error) {
	return fetch[User](ctx, s.client, request{op: opUsersGet, user: id}, reqOpts...)
}

// Update changes the fields of a user that req sets and returns the user as
// PostHog stored it. id is [Me] or, for staff, a user's UUID. Needs scope
// user:write. PostHog ignores read-only fields and refuses, with an API key,
// a new email address or any password (a [*SessionRequiredError]), and
// IsStaff from non-staff (403).
//
// If it fails, see [ErrOutcomeUnknown].
//
// PostHog API docs: https://posthog.com/docs/api/users#patch-api-users-uuid
//
//meta:operation PATCH /api/users/{uuid}/
func (s *UsersService) Update(ctx context.Context, id string, req UpdateUserRequest, reqOpts ...RequestOption) (*User, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return fetch[User](ctx, s.client, request{op: opUsersUpdate, user: id, body: req}, reqOpts...)
}

// Delete deletes a user for good. PostHog only accepts a logged-in session
// here: with an API key or OAuth token it answers 401, which Delete returns as
// a [*SessionRequiredError]. A user who still belongs to an organization
// cannot be deleted ([ErrConflict]).
//
// Delete is retried as a read is. A retry answered 404, after an earlier
// attempt may have deleted the user, returns nil. After other failures,
// see [ErrOutcomeUnknown].
//
// PostHog API docs: https://posthog.com/docs/api/users#delete-api-users-uuid
//
//meta:operation DELETE /api/users/{uuid}/
func (s *UsersService) Delete(ctx context.Context, id string, reqOpts ...RequestOption) error {
	return s.client.do(ctx, request{op: opUsersDelete, user: id}, nil, reqOpts...)
}

// Replace sends a whole user with PUT and returns the user as PostHog stored
// it. PostHog requires Email and Password in the body and refuses any
// password from an API key or OAuth token (a [*SessionRequiredError]), so
// only a logged-in session ([WithSession]) can use it, and then it changes
// the password. Prefer [UsersService.Update], which changes only the fields
// it is given and works with a key. Needs scope user:write. Replace is
// retried as a read is; if it still fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation PUT /api/users/{uuid}/
func (s *UsersService) Replace(ctx context.Context, id string, req ReplaceUserRequest, reqOpts ...RequestOption) (*User, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return fetch[User](ctx, s.client, request{op: opUsersReplace, user: id, body: req}, reqOpts...)
}

// checkUser returns why a user decoded from a 2xx answer is not one
// PostHog would send, or "": PostHog always sends a positive id and a
// uuid.
func checkUser(u *User) string {
	switch {
	case u.ID <= 0:
		return "the user has no positive id"
	case u.UUID == uuid.Nil:
		return "the user has no uuid"
	}
	return ""
}

// checkText checks a required string argument that PostHog limits to
// maxChars characters.
func checkText(arg, s string, maxChars int) error {
	if strings.TrimSpace(s) == "" {
		return &InputError{Arg: arg, Reason: "is empty"}
	}
	if n := utf8.RuneCountInString(s); n > maxChars {
		return &InputError{Arg: arg, Reason: fmt.Sprintf("has %d characters; PostHog takes at most %d", n, maxChars)}
	}
	return nil
}

// validate checks options before a request is built. PostHog sets no
// maximum page size.
func (o *ListUsersOptions) validate() error {
	if o == nil {
		return nil
	}
	return checkPaging(o.Limit, o.Offset, math.MaxInt)
}

// validate checks a PUT body: both required fields, then the rest as for
// PATCH.
func (r *ReplaceUserRequest) validate() error {
	if strings.TrimSpace(r.Email) == "" {
		return &InputError{Arg: "Email", Reason: "is required by PUT"}
	}
	if r.Password == "" {
		return &InputError{Arg: "Password", Reason: "is required by PUT"}
	}
	u := r.UpdateUserRequest
	u.Email, u.Password = &r.Email, &r.Password
	return u.validate()
}

// validate checks what PostHog's serializer would refuse for its shape, so
// that a malformed body is never sent.
func (r *UpdateUserRequest) validate() error {
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{
		{"FirstName", r.FirstName, 150},
		{"LastName", r.LastName, 150},
		{"Email", r.Email, 254},
		{"Password", r.Password, 128},
	} {
		if f.value != nil && utf8.RuneCountInString(*f.value) > f.max {
			return &InputError{Arg: f.name, Reason: fmt.Sprintf("is longer than %d characters", f.max)}
		}
	}
	if r.Email != nil && !strings.Contains(*r.Email, "@") {
		return &InputError{Arg: "Email", Reason: "is not an email address"}
	}
	if r.RoleAtOrganization != nil && *r.RoleAtOrganization == "" {
		return &InputError{Arg: "RoleAtOrganization", Reason: "cannot be empty; PostHog does not let the role be cleared"}
	}
	if r.EventsColumnConfig != nil && !r.EventsColumnConfig.IsValid() {
		return &InputError{Arg: "EventsColumnConfig", Reason: "is not valid JSON"}
	}
	for _, f := range []struct {
		name  string
		value Nullable[jsontext.Value]
	}{
		{"HedgehogConfig", r.HedgehogConfig},
		{"UIConfiguration", r.UIConfiguration},
	} {
		if v, ok := f.value.Get(); ok && !v.IsValid() {
			return &InputError{Arg: f.name, Reason: "is not valid JSON"}
		}
	}
	return nil
}
