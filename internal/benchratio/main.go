// Command benchratio reads `go test -bench` output on stdin and prints, for
// every benchmark that has a hookseal sub-benchmark and one or more floor
// sub-benchmarks beside it, hookseal's ns/op as a ratio of each floor's:
//
//	BenchmarkPipeline/checkly-2KiB   hookseal/floor   0.48x time   2.09x throughput
//
// The sub-benchmark's last name element says which is which: one containing
// "hookseal" is the subject, one containing "floor" a baseline; the rest of
// the name groups them. Absolute times on a shared machine are noise, ratios
// from one run are not: `make bench` prints both.
package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
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

// result is one benchmark line: its name without the -GOMAXPROCS suffix
// and its ns/op, averaged over repeated lines (-count).
type result struct {
	sum float64
	n   int
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
		r.sum += ns
		r.n++
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
		s, f := results[r.subject], results[r.floor]
		ratio := (s.sum / float64(s.n)) / (f.sum / float64(f.n))
		fmt.Fprintf(out, "  %-60s %-40s %5.2fx time  %5.2fx throughput\n",
			strings.TrimPrefix(r.group, "github.com/hookseal/hookseal/"),
			r.subject[strings.LastIndexByte(r.subject, '/')+1:]+" vs "+r.floor[strings.LastIndexByte(r.floor, '/')+1:],
			ratio, 1/ratio)
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
