package posthogusers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestBaseURL_mistakes checks that the ways of getting the base URL wrong
// get errors that say so, rather than a 404 that looks like a missing user.
func TestBaseURL_mistakes(t *testing.T) {
	t.Parallel()
	// A base URL naming the users API itself.
	for _, base := range []string{"https://posthog.example.com/api/users/", "https://posthog.example.com/api/users", "https://us.posthog.com/api/users/@me/"} {
		_, err := NewClient(testKey, WithBaseURL(base))
		if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "/api/users") {
			t.Errorf("WithBaseURL(%q): %v; want it refused, naming /api/users", base, err)
		}
	}

	// 404s that are not PostHog's "Not found." of a missing object.
	for name, s := range map[string]step{
		"PostHog's unknown route": reply(http.StatusNotFound, `{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}`),
		"an HTML 404":             reply(http.StatusNotFound, `<!doctype html><title>Not Found</title>`),
		"a text 404":              reply(http.StatusNotFound, `404 page not found`),
	} {
		c, _ := scripted(t, testKey, []Option{WithBaseURL("https://posthog.example.com/wrong")}, s)
		_, err := c.Users.Get(t.Context(), Me)
		var e *EndpointNotFoundError
		if !errors.As(err, &e) || !errors.Is(err, ErrEndpointNotFound) {
			t.Errorf("%s: %v; want an *EndpointNotFoundError", name, err)
			continue
		}
		if errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v matches ErrNotFound; want it told apart from a missing user", name, err)
		}
		if !strings.Contains(err.Error(), "https://posthog.example.com/wrong") || !strings.Contains(err.Error(), "base URL") {
			t.Errorf("%s: %q does not point at the base URL", name, err)
		}
	}
	// PostHog's own 404 of a missing user stays ErrNotFound.
	c, _ := scripted(t, testKey, nil, reply(http.StatusNotFound, notFoundBody))
	if _, err := c.Users.Get(t.Context(), "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrEndpointNotFound) {
		t.Errorf("missing user: %v; want ErrNotFound only", err)
	}
}

// TestBaseURL_plainHTTP checks that a key is not sent in clear text to a
// host other than this machine unless WithInsecureHTTP allows it.
func TestBaseURL_plainHTTP(t *testing.T) {
	t.Parallel()
	for base, ok := range map[string]bool{
		"http://posthog.example.com":  false,
		"http://10.0.0.7:8000":        false,
		"http://localhost:8000":       true,
		"http://LocalHost:8000":       true,
		"http://127.0.0.1:8000":       true,
		"http://127.3.4.5":            true,
		"http://[::1]:8000":           true,
		"http://[::ffff:127.0.0.1]":   true,
		"https://posthog.example.com": true,
		// Names under .localhost are resolved by DNS like any other in
		// Go's resolver, and so is the absolute name "localhost.".
		"http://evil.localhost":      false,
		"http://evil.localhost:8000": false,
		"http://a.b.LOCALHOST":       false,
		"http://localhost.":          false,
		"http://localhost.:8000":     false,
		"http://localhost.evil.com":  false,
		"http://127.0.0.1.nip.io":    false,
		"http://[::2]":               false,
		"http://0.0.0.0:8000":        false,
		"http://127.1":               false,
	} {
		_, err := NewClient(testKey, WithBaseURL(base))
		if ok != (err == nil) {
			t.Errorf("WithBaseURL(%q): %v; want ok %v", base, err, ok)
		}
		if err != nil && (!errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "WithInsecureHTTP")) {
			t.Errorf("WithBaseURL(%q): %v; want an InputError naming WithInsecureHTTP", base, err)
		}
		if _, err := NewClient(testKey, WithInsecureHTTP(), WithBaseURL(base)); err != nil {
			t.Errorf("WithInsecureHTTP, WithBaseURL(%q): %v", base, err)
		}
	}
	// An instance that redirects http to https says to use https.
	c, n := scripted(t, testKey, []Option{WithInsecureHTTP(), WithBaseURL("http://posthog.example.com")},
		redirect(http.StatusMovedPermanently, "https://posthog.example.com/api/users/@me/"))
	_, err := c.Users.Get(t.Context(), Me)
	var re *RedirectError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "use https://posthog.example.com") {
		t.Errorf("http to https redirect: %v; want a *RedirectError saying to use https://", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d requests; want 1", n.Load())
	}
}

// TestBaseURL_errorsNeverEchoTheURL refuses base URLs whose path, query,
// fragment or user information holds a key, as a proxy's URL may: the
// errors say what is wrong without repeating any of it.
func TestBaseURL_errorsNeverEchoTheURL(t *testing.T) {
	t.Parallel()
	const secret = "phx_Pr0xyPathK3yD0N0tL3akZz9"
	for _, base := range []string{
		"https://proxy.example.com/" + secret + "/api/users/",
		"https://proxy.example.com/" + secret + "/api/users/@me/",
		"https://proxy.example.com/api/users/" + secret + "/",
		"https://proxy.example.com/" + secret + "/?key=" + secret,
		"https://proxy.example.com/" + secret + "#" + secret,
		"https://" + secret + ":x@proxy.example.com/" + secret,
		"https://proxy.example.com/" + secret + "/%zz",
		"proxy.example.com/" + secret,
		"ftp://proxy.example.com/" + secret,
		"http://proxy.example.com/" + secret,
		"http://evil.localhost/" + secret,
	} {
		_, err := NewClient(testKey, WithBaseURL(base))
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("WithBaseURL(…%d characters): %v; want it refused", len(base), err)
			continue
		}
		if leaks(err.Error(), secret) || leaks(fmt.Sprintf("%+v %#v", err, err), secret) {
			t.Errorf("the error repeats the URL: %v", err)
		}
	}
}

// TestCredential_hints checks the hints for a key with a "Bearer " prefix
// and for a 401 from PostHog Cloud, where the key may be of the other
// region.
func TestCredential_hints(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"Bearer " + testKey, "bearer " + testKey, "Authorization: Bearer " + testKey} {
		_, err := NewClient(k)
		if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `"Bearer "`) {
			t.Errorf("NewClient(%.10q…): %v; want a hint to drop the prefix", k, err)
		}
		if err != nil && leaks(err.Error(), testKey) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
	unauthorized := reply(http.StatusUnauthorized, `{"type":"authentication_error","code":"authentication_failed","detail":"Personal API key found in request Authorization header is invalid.","attr":null}`)
	for base, other := range map[string]string{USCloud: "EUCloud", EUCloud: "USCloud"} {
		c, _ := scripted(t, testKey, []Option{WithBaseURL(base)}, unauthorized)
		_, err := c.Users.Get(t.Context(), Me)
		if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), other) {
			t.Errorf("401 from %s: %v; want ErrUnauthorized mentioning %s", base, err, other)
		}
	}
	c, _ := scripted(t, testKey, []Option{WithBaseURL("https://posthog.example.com")}, unauthorized)
	if _, err := c.Users.Get(t.Context(), Me); !errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), "Cloud") {
		t.Errorf("401 from a self-hosted instance: %v; want no region hint", err)
	}
}
