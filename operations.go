package posthogusers

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// Scope is a personal API key scope. PostHog checks the scope an endpoint
// needs before anything else; a key with user:write also satisfies user:read,
// and a key with "*" satisfies both.
type Scope string

// The scopes of the users API.
const (
	// ScopeUserRead allows reading users.
	ScopeUserRead Scope = "user:read"
	// ScopeUserWrite allows changing users; it implies ScopeUserRead.
	ScopeUserWrite Scope = "user:write"
)

// access is how PostHog treats a personal API key on an endpoint.
type access int

const (
	// accessScoped: keys are accepted when they carry the operation's scope.
	accessScoped access = iota
	// accessKeyRefused: keys get 403 "This action does not support
	// personal API key access", even with scope "*"; sessions are accepted.
	accessKeyRefused
	// accessSessionAuth: the endpoint authenticates sessions only and never
	// reads a key, so a key gets 401 as if no credential had been sent.
	accessSessionAuth
	// accessAnonymous: no authentication is needed.
	accessAnonymous
)

// operation is one endpoint of the users API.
type operation struct {
	// name is the operation's stable name, which middleware reads with
	// [OperationName]: the service, then the endpoint, such as users.get.
	name   string
	method string
	path   string // template, e.g. "/api/users/{uuid}/"
	// takesUser says that the first path parameter is a user named by UUID
	// or [Me]: [Client.do] checks request.user with userID and fills it in.
	// The other parameters come from request.params, in template order.
	takesUser bool
	scope     Scope // the scope a key needs; "" when keys are not accepted
	access    access
	// sendOnce forbids retrying once the request may have reached PostHog,
	// for operations that must not run twice (their attempts count, or they
	// invalidate what came before); only a failure to connect is retried.
	sendOnce bool
	// answer is what a 2xx answer must be; the zero shape for operations
	// whose answer the SDK does not read.
	answer answerShape
}

// answerShape is what a 2xx answer of an operation must be before it is
// decoded: a JSON object with the members PostHog always sends, or an
// array. An answer that is not (null, {}, an empty 204 where a user
// belongs) is refused as malformed, rather than decoded into a zero value
// that looks like success.
type answerShape struct {
	kind jsontext.Kind // KindBeginObject or KindBeginArray; 0 when not read
	// required are members that must be present and not null; nullable
	// are members that must be present but may be null.
	required, nullable []string
}

// object is the shape of an answer that is an object with the required
// members.
func object(required ...string) answerShape {
	return answerShape{kind: jsontext.KindBeginObject, required: required}
}

// check returns why data, a 2xx answer, is not of the shape, or "" when it
// is. It reads the members' names and skips their values.
func (a answerShape) check(data []byte) string {
	if a.kind == 0 {
		return ""
	}
	want := kindName(a.kind)
	if len(bytes.TrimSpace(data)) == 0 {
		return "answer has no body, where PostHog sends " + want
	}
	// A syntax error is left to the decoder, whose error says where.
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	tok, err := dec.ReadToken()
	if err != nil {
		return ""
	}
	if tok.Kind() != a.kind {
		return "answer is " + kindName(tok.Kind()) + ", not " + want
	}
	if a.kind != jsontext.KindBeginObject {
		return ""
	}
	seen := make([]bool, len(a.required)+len(a.nullable))
	for dec.PeekKind() != jsontext.KindEndObject {
		tok, err := dec.ReadToken()
		if err != nil {
			return ""
		}
		name := tok.String()
		if i := slices.Index(a.required, name); i >= 0 {
			if dec.PeekKind() == jsontext.KindNull {
				return fmt.Sprintf("answer's %q is null", name)
			}
			seen[i] = true
		} else if i := slices.Index(a.nullable, name); i >= 0 {
			seen[len(a.required)+i] = true
		}
		if err := dec.SkipValue(); err != nil {
			return ""
		}
	}
	for i, ok := range seen {
		if !ok {
			return fmt.Sprintf("answer has no %q", slices.Concat(a.required, a.nullable)[i])
		}
	}
	return ""
}

// kindName names a kind of JSON value in a message.
func kindName(k jsontext.Kind) string {
	switch k {
	case jsontext.KindBeginObject:
		return "an object"
	case jsontext.KindBeginArray:
		return "an array"
	case jsontext.KindString:
		return "a string"
	case jsontext.KindNumber:
		return "a number"
	case jsontext.KindTrue, jsontext.KindFalse:
		return "a boolean"
	}
	return k.String() // null
}

