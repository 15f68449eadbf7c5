// Command loadtest drives `hookseal listen`, `hookseal proxy` and a floor
// server with the same bounded run of signed Checkly deliveries over
// loopback and compares them.
//
// The floor is what a careful receiver writes by hand: a bare net/http
// handler that reads the body, checks the HMAC and decodes with
// encoding/json. It runs as its own process (this binary, re-executed with
// -serve-floor), as hookseal listen does, so neither shares a process with
// the load generator. Each server gets the same deliveries: N distinct
// alerts, of which a fraction is tampered after signing, sent by C
// concurrent connections, with a time limit.
//
// The proxy runs twice, forwarding to a minimal upstream (this binary
// again, with -serve-upstream: it reads the body and answers 204): inline
// (no inbox: the sender's answer waits for the upstream's) and with the
// file inbox it has by default (the sender is answered once the delivery
// is on disk; the run then waits until the upstream has every delivery).
//
// It prints requests/s, p50/p99 latency and the throughput ratio of each
// hookseal run to the floor, and fails (exit 1) on any correctness
// failure: a transport error, a valid delivery not answered 200 processed
// (accepted, with the inbox), a tampered one not answered 401, listen's
// stdout not holding exactly one line per valid delivery, or the upstream
// not getting each valid delivery exactly once.
//
// With -rounds, or several connection counts (-c 1,8,64), it runs the
// floor and listen alone in alternating rounds instead (see rounds.go): one
// process of each for the whole run, each round running both at every
// count on the same deliveries, each run bounded by -round-n and
// -round-time; it prints per count the median of the same-round ratios
// listen/floor and each server's CPU time per request. -cpuprofile DIR
// has the floor and listen write CPU profiles (floor.pprof, listen.pprof;
// listen-redis.pprof and listen-inbox.pprof for the subjects of -pair).
//
//	go build -o /tmp/hookseal ./cmd/hookseal && go run ./internal/loadtest -hookseal /tmp/hookseal
//	go run ./internal/loadtest -hookseal /tmp/hookseal -c 1,8,64 -rounds 5 -cpuprofile /tmp/prof
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// secret is the load test's own Checkly secret, generated per run so the
// command never needs one from the user.
var secret = "loadtest-" + fmt.Sprint(time.Now().UnixNano())

