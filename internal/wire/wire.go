// Package wire holds the rules of PostHog's users API that both the SDK and
// its fake, posthogtest, apply to what crosses the wire, so that each rule
// is written once. The JSON shapes themselves are not here: the SDK and the
// fake declare theirs separately on purpose, so that a mistake in one is not
// repeated in the other.
package wire

import "bytes"

// IsNull reports whether b is the JSON literal null, ignoring white space.
func IsNull(b []byte) bool {
	return bytes.Equal(bytes.TrimSpace(b), []byte("null"))
}

// IsSlackMemberID reports whether s matches PostHog's route pattern for a
// Slack member ID, [UW][A-Z0-9]+.
func IsSlackMemberID(s string) bool {
	if len(s) < 2 || s[0] != 'U' && s[0] != 'W' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
