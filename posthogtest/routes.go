package posthogtest

import (
	"net/http"
	"strings"

	"github.com/hogkit/posthogusers/internal/wire"
)

// access is how an endpoint authenticates and what it lets keys do.
type access int

const (
	// scoped admits a session, or a key with the endpoint's scope.
	scoped access = iota
	// keyRefused admits a session only; keys get 403 "This action does not
	// support personal API key access" whatever their scopes.
	keyRefused
	// sessionAuth tries only session authentication; a key is as good as
	// nothing (401).
	sessionAuth
	// anonymous needs no authentication.
	anonymous
)

// endpoint is one method of one route.
type endpoint struct {
	access access
	scope  string // for scoped
	// throttled applies PostHog's default per-key burst and sustained
	// rates (the integrations and signal autonomy views).
	throttled bool
	// userThrottle applies UserAuthenticationThrottle: 5 a minute per user
	// for bodies with current_password (UserViewSet).
	userThrottle bool
	// forbidUnauthenticated answers unauthenticated requests with 403, not
	// 401 (signal autonomy, whose first authenticator is DRF's own session
	// authentication).
	forbidUnauthenticated bool
	handle                func(x *exchange)
}

// matched is a route that matched a path: its methods and path arguments.
type matched struct {
	methods map[string]endpoint
	// user is the {uuid} or {user_id} segment; more holds the other
	// arguments (an installation ID, a Slack user ID, a login session ID).
	user, more string
}

