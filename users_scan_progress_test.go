package posthogusers_test

import (
	"fmt"
	"testing"

	"github.com/hogkit/posthogusers"
)

// OnProgress runs once the loop has had every user of the page, whatever
// the window and the iterator: a checkpoint saved there covers only users
// the loop body handled.
func TestScan_onProgressAfterTheLoop(t *testing.T) {
	t.Parallel()
	const n, limit = 95, 10
	f := newScanFake(t, n)
	for _, window := range []int{1, 4} {
		for _, mode := range []string{"users", "raw", "pages"} {
			t.Run(fmt.Sprintf("window=%d/%s", window, mode), func(t *testing.T) {
				handled, calls := 0, 0
				sc := f.scan(t.Context(), posthogusers.ScanOptions{Limit: limit, Window: window, OnProgress: func(p posthogusers.Progress) {
					calls++
					if p.Done != handled || p.Checkpoint.Offset != handled {
						t.Errorf("OnProgress(%+v) with %d users handled", p, handled)
					}
				}})
				var err error
				switch mode {
				case "users":
					for _, err = range sc.Users() {
						if err == nil {
							handled++
						}
					}
				case "raw":
					for _, err = range sc.Raw() {
						if err == nil {
							handled++
						}
					}
				case "pages":
					for page, perr := range sc.Pages() {
						if err = perr; err == nil {
							handled += len(page.Users)
						}
					}
				}
				if err != nil || handled != n || calls != (n+limit-1)/limit {
					t.Errorf("%d users handled, %d OnProgress calls, error %v; want %d, %d, none", handled, calls, err, n, (n+limit-1)/limit)
				}
			})
		}
	}
}
