package posthogtest

import (
	"testing"
	"time"
)

// TestTOTP checks the fake's TOTP codes against RFC 6238's SHA-1 test
// vectors (the last six of their eight digits).
func TestTOTP(t *testing.T) {
	t.Parallel()
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	for _, tt := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		at := time.Unix(tt.unix, 0)
		if got := totp(secret, at, 0); got != tt.want {
			t.Errorf("totp at %d = %s; want %s", tt.unix, got, tt.want)
		}
		if !validTOTP(secret, tt.want, at.Add(30*time.Second)) {
			t.Errorf("the code of the previous step is refused at %d", tt.unix)
		}
		if validTOTP(secret, tt.want, at.Add(90*time.Second)) {
			t.Errorf("a code three steps old is accepted at %d", tt.unix)
		}
	}
}