// route finds the endpoint of x's request and serves it. Like PostHog's
// URL conf, it matches the path from its start, and answers a path it has
// no route for with 404 "Endpoint not found." before any authentication
// (posthog/urls.py: re_path(r"^api.+", api_not_found)). A path outside
// /api, where PostHog serves its web app, gets the same answer.
func (f *Fake) route(x *exchange) {
	m, ok := match(x.path)
	if !ok {
		x.notFound(detailEndpointNotFound)
		return
	}
	ep, allowed := m.methods[x.r.Method]
	if !allowed {
		// DRF authenticates and checks permissions before it finds no
		// handler; a key then has no action to be scoped for.
		if !x.authenticate(endpoint{access: scoped}) {
			return
		}
		if x.auth.token() {
			x.denied(detailNoKeyAccess)
			return
		}
		x.fail(http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed", `Method "`+x.r.Method+`" not allowed.`, "")
		return
	}
	if !x.authenticate(ep) || !x.authorize(ep) || !x.throttle(ep, m) {
		return
	}
	x.userArg, x.moreArg = m.user, m.more
	ep.handle(x)
}

// detailEndpointNotFound is the detail of PostHog's 404 for a path it has
// no route for.
const detailEndpointNotFound = "Endpoint not found."

// match parses a path, from its start, into a route. Only paths that start
// with /api/users have one.
func match(p string) (matched, bool) {
	rest, ok := strings.CutPrefix(p, "/api/users")
	if !ok || rest != "" && rest[0] != '/' {
		return matched{}, false
	}
	slash := strings.HasSuffix(rest, "/")
	rest = strings.Trim(rest, "/")
	var s []string
	if rest != "" {
		s = strings.Split(rest, "/")
	}
	for _, seg := range s {
		if seg == "" {
			return matched{}, false
		}
	}
	switch len(s) {
	case 0:
		return matched{methods: routeList}, true
	case 1:
		switch s[0] {
		case "cancel_email_change_request":
			return matched{methods: routeCancelEmail}, true
		case "verify_email":
			return matched{methods: routeVerifyEmail}, true
		case "request_email_verification":
			return matched{methods: routeRequestVerification}, true
		}
		return matched{methods: routeUser, user: s[0]}, true
	case 2:
		if s[1] == "signal_autonomy" {
			// A plain Django route: the trailing slash is required.
			return matched{methods: routeAutonomy, user: s[0]}, slash
		}
		if s[1] == "push_tokens" {
			return matched{methods: routePushTokens, user: s[0]}, true
		}
		if r, ok := userActions[s[1]]; ok {
			return matched{methods: r, user: s[0]}, true
		}
	case 3:
		switch {
		case s[1] == "onboarding" && s[2] == "skip":
			return matched{methods: routeSkipOnboarding, user: s[0]}, true
		case s[1] == "login_sessions" && s[2] == "revoke_others":
			return matched{methods: routeRevokeOthers, user: s[0]}, true
		case s[1] == "login_sessions":
			return matched{methods: routeLoginSession, user: s[0], more: s[2]}, true
		case s[1] == "push_tokens" && s[2] == "unregister":
			return matched{methods: routeUnregisterPush, user: s[0]}, true
		}
	}
	if len(s) >= 3 && s[1] == "integrations" {
		return matchIntegrations(s[0], s[2:])
	}
	if len(s) == 2 && s[1] == "integrations" {
		return matched{methods: routeIntegrations, user: s[0]}, true
	}
	return matched{}, false
}

// matchIntegrations parses what follows /api/users/{uuid}/integrations/.
func matchIntegrations(user string, s []string) (matched, bool) {
	m := func(r map[string]endpoint, more string) (matched, bool) {
		return matched{methods: r, user: user, more: more}, true
	}
	switch {
	case len(s) == 2 && s[0] == "github" && s[1] == "start":
		return m(routeGitHubStart, "")
	case len(s) == 2 && s[0] == "github" && s[1] == "prepare_callback":
		return m(routeGitHubPrepare, "")
	case len(s) == 2 && s[0] == "github" && isDigits(s[1]):
		return m(routeGitHubInstall, s[1])
	case len(s) == 3 && s[0] == "github" && isDigits(s[1]) && s[2] == "repos":
		return m(routeGitHubRepos, s[1])
	case len(s) == 4 && s[0] == "github" && isDigits(s[1]) && s[2] == "repos" && s[3] == "refresh":
		return m(routeGitHubRefresh, s[1])
	case len(s) == 3 && s[0] == "github" && isDigits(s[1]) && s[2] == "branches":
		return m(routeGitHubBranches, s[1])
	case len(s) == 2 && s[0] == "slack" && s[1] == "linkable_workspaces":
		return m(routeSlackLinkable, "")
	case len(s) == 2 && s[0] == "slack" && s[1] == "start":
		return m(routeSlackStart, "")
	case len(s) == 2 && s[0] == "slack" && wire.IsSlackMemberID(s[1]):
		return m(routeSlackLink, s[1])
	}
	return matched{}, false
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// The routes, method by method, with how each authenticates
// (reference: posthog/api/user.py, user_integration.py, user_push_token.py,
// products/signals/backend/views.py).
var (
	routeList = map[string]endpoint{
		http.MethodGet: {access: scoped, scope: scopeRead, handle: (*exchange).listUsers},
	}
	routeUser = map[string]endpoint{
		http.MethodGet:    {access: scoped, scope: scopeRead, handle: onTarget((*exchange).getUser)},
		http.MethodPatch:  {access: scoped, scope: scopeWrite, userThrottle: true, handle: onTargetBody((*exchange).patchUser)},
		http.MethodPut:    {access: scoped, scope: scopeWrite, userThrottle: true, handle: onTargetBody((*exchange).putUser)},
		http.MethodDelete: {access: sessionAuth, handle: onTarget((*exchange).deleteUser)},
	}
	routeCancelEmail         = map[string]endpoint{http.MethodPatch: {access: keyRefused, handle: (*exchange).cancelEmailChange}}
	routeVerifyEmail         = map[string]endpoint{http.MethodPost: {access: anonymous, handle: onBody((*exchange).verifyEmail)}}
	routeRequestVerification = map[string]endpoint{http.MethodPost: {access: anonymous, handle: onBody((*exchange).requestVerification)}}
	routeSkipOnboarding      = map[string]endpoint{http.MethodPost: {access: keyRefused, handle: onTargetBody((*exchange).skipOnboarding)}}
	routeRevokeOthers        = map[string]endpoint{http.MethodPost: {access: sessionAuth, handle: onTarget((*exchange).revokeOtherSessions)}}
	routeLoginSession        = map[string]endpoint{http.MethodDelete: {access: sessionAuth, handle: onTarget((*exchange).revokeSession)}}
	routePushTokens          = map[string]endpoint{http.MethodPost: {access: scoped, scope: scopeWrite, handle: onPushTokenBody((*exchange).registerPushToken)}}
	routeUnregisterPush      = map[string]endpoint{http.MethodPost: {access: scoped, scope: scopeWrite, handle: onPushTokenBody((*exchange).unregisterPushToken)}}

	userActions = map[string]map[string]endpoint{
		"github_login": {http.MethodGet: {access: scoped, scope: scopeRead, handle: onTarget((*exchange).githubLogin)}},
		"hedgehog_config": {
			http.MethodGet:   {access: scoped, scope: scopeRead, handle: onTarget((*exchange).getHedgehog)},
			http.MethodPatch: {access: scoped, scope: scopeWrite, handle: onTarget((*exchange).replaceHedgehog)},
		},
		"product_intro_seen":          {http.MethodPatch: {access: scoped, scope: scopeWrite, handle: onTargetBody((*exchange).productIntroSeen)}},
		"scene_personalisation":       {http.MethodPost: {access: keyRefused, handle: onTargetBody((*exchange).scenePersonalisation)}},
		"start_2fa_setup":             {http.MethodGet: {access: keyRefused, handle: onTarget((*exchange).startTwoFactor)}},
		"two_factor_start_setup":      {http.MethodGet: {access: keyRefused, handle: onTarget((*exchange).startTwoFactor)}},
		"two_factor_status":           {http.MethodGet: {access: keyRefused, handle: onTarget((*exchange).twoFactorStatus)}},
		"validate_2fa":                {http.MethodPost: {access: keyRefused, handle: onTarget((*exchange).validateTwoFactor)}},
		"two_factor_validate":         {http.MethodPost: {access: keyRefused, handle: onTarget((*exchange).validateTwoFactor)}},
		"two_factor_backup_codes":     {http.MethodPost: {access: keyRefused, handle: onTarget((*exchange).backupCodes)}},
		"two_factor_disable":          {http.MethodPost: {access: keyRefused, handle: onTarget((*exchange).disableTwoFactor)}},
		"login_sessions":              {http.MethodGet: {access: sessionAuth, handle: onTarget((*exchange).loginSessions)}},
		"credentials_review_complete": {http.MethodPost: {access: sessionAuth, handle: onTarget((*exchange).credentialsReviewed)}},
	}

	routeIntegrations   = map[string]endpoint{http.MethodGet: {access: scoped, scope: scopeRead, throttled: true, handle: onTarget((*exchange).listIntegrations)}}
	routeGitHubStart    = map[string]endpoint{http.MethodPost: {access: scoped, scope: scopeWrite, userThrottle: true, handle: (*exchange).githubStart}}
	routeGitHubPrepare  = map[string]endpoint{http.MethodPost: {access: scoped, scope: scopeWrite, throttled: true, handle: onTargetBody((*exchange).githubPrepare)}}
	routeGitHubInstall  = map[string]endpoint{http.MethodDelete: {access: scoped, scope: scopeWrite, throttled: true, handle: onTarget((*exchange).githubDelete)}}
	routeGitHubRepos    = map[string]endpoint{http.MethodGet: {access: scoped, scope: scopeRead, throttled: true, handle: onTarget((*exchange).githubRepos)}}
	routeGitHubRefresh  = map[string]endpoint{http.MethodPost: {access: scoped, scope: scopeWrite, throttled: true, handle: onTarget((*exchange).githubRefresh)}}
	routeGitHubBranches = map[string]endpoint{http.MethodGet: {access: scoped, scope: scopeRead, throttled: true, handle: onTarget((*exchange).githubBranches)}}
	routeSlackLinkable  = map[string]endpoint{http.MethodGet: {access: scoped, scope: scopeRead, throttled: true, handle: onTarget((*exchange).slackLinkable)}}
	routeSlackStart     = map[string]endpoint{http.MethodPost: {access: scoped, scope: scopeWrite, userThrottle: true, handle: (*exchange).slackStart}}
	routeSlackLink      = map[string]endpoint{http.MethodDelete: {access: scoped, scope: scopeWrite, throttled: true, handle: onTarget((*exchange).slackDelete)}}

	routeAutonomy = map[string]endpoint{
		http.MethodGet:    {access: scoped, scope: scopeWrite, throttled: true, forbidUnauthenticated: true, handle: onAutonomyUser((*exchange).getAutonomy)},
		http.MethodPost:   {access: scoped, scope: scopeWrite, throttled: true, forbidUnauthenticated: true, handle: onAutonomyUser((*exchange).setAutonomy)},
		http.MethodDelete: {access: scoped, scope: scopeWrite, throttled: true, forbidUnauthenticated: true, handle: onAutonomyUser((*exchange).deleteAutonomy)},
	}
)
