package redisstore_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/internal/crashreceiver"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
)

// The crash tests run internal/crashreceiver, a Checkly receiver whose
// inbox, dedupe and ordering state live in Redis, as real processes: two
// replicas on one inbox, as a receiver deployed twice runs. They kill one
// with SIGKILL at the points where a delivery could be lost or run twice,
// check that the other takes over what the dead one held once its lease
// has run out, and restart the dead one. store/bolt's crash tests kill the
// same receiver on a file.

// crashRun is what the downstream heard from one run of the handler, and
// when.
type crashRun struct {
	crashreceiver.Run
	at time.Time
}

// event names one alert: its check and its time.
func (r crashRun) event() string { return crashEvent(r.Check, r.Started) }

func (r crashRun) String() string {
	return fmt.Sprintf("%s attempt %d by %d (key %s)", r.event(), r.Attempt, r.Receiver, r.Key)
}

func crashEvent(check string, started time.Time) string {
	return check + "@" + started.UTC().Format(time.RFC3339)
}

// crashDownstream is the service the receivers' handlers call. It notes
// every call it gets (calls), and records each run it answers 200 to a
// receiver still connected (runs). decide, when set, sees each call first
// and returns whether to go on to that (it may answer and record the call
// itself). beforeAck, when set, sees the receivers' calls to /ack, made
// after a successful run and before its acknowledgement (-before-ack);
// they are answered at once otherwise.
type crashDownstream struct {
	srv       *httptest.Server
	mu        sync.Mutex
	calls     []crashRun
	runs      []crashRun
	decide    func(w http.ResponseWriter, r *http.Request, rn crashRun) (record bool)
	beforeAck func(w http.ResponseWriter, r *http.Request, rn crashRun)
}

func newCrashDownstream(t *testing.T) *crashDownstream {
	d := &crashDownstream{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rn := crashRun{at: time.Now()}
		if err := json.NewDecoder(r.Body).Decode(&rn.Run); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		d.mu.Lock()
		decide, beforeAck := d.decide, d.beforeAck
		if r.URL.Path != "/ack" {
			d.calls = append(d.calls, rn)
		}
		d.mu.Unlock()
		if r.URL.Path == "/ack" {
			if beforeAck != nil {
				beforeAck(w, r, rn)
			}
			return
		}
		if decide != nil && !decide(w, r, rn) {
			return
		}
		if r.Context().Err() != nil {
			return // the receiver died while we held its call: it never saw a success
		}
		d.record(rn)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *crashDownstream) record(rn crashRun) {
	d.mu.Lock()
	d.runs = append(d.runs, rn)
	d.mu.Unlock()
}

func (d *crashDownstream) setDecide(f func(w http.ResponseWriter, r *http.Request, rn crashRun) bool) {
	d.mu.Lock()
	d.decide = f
	d.mu.Unlock()
}

func (d *crashDownstream) setBeforeAck(f func(w http.ResponseWriter, r *http.Request, rn crashRun)) {
	d.mu.Lock()
	d.beforeAck = f
	d.mu.Unlock()
}

func (d *crashDownstream) snapshot() (calls, runs []crashRun) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]crashRun(nil), d.calls...), append([]crashRun(nil), d.runs...)
}

