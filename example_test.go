package posthogusers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	mux.HandleFunc("GET /api/users/@me/two_factor_status/", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("sessionid"); err != nil || c.Value != "your-session-id" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"type":"authentication_error","code":"permission_denied","detail":"This action does not support personal API key access","attr":null}`)
			return
		}
		fmt.Fprint(w, `{"is_enabled":true,"backup_codes_remaining":8,"method":"TOTP","has_passkeys":false,"has_totp":true,"passkeys_enabled_for_2fa":false}`)
	})
	hedgehog := `{"color":"blue","accessories":["beret"]}`
	mux.HandleFunc("GET /api/users/@me/hedgehog_config/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, hedgehog)
	})
	mux.HandleFunc("PATCH /api/users/@me/hedgehog_config/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hedgehog = string(b) // PostHog replaces the whole value
		fmt.Fprint(w, hedgehog)
	})
	mux.HandleFunc("GET /api/users/@me/signal_autonomy/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound) // no configuration: an empty 404
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

func ExampleWithSession() {
	srv := fakePostHog()
	defer srv.Close()

	// Two-factor endpoints refuse API keys whatever their scopes.
	keyClient, err := posthogusers.NewClient("phx_your_personal_api_key", posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	_, err = keyClient.TwoFactor.Status(context.Background(), posthogusers.Me)
	fmt.Println(errors.Is(err, posthogusers.ErrSessionRequired))

	// A logged-in session's cookies work.
	client, err := posthogusers.NewClient("", posthogusers.WithBaseURL(srv.URL), posthogusers.WithSession(posthogusers.Session{
		ID:        "your-session-id",
		CSRFToken: "your-csrf-token",
	}))
	if err != nil {
		log.Fatal(err)
	}
	status, err := client.TwoFactor.Status(context.Background(), posthogusers.Me)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(status.IsEnabled, *status.Method, status.BackupCodesRemaining)
	// Output:
	// true
	// true TOTP 8
}

func ExampleUsersService_MergeHedgehogConfig() {
	srv := fakePostHog()
	defer srv.Close()
	client, err := posthogusers.NewClient("phx_your_personal_api_key", posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	// Change the color, drop the accessories, keep everything else.
	cfg, err := client.Users.MergeHedgehogConfig(context.Background(), posthogusers.Me, map[string]any{
		"color":       "green",
		"accessories": nil,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(cfg))
	// Output: {"color":"green"}
}

func ExampleSignalAutonomyService_Get() {
	srv := fakePostHog()
	defer srv.Close()
	client, err := posthogusers.NewClient("phx_your_personal_api_key", posthogusers.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	cfg, found, err := client.SignalAutonomy.Get(context.Background(), posthogusers.AutonomyMe)
	if err != nil {
		log.Fatal(err)
	}
	if !found {
		fmt.Println("no signal autonomy configuration yet")
		return
	}
	fmt.Println(cfg.AutostartPriority)
	// Output: no signal autonomy configuration yet
}
