package posthogusers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// benchServer serves n users in pages of PostHog's shape, built once, so
// that the benchmarks measure the client.
func benchServer(b *testing.B, n int) *httptest.Server {
	b.Helper()
	users := make([]json.RawMessage, n)
	for i := range users {
		users[i] = mustJSON(b, fixtureUser(b, i+1))
	}
	one := users[0]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/users/" {
			_, _ = w.Write(one)
			return
		}
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 {
			limit = 100
		}
		offset, _ := strconv.Atoi(q.Get("offset"))
		end := min(offset+limit, n)
		next := "null"
		if end < n {
			next = fmt.Sprintf(`"http://%s/api/users/?limit=%d&offset=%d"`, r.Host, limit, end)
		}
		fmt.Fprintf(w, `{"count":%d,"next":%s,"previous":null,"results":[`, n, next)
		for i := offset; i < end; i++ {
			if i > offset {
				_, _ = w.Write([]byte{','})
			}
			_, _ = w.Write(users[i])
		}
		_, _ = w.Write([]byte("]}"))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkGet compares Users.Get with a hand-written net/http request that
// decodes into the same User type.
func BenchmarkGet(b *testing.B) {
	srv := benchServer(b, 1)
	b.Run("impl=sdk", func(b *testing.B) {
		c, err := NewClient(testKey, WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Users.Get(b.Context(), Me); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=net-http", func(b *testing.B) {
		hc := srv.Client()
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, srv.URL+"/api/users/@me/", nil)
			req.Header.Set("Authorization", "Bearer "+testKey)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var u User
			err = json.NewDecoder(resp.Body).Decode(&u)
			drainAndClose(resp.Body)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAll iterates 2,000 users in pages of 200 with Users.All, against
// a hand-written loop over the same pages with net/http.
func BenchmarkAll(b *testing.B) {
	const n, limit = 2000, 200
	srv := benchServer(b, n)
	b.Run("impl=sdk", func(b *testing.B) {
		c, err := NewClient(testKey, WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			count := 0
			for _, err := range c.Users.All(b.Context(), &ListUsersOptions{Limit: limit}) {
				if err != nil {
					b.Fatal(err)
				}
				count++
			}
			if count != n {
				b.Fatalf("got %d users; want %d", count, n)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
	})
	b.Run("impl=net-http", func(b *testing.B) {
		hc := srv.Client()
		b.ReportAllocs()
		for b.Loop() {
			count := 0
			for offset := 0; offset < n; offset += limit {
				req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet,
					fmt.Sprintf("%s/api/users/?limit=%d&offset=%d", srv.URL, limit, offset), nil)
				req.Header.Set("Authorization", "Bearer "+testKey)
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var page Page[User]
				err = json.NewDecoder(resp.Body).Decode(&page)
				drainAndClose(resp.Body)
				if err != nil {
					b.Fatal(err)
				}
				count += len(page.Results)
			}
			if count != n {
				b.Fatalf("got %d users; want %d", count, n)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
	})
}
