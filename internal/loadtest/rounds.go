package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Alternating rounds (-rounds, or -c with a list): one floor and one
// listen process serve the whole run. Each round runs, at every connection
// count, the floor and then listen (the other way round in every other
// round and connection count), on the same freshly signed deliveries, each
// for at most -round-n deliveries or -round-time; the throughput ratio of a
// connection count is the median over rounds of listen/floor within one
// round, so drift in what else the machine is doing moves both sides of
// each ratio alike.

// roundsOpts are the flags of an alternating-rounds run.
type roundsOpts struct {
	bin             string
	conns           []int
	rounds, n, warm int
	roundTime       time.Duration
	limit           time.Duration
	tampered, goal  float64
}

// parseConns reads -c: one positive count, or a comma-separated list.
func parseConns(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c <= 0 {
			return nil, fmt.Errorf("-c %q: want positive connection counts, comma-separated", s)
		}
		out = append(out, c)
	}
	return out, nil
}

// roundServer is a server of the run with one client per connection
// count, kept across rounds.
type roundServer struct {
	name    string
	srv     *server
	want    string // the outcome a valid delivery is answered with
	clients map[int]*http.Client
	runs    map[int][]*report
	cpu     map[int]time.Duration // process CPU time spent in its runs, per connection count
	valid   int                   // valid deliveries answered 200, warm-ups included
	// requests is every request it answered, warm-ups included; total is
	// its process's CPU time when the run ended (for whole-process
	// profiles and syscall counts).
	requests int
	total    time.Duration
	pid      int
}

func (rs *roundServer) client(conc int) *http.Client {
	if c := rs.clients[conc]; c != nil {
		return c
	}
	tr := &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, IdleConnTimeout: time.Minute}
	c := &http.Client{Transport: tr, Timeout: 15 * time.Second}
	rs.clients[conc] = c
	return c
}

func (rs *roundServer) closeClients() {
	for _, c := range rs.clients {
		c.Transport.(*http.Transport).CloseIdleConnections()
	}
}

// run sends ds to the server over conc connections and records the run:
// its report and the CPU time the server's process spent on it.
func (rs *roundServer) run(ds []delivery, conc int, o roundsOpts, warmup bool) (*report, error) {
	cpu0, cerr := processCPU(rs.srv.cmd.Process.Pid)
	budget := o.roundTime
	if warmup {
		budget = 0
	}
	r := send(rs.name, rs.client(conc), rs.srv.url, ds, conc, o.limit, budget, rs.want)
	cpu1, cerr1 := processCPU(rs.srv.cmd.Process.Pid)
	if len(r.problems) > 0 {
		return nil, fmt.Errorf("%s at %d connections: %s", rs.name, conc, strings.Join(r.problems, "; "))
	}
	if r.cut > 0 || (warmup && r.sent != len(ds)) {
		return nil, fmt.Errorf("%s at %d connections: %d of %d deliveries answered within -limit %s", rs.name, conc, r.sent, len(ds), o.limit)
	}
	rs.valid += r.ok
	rs.requests += r.sent
	if !warmup {
		rs.runs[conc] = append(rs.runs[conc], r)
		if cerr == nil && cerr1 == nil {
			rs.cpu[conc] += cpu1 - cpu0
		} else {
			rs.cpu[conc] = -1 << 62 // unknown: reported as such
		}
	}
	return r, nil
}

