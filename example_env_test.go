package posthogusers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// A program deployed with POSTHOG_PERSONAL_API_KEY and POSTHOG_HOST in its
// environment makes its client from them. Here the environment names a fake
// PostHog; a deployment sets it, and the program only calls NewClientFromEnv.
func ExampleNewClientFromEnv() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer setenvForExample(posthogusers.EnvPersonalAPIKey, fake.AddKey(ada.UUID, "user:read"))()
	defer setenvForExample(posthogusers.EnvHost, srv.URL)()

	client, err := posthogusers.NewClientFromEnv()
	if err != nil {
		panic(err) // a missing or malformed variable: an *InputError that names it
	}
	me, err := client.Users.Get(context.Background(), posthogusers.Me)
	if err != nil {
		panic(err)
	}
	fmt.Println(me.Email)

	// Without a key, the error names the variable.
	defer setenvForExample(posthogusers.EnvPersonalAPIKey, "")()
	_, err = posthogusers.NewClientFromEnv()
	fmt.Println(errors.Is(err, posthogusers.ErrInvalidInput), err)
	// Output:
	// ada@example.com
	// true posthogusers: invalid POSTHOG_PERSONAL_API_KEY: is empty: set it to a personal API key (phx_…), or pass WithSession or WithTokenSource
}

// setenvForExample sets an environment variable and returns the function
// that puts it back. Examples run one at a time, after the tests.
func setenvForExample(name, value string) (restore func()) {
	old, had := os.LookupEnv(name)
	if err := os.Setenv(name, value); err != nil {
		panic(err)
	}
	return func() {
		if had {
			_ = os.Setenv(name, old)
		} else {
			_ = os.Unsetenv(name)
		}
	}
}
