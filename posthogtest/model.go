package posthogtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// organization is a PostHog organization.
type organization struct {
	id        uuid.UUID
	name      string
	slug      string
	createdAt time.Time
	teams     []*team
}

// team is a PostHog project.
type team struct {
	id       int64
	uuid     uuid.UUID
	name     string
	org      *organization
	apiToken string
	// slack are the Slack workspaces installed in the project.
	slack []*slackWorkspace
}

// slackWorkspace is a project's Slack installation.
type slackWorkspace struct {
	integrationID int64
	teamID        string // Slack's
	teamName      string
}

// membership is a user's place in an organization.
type membership struct {
	org   *organization
	level int // 1 member, 8 admin, 15 owner
}

// user is a PostHog user.
type user struct {
	id           int64
	uuid         uuid.UUID
	distinctID   string
	email        string
	firstName    string
	lastName     string
	pendingEmail string
	verified     bool
	isStaff      bool
	// inactive is PostHog's is_active false: the user is out of every
	// lookup of UserViewSet and cannot authenticate.
	inactive    bool
	dateJoined  time.Time
	password    string
	memberships []membership
	currentTeam *team

	notifications        map[string]any
	anonymizeData        *bool
	allowImpersonation   *bool
	toolbarMode          *string
	themeMode            *string
	shortcutPosition     *string
	roleAtOrganization   *string
	allowSidebarSuggest  *bool
	passkeysFor2FA       *bool
	hideMCPHints         bool
	hedgehog             json.RawMessage
	eventsColumnConfig   json.RawMessage
	uiConfiguration      json.RawMessage
	productIntros        map[string]bool
	scenes               []sceneChoice
	onboardingSkippedAt  *time.Time
	onboardingSkipReason string
	githubLogin          string

	totpSecret     string // the enabled TOTP secret, "" when 2FA is off
	pendingSecret  string // a TOTP setup waiting for validation
	pendingSince   time.Time
	backupCodes    []string
	verifyCode     string // the emailed verification code
	verifyAttempts int

	loginSessions []*loginSession
	pushTokens    []*pushToken
	github        []*githubInstall
	slackLinks    []*slackLink
	autonomy      *autonomyConfig
}

// sceneChoice is a user's dashboard for a scene in one project.
type sceneChoice struct {
	Scene     string `json:"scene"`
	Dashboard int64  `json:"dashboard"`
	team      int64
}

// loginSession is a login session of a user, as the login sessions
// endpoints list it.
type loginSession struct {
	id        string
	createdAt time.Time
	device    string
	session   string // the session ID it belongs to
}

// pushToken is a device's push notification token.
type pushToken struct {
	id        uuid.UUID
	token     string
	platform  string
	createdAt time.Time
	lastSeen  *time.Time
}

// apiKey is a personal API key.
type apiKey struct {
	id     int64
	user   uuid.UUID
	scopes []string
}

// webSession is a logged-in session.
type webSession struct {
	user uuid.UUID
	csrf string
}

// defaultNotifications are the notification settings of a new user
// (posthog/models/user.py NOTIFICATION_DEFAULTS).
func defaultNotifications() map[string]any {
	return map[string]any{
		"plugin_disabled":                true,
		"error_tracking_issue_assigned":  true,
		"discussions_mentioned":          true,
		"project_weekly_digest_disabled": map[string]any{},
		"all_weekly_digest_disabled":     false,
	}
}

// generatedPrefix starts the UUIDs of generated users; the rest is the ID.
const generatedPrefix = "5eed0000-0000-4000-8000-"

// generatedUUID returns the UUID of the generated user with ID id.
func generatedUUID(id int64) uuid.UUID {
	return uuid.MustParse(fmt.Sprintf("%s%012x", generatedPrefix, id))
}

// generatedID returns the ID that generatedUUID made u from; ok is false
// when u is not a generated user's UUID.
func generatedID(u uuid.UUID) (int64, bool) {
	s := u.String()
	rest, ok := strings.CutPrefix(s, generatedPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 16, 64)
	return n, err == nil
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Margaret", "Ken", "Radia", "Dennis", "Katherine", "John", "Hedy", "Tim", "Sophie"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Hamilton", "Thompson", "Perlman", "Ritchie", "Johnson", "McCarthy", "Lamarr", "Berners-Lee", "Wilson"}
)

