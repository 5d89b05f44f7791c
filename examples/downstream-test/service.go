package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hogkit/posthogusers"
)

// Errors of a [Directory], for its callers to match with [errors.Is]. The
// SDK's error stays wrapped inside them for logs and for errors.As.
var (
	// ErrUnknownUser means PostHog has no (active) user with that ID.
	ErrUnknownUser = errors.New("directory: no such PostHog user")
	// ErrUnavailable means PostHog failed (5xx) even after the SDK's
	// retries; try again later.
	ErrUnavailable = errors.New("directory: PostHog is unavailable")
)

// Directory answers the rest of a program's questions about PostHog users.
// It is what a team writes on top of the SDK: a few methods in its own
// terms, and errors of its own.
type Directory struct {
	posthog *posthogusers.Client
}

// NewDirectory returns a Directory that asks PostHog through client.
func NewDirectory(client *posthogusers.Client) *Directory {
	return &Directory{posthog: client}
}

// DisplayName returns a user's full name, or their email address when they
// have no name. userID is [posthogusers.Me] for the key's own user or, with
// a staff user's key, any user's UUID.
func (d *Directory) DisplayName(ctx context.Context, userID string) (string, error) {
	u, err := d.posthog.Users.Get(ctx, userID)
	if err != nil {
		return "", wrap("reading a user", err)
	}
	if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
		return name, nil
	}
	return u.Email, nil
}

// StaffEmails returns the email addresses of PostHog's staff users, in
// PostHog's order. Only a staff user's key sees them all: PostHog shows any
// other key only its own user, so the list is then empty.
func (d *Directory) StaffEmails(ctx context.Context) ([]string, error) {
	var emails []string
	for u, err := range d.posthog.Users.All(ctx, &posthogusers.ListUsersOptions{UserFilter: posthogusers.UserFilter{IsStaff: posthogusers.Ptr(true)}}) {
		if err != nil {
			return nil, wrap("listing staff users", err)
		}
		emails = append(emails, u.Email)
	}
	return emails, nil
}

// wrap adds the directory's own error, when one applies, to an error of the
// SDK.
func wrap(what string, err error) error {
	var apiErr *posthogusers.APIError
	switch {
	case errors.Is(err, posthogusers.ErrNotFound):
		return fmt.Errorf("%s: %w: %w", what, ErrUnknownUser, err)
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 500:
		return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
