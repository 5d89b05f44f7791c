package posthogusers

import (
	"os"
	"strings"
	"testing"
)

// TestREADME_endpointTable checks that README.md's endpoint table has a row
// for every operation the SDK calls, naming every method that carries the
// operation's //meta:operation line.
func TestREADME_endpointTable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.Lines(string(readme)) {
		if op, ok := strings.CutPrefix(line, "| `"); ok {
			if op, rest, ok := strings.Cut(op, "` |"); ok {
				rows[op] = rest
			}
		}
	}
	ops, _ := metaOperations(t)
	for op, methods := range ops {
		row, ok := rows[op]
		if !ok {
			t.Errorf("README.md has no row for %s", op)
			continue
		}
		for _, m := range methods {
			name := strings.TrimSuffix(m[:strings.IndexByte(m, '.')], "Service") + m[strings.IndexByte(m, '.'):]
			if !strings.Contains(row, "`"+name+"`") {
				t.Errorf("README.md's row for %s does not name %s", op, name)
			}
		}
	}
}

// TestREADME_size keeps the README a guide: under 25,000 bytes, with the
// benchmark tables in BENCHMARKS.md.
func TestREADME_size(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(data) >= 25_000 {
		t.Errorf("README.md is %d bytes; keep it under 25,000 (tables go in BENCHMARKS.md)", len(data))
	}
}
