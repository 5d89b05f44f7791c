package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
)

// The keys of the embedded fake: one with user:read and user:write, one
// with user:read only.
const (
	fakeKey         = "phx_quickstartReadWriteKey0000000000000000000000"
	fakeReadOnlyKey = "phx_quickstartReadOnlyKey00000000000000000000000"
)

// startFake starts a small stand-in for PostHog's users API with one
// non-staff user.
func startFake() *httptest.Server {
	var mu sync.Mutex
	me := map[string]any{
		"id": 1, "uuid": "0190a3c4-5b1e-7c2d-9f3a-2b6e8d4c1a07", "distinct_id": "quickstart",
		"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
		"date_joined": "2024-03-11T09:15:22Z", "theme_mode": "system", "is_staff": false,
		"organization": map[string]any{"id": "0190a3c4-4c0d-7b1c-8e29-1a5d7c3b0f96", "name": "Analytical Engines", "slug": "analytical-engines"},
	}
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	denied := func(w http.ResponseWriter, detail string) {
		writeJSON(w, http.StatusForbidden, map[string]any{"type": "authentication_error", "code": "permission_denied", "detail": detail, "attr": nil})
	}
	authorized := func(w http.ResponseWriter, r *http.Request, write bool) bool {
		switch r.Header.Get("Authorization") {
		case "Bearer " + fakeKey:
			return true
		case "Bearer " + fakeReadOnlyKey:
			if !write {
				return true
			}
			denied(w, "API key missing required scope 'user:write'")
			return false
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"type": "authentication_error", "code": "not_authenticated", "detail": "Authentication credentials were not provided.", "attr": nil})
		return false
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/users/{$}", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r, false) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"count": 1, "next": nil, "previous": nil, "results": []any{me}})
	})
	mux.HandleFunc("/api/users/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "@me" {
			denied(w, "As a non-staff user you're only allowed to access the `@me` user instance.")
			return
		}
		switch r.Method {
		case http.MethodGet:
			if !authorized(w, r, false) {
				return
			}
		case http.MethodPatch:
			if !authorized(w, r, true) {
				return
			}
			var patch map[string]any
			if err := json.NewDecoder(r.Body).Decode(&patch); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"type": "invalid_request", "code": "parse_error", "detail": "JSON parse error", "attr": nil})
				return
			}
			mu.Lock()
			for _, k := range []string{"first_name", "last_name", "theme_mode"} {
				if v, ok := patch[k]; ok {
					me[k] = v
				}
			}
			mu.Unlock()
		default:
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"type": "invalid_request", "code": "method_not_allowed", "detail": "Method \"" + r.Method + "\" not allowed.", "attr": nil})
			return
		}
		mu.Lock()
		defer mu.Unlock()
		writeJSON(w, http.StatusOK, me)
	})
	return httptest.NewServer(mux)
}
