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

// Alternating rounds (-rounds, or -c with a list): two processes serve
// the whole run, a baseline and a subject (-pair): the floor and listen,
// listen inline and listen with its file inbox, or listen on its memory
// store and listen on Redis. Each round runs, at every connection count,
// the baseline and then the subject (the other way round in every other
// round and connection count), on the same freshly signed deliveries, each
// for at most -round-n deliveries or -round-time; the throughput ratio of a
// connection count is the median over rounds of subject/baseline within
// one round, so drift in what else the machine is doing moves both sides
// of each ratio alike. A file inbox runs its entries after answering: the
// next run starts once it has run them all, so its runner's backlog is
// never the next run's load.

// roundsOpts are the flags of an alternating-rounds run.
type roundsOpts struct {
	bin             string
	conns           []int
	rounds, n, warm int
	roundTime       time.Duration
	limit           time.Duration
	tampered, goal  float64
	pair            string // floor, inbox or redis
	redisURL        string // with pair redis
}

// pairs are -pair's values: what each compares.
var pairs = map[string]string{
	"floor": "the floor and hookseal listen",
	"inbox": "hookseal listen inline and with its file inbox",
	"redis": "hookseal listen on its memory store and on the Redis of -redis",
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

	listen bool     // hookseal listen: prints one line per event it processed
	inbox  bool     // ...after answering, from its inbox
	lines  []string // what listen printed, once stopped
}

func newRoundServer(name string, srv *server, want string) *roundServer {
	return &roundServer{name: name, srv: srv, want: want, listen: want != "",
		clients: map[int]*http.Client{}, runs: map[int][]*report{}, cpu: map[int]time.Duration{}}
}

// stop stops the process, keeping what listen printed; stopping a
// stopped one does nothing.
func (rs *roundServer) stop() error {
	if rs.srv == nil {
		return nil
	}
	rs.closeClients()
	srv := rs.srv
	rs.srv = nil
	if !rs.listen {
		srv.stop()
		return nil
	}
	var err error
	rs.lines, err = srv.stopListen()
	return err
}

