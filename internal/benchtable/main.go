// Command benchtable reads `go test -bench` output and prints Markdown tables
// of the medians of each benchmark's runs.
//
// BenchmarkList's results (named n=…/fixture=…/limit=…/latency=…/impl=…;
// output from before the fixture level, which listed the large fixture
// only, reads as fixture=large) make one table: a row per contender of each
// cell of the grid (N, fixture, page size, latency), with the median
// users/s and its ratio to the cell's baseline (2.31×), the median
// allocs/user and its ratio to the baseline's, the median B/user and
// peak-heap-MiB, and for the scans (impl=scan-… and raw…) the most list
// requests the server answered at once (max-inflight: one number, or the
// least and the most of the runs when they differ). A benchmark that was
// skipped (its "--- SKIP:" line, which go test prints with -v) gets a row of
// "—", and its reason is printed under the table. Every other benchmark gets
// a row of a second table with the median of each of its metrics.
//
// Usage:
//
//	go test -v -run '^$' -bench . -count 5 . | go run ./internal/benchtable
//	go run ./internal/benchtable results.txt ...
package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is the values a benchmark reported for each unit, one per run,
// and the reasons of the runs that were skipped.
type result struct {
	name    string
	units   []string // in the order first seen
	values  map[string][]float64
	skipped []string // one reason per skipped run
}

// listName matches a BenchmarkList sub-benchmark, without its -GOMAXPROCS
// suffix.
var listName = regexp.MustCompile(`^BenchmarkList/n=(\d+)/(?:fixture=([^/]+)/)?limit=(\d+)/latency=(\d+)ms/impl=([^/]+)$`)

// procsSuffix is the -GOMAXPROCS suffix of a benchmark's name.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// skipLine is the line go test -v prints for a skipped benchmark.
var skipLine = regexp.MustCompile(`^--- SKIP: (Benchmark\S+)`)

// logPrefix is the file:line: go test puts before a benchmark's log line.
var logPrefix = regexp.MustCompile(`^\s+\S+\.go:\d+: `)

// dash stands for a value that is not there.
const dash = "—"

func main() {
	var inputs []io.Reader
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		defer f.Close()
		inputs = append(inputs, f)
	}
	if len(inputs) == 0 {
		inputs = append(inputs, os.Stdin)
	}
	results, err := parse(io.MultiReader(inputs...))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	write(os.Stdout, results)
}

// parse reads benchmark result lines and the "--- SKIP:" lines of skipped
// benchmarks, with the log lines before them as the reason, keeping the
// order benchmarks first appear in.
func parse(r io.Reader) ([]*result, error) {
	byName := map[string]*result{}
	var order []*result
	get := func(name string) *result {
		res := byName[name]
		if res == nil {
			res = &result{name: name, values: map[string][]float64{}}
			byName[name] = res
			order = append(order, res)
		}
		return res
	}
	var logged []string // the log lines since the last benchmark's line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := skipLine.FindStringSubmatch(line); m != nil {
			res := get(m[1])
			res.skipped = append(res.skipped, strings.Join(logged, " "))
			logged = nil
			continue
		}
		if loc := logPrefix.FindStringIndex(line); loc != nil {
			logged = append(logged, strings.TrimSpace(line[loc[1]:]))
			continue
		}
		fields := strings.Fields(line)
		if len(fields) > 0 && strings.HasPrefix(fields[0], "Benchmark") {
			logged = nil
		}
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // not a result line
		}
		name := procsSuffix.ReplaceAllString(fields[0], "")
		res := get(name)
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %v", name, fields[i], err)
			}
			unit := fields[i+1]
			if _, ok := res.values[unit]; !ok {
				res.units = append(res.units, unit)
			}
			res.values[unit] = append(res.values[unit], v)
		}
	}
	return order, sc.Err()
}

// median returns the median of vs, or NaN for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return nan()
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// nan returns a NaN.
func nan() float64 {
	v, _ := strconv.ParseFloat("NaN", 64)
	return v
}

// cell is a cell of BenchmarkList's grid: the rows of one cell are
// compared with its baseline.
type cell struct {
	n       int
	fixture string
	limit   int
	latency int // ms per page
}

// listRow is one contender of BenchmarkList's table.
type listRow struct {
	cell
	impl string
	res  *result
}

