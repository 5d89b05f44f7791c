package posthogusers

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogkit/posthogusers/internal/apisnapshot"
)

var updateAPI = flag.Bool("update-api", false, "rewrite the API snapshots under api/")

// apiPackages are the packages whose exported API is kept in api/.
var apiPackages = map[string]string{".": "posthogusers.txt", "posthogtest": "posthogtest.txt"}

// TestAPISnapshot fails when the exported API differs from the snapshot in
// api/, naming the lines added and removed. After a deliberate change, run
//
//	go test -run TestAPISnapshot -update-api .
//
// and add a line to CHANGELOG.md.
func TestAPISnapshot(t *testing.T) {
	t.Parallel()
	for dir, file := range apiPackages {
		got, err := apisnapshot.Lines(dir)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("api", file)
		if *updateAPI {
			if err := os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (make it with: go test -run TestAPISnapshot -update-api .)", err)
		}
		want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		var added, removed []string
		for _, l := range got {
			if _, found := slices.BinarySearch(want, l); !found {
				added = append(added, "+ "+l)
			}
		}
		for _, l := range want {
			if _, found := slices.BinarySearch(got, l); !found {
				removed = append(removed, "- "+l)
			}
		}
		if len(added)+len(removed) > 0 {
			t.Errorf("the API of %s differs from %s:\n%s\nIf the change is meant, run go test -run TestAPISnapshot -update-api . and add a line to CHANGELOG.md.",
				dir, path, strings.Join(append(removed, added...), "\n"))
		}
	}
}
