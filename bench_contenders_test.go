package posthogusers

import "strconv"

// benchWindows are the fixed windows of BenchmarkList's scan-w<k>
// contenders.
var benchWindows = []int{1, 4, 8, 16}

// listContenders returns BenchmarkList's contenders, in table order:
// baseline, all, scan-w1, scan-w4, scan-w8, scan-w16, scan-auto (Window:
// AutoWindow), raw (window 1) and raw-auto (Raw with Window: AutoWindow).
func listContenders() []contender {
	cs := []contender{
		{name: "baseline", make: baselineContender},
		{name: "all", make: allContender},
	}
	for _, w := range benchWindows {
		cs = append(cs, contender{name: "scan-w" + strconv.Itoa(w), make: scanContender(w)})
	}
	return append(cs, contender{name: "scan-auto", make: scanContender(AutoWindow)},
		contender{name: "raw", make: rawContender(1)}, contender{name: "raw-auto", make: rawContender(AutoWindow)})
}
