package posthogusers

import "strconv"

// BenchmarkList's contenders. The list is built here, apart from the
// harness in bench_test.go, so that the adaptive window joins it by changing
// one constant.

// benchAutoWindow is the ScanOptions.Window of the scan-auto contender,
// Users.Scan(...).Users() with an adaptive window. 0 means the SDK has no
// adaptive window: scan-auto is then skipped, and internal/benchtable shows
// "—" in its row. Once ScanOptions has one, set this to
// posthogusers.AutoWindow (AutoWindow here, inside the package).
const benchAutoWindow = 0

// benchWindows are the fixed windows of the scan-w<k> contenders.
var benchWindows = []int{1, 4, 8, 16}

// listContenders returns BenchmarkList's contenders, in table order:
// baseline, all, scan-w1, scan-w4, scan-w8, scan-w16, scan-auto and raw.
func listContenders() []contender {
	cs := []contender{
		{name: "baseline", make: baselineContender},
		{name: "all", make: allContender},
	}
	for _, w := range benchWindows {
		cs = append(cs, contender{name: "scan-w" + strconv.Itoa(w), make: scanContender(w)})
	}
	auto := contender{name: "scan-auto", make: scanContender(benchAutoWindow)}
	if benchAutoWindow == 0 {
		auto.skip = "ScanOptions has no adaptive window (benchAutoWindow is 0)"
	}
	cs = append(cs, auto, contender{name: "raw", make: rawContender})
	return cs
}
