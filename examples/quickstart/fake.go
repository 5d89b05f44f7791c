package main

import (
	"github.com/hogkit/posthogusers/posthogtest"
)

// seedFake gives the in-memory PostHog (posthogtest) Ada, a staff user, and
// four more users, and returns two of Ada's keys: one with user:read and
// user:write, one with user:read only. Ada is staff so that listing users
// shows them all: a key of a user who is not staff lists only that user.
func seedFake(fake *posthogtest.Fake) (key, readOnlyKey string) {
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", IsStaff: true})
	fake.SeedUsers(4)
	key = fake.AddKey(ada.UUID, "user:read", "user:write")
	readOnlyKey = fake.AddKey(ada.UUID, "user:read")
	return key, readOnlyKey
}