// startPair starts o.pair's baseline and subject.
func startPair(o roundsOpts, dir string) (base, subj *roundServer, err error) {
	switch o.pair {
	case "floor":
		f, err := startFloor()
		if err != nil {
			return nil, nil, err
		}
		base = newRoundServer("floor", f, "")
		l, err := startListen(o.bin, listenArgs...)
		if err != nil {
			_ = base.stop()
			return nil, nil, err
		}
		return base, newRoundServer("listen", l, "processed"), nil
	case "inbox", "redis":
		l, err := startListen(o.bin, listenArgs...)
		if err != nil {
			return nil, nil, err
		}
		base = newRoundServer("listen", l, "processed")
		var s *server
		if o.pair == "inbox" {
			// Room for every delivery of the run at once.
			entries := 2 * len(o.conns) * (o.warm + o.rounds*o.n)
			if s, err = startListenInbox(o.bin, dir, entries); err == nil {
				subj = newRoundServer("listen-inbox", s, "accepted")
				subj.inbox = true
			}
		} else {
			prefix := fmt.Sprintf("hookseal-loadtest-%d:", time.Now().UnixNano())
			if s, err = startListen(o.bin, append([]string{"--redis", o.redisURL, "--redis-prefix", prefix}, listenArgs...)...); err == nil {
				subj = newRoundServer("listen-redis", s, "processed")
			}
		}
		if err != nil {
			_ = base.stop()
			return nil, nil, err
		}
		return base, subj, nil
	}
	return nil, nil, fmt.Errorf("-pair %q: want one of floor, inbox, redis", o.pair)
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
	if rs.inbox {
		// Its runner's work is part of what the run cost (the CPU
		// below), not of how fast it answered (the report).
		rs.srv.waitLines(rs.valid+r.ok, o.limit)
	}
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
	dir, err := os.MkdirTemp("", "hookseal-loadtest-rounds-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	base, subj, err := startPair(o, dir)
	if err != nil {
		return err
	}
	both := []*roundServer{base, subj}
	defer func() {
		for _, s := range both {
			_ = s.stop()
		}
	}()

	// Deliveries are signed per round and connection count, just before
	// they are sent: unique across the run (listen dedupes), and far
	// younger than the freshness window.
	next := 0
	batch := func(n int, tampered float64) []delivery {
		ds := deliveries(next, n, tampered)
		next += n
		return ds
	}
	fmt.Printf("alternating rounds of %s: %d rounds at %v connections; each run at most %d deliveries or %s\n", pairs[o.pair], o.rounds, o.conns, o.n, o.roundTime)
	// Warm-up at each connection count: the processes, and each client's
	// connections.
	for _, c := range o.conns {
		ds := batch(o.warm, 0)
		for _, s := range both {
			if _, err := s.run(ds, c, o, true); err != nil {
				return fmt.Errorf("warm-up: %w", err)
			}
		}
	}
	for round := range o.rounds {
		for ci, c := range o.conns {
			ds := batch(o.n, o.tampered)
			order := []*roundServer{base, subj}
			if (round+ci)%2 == 1 {
				order = []*roundServer{subj, base}
			}
			for _, s := range order {
				if _, err := s.run(ds, c, o, false); err != nil {
					return err
				}
			}
			b, r := base.runs[c][round], subj.runs[c][round]
			fmt.Printf("round %d/%d  c=%-4d %-12s first  %s %8.0f req/s  %s %8.0f req/s  ratio %.3f\n",
				round+1, o.rounds, c, order[0].name, base.name, b.rps(), subj.name, r.rps(), r.rps()/b.rps())
		}
	}
	for _, s := range both {
		s.pid = s.srv.cmd.Process.Pid
		s.total, _ = processCPU(s.pid)
		if err := s.stop(); err != nil {
			return err
		}
	}

	bcol, scol := base.name+" req/s", subj.name+" req/s"
	bcpu, scpu := base.name+" CPU", subj.name+" CPU"
	fmt.Println()
	fmt.Printf("%-6s %18s %18s %8s %15s %17s %17s  %s\n", "conns", bcol, scol, "ratio", "ratio min..max", bcpu, scpu, "goal")
	fmt.Printf("%-6s %18s %18s %8s %15s %17s %17s\n", "", "(median)", "(median)", "(median)", "", "per req", "per req")
	allMet := true
	for _, c := range o.conns {
		var br, sr, ratios []float64
		for i := range base.runs[c] {
			b, r := base.runs[c][i], subj.runs[c][i]
			br, sr = append(br, b.rps()), append(sr, r.rps())
			ratios = append(ratios, r.rps()/b.rps())
		}
		m := median(ratios)
		verdict := "met"
		if m < o.goal {
			verdict, allMet = "NOT met", false
		}
		fmt.Printf("%-6d %18.0f %18.0f %8.3f %7.3f..%-7.3f %17s %17s  >= %.2f %s\n", c, median(br), median(sr), m,
			slices.Min(ratios), slices.Max(ratios), perRequest(base, c), perRequest(subj, c), o.goal, verdict)
	}
	summary := "every connection count meets the goal"
	if !allMet {
		summary = "goal NOT met at some connection count"
	}
	fmt.Printf("throughput ratio %s/%s, median of %d same-round ratios: %s\n", subj.name, base.name, o.rounds, summary)
	for _, s := range both {
		fmt.Printf("%s (pid %d): %d requests answered, warm-ups included; process CPU %s\n", s.name, s.pid, s.requests, s.total)
	}

	// Correctness: every answer was checked as it came; each listen's
	// stdout holds exactly one line per valid delivery it answered 200
	// (processed, or accepted and then run by its inbox).
	var problems []string
	for _, s := range both {
		if !s.listen {
			continue
		}
		if len(s.lines) != s.valid {
			problems = append(problems, fmt.Sprintf("%s printed %d processed events, want %d (one per valid delivery it answered 200)", s.name, len(s.lines), s.valid))
		}
		if dup := duplicates(s.lines); dup > 0 {
			problems = append(problems, fmt.Sprintf("%s processed %d deliveries more than once", s.name, dup))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n  "))
	}
	fmt.Printf("correct: 0 transport errors, every valid delivery processed once (%d stdout lines), every tampered one answered 401\n", len(subj.lines))
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
