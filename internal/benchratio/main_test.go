package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	in := `goos: linux
pkg: github.com/hookseal/hookseal/middleware
BenchmarkPipeline/checkly-2KiB/hookseal-2   3000   12000 ns/op   141.09 MB/s   2679 B/op   32 allocs/op
BenchmarkPipeline/checkly-2KiB/floor-2      3000   26000 ns/op    67.17 MB/s   6957 B/op   46 allocs/op
BenchmarkPipeline/checkly-2KiB/hookseal-2   3000   14000 ns/op   141.09 MB/s   2679 B/op   32 allocs/op
BenchmarkPipeline/checkly-2KiB/floor-2      3000   28000 ns/op    67.17 MB/s   6957 B/op   46 allocs/op
BenchmarkPipeline/checkly-2KiB/decode-only-2 3000   7650 ns/op
BenchmarkAlone-2                             100    500 ns/op
pkg: github.com/hookseal/hookseal/verify
BenchmarkChecklyVerify/size=16KiB/impl=hookseal-2  100  1000 ns/op
BenchmarkChecklyVerify/size=16KiB/impl=floor-2     100   900 ns/op
BenchmarkOnlyFloor/floor-2                         100   900 ns/op
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		// rounds 12000/26000 and 14000/28000: the median is 0.48
		"middleware BenchmarkPipeline/checkly-2KiB", "hookseal vs floor", " 0.48x time   2.08x throughput",
		"verify BenchmarkChecklyVerify/size=16KiB", "impl=hookseal vs impl=floor", " 1.11x time   0.90x throughput",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "decode-only") || strings.Contains(got, "OnlyFloor") || strings.Contains(got, "Alone") {
		t.Errorf("output pairs benchmarks without a subject or floor:\n%s", got)
	}
	if n := strings.Count(got, "\n"); n != 3 {
		t.Errorf("want a heading and 2 rows, got %d lines:\n%s", n, got)
	}
}

func TestRunWithoutPairs(t *testing.T) {
	if err := run(strings.NewReader("BenchmarkX-2 1 10 ns/op\n"), &strings.Builder{}); err == nil {
		t.Fatal("no error for input without pairs")
	}
}

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		name string
		ns   float64
		ok   bool
	}{
		{"BenchmarkA/b-16   10   12.5 ns/op", "BenchmarkA/b", 12.5, true},
		{"BenchmarkA/size=1-KiB   10   3 ns/op", "BenchmarkA/size=1-KiB", 3, true},
		{"BenchmarkA-2   10   NaN ns/op", "", 0, false},
		{"BenchmarkA-2   10   -3 ns/op", "", 0, false},
		{"ok  github.com/x 1.2s", "", 0, false},
		{"BenchmarkA-2 --- FAIL", "", 0, false},
	} {
		name, ns, ok := parseLine(tc.line)
		if name != tc.name || ns != tc.ns || ok != tc.ok {
			t.Errorf("parseLine(%q) = %q, %v, %v; want %q, %v, %v", tc.line, name, ns, ok, tc.name, tc.ns, tc.ok)
		}
	}
}

// A ratio is the median of the rounds' ratios: one run slowed by a
// neighbour, on either side, does not move it.
func TestRunTakesTheMedian(t *testing.T) {
	in := `pkg: github.com/hookseal/hookseal/event/checkly
BenchmarkDecode/hookseal-2              100   1100 ns/op
BenchmarkDecode/floor-plain-json-v2-2   100   1000 ns/op
BenchmarkDecode/hookseal-2              100   9000 ns/op
BenchmarkDecode/floor-plain-json-v2-2   100   1000 ns/op
BenchmarkDecode/hookseal-2              100   1000 ns/op
BenchmarkDecode/floor-plain-json-v2-2   100   5000 ns/op
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if want := " 1.10x time   0.91x throughput  (goal <= 1.15x time: met)"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}

// Rows with a goal say whether the run meets it.
func TestRunJudgesGoals(t *testing.T) {
	in := `pkg: github.com/hookseal/hookseal/verify
BenchmarkChecklyVerify/size=1KiB/impl=hookseal-2            100   1200 ns/op
BenchmarkChecklyVerify/size=1KiB/impl=floor-2               100   2000 ns/op
BenchmarkChecklyVerify/size=1KiB/impl=floor-pooled-hmac-2   100   1000 ns/op
BenchmarkChecklyVerify/size=16KiB/impl=hookseal-2           100   1000 ns/op
BenchmarkChecklyVerify/size=16KiB/impl=floor-pooled-hmac-2  100    950 ns/op
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"1.20x time   0.83x throughput  (goal <= 1.10x time: MISSED)",
		"1.05x time   0.95x throughput  (goal >= 0.90x throughput: met)",
		"impl=hookseal vs impl=floor               0.60x time   1.67x throughput\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// A machine that slows down between rounds slows both sides of a round's
// ratio: pairing by round keeps the ratio at 1 where a ratio of medians
// (200/150) would report the subject a third slower.
func TestRatioPairsRounds(t *testing.T) {
	subject := &result{ns: []float64{100, 200, 300}}
	floor := &result{ns: []float64{100, 200, 150}}
	if got := ratio(subject, floor); got != 1 {
		t.Errorf("ratio = %v, want 1 (the median of the rounds' 1, 1 and 2)", got)
	}
	if got := ratio(&result{ns: []float64{50, 70}}, &result{ns: []float64{100}}); got != 0.5 {
		t.Errorf("ratio with an unpaired round = %v, want 0.5 (the one paired round)", got)
	}
}