// The shapes of answers that several operations share.
var (
	userAnswer  = object("id", "uuid")
	arrayAnswer = answerShape{kind: jsontext.KindBeginArray}
)

// opID names a row of the operations table.
type opID int

const (
	opUsersList opID = iota
	opUsersGet
	opUsersUpdate
	opUsersReplace
	opUsersDelete
	opUsersGitHubLogin
	opUsersHedgehogConfig
	opUsersUpdateHedgehogConfig
	opUsersProductIntroSeen
	opUsersScenePersonalisation
	opUsersCancelEmailChange
	opUsersVerifyEmail
	opUsersRequestEmailVerification
	opUsersSkipOnboarding
	opUsersLoginSessions
	opUsersRevokeLoginSession
	opUsersRevokeOtherLoginSessions
	opUsersCompleteCredentialsReview
	opUsersRegisterPushToken
	opUsersUnregisterPushToken

	opTwoFactorStartSetup
	opTwoFactorStartSetupLegacy
	opTwoFactorStatus
	opTwoFactorValidate
	opTwoFactorValidateLegacy
	opTwoFactorBackupCodes
	opTwoFactorDisable

	opIntegrationsList
	opGitHubDelete
	opGitHubRepos
	opGitHubReposRefresh
	opGitHubBranches
	opGitHubStart
	opGitHubPrepareCallback
	opSlackLinkableWorkspaces
	opSlackStart
	opSlackDelete

	opAutonomyGet
	opAutonomySet
	opAutonomyDelete

	numOperations

	// opRaw is the operation of [Client.Do], which is not a row of the
	// table: the request brings its method and its checked path.
	opRaw opID = -1
)

// rawOperation is what newCall knows of an operation of [Client.Do]: a
// credential that PostHog checks as it does on the users endpoints, and an
// answer of any shape.
var rawOperation = operation{name: "do", access: accessScoped}

