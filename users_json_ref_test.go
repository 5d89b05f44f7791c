package posthogusers

// The decoders of User and the types it holds as they were before they read
// the token stream by hand: a User read by package json into its wire
// struct (users_json_wire_ref_test.go, generated with users_json_wire.go),
// its members of a zero value PostHog may send read by slots, the other
// types by a loop over their members whose pointers, slices and maps
// package json reads. FuzzDecoders_agree and TestDecoders_agree check that
// the decoders of users_json_wire.go give what these give.

import (
	"bytes"
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// refShares is pageShares for the reference decoders.
type refShares struct {
	teams         map[string]*Team
	organizations map[string]*Organization
}

// refDecodeUser decodes a user with the reference decoders; shares is a
// scan's page's, or nil.
func refDecodeUser(dec *jsontext.Decoder, shares *refShares) (User, error) {
	var u User
	err := refDecodeObject(dec, new(refUserWire), &u, shares)
	return u, err
}

// refNotSent is the value a wire struct fills a member's string field with
// before decoding: a value left there was not sent. PostHog does not send
// it; a member sent with it reads as not sent.
const refNotSent = "\x00posthogusers: not sent\x00"

// refNotSentInt is refNotSent for integer fields; it fits in 32 bits.
const refNotSentInt = -0x5e175e17

// refWireOf is a wire struct for decoding a T.
type refWireOf[T any] interface {
	// bind readies the wire struct to decode into t, a zero value, whose
	// asSent it records into; shares are a scan's page's, or nil.
	bind(t *T, shares *refShares)
	// done records in t's asSent what decoding left in the wire struct
	// and in t.
	done(t *T)
}

// refDecodeObject decodes a JSON object into t through the wire struct w.
// JSON null leaves t zero, with nothing recorded.
func refDecodeObject[T any](dec *jsontext.Decoder, w refWireOf[T], t *T, shares *refShares) error {
	switch k := dec.PeekKind(); k {
	case 'n':
		_, err := dec.ReadToken()
		return err
	case '{':
	default:
		if _, err := dec.ReadValue(); err != nil {
			return err
		}
		return fmt.Errorf("posthogusers: want a JSON object, not %v", k)
	}
	w.bind(t, shares)
	err := json.UnmarshalDecode(dec, w)
	w.done(t) // clears refNotSent, even after an error
	return err
}

// refRun is the part of a wire struct that its slots record into.
type refRun struct {
	sent   *asSent
	codec  *codec     // for the names of the members kept in raw
	shares *refShares // a scan's page's, or nil
	raw    []byte     // sent.raw so far, without its closing brace
	// unknown is, for a loop over the members (open), the members the
	// type has no field for, as closeObject takes them.
	unknown []byte
}

// start begins a run recording into sent.
func (r *refRun) start(sent *asSent, c *codec, shares *refShares) {
	*sent = asSent{decoded: true}
	*r = refRun{sent: sent, codec: c, shares: shares}
}

// mark records member i: null, sent or not.
func (r *refRun) mark(i uint, null, sent bool) {
	switch {
	case null:
		r.sent.present |= 1 << i
		r.sent.null |= 1 << i
	case sent:
		r.sent.present |= 1 << i
	}
}

// markJSON records member i, a jsontext.Value: null when package json
// cleared its pointer, which the field then holds as its value.
func (r *refRun) markJSON(i uint, null bool, p *jsontext.Value) {
	if null {
		*p = jsontext.Value("null")
	}
	r.mark(i, false, len(*p) > 0)
}

// finish records the members kept as sent, and those a wire struct kept
// that its type does not know.
func (r *refRun) finish(unknown jsontext.Value) {
	r.sent.raw = closeObject(r.raw)
	if len(unknown) > 0 {
		r.sent.unknown = string(unknown)
	}
}

// refSentString reports whether a string field filled with refNotSent was
// decoded into, and empties it when it was not.
func refSentString[S ~string](p *S) bool {
	if *p == refNotSent {
		*p = ""
		return false
	}
	return true
}

// refSentInt reports whether an integer field filled with refNotSentInt was
// decoded into, and zeroes it when it was not.
func refSentInt[I ~int | ~int32 | ~int64](p *I) bool {
	if *p == refNotSentInt {
		*p = 0
		return false
	}
	return true
}

// open begins decoding a JSON object by a loop over its members
// (decodeRef, users_json_wire.go), recording into sent. It reports
// whether there is an object: JSON null leaves the value zero, with
// nothing recorded.
func (r *refRun) open(dec *jsontext.Decoder, sent *asSent, c *codec) (bool, error) {
	switch k := dec.PeekKind(); k {
	case 'n':
		_, err := dec.ReadToken()
		return false, err
	case '{':
	default:
		if _, err := dec.ReadValue(); err != nil {
			return false, err
		}
		return false, fmt.Errorf("posthogusers: want a JSON object, not %v", k)
	}
	r.start(sent, c, nil)
	_, err := dec.ReadToken()
	return err == nil, err
}

// close ends the object open began.
func (r *refRun) close(dec *jsontext.Decoder) error {
	r.finish(nil)
	r.sent.unknown = closeObject(r.unknown)
	_, err := dec.ReadToken()
	return err
}

// readUnknown keeps a member its type has no field for.
func (r *refRun) readUnknown(dec *jsontext.Decoder, name jsontext.Value) error {
	r.unknown = appendName(r.unknown, name)
	v, err := dec.ReadValue()
	r.unknown = append(r.unknown, v...)
	return err
}

// null records member i as sent, and reports whether it is null, which it
// reads.
func (r *refRun) null(dec *jsontext.Decoder, i uint) (bool, error) {
	r.sent.present |= 1 << i
	if dec.PeekKind() != 'n' {
		return false, nil
	}
	r.sent.null |= 1 << i
	_, err := dec.ReadToken()
	return true, err
}

// keep records member i's value as sent, v, in the run's raw.
func (r *refRun) keep(i uint, v jsontext.Value) {
	if len(r.raw) == 0 {
		r.raw = append(r.raw, '{')
	} else {
		r.raw = append(r.raw, ',')
	}
	r.raw, _ = jsontext.AppendQuote(r.raw, r.codec.members[i].name)
	r.raw = append(append(r.raw, ':'), v...)
}

// The read functions read member i of a run into p. A value of a kind the
// member does not take is left to package json, for its error.

// refReadBool reads a bool.
func refReadBool(dec *jsontext.Decoder, r *refRun, i uint, p *bool) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	if k := dec.PeekKind(); k != 't' && k != 'f' {
		return json.UnmarshalDecode(dec, p)
	}
	tok, err := dec.ReadToken()
	*p = err == nil && tok.Bool()
	return err
}

