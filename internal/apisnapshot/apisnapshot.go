// Package apisnapshot lists the exported API of a Go package, one
// declaration a line, for the checked-in snapshot under api/ that the tests
// compare with the code: a change to the public API shows up as a change of
// lines.
//
// It reads source files only (not _test.go files), with go/parser and
// go/printer, so it needs no build of the package or its dependencies.
package apisnapshot

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Lines returns the exported declarations of the package in dir, sorted,
// each line starting with "pkg <name>, ":
//
//	pkg posthogusers, func NewClient(apiKey string, opts ...Option) (*Client, error)
//	pkg posthogusers, method (*UsersService) Get(ctx context.Context, id string) (*User, error)
//	pkg posthogusers, type User struct
//	pkg posthogusers, type User struct, Email string
//	pkg posthogusers, const Me = "@me"
//
// Struct fields and interface methods that are exported get a line each,
// with their type; struct tags are left out.
func Lines(dir string) ([]string, error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if f.Name.Name != "main" {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("apisnapshot: no Go package in %s", dir)
	}
	l := &lister{fset: fset, pkg: files[0].Name.Name}
	for _, f := range files {
		for _, d := range f.Decls {
			l.decl(d)
		}
	}
	slices.Sort(l.lines)
	return slices.Compact(l.lines), nil
}

// lister collects the lines of one package.
type lister struct {
	fset  *token.FileSet
	pkg   string
	lines []string
}

func (l *lister) add(format string, args ...any) {
	l.lines = append(l.lines, "pkg "+l.pkg+", "+fmt.Sprintf(format, args...))
}

// node prints an AST node on one line.
func (l *lister) node(n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, l.fset, n); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func (l *lister) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		l.funcDecl(d)
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				l.typeSpec(s)
			case *ast.ValueSpec:
				l.valueSpec(d.Tok, s)
			}
		}
	}
}

func (l *lister) funcDecl(d *ast.FuncDecl) {
	if !d.Name.IsExported() {
		return
	}
	sig := strings.TrimPrefix(l.node(&ast.FuncType{TypeParams: d.Type.TypeParams, Params: d.Type.Params, Results: d.Type.Results}), "func")
	if d.Recv == nil {
		l.add("func %s%s", d.Name.Name, sig)
		return
	}
	recv := d.Recv.List[0].Type
	base := recv
	if star, ok := base.(*ast.StarExpr); ok {
		base = star.X
	}
	switch b := base.(type) {
	case *ast.IndexExpr:
		base = b.X
	case *ast.IndexListExpr:
		base = b.X
	}
	if id, ok := base.(*ast.Ident); !ok || !id.IsExported() {
		return
	}
	l.add("method (%s) %s%s", l.node(recv), d.Name.Name, sig)
}

func (l *lister) typeSpec(s *ast.TypeSpec) {
	if !s.Name.IsExported() {
		return
	}
	name := s.Name.Name
	if s.TypeParams != nil {
		name += "[" + l.typeParams(s.TypeParams) + "]"
	}
	alias := ""
	if s.Assign.IsValid() {
		alias = "= "
	}
	switch t := s.Type.(type) {
	case *ast.StructType:
		l.add("type %s struct", name)
		for _, f := range t.Fields.List {
			l.field(name+" struct", f)
		}
	case *ast.InterfaceType:
		l.add("type %s interface", name)
		for _, f := range t.Methods.List {
			l.field(name+" interface", f)
		}
	default:
		l.add("type %s %s%s", name, alias, l.node(s.Type))
	}
}

// typeParams prints a type parameter list without its brackets.
func (l *lister) typeParams(tp *ast.FieldList) string {
	var parts []string
	for _, f := range tp.List {
		var names []string
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
		parts = append(parts, strings.Join(names, ", ")+" "+l.node(f.Type))
	}
	return strings.Join(parts, ", ")
}

// field lists an exported struct field, an embedded type, or an interface
// method or embedded interface.
func (l *lister) field(owner string, f *ast.Field) {
	if len(f.Names) == 0 {
		t := f.Type
		if star, ok := t.(*ast.StarExpr); ok {
			t = star.X
		}
		if id, ok := t.(*ast.Ident); ok && !id.IsExported() {
			return
		}
		l.add("type %s, embedded %s", owner, l.node(f.Type))
		return
	}
	for _, n := range f.Names {
		if !n.IsExported() {
			continue
		}
		if ft, ok := f.Type.(*ast.FuncType); ok {
			l.add("type %s, %s%s", owner, n.Name, strings.TrimPrefix(l.node(ft), "func"))
			continue
		}
		l.add("type %s, %s %s", owner, n.Name, l.node(f.Type))
	}
}

func (l *lister) valueSpec(tok token.Token, s *ast.ValueSpec) {
	for i, n := range s.Names {
		if !n.IsExported() {
			continue
		}
		line := tok.String() + " " + n.Name
		if s.Type != nil {
			line += " " + l.node(s.Type)
		}
		if tok == token.CONST && i < len(s.Values) {
			line += " = " + l.node(s.Values[i])
		}
		l.add("%s", line)
	}
}
