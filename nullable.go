package posthogusers

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Ptr returns a pointer to v, for the optional fields of request types:
// UpdateUserRequest{FirstName: posthogusers.Ptr("Ada")}.
func Ptr[T any](v T) *T { return &v }

// Nullable is a request field that PostHog lets a client leave out, set to a
// value, or set to null (which clears it). Its zero value is "left out"; use
// [NewNullable] for a value and [Null] for null. Fields of this type carry
// the omitzero option, so a left-out field is not sent at all.
type Nullable[T any] struct {
	value T
	set   bool // a value or null was given
	null  bool // null was given
}

// NewNullable returns a Nullable holding v.
func NewNullable[T any](v T) Nullable[T] { return Nullable[T]{value: v, set: true} }

// Null returns a Nullable that is sent as JSON null.
func Null[T any]() Nullable[T] { return Nullable[T]{set: true, null: true} }

// Get returns the value and true when n holds a value; it returns the zero
// value and false when n is left out or null.
func (n Nullable[T]) Get() (T, bool) { return n.value, n.set && !n.null }

// IsNull reports whether n is set to null.
func (n Nullable[T]) IsNull() bool { return n.set && n.null }

// IsZero reports whether n is left out. The omitzero option of the JSON
// encoding calls it.
func (n Nullable[T]) IsZero() bool { return !n.set }

// MarshalJSONTo encodes the value, or null when n is null or left out.
func (n Nullable[T]) MarshalJSONTo(enc *jsontext.Encoder) error {
	if !n.set || n.null {
		return enc.WriteToken(jsontext.Null)
	}
	return json.MarshalEncode(enc, n.value)
}

// UnmarshalJSONFrom decodes null as [Null] and anything else as a value.
func (n *Nullable[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == jsontext.KindNull {
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.UnmarshalDecode(dec, &v); err != nil {
		return err
	}
	*n = NewNullable(v)
	return nil
}
