package posthogusers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hogkit/posthogusers"
	"github.com/hogkit/posthogusers/posthogtest"
)

// Middleware that counts requests by operation and status, as a metrics
// counter would: it runs once per attempt, so a retried 503 counts too.
func ExampleWithMiddleware() {
	fake := posthogtest.New()
	ada := fake.AddUser(posthogtest.UserSpec{Email: "ada@example.com"})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	var mu sync.Mutex
	counts := map[string]int{}
	count := func(req *http.Request, next posthogusers.MiddlewareNext) (*http.Response, error) {
		resp, err := next(req)
		status := "error"
		if err == nil {
			status = strconv.Itoa(resp.StatusCode)
		}
		mu.Lock()
		counts[posthogusers.OperationName(req)+" "+status]++
		mu.Unlock()
		return resp, err
	}
	client, err := posthogusers.NewClient(fake.AddKey(ada.UUID, "user:read"),
		posthogusers.WithBaseURL(srv.URL), posthogusers.WithRetryWait(time.Millisecond, time.Millisecond),
		posthogusers.WithMiddleware(count))
	if err != nil {
		panic(err)
	}

	ctx := context.Background()
	fake.InjectFault(posthogtest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	_, _ = client.Users.Get(ctx, posthogusers.Me)                                      // 503, then 200
	_, _ = client.Users.Update(ctx, posthogusers.Me, posthogusers.UpdateUserRequest{}) // the key lacks user:write
	for _, err := range client.Users.Scan(ctx, nil).Users() {
		if err != nil {
			panic(err)
		}
	}

	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Println(k, counts[k])
	}
	// Output:
	// users.get 200 1
	// users.get 503 1
	// users.scan.page 200 1
	// users.update 403 1
}
