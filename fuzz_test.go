package posthogusers

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func FuzzUserID(f *testing.F) {
	for _, s := range []string{Me, "@ME", "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", "{0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07}", "../x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		got, err := userID(id)
		if err != nil {
			return
		}
		if got == Me {
			if id != Me {
				t.Errorf("userID(%q) = @me", id)
			}
			return
		}
		// Anything else accepted is a canonical UUID: one safe path segment.
		if u, perr := uuid.Parse(got); perr != nil || u.String() != got || len(got) != 36 {
			t.Errorf("userID(%q) = %q; want a canonical UUID", id, got)
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "12", "-1", "Mon, 23 Nov 2026 12:00:30 GMT", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, now)
		if d < 0 || !ok && d != 0 {
			t.Errorf("parseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

func FuzzNextCursor(f *testing.F) {
	f.Add("https://us.posthog.com/api/users/?limit=100&offset=100", 100, 0)
	f.Add("https://evil.example/?offset=5", 0, 4)
	f.Add("%zz", 1, 1)
	f.Fuzz(func(t *testing.T, next string, limit, offset int) {
		if limit < 0 || offset < 0 {
			return
		}
		nl, no, err := nextCursor(next, limit, offset)
		if err != nil {
			return
		}
		if no <= offset || nl < 0 || nl == 0 && limit != 0 {
			t.Errorf("nextCursor(%q, %d, %d) = %d, %d; want an offset past %d", next, limit, offset, nl, no, offset)
		}
	})
}

func FuzzNewClientKey(f *testing.F) {
	for _, s := range []string{testKey, "phc_x", "pha_x", " ", "phx_a\nb", "phx_é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		c, err := NewClient(key)
		if err != nil {
			if k := strings.TrimSpace(key); len(k) >= 12 && strings.Contains(err.Error(), k) {
				t.Errorf("error %q contains the key", err)
			}
			return
		}
		secret := c.cred.secrets()[0]
		if !isVisibleASCII(secret) || len(secret) >= 12 && strings.Contains(c.String(), secret) {
			t.Errorf("accepted key %q is not a safe header value or shows in String", key)
		}
	})
}
