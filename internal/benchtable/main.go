// Command benchtable reads `go test -bench` output and prints Markdown tables
// of the medians of each benchmark's runs.
//
// BenchmarkList's results (named n=…/limit=…/latency=…/impl=…) make one
// table: a row per contender of each (N, limit, latency) group, with the
// median users/s, its ratio to the group's baseline, and the median
// allocs/user, B/user and peak-heap-MiB. Every other benchmark gets a row of
// a second table with the median of each of its metrics.
//
// Usage:
//
//	go test -run '^$' -bench . -count 5 . | go run ./internal/benchtable
//	go run ./internal/benchtable results.txt ...
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is the values a benchmark reported for each unit, one per run.
type result struct {
	name   string
	units  []string // in the order first seen
	values map[string][]float64
}

// listName matches a BenchmarkList sub-benchmark, without its -GOMAXPROCS
// suffix.
var listName = regexp.MustCompile(`^BenchmarkList/n=(\d+)/limit=(\d+)/latency=(\d+)ms/impl=(.+)$`)

// procsSuffix is the -GOMAXPROCS suffix of a benchmark's name.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// contenderOrder is the order of BenchmarkList's rows in a group.
var contenderOrder = []string{"baseline", "all", "scan-w1", "scan-w4", "scan-w8", "raw"}

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

// parse reads benchmark result lines, keeping the order benchmarks first
// appear in.
func parse(r io.Reader) ([]*result, error) {
	byName := map[string]*result{}
	var order []*result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // not a result line
		}
		name := procsSuffix.ReplaceAllString(fields[0], "")
		res := byName[name]
		if res == nil {
			res = &result{name: name, values: map[string][]float64{}}
			byName[name] = res
			order = append(order, res)
		}
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

// listRow is one contender of BenchmarkList's table.
type listRow struct {
	n, limit, latency int
	impl              string
	res               *result
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
		limit, _ := strconv.Atoi(m[2])
		latency, _ := strconv.Atoi(m[3])
		rows = append(rows, listRow{n, limit, latency, m[4], res})
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

// writeList prints BenchmarkList's table, grouped by N, limit and latency,
// contenders in contenderOrder.
func writeList(w io.Writer, rows []listRow) {
	rank := func(impl string) int {
		if i := slices.Index(contenderOrder, impl); i >= 0 {
			return i
		}
		return len(contenderOrder)
	}
	slices.SortStableFunc(rows, func(a, b listRow) int {
		switch {
		case a.n != b.n:
			return a.n - b.n
		case a.limit != b.limit:
			return a.limit - b.limit
		case a.latency != b.latency:
			return a.latency - b.latency
		}
		return rank(a.impl) - rank(b.impl)
	})
	baseline := map[[3]int]float64{}
	for _, r := range rows {
		if r.impl == "baseline" {
			baseline[[3]int{r.n, r.limit, r.latency}] = median(r.res.values["users/s"])
		}
	}
	fmt.Fprintln(w, "| N | limit | latency | impl | runs | users/s | × baseline | allocs/user | B/user | peak heap MiB |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		ups := median(r.res.values["users/s"])
		ratio := "–"
		if b, ok := baseline[[3]int{r.n, r.limit, r.latency}]; ok && b > 0 {
			ratio = fmt.Sprintf("%.2f", ups/b)
		}
		fmt.Fprintf(w, "| %s | %s | %d ms | %s | %d | %s | %s | %.1f | %s | %.1f |\n",
			thousands(float64(r.n)), thousands(float64(r.limit)), r.latency, r.impl,
			len(r.res.values["users/s"]), thousands(ups), ratio,
			median(r.res.values["allocs/user"]), thousands(median(r.res.values["B/user"])),
			median(r.res.values["peak-heap-MiB"]))
	}
}

// writeOthers prints a row per benchmark with the median of each metric.
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
		fmt.Fprintf(w, "| %s | %d | %s |\n", res.name, runs, strings.Join(parts, ", "))
	}
}

// thousands formats v with no decimals and commas between thousands when it
// is at least 100, and with three significant digits below.
func thousands(v float64) string {
	if v != v {
		return "–"
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