func main() {
	var (
		bin       = flag.String("hookseal", "", "path to a built hookseal binary (required)")
		n         = flag.Int("n", 50000, "deliveries per server")
		concList  = flag.String("c", "64", "concurrent connections; a comma-separated `list` (1,8,64) runs alternating rounds (see -rounds)")
		rounds    = flag.Int("rounds", 0, "alternating rounds: each round runs the floor and listen (in turn first) at every -c, and the ratio per connection count is the median of the rounds' ratios (default 5 with several -c, else one run as before)")
		roundTime = flag.Duration("round-time", 2*time.Second, "with -rounds: each server's run stops taking deliveries after this long, or after -round-n")
		roundN    = flag.Int("round-n", 20000, "with -rounds: deliveries per server, round and connection count at most")
		cpuprof   = flag.String("cpuprofile", "", "write CPU profiles of the floor and of listen to `dir` (floor.pprof, listen.pprof), for go tool pprof")
		limit     = flag.Duration("limit", 60*time.Second, "time limit per server")
		tampered  = flag.Float64("tampered", 0.05, "fraction of deliveries tampered after signing")
		warm      = flag.Int("warmup", 2000, "deliveries sent to each server before measuring")
		goal      = flag.Float64("goal", 0.8, "throughput ratio hookseal/floor to report as met (default 0.95 with -rounds)")
		inboxGoal = flag.Float64("inbox-goal", 0.5, "throughput ratio with the file inbox / inline (listen, and proxy) to report as met")
		floorAddr = flag.String("serve-floor", "", "internal: serve the floor on this address")
		upAddr    = flag.String("serve-upstream", "", "internal: serve the proxy's upstream on this address")
		proxy     = flag.Bool("proxy", true, "also run hookseal proxy, inline and with its file inbox")
		redisURL  = flag.String("redis", os.Getenv("HOOKSEAL_REDIS_URL"), "also run hookseal listen with its state in the Redis this `URL` names (default $HOOKSEAL_REDIS_URL), "+
			"and compare it with listen on its memory store")
		redisGoal = flag.Float64("redis-goal", 0.7, "throughput ratio listen on Redis / listen on memory to report as met")
		pair      = flag.String("pair", "floor", "with -rounds: what the rounds compare: floor (the floor and listen), inbox (listen inline and with its file inbox) or redis (listen on memory and on -redis)")
		workers   = flag.Int("inbox-concurrency", 0, "the file inboxes' runner concurrency (listen-inbox and proxy-inbox); 0 keeps hookseal's default, as a user's would run")
		order     = flag.Bool("order", false, "run listen with --order (ordering state: one more store call per delivery without a combined claim and advance)")
	)
	flag.Func("listen-env", "`KEY=VALUE` added to hookseal listen's environment, such as GOGC=400 (repeatable; for experiments)", func(kv string) error {
		if !strings.Contains(kv, "=") {
			return errors.New("want KEY=VALUE")
		}
		listenEnv = append(listenEnv, kv)
		return nil
	})
	flag.Parse()
	if *floorAddr != "" {
		serveFloor(*floorAddr, os.Getenv("LOADTEST_SECRET"))
		return
	}
	if *upAddr != "" {
		serveUpstream(*upAddr)
		return
	}
	conns, cerr := parseConns(*concList)
	if *bin == "" || *n <= 0 || cerr != nil || *tampered < 0 || *tampered >= 1 || *rounds < 0 || *roundN <= 0 || *roundTime <= 0 || *workers < 0 {
		fmt.Fprintln(os.Stderr, "loadtest: -hookseal is required; -n, -c (each of its list), -round-n and -round-time must be positive; -tampered in [0,1); -inbox-concurrency not negative")
		os.Exit(2)
	}
	listenArgs, inboxWorkers = nil, *workers
	if *order {
		listenArgs = append(listenArgs, "--order")
	}
	if *cpuprof != "" {
		if err := os.MkdirAll(*cpuprof, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
		floorProfile, profileDir = filepath.Join(*cpuprof, "floor.pprof"), *cpuprof
	}
	if *rounds == 0 && len(conns) > 1 {
		*rounds = 5
	}
	if *rounds > 0 {
		g := map[string]float64{"floor": 0.95, "inbox": *inboxGoal, "redis": *redisGoal}[*pair]
		flag.Visit(func(f *flag.Flag) {
			if f.Name == "goal" {
				g = *goal
			}
		})
		if *pair == "redis" && *redisURL == "" {
			fmt.Fprintln(os.Stderr, "loadtest: -pair redis needs -redis URL (or HOOKSEAL_REDIS_URL)")
			os.Exit(2)
		}
		o := roundsOpts{bin: *bin, conns: conns, rounds: *rounds, n: *roundN, warm: *warm, roundTime: *roundTime,
			limit: *limit, tampered: *tampered, goal: g, pair: *pair, redisURL: *redisURL}
		if err := runRounds(o); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*bin, *n, *warm, conns[0], *limit, *tampered, *goal, *inboxGoal, *proxy, *redisURL, *redisGoal); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// listenArgs are the flags every listen run gets (-order).
var listenArgs []string

// inboxWorkers is the file inboxes' runner concurrency (-inbox-concurrency);
// 0 leaves hookseal's default.
var inboxWorkers int

// inboxConcurrency is the concurrency setting of a file inbox's config
// block, empty for hookseal's default.
func inboxConcurrency() string {
	if inboxWorkers > 0 {
		return fmt.Sprintf(", concurrency: %d", inboxWorkers)
	}
	return ""
}

// listenEnv is added to hookseal listen's environment (-listen-env).
var listenEnv []string

// floorProfile is where the floor writes a CPU profile, and profileDir
// where each hookseal listen writes one named after it ("" for none):
// -cpuprofile.
var floorProfile, profileDir string

func run(bin string, n, warm, conc int, limit time.Duration, tamperedFrac, goal, inboxGoal float64, withProxy bool, redisURL string, redisGoal float64) error {
	// Distinct bodies for the warm-up and the measured run, signed now:
	// the run is far shorter than the 5-minute freshness window.
	fmt.Printf("signing %d deliveries (%d warm-up) ...\n", n+warm, warm)
	warmup := deliveries(0, warm, 0)
	measured := deliveries(warm, n, tamperedFrac)
	valid := len(warmup) + countValid(measured)

	floor, err := startFloor()
	if err != nil {
		return err
	}
	fr, ferr := drive("floor", floor.url, warmup, measured, conc, limit, "")
	floor.stop()
	if ferr != nil {
		return ferr
	}

	hs, err := startListen(bin, listenArgs...)
	if err != nil {
		return err
	}
	hr, herr := drive("listen", hs.url, warmup, measured, conc, limit, "processed")
	lines, err := hs.stopListen()
	if herr != nil {
		return herr
	}
	if err != nil {
		return err
	}
	// Listen with its file inbox, right after listen inline: accepted once
	// the entry is on disk (group commit), each event printed when the
	// inbox runs it.
	idir, err := os.MkdirTemp("", "hookseal-loadtest-inbox-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(idir)
	is, err := startListenInbox(bin, idir, 4*(len(warmup)+len(measured)))
	if err != nil {
		return err
	}
	ir, ierr := drive("listen-inbox", is.url, warmup, measured, conc, limit, "accepted")
	if ierr == nil {
		is.waitLines(valid, limit)
	}
	ilines, err := is.stopListen()
	if ierr != nil {
		return ierr
	}
	if err != nil {
		return err
	}
	reports := []*report{fr, hr, ir}
	var problems []string
	if ir.sent == len(measured) && (len(ilines) != valid || duplicates(ilines) > 0) {
		problems = append(problems, fmt.Sprintf("hookseal listen with its inbox printed %d processed events (%d repeated), want %d, each once", len(ilines), duplicates(ilines), valid))
	}
	// Listen on Redis, right after listen on memory: the same deliveries,
	// under a prefix of its own, so nothing from an earlier run is seen.
	var rr *report
	if redisURL != "" {
		prefix := fmt.Sprintf("hookseal-loadtest-%d:", time.Now().UnixNano())
		rs, err := startListen(bin, append([]string{"--redis", redisURL, "--redis-prefix", prefix}, listenArgs...)...)
		if err != nil {
			return err
		}
		var rerr error
		rr, rerr = drive("listen-redis", rs.url, warmup, measured, conc, limit, "processed")
		rlines, err := rs.stopListen()
		if rerr != nil {
			return rerr
		}
		if err != nil {
			return err
		}
		if rr.sent == len(measured) && (len(rlines) != valid || duplicates(rlines) > 0) {
			problems = append(problems, fmt.Sprintf("hookseal listen on Redis printed %d processed events (%d repeated), want %d, each once", len(rlines), duplicates(rlines), valid))
		}
	}
	if withProxy {
		for _, inbox := range []bool{false, true} {
			r, err := runProxy(bin, inbox, warmup, measured, conc, limit, valid)
			if err != nil {
				return err
			}
			reports = append(reports, r)
		}
	}

	fmt.Println()
	fmt.Printf("%-13s %9s %10s %10s %10s %8s %8s %7s\n", "server", "requests", "req/s", "p50", "p99", "200", "401", "ratio")
	for _, r := range reports {
		fmt.Printf("%-13s %9d %10.0f %10s %10s %8d %8d %7.2f\n", r.name, r.sent, r.rps(), r.pct(50), r.pct(99), r.ok, r.unauth, r.rps()/fr.rps())
	}
	ratio := hr.rps() / fr.rps()
	verdict := "met"
	if ratio < goal {
		verdict = "NOT met"
	}
	fmt.Printf("\nthroughput ratio listen/floor: %.2f (goal >= %.2f: %s)\n", ratio, goal, verdict)
	for _, r := range reports[2:] {
		fmt.Printf("throughput ratio %s/floor: %.2f, %s/listen: %.2f\n", r.name, r.rps()/fr.rps(), r.name, r.rps()/hr.rps())
	}
	iverdict := "met"
	if ir.rps() < inboxGoal*hr.rps() {
		iverdict = "NOT met"
	}
	fmt.Printf("throughput ratio listen-inbox/listen: %.2f (goal >= %.2f: %s)\n", ir.rps()/hr.rps(), inboxGoal, iverdict)
	if rr != nil {
		reports = append(reports, rr)
		fmt.Printf("%-13s %9d %10.0f %10s %10s %8d %8d %7.2f\n", rr.name, rr.sent, rr.rps(), rr.pct(50), rr.pct(99), rr.ok, rr.unauth, rr.rps()/fr.rps())
		verdict := "met"
		if rr.rps() < redisGoal*hr.rps() {
			verdict = "NOT met"
		}
		fmt.Printf("throughput ratio listen-redis/listen (memory store): %.2f (goal >= %.2f: %s)\n", rr.rps()/hr.rps(), redisGoal, verdict)
	}
	if withProxy {
		// One server with and without its file inbox: what accepting
		// durably (an fsync'd append before the 200) costs.
		inline, inbox := reports[3], reports[4]
		verdict := "met"
		if inbox.rps() < inboxGoal*inline.rps() {
			verdict = "NOT met"
		}
		fmt.Printf("throughput ratio %s/%s: %.2f (goal >= %.2f: %s)\n", inbox.name, inline.name, inbox.rps()/inline.rps(), inboxGoal, verdict)
	}
	// Each server above ran once, one after the other: on a shared
	// machine a single pass's ratio moves by a fifth from run to run.
	fmt.Println("(one pass each: ratios move by about ±20% from run to run on a shared machine; judge a goal on alternating rounds,")
	fmt.Println(" LOADFLAGS=\"-rounds 7\" for listen/floor, \"-rounds 7 -pair inbox\" or \"-rounds 7 -pair redis -redis URL\" for the others)")

	// Correctness: the answers, then listen's own record of what it
	// processed — exactly once per valid delivery, warm-up included.
	for _, r := range reports {
		problems = append(problems, r.problems...)
	}
	if hr.sent == len(measured) {
		if len(lines) != valid {
			problems = append(problems, fmt.Sprintf("hookseal listen printed %d processed events, want %d (one per valid delivery)", len(lines), valid))
		}
		if dup := duplicates(lines); dup > 0 {
			problems = append(problems, fmt.Sprintf("hookseal listen processed %d deliveries more than once", dup))
		}
	}
	for _, r := range reports {
		if r.sent != len(measured) {
			problems = append(problems, fmt.Sprintf("%s: only %d of %d deliveries sent within %s", r.name, r.sent, len(measured), limit))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n  "))
	}
	fmt.Printf("correct: 0 transport errors, every valid delivery processed once (%d stdout lines", len(lines))
	if withProxy {
		fmt.Printf("; the upstream got each of them once from each proxy run")
	}
	fmt.Println("), every tampered one answered 401")
	return nil
}

type delivery struct {
	body     []byte
	header   http.Header
	tampered bool
}

func deliveries(from, n int, tamperedFrac float64) []delivery {
	s := verify.ChecklyScheme()
	out := make([]delivery, n)
	every := 0
	if tamperedFrac > 0 {
		every = int(1 / tamperedFrac)
	}
	now := time.Now()
	for i := range out {
		body := alert(from + i)
		h, err := s.Sign(body, verify.SignOptions{Timestamp: now}, secret)
		if err != nil {
			panic(err) // a fixed scheme and secret: cannot fail
		}
		h.Set("Content-Type", "application/json")
		d := delivery{body: body, header: h}
		if every > 0 && i%every == every-1 {
			d.body = append([]byte(nil), body...)
			d.body[len(d.body)/2] ^= 1 // one bit, after signing
			d.tampered = true
		}
		out[i] = d
	}
	return out
}

func countValid(ds []delivery) int {
	n := 0
	for _, d := range ds {
		if !d.tampered {
			n++
		}
	}
	return n
}

// startedAt is every alert's STARTED_AT: signed, so it must lie within
// the hour a route accepts, which a date written into the source would
// not for long.
var startedAt = time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")

// alert is a ~1.5 KiB Checkly alert unique by i, as Checkly renders the
// recommended template: every value a JSON string (numbers and booleans
// too), TAGS an array. The floor reads those with encoding/json's ",string"
// option, as a hand-written receiver of Checkly's bodies would.
func alert(i int) []byte {
	return fmt.Appendf(nil, `{"alert_title":"Checkout API failed","alert_type":"ALERT_FAILURE","check_id":"0d7c7c4e-4e8c-4f5a-9d4e-%012x","check_name":"Checkout API","check_type":"API","check_result_id":"7a3d1f0e-5b2c-4c8e-9f1a-%012x","check_error_message":"Expected status code 200 but received 503 Service Unavailable from https://api.example.com/v1/checkout/health after 3 attempts","check_description":"Calls the checkout API's health endpoint every minute from three regions.","group_name":"Production APIs","response_time":"1649","result_link":"https://app.checklyhq.com/checks/0d7c7c4e/check-sessions/7a3d1f0e","run_location":"Frankfurt","region":"eu-central-1","started_at":"%s","tags":["api","prod","checkout"],"is_reminder":"false","reminder_sequence":"0","api_check_response_status_code":"503","api_check_response_status_text":"Service Unavailable","ssl_check_domain":"api.example.com","ssl_days_remaining":"43","ai_analysis_root_cause":"The load balancer in eu-central-1 reported no healthy upstream for the checkout service.","ai_analysis_user_impact":"Customers in Europe cannot complete purchases."}`, i, i, startedAt)
}

// report is one server's run.
type report struct {
	name       string
	sent       int
	ok, unauth int
	cut        int // requests in flight cut off by the time limit
	elapsed    time.Duration
	latencies  []time.Duration
	problems   []string
}

func (r *report) rps() float64 { return float64(r.sent) / r.elapsed.Seconds() }

func (r *report) pct(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[(len(r.latencies)-1)*p/100].Round(time.Microsecond)
}

// drive sends the warm-up, then the measured deliveries over conc
// connections, checking every answer.
// want is the outcome a valid delivery is answered with ("" for the floor,
// which sends none).
func drive(name, url string, warmup, measured []delivery, conc int, limit time.Duration, want string) (*report, error) {
	tr := &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 15 * time.Second}
	fmt.Printf("%s: warm-up %d, then %d deliveries over %d connections ...\n", name, len(warmup), len(measured), conc)
	if r := send(name, client, url, warmup, conc, limit, 0, want); len(r.problems) > 0 {
		return nil, fmt.Errorf("%s warm-up: %s", name, strings.Join(r.problems, "; "))
	}
	return send(name, client, url, measured, conc, limit, 0, want), nil
}

// send sends ds over conc connections. Past limit, requests in flight are
// cut off (and not counted); past budget (when not 0), no new request
// starts, and those in flight finish, so each delivery counted as sent was
// answered.
func send(name string, client *http.Client, url string, ds []delivery, conc int, limit, budget time.Duration, want string) *report {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	r := &report{name: name}
	lat := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	start := time.Now()
	stopAt := start.Add(budget)
	for w := range conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				if budget > 0 && time.Now().After(stopAt) {
					return
				}
				i := int(next.Add(1)) - 1
				if i >= len(ds) {
					return
				}
				d := ds[i]
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.body))
				if err != nil {
					panic(err)
				}
				req.Header = d.header.Clone()
				t := time.Now()
				resp, err := client.Do(req)
				var status int
				var outcome string
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status, outcome = resp.StatusCode, resp.Header.Get("Hookseal-Outcome")
				}
				lat[w] = append(lat[w], time.Since(t))
				mu.Lock()
				r.sent++
				switch {
				case err != nil && ctx.Err() != nil:
					r.sent-- // cut off by the time limit, not a transport error
					r.cut++
				case err != nil:
					r.problems = append(r.problems, fmt.Sprintf("%s: transport error: %v", name, err))
				case d.tampered && status != http.StatusUnauthorized:
					r.problems = append(r.problems, fmt.Sprintf("%s: tampered delivery %d answered %d, want 401", name, i, status))
				case !d.tampered && (status != http.StatusOK || outcome != want):
					r.problems = append(r.problems, fmt.Sprintf("%s: delivery %d answered %d %q, want 200 %s", name, i, status, outcome, want))
				}
				switch status {
				case http.StatusOK:
					r.ok++
				case http.StatusUnauthorized:
					r.unauth++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	for _, l := range lat {
		r.latencies = append(r.latencies, l...)
	}
	slices.Sort(r.latencies)
	if len(r.problems) > 10 {
		r.problems = append(r.problems[:10], fmt.Sprintf("... and %d more", len(r.problems)-10))
	}
	return r
}

// server is a child process serving on url.
type server struct {
	url    string
	cmd    *exec.Cmd
	stdout chan []string
	lines  atomic.Int64 // stdout lines so far
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(addr string, cmd *exec.Cmd) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return fmt.Errorf("%s did not start listening on %s", cmd.Path, addr)
}

func startFloor() (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve-floor", addr)
	cmd.Env = append(os.Environ(), "LOADTEST_SECRET="+secret, "LOADTEST_CPUPROFILE="+floorProfile)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := waitReady(addr, cmd); err != nil {
		return nil, err
	}
	return &server{url: "http://" + addr + "/checkly", cmd: cmd}, nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
}

func startListen(bin string, args ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	name := "listen"
	if slices.Contains(args, "--redis") {
		name = "listen-redis"
	}
	return startListenAt(bin, name, addr, append([]string{"listen", "--addr", addr}, args...))
}

// startListenInbox starts hookseal listen with its file inbox in dir,
// through a config file: listen's flags do not bound the inbox, and the
// whole run must fit in it at once, as with the proxy.
func startListenInbox(bin, dir string, entries int) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	order := ""
	if slices.Contains(listenArgs, "--order") {
		order = ", order: true"
	}
	config := fmt.Sprintf(`listen: %s
admin: ""
data_dir: %s
inbox: {max_entries: %d, max_bytes: %d%s}
routes:
  - {path: /checkly, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}%s}
`, addr, dir, entries, 1<<30, inboxConcurrency(), order)
	path := filepath.Join(dir, "listen.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return nil, err
	}
	return startListenAt(bin, "listen-inbox", addr, []string{"listen", "--config", path})
}

