package posthogtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hogkit/posthogusers/internal/wire"
)

// listIntegrations serves GET /api/users/{uuid}/integrations/, filtered
// by the kind query parameter.
func (x *exchange) listIntegrations(u *user) {
	kind := x.r.URL.Query().Get("kind")
	results := []map[string]any{}
	switch kind {
	case "", "github":
		for _, g := range u.github {
			results = append(results, githubItem(u, g))
		}
	case "slack":
		for _, s := range u.slackLinks {
			results = append(results, map[string]any{
				"id": s.id, "kind": "slack", "slack_user_id": s.SlackUserID, "slack_team_id": s.SlackTeamID,
				"slack_team_name": nullIfEmpty(s.SlackTeamName), "slack_email_at_link": nullIfEmpty(s.Email), "created_at": s.createdAt,
			})
		}
	default:
		x.invalid("invalid_input", "Unsupported integration kind: '"+kind+"'", "")
		return
	}
	x.json(http.StatusOK, map[string]any{"results": results})
}

// githubItem writes u's GitHub installation g as an item of the
// integrations list.
func githubItem(u *user, g *githubInstall) map[string]any {
	var account any
	if g.account != "" {
		account = map[string]any{"type": "Organization", "name": g.account}
	}
	return map[string]any{
		"id": g.id, "kind": "github", "installation_id": g.installID, "repository_selection": "selected",
		"account": account, "github_login": nullIfEmpty(u.githubLogin), "uses_shared_installation": false,
		"installation_shared": false, "installation_status": "connected", "created_at": g.createdAt,
	}
}

// nullIfEmpty returns nil (JSON null) for "", and s otherwise.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// installation returns the user's linked installation of the route, or
// answers 404.
func (x *exchange) installation(u *user) *githubInstall {
	for _, g := range u.github {
		if g.installID == x.moreArg {
			return g
		}
	}
	x.notFound("No GitHub integration found for this installation.")
	return nil
}

// githubDelete serves DELETE …/integrations/github/{installation_id}/.
func (x *exchange) githubDelete(u *user) {
	if x.installation(u) == nil {
		return
	}
	m := x.mutable(u)
	m.github = slices.DeleteFunc(m.github, func(g *githubInstall) bool { return g.installID == x.moreArg })
	x.noContent()
}

// repoJSON writes a repository as PostHog's GitHubRepoSerializer does.
func repoJSON(i int, fullName string) map[string]any {
	owner, name, _ := strings.Cut(fullName, "/")
	_ = owner
	return map[string]any{
		"id": 1000 + i, "name": name, "full_name": fullName, "private": false,
		"default_branch": "main", "archived": false, "can_push": true,
	}
}

// githubRepos serves GET …/integrations/github/{installation_id}/repos/:
// the repositories whose name contains search, a page at a time.
func (x *exchange) githubRepos(u *user) {
	q := x.r.URL.Query()
	limit, offset, ok := x.queryPage(q, 500)
	if !ok {
		return
	}
	g := x.installation(u) // looked up after the parameters, as PostHog does
	if g == nil {
		return
	}
	search := strings.ToLower(q.Get("search"))
	var matched []map[string]any
	for i, r := range g.repos {
		_, name, _ := strings.Cut(r, "/")
		if strings.Contains(strings.ToLower(name), search) {
			matched = append(matched, repoJSON(i, r))
		}
	}
	page := matched[min(offset, len(matched)):min(offset+limit, len(matched))]
	if page == nil {
		page = []map[string]any{}
	}
	x.json(http.StatusOK, map[string]any{"repositories": page, "has_more": offset+limit < len(matched), "total": len(matched)})
}

// githubRefresh serves POST
// …/integrations/github/{installation_id}/repos/refresh/.
func (x *exchange) githubRefresh(u *user) {
	g := x.installation(u)
	if g == nil {
		return
	}
	repos := []map[string]any{}
	for i, r := range g.repos {
		repos = append(repos, repoJSON(i, r))
	}
	x.json(http.StatusOK, map[string]any{"repositories": repos, "installation_status": "connected"})
}

// githubBranches serves GET
// …/integrations/github/{installation_id}/branches/, a page at a time.
func (x *exchange) githubBranches(u *user) {
	q := x.r.URL.Query()
	repo := q.Get("repo")
	if repo == "" {
		x.required("repo")
		return
	}
	limit, offset, ok := x.queryPage(q, 1000)
	if !ok {
		return
	}
	g := x.installation(u)
	if g == nil {
		return
	}
	if !slices.Contains(g.repos, repo) {
		x.notFound("Repository not found for this installation.")
		return
	}
	branches, ok := g.branches[repo]
	if !ok {
		branches = []string{"main"}
	}
	search := q.Get("search")
	var matched []string
	for _, b := range branches {
		if strings.Contains(b, search) {
			matched = append(matched, b)
		}
	}
	page := matched[min(offset, len(matched)):min(offset+limit, len(matched))]
	if page == nil {
		page = []string{}
	}
	x.json(http.StatusOK, map[string]any{"branches": page, "default_branch": "main", "has_more": offset+limit < len(matched)})
}

