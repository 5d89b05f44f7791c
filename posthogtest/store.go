package posthogtest

import (
	"slices"

	"github.com/google/uuid"
)

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