// write prints BenchmarkList's table, then the other benchmarks'.
func write(w io.Writer, results []*result) {
	var rows []listRow
	var others []*result
	for _, res := range results {
		m := listName.FindStringSubmatch(res.name)
		if m == nil {
			others = append(others, res)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		fixture := cmp.Or(m[2], "large")
		limit, _ := strconv.Atoi(m[3])
		latency, _ := strconv.Atoi(m[4])
		rows = append(rows, listRow{cell{n, fixture, limit, latency}, m[5], res})
	}
	if len(rows) > 0 {
		writeList(w, rows)
	}
	if len(others) > 0 {
		if len(rows) > 0 {
			fmt.Fprintln(w)
		}
		writeOthers(w, others)
	}
}

// implRank orders BenchmarkList's contenders in a cell: baseline, all, the
// fixed windows by size (scan-w<k>), the adaptive window (scan-auto), raw,
// raw-auto, then any other by name.
func implRank(impl string) (rank, window int) {
	switch impl {
	case "baseline":
		return 0, 0
	case "all":
		return 1, 0
	case "scan-auto":
		return 3, 0
	case "raw":
		return 4, 0
	case "raw-auto":
		return 5, 0
	}
	if k, ok := strings.CutPrefix(impl, "scan-w"); ok {
		if w, err := strconv.Atoi(k); err == nil {
			return 2, w
		}
	}
	return 6, 0
}

// compareImpl compares two contenders' names in implRank's order.
func compareImpl(a, b string) int {
	ra, wa := implRank(a)
	rb, wb := implRank(b)
	return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(wa, wb), strings.Compare(a, b))
}

// writeList prints BenchmarkList's table, sorted by N, fixture, page size
// and latency, contenders in implRank's order, then the reasons of the
// skipped rows.
func writeList(w io.Writer, rows []listRow) {
	slices.SortStableFunc(rows, func(a, b listRow) int {
		return cmp.Or(cmp.Compare(a.n, b.n), strings.Compare(a.fixture, b.fixture),
			cmp.Compare(a.limit, b.limit), cmp.Compare(a.latency, b.latency), compareImpl(a.impl, b.impl))
	})
	type base struct{ usersPerSec, allocs float64 }
	baseline := map[cell]base{}
	for _, r := range rows {
		if r.impl == "baseline" {
			baseline[r.cell] = base{median(r.res.values["users/s"]), median(r.res.values["allocs/user"])}
		}
	}
	fmt.Fprintln(w, "| N | fixture | limit | latency | impl | runs | users/s | × baseline | allocs/user | allocs × baseline | B/user | peak heap MiB | max in flight |")
	fmt.Fprintln(w, "| ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	var skips []string
	for _, r := range rows {
		ups := median(r.res.values["users/s"])
		allocs := median(r.res.values["allocs/user"])
		b, ok := baseline[r.cell]
		if !ok {
			b = base{nan(), nan()}
		}
		inflight := ""
		if strings.HasPrefix(r.impl, "scan-") || strings.HasPrefix(r.impl, "raw") {
			inflight = span(r.res.values["max-inflight"])
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d ms | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
			thousands(float64(r.n)), r.fixture, thousands(float64(r.limit)), r.latency, r.impl,
			len(r.res.values["users/s"]), thousands(ups), ratio(ups, b.usersPerSec),
			oneDecimal(allocs), ratio(allocs, b.allocs), thousands(median(r.res.values["B/user"])),
			oneDecimal(median(r.res.values["peak-heap-MiB"])), inflight)
		for _, reason := range r.res.skipped {
			note := r.impl + " was skipped"
			if reason != "" {
				note += ": " + reason
			}
			if !slices.Contains(skips, note) {
				skips = append(skips, note)
			}
		}
	}
	if len(skips) > 0 {
		fmt.Fprintln(w)
		for _, note := range skips {
			fmt.Fprintf(w, "%s %s.\n", dash, strings.TrimSuffix(note, "."))
		}
	}
}

// ratio formats v/base as a factor, such as 2.31×, or a dash when either
// is missing.
func ratio(v, base float64) string {
	if v != v || base != base || base == 0 {
		return dash
	}
	return fmt.Sprintf("%.2f×", v/base)
}

// oneDecimal formats v with one decimal, or a dash for NaN.
func oneDecimal(v float64) string {
	if v != v {
		return dash
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// span formats the least and the most of vs: one number when they are
// equal, "least–most" when not, a dash for none.
func span(vs []float64) string {
	if len(vs) == 0 {
		return dash
	}
	lo, hi := slices.Min(vs), slices.Max(vs)
	if lo == hi {
		return thousands(lo)
	}
	return thousands(lo) + "–" + thousands(hi)
}

// writeOthers prints a row per benchmark with the median of each metric,
// or the reason it was skipped.
func writeOthers(w io.Writer, others []*result) {
	fmt.Fprintln(w, "| benchmark | runs | medians |")
	fmt.Fprintln(w, "| --- | ---: | --- |")
	for _, res := range others {
		var parts []string
		runs := 0
		for _, unit := range res.units {
			runs = max(runs, len(res.values[unit]))
			parts = append(parts, thousands(median(res.values[unit]))+" "+unit)
		}
		if len(parts) == 0 && len(res.skipped) > 0 {
			parts = append(parts, "skipped: "+res.skipped[0])
		}
		fmt.Fprintf(w, "| %s | %d | %s |\n", res.name, runs, strings.Join(parts, ", "))
	}
}

// thousands formats v with no decimals and commas between thousands when it
// is at least 100, with three significant digits below, and as a dash for
// NaN.
func thousands(v float64) string {
	if v != v {
		return dash
	}
	if v < 100 && v > -100 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
