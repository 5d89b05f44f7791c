package posthogtest

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hogkit/posthogusers"
)

// UserSpec describes a user for [Fake.AddUser]. Every field is optional.
type UserSpec struct {
	// Email is the user's address; "" gives user<ID>@example.com.
	Email string
	// FirstName and LastName are the user's names.
	FirstName, LastName string
	// IsStaff makes the user a staff user of the instance, who may read and
	// change every user.
	IsStaff bool
	// Password gives the user a password (has_password); "" means none.
	Password string
	// NoOrganization leaves the user outside every organization, so that a
	// session may delete them. Otherwise the user belongs to the first
	// organization, plus Organizations.
	NoOrganization bool
	// Organizations are more organizations the user belongs to, by ID (see
	// [Fake.AddOrganization]).
	Organizations []uuid.UUID
	// PendingEmail is an email change waiting for verification.
	PendingEmail string
	// Unverified marks the user's email as not verified yet.
	Unverified bool
	// GitHubLogin is the GitHub login linked to the user.
	GitHubLogin string
	// HedgehogConfig is the user's stored hedgehog configuration.
	HedgehogConfig json.RawMessage
	// TwoFactor turns TOTP two-factor authentication on; [Fake.TOTPCode]
	// gives its current code.
	TwoFactor bool
	// UUID is the user's UUID; the zero UUID picks a random one. Fixing it
	// (with DateJoined) makes the user's JSON the same on every run.
	// AddUser panics if another user has it.
	UUID uuid.UUID
	// DateJoined is when the user joined; the zero time is the fake's now.
	DateJoined time.Time
}

// User names a user of the fake.
type User struct {
	// ID is the user's integer ID (used by signal autonomy).
	ID int64
	// UUID is the user's UUID (used by every other endpoint).
	UUID uuid.UUID
	// Email is the user's email address.
	Email string
}

// Organization names an organization of the fake.
type Organization struct {
	// ID is the organization's UUID.
	ID uuid.UUID
	// ProjectIDs are the IDs of its projects (teams).
	ProjectIDs []int64
}

// AddUser adds a user and returns its IDs.
func (f *Fake) AddUser(spec UserSpec) User {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.newUser(0)
	u.uuid = spec.UUID
	if u.uuid == uuid.Nil {
		u.uuid = uuid.New()
	} else if f.users.getUUID(f, u.uuid) != nil {
		panic(fmt.Sprintf("posthogtest: AddUser: UUID %s is taken", u.uuid))
	}
	u.firstName, u.lastName = spec.FirstName, spec.LastName
	u.isStaff = spec.IsStaff
	u.password = spec.Password
	u.pendingEmail = spec.PendingEmail
	u.verified = !spec.Unverified
	u.githubLogin = spec.GitHubLogin
	u.hedgehog = spec.HedgehogConfig
	u.dateJoined = spec.DateJoined.UTC()
	if spec.DateJoined.IsZero() {
		u.dateJoined = f.now().UTC()
	}
	if spec.NoOrganization {
		u.memberships, u.currentTeam = nil, nil
	}
	for _, id := range spec.Organizations {
		if o := f.org(id); o != nil && u.memberOf(o) == nil {
			u.memberships = append(u.memberships, membership{org: o, level: 1})
			if u.currentTeam == nil && len(o.teams) > 0 {
				u.currentTeam = o.teams[0]
			}
		}
	}
	if spec.TwoFactor {
		u.totpSecret = newTOTPSecret()
		u.backupCodes = newBackupCodes()
	}
	f.users.add(u)
	u.distinctID = "user-" + strconv.FormatInt(u.id, 10)
	u.email = spec.Email
	if u.email == "" {
		u.email = fmt.Sprintf("user%d@example.com", u.id)
	}
	return User{ID: u.id, UUID: u.uuid, Email: u.email}
}