func runRounds(o roundsOpts) (err error) {
	floor, err := startFloor()
	if err != nil {
		return err
	}
	fs := &roundServer{name: "floor", srv: floor, clients: map[int]*http.Client{}, runs: map[int][]*report{}, cpu: map[int]time.Duration{}}
	defer func() {
		if fs.srv != nil {
			fs.srv.stop()
		}
	}()
	defer fs.closeClients()
	hs, err := startListen(o.bin, listenArgs...)
	if err != nil {
		return err
	}
	ls := &roundServer{name: "listen", srv: hs, want: "processed", clients: map[int]*http.Client{}, runs: map[int][]*report{}, cpu: map[int]time.Duration{}}
	stopped := false
	var lines []string
	stopListen := func() error {
		if stopped {
			return nil
		}
		stopped = true
		ls.closeClients()
		var err error
		lines, err = hs.stopListen()
		return err
	}
	defer func() { _ = stopListen() }()

	// Deliveries are signed per round and connection count, just before
	// they are sent: unique across the run (listen dedupes), and far
	// younger than the freshness window.
	next := 0
	batch := func(n int, tampered float64) []delivery {
		ds := deliveries(next, n, tampered)
		next += n
		return ds
	}
	fmt.Printf("alternating rounds: %d rounds at %v connections; each run at most %d deliveries or %s\n", o.rounds, o.conns, o.n, o.roundTime)
	// Warm-up at each connection count: the processes, and each client's
	// connections.
	for _, c := range o.conns {
		ds := batch(o.warm, 0)
		for _, s := range []*roundServer{fs, ls} {
			if _, err := s.run(ds, c, o, true); err != nil {
				return fmt.Errorf("warm-up: %w", err)
			}
		}
	}
	for round := range o.rounds {
		for ci, c := range o.conns {
			ds := batch(o.n, o.tampered)
			order := []*roundServer{fs, ls}
			if (round+ci)%2 == 1 {
				order = []*roundServer{ls, fs}
			}
			for _, s := range order {
				if _, err := s.run(ds, c, o, false); err != nil {
					return err
				}
			}
			f, l := fs.runs[c][round], ls.runs[c][round]
			fmt.Printf("round %d/%d  c=%-4d %-6s first  floor %8.0f req/s  listen %8.0f req/s  ratio %.3f\n",
				round+1, o.rounds, c, order[0].name, f.rps(), l.rps(), l.rps()/f.rps())
		}
	}
	for _, s := range []*roundServer{fs, ls} {
		s.pid = s.srv.cmd.Process.Pid
		s.total, _ = processCPU(s.pid)
	}
	fs.closeClients()
	fs.srv.stop()
	fs.srv = nil
	if err := stopListen(); err != nil {
		return err
	}

	fmt.Println()
	fmt.Printf("%-6s %12s %12s %8s %15s %11s %11s  %s\n", "conns", "floor req/s", "listen req/s", "ratio", "ratio min..max", "floor CPU", "listen CPU", "goal")
	fmt.Printf("%-6s %12s %12s %8s %15s %11s %11s\n", "", "(median)", "(median)", "(median)", "", "per req", "per req")
	allMet := true
	for _, c := range o.conns {
		var fr, lr, ratios []float64
		for i := range fs.runs[c] {
			f, l := fs.runs[c][i], ls.runs[c][i]
			fr, lr = append(fr, f.rps()), append(lr, l.rps())
			ratios = append(ratios, l.rps()/f.rps())
		}
		m := median(ratios)
		verdict := "met"
		if m < o.goal {
			verdict, allMet = "NOT met", false
		}
		fmt.Printf("%-6d %12.0f %12.0f %8.3f %7.3f..%-7.3f %11s %11s  >= %.2f %s\n", c, median(fr), median(lr), m,
			slices.Min(ratios), slices.Max(ratios), perRequest(fs, c), perRequest(ls, c), o.goal, verdict)
	}
	summary := "every connection count meets the goal"
	if !allMet {
		summary = "goal NOT met at some connection count"
	}
	fmt.Printf("throughput ratio listen/floor, median of %d same-round ratios: %s\n", o.rounds, summary)
	for _, s := range []*roundServer{fs, ls} {
		fmt.Printf("%s (pid %d): %d requests answered, warm-ups included; process CPU %s\n", s.name, s.pid, s.requests, s.total)
	}

	// Correctness: every answer was checked as it came; listen's stdout
	// holds exactly one line per valid delivery it answered processed.
	var problems []string
	if len(lines) != ls.valid {
		problems = append(problems, fmt.Sprintf("hookseal listen printed %d processed events, want %d (one per valid delivery it answered 200)", len(lines), ls.valid))
	}
	if dup := duplicates(lines); dup > 0 {
		problems = append(problems, fmt.Sprintf("hookseal listen processed %d deliveries more than once", dup))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n  "))
	}
	fmt.Printf("correct: 0 transport errors, every valid delivery processed once (%d stdout lines), every tampered one answered 401\n", len(lines))
	return nil
}

// perRequest is a server's process CPU time per request at conc
// connections, over its measured runs.
func perRequest(s *roundServer, conc int) string {
	cpu := s.cpu[conc]
	n := 0
	for _, r := range s.runs[conc] {
		n += r.sent
	}
	if cpu < 0 || n == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1fµs", float64(cpu.Microseconds())/float64(n))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// processCPU is the user and system CPU time process pid has used
// (Linux: /proc/pid/stat, in clock ticks of 10 ms).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc/pid/stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc/pid/stat")
	}
	// After the command: state (field 3), ... utime (14), stime (15).
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unexpected /proc/pid/stat")
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}
