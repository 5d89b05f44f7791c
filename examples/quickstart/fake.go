package main

import (
	"net/http/httptest"

	"github.com/hogkit/posthogusers/posthogtest"
)

// startFake starts an in-memory PostHog (posthogtest) with Ada, a staff
// user, and four more users, and returns it with two of Ada's keys: one
// with user:read and user:write, one with user:read only. Ada is staff so
// that listing users shows them all: a key of a user who is not staff lists
// only that user.
func startFake() (srv *httptest.Server, key, readOnlyKey string) {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", IsStaff: true})
	fake.SeedUsers(4)
	key = fake.AddKey(ada.UUID, "user:read", "user:write")
	readOnlyKey = fake.AddKey(ada.UUID, "user:read")
	return httptest.NewServer(fake), key, readOnlyKey
}
