package posthogusers_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// BenchmarkThrottledScan scans 3,000 users in pages of 100 from a fake that
// lets 10 requests a second through and answers the rest with 429 and
// Retry-After, as a proxy in front of PostHog may, once with a fixed window
// of 8 pages and once with AutoWindow. It reports the 429s a scan met
// (429s/scan), which an adaptive window should keep below the fixed one's.
// Run it with -benchtime 1x: a scan takes seconds, since the client waits
// what Retry-After asks.
func BenchmarkThrottledScan(b *testing.B) {
	for _, window := range []int{8, posthogusers.AutoWindow} {
		name := "window=" + strconv.Itoa(window)
		if window == posthogusers.AutoWindow {
			name = "window=auto"
		}
		b.Run(name, func(b *testing.B) {
			var throttled, users int
			for b.Loop() {
				_, srv := posthogtest.NewServer(b, posthogtest.WithStaff(), posthogtest.WithThrottle(10, time.Second))
				srv.SeedUsers(2999) // and the key's own user
				c := srv.NewClient(srv.Key, posthogusers.WithMaxRetryAfter(5*time.Second), posthogusers.WithMaxRetries(20))
				for _, err := range c.Users.Scan(b.Context(), &posthogusers.ScanOptions{Limit: 100, Window: window}).Users() {
					if err != nil {
						b.Fatal(err)
					}
					users++
				}
				for _, r := range srv.Requests() {
					if r.Status == http.StatusTooManyRequests {
						throttled++
					}
				}
			}
			if users != 3000*b.N {
				b.Fatalf("%d users in %d scans; want 3,000 each", users, b.N)
			}
			b.ReportMetric(float64(throttled)/float64(b.N), "429s/scan")
		})
	}
}