// generatedEmail is the email of generated user id.
func generatedEmail(id int64) string {
	first, last := firstNames[id%int64(len(firstNames))], lastNames[(id/int64(len(firstNames)))%int64(len(lastNames))]
	return strings.ToLower(first+"."+last) + "." + strconv.FormatInt(id, 10) + "@example.com"
}

// generatedIDOfEmail returns the ID an email would have as a generated
// user's.
func generatedIDOfEmail(email string) (int64, bool) {
	local, ok := strings.CutSuffix(email, "@example.com")
	if !ok {
		return 0, false
	}
	i := strings.LastIndexByte(local, '.')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(local[i+1:], 10, 64)
	return n, err == nil && generatedEmail(n) == email
}

// seedEpoch is when generated users joined, one a minute from then.
var seedEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// generate returns generated user id as a new value. Changing it requires
// materializing it first.
func (f *Fake) generate(id int64) *user {
	first, last := firstNames[id%int64(len(firstNames))], lastNames[(id/int64(len(firstNames)))%int64(len(lastNames))]
	u := f.newUser(id)
	u.uuid = generatedUUID(id)
	u.distinctID = "seed-" + strconv.FormatInt(id, 10)
	u.email = generatedEmail(id)
	u.firstName, u.lastName = first, last
	u.dateJoined = seedEpoch.Add(time.Duration(id) * time.Minute)
	return u
}

// newUser returns a user with PostHog's defaults, a member of the first
// organization.
func (f *Fake) newUser(id int64) *user {
	org := f.orgs[0]
	toolbar, shortcut := "toolbar", "above"
	u := &user{
		id:                 id,
		verified:           true,
		memberships:        []membership{{org: org, level: 1}},
		currentTeam:        org.teams[0],
		notifications:      defaultNotifications(),
		anonymizeData:      ptr(false),
		allowImpersonation: ptr(true),
		toolbarMode:        &toolbar,
		shortcutPosition:   &shortcut,
		eventsColumnConfig: json.RawMessage(`{"active":"DEFAULT"}`),
		productIntros:      map[string]bool{},
	}
	return u
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// addOrganization adds an organization with projects. The fake is locked or
// not yet shared.
func (f *Fake) addOrganization(name string, projects ...string) *organization {
	n := len(f.orgs)
	org := &organization{
		id:        uuid.MustParse(fmt.Sprintf("0190a3c4-4c0d-7b1c-8e29-%012x", n+1)),
		name:      name,
		slug:      slugify(name),
		createdAt: seedEpoch.Add(-time.Duration(24*(n+1)) * time.Hour),
	}
	for _, p := range projects {
		t := &team{
			id:       f.nextTeamID,
			uuid:     uuid.MustParse(fmt.Sprintf("0190a3c4-6a2f-7d3e-8a4b-%012x", f.nextTeamID)),
			name:     p,
			org:      org,
			apiToken: fmt.Sprintf("phc_fake%040d", f.nextTeamID),
		}
		f.nextTeamID++
		org.teams = append(org.teams, t)
		f.teams[t.id] = t
	}
	f.orgs = append(f.orgs, org)
	return org
}

// slugify returns s in lower case with every character other than a
// letter or digit turned to "-", trimmed of "-": an organization's slug.
func slugify(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// org returns the organization with an ID, or nil.
func (f *Fake) org(id uuid.UUID) *organization {
	for _, o := range f.orgs {
		if o.id == id {
			return o
		}
	}
	return nil
}

// memberOf returns u's membership of org, or nil.
func (u *user) memberOf(org *organization) *membership {
	for i := range u.memberships {
		if u.memberships[i].org == org {
			return &u.memberships[i]
		}
	}
	return nil
}

// currentOrg returns u's current organization, or nil.
func (u *user) currentOrg() *organization {
	if u.currentTeam != nil {
		return u.currentTeam.org
	}
	return nil
}