// SeedUsers adds n generated users, non-staff members of the first
// organization with realistic names and emails
// (first.last.<ID>@example.com), and returns the first one. It takes
// constant time and memory whatever n is: a generated user exists only as
// its ID until a request changes it.
func (f *Fake) SeedUsers(n int) User {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n <= 0 {
		return User{}
	}
	first := f.users.addBlock(int64(n))
	return User{ID: first, UUID: generatedUUID(first), Email: generatedEmail(first)}
}

// AddOrganization adds an organization with projects of the given names and
// returns its IDs. Users join it through [UserSpec.Organizations].
func (f *Fake) AddOrganization(name string, projects ...string) Organization {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(projects) == 0 {
		projects = []string{"Default project"}
	}
	o := f.addOrganization(name, projects...)
	out := Organization{ID: o.id}
	for _, t := range o.teams {
		out.ProjectIDs = append(out.ProjectIDs, t.id)
	}
	return out
}

// AddKey issues a personal API key for a user with the given scopes
// ("user:read", "user:write" or "*") and returns it. A key with no scopes
// is refused by every scoped endpoint, as PostHog does.
func (f *Fake) AddKey(userID uuid.UUID, scopes ...string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := "phx_" + randomToken(43)
	f.keys[key] = &apiKey{id: f.nextKeyID, user: userID, scopes: append([]string(nil), scopes...)}
	f.nextKeyID++
	return key
}

// RevokeKey makes a key unknown to the fake: requests with it get 401.
func (f *Fake) RevokeKey(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.keys, key)
}

// AddSession logs a user in and returns the session, ready for
// [posthogusers.WithSession].
func (f *Fake) AddSession(userID uuid.UUID) posthogusers.Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := posthogusers.Session{ID: randomToken(32), CSRFToken: randomToken(32)}
	f.sessions[s.ID] = &webSession{user: userID, csrf: s.CSRFToken}
	if u := f.users.getUUID(f, userID); u != nil {
		f.users.materialize(u)
		u.loginSessions = append(u.loginSessions, &loginSession{
			id: randomToken(12), createdAt: f.now().UTC(), device: "Go test", session: s.ID,
		})
	}
	return s
}

// GitHubInstallation describes a GitHub App installation linked to a user,
// for [Fake.AddGitHubInstallation].
type GitHubInstallation struct {
	// InstallationID is GitHub's installation ID (digits); "" picks one.
	InstallationID string
	// Account is the GitHub account the App is installed on.
	Account string
	// Repositories are the "owner/repo" names the installation reaches.
	Repositories []string
	// Branches are the branches of each repository; a repository not
	// listed has one, "main".
	Branches map[string][]string
}

// githubInstall is a linked GitHub App installation.
type githubInstall struct {
	id        uuid.UUID
	installID string
	account   string
	repos     []string
	branches  map[string][]string
	createdAt string
}

// AddGitHubInstallation links a GitHub App installation to a user and
// returns its installation ID.
func (f *Fake) AddGitHubInstallation(userID uuid.UUID, inst GitHubInstallation) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users.getUUID(f, userID)
	if u == nil {
		return ""
	}
	f.users.materialize(u)
	id := inst.InstallationID
	if id == "" {
		id = strconv.FormatInt(f.nextInstall, 10)
		f.nextInstall++
	}
	u.github = append(u.github, &githubInstall{
		id: uuid.New(), installID: id, account: inst.Account,
		repos: append([]string(nil), inst.Repositories...), branches: inst.Branches,
		createdAt: f.now().UTC().Format(timeLayout),
	})
	return id
}

// SlackLink describes a Slack account linked to a user, for
// [Fake.AddSlackLink].
type SlackLink struct {
	// SlackUserID is the Slack member ID, "U…" or "W…".
	SlackUserID string
	// SlackTeamID and SlackTeamName name the Slack workspace.
	SlackTeamID, SlackTeamName string
	// Email is the Slack account's email.
	Email string
}

// slackLink is a linked Slack account.
type slackLink struct {
	SlackLink
	id        uuid.UUID
	createdAt string
}

// AddSlackLink links a Slack account to a user.
func (f *Fake) AddSlackLink(userID uuid.UUID, link SlackLink) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.users.getUUID(f, userID); u != nil {
		f.users.materialize(u)
		u.slackLinks = append(u.slackLinks, &slackLink{SlackLink: link, id: uuid.New(), createdAt: f.now().UTC().Format(timeLayout)})
	}
}

