package main

import (
	"strings"
	"testing"
)

// TestWrite checks medians, the ratio to the baseline, row order and the
// table of other benchmarks.
func TestWrite(t *testing.T) {
	t.Parallel()
	in := `goos: linux
BenchmarkList/n=10000/limit=100/latency=0ms/impl=all-2   1  5 ns/op  2000 B/user  30 allocs/user  1 base-heap-MiB  3.5 peak-heap-MiB  40000 users/s
BenchmarkList/n=10000/limit=100/latency=0ms/impl=baseline-2   1  5 ns/op  17000 B/user  110 allocs/user  1 base-heap-MiB  6 peak-heap-MiB  10000 users/s
BenchmarkList/n=10000/limit=100/latency=0ms/impl=all-2   1  5 ns/op  2000 B/user  30 allocs/user  1 base-heap-MiB  3.5 peak-heap-MiB  30000 users/s
BenchmarkList/n=10000/limit=100/latency=0ms/impl=all-2   1  5 ns/op  2000 B/user  30 allocs/user  1 base-heap-MiB  3.5 peak-heap-MiB  20000 users/s
BenchmarkGet/impl=sdk-2   1000  120000 ns/op  9000 B/op  60 allocs/op
PASS
`
	results, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	write(&out, results)
	got := out.String()
	for _, want := range []string{
		"| 10,000 | 100 | 0 ms | baseline | 1 | 10,000 | 1.00 | 110.0 | 17,000 | 6.0 |\n" +
			"| 10,000 | 100 | 0 ms | all | 3 | 30,000 | 3.00 | 30.0 | 2,000 | 3.5 |\n",
		"| BenchmarkGet/impl=sdk | 1 | 120,000 ns/op, 9,000 B/op, 60 allocs/op |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks\n%s\ngot:\n%s", want, got)
		}
	}
}
