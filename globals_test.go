package posthogusers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// globalHTTPMock lists httpmock's package-level functions that read or write
// the mock shared by the whole process (http.DefaultTransport, or the
// transport of a client given to ActivateNonDefault). Parallel tests that
// call them race each other; tests use httpmock.NewMockTransport instead.
var globalHTTPMock = map[string]bool{
	"Activate": true, "ActivateNonDefault": true, "Deactivate": true, "DeactivateAndReset": true,
	"DeactivateNonDefault": true, "Reset": true, "ZeroCallCounters": true,
	"RegisterResponder": true, "RegisterRegexpResponder": true, "RegisterNoResponder": true,
	"RegisterResponderWithQuery": true, "RegisterMatcherResponder": true,
	"GetCallCountInfo": true, "GetTotalCallCount": true,
}

// TestTests_touchNoGlobals checks that no test of the module changes or
// shares process-wide HTTP state: httpmock's global mock, or assignments to
// http.DefaultTransport and http.DefaultClient. Such a test races every
// parallel test that sends a request.
func TestTests_touchNoGlobals(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if pkg, ok := n.X.(*ast.Ident); ok && pkg.Name == "httpmock" && globalHTTPMock[n.Sel.Name] {
					t.Errorf("%s: httpmock.%s uses the process-wide mock; use httpmock.NewMockTransport on the client's own Transport", fset.Position(n.Pos()), n.Sel.Name)
				}
			case *ast.AssignStmt:
				for _, lhs := range n.Lhs {
					if isGlobalHTTP(lhs) {
						t.Errorf("%s: assignment to a net/http global", fset.Position(n.Pos()))
					}
				}
			case *ast.CallExpr:
				// http.DefaultTransport.(*http.Transport).CloseIdleConnections()
				// closes the connections of every other test.
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "CloseIdleConnections" {
					if ta, ok := sel.X.(*ast.TypeAssertExpr); ok && isGlobalHTTP(ta.X) {
						t.Errorf("%s: closes the connections of http.DefaultTransport, shared by every test", fset.Position(n.Pos()))
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// isGlobalHTTP reports whether e is http.DefaultTransport or
// http.DefaultClient.
func isGlobalHTTP(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "http" && (sel.Sel.Name == "DefaultTransport" || sel.Sel.Name == "DefaultClient")
}