// await waits up to timeout for the recorded calls and runs to satisfy
// ok, and returns whether they did, and the runs.
func (d *crashDownstream) await(timeout time.Duration, ok func(calls, runs []crashRun) bool) (bool, []crashRun) {
	deadline := time.Now().Add(timeout)
	for {
		calls, runs := d.snapshot()
		if ok(calls, runs) {
			return true, runs
		}
		if time.Now().After(deadline) {
			return false, runs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFor is await, failing the test when the runs do not come.
func (d *crashDownstream) waitFor(t *testing.T, timeout time.Duration, what string, ok func(calls, runs []crashRun) bool) []crashRun {
	t.Helper()
	done, runs := d.await(timeout, ok)
	if !done {
		calls, _ := d.snapshot()
		t.Fatalf("%s: not within %s; calls %v; runs %v", what, timeout, calls, runs)
	}
	return runs
}

// crashReceiver is one life of one replica of the receiver.
type crashReceiver struct {
	cmd    *exec.Cmd
	url    string
	pid    int
	stderr *bytes.Buffer
	once   sync.Once // of kill
}

// crashSetup is what the receivers of one test share: the binary, the
// Redis server, the inbox's name and the keys' prefix, the downstream.
type crashSetup struct {
	bin, redisURL, inbox, prefix string
	down                         *crashDownstream
	beforeAck                    bool // start receivers with -before-ack
}

// newCrashSetup builds internal/crashreceiver for the test (the build
// cache makes every build after the first quick), on an inbox of its own
// on the shared redis-server.
func newCrashSetup(t *testing.T) *crashSetup {
	t.Helper()
	if testing.Short() {
		t.Skip("crash tests build and kill receiver processes (make test-long runs them)")
	}
	srv := needRedis(t)
	bin := filepath.Join(t.TempDir(), "crashreceiver")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/crashreceiver").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return &crashSetup{bin: bin, redisURL: srv.URL(), inbox: uniqueName(t), prefix: uniquePrefix(t), down: newCrashDownstream(t)}
}

// launch starts a receiver and waits until it listens; it is killed when
// the test ends.
func (s *crashSetup) launch(t *testing.T) (*crashReceiver, error) {
	args := []string{"-redis", s.redisURL, "-inbox", s.inbox, "-prefix", s.prefix,
		"-downstream", s.down.srv.URL, "-secret", middlewaretest.Secret}
	if s.beforeAck {
		args = append(args, "-before-ack", s.down.srv.URL+"/ack")
	}
	cmd := exec.Command(s.bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	r := &crashReceiver{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r.pid = cmd.Process.Pid
	t.Cleanup(r.kill)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		r.kill()
		return nil, fmt.Errorf("receiver did not start: %v\n%s", err, r.stderr)
	}
	r.url = "http://" + strings.TrimSpace(line)
	return r, nil
}

func (s *crashSetup) start(t *testing.T) *crashReceiver {
	t.Helper()
	r, err := s.launch(t)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// kill sends SIGKILL and reaps the process; killing a dead one is a no-op.
// It is safe for concurrent use.
func (r *crashReceiver) kill() {
	r.once.Do(func() {
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		_ = r.cmd.Wait()
	})
}

var crashClient = &http.Client{Timeout: 5 * time.Second}

// crashSend delivers one alert as Checkly does, retrying (connection
// refused while a receiver restarts, 409 while a dead life's claim runs
// out, 503) until it is answered accepted or duplicate, for up to a
// minute.
func crashSend(t *testing.T, url func() string, check string, started time.Time) middleware.Outcome {
	t.Helper()
	body := middlewaretest.AlertBody(checkly.AlertFailure, check, started)
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := crashClient.Do(middlewaretest.Sign(t, url(), body, time.Now()))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch o := middleware.Outcome(resp.Header.Get(middleware.OutcomeHeader)); o {
			case middleware.Accepted, middleware.Duplicate:
				return o
			case middleware.InFlight, middleware.StoreUnavailable, middleware.InboxFull, "":
			default:
				t.Errorf("%s: answered %d %s", check, resp.StatusCode, o)
				return o
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("%s at %s: not accepted within a minute (last error %v)", check, started, err)
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sendAccepted sends one alert to r and fails the test unless it is
// accepted.
func sendAccepted(t *testing.T, r *crashReceiver, check string, started time.Time) {
	t.Helper()
	if o := crashSend(t, func() string { return r.url }, check, started); o != middleware.Accepted {
		t.Fatalf("%s: %s, want accepted", check, o)
	}
}

// crashByEvent groups runs by the alert they ran.
func crashByEvent(runs []crashRun) map[string][]crashRun {
	m := map[string][]crashRun{}
	for _, r := range runs {
		m[r.event()] = append(m[r.event()], r)
	}
	return m
}

// other returns the one of the two replicas whose pid is not pid, and the
// one whose pid it is.
func other(rs [2]*crashReceiver, pid int) (survivor, holder *crashReceiver) {
	if rs[0].pid == pid {
		return rs[1], rs[0]
	}
	if rs[1].pid != pid {
		return nil, nil
	}
	return rs[0], rs[1]
}

// restartAndServe is how each of the tests below ends: it restarts the
// killed replica, checks that nothing more runs once a lease has passed
// (the runs so far are final), that the restarted replica accepts an alert
// of its own, and that the alert is handled once.
func restartAndServe(t *testing.T, s *crashSetup, before int, check string, started time.Time) {
	t.Helper()
	restarted := s.start(t)
	time.Sleep(crashreceiver.Lease + crashreceiver.Lease/2)
	if _, runs := s.down.snapshot(); len(runs) != before {
		t.Fatalf("after the restart, %d runs, want still %d: %v", len(runs), before, runs)
	}
	sendAccepted(t, restarted, check, started)
	s.down.waitFor(t, 10*time.Second, "the restarted replica's alert handled", func(_, runs []crashRun) bool {
		return len(runs) > before
	})
	time.Sleep(crashreceiver.Lease / 2) // nothing more may come
	_, runs := s.down.snapshot()
	if len(runs) != before+1 || runs[before].Check != check || runs[before].Attempt != 1 {
		t.Fatalf("after the restarted replica's alert: runs %v, want one more, %s at attempt 1", runs, check)
	}
}

// (a) Two replicas; one is killed right after answering accepted, before
// any handler could finish (the downstream holds every call until then):
// the other runs every accepted alert, those the dead one had leased once
// their leases have run out; each alert is handled once. The killed
// replica is restarted: it runs nothing again, and serves.
func TestCrashAfterAccepted(t *testing.T) {
	s := newCrashSetup(t)
	gate := crashreceiver.NewGate()
	s.down.setDecide(func(_ http.ResponseWriter, r *http.Request, rn crashRun) bool {
		return gate.Hold(r.Context(), rn.Receiver) // every call waits for the gate
	})
	rs := [2]*crashReceiver{s.start(t), s.start(t)}
	killed, survivor := rs[0], rs[1]
	started := time.Now().Add(-time.Minute).Truncate(time.Second)
	// Six alerts on six checks, all accepted by one replica, which is
	// killed as soon as it runs one of them (within milliseconds): a
	// replica runs four at most at once, so it runs at least two of the
	// six, whatever the other takes.
	const n = 6
	for i := range n {
		sendAccepted(t, killed, fmt.Sprintf("check-%d", i), started)
	}
	s.down.waitFor(t, 10*time.Second, "the replica that accepted them running one", func(calls, _ []crashRun) bool {
		return slices.ContainsFunc(calls, func(c crashRun) bool { return c.Receiver == killed.pid })
	})
	killed.kill()
	killedAt := time.Now()
	if err := gate.WaitReleased(killed.pid, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	gate.Open()
	s.down.waitFor(t, 30*time.Second, "all six handled", func(_, runs []crashRun) bool {
		return len(crashByEvent(runs)) == n
	})
	time.Sleep(crashreceiver.Lease / 2) // nothing more may come
	calls, runs := s.down.snapshot()
	held := map[string]crashRun{} // the dead replica's calls, each of an entry it had leased
	for _, c := range calls {
		if c.Receiver == killed.pid {
			held[c.event()] = c
		}
	}
	for ev, evRuns := range crashByEvent(runs) {
		if len(evRuns) != 1 {
			t.Errorf("%s handled %d times: %v", ev, len(evRuns), evRuns)
			continue
		}
		r := evRuns[0]
		if r.Receiver != survivor.pid {
			t.Errorf("%s handled by %d, want the surviving replica %d", ev, r.Receiver, survivor.pid)
		}
		if c, ok := held[ev]; ok {
			if r.Key != c.Key || r.Attempt != c.Attempt+1 {
				t.Errorf("%s: the dead replica's run was %v, the survivor's %v: want the same key, the next attempt", ev, c, r)
			}
			if d := r.at.Sub(killedAt); d < crashreceiver.Lease/3 {
				t.Errorf("%s: the dead replica's entry ran again %s after the kill, before its lease (%s) could run out", ev, d, crashreceiver.Lease)
			}
		}
	}
	if len(held) == 0 {
		t.Fatal("the killed replica held none of the alerts")
	}
	t.Logf("the killed replica had leased %d of the %d alerts; the survivor took them over", len(held), n)
	if len(runs) != n {
		t.Fatalf("runs %v", runs)
	}
	restartAndServe(t, s, n, "check-after-restart", started)
}

// (b) Two replicas; the one running the handler is killed in the middle
// of it. The other runs the alert again once the dead one's lease has run
// out, with the same idempotency key and the next attempt. The killed
// replica is restarted: it runs nothing again, and serves.
func TestCrashMidHandler(t *testing.T) {
	s := newCrashSetup(t)
	inCall := make(chan crashRun, 1)
	var once sync.Once
	s.down.setDecide(func(_ http.ResponseWriter, r *http.Request, rn crashRun) bool {
		first := false
		once.Do(func() { first = true })
		if !first {
			return true
		}
		inCall <- rn
		<-r.Context().Done() // never answers this call
		return false
	})
	rs := [2]*crashReceiver{s.start(t), s.start(t)}
	started := time.Now().Add(-time.Minute).Truncate(time.Second)
	sendAccepted(t, rs[0], "check-b", started)
	var first crashRun
	select {
	case first = <-inCall:
	case <-time.After(10 * time.Second):
		t.Fatal("the alert did not run within 10 s")
	}
	survivor, holder := other(rs, first.Receiver)
	if holder == nil {
		t.Fatalf("the run came from %d, neither replica (%d, %d)", first.Receiver, rs[0].pid, rs[1].pid)
	}
	holder.kill()
	killedAt := time.Now()
	runs := s.down.waitFor(t, 30*time.Second, "run again", func(_, runs []crashRun) bool { return len(runs) == 1 })
	got := runs[0]
	if got.Key != first.Key || got.Attempt != first.Attempt+1 || got.Receiver != survivor.pid {
		t.Fatalf("taken over: %v; the killed run was %v: want the same key, the next attempt, the surviving replica %d", got, first, survivor.pid)
	}
	d := got.at.Sub(killedAt)
	if d < crashreceiver.Lease/3 {
		t.Fatalf("run again %s after the kill, before the dead replica's lease (%s) could run out", d, crashreceiver.Lease)
	}
	t.Logf("the surviving replica took the entry over %s after the kill", d.Round(time.Millisecond))
	restartAndServe(t, s, 1, "check-b-after-restart", started)
}

// (c) Two replicas; the one running the alert is killed between the
// handler's success (the downstream has answered 200 and recorded the run)
// and its acknowledgement: the receiver's inbox calls the downstream's
// /ack before each Ack, and the downstream kills it there. The other
// replica runs the alert again once the dead one's lease has run out,
// with the same key: the downstream can tell it is the same alert. The
// killed replica is restarted: it runs nothing again, and serves.
func TestCrashBetweenSuccessAndAck(t *testing.T) {
	s := newCrashSetup(t)
	s.beforeAck = true
	var mu sync.Mutex
	var rs [2]*crashReceiver
	killed := make(chan crashRun, 1)
	var once sync.Once
	s.down.setBeforeAck(func(_ http.ResponseWriter, _ *http.Request, rn crashRun) {
		once.Do(func() {
			mu.Lock()
			_, holder := other(rs, rn.Receiver)
			mu.Unlock()
			if holder != nil {
				holder.kill()
			}
			rn.at = time.Now()
			killed <- rn
		})
	})
	mu.Lock()
	rs = [2]*crashReceiver{s.start(t), s.start(t)}
	mu.Unlock()
	started := time.Now().Add(-time.Minute).Truncate(time.Second)
	sendAccepted(t, rs[0], "check-c", started)
	var dead crashRun
	select {
	case dead = <-killed:
	case <-time.After(10 * time.Second):
		t.Fatal("the alert did not run within 10 s")
	}
	survivor, holder := other(rs, dead.Receiver)
	if holder == nil {
		t.Fatalf("the acknowledgement came from %d, neither replica (%d, %d)", dead.Receiver, rs[0].pid, rs[1].pid)
	}
	runs := s.down.waitFor(t, 30*time.Second, "run again", func(_, runs []crashRun) bool { return len(runs) == 2 })
	first, again := runs[0], runs[1]
	if first.Receiver != holder.pid {
		t.Fatalf("the first run %v, want it by the killed replica %d", first, holder.pid)
	}
	if again.Key != first.Key || again.Attempt != first.Attempt+1 || again.Receiver != survivor.pid {
		t.Fatalf("taken over: %v; the first run was %v: want the same key, the next attempt, the surviving replica %d", again, first, survivor.pid)
	}
	d := again.at.Sub(dead.at)
	if d < crashreceiver.Lease/3 {
		t.Fatalf("run again %s after the kill, before the dead replica's lease (%s) could run out", d, crashreceiver.Lease)
	}
	t.Logf("ran twice under key %s; the surviving replica took it over %s after the kill", first.Key, d.Round(time.Millisecond))
	restartAndServe(t, s, 2, "check-c-after-restart", started)
}

// 1,000 alerts over 8 checks (200 under -short) sent to two replicas,
// which are killed 12 times (4 under -short) at random moments, one or
// both at once, each restarted after a random pause: every accepted alert
// is handled, each check's in order; an alert handled more than once is
// handled under one key.
func TestCrashRandomKills(t *testing.T) {
	s := newCrashSetup(t)
	s.down.setDecide(func(http.ResponseWriter, *http.Request, crashRun) bool {
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond) // a downstream takes a moment
		return true
	})
	const checks = 8
	const per, maxKills = 125, 12
	var mu sync.Mutex
	rs := [2]*crashReceiver{s.start(t), s.start(t)}
	url := func() string { mu.Lock(); defer mu.Unlock(); return rs[rand.IntN(2)].url }

	base := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	type tally struct{ kills, both int }
	killed := make(chan tally, 1)
	go func() { // the killer: maxKills kills, while the alerts are sent and run
		var n tally
		defer func() { killed <- n }()
		for n.kills < maxKills {
			time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
			victims := []int{rand.IntN(2)}
			if rand.IntN(4) == 0 {
				victims, n.both = []int{0, 1}, n.both+1
			}
			mu.Lock()
			for _, i := range victims {
				rs[i].kill()
			}
			mu.Unlock()
			n.kills++
			time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond) // the survivor, if any, alone
			for _, i := range victims {
				r, err := s.launch(t)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				rs[i] = r
				mu.Unlock()
			}
		}
	}()
	var wg sync.WaitGroup
	var amu sync.Mutex
	accepted := map[string]bool{}
	for c := range checks {
		wg.Go(func() {
			for i := range per {
				check, started := fmt.Sprintf("check-%d", c), base.Add(time.Duration(i)*time.Second)
				if o := crashSend(t, url, check, started); o == middleware.Accepted || o == middleware.Duplicate {
					amu.Lock()
					accepted[crashEvent(check, started)] = true
					amu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	kills := <-killed
	// Wait for every accepted alert (counted below as lost if it does not
	// come), then let re-runs of the last moments land.
	s.down.await(60*time.Second, func(_, runs []crashRun) bool { return len(crashByEvent(runs)) >= len(accepted) })
	time.Sleep(crashreceiver.Lease + crashreceiver.Lease/2)
	_, runs := s.down.snapshot()
	handled := crashByEvent(runs)
	lost, twice, twoKeys, unknown := 0, 0, 0, 0
	for ev := range accepted {
		if len(handled[ev]) == 0 {
			lost++
		}
	}
	for ev, rs := range handled {
		if !accepted[ev] {
			unknown++
		}
		if len(rs) > 1 {
			twice++
			for _, r := range rs {
				if r.Key != rs[0].Key {
					twoKeys++
					t.Errorf("%s ran under two keys: %v", ev, rs)
					break
				}
			}
		}
	}
	violations := 0
	last := map[string]time.Time{}
	for _, r := range runs { // in the order the downstream answered them
		if r.Started.Before(last[r.Check]) {
			violations++
		}
		last[r.Check] = r.Started
	}
	t.Logf("2 replicas, %d kills (%d of both at once): %d sent, %d accepted, %d handled (%d more than once with the same key, %d under two keys), %d lost, %d order violations",
		kills.kills, kills.both, checks*per, len(accepted), len(handled), twice-twoKeys, twoKeys, lost, violations)
	if len(accepted) != checks*per || lost != 0 || violations != 0 || unknown != 0 || twoKeys != 0 {
		t.Fatalf("want all %d accepted, 0 lost, 0 order violations, none under two keys, nothing unknown (%d)", checks*per, unknown)
	}
	if kills.kills != maxKills {
		t.Fatalf("%d kills, want %d", kills.kills, maxKills)
	}
}
