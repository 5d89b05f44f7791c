package posthogusers

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestComments_notRepeated checks that no comment line of 40 or more
// characters appears more than three times in the module's non-test Go
// files, subpackages and examples included: a thing said on many
// declarations is said once, on the type or in the package documentation.
// A line is compared without its comment markers and surrounding space.
func TestComments_notRepeated(t *testing.T) {
	t.Parallel()
	const minLen, maxRepeats = 40, 3
	type place struct {
		file string
		line int
	}
	seen := map[string][]place{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, group := range f.Comments {
			for _, c := range group.List {
				first := fset.Position(c.Slash).Line
				for i, text := range commentLines(c.Text) {
					if utf8.RuneCountInString(text) >= minLen {
						seen[text] = append(seen[text], place{filepath.ToSlash(path), first + i})
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	texts := make([]string, 0, len(seen))
	for text, places := range seen {
		if len(places) > maxRepeats {
			texts = append(texts, text)
		}
	}
	slices.Sort(texts)
	for _, text := range texts {
		var where []string
		for _, p := range seen[text] {
			where = append(where, fmt.Sprintf("%s:%d", p.file, p.line))
		}
		t.Errorf("comment line repeated %d times (at most %d): %q\n\tat %s",
			len(seen[text]), maxRepeats, text, strings.Join(where, ", "))
	}
}

// commentLines returns the lines of one comment, a // line or a /* */
// block, without the markers and with surrounding space trimmed.
func commentLines(c string) []string {
	if text, ok := strings.CutPrefix(c, "//"); ok {
		return []string{strings.TrimSpace(text)}
	}
	c = strings.TrimSuffix(strings.TrimPrefix(c, "/*"), "*/")
	lines := strings.Split(c, "\n")
	for i, line := range lines {
		lines[i] = strings.TrimSpace(line)
	}
	return lines
}
