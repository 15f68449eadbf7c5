package redisstore_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/internal/crashreceiver"
	"github.com/hookseal/hookseal/internal/crashreceiver/crashtest"
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
	down                         *crashtest.Downstream
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
	return &crashSetup{bin: bin, redisURL: srv.URL(), inbox: uniqueName(t), prefix: uniquePrefix(t), down: crashtest.NewDownstream(t)}
}

// launch starts a receiver and waits until it listens; it is killed when
// the test ends.
func (s *crashSetup) launch(t *testing.T) (*crashReceiver, error) {
	args := []string{"-redis", s.redisURL, "-inbox", s.inbox, "-prefix", s.prefix,
		"-downstream", s.down.URL(), "-secret", middlewaretest.Secret}
	if s.beforeAck {
		args = append(args, "-before-ack", s.down.URL()+"/ack")
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

// sendAccepted sends one alert to r and fails the test unless it is
// accepted.
func sendAccepted(t *testing.T, r *crashReceiver, check string, started time.Time) {
	t.Helper()
	if o := crashtest.Send(t, func() string { return r.url }, check, started); o != middleware.Accepted {
		t.Fatalf("%s: %s, want accepted", check, o)
	}
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
	if _, runs := s.down.Snapshot(); len(runs) != before {
		t.Fatalf("after the restart, %d runs, want still %d: %v", len(runs), before, runs)
	}
	sendAccepted(t, restarted, check, started)
	s.down.WaitFor(t, 10*time.Second, "the restarted replica's alert handled", func(_, runs []crashtest.Run) bool {
		return len(runs) > before
	})
	time.Sleep(crashreceiver.Lease / 2) // nothing more may come
	_, runs := s.down.Snapshot()
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
	gate := crashtest.NewGate()
	s.down.SetDecide(func(_ http.ResponseWriter, r *http.Request, rn crashtest.Run) bool {
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
	s.down.WaitFor(t, 10*time.Second, "the replica that accepted them running one", func(calls, _ []crashtest.Run) bool {
		return slices.ContainsFunc(calls, func(c crashtest.Run) bool { return c.Receiver == killed.pid })
	})
	killed.kill()
	killedAt := time.Now()
	if err := gate.WaitReleased(killed.pid, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	gate.Open()
	s.down.WaitFor(t, 30*time.Second, "all six handled", func(_, runs []crashtest.Run) bool {
		return len(crashtest.ByEvent(runs)) == n
	})
	time.Sleep(crashreceiver.Lease / 2) // nothing more may come
	calls, runs := s.down.Snapshot()
	held := map[string]crashtest.Run{} // the dead replica's calls, each of an entry it had leased
	for _, c := range calls {
		if c.Receiver == killed.pid {
			held[c.Event()] = c
		}
	}
	for ev, evRuns := range crashtest.ByEvent(runs) {
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
			if d := r.At.Sub(killedAt); d < crashreceiver.Lease/3 {
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
	inCall := make(chan crashtest.Run, 1)
	var once sync.Once
	s.down.SetDecide(func(_ http.ResponseWriter, r *http.Request, rn crashtest.Run) bool {
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
	var first crashtest.Run
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
	runs := s.down.WaitFor(t, 30*time.Second, "run again", func(_, runs []crashtest.Run) bool { return len(runs) == 1 })
	got := runs[0]
	if got.Key != first.Key || got.Attempt != first.Attempt+1 || got.Receiver != survivor.pid {
		t.Fatalf("taken over: %v; the killed run was %v: want the same key, the next attempt, the surviving replica %d", got, first, survivor.pid)
	}
	d := got.At.Sub(killedAt)
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
	killed := make(chan crashtest.Run, 1)
	var once sync.Once
	s.down.SetBeforeAck(func(_ http.ResponseWriter, _ *http.Request, rn crashtest.Run) {
		once.Do(func() {
			mu.Lock()
			_, holder := other(rs, rn.Receiver)
			mu.Unlock()
			if holder != nil {
				holder.kill()
			}
			rn.At = time.Now()
			killed <- rn
		})
	})
	mu.Lock()
	rs = [2]*crashReceiver{s.start(t), s.start(t)}
	mu.Unlock()
	started := time.Now().Add(-time.Minute).Truncate(time.Second)
	sendAccepted(t, rs[0], "check-c", started)
	var dead crashtest.Run
	select {
	case dead = <-killed:
	case <-time.After(10 * time.Second):
		t.Fatal("the alert did not run within 10 s")
	}
	survivor, holder := other(rs, dead.Receiver)
	if holder == nil {
		t.Fatalf("the acknowledgement came from %d, neither replica (%d, %d)", dead.Receiver, rs[0].pid, rs[1].pid)
	}
	runs := s.down.WaitFor(t, 30*time.Second, "run again", func(_, runs []crashtest.Run) bool { return len(runs) == 2 })
	first, again := runs[0], runs[1]
	if first.Receiver != holder.pid {
		t.Fatalf("the first run %v, want it by the killed replica %d", first, holder.pid)
	}
	if again.Key != first.Key || again.Attempt != first.Attempt+1 || again.Receiver != survivor.pid {
		t.Fatalf("taken over: %v; the first run was %v: want the same key, the next attempt, the surviving replica %d", again, first, survivor.pid)
	}
	d := again.At.Sub(dead.At)
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
	s.down.SetDecide(func(http.ResponseWriter, *http.Request, crashtest.Run) bool {
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
				if o := crashtest.Send(t, url, check, started); o == middleware.Accepted || o == middleware.Duplicate {
					amu.Lock()
					accepted[crashtest.Event(check, started)] = true
					amu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	kills := <-killed
	// Wait for every accepted alert (counted below as lost if it does not
	// come), then let re-runs of the last moments land.
	s.down.Await(60*time.Second, func(_, runs []crashtest.Run) bool { return len(crashtest.ByEvent(runs)) >= len(accepted) })
	time.Sleep(crashreceiver.Lease + crashreceiver.Lease/2)
	_, runs := s.down.Snapshot()
	c := crashtest.Count(accepted, runs)
	if c.TwoKeys > 0 {
		t.Errorf("%d alerts ran under two keys: %v", c.TwoKeys, crashtest.ByEvent(runs))
	}
	t.Logf("2 replicas, %d kills (%d of both at once): %d sent, %d accepted, %d handled (%d more than once with the same key, %d under two keys), %d lost, %d order violations",
		kills.kills, kills.both, checks*per, len(accepted), c.Handled, c.Twice-c.TwoKeys, c.TwoKeys, c.Lost, c.OrderViolations)
	if len(accepted) != checks*per || c.Lost != 0 || c.OrderViolations != 0 || c.Unknown != 0 || c.TwoKeys != 0 {
		t.Fatalf("want all %d accepted, 0 lost, 0 order violations, none under two keys, nothing unknown (%d)", checks*per, c.Unknown)
	}
	if kills.kills != maxKills {
		t.Fatalf("%d kills, want %d", kills.kills, maxKills)
	}
}
