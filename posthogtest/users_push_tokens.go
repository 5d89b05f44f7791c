package posthogtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/google/uuid"
)

// registerPushToken serves POST /api/users/@me/push_tokens/.
func (x *exchange) registerPushToken(body map[string]json.RawMessage) {
	token, _ := asString(body["token"])
	platform, _ := asString(body["platform"])
	switch {
	case token == "":
		x.required("token")
		return
	case utf8.RuneCountInString(token) > 512:
		x.tooLong("token", 512)
		return
	case !slices.Contains([]string{"ios", "android", "web"}, platform):
		x.notAChoice("platform", platform)
		return
	}
	m := x.mutable(x.auth.user)
	now := x.f.now()
	for _, t := range m.pushTokens {
		if t.token == token {
			t.platform, t.lastSeen = platform, &now
			x.json(http.StatusOK, pushTokenJSON(t))
			return
		}
	}
	t := &pushToken{id: uuid.New(), token: token, platform: platform, createdAt: now}
	m.pushTokens = append(m.pushTokens, t)
	if len(m.pushTokens) > 20 {
		m.pushTokens = m.pushTokens[len(m.pushTokens)-20:]
	}
	x.json(http.StatusOK, pushTokenJSON(t))
}

// pushTokenJSON writes a push token as PostHog's serializer does.
func pushTokenJSON(t *pushToken) map[string]any {
	out := map[string]any{"id": t.id, "platform": t.platform, "created_at": formatTime(t.createdAt), "last_seen_at": nil}
	if t.lastSeen != nil {
		out["last_seen_at"] = formatTime(*t.lastSeen)
	}
	return out
}

// onPushTokenBody adapts a handler of a push token route: the route must
// name @me, which PostHog requires even of staff, and the body is decoded
// first; h runs only when neither answered.
func onPushTokenBody(h func(x *exchange, body map[string]json.RawMessage)) func(*exchange) {
	return func(x *exchange) {
		if x.userArg != "@me" {
			x.denied("Push tokens can only be managed via the `@me` path.")
			return
		}
		if body, ok := x.decode(); ok {
			h(x, body)
		}
	}
}

// unregisterPushToken serves POST /api/users/@me/push_tokens/unregister/.
func (x *exchange) unregisterPushToken(body map[string]json.RawMessage) {
	token, _ := asString(body["token"])
	m := x.mutable(x.auth.user)
	m.pushTokens = slices.DeleteFunc(m.pushTokens, func(t *pushToken) bool { return t.token == token })
	x.noContent()
}
