package posthogusers

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADME_install checks that README.md says how to use the module from
// a clone until it is published, through a workspace or a replace line,
// and that the version it has go.mod require is Version, which
// TestVersion_matchesChangelog keeps the latest of CHANGELOG.md.
func TestREADME_install(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, want := range []string{
		"go get github.com/hogkit/posthogusers",
		"go work init . ../posthogusers",
		"replace github.com/hogkit/posthogusers => ../posthogusers",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
	m := regexp.MustCompile(`require github\.com/hogkit/posthogusers (v\d+\.\d+\.\d+[0-9A-Za-z.+-]*)`).FindStringSubmatch(readme)
	if m == nil || m[1] != "v"+Version {
		t.Errorf("README.md requires %v; want v%s, the Version of client.go", m, Version)
	}
}
