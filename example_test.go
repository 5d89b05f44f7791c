package posthogusers_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/hogkit/posthogusers"
)

// fakePostHog is a tiny stand-in for PostHog, so that the examples run.
func fakePostHog() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/users/@me/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":1,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","email":"ada@example.com","first_name":"Ada","theme_mode":"dark"}`)
	})
	mux.HandleFunc("PATCH /api/users/@me/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer phx_readonly" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'user:write'","attr":null}`)
			return
		}
		fmt.Fprint(w, `{"id":1,"uuid":"0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07","email":"ada@example.com","first_name":"Ada","theme_mode":""}`)
	})
	mux.HandleFunc("GET /api/users/", func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		next := "null"
		if offset == 0 {
			next = `"https://us.posthog.com/api/users/?limit=2&offset=2"`
		}
		fmt.Fprintf(w, `{"count":3,"next":%s,"previous":null,"results":[`, next)
		for i := offset; i < min(offset+2, 3); i++ {
			if i > offset {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id":%d,"uuid":"00000000-0000-4000-8000-00000000000%d","email":"user%d@example.com"}`, i+1, i+1, i+1)
		}
		fmt.Fprint(w, "]}")
	})
	return httptest.NewServer(mux)
}

func ExampleNewClient() {
	// Keys belong to one PostHog Cloud region; EU keys need EUCloud.
	client, err := posthogusers.NewClient("phx_your_personal_api_key", posthogusers.WithBaseURL(posthogusers.EUCloud))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL())

	// Project tokens cannot call the users API.
	_, err = posthogusers.NewClient("phc_project_token")
	fmt.Println(errors.Is(err, posthogusers.ErrInvalidInput))
	// Output:
	// https://eu.posthog.com
	// true
}

func ExampleUsersService_Get() {
	srv := fakePostHog()
	defer srv.Close()
	client, err := posthogusers.NewClient("phx_your_personal_api_key", posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	me, err := client.Users.Get(context.Background(), posthogusers.Me)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Email, me.ThemeMode)
	// Output: ada@example.com dark
}

func ExampleUsersService_All() {
	srv := fakePostHog()
	defer srv.Close()
	client, err := posthogusers.NewClient("phx_your_personal_api_key", posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	for user, err := range client.Users.All(context.Background(), &posthogusers.ListUsersOptions{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(user.ID, user.Email)
	}
	// Output:
	// 1 user1@example.com
	// 2 user2@example.com
	// 3 user3@example.com
}

func ExampleUsersService_Update() {
	srv := fakePostHog()
	defer srv.Close()
	client, err := posthogusers.NewClient("phx_your_personal_api_key", posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	// Set the first name, clear the theme, leave everything else alone.
	me, err := client.Users.Update(context.Background(), posthogusers.Me, posthogusers.UpdateUserRequest{
		FirstName: posthogusers.Ptr("Ada"),
		ThemeMode: posthogusers.Null[posthogusers.ThemeMode](),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %q\n", me.FirstName, me.ThemeMode)
	// Output: Ada ""
}

func ExampleScopeError() {
	srv := fakePostHog()
	defer srv.Close()
	client, err := posthogusers.NewClient("phx_readonly", posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Users.Update(context.Background(), posthogusers.Me, posthogusers.UpdateUserRequest{FirstName: posthogusers.Ptr("Ada")})
	var scopeErr *posthogusers.ScopeError
	if errors.As(err, &scopeErr) {
		fmt.Println("missing scope:", scopeErr.Scope)
	}
	fmt.Println(err)
	fmt.Println(errors.Is(err, posthogusers.ErrForbidden))
	// Output:
	// missing scope: user:write
	// posthogusers: PATCH /api/users/@me/ needs scope user:write; the key lacks it
	// true
}
