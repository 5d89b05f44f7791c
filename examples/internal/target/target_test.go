package target

import (
	"os"
	"strings"
	"testing"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

func TestChoose_fake(t *testing.T) {
	t.Parallel()
	seeded := false
	seed := func(fake *posthogtest.Fake) string {
		seeded = true
		return fake.AddKey(fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"}).UUID, "user:read")
	}
	// A key in the process's environment does not count: getenv decides.
	fake, err := Choose(func(string) string { return "" }, seed)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	if fake.Fake == nil || !seeded || !strings.HasPrefix(fake.BaseURL, "http://127.0.0.1:") ||
		!strings.Contains(fake.String(), "embedded fake PostHog") {
		t.Errorf("without a key: %+v (%s); want the seeded fake", fake, fake)
	}
	if me, err := fake.Client.Users.Get(t.Context(), posthogusers.Me); err != nil || me.Email != "ada@example.com" {
		t.Errorf("the fake's client: %v, %v", me, err)
	}
	other, err := fake.NewClient(posthogusers.WithBaseURL(posthogusers.EUCloud))
	if err != nil || other.BaseURL() != posthogusers.EUCloud {
		t.Errorf("NewClient(WithBaseURL(EU)): %v, %v", other, err)
	}
}

// Not parallel: it sets the process's environment, which
// posthogusers.NewClientFromEnv reads.
func TestChoose_real(t *testing.T) {
	_, srv := posthogtest.NewServer(t) // stands for real PostHog
	t.Setenv(posthogusers.EnvPersonalAPIKey, srv.Key)
	t.Setenv(posthogusers.EnvHost, srv.URL)
	seeded := false
	seed := func(*posthogtest.Fake) string { seeded = true; return "" }

	real, err := Choose(os.Getenv, seed)
	if err != nil {
		t.Fatal(err)
	}
	defer real.Close()
	if real.Fake != nil || seeded || real.BaseURL != srv.URL || real.String() != "PostHog at "+srv.URL {
		t.Errorf("with a key: %+v (%s), seeded %v; want PostHog at %s", real, real, seeded, srv.URL)
	}
	if me, err := real.Client.Users.Get(t.Context(), posthogusers.Me); err != nil || me.Email != srv.User.Email {
		t.Errorf("the client: %v, %v; want the key's user", me, err)
	}

	t.Setenv(posthogusers.EnvHost, "")
	if cloud, err := Choose(os.Getenv, seed); err != nil || cloud.BaseURL != posthogusers.USCloud {
		t.Errorf("without POSTHOG_HOST: %+v, %v; want US Cloud", cloud, err)
	}
	t.Setenv(posthogusers.EnvPersonalAPIKey, "phc_projectToken")
	if _, err := Choose(os.Getenv, seed); err == nil || !strings.Contains(err.Error(), posthogusers.EnvPersonalAPIKey) {
		t.Errorf("with a project token: %v; want an error naming %s", err, posthogusers.EnvPersonalAPIKey)
	}
}
