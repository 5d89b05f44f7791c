package posthogusers

import (
	"bytes"
	"encoding/json"
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

// IsZero reports whether n is left out. encoding/json's omitzero option calls
// it.
func (n Nullable[T]) IsZero() bool { return !n.set }

// MarshalJSON encodes the value, or null when n is null or left out.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.set || n.null {
		return []byte("null"), nil
	}
	return json.Marshal(n.value)
}

// UnmarshalJSON decodes null as [Null] and anything else as a value.
func (n *Nullable[T]) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*n = NewNullable(v)
	return nil
}
