package posthogusers

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hogkit/posthogusers/internal/wire"
)

// IntegrationsService is a user's personal integrations: the GitHub App
// installations and Slack accounts linked to the user (not to a project),
// under /api/users/{uuid}/integrations/. Reach it as client.Integrations.
//
// Reads need scope user:read and changes user:write. id is [Me] or, for
// staff, a user's UUID; non-staff keys must use Me. PostHog applies its
// default rate limits here (480 requests a minute and 4,800 an hour per key),
// which the client's retries honour.
//
// PostHog API docs (four of these endpoints; each method says which):
// https://posthog.com/docs/api/users#get-api-users-uuid-integrations
type IntegrationsService service

// InstallationStatus is whether a GitHub App installation still works.
type InstallationStatus string

// The installation statuses. Older PostHog versions send none ("").
const (
	InstallationConnected InstallationStatus = "connected"
	// InstallationUnavailable means the App was uninstalled or suspended on
	// GitHub.
	InstallationUnavailable InstallationStatus = "unavailable"
)

// GitHubIntegration is a GitHub App installation linked to a user.
type GitHubIntegration struct {
	// ID is PostHog's ID of the link (uuid.Nil from versions that omit it).
	ID uuid.UUID `json:"id"`
	// InstallationID is GitHub's ID of the App installation: digits.
	InstallationID string `json:"installation_id"`
	// RepositorySelection is GitHub's repository selection mode, such as
	// "selected" or "all"; "" when unknown.
	RepositorySelection string `json:"repository_selection"`
	// Account is the GitHub account the App is installed on, or nil.
	Account *GitHubAccount `json:"account"`
	// GitHubLogin is the user's own GitHub login, "" when unknown.
	GitHubLogin string `json:"github_login"`
	// UsesSharedInstallation is true when the installation is also the
	// GitHub integration of the user's current project.
	UsesSharedInstallation bool `json:"uses_shared_installation"`
	// InstallationShared is true when another project or user links the
	// same installation.
	InstallationShared bool `json:"installation_shared"`
	// InstallationStatus is whether the installation still works.
	InstallationStatus InstallationStatus `json:"installation_status"`
	// CreatedAt is when the link was made.
	CreatedAt time.Time `json:"created_at"`
}

// GitHubAccount is the GitHub account an App installation belongs to.
type GitHubAccount struct {
	// Type is the account type, such as "User" or "Organization".
	Type string `json:"type"`
	// Name is the account's login or organization name.
	Name string `json:"name"`
}

// SlackIntegration is a Slack account linked to a user.
type SlackIntegration struct {
	// ID is PostHog's ID of the link.
	ID uuid.UUID `json:"id"`
	// SlackUserID is the user's Slack member ID, such as "U0123ABC456".
	SlackUserID string `json:"slack_user_id"`
	// SlackTeamID is the Slack workspace ID.
	SlackTeamID string `json:"slack_team_id"`
	// SlackTeamName is the Slack workspace name, "" when unknown.
	SlackTeamName string `json:"slack_team_name"`
	// SlackEmailAtLink is the Slack account's email when it was linked.
	SlackEmailAtLink string `json:"slack_email_at_link"`
	// CreatedAt is when the link was made.
	CreatedAt time.Time `json:"created_at"`
}

// GitHubRepo is a repository a GitHub App installation can reach.
type GitHubRepo struct {
	// ID is GitHub's numeric repository ID.
	ID int64 `json:"id"`
	// Name is the repository name without its owner.
	Name string `json:"name"`
	// FullName is "owner/repo".
	FullName string `json:"full_name"`
	// The fields below are only sent by newer PostHog versions.

	// Private is true for a private repository.
	Private bool `json:"private"`
	// DefaultBranch is the repository's default branch, such as "main".
	DefaultBranch string `json:"default_branch"`
	// Language is the main language GitHub detected.
	Language string `json:"language"`
	// PushedAt is the ISO 8601 time of the latest push, as GitHub sent it.
	PushedAt string `json:"pushed_at"`
	// Archived is true for an archived repository.
	Archived bool `json:"archived"`
	// CanPush is true when the App may write to the repository (needed to
	// open pull requests).
	CanPush bool `json:"can_push"`
}

// GitHubReposOptions filters and pages [IntegrationsService.GitHubRepos].
type GitHubReposOptions struct {
	// Search keeps repositories whose name contains it, ignoring case.
	Search string `url:"search,omitempty"`
	// Limit is the page size, 1 to 500; 0 means PostHog's default of 100.
	Limit int `url:"limit,omitempty"`
	// Offset is the index of the first repository to return.
	Offset int `url:"offset,omitempty"`
}

