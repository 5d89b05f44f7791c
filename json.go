package posthogusers

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/hogkit/posthogusers/internal/wire"
)

// The SDK reads and writes JSON with github.com/go-json-experiment/json, the
// mirror of the standard library's encoding/json/v2 (which it becomes an
// alias of from Go 1.27 on). Its defaults are the SDK's on purpose:
//
//   - Object names match case-sensitively: PostHog sends exact snake_case
//     names, and "Email" is not "email".
//   - A JSON object with a duplicate name is an error, not "the last one
//     wins": a body that means two things is refused.
//   - Invalid UTF-8 in a string is an error rather than silently replaced.
//   - Request fields that may be left out use omitzero, never omitempty:
//     under v2 omitempty also drops a *string pointing at "" and an empty
//     map, which would turn "clear this field" into "leave it as it is".
//
// The tests in json_test.go pin each of these.

// parseLooseTime parses the layouts PostHog uses for the times it computes
// for session fields: ISO 8601 with or without a zone (UTC when none). It
// returns nil for anything else.
func parseLooseTime(s string) *time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t
		}
	}
	return nil
}

// unknownMembers splits a JSON object (the members a type did not know,
// as captured by an embedded jsontext.Value) into a map; nil when there are
// none.
func unknownMembers(obj jsontext.Value) map[string]jsontext.Value {
	if len(obj) == 0 {
		return nil
	}
	var all map[string]jsontext.Value
	if json.Unmarshal(obj, &all) != nil || len(all) == 0 {
		return nil
	}
	return all
}

// jsonObject encodes v and checks that it is a JSON object, for request
// bodies that PostHog stores as one. arg names the argument in errors.
func jsonObject(arg string, v any) (jsontext.Value, error) {
	var b []byte
	switch v := v.(type) {
	case jsontext.Value:
		b = v
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, &InputError{Arg: arg, Reason: fmt.Sprintf("does not encode to JSON: %v", err)}
		}
	}
	if jsontext.Value(b).Kind() != jsontext.KindBeginObject || !jsontext.Value(b).IsValid() {
		return nil, &InputError{Arg: arg, Reason: "is not a JSON object"}
	}
	return b, nil
}

// mergePatch applies patch to target as an RFC 7396 JSON merge patch. Both
// are JSON values; a target that is not an object is replaced by an empty
// one first, as the RFC says.
func mergePatch(target, patch jsontext.Value) (jsontext.Value, error) {
	if !patch.IsValid() {
		return nil, errors.New("the patch is not valid JSON")
	}
	if patch.Kind() != jsontext.KindBeginObject {
		// Not an object: the patch replaces the target.
		return patch, nil
	}
	var p map[string]jsontext.Value
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, fmt.Errorf("the patch is not a JSON object: %w", err)
	}
	var t map[string]jsontext.Value
	if json.Unmarshal(target, &t) != nil || t == nil {
		t = map[string]jsontext.Value{}
	}
	for k, v := range p {
		if wire.IsNull(v) {
			delete(t, k)
			continue
		}
		merged, err := mergePatch(t[k], v)
		if err != nil {
			return nil, err
		}
		t[k] = merged
	}
	return json.Marshal(t, json.Deterministic(true))
}
