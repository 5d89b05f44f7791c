package posthogusers_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// TestScan_autoWindowAgainstPosthogtest runs an adaptive window against the
// fake PostHog: with 20 ms a list page it grows past its start of 2, and
// when the fake starts answering 429 it shrinks below what it grew to,
// while every user still comes out once.
func TestScan_autoWindowAgainstPosthogtest(t *testing.T) {
	t.Parallel()
	_, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
	srv.SeedUsers(19999) // and the key's own user
	latency := posthogtest.Fault{Method: "GET", Path: "/api/users/", Latency: 20 * time.Millisecond}
	srv.InjectFault(latency)
	c := srv.NewClient(srv.Key, posthogusers.WithMaxRateLimitRetries(50))
	var before, after []int
	throttled := false
	seen := map[int64]bool{}
	sc := c.Users.Scan(t.Context(), &posthogusers.ScanOptions{Limit: 100, Window: posthogusers.AutoWindow,
		OnProgress: func(p posthogusers.Progress) {
			if !throttled && p.Done >= 5000 {
				throttled = true
				srv.ClearFaults() // a request gets the first fault that matches
				srv.InjectFault(posthogtest.Fault{Method: "GET", Path: "/api/users/", Status: 429, RetryAfter: "0", Times: 6})
				srv.InjectFault(latency)
			}
			if throttled {
				after = append(after, p.Window)
			} else {
				before = append(before, p.Window)
			}
		}})
	for u, err := range sc.Users() {
		if err != nil {
			t.Fatalf("after %d users: %v", len(seen), err)
		}
		if seen[u.ID] {
			t.Fatalf("user %d twice", u.ID)
		}
		seen[u.ID] = true
	}
	if len(seen) != 20000 {
		t.Fatalf("%d users; want 20,000", len(seen))
	}
	if slices.Max(before) <= 2 {
		t.Errorf("windows before the 429s %v; want the window to grow past 2", before)
	}
	// It may still be growing when the 429s begin: it must come down from
	// the most it grew to.
	grown := slices.Max(append(slices.Clone(before), after...))
	if len(after) == 0 || slices.Min(after) >= grown {
		t.Errorf("windows %v, then after the 429s %v; want it to shrink below the %d it grew to", before, after, grown)
	}
	throttledAnswers := 0
	for _, r := range srv.Requests() {
		if r.Status == 429 {
			throttledAnswers++
		}
	}
	if throttledAnswers != 6 {
		t.Errorf("the fake answered %d 429s; want the 6 injected", throttledAnswers)
	}
}
