package posthogusers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hogkit/posthogusers"
)

// Calling an endpoint the client has no method for, here PostHog's feature
// flags, with the client's credential, retries and errors.
func ExampleClient_Do() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/projects/{project}/feature_flags/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"count":1,"next":null,"previous":null,"results":[{"id":7,"key":"new-onboarding","active":true}]}`)
	})
	mux.HandleFunc("DELETE /api/projects/{project}/feature_flags/{id}/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'feature_flag:write'","attr":null}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client, err := posthogusers.NewClient("phx_example", posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	var flags struct {
		Results []struct {
			Key    string `json:"key"`
			Active bool   `json:"active"`
		} `json:"results"`
	}
	err = client.Do(ctx, http.MethodGet, "/api/projects/@current/feature_flags/?active=true", nil, &flags)
	fmt.Println(flags.Results[0].Key, flags.Results[0].Active, err)

	err = client.Do(ctx, http.MethodDelete, "/api/projects/@current/feature_flags/7/", nil, nil)
	var scopeErr *posthogusers.ScopeError
	fmt.Println(errors.As(err, &scopeErr), scopeErr.Scope)

	err = client.Do(ctx, http.MethodGet, "/api/projects/../admin/", nil, nil) // refused, nothing sent
	fmt.Println(err)
	// Output:
	// new-onboarding true <nil>
	// true feature_flag:write
	// posthogusers: invalid path: a value of 23 characters holds a dot segment, which names another path
}