// refReadString reads a string.
func refReadString[S ~string](dec *jsontext.Decoder, r *refRun, i uint, p *S) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	if dec.PeekKind() != '"' {
		return json.UnmarshalDecode(dec, p)
	}
	tok, err := dec.ReadToken()
	if err == nil {
		*p = S(tok.String())
	}
	return err
}

// refReadInt reads an integer written as PostHog writes them, digits with an
// optional minus sign; package json reads any other number.
func refReadInt[I ~int | ~int32 | ~int64](dec *jsontext.Decoder, r *refRun, i uint, p *I) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	if dec.PeekKind() != '0' {
		return json.UnmarshalDecode(dec, p)
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if bytes.ContainsAny(v, ".eE") {
		return json.Unmarshal(v, p)
	}
	var zero I
	n, err := strconv.ParseInt(string(v), 10, int(reflect.TypeOf(zero).Size())*8)
	if err != nil {
		return refSemanticError('0', reflect.TypeOf(zero), err)
	}
	*p = I(n)
	return nil
}

// refReadText reads a type from its text, such as a uuid.UUID.
func refReadText(dec *jsontext.Decoder, r *refRun, i uint, p encoding.TextUnmarshaler) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	if dec.PeekKind() != '"' {
		return json.UnmarshalDecode(dec, p)
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if err := p.UnmarshalText(unquote(v)); err != nil {
		return refSemanticError('"', reflect.TypeOf(p).Elem(), err)
	}
	return nil
}

// refReadTime reads a time.Time into t, or a *time.Time into p when t is nil,
// in RFC 3339, keeping the text when Go would write it otherwise.
func refReadTime(dec *jsontext.Decoder, r *refRun, i uint, t *time.Time, p **time.Time) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	if dec.PeekKind() != '"' {
		if t == nil {
			return json.UnmarshalDecode(dec, p)
		}
		return json.UnmarshalDecode(dec, t)
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	parsed, err := parseTime(v)
	if err != nil {
		return refSemanticError('"', reflect.TypeFor[time.Time](), err)
	}
	if t == nil {
		*p = &parsed
	} else {
		*t = parsed
	}
	if !writesAs(parsed, unquote(v)) {
		r.keep(i, v)
	}
	return nil
}

// refReadLooseTime reads a session time with parseLooseTime, keeping what it
// cannot read, or what Go would write otherwise.
func refReadLooseTime(dec *jsontext.Decoder, r *refRun, i uint, p **time.Time) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	*p = parseLooseValue(v)
	if *p == nil || !writesAs(**p, unquote(v)) {
		r.keep(i, v)
	}
	return nil
}

// refReadOpaque reads an OpaqueID, keeping a number as sent.
func refReadOpaque(dec *jsontext.Decoder, r *refRun, i uint, p *OpaqueID) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	if dec.PeekKind() != '0' {
		return json.UnmarshalDecode(dec, p)
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	*p = OpaqueID(v)
	r.keep(i, v)
	return nil
}

