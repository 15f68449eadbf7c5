// Command benchratio reads `go test -bench` output on stdin and prints, for
// every benchmark that has a hookseal sub-benchmark and one or more floor
// sub-benchmarks beside it, hookseal's ns/op as a ratio of each floor's:
//
//	BenchmarkPipeline/checkly-2KiB   hookseal/floor   0.48x time   2.09x throughput
//
// The sub-benchmark's last name element says which is which: one containing
// "hookseal" is the subject, one containing "floor" a baseline; the rest of
// the name groups them. A benchmark that appears several times (the input
// holds several rounds) is paired by round: the i-th hookseal run with the
// i-th run of the floor, and the ratio is the median of those same-round
// ratios. `make bench` runs BENCHCOUNT rounds of -count=1, so within a
// round each subject runs right beside its floors, and a machine that
// slows down for a minute (a neighbour on a shared host) slows both sides
// of a ratio instead of moving it: with -count=N in one go test, the N
// runs of the subject all come before the N runs of each floor. Absolute
// times on a shared machine are noise, ratios from one run are not: `make
// bench` prints both.
//
// A row with a goal (see goals) says whether the run meets it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

// result is one benchmark's ns/op, one value per round (or run of -count),
// in the order of the input.
type result struct {
	ns []float64
}

// ratio is the median of subject's ns/op over floor's, round by round,
// over the rounds both have.
func ratio(subject, floor *result) float64 {
	n := min(len(subject.ns), len(floor.ns))
	ratios := make([]float64, n)
	for i := range n {
		ratios[i] = subject.ns[i] / floor.ns[i]
	}
	return median(ratios)
}

// median is the middle value, or the mean of the middle two.
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// goal is a target a row is held to: its time at most maxTime times the
// floor's, or its throughput at least minThroughput times the floor's.
type goal struct {
	row, floor    string // the row's group (package-relative) and floor sub-benchmark
	maxTime       float64
	minThroughput float64
}

// goals are the targets hookseal's performance work holds (issue #21, and
// the README's performance table).
var goals = []goal{
	{row: "verify BenchmarkChecklyVerify/size=1KiB", floor: "impl=floor-pooled-hmac", maxTime: 1.10},
	{row: "verify BenchmarkChecklyVerify/size=16KiB", floor: "impl=floor-pooled-hmac", minThroughput: 0.9},
	{row: "verify BenchmarkChecklyVerify/size=256KiB", floor: "impl=floor-pooled-hmac", minThroughput: 0.9},
	{row: "verify BenchmarkChecklyVerify/size=1MiB", floor: "impl=floor-pooled-hmac", minThroughput: 0.9},
	{row: "event/checkly BenchmarkDecode", floor: "floor-plain-json-v2", maxTime: 1.15},
}

// judge says whether ratio meets the goal for row and floor, or "".
func judge(row, floor string, ratio float64) string {
	for _, g := range goals {
		if g.row != row || g.floor != floor {
			continue
		}
		verdict := func(ok bool) string {
			if ok {
				return "met"
			}
			return "MISSED"
		}
		if g.maxTime > 0 {
			return fmt.Sprintf("goal <= %.2fx time: %s", g.maxTime, verdict(ratio <= g.maxTime))
		}
		return fmt.Sprintf("goal >= %.2fx throughput: %s", g.minThroughput, verdict(1/ratio >= g.minThroughput))
	}
	return ""
}

func run(in io.Reader, out io.Writer) error {
	results := map[string]*result{}
	pkg := ""
	var order []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p
			continue
		}
		name, ns, ok := parseLine(line)
		if !ok {
			continue
		}
		key := pkg + " " + name
		r := results[key]
		if r == nil {
			r = &result{}
			results[key] = r
			order = append(order, key)
		}
		r.ns = append(r.ns, ns)
	}
	if err := sc.Err(); err != nil {
		return err
	}

	var rows []struct {
		group, subject, floor string
	}
	byGroup := map[string][]string{}
	var groupOrder []string
	for _, key := range order {
		i := strings.LastIndexByte(key, '/')
		if i < 0 {
			continue
		}
		g := key[:i]
		if _, seen := byGroup[g]; !seen {
			groupOrder = append(groupOrder, g)
		}
		byGroup[g] = append(byGroup[g], key)
	}
	for _, g := range groupOrder {
		var subject string
		var floors []string
		for _, key := range byGroup[g] {
			last := key[strings.LastIndexByte(key, '/')+1:]
			switch {
			case strings.Contains(last, "hookseal"):
				subject = key
			case strings.Contains(last, "floor"):
				floors = append(floors, key)
			}
		}
		if subject == "" {
			continue
		}
		sort.Strings(floors)
		for _, f := range floors {
			rows = append(rows, struct{ group, subject, floor string }{g, subject, f})
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("no hookseal/floor pairs in the input")
	}
	fmt.Fprintln(out, "hookseal's ns/op as a ratio of the floor's (below 1 is faster than the floor):")
	for _, r := range rows {
		ratio := ratio(results[r.subject], results[r.floor])
		group := strings.TrimPrefix(r.group, "github.com/hookseal/hookseal/")
		floor := r.floor[strings.LastIndexByte(r.floor, '/')+1:]
		line := fmt.Sprintf("  %-60s %-40s %5.2fx time  %5.2fx throughput",
			group, r.subject[strings.LastIndexByte(r.subject, '/')+1:]+" vs "+floor, ratio, 1/ratio)
		if v := judge(group, floor, ratio); v != "" {
			line += "  (" + v + ")"
		}
		fmt.Fprintln(out, line)
	}
	return nil
}

// parseLine reads "BenchmarkName/sub-8  1000  1234 ns/op ..." and returns
// the name without the -8 and the ns/op.
func parseLine(line string) (string, float64, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", 0, false
	}
	for i := 2; i+1 < len(f); i++ {
		if f[i+1] != "ns/op" {
			continue
		}
		ns, err := strconv.ParseFloat(f[i], 64)
		if err != nil || !(ns > 0) || math.IsInf(ns, 0) {
			return "", 0, false
		}
		name := f[0]
		if j := strings.LastIndexByte(name, '-'); j > 0 {
			if _, err := strconv.Atoi(name[j+1:]); err == nil {
				name = name[:j]
			}
		}
		return name, ns, true
	}
	return "", 0, false
}
