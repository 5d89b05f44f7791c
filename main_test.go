package posthogusers

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: an iterator
// abandoned with break, a retry wait cut short or an error path must not leak.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