// AddSlackWorkspace installs a Slack workspace in a project and returns the
// ID of the project's Slack integration (what signal autonomy's
// slack_notification_integration_id takes).
func (f *Fake) AddSlackWorkspace(projectID int64, slackTeamID, slackTeamName string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.teams[projectID]
	if t == nil {
		return 0
	}
	id := int64(900 + len(t.slack) + int(projectID)*100)
	t.slack = append(t.slack, &slackWorkspace{integrationID: id, teamID: slackTeamID, teamName: slackTeamName})
	return id
}

// SetEmailAvailable says whether the instance can send email. When it
// cannot, email verification requests fail with "email_not_available" and
// email changes apply at once.
func (f *Fake) SetEmailAvailable(ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.emailAvailable = ok
}

// TOTPCode returns the current TOTP code of a user's authenticator: of the
// setup in progress when there is one, else of the enabled device; "" when
// there is neither.
func (f *Fake) TOTPCode(userID uuid.UUID) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users.getUUID(f, userID)
	if u == nil {
		return ""
	}
	secret := u.pendingSecret
	if secret == "" {
		secret = u.totpSecret
	}
	if secret == "" {
		return ""
	}
	return totp(secret, f.now(), 0)
}

// EmailVerificationCode returns the code the fake "emailed" a user for
// verification, or "".
func (f *Fake) EmailVerificationCode(userID uuid.UUID) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.users.getUUID(f, userID); u != nil {
		return u.verifyCode
	}
	return ""
}

// HedgehogConfig returns a user's stored hedgehog configuration.
func (f *Fake) HedgehogConfig(userID uuid.UUID) json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.users.getUUID(f, userID); u != nil {
		return append(json.RawMessage(nil), u.hedgehog...)
	}
	return nil
}

// UserCount returns the number of active users: the count of a staff
// caller's listing, without deleted and deactivated users.
func (f *Fake) UserCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, sg := range f.users.segs {
		if sg.u != nil {
			n++
		} else {
			n += int(sg.n)
		}
	}
	for _, u := range f.users.byID {
		if u.inactive {
			n--
		}
	}
	return n - len(f.users.deleted)
}

// DeactivateUser deactivates a user, as PostHog's admin does by clearing
// is_active, and reports whether the fake has the user. PostHog serves
// active users only: a deactivated user leaves GET /api/users/ (moving the
// users after it one place up, as a scan sees), GET /api/users/{uuid}/
// answers 404 "Not found." for it (to staff; only staff may name a UUID),
// as do the personal integrations, and its keys and sessions no longer
// authenticate (401). Signal autonomy, which looks users up by ID without
// PostHog's filter, still finds it. The user keeps its data and its UUID.
func (f *Fake) DeactivateUser(userID uuid.UUID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users.getUUID(f, userID)
	if u == nil {
		return false
	}
	f.users.materialize(u)
	u.inactive = true
	return true
}

// DeleteUser deletes a user with its keys and sessions, as PostHog does
// when the user deletes their account, and reports whether the fake had
// the user. Unlike DELETE /api/users/@me/, which PostHog refuses (409) to
// a member of an organization and opens to sessions only, it deletes any
// user. The user leaves every listing and lookup, and its UUID is free
// for [Fake.AddUser].
func (f *Fake) DeleteUser(userID uuid.UUID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users.getUUID(f, userID)
	if u == nil {
		return false
	}
	f.removeUser(u)
	return true
}

// randomToken returns n random base62-ish characters.
func randomToken(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newTOTPSecret returns a base32 TOTP secret.
func newTOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return strings.TrimRight(base32.StdEncoding.EncodeToString(b), "=")
}

// newBackupCodes returns ten backup codes.
func newBackupCodes() []string {
	codes := make([]string, 10)
	for i := range codes {
		codes[i] = strings.ToLower(randomToken(8))
	}
	return codes
}