// startListenAt runs hookseal with args, serving on addr; name names its
// CPU profile.
func startListenAt(bin, name, addr string, args []string) (*server, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(childEnv(), listenEnv...), "CHECKLY_WEBHOOK_SECRET="+secret)
	if profileDir != "" {
		// A developer aid of hookseal's main (cmd/hookseal/profile.go).
		cmd.Env = append(cmd.Env, "HOOKSEAL_CPUPROFILE="+filepath.Join(profileDir, name+".pprof"))
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{url: "http://" + addr + "/checkly", cmd: cmd, stdout: make(chan []string, 1)}
	go func() {
		var lines []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			s.lines.Add(1)
		}
		s.stdout <- lines
	}()
	go func() { _, _ = io.Copy(io.Discard, errPipe) }() // 401s are logged there
	if err := waitReady(addr, cmd); err != nil {
		return nil, err
	}
	return s, nil
}

// childEnv is this process's environment without HOOKSEAL_REDIS_URL:
// listen on memory must not pick Redis up from it.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOOKSEAL_REDIS_URL=") {
			env = append(env, kv)
		}
	}
	return env
}

// stop shuts listen down with SIGTERM and returns what it printed.
// waitLines waits until listen has printed n lines (an inbox prints each
// event when it runs it, after the sender's answer), or limit passes.
func (s *server) waitLines(n int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for s.lines.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) stopListen() ([]string, error) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	lines := <-s.stdout
	if err := s.cmd.Wait(); err != nil {
		return lines, fmt.Errorf("hookseal listen exited with %v after SIGTERM", err)
	}
	return lines, nil
}

