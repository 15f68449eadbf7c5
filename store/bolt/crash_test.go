package boltstore_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/internal/crashreceiver/crashtest"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
)

// The crash tests run internal/crashreceiver, a Checkly receiver whose
// inbox and dedupe state live in one file, as a real process, and kill it
// with SIGKILL at the points where a delivery could be lost or run twice.

// receiverBinary builds internal/crashreceiver for the test (the build
// cache makes every build after the first quick).
func receiverBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "crashreceiver")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/crashreceiver").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// receiver is one life of the receiver process.
type receiver struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
}

// startReceiver starts a receiver on the file db calling down, and waits
// until it listens.
func startReceiver(t *testing.T, bin, db string, down *crashtest.Downstream) *receiver {
	t.Helper()
	r, err := launchReceiver(t, bin, db, down)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// launchReceiver is startReceiver for a goroutine other than the test's,
// which must not call t.Fatal: it returns the error instead.
func launchReceiver(t *testing.T, bin, db string, down *crashtest.Downstream) (*receiver, error) {
	cmd := exec.Command(bin, "-db", db, "-downstream", down.URL(), "-secret", middlewaretest.Secret)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	r := &receiver{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t.Cleanup(r.kill)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		r.kill()
		return nil, fmt.Errorf("receiver did not start: %v\n%s", err, r.stderr)
	}
	r.url = "http://" + strings.TrimSpace(line)
	return r, nil
}

// kill sends SIGKILL and reaps the process; killing a dead one is a no-op.
func (r *receiver) kill() {
	if r.cmd.ProcessState != nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
}

func crashSetup(t *testing.T) (bin, db string, down *crashtest.Downstream) {
	if testing.Short() {
		t.Skip("crash tests build and kill a receiver process")
	}
	return receiverBinary(t), filepath.Join(t.TempDir(), "hookseal.db"), crashtest.NewDownstream(t)
}

// (a) Killed right after answering accepted, before any handler could
// finish: after the restart every accepted alert is handled, once.
func TestCrashAfterAccepted(t *testing.T) {
	bin, db, down := crashSetup(t)
	gate := crashtest.NewGate()
	down.SetDecide(func(_ http.ResponseWriter, r *http.Request, rn crashtest.Run) bool {
		return gate.Hold(r.Context(), rn.Receiver) // every call waits for the gate
	})
	rcv := startReceiver(t, bin, db, down)
	started := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := range 5 {
		if o := crashtest.Send(t, func() string { return rcv.url }, fmt.Sprintf("check-%d", i), started); o != middleware.Accepted {
			t.Fatalf("check-%d: %s, want accepted", i, o)
		}
	}
	rcv.kill()
	if err := gate.WaitReleased(rcv.cmd.Process.Pid, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	gate.Open()
	startReceiver(t, bin, db, down)
	runs := down.WaitFor(t, 30*time.Second, "all five handled", func(_, runs []crashtest.Run) bool { return len(crashtest.ByEvent(runs)) == 5 })
	time.Sleep(500 * time.Millisecond) // nothing more may come
	_, all := down.Snapshot()
	for ev, rs := range crashtest.ByEvent(all) {
		if len(rs) != 1 {
			t.Errorf("%s handled %d times: %+v", ev, len(rs), rs)
		}
	}
	if len(runs) < 5 {
		t.Fatalf("runs %+v", runs)
	}
}

// (b) Killed in the middle of a handler: the alert is handled after the
// restart, again, with the same idempotency key and the next attempt.
func TestCrashMidHandler(t *testing.T) {
	bin, db, down := crashSetup(t)
	inCall := make(chan crashtest.Run, 1)
	down.SetDecide(func(_ http.ResponseWriter, r *http.Request, rn crashtest.Run) bool {
		select {
		case inCall <- rn:
		default:
		}
		<-r.Context().Done() // never answers this life
		return false
	})
	rcv := startReceiver(t, bin, db, down)
	started := time.Now().Add(-time.Minute).Truncate(time.Second)
	if o := crashtest.Send(t, func() string { return rcv.url }, "check-b", started); o != middleware.Accepted {
		t.Fatalf("%s, want accepted", o)
	}
	first := <-inCall
	rcv.kill()
	down.SetDecide(nil)
	startReceiver(t, bin, db, down)
	runs := down.WaitFor(t, 30*time.Second, "handled after the restart", func(_, runs []crashtest.Run) bool { return len(runs) == 1 })
	if got := runs[0]; got.Key != first.Key || got.Attempt != first.Attempt+1 || got.Receiver == first.Receiver {
		t.Fatalf("after the restart: %+v; the killed run was %+v: want the same key, the next attempt, the new process", got, first)
	}
}

// (c) Killed between the handler's success and its acknowledgement: the
// downstream has answered 200, and the receiver dies before it can record
// it. The alert runs again after the restart, with the same key: the
// downstream can tell it is the same alert. (The kill is sent from the
// downstream's handler once its answer is on the wire; should the receiver
// win that race and acknowledge first, the alert runs once, which the
// contract allows too.)
func TestCrashBetweenSuccessAndAck(t *testing.T) {
	bin, db, down := crashSetup(t)
	var rcv *receiver
	var once sync.Once
	down.SetDecide(func(w http.ResponseWriter, _ *http.Request, rn crashtest.Run) bool {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		down.Record(rn)   // answered: the side effect is done
		once.Do(rcv.kill) // and the receiver has its 200
		return false
	})
	rcv = startReceiver(t, bin, db, down)
	started := time.Now().Add(-time.Minute).Truncate(time.Second)
	if o := crashtest.Send(t, func() string { return rcv.url }, "check-c", started); o != middleware.Accepted {
		t.Fatalf("%s, want accepted", o)
	}
	down.WaitFor(t, 10*time.Second, "the first run", func(_, runs []crashtest.Run) bool { return len(runs) == 1 })
	startReceiver(t, bin, db, down)
	time.Sleep(3 * time.Second) // the dead life's lease (1 s) runs out; the entry runs again
	_, runs := down.Snapshot()
	for _, r := range runs {
		if r.Key != runs[0].Key {
			t.Fatalf("runs under different keys: %+v", runs)
		}
	}
	switch len(runs) {
	case 2:
		if runs[1].Attempt != 2 {
			t.Fatalf("the second run: %+v, want attempt 2", runs[1])
		}
		t.Logf("the kill landed before the acknowledgement: ran twice under key %s", runs[0].Key)
	case 1:
		t.Logf("the receiver acknowledged before the kill landed: ran once")
	default:
		t.Fatalf("runs %+v", runs)
	}
}

// 1,000 alerts over 8 checks, the receiver killed at random moments and
// restarted: every accepted alert is handled, each check's in order.
func TestCrashRandomKills(t *testing.T) {
	bin, db, down := crashSetup(t)
	down.SetDecide(func(http.ResponseWriter, *http.Request, crashtest.Run) bool {
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond) // a downstream takes a moment
		return true
	})
	var mu sync.Mutex
	rcv := startReceiver(t, bin, db, down)
	url := func() string { mu.Lock(); defer mu.Unlock(); return rcv.url }

	const checks, per, maxKills = 8, 125, 12
	base := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	killed := make(chan int, 1)
	go func() { // the killer: maxKills kills, while the alerts are sent and run
		n := 0
		defer func() { killed <- n }()
		for n < maxKills {
			time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
			mu.Lock()
			rcv.kill()
			r, err := launchReceiver(t, bin, db, down)
			if err == nil {
				rcv = r
			}
			mu.Unlock()
			if err != nil {
				t.Error(err)
				return
			}
			n++
		}
	}()
	var wg sync.WaitGroup
	var amu sync.Mutex
	accepted := map[string]bool{}
	for c := range checks {
		wg.Go(func() {
			for i := range per {
				// Paced, so that the sending spans the kills: the
				// receiver is killed while it accepts, not only while
				// it runs what it accepted.
				time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
				check, started := fmt.Sprintf("check-%d", c), base.Add(time.Duration(i)*time.Second)
				if o := crashtest.Send(t, url, check, started); o == middleware.Accepted || o == middleware.Duplicate {
					amu.Lock()
					accepted[check+"@"+started.UTC().Format(time.RFC3339)] = true
					amu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	kills := <-killed
	down.WaitFor(t, 60*time.Second, "every accepted alert handled", func(_, runs []crashtest.Run) bool {
		return len(crashtest.ByEvent(runs)) >= len(accepted)
	})
	time.Sleep(time.Second) // let re-runs of the last moments land
	_, runs := down.Snapshot()
	c := crashtest.Count(accepted, runs)
	if c.TwoKeys > 0 {
		t.Errorf("%d alerts ran under two keys: %+v", c.TwoKeys, crashtest.ByEvent(runs))
	}
	t.Logf("%d kills: %d sent, %d accepted, %d handled (%d more than once, same key), %d lost, %d order violations",
		kills, checks*per, len(accepted), c.Handled, c.Twice, c.Lost, c.OrderViolations)
	if len(accepted) != checks*per || c.Lost != 0 || c.OrderViolations != 0 || c.Unknown != 0 {
		t.Fatalf("want all %d accepted, 0 lost, 0 order violations, nothing unknown", checks*per)
	}
	if kills != maxKills {
		t.Fatalf("%d kills, want %d", kills, maxKills)
	}
}
