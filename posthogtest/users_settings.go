package posthogtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/hogkit/posthogusers/internal/wire"
)

// getHedgehog serves GET …/hedgehog_config/: {} when unset.
func (x *exchange) getHedgehog(u *user) {
	if len(u.hedgehog) == 0 || wire.IsNull(u.hedgehog) || bytes.Equal(bytes.TrimSpace(u.hedgehog), []byte("{}")) {
		x.json(http.StatusOK, map[string]any{})
		return
	}
	x.json(http.StatusOK, u.hedgehog)
}

// replaceHedgehog serves PATCH …/hedgehog_config/: the body replaces the
// whole stored value, unvalidated.
func (x *exchange) replaceHedgehog(u *user) {
	if !json.Valid(x.body) {
		x.fail(http.StatusBadRequest, "invalid_request", "parse_error", "JSON parse error - invalid JSON", "")
		return
	}
	x.mutable(u).hedgehog = append(json.RawMessage(nil), x.body...)
	x.json(http.StatusOK, u.hedgehog)
}

// productIntroSeen serves PATCH …/product_intro_seen/.
func (x *exchange) productIntroSeen(u *user, body map[string]json.RawMessage) {
	raw, has := body["product_key"]
	key, isString := asString(raw)
	switch {
	case !has:
		x.required("product_key")
		return
	case !isString || key == "":
		x.invalid("blank", "This field may not be blank.", "product_key")
		return
	case utf8.RuneCountInString(key) > 128:
		x.tooLong("product_key", 128)
		return
	}
	seen := true
	if raw, ok := body["seen"]; ok && !x.decodeBool("seen", raw, &seen) {
		return
	}
	if _, exists := u.productIntros[key]; !exists && len(u.productIntros) >= 100 {
		x.invalid("invalid_input", "Cannot track more than 100 product intros", "")
		return
	}
	x.mutable(u).productIntros[key] = seen
	x.json(http.StatusOK, u.productIntros)
}

// scenePersonalisation serves POST …/scene_personalisation/: the
// dashboard of a scene in the user's current project.
func (x *exchange) scenePersonalisation(u *user, body map[string]json.RawMessage) {
	scene, _ := asString(body["scene"])
	var dashboard int64
	hasDashboard := json.Unmarshal(body["dashboard"], &dashboard) == nil && !wire.IsNull(body["dashboard"])
	switch {
	case !hasDashboard:
		x.invalid("invalid_input", "Dashboard must be provided.", "")
		return
	case scene == "":
		x.invalid("invalid_input", "Scene must be provided.", "")
		return
	case utf8.RuneCountInString(scene) > 200:
		x.tooLong("scene", 200)
		return
	case u.currentTeam == nil:
		x.invalid("invalid_input", "Dashboard must belong to the user's current team.", "dashboard")
		return
	}
	m := x.mutable(u)
	choice := sceneChoice{Scene: scene, Dashboard: dashboard, team: u.currentTeam.id}
	if i := slices.IndexFunc(m.scenes, func(s sceneChoice) bool { return s.Scene == scene && s.team == choice.team }); i >= 0 {
		m.scenes[i] = choice
	} else {
		m.scenes = append(m.scenes, choice)
	}
	x.json(http.StatusOK, x.serializeUser(u))
}

// skipOnboarding serves POST …/onboarding/skip/.
func (x *exchange) skipOnboarding(u *user, body map[string]json.RawMessage) {
	reason, _ := asString(body["reason"])
	step, _ := asString(body["step_at_skip"])
	switch {
	case reason != "later" && reason != "other":
		if _, has := body["reason"]; !has {
			x.required("reason")
		} else {
			x.notAChoice("reason", reason)
		}
		return
	case utf8.RuneCountInString(step) > 64:
		x.tooLong("step_at_skip", 64)
		return
	}
	m := x.mutable(u)
	now := x.f.now()
	m.onboardingSkippedAt, m.onboardingSkipReason = &now, reason
	x.json(http.StatusOK, x.serializeUser(u))
}