// duplicates counts processed-event lines whose delivery key repeats.
func duplicates(lines []string) int {
	seen := make(map[string]bool, len(lines))
	dup := 0
	for _, l := range lines {
		var e struct {
			Delivery string `json:"delivery"`
		}
		if json.Unmarshal([]byte(l), &e) != nil || e.Delivery == "" {
			dup++ // not a processed-event line: count it as wrong
			continue
		}
		if seen[e.Delivery] {
			dup++
		}
		seen[e.Delivery] = true
	}
	return dup
}

// serveFloor is the floor: read, check the HMAC by hand, decode with
// encoding/json into plain types, answer.
func serveFloor(addr, key string) {
	type plainAlert struct {
		AlertTitle         string   `json:"alert_title"`
		AlertType          string   `json:"alert_type"`
		CheckID            string   `json:"check_id"`
		CheckName          string   `json:"check_name"`
		CheckType          string   `json:"check_type"`
		CheckResultID      string   `json:"check_result_id"`
		CheckErrorMessage  string   `json:"check_error_message"`
		CheckDescription   string   `json:"check_description"`
		GroupName          string   `json:"group_name"`
		ResponseTime       int      `json:"response_time,string"`
		ResultLink         string   `json:"result_link"`
		RunLocation        string   `json:"run_location"`
		Region             string   `json:"region"`
		StartedAt          string   `json:"started_at"`
		Tags               []string `json:"tags"`
		IsReminder         bool     `json:"is_reminder,string"`
		ReminderSequence   int      `json:"reminder_sequence,string"`
		ResponseStatusCode int      `json:"api_check_response_status_code,string"`
		ResponseStatusText string   `json:"api_check_response_status_text"`
		SSLCheckDomain     string   `json:"ssl_check_domain"`
		SSLDaysRemaining   int      `json:"ssl_days_remaining,string"`
		AIRootCause        string   `json:"ai_analysis_root_cause"`
		AIUserImpact       string   `json:"ai_analysis_user_impact"`
	}
	secret := []byte(key)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		sig, err := hex.DecodeString(r.Header.Get("X-Checkly-Signature"))
		m := hmac.New(sha256.New, secret)
		m.Write(body)
		if err != nil || !hmac.Equal(m.Sum(nil), sig) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var a plainAlert
		if err := json.Unmarshal(body, &a); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	if path := os.Getenv("LOADTEST_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor: cpu profile:", err)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	_ = srv.Shutdown(context.Background())
}