// GitHubReposPage is one page of an installation's repositories.
type GitHubReposPage struct {
	// Repositories are the page's repositories.
	Repositories []GitHubRepo `json:"repositories"`
	// HasMore is true when more repositories follow this page.
	HasMore bool `json:"has_more"`
	// Total is the number of matching repositories on every page, or nil
	// from PostHog versions that do not send it.
	Total *int `json:"total"`
}

// GitHubReposRefresh is the result of [IntegrationsService.RefreshGitHubRepos].
type GitHubReposRefresh struct {
	// Repositories is the refreshed list of every repository.
	Repositories []GitHubRepo `json:"repositories"`
	// InstallationStatus is InstallationUnavailable when GitHub reports the
	// installation gone, in which case Repositories is the last cached
	// list; "" from older PostHog versions.
	InstallationStatus InstallationStatus `json:"installation_status"`
}

// GitHubBranchesOptions filters and pages [IntegrationsService.GitHubBranches].
type GitHubBranchesOptions struct {
	// Search keeps branches whose name contains it.
	Search string `url:"search,omitempty"`
	// Limit is the page size, 1 to 1000; 0 means PostHog's default of 100.
	Limit int `url:"limit,omitempty"`
	// Offset is the index of the first branch to return.
	Offset int `url:"offset,omitempty"`
}

// GitHubBranchesPage is one page of a repository's branches.
type GitHubBranchesPage struct {
	// Branches are the page's branch names.
	Branches []string `json:"branches"`
	// DefaultBranch is the repository's default branch, "" when unknown.
	DefaultBranch string `json:"default_branch"`
	// HasMore is true when more branches follow this page.
	HasMore bool `json:"has_more"`
}

// StartGitHubLinkRequest is the body of [IntegrationsService.StartGitHubLink].
// Both fields are optional.
type StartGitHubLinkRequest struct {
	// TeamID is the project to link for; nil means the user's current one.
	TeamID *int64 `json:"team_id,omitzero"`
	// ConnectFrom tells PostHog where to send the user back, such as
	// "posthog_code" or "posthog_mobile".
	ConnectFrom string `json:"connect_from,omitempty"`
}

// GitHubConnectFlow is how a GitHub link proceeds in the browser.
type GitHubConnectFlow string

// The GitHub connect flows.
const (
	GitHubFlowOAuthAuthorize GitHubConnectFlow = "oauth_authorize"
	GitHubFlowOAuthDiscover  GitHubConnectFlow = "oauth_discover"
	GitHubFlowAppInstall     GitHubConnectFlow = "app_install"
)

// GitHubLinkStart is where to send the user to link GitHub.
type GitHubLinkStart struct {
	// InstallURL is the URL to open in the user's browser.
	InstallURL string `json:"install_url"`
	// ConnectFlow is the flow that URL starts.
	ConnectFlow GitHubConnectFlow `json:"connect_flow"`
}

// SlackWorkspace is a Slack workspace, installed in one of the user's
// projects, that the user could link their Slack account to.
type SlackWorkspace struct {
	// PostHogTeamID, PostHogTeamName and PostHogOrganizationName name the
	// project the workspace is installed in.
	PostHogTeamID           int64  `json:"posthog_team_id"`
	PostHogTeamName         string `json:"posthog_team_name"`
	PostHogOrganizationName string `json:"posthog_organization_name"`
	// SlackTeamID and SlackTeamName name the Slack workspace.
	SlackTeamID   string `json:"slack_team_id"`
	SlackTeamName string `json:"slack_team_name"`
}

// StartSlackLinkRequest is the body of [IntegrationsService.StartSlackLink].
// Both fields are optional.
type StartSlackLinkRequest struct {
	// TeamID is the project whose Slack installation to link against; nil
	// means the user's current one.
	TeamID *int64 `json:"team_id,omitzero"`
	// SlackTeamID picks one Slack workspace of that project.
	SlackTeamID string `json:"slack_team_id,omitempty"`
}

// Integration kinds, for the kind query parameter.
const (
	kindGitHub = "github"
	kindSlack  = "slack"
)

