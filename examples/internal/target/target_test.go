package target

import (
	"strings"
	"testing"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

func TestChoose(t *testing.T) {
	t.Parallel()
	env := map[string]string{"POSTHOG_PERSONAL_API_KEY": "phx_real"}
	seeded := false
	seed := func(*posthogtest.Fake) string { seeded = true; return "phx_fake" }

	real := Choose(func(k string) string { return env[k] }, seed)
	if real.Key != "phx_real" || real.BaseURL != posthogusers.USCloud || real.Fake != nil || seeded {
		t.Errorf("with a key: %+v, seeded %v; want real PostHog at US Cloud", real, seeded)
	}
	env["POSTHOG_HOST"] = posthogusers.EUCloud
	if got := Choose(func(k string) string { return env[k] }, seed); got.BaseURL != posthogusers.EUCloud || got.String() != "PostHog at "+posthogusers.EUCloud {
		t.Errorf("with POSTHOG_HOST: %+v (%s)", got, got)
	}

	fake := Choose(func(string) string { return "" }, seed)
	defer fake.Close()
	if fake.Key != "phx_fake" || fake.Fake == nil || !seeded || !strings.HasPrefix(fake.BaseURL, "http://127.0.0.1:") ||
		!strings.Contains(fake.String(), "embedded fake PostHog") {
		t.Errorf("without a key: %+v (%s); want the seeded fake", fake, fake)
	}
}
