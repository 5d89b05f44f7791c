package posthogtest

import (
	"encoding/json"
	"fmt"
	"slices"
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
	dateJoined   time.Time
	password     string
	memberships  []membership
	currentTeam  *team

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

// userStore holds the users: ones added one by one, and blocks of generated
// users that exist only as an ID range until one of them is changed, so
// that a million users cost a few bytes.
type userStore struct {
	segs   []segment // in ID order
	byID   map[int64]*user
	byUUID map[uuid.UUID]*user
	// deleted are generated users deleted before being materialized.
	deleted map[int64]bool
	nextID  int64
}

// segment is one added user (u != nil) or a block of generated users with
// IDs first to first+n-1.
type segment struct {
	u        *user
	first, n int64
}

// newUserStore returns an empty user store.
func newUserStore() *userStore {
	return &userStore{byID: map[int64]*user{}, byUUID: map[uuid.UUID]*user{}, deleted: map[int64]bool{}, nextID: 1}
}

// add stores a new user, giving it the next ID.
func (s *userStore) add(u *user) {
	u.id = s.nextID
	s.nextID++
	s.segs = append(s.segs, segment{u: u})
	s.byID[u.id], s.byUUID[u.uuid] = u, u
}

// addBlock adds n generated users and returns the first ID.
func (s *userStore) addBlock(n int64) int64 {
	first := s.nextID
	s.nextID += n
	s.segs = append(s.segs, segment{first: first, n: n})
	return first
}

// block returns the segment of generated users that holds id, if any.
func (s *userStore) block(id int64) (segment, bool) {
	i, found := slices.BinarySearchFunc(s.segs, id, func(sg segment, id int64) int {
		lo, hi := sg.first, sg.first+sg.n
		if sg.u != nil {
			lo, hi = sg.u.id, sg.u.id+1
		}
		switch {
		case id < lo:
			return 1
		case id >= hi:
			return -1
		}
		return 0
	})
	if !found || s.segs[i].u != nil {
		return segment{}, false
	}
	return s.segs[i], true
}

// get returns the user with the integer ID id, or nil.
func (s *userStore) get(f *Fake, id int64) *user {
	if u, ok := s.byID[id]; ok {
		return u
	}
	if _, ok := s.block(id); ok && !s.deleted[id] {
		return f.generate(id)
	}
	return nil
}

// getUUID returns the user with a UUID, or nil.
func (s *userStore) getUUID(f *Fake, id uuid.UUID) *user {
	if u, ok := s.byUUID[id]; ok {
		return u
	}
	if n, ok := generatedID(id); ok {
		return s.get(f, n)
	}
	return nil
}

// materialize makes a generated user a stored one, before it is changed.
func (s *userStore) materialize(u *user) {
	if _, ok := s.byID[u.id]; !ok {
		s.byID[u.id], s.byUUID[u.uuid] = u, u
	}
}

// remove deletes a user.
func (s *userStore) remove(u *user) {
	delete(s.byID, u.id)
	delete(s.byUUID, u.uuid)
	if _, ok := s.block(u.id); ok {
		s.deleted[u.id] = true
		return
	}
	s.segs = slices.DeleteFunc(s.segs, func(sg segment) bool { return sg.u == u })
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

// byEmail returns the users with an exact email.
func (s *userStore) byEmail(f *Fake, email string) []*user {
	var out []*user
	for _, u := range s.byID {
		if u.email == email {
			out = append(out, u)
		}
	}
	if id, ok := generatedIDOfEmail(email); ok {
		if _, stored := s.byID[id]; !stored {
			if u := s.get(f, id); u != nil {
				out = append(out, u)
			}
		}
	}
	slices.SortFunc(out, func(a, b *user) int { return int(a.id - b.id) })
	return out
}

// page returns how many users keep accepts and the limit of them from
// offset on, in ID order. genMatch says whether keep accepts a generated
// user as generated; blocks are then counted without being generated.
func (s *userStore) page(f *Fake, keep func(*user) bool, genMatch bool, offset, limit int) (count int, out []*user) {
	p := &pageWalk{keep: keep, offset: offset, limit: limit}
	for _, sg := range s.segs {
		switch {
		case sg.u != nil:
			if keep(sg.u) {
				p.add(sg.u)
			}
		case !genMatch:
			for _, id := range s.oddIDs(sg) {
				if u, ok := s.byID[id]; ok && keep(u) {
					p.add(u)
				}
			}
		default:
			s.walkBlock(f, p, sg)
		}
	}
	return p.count, p.out
}

// pageWalk is a page of users being gathered: how many matched so far, and
// the limit of them from offset on.
type pageWalk struct {
	keep          func(*user) bool
	offset, limit int
	count         int
	out           []*user
}

// add counts a matching user, and keeps it when it falls in the page.
func (p *pageWalk) add(u *user) {
	if p.count >= p.offset && len(p.out) < p.limit {
		p.out = append(p.out, u)
	}
	p.count++
}

// oddIDs returns, in order, the IDs of a block's users that differ from a
// plain generated one: deleted, or stored (and maybe changed).
func (s *userStore) oddIDs(sg segment) []int64 {
	var odd []int64
	for id := range s.deleted {
		if id >= sg.first && id < sg.first+sg.n {
			odd = append(odd, id)
		}
	}
	for id := range s.byID {
		if id >= sg.first && id < sg.first+sg.n {
			odd = append(odd, id)
		}
	}
	slices.Sort(odd)
	return odd
}

// walkBlock adds a block of generated users to p, where every plain
// generated user matches: it walks the block by ID, jumping over the whole
// stretch before the offset, and counts what follows the page without
// walking it.
func (s *userStore) walkBlock(f *Fake, p *pageWalk, sg segment) {
	odd := s.oddIDs(sg)
	plain := sg.n - int64(len(odd))
	kept := int64(0)
	for _, id := range odd {
		if u, ok := s.byID[id]; ok && p.keep(u) {
			kept++
		}
	}
	total := int(plain + kept)
	if p.count+total <= p.offset || len(p.out) >= p.limit {
		p.count += total
		return
	}
	id := sg.first
	if skip := p.offset - p.count; skip > 0 && len(odd) == 0 {
		id += int64(skip)
		p.count += skip
	}
	oi, _ := slices.BinarySearch(odd, id)
	for ; id < sg.first+sg.n; id++ {
		var u *user
		if oi < len(odd) && odd[oi] == id {
			oi++
			stored, ok := s.byID[id]
			if !ok || !p.keep(stored) {
				continue
			}
			u = stored
		}
		if p.count >= p.offset {
			if len(p.out) >= p.limit {
				break
			}
			if u == nil {
				u = f.generate(id)
			}
			p.out = append(p.out, u)
		}
		p.count++
	}
	// Count what is left of the block without walking it.
	if id < sg.first+sg.n {
		rest := sg.first + sg.n - id
		for _, oid := range odd[oi:] {
			if u, ok := s.byID[oid]; !ok || !p.keep(u) {
				rest--
			}
		}
		p.count += int(rest)
	}
}
