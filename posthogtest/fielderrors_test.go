package posthogtest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hogkit/posthogusers/posthogtest"
)

// TestFieldErrors pins DRF's field errors (code, detail and attr) on the
// endpoints outside a user's PATCH and PUT.
func TestFieldErrors(t *testing.T) {
	t.Parallel()
	const (
		required = "This field is required."
		notBool  = "Must be a valid boolean."
	)
	tests := []struct {
		name, method, path, body string
		session                  bool
		status                   int
		code, detail, attr       string
	}{
		{"push token missing", "POST", "/api/users/@me/push_tokens/", `{"platform":"ios"}`, false, 400, "required", required, "token"},
		{"push token too long", "POST", "/api/users/@me/push_tokens/", `{"token":"` + strings.Repeat("t", 513) + `","platform":"ios"}`, false, 400,
			"max_length", "Ensure this field has no more than 512 characters.", "token"},
		{"push platform", "POST", "/api/users/@me/push_tokens/", `{"token":"t","platform":"palm"}`, false, 400,
			"invalid_choice", `"palm" is not a valid choice.`, "platform"},
		{"product key missing", "PATCH", "/api/users/@me/product_intro_seen/", `{}`, false, 400, "required", required, "product_key"},
		{"product key too long", "PATCH", "/api/users/@me/product_intro_seen/", `{"product_key":"` + strings.Repeat("k", 129) + `"}`, false, 400,
			"max_length", "Ensure this field has no more than 128 characters.", "product_key"},
		{"product seen", "PATCH", "/api/users/@me/product_intro_seen/", `{"product_key":"k","seen":"yes"}`, false, 400, "invalid_input", notBool, "seen"},
		{"scene too long", "POST", "/api/users/@me/scene_personalisation/", `{"dashboard":1,"scene":"` + strings.Repeat("s", 201) + `"}`, true, 400,
			"max_length", "Ensure this field has no more than 200 characters.", "scene"},
		{"skip reason missing", "POST", "/api/users/@me/onboarding/skip/", `{}`, true, 400, "required", required, "reason"},
		{"skip reason", "POST", "/api/users/@me/onboarding/skip/", `{"reason":"bored"}`, true, 400, "invalid_choice", `"bored" is not a valid choice.`, "reason"},
		{"skip step too long", "POST", "/api/users/@me/onboarding/skip/", `{"reason":"later","step_at_skip":"` + strings.Repeat("s", 65) + `"}`, true, 400,
			"max_length", "Ensure this field has no more than 64 characters.", "step_at_skip"},
		{"branches repo missing", "GET", "/api/users/@me/integrations/github/1/branches/", "", false, 400, "required", required, "repo"},
		{"branches limit", "GET", "/api/users/@me/integrations/github/1/branches/?repo=a/b&limit=1001", "", false, 400,
			"max_value", "Ensure this value is less than or equal to 1000.", "limit"},
		{"repos limit", "GET", "/api/users/@me/integrations/github/1/repos/?limit=501", "", false, 400,
			"max_value", "Ensure this value is less than or equal to 500.", "limit"},
		{"repos offset", "GET", "/api/users/@me/integrations/github/1/repos/?offset=-1", "", false, 400,
			"min_value", "Ensure this value is greater than or equal to 0.", "offset"},
		{"branches offset", "GET", "/api/users/@me/integrations/github/1/branches/?repo=a/b&offset=x", "", false, 400,
			"invalid_input", "A valid integer is required.", "offset"},
		{"github prepare installation missing", "POST", "/api/users/@me/integrations/github/prepare_callback/", `{}`, false, 400, "required", required, "installation_id"},
		{"slack link unknown", "DELETE", "/api/users/@me/integrations/slack/U123/", "", false, 404, "not_found", "No Slack link found for this Slack user id.", ""},
		{"login session unknown", "DELETE", "/api/users/@me/login_sessions/nope/", "", true, 404, "not_found", "Login session not found.", ""},
		{"autonomy bool", "POST", "/api/users/@me/signal_autonomy/", `{"github_assign_on_pull_request":"x"}`, false, 400,
			"invalid_input", notBool, "github_assign_on_pull_request"},
		{"autonomy channel too long", "POST", "/api/users/@me/signal_autonomy/", `{"slack_notification_channel":"` + strings.Repeat("c", 256) + `"}`, false, 400,
			"max_length", "Ensure this field has no more than 255 characters.", "slack_notification_channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv := posthogtest.NewServer(t)
			h := bearer(srv.AddKey(srv.User.UUID, "*"))
			if tt.session {
				s := srv.AddSession(srv.User.UUID)
				h = http.Header{"Cookie": {"sessionid=" + s.ID + "; posthog_csrftoken=" + s.CSRFToken}, "X-Csrftoken": {s.CSRFToken}}
			}
			r := do(t, srv, tt.method, tt.path, tt.body, h)
			wantError(t, r, tt.status, tt.code, tt.detail)
			var attr any
			if tt.attr != "" {
				attr = tt.attr
			}
			if got := r.envelope(t)["attr"]; got != attr {
				t.Errorf("attr %v; want %v", got, attr)
			}
		})
	}
}

// TestFieldErrors_nullNotAllowed pins DRF's answer to null for a user's
// fields that are not nullable: 400 with code "null", not a stored "" or
// false.
func TestFieldErrors_nullNotAllowed(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"first_name", "last_name", "is_staff", "hide_mcp_hints"} {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			_, srv := posthogtest.NewServer(t, posthogtest.WithStaff())
			r := do(t, srv, "PATCH", "/api/users/@me/", `{"`+field+`":null}`, bearer(srv.Key))
			wantError(t, r, 400, "null", "This field may not be null.")
			if got := r.envelope(t)["attr"]; got != field {
				t.Errorf("attr %v; want %s", got, field)
			}
		})
	}
}