// operations is the one table of every endpoint the client calls, with the
// scope PostHog requires for each (reference: posthog/permissions.py,
// posthog/api/user.py, posthog/api/user_integration.py and
// products/signals/backend/views.py). It is never written to.
var operations = [numOperations]operation{
	opUsersList:                      {name: "users.list", method: http.MethodGet, path: "/api/users/", scope: ScopeUserRead, answer: object("count", "results")},
	opUsersGet:                       {name: "users.get", method: http.MethodGet, path: "/api/users/{uuid}/", takesUser: true, scope: ScopeUserRead, answer: userAnswer},
	opUsersUpdate:                    {name: "users.update", method: http.MethodPatch, path: "/api/users/{uuid}/", takesUser: true, scope: ScopeUserWrite, answer: userAnswer},
	opUsersReplace:                   {name: "users.replace", method: http.MethodPut, path: "/api/users/{uuid}/", takesUser: true, scope: ScopeUserWrite, answer: userAnswer},
	opUsersDelete:                    {name: "users.delete", method: http.MethodDelete, path: "/api/users/{uuid}/", takesUser: true, access: accessSessionAuth},
	opUsersGitHubLogin:               {name: "users.github_login", method: http.MethodGet, path: "/api/users/{uuid}/github_login/", takesUser: true, scope: ScopeUserRead, answer: answerShape{kind: jsontext.KindBeginObject, nullable: []string{"github_login"}}},
	opUsersHedgehogConfig:            {name: "users.hedgehog_config", method: http.MethodGet, path: "/api/users/{uuid}/hedgehog_config/", takesUser: true, scope: ScopeUserRead, answer: object()},
	opUsersUpdateHedgehogConfig:      {name: "users.hedgehog_config.replace", method: http.MethodPatch, path: "/api/users/{uuid}/hedgehog_config/", takesUser: true, scope: ScopeUserWrite, answer: object()},
	opUsersProductIntroSeen:          {name: "users.product_intro_seen", method: http.MethodPatch, path: "/api/users/{uuid}/product_intro_seen/", takesUser: true, scope: ScopeUserWrite, answer: object()},
	opUsersScenePersonalisation:      {name: "users.scene_personalisation", method: http.MethodPost, path: "/api/users/{uuid}/scene_personalisation/", takesUser: true, access: accessKeyRefused, answer: userAnswer},
	opUsersCancelEmailChange:         {name: "users.cancel_email_change", method: http.MethodPatch, path: "/api/users/cancel_email_change_request/", access: accessKeyRefused, answer: userAnswer},
	opUsersVerifyEmail:               {name: "users.verify_email", method: http.MethodPost, path: "/api/users/verify_email/", access: accessAnonymous, sendOnce: true, answer: object("success")},
	opUsersRequestEmailVerification:  {name: "users.request_email_verification", method: http.MethodPost, path: "/api/users/request_email_verification/", access: accessAnonymous},
	opUsersSkipOnboarding:            {name: "users.skip_onboarding", method: http.MethodPost, path: "/api/users/{uuid}/onboarding/skip/", takesUser: true, access: accessKeyRefused, answer: userAnswer},
	opUsersLoginSessions:             {name: "users.login_sessions", method: http.MethodGet, path: "/api/users/{uuid}/login_sessions/", takesUser: true, access: accessSessionAuth, answer: arrayAnswer},
	opUsersRevokeLoginSession:        {name: "users.login_sessions.revoke", method: http.MethodDelete, path: "/api/users/{uuid}/login_sessions/{session_id}/", takesUser: true, access: accessSessionAuth},
	opUsersRevokeOtherLoginSessions:  {name: "users.login_sessions.revoke_others", method: http.MethodPost, path: "/api/users/{uuid}/login_sessions/revoke_others/", takesUser: true, access: accessSessionAuth, answer: object("revoked_count")},
	opUsersCompleteCredentialsReview: {name: "users.credentials_review_complete", method: http.MethodPost, path: "/api/users/{uuid}/credentials_review_complete/", takesUser: true, access: accessSessionAuth},
	opUsersRegisterPushToken:         {name: "users.push_tokens.register", method: http.MethodPost, path: "/api/users/@me/push_tokens/", scope: ScopeUserWrite, answer: object("id", "platform")},
	opUsersUnregisterPushToken:       {name: "users.push_tokens.unregister", method: http.MethodPost, path: "/api/users/@me/push_tokens/unregister/", scope: ScopeUserWrite},

	opTwoFactorStartSetup:       {name: "twofactor.start_setup", method: http.MethodGet, path: "/api/users/{uuid}/two_factor_start_setup/", takesUser: true, access: accessKeyRefused, answer: object("secret")},
	opTwoFactorStartSetupLegacy: {name: "twofactor.start_setup_legacy", method: http.MethodGet, path: "/api/users/{uuid}/start_2fa_setup/", takesUser: true, access: accessKeyRefused, answer: object("secret")},
	opTwoFactorStatus:           {name: "twofactor.status", method: http.MethodGet, path: "/api/users/{uuid}/two_factor_status/", takesUser: true, access: accessKeyRefused, answer: object("is_enabled")},
	opTwoFactorValidate:         {name: "twofactor.validate", method: http.MethodPost, path: "/api/users/{uuid}/two_factor_validate/", takesUser: true, access: accessKeyRefused, sendOnce: true},
	opTwoFactorValidateLegacy:   {name: "twofactor.validate_legacy", method: http.MethodPost, path: "/api/users/{uuid}/validate_2fa/", takesUser: true, access: accessKeyRefused, sendOnce: true},
	opTwoFactorBackupCodes:      {name: "twofactor.backup_codes", method: http.MethodPost, path: "/api/users/{uuid}/two_factor_backup_codes/", takesUser: true, access: accessKeyRefused, sendOnce: true, answer: object("backup_codes")},
	opTwoFactorDisable:          {name: "twofactor.disable", method: http.MethodPost, path: "/api/users/{uuid}/two_factor_disable/", takesUser: true, access: accessKeyRefused},

	opIntegrationsList:        {name: "integrations.list", method: http.MethodGet, path: "/api/users/{uuid}/integrations/", takesUser: true, scope: ScopeUserRead, answer: object("results")},
	opGitHubDelete:            {name: "integrations.github.delete", method: http.MethodDelete, path: "/api/users/{uuid}/integrations/github/{installation_id}/", takesUser: true, scope: ScopeUserWrite},
	opGitHubRepos:             {name: "integrations.github.repos", method: http.MethodGet, path: "/api/users/{uuid}/integrations/github/{installation_id}/repos/", takesUser: true, scope: ScopeUserRead, answer: object("repositories", "has_more")},
	opGitHubReposRefresh:      {name: "integrations.github.repos.refresh", method: http.MethodPost, path: "/api/users/{uuid}/integrations/github/{installation_id}/repos/refresh/", takesUser: true, scope: ScopeUserWrite, answer: object("repositories")},
	opGitHubBranches:          {name: "integrations.github.branches", method: http.MethodGet, path: "/api/users/{uuid}/integrations/github/{installation_id}/branches/", takesUser: true, scope: ScopeUserRead, answer: object("branches", "has_more")},
	opGitHubStart:             {name: "integrations.github.start", method: http.MethodPost, path: "/api/users/{uuid}/integrations/github/start/", takesUser: true, scope: ScopeUserWrite, answer: object("install_url")},
	opGitHubPrepareCallback:   {name: "integrations.github.prepare_callback", method: http.MethodPost, path: "/api/users/{uuid}/integrations/github/prepare_callback/", takesUser: true, scope: ScopeUserWrite},
	opSlackLinkableWorkspaces: {name: "integrations.slack.linkable_workspaces", method: http.MethodGet, path: "/api/users/{uuid}/integrations/slack/linkable_workspaces/", takesUser: true, scope: ScopeUserRead, answer: object("results")},
	opSlackStart:              {name: "integrations.slack.start", method: http.MethodPost, path: "/api/users/{uuid}/integrations/slack/start/", takesUser: true, scope: ScopeUserWrite, answer: object("install_url")},
	opSlackDelete:             {name: "integrations.slack.delete", method: http.MethodDelete, path: "/api/users/{uuid}/integrations/slack/{slack_user_id}/", takesUser: true, scope: ScopeUserWrite},

	// signal_autonomy needs user:write for every method, GET included.
	opAutonomyGet:    {name: "signal_autonomy.get", method: http.MethodGet, path: "/api/users/{user_id}/signal_autonomy/", scope: ScopeUserWrite, answer: object("id", "user")},
	opAutonomySet:    {name: "signal_autonomy.set", method: http.MethodPost, path: "/api/users/{user_id}/signal_autonomy/", scope: ScopeUserWrite, answer: object("id", "user")},
	opAutonomyDelete: {name: "signal_autonomy.delete", method: http.MethodDelete, path: "/api/users/{user_id}/signal_autonomy/", scope: ScopeUserWrite},
}