// teamIDArg reads an optional team_id body member, answering PostHog's
// errors itself. It returns the user's current project when absent.
func (x *exchange) teamIDArg(u *user, body map[string]json.RawMessage) (*team, bool) {
	raw, ok := body["team_id"]
	if !ok || wire.IsNull(raw) {
		if u.currentTeam == nil {
			x.invalid("invalid_input", "Invalid or inaccessible team_id for this user.", "")
			return nil, false
		}
		return u.currentTeam, true
	}
	n, err := strconv.ParseInt(describeValue(raw), 10, 64)
	if err != nil {
		x.invalid("invalid_input", "team_id must be an integer", "")
		return nil, false
	}
	t := x.f.teams[n]
	if t == nil || u.memberOf(t.org) == nil {
		x.invalid("invalid_input", "Invalid or inaccessible team_id for this user.", "")
		return nil, false
	}
	return t, true
}

// targetTeam resolves the user, body and team_id of the start routes.
func (x *exchange) targetTeam() (map[string]json.RawMessage, *team, bool) {
	u, body, ok := x.targetWithBody()
	if !ok {
		return nil, nil, false
	}
	t, ok := x.teamIDArg(u, body)
	return body, t, ok
}

// githubStart serves POST …/integrations/github/start/.
func (x *exchange) githubStart() {
	_, t, ok := x.targetTeam()
	if !ok {
		return
	}
	x.json(http.StatusOK, map[string]any{
		"install_url":  "https://github.com/apps/posthog/installations/new?state=team-" + itoa(t.id),
		"connect_flow": "app_install",
	})
}

// githubPrepare serves POST …/integrations/github/prepare_callback/.
func (x *exchange) githubPrepare(_ *user, body map[string]json.RawMessage) {
	if id := describeValue(body["installation_id"]); body["installation_id"] == nil || !isDigits(id) {
		x.required("installation_id")
		return
	}
	x.noContent()
}

// slackLinkable serves GET …/integrations/slack/linkable_workspaces/: the
// Slack workspaces of the user's projects that the user has not linked.
func (x *exchange) slackLinkable(u *user) {
	results := []map[string]any{}
	for _, m := range u.memberships {
		for _, t := range m.org.teams {
			for _, w := range t.slack {
				linked := slices.ContainsFunc(u.slackLinks, func(l *slackLink) bool { return l.SlackTeamID == w.teamID })
				if !linked {
					results = append(results, map[string]any{
						"posthog_team_id": t.id, "posthog_team_name": t.name, "posthog_organization_name": m.org.name,
						"slack_team_id": w.teamID, "slack_team_name": nullIfEmpty(w.teamName),
					})
				}
			}
		}
	}
	x.json(http.StatusOK, map[string]any{"results": results})
}

// slackStart serves POST …/integrations/slack/start/.
func (x *exchange) slackStart() {
	body, t, ok := x.targetTeam()
	if !ok {
		return
	}
	want, _ := asString(body["slack_team_id"])
	i := slices.IndexFunc(t.slack, func(w *slackWorkspace) bool { return want == "" || w.teamID == want })
	if i < 0 {
		x.invalid("invalid_input", "No Slack integration found for this project.", "")
		return
	}
	x.json(http.StatusOK, map[string]any{
		"install_url": "https://slack.com/openid/connect/authorize?team=" + t.slack[i].teamID,
	})
}

// slackDelete serves DELETE …/integrations/slack/{slack_user_id}/.
func (x *exchange) slackDelete(u *user) {
	links := func(u *user) *[]*slackLink { return &u.slackLinks }
	match := func(l *slackLink) bool { return l.SlackUserID == x.moreArg }
	if _, ok := removeMatching(x, u, links, match, "No Slack link found for this Slack user id."); ok {
		x.noContent()
	}
}

// githubLogin serves GET /api/users/{uuid}/github_login/.
func (x *exchange) githubLogin(u *user) {
	var login *string
	if u.githubLogin != "" {
		login = &u.githubLogin
	}
	x.json(http.StatusOK, map[string]any{"github_login": login})
}

// queryPage reads the limit (1 to maxLimit, 100 by default) and offset (0
// or more) query parameters of the GitHub listings, answering DRF's
// validation errors itself. ok is false after an error.
func (x *exchange) queryPage(q url.Values, maxLimit int) (limit, offset int, ok bool) {
	if limit, ok = x.queryInt(q, "limit", 100, 1, maxLimit); !ok {
		return 0, 0, false
	}
	if offset, ok = x.queryInt(q, "offset", 0, 0, 0); !ok {
		return 0, 0, false
	}
	return limit, offset, true
}

// queryInt reads an integer query parameter for the GitHub endpoints,
// answering DRF's validation errors itself. ok is false after an error.
func (x *exchange) queryInt(q url.Values, name string, def, lo, hi int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		x.invalid("invalid_input", "A valid integer is required.", name)
		return 0, false
	case n < lo:
		x.invalid("min_value", fmt.Sprintf("Ensure this value is greater than or equal to %d.", lo), name)
		return 0, false
	case hi > 0 && n > hi:
		x.invalid("max_value", fmt.Sprintf("Ensure this value is less than or equal to %d.", hi), name)
		return 0, false
	}
	return n, true
}