// ListGitHub returns the GitHub App installations linked to a user, oldest
// first. PostHog does not paginate this list. Needs scope user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-uuid-integrations
//
//meta:operation GET /api/users/{uuid}/integrations/
func (s *IntegrationsService) ListGitHub(ctx context.Context, id string, reqOpts ...RequestOption) ([]GitHubIntegration, error) {
	return fetchResults[GitHubIntegration](ctx, s.client, request{op: opIntegrationsList, user: id, query: kindQuery{kindGitHub}}, reqOpts...)
}

// ListSlack returns the Slack accounts linked to a user, oldest first.
// PostHog does not paginate this list. Needs scope user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-uuid-integrations
//
//meta:operation GET /api/users/{uuid}/integrations/
func (s *IntegrationsService) ListSlack(ctx context.Context, id string, reqOpts ...RequestOption) ([]SlackIntegration, error) {
	return fetchResults[SlackIntegration](ctx, s.client, request{op: opIntegrationsList, user: id, query: kindQuery{kindSlack}}, reqOpts...)
}

// fetchResults sends r and returns the results of its answer, a list
// PostHog wraps in {"results": […]} without paginating it.
func fetchResults[T any](ctx context.Context, c *Client, r request, reqOpts ...RequestOption) ([]T, error) {
	resp, err := fetch[struct {
		Results []T `json:"results"`
	}](ctx, c, r, reqOpts...)
	if err != nil {
		return nil, err
	}
	return resp.Results, nil
}

// kindQuery is the query of the integrations list.
type kindQuery struct {
	Kind string `url:"kind"`
}

// DeleteGitHub unlinks a GitHub App installation from a user; newer PostHog
// versions also uninstall the App when nothing else uses the installation.
// installationID is GitHub's installation ID (digits); an installation the
// user has not linked gives [ErrNotFound]. Needs scope user:write.
//
// A retry answered 404, after an earlier attempt may have unlinked the
// installation, returns nil. After other failures, see
// [ErrOutcomeUnknown].
//
// PostHog API docs: https://posthog.com/docs/api/users#delete-api-users-uuid-integrations-github-installation_id
//
//meta:operation DELETE /api/users/{uuid}/integrations/github/{installation_id}/
func (s *IntegrationsService) DeleteGitHub(ctx context.Context, id, installationID string, reqOpts ...RequestOption) error {
	if err := checkInstallationID(installationID); err != nil {
		return err
	}
	return s.client.do(ctx, request{op: opGitHubDelete, user: id, params: []string{installationID}}, nil, reqOpts...)
}

// GitHubRepos returns one page of the repositories a linked GitHub App
// installation can reach, from PostHog's cache. opts may be nil. Needs scope
// user:read.
//
// PostHog API docs: https://posthog.com/docs/api/users#get-api-users-uuid-integrations-github-installation_id-repos
//
//meta:operation GET /api/users/{uuid}/integrations/github/{installation_id}/repos/
func (s *IntegrationsService) GitHubRepos(ctx context.Context, id, installationID string, opts *GitHubReposOptions, reqOpts ...RequestOption) (*GitHubReposPage, error) {
	if err := checkInstallationID(installationID); err != nil {
		return nil, err
	}
	if opts != nil {
		if err := checkPaging(opts.Limit, opts.Offset, 500); err != nil {
			return nil, err
		}
	}
	return fetch[GitHubReposPage](ctx, s.client, request{op: opGitHubRepos, user: id, params: []string{installationID}, query: opts}, reqOpts...)
}

// AllGitHubRepos returns an iterator over every repository a linked GitHub
// App installation can reach that matches opts, from opts' offset on. It
// fetches a page only when the previous one has been used up, stops when
// PostHog says there are no more, yields at most one error and then stops,
// and returns at once when the loop breaks. It yields each repository (by
// full name) once, and ends with an error matching [ErrMalformedResponse]
// when a page that claims more brings no repository it has not yielded, as
// a cache that ignores the offset would. opts may be nil and is never
// modified. Needs scope user:read.
//
//meta:operation GET /api/users/{uuid}/integrations/github/{installation_id}/repos/
func (s *IntegrationsService) AllGitHubRepos(ctx context.Context, id, installationID string, opts *GitHubReposOptions, reqOpts ...RequestOption) iter.Seq2[GitHubRepo, error] {
	var o GitHubReposOptions
	if opts != nil {
		o = *opts
	}
	o.Limit = cmp.Or(o.Limit, defaultPageSize)
	repoKey := func(r GitHubRepo) string { return r.FullName }
	return pageByOffset(opGitHubRepos, "repositories", o.Offset, o.Limit, repoKey, func(offset int) ([]GitHubRepo, bool, error) {
		q := o
		q.Offset = offset
		page, err := s.GitHubRepos(ctx, id, installationID, &q, reqOpts...)
		if err != nil {
			return nil, false, err
		}
		return page.Repositories, page.HasMore, nil
	})
}

