package posthogtest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// asString decodes raw as a JSON string. isString reports whether it
// decoded: it is false for numbers, booleans, arrays and objects (s is then
// ""). JSON null decodes as "" with isString true, as encoding/json leaves
// a string unset for null; callers that refuse null test [wire.IsNull] first.
func asString(raw json.RawMessage) (s string, isString bool) {
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// describeValue renders a JSON value as Python's str() renders it after
// Django decoded it (True, None, 3), for the messages that quote a value.
// It returns raw itself when raw is not JSON.
func describeValue(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// pythonTypeName returns the name of the Python type that Django decodes a
// JSON value (as encoding/json decodes it into an any) to: "str", "int"
// (every number), "bool", "list", "dict" or "NoneType".
func pythonTypeName(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case string:
		return "str"
	case float64:
		return "int"
	case bool:
		return "bool"
	}
	return "NoneType"
}

// pythonClass returns Python's repr of the type of v, as pythonTypeName
// names it: "<class 'str'>".
func pythonClass(v any) string { return "<class '" + pythonTypeName(v) + "'>" }
