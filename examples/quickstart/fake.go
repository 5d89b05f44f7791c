package main

import (
	"net/http/httptest"

	"github.com/hogkit/posthogusers/posthogtest"
)

// startFake starts an in-memory PostHog (posthogtest) with one non-staff
// user, Ada, and returns it with two of Ada's keys: one with user:read and
// user:write, one with user:read only.
func startFake() (srv *httptest.Server, key, readOnlyKey string) {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"})
	key = fake.AddKey(ada.UUID, "user:read", "user:write")
	readOnlyKey = fake.AddKey(ada.UUID, "user:read")
	return httptest.NewServer(fake), key, readOnlyKey
}