// RefreshGitHubRepos makes PostHog read an installation's repositories from
// GitHub again, instead of from its cache, and returns them all. PostHog
// limits how often this may be done. Needs scope user:write.
//
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/{uuid}/integrations/github/{installation_id}/repos/refresh/
func (s *IntegrationsService) RefreshGitHubRepos(ctx context.Context, id, installationID string, reqOpts ...RequestOption) (*GitHubReposRefresh, error) {
	if err := checkInstallationID(installationID); err != nil {
		return nil, err
	}
	return fetch[GitHubReposRefresh](ctx, s.client, request{op: opGitHubReposRefresh, user: id, params: []string{installationID}}, reqOpts...)
}

// GitHubBranches returns one page of the branches of a repository a linked
// GitHub App installation can reach. repo ("owner/repo") is required; opts
// may be nil. Needs scope user:read.
//
// Not on PostHog's API docs page.
//
//meta:operation GET /api/users/{uuid}/integrations/github/{installation_id}/branches/
func (s *IntegrationsService) GitHubBranches(ctx context.Context, id, installationID, repo string, opts *GitHubBranchesOptions, reqOpts ...RequestOption) (*GitHubBranchesPage, error) {
	if err := checkInstallationID(installationID); err != nil {
		return nil, err
	}
	q, err := newBranchesQuery(repo, opts)
	if err != nil {
		return nil, err
	}
	return fetch[GitHubBranchesPage](ctx, s.client, request{op: opGitHubBranches, user: id, params: []string{installationID}, query: q}, reqOpts...)
}

// AllGitHubBranches returns an iterator over every branch of repo that
// matches opts, from opts' offset on, with the behaviour of
// [IntegrationsService.AllGitHubRepos]. opts may be nil and is never
// modified. Needs scope user:read.
//
//meta:operation GET /api/users/{uuid}/integrations/github/{installation_id}/branches/
func (s *IntegrationsService) AllGitHubBranches(ctx context.Context, id, installationID, repo string, opts *GitHubBranchesOptions, reqOpts ...RequestOption) iter.Seq2[string, error] {
	var o GitHubBranchesOptions
	if opts != nil {
		o = *opts
	}
	o.Limit = cmp.Or(o.Limit, defaultPageSize)
	branchKey := func(b string) string { return b }
	return pageByOffset(opGitHubBranches, "branches", o.Offset, o.Limit, branchKey, func(offset int) ([]string, bool, error) {
		o.Offset = offset
		page, err := s.GitHubBranches(ctx, id, installationID, repo, &o, reqOpts...)
		if err != nil {
			return nil, false, err
		}
		return page.Branches, page.HasMore, nil
	})
}

// StartGitHubLink starts linking a GitHub account to a user and returns the
// URL to open in the user's browser. The zero req links for the user's
// current project. When every installation
// the user can reach is already linked, PostHog answers 400. Needs scope
// user:write.
//
// If it fails, see [ErrOutcomeUnknown].
//
// PostHog API docs: https://posthog.com/docs/api/users#post-api-users-uuid-integrations-github-start
//
//meta:operation POST /api/users/{uuid}/integrations/github/start/
func (s *IntegrationsService) StartGitHubLink(ctx context.Context, id string, req StartGitHubLinkRequest, reqOpts ...RequestOption) (*GitHubLinkStart, error) {
	if err := checkTeamID(req.TeamID); err != nil {
		return nil, err
	}
	return fetch[GitHubLinkStart](ctx, s.client, request{op: opGitHubStart, user: id, body: req}, reqOpts...)
}

// PrepareGitHubCallback tells PostHog which GitHub App installation the
// browser flow started by [IntegrationsService.StartGitHubLink] is about to
// come back with. Needs scope user:write.
//
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/{uuid}/integrations/github/prepare_callback/
func (s *IntegrationsService) PrepareGitHubCallback(ctx context.Context, id, installationID string, reqOpts ...RequestOption) error {
	if err := checkInstallationID(installationID); err != nil {
		return err
	}
	body := struct {
		InstallationID string `json:"installation_id"`
	}{installationID}
	return s.client.do(ctx, request{op: opGitHubPrepareCallback, user: id, body: body}, nil, reqOpts...)
}

