package posthogusers

import (
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestRequestTypes_nullableMatchesSchema checks every field of the request
// bodies against PostHog's schema: a [Nullable] field (which can send null)
// must be nullable there, since PostHog answers null on any other field with
// 400, and a pointer field (which can only leave out or set) must name a
// property of the schema.
func TestRequestTypes_nullableMatchesSchema(t *testing.T) {
	t.Parallel()
	doc := loadSchemaDoc(t)
	for _, tt := range []struct {
		typ    reflect.Type
		schema string
	}{
		{reflect.TypeFor[UpdateUserRequest](), "PatchedUser"},
		{reflect.TypeFor[ReplaceUserRequest](), "User"},
		{reflect.TypeFor[SignalAutonomyUpdate](), "SignalUserAutonomyConfigCreate"},
		{reflect.TypeFor[StartGitHubLinkRequest](), "UserGitHubLinkStartRequest"},
		{reflect.TypeFor[StartSlackLinkRequest](), "UserSlackLinkStartRequest"},
	} {
		ref, ok := doc.Components.Schemas[tt.schema]
		if !ok || ref.Value == nil {
			t.Errorf("the schema has no %s", tt.schema)
			continue
		}
		checked := 0
		for _, f := range reflect.VisibleFields(tt.typ) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous || name == "" || name == "-" {
				continue
			}
			prop, ok := ref.Value.Properties[name]
			if !ok || prop.Value == nil {
				t.Errorf("%v.%s: %s has no property %q", tt.typ, f.Name, tt.schema, name)
				continue
			}
			checked++
			nullable := schemaNullable(prop.Value)
			isNullable := strings.HasPrefix(f.Type.Name(), "Nullable[")
			switch {
			case isNullable && !nullable:
				t.Errorf("%v.%s is Nullable but %s.%s is not nullable: PostHog refuses null with 400", tt.typ, f.Name, tt.schema, name)
			case prop.Value.ReadOnly:
				t.Errorf("%v.%s: %s.%s is read-only", tt.typ, f.Name, tt.schema, name)
			}
		}
		if checked == 0 {
			t.Errorf("%v: no field checked", tt.typ)
		}
	}
}

// schemaNullable reports whether a property accepts null: nullable itself,
// or a oneOf/anyOf/allOf of which a member is.
func schemaNullable(s *openapi3.Schema) bool {
	if s.Nullable {
		return true
	}
	for _, refs := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		for _, r := range refs {
			if r.Value != nil && (r.Value.Nullable || r.Value.Type.Is("null")) {
				return true
			}
		}
	}
	return false
}
