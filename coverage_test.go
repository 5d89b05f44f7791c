package posthogusers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// metaOperations returns the //meta:operation lines of the package's
// non-test files, keyed by "METHOD /path/", with the exported methods that
// carry each. It also reports exported service methods that carry none.
func metaOperations(t *testing.T) (ops map[string][]string, missing []string) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	ops = map[string][]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() {
				continue
			}
			recv := receiverName(fn.Recv.List[0].Type)
			if !strings.HasSuffix(recv, "Service") {
				continue
			}
			method := recv + "." + fn.Name.Name
			n := 0
			if fn.Doc != nil {
				for _, c := range fn.Doc.List {
					line, ok := strings.CutPrefix(c.Text, "//meta:operation ")
					if !ok {
						continue
					}
					ops[strings.TrimSpace(line)] = append(ops[strings.TrimSpace(line)], method)
					n++
				}
			}
			if n == 0 {
				missing = append(missing, method)
			}
		}
	}
	return ops, missing
}

// receiverName returns the name of a method's receiver type, without its
// pointer, or "" when it is not a plain named type.
func receiverName(e ast.Expr) string {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	switch g := e.(type) { // a generic type's receiver: scanner[T]
	case *ast.IndexExpr:
		e = g.X
	case *ast.IndexListExpr:
		e = g.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// schemaOperations returns "METHOD /path/" for every operation of the
// schema in testdata/.
func schemaOperations(t *testing.T) []string {
	t.Helper()
	doc := loadSchemaDoc(t)
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

// TestMetaOperations_coverSchema fails when an operation of PostHog's schema
// has no method carrying its //meta:operation line, when a line names an
// operation the schema does not have, or when a service method has no line.
func TestMetaOperations_coverSchema(t *testing.T) {
	t.Parallel()
	ops, missing := metaOperations(t)
	for _, m := range missing {
		t.Errorf("%s has no //meta:operation line", m)
	}
	schema := schemaOperations(t)
	if len(schema) < 33 {
		t.Fatalf("the schema has %d operations; want at least 33", len(schema))
	}
	for _, op := range schema {
		if len(ops[op]) == 0 {
			t.Errorf("schema operation %s has no method with a //meta:operation line", op)
		}
	}
	for op, methods := range ops {
		if !slices.Contains(schema, op) {
			t.Errorf("//meta:operation %s (on %v) is not an operation of PostHog's schema", op, methods)
		}
	}
}

// TestOperations_matchSchema checks the client's operations table against
// the schema: the same operations, and the scope each declares is the one the
// schema's security requirement names (none for endpoints closed to keys).
func TestOperations_matchSchema(t *testing.T) {
	t.Parallel()
	doc := loadSchemaDoc(t)
	var table []string
	for _, op := range operations {
		key := op.method + " " + op.path
		table = append(table, key)
		item := doc.Paths.Find(op.path)
		if item == nil {
			t.Errorf("%s: path not in the schema", key)
			continue
		}
		sop := item.GetOperation(op.method)
		if sop == nil {
			t.Errorf("%s: method not in the schema", key)
			continue
		}
		var scopes []string
		anonymous := false
		if sop.Security != nil {
			for _, req := range *sop.Security {
				if len(req) == 0 {
					anonymous = true
				}
				scopes = append(scopes, req["PersonalAPIKeyAuth"]...)
			}
		}
		switch op.access {
		case accessScoped:
			if !slices.Equal(scopes, []string{string(op.scope)}) {
				t.Errorf("%s: table scope %q; schema security %v", key, op.scope, scopes)
			}
		case accessAnonymous:
			if !anonymous {
				t.Errorf("%s: anonymous in the table, not in the schema", key)
			}
		case accessKeyRefused, accessSessionAuth:
			pak, _ := sop.Extensions["x-pak-access"].(string)
			want := map[access]string{accessKeyRefused: "refused", accessSessionAuth: "session-only authentication"}[op.access]
			if len(scopes) != 0 || !strings.HasPrefix(pak, want) {
				t.Errorf("%s: the table says %q; schema security %v, x-pak-access %q", key, want, scopes, pak)
			}
		}
	}
	slices.Sort(table)
	if schema := schemaOperations(t); !slices.Equal(table, schema) {
		t.Errorf("operations table:\n%v\nschema:\n%v", table, schema)
	}
}