// LinkableSlackWorkspaces returns the Slack workspaces installed in the
// user's projects that the user has not linked a Slack account in yet.
// Needs scope user:read.
//
// Not on PostHog's API docs page.
//
//meta:operation GET /api/users/{uuid}/integrations/slack/linkable_workspaces/
func (s *IntegrationsService) LinkableSlackWorkspaces(ctx context.Context, id string, reqOpts ...RequestOption) ([]SlackWorkspace, error) {
	return fetchResults[SlackWorkspace](ctx, s.client, request{op: opSlackLinkableWorkspaces, user: id}, reqOpts...)
}

// StartSlackLink starts linking a Slack account to a user (Sign in with
// Slack) and returns the URL to open in the user's browser. The zero req
// links against the user's current project. Needs scope user:write.
//
// If it fails, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation POST /api/users/{uuid}/integrations/slack/start/
func (s *IntegrationsService) StartSlackLink(ctx context.Context, id string, req StartSlackLinkRequest, reqOpts ...RequestOption) (installURL string, err error) {
	if err := checkTeamID(req.TeamID); err != nil {
		return "", err
	}
	resp, err := fetch[struct {
		InstallURL string `json:"install_url"`
	}](ctx, s.client, request{op: opSlackStart, user: id, body: req}, reqOpts...)
	if err != nil {
		return "", err
	}
	return resp.InstallURL, nil
}

// DeleteSlack unlinks a Slack account from a user. slackUserID is the Slack
// member ID, "U…" or "W…" followed by capital letters and digits; one the
// user has not linked gives [ErrNotFound]. Needs scope user:write.
//
// A retry answered 404, after an earlier attempt may have unlinked the
// account, returns nil. After other failures, see [ErrOutcomeUnknown].
//
// Not on PostHog's API docs page.
//
//meta:operation DELETE /api/users/{uuid}/integrations/slack/{slack_user_id}/
func (s *IntegrationsService) DeleteSlack(ctx context.Context, id, slackUserID string, reqOpts ...RequestOption) error {
	if !wire.IsSlackMemberID(slackUserID) {
		return &InputError{Arg: "slackUserID", Reason: describeArg(slackUserID) + " is not a Slack member ID (U or W, then capital letters and digits)"}
	}
	return s.client.do(ctx, request{op: opSlackDelete, user: id, params: []string{slackUserID}}, nil, reqOpts...)
}

// checkInstallationID checks a GitHub installation ID: digits, as PostHog's
// routes require (anything else is a 404 there), that fit the bigint PostHog
// stores them in: at most 19 digits, within int64.
func checkInstallationID(installationID string) error {
	const reason = " is not a GitHub installation ID (at most 19 digits, within int64)"
	if installationID == "" || len(installationID) > 19 || strings.Trim(installationID, "0123456789") != "" {
		return &InputError{Arg: "installationID", Reason: describeArg(installationID) + reason}
	}
	if _, err := strconv.ParseInt(installationID, 10, 64); err != nil {
		return &InputError{Arg: "installationID", Reason: describeArg(installationID) + reason}
	}
	return nil
}

// branchesQuery is the query of [IntegrationsService.GitHubBranches].
type branchesQuery struct {
	Repo string `url:"repo"`
	GitHubBranchesOptions
}

// newBranchesQuery checks a repository and branch options against
// PostHog's bounds and makes the query.
func newBranchesQuery(repo string, opts *GitHubBranchesOptions) (*branchesQuery, error) {
	if strings.TrimSpace(repo) == "" {
		return nil, &InputError{Arg: "repo", Reason: `is required ("owner/repo")`}
	}
	if owner, name, ok := strings.Cut(repo, "/"); !ok || owner == "" || name == "" {
		return nil, &InputError{Arg: "repo", Reason: describeArg(repo) + ` is not "owner/repo"`}
	}
	q := &branchesQuery{Repo: repo}
	if opts != nil {
		q.GitHubBranchesOptions = *opts
	}
	return q, checkPaging(q.Limit, q.Offset, 1000)
}

// checkTeamID checks an optional project ID.
func checkTeamID(id *int64) error {
	if id != nil && *id <= 0 {
		return &InputError{Arg: "TeamID", Reason: fmt.Sprintf("%d is not a project ID", *id)}
	}
	return nil
}
