package main

import (
	"strings"
	"testing"
)

// TestWrite checks medians, the ratios to the baseline, row order and the
// table of other benchmarks, for output from before the fixture level,
// which reads as fixture=large.
func TestWrite(t *testing.T) {
	t.Parallel()
	in := `goos: linux
BenchmarkList/n=10000/limit=100/latency=0ms/impl=all-2   1  5 ns/op  2000 B/user  30 allocs/user  1 base-heap-MiB  3.5 peak-heap-MiB  40000 users/s
BenchmarkList/n=10000/limit=100/latency=0ms/impl=baseline-2   1  5 ns/op  17000 B/user  110 allocs/user  1 base-heap-MiB  6 peak-heap-MiB  10000 users/s
BenchmarkList/n=10000/limit=100/latency=0ms/impl=all-2   1  5 ns/op  2000 B/user  30 allocs/user  1 base-heap-MiB  3.5 peak-heap-MiB  30000 users/s
BenchmarkList/n=10000/limit=100/latency=0ms/impl=all-2   1  5 ns/op  2000 B/user  30 allocs/user  1 base-heap-MiB  3.5 peak-heap-MiB  20000 users/s
BenchmarkList/n=10000/limit=100/latency=0ms/impl=scan-w8-2   1  5 ns/op  2000 B/user  33 allocs/user  1 base-heap-MiB  5 peak-heap-MiB  50000 users/s
BenchmarkGet/impl=sdk-2   1000  120000 ns/op  9000 B/op  60 allocs/op
PASS
`
	got := table(t, in)
	for _, want := range []string{
		"| N | fixture | limit | latency | impl | runs | users/s | × baseline | allocs/user | allocs × baseline | B/user | peak heap MiB | max in flight |\n",
		"| 10,000 | large | 100 | 0 ms | baseline | 1 | 10,000 | 1.00× | 110.0 | 1.00× | 17,000 | 6.0 |  |\n" +
			"| 10,000 | large | 100 | 0 ms | all | 3 | 30,000 | 3.00× | 30.0 | 0.27× | 2,000 | 3.5 |  |\n" +
			// Output from before max-inflight has none to show.
			"| 10,000 | large | 100 | 0 ms | scan-w8 | 1 | 50,000 | 5.00× | 33.0 | 0.30× | 2,000 | 5.0 | — |\n",
		"| BenchmarkGet/impl=sdk | 1 | 120,000 ns/op, 9,000 B/op, 60 allocs/op |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks\n%s\ngot:\n%s", want, got)
		}
	}
}

