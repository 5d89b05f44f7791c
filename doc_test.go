package posthogusers

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocComments checks that every exported identifier of the package has a
// doc comment, and that the comments of functions, methods and types start
// with their name.
func TestDocComments(t *testing.T) {
	t.Parallel()
	for _, pkg := range []struct{ dir, name string }{
		{".", "posthogusers"},
		{"posthogtest", "posthogtest"},
		{"internal/schematest", "schematest"},
	} {
		t.Run(pkg.name, func(t *testing.T) {
			t.Parallel()
			checkDocComments(t, pkg.dir, pkg.name)
		})
	}
}

// checkDocComments checks the package in dir.
func checkDocComments(t *testing.T, dir, pkgName string) {
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/hogkit/posthogusers/"+dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Doc, "Package "+pkgName+" ") {
		t.Errorf("package doc starts %.40q; want \"Package %s …\"", p.Doc, pkgName)
	}
	checkName := func(kind, name, text string) {
		t.Helper()
		if !strings.HasPrefix(text, name+" ") {
			t.Errorf("%s %s: doc comment %.50q does not start with its name", kind, name, text)
		}
	}
	checkValues := func(values []*doc.Value) {
		for _, v := range values {
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				for _, n := range vs.Names {
					if n.IsExported() && v.Doc == "" && vs.Doc.Text() == "" && vs.Comment.Text() == "" {
						t.Errorf("%s has no doc comment", n.Name)
					}
				}
			}
		}
	}
	checkValues(p.Consts)
	checkValues(p.Vars)
	for _, f := range p.Funcs {
		checkName("func", f.Name, f.Doc)
	}
	for _, typ := range p.Types {
		checkName("type", typ.Name, typ.Doc)
		checkValues(typ.Consts)
		checkValues(typ.Vars)
		for _, f := range typ.Funcs {
			checkName("func", f.Name, f.Doc)
		}
		for _, m := range typ.Methods {
			if ast.IsExported(m.Name) {
				checkName("method "+typ.Name, m.Name, m.Doc)
			}
		}
	}
}

// TestDoc_retryDefaults checks that the package documentation's retry
// policy states the client's defaults.
func TestDoc_retryDefaults(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(strings.ReplaceAll(string(b), "//", "")), " ")
	for _, want := range []string{
		fmt.Sprintf("[WithMaxRateLimitRetries] (%d)", defaultMaxRateLimitRetries),
		fmt.Sprintf("[WithMaxRetries] (%d)", defaultMaxRetries),
		fmt.Sprintf("from %v up to %v", defaultRetryWaitMin, defaultRetryWaitMax),
		"Retry-After on 429 and 503",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("doc.go does not say %q", want)
		}
	}
}
