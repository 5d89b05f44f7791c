package posthogtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/hogkit/posthogusers/posthogtest"
)

// BenchmarkSeedUsers measures seeding a million users.
func BenchmarkSeedUsers(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f := posthogtest.New()
		f.SeedUsers(1_000_000)
	}
	b.ReportMetric(1_000_000, "users/op")
}

// BenchmarkListPage measures serving one page of 100 users, at the start
// and at the end of a million, to show that paging deep costs no more.
func BenchmarkListPage(b *testing.B) {
	f := posthogtest.New()
	staff := f.AddUser(posthogtest.UserSpec{IsStaff: true})
	key := f.AddKey(staff.UUID, "user:read")
	f.SeedUsers(1_000_000)
	for _, offset := range []int{0, 999_900} {
		b.Run("offset="+strconv.Itoa(offset), func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/users/?limit=100&offset="+strconv.Itoa(offset), nil)
			req.Header.Set("Authorization", "Bearer "+key)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				f.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				_, _ = io.Copy(io.Discard, w.Body)
			}
			b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "users/s")
		})
	}
}