// TestWrite_grid checks the grid's table: cells by N, fixture, page size and
// latency, contenders in order with the fixed windows by size, the windowed
// rows' max in flight, a skipped contender's row of dashes and its reason
// under the table, and a cell without a baseline.
func TestWrite_grid(t *testing.T) {
	t.Parallel()
	in := `goos: linux
BenchmarkList
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=baseline
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=baseline-2   1  5 ns/op  15000 B/user  80 allocs/user  1 base-heap-MiB  7 peak-heap-MiB  1 max-inflight  4000 users/s
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=scan-w16
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=scan-w16-2   1  5 ns/op  2800 B/user  23 allocs/user  1 base-heap-MiB  8 peak-heap-MiB  16 max-inflight  40000 users/s
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=scan-auto
    bench_test.go:483: a reason to skip it
--- SKIP: BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=scan-auto
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=raw
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=raw-2   1  5 ns/op  4000 B/user  16 allocs/user  1 base-heap-MiB  6 peak-heap-MiB  1 max-inflight  4400 users/s
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=scan-w4-2   1  5 ns/op  2700 B/user  23 allocs/user  1 base-heap-MiB  5 peak-heap-MiB  4 max-inflight  15000 users/s
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=scan-w4-2   1  5 ns/op  2700 B/user  23 allocs/user  1 base-heap-MiB  5 peak-heap-MiB  3 max-inflight  14000 users/s
BenchmarkList/n=10000/fixture=large/limit=1000/latency=0ms/impl=all-2   1  5 ns/op  2200 B/user  29 allocs/user  1 base-heap-MiB  3.5 peak-heap-MiB  1 max-inflight  50000 users/s
BenchmarkList/n=10000/fixture=large/limit=100/latency=0ms/impl=baseline-2   1  5 ns/op  17000 B/user  110 allocs/user  1 base-heap-MiB  6 peak-heap-MiB  1 max-inflight  20000 users/s
BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=scan-auto
    bench_test.go:483: a reason to skip it
--- SKIP: BenchmarkList/n=10000/fixture=small/limit=100/latency=20ms/impl=scan-auto
PASS
`
	got := table(t, in)
	want := "| 10,000 | large | 100 | 0 ms | baseline | 1 | 20,000 | 1.00× | 110.0 | 1.00× | 17,000 | 6.0 |  |\n" +
		// No baseline in this cell: no ratios.
		"| 10,000 | large | 1,000 | 0 ms | all | 1 | 50,000 | — | 29.0 | — | 2,200 | 3.5 |  |\n" +
		"| 10,000 | small | 100 | 20 ms | baseline | 1 | 4,000 | 1.00× | 80.0 | 1.00× | 15,000 | 7.0 |  |\n" +
		// Two runs that saw 3 and 4 requests at once.
		"| 10,000 | small | 100 | 20 ms | scan-w4 | 2 | 14,500 | 3.62× | 23.0 | 0.29× | 2,700 | 5.0 | 3–4 |\n" +
		"| 10,000 | small | 100 | 20 ms | scan-w16 | 1 | 40,000 | 10.00× | 23.0 | 0.29× | 2,800 | 8.0 | 16 |\n" +
		"| 10,000 | small | 100 | 20 ms | scan-auto | 0 | — | — | — | — | — | — | — |\n" +
		"| 10,000 | small | 100 | 20 ms | raw | 1 | 4,400 | 1.10× | 16.0 | 0.20× | 4,000 | 6.0 | 1 |\n" +
		"\n" +
		"— scan-auto was skipped: a reason to skip it.\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("table ends\n%s\nwant it to end\n%s", got, want)
	}
	if strings.Count(got, "scan-auto was skipped") != 1 {
		t.Errorf("the reason of a skipped contender is printed other than once:\n%s", got)
	}
}

// TestWrite_skippedOther checks that a skipped benchmark outside
// BenchmarkList gets a row with its reason.
func TestWrite_skippedOther(t *testing.T) {
	t.Parallel()
	in := "BenchmarkSeed/n=1000000\n    seed_test.go:12: set POSTHOGTEST_BENCH_BIG=1\n--- SKIP: BenchmarkSeed/n=1000000\n"
	got := table(t, in)
	if want := "| BenchmarkSeed/n=1000000 | 0 | skipped: set POSTHOGTEST_BENCH_BIG=1 |\n"; !strings.Contains(got, want) {
		t.Errorf("output lacks\n%s\ngot:\n%s", want, got)
	}
}

// TestCompareImpl checks the order of contenders in a cell.
func TestCompareImpl(t *testing.T) {
	t.Parallel()
	order := []string{"baseline", "all", "scan-w1", "scan-w4", "scan-w8", "scan-w16", "scan-w64", "scan-auto", "raw", "raw-auto", "other", "zzz"}
	for i := range order {
		for j := range order {
			got := compareImpl(order[i], order[j])
			if (i < j && got >= 0) || (i > j && got <= 0) || (i == j && got != 0) {
				t.Errorf("compareImpl(%q, %q) = %d", order[i], order[j], got)
			}
		}
	}
}

// table parses in and returns what write prints for it.
func table(t *testing.T, in string) string {
	t.Helper()
	results, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	write(&out, results)
	return out.String()
}