// refReadValue reads a pointer, slice or map with package json.
func refReadValue[T any](dec *jsontext.Decoder, r *refRun, i uint, p *T) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	return json.UnmarshalDecode(dec, p)
}

// refReadShared reads a *Team or *Organization, which a scan's page shares
// between its users (refShares).
func refReadShared[T Team | Organization](dec *jsontext.Decoder, r *refRun, i uint, p **T) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	if shares := r.shares; shares != nil && dec.PeekKind() == '{' {
		switch p := any(p).(type) {
		case **Team:
			return refDecodeShared(dec, p, shares.teams)
		case **Organization:
			return refDecodeShared(dec, p, shares.organizations)
		}
	}
	// As package json decodes a pointer to a type with a method
	// UnmarshalJSONFrom: a new value, which decodes itself.
	t := new(T)
	err := refDecodeFrom(dec, t)
	*p = t
	return err
}

// refDecodeFrom decodes a Team or an Organization, as its old
// UnmarshalJSONFrom did.
func refDecodeFrom[T Team | Organization](dec *jsontext.Decoder, t *T) error {
	switch t := any(t).(type) {
	case *Team:
		return t.decodeRef(dec)
	case *Organization:
		return t.decodeRef(dec)
	}
	panic("unreachable")
}

// refReadList reads a list of a type of few members, such as
// []OrganizationBasic.
func refReadList[T any, PT interface {
	*T
	decodeRef(dec *jsontext.Decoder) error
}](dec *jsontext.Decoder, r *refRun, i uint, p *[]T) error {
	if null, err := r.null(dec, i); null || err != nil {
		return err
	}
	if dec.PeekKind() != '[' {
		return json.UnmarshalDecode(dec, p)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	list := make([]T, 0, 1)
	for dec.PeekKind() != ']' {
		list = append(list, *new(T))
		if err := PT(&list[len(list)-1]).decodeRef(dec); err != nil {
			return err
		}
	}
	*p = list
	_, err := dec.ReadToken()
	return err
}

// refSlotHead is what every slot starts with: the run it records into and the
// index of its member.
type refSlotHead struct {
	run *refRun
	i   uint
}

// refBoolSlot reads a bool.
type refBoolSlot struct {
	refSlotHead
	p *bool
}

// UnmarshalJSONFrom reads the member.
func (s *refBoolSlot) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return refReadBool(dec, s.run, s.i, s.p)
}

// refTextSlot reads a type from its text, such as a uuid.UUID.
type refTextSlot struct {
	refSlotHead
	p encoding.TextUnmarshaler
}

// UnmarshalJSONFrom reads the member.
func (s *refTextSlot) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return refReadText(dec, s.run, s.i, s.p)
}

// refTimeSlot reads a time.Time, or a *time.Time when t is nil.
type refTimeSlot struct {
	refSlotHead
	t *time.Time
	p **time.Time
}

// UnmarshalJSONFrom reads the member.
func (s *refTimeSlot) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return refReadTime(dec, s.run, s.i, s.t, s.p)
}

// refLooseTimeSlot reads a session time.
type refLooseTimeSlot struct {
	refSlotHead
	p **time.Time
}

// UnmarshalJSONFrom reads the member.
func (s *refLooseTimeSlot) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return refReadLooseTime(dec, s.run, s.i, s.p)
}

// refSharedSlot reads a *Team or *Organization.
type refSharedSlot[T Team | Organization] struct {
	refSlotHead
	p **T
}

// UnmarshalJSONFrom reads the member.
func (s *refSharedSlot[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return refReadShared(dec, s.run, s.i, s.p)
}

// refListSlot reads a list of a type of few members.
type refListSlot[T any, PT interface {
	*T
	decodeRef(dec *jsontext.Decoder) error
}] struct {
	refSlotHead
	p *[]T
}

// UnmarshalJSONFrom reads the member.
func (s *refListSlot[T, PT]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return refReadList[T, PT](dec, s.run, s.i, s.p)
}

// refDecodeShared decodes a *T, reusing the value decoded from the same JSON
// earlier in the page.
func refDecodeShared[T Team | Organization](dec *jsontext.Decoder, p **T, seen map[string]*T) error {
	if dec.PeekKind() == jsontext.KindNull {
		*p = nil
		_, err := dec.ReadToken()
		return err
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if shared, ok := seen[string(v)]; ok {
		*p = shared
		return nil
	}
	t := new(T)
	if err := refDecodeFrom(jsontext.NewDecoder(bytes.NewReader(v)), t); err != nil {
		return err
	}
	if len(seen) < maxShared {
		seen[string(v)] = t
	}
	*p = t
	return nil
}

// refSemanticError is the error of a value of kind k that a Go type t
// cannot hold, as the reference decoders make it.
func refSemanticError(k jsontext.Kind, t reflect.Type, err error) error {
	return &json.SemanticError{JSONKind: k, GoType: t, Err: err}
}