// userID checks a user ID argument and returns it in the form PostHog's
// routes take: [Me], or a UUID in its canonical hyphenated lower-case form.
func userID(id string) (string, error) {
	if id == Me {
		return id, nil
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return "", &InputError{Arg: "id", Reason: fmt.Sprintf("%s is neither posthogusers.Me (%q) nor a UUID", describeArg(id), Me)}
	}
	return u.String(), nil
}

// expandPath fills the {…} segments of an operation's path template with
// params, in order, each checked by [checkSegment] and escaped as one path
// segment. It returns an *InputError when a parameter is missing or could
// leave its segment.
func expandPath(template string, params ...string) (string, error) {
	var b strings.Builder
	b.Grow(len(template) + 40)
	n := 0
	for rest := template; rest != ""; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			b.WriteString(rest)
			break
		}
		name := rest[open+1 : open+end]
		b.WriteString(rest[:open])
		if n >= len(params) {
			return "", &InputError{Arg: name, Reason: "is empty"}
		}
		if err := checkSegment(name, params[n]); err != nil {
			return "", err
		}
		b.WriteString(url.PathEscape(params[n]))
		n++
		rest = rest[open+end+1:]
	}
	return b.String(), nil
}

// checkSegment refuses a path parameter that could leave its segment on the
// way to PostHog: escaping alone is not enough, since a proxy that decodes
// %XX and resolves dot segments (as nginx does) would turn an escaped "../"
// back into navigation, and DELETE …/login_sessions/%2E%2E/ into DELETE of
// the user. It refuses the empty string, "." and "..", the characters / \ %
// ? # and ; anywhere, control characters and invalid UTF-8. No parameter
// PostHog routes can hold any of them: its routes match segments of
// [^/.]+ or narrower. The refusal never repeats the value.
func checkSegment(arg, s string) error {
	bad := func(reason string) error {
		return &InputError{Arg: arg, Reason: describeArg(s) + " " + reason}
	}
	switch {
	case s == "":
		return &InputError{Arg: arg, Reason: "is empty"}
	case s == "." || s == "..":
		return bad("is a dot segment, which names a different path")
	case !utf8.ValidString(s):
		return bad("is not valid UTF-8")
	case hasControl(s):
		return bad("contains control characters")
	}
	if i := strings.IndexAny(s, `/\%?#;`); i >= 0 {
		return bad(fmt.Sprintf("contains %q, which could take the request out of its path segment", s[i]))
	}
	return nil
}