// runProxy runs hookseal proxy in front of the minimal upstream, inline or
// with its file inbox, and checks that the upstream got each valid
// delivery exactly once.
func runProxy(bin string, withInbox bool, warmup, measured []delivery, conc int, limit time.Duration, valid int) (*report, error) {
	upAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	up := exec.Command(self, "-serve-upstream", upAddr)
	up.Stderr = os.Stderr
	if err := up.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = up.Process.Signal(syscall.SIGTERM); _ = up.Wait() }()
	if err := waitReady(upAddr, up); err != nil {
		return nil, err
	}

	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hookseal-loadtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	name, want, store := "proxy-inline", "processed", "inbox: {enabled: false}"
	if withInbox {
		// Bounds large enough for the whole run, pending at once.
		name, want = "proxy-inbox", "accepted"
		store = fmt.Sprintf("data_dir: %s\ninbox: {max_entries: %d, max_bytes: %d%s}", dir, 4*(len(warmup)+len(measured)), 1<<30, inboxConcurrency())
	}
	config := fmt.Sprintf(`listen: %s
admin: ""
%s
upstream: {url: "http://%s/hooks", secret: {env: LOADTEST_PROXY_SECRET}}
routes:
  - {path: /checkly, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}}
`, addr, store, upAddr)
	path := filepath.Join(dir, "proxy.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return nil, err
	}
	hop := make([]byte, 32)
	_, _ = rand.Read(hop)
	cmd := exec.Command(bin, "proxy", "--config", path)
	cmd.Env = append(childEnv(), "CHECKLY_WEBHOOK_SECRET="+secret, "LOADTEST_PROXY_SECRET=whsec_"+base64.StdEncoding.EncodeToString(hop))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := waitReady(addr, cmd); err != nil {
		return nil, err
	}
	r, derr := drive(name, "http://"+addr+"/checkly", warmup, measured, conc, limit, want)
	// With the inbox the sender's answer comes before the forward: wait
	// for the upstream to have them all.
	got, gerr := waitUpstream(upAddr, valid, limit)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil && derr == nil {
		derr = fmt.Errorf("hookseal proxy exited with %v after SIGTERM", err)
	}
	if derr != nil {
		return nil, derr
	}
	if gerr != nil {
		r.problems = append(r.problems, fmt.Sprintf("%s: %v", name, gerr))
	} else if got.Received != valid || got.Unique != valid {
		r.problems = append(r.problems, fmt.Sprintf("%s: the upstream got %d requests for %d deliveries (%d distinct), want each valid one once", name, got.Received, valid, got.Unique))
	}
	return r, nil
}

// upstreamCount is what the minimal upstream has received.
type upstreamCount struct {
	Received int `json:"received"`
	Unique   int `json:"unique"` // distinct webhook-ids
}

// waitUpstream polls the upstream until it has want deliveries (or stops
// growing for a while).
func waitUpstream(addr string, want int, limit time.Duration) (upstreamCount, error) {
	deadline := time.Now().Add(limit)
	var c upstreamCount
	for {
		resp, err := http.Get("http://" + addr + "/count")
		if err != nil {
			return c, err
		}
		err = json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if err != nil {
			return c, err
		}
		if c.Received >= want || time.Now().After(deadline) {
			return c, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveUpstream is the minimal app behind the proxy: it reads each body
// and answers 204, counting requests and distinct webhook-ids.
func serveUpstream(addr string) {
	var mu sync.Mutex
	seen := map[string]bool{}
	received := 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		received++
		seen[r.Header.Get("Webhook-Id")] = true
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		c := upstreamCount{Received: received, Unique: len(seen)}
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(c)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "upstream:", err)
			os.Exit(1)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	_ = srv.Shutdown(context.Background())
}
