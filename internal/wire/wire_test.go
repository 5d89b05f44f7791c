package wire

import "testing"

func TestIsNull(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"null": true, " null\n": true, "nul": false, `"null"`: false, "": false, "nullx": false} {
		if got := IsNull([]byte(in)); got != want {
			t.Errorf("IsNull(%q) = %v; want %v", in, got, want)
		}
	}
}

func TestIsSlackMemberID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"U0123ABC456": true, "W9": true, "U": false, "u012": false, "X0123": false, "U01-2": false, "U01a": false, "": false} {
		if got := IsSlackMemberID(in); got != want {
			t.Errorf("IsSlackMemberID(%q) = %v; want %v", in, got, want)
		}
	}
}
