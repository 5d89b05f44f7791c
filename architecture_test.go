package posthogusers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// declaredFuncs returns the functions and methods declared in the package's
// non-test files, by file, named "Name" or "Recv.Name".
func declaredFuncs(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string][]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			n := fd.Name.Name
			if fd.Recv != nil {
				n = receiverName(fd.Recv.List[0].Type) + "." + n
			}
			funcs[name] = append(funcs[name], n)
		}
	}
	return funcs
}

// TestArchitecture_walk checks ARCHITECTURE.md against the code: every
// step of its walks names functions that exist in the file the step names;
// a walk never comes back to a file it left; and the files the loop calls
// into (the retry policy, logging, errors) never call back into the loop.
func TestArchitecture_walk(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	funcs := declaredFuncs(t)
	step := regexp.MustCompile("^\\d+\\. `([a-z_]+\\.go)` · (.*?) — ")
	name := regexp.MustCompile("`([A-Za-z]+(?:\\.[A-Za-z]+)?)(?:\\[[A-Za-z]+\\])?`")
	walks := 0
	var files []string // the files of the current walk, in order
	for line := range strings.Lines(string(doc)) {
		if strings.HasPrefix(line, "## ") {
			files = nil
			continue
		}
		m := step.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		file, names := m[1], name.FindAllStringSubmatch(m[2], -1)
		if len(names) == 0 {
			t.Errorf("ARCHITECTURE.md: the step %q names no function", strings.TrimSpace(line))
		}
		for _, n := range names {
			if !slices.Contains(funcs[file], n[1]) {
				t.Errorf("ARCHITECTURE.md: %s does not declare %s", file, n[1])
			}
		}
		if len(files) > 0 && files[len(files)-1] != file && slices.Contains(files, file) {
			t.Errorf("ARCHITECTURE.md: a walk comes back to %s after leaving it", file)
		}
		if len(files) == 0 {
			walks++
		}
		files = append(files, file)
	}
	if walks < 2 {
		t.Errorf("ARCHITECTURE.md: found %d walks; want the call's and the scan page's", walks)
	}

	// The leaves: nothing in them calls the loop's own steps.
	loop := []string{"do", "newCall", "send", "newAttempt", "readAnswer", "finish"}
	fset := token.NewFileSet()
	for _, leaf := range []string{"retry.go", "log.go", "errors.go"} {
		f, err := parser.ParseFile(fset, leaf, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && slices.Contains(loop, sel.Sel.Name) {
				t.Errorf("%s: %s calls back into the loop (%s)", leaf, fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
