package posthogusers

import (
	"errors"
	"strings"
	"testing"
)

func TestExpandPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		template string
		params   []string
		want     string
		wantErr  bool
	}{
		{"/api/users/", nil, "/api/users/", false},
		{"/api/users/{uuid}/", []string{"@me"}, "/api/users/@me/", false},
		{"/api/users/{uuid}/", []string{"a/b"}, "/api/users/a%2Fb/", false},
		{"/api/users/{uuid}/", []string{"a b?c#d"}, "/api/users/a%20b%3Fc%23d/", false},
		{"/api/users/{uuid}/", []string{".."}, "/api/users/%2E%2E/", false},
		{"/api/users/{uuid}/", []string{"."}, "/api/users/%2E/", false},
		{"/api/users/{uuid}/integrations/github/{installation_id}/", []string{"@me", "123"}, "/api/users/@me/integrations/github/123/", false},
		{"/api/users/{uuid}/", nil, "", true},
		{"/api/users/{uuid}/", []string{""}, "", true},
	}
	for _, tt := range tests {
		got, err := expandPath(tt.template, tt.params...)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("expandPath(%q, %q) = %q, %v; want %q, error %v", tt.template, tt.params, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidInput) {
			t.Errorf("expandPath error %v; want ErrInvalidInput", err)
		}
	}
}

func TestOperations_table(t *testing.T) {
	t.Parallel()
	for id, op := range operations {
		if op.method == "" || op.path == "" {
			t.Errorf("operation %d has no method or path", id)
		}
		if op.access == accessScoped && op.scope != ScopeUserRead && op.scope != ScopeUserWrite {
			t.Errorf("%s %s takes keys but names scope %q", op.method, op.path, op.scope)
		}
		// takesUser is the column that decides whether the first
		// parameter is a user UUID or @me; the path must agree.
		if got := strings.HasPrefix(op.path, "/api/users/{uuid}/"); got != op.takesUser {
			t.Errorf("%s %s: takesUser %v, but the path says %v", op.method, op.path, op.takesUser, got)
		}
		if op.sendOnce && idempotent(op.method) {
			t.Errorf("%s %s: sendOnce on a method that is retried as safe to repeat", op.method, op.path)
		}
		if op.access != accessScoped && op.scope != "" {
			t.Errorf("%s %s refuses keys but names scope %q", op.method, op.path, op.scope)
		}
	}
}
