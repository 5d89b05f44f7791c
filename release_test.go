package posthogusers

import (
	"os"
	"regexp"
	"testing"
)

// TestVersion_matchesChangelog keeps Version, sent in the User-Agent, equal
// to the latest version CHANGELOG.md records.
func TestVersion_matchesChangelog(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+[^\]]*)\] - \d{4}-\d{2}-\d{2}$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("CHANGELOG.md records no version")
	}
	if got := string(m[1]); got != Version {
		t.Errorf("CHANGELOG.md's latest version is %s; Version is %s", got, Version)
	}
	if !regexp.MustCompile(`(?m)^## \[Unreleased\]$`).Match(data) {
		t.Error("CHANGELOG.md has no [Unreleased] section for the changes to come")
	}
}

// TestLicense checks that the module carries its license.
func TestLicense(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^MIT License\n`).Match(data) {
		t.Errorf("LICENSE does not start with the MIT License's title:\n%.80s", data)
	}
}
