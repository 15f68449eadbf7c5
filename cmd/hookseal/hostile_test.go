package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/internal/hostile"
	"github.com/hookseal/hookseal/middleware"
)

// TestListenHostileInput runs the shared hostile suite against a real
// `hookseal listen` over loopback: every request gets its documented
// status and outcome, none is printed as processed, a control delivery is
// still processed after each round, and the process's resident memory does
// not keep growing.
func TestListenHostileInput(t *testing.T) {
	t.Parallel()
	const secret = "hostile-listen-secret"
	p := startListen(t, []string{"CHECKLY_WEBHOOK_SECRET=" + secret})
	target := hostile.Target{Path: "/checkly", Secret: secret, MaxBody: middleware.DefaultMaxBodyBytes, MaxHeaderBytes: 64 << 10}

	round := func(n int) {
		t.Helper()
		target.Now = time.Now()
		for _, c := range hostile.Cases(target) {
			status, outcome, err := hostile.Send(p.addr, c.Raw, 10*time.Second)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if status != c.Status || outcome != c.Outcome {
				t.Errorf("%s: answered %d %q, want %d %q", c.Name, status, outcome, c.Status, c.Outcome)
			}
		}
		status, outcome, err := hostile.Send(p.addr, hostile.Valid(target, n), 10*time.Second)
		if err != nil || status != 200 || outcome != "processed" {
			t.Fatalf("control delivery after round %d: %d %q %v", n, status, outcome, err)
		}
	}
	round(0)
	if t.Failed() {
		return
	}
	rss0 := rssKiB(t, p.cmd.Process.Pid)
	const rounds = 5
	for n := 1; n <= rounds; n++ {
		round(n)
	}
	rss1 := rssKiB(t, p.cmd.Process.Pid)
	t.Logf("listen RSS %d KiB after one round, %d KiB after %d more", rss0, rss1, rounds)
	if rss1 > rss0+64<<10 {
		t.Errorf("listen's RSS grew from %d KiB to %d KiB over %d rounds", rss0, rss1, rounds)
	}

	// Exactly the control deliveries were processed: one stdout line each.
	p.stdout.wait(t, 0, "for the last control delivery", func(m map[string]any) bool {
		return m["resource"] == "control-"+strconv.Itoa(rounds)
	})
	if got := len(p.stdout.snapshot()); got != rounds+1 {
		t.Fatalf("listen printed %d processed events, want %d (the control deliveries only):\n%s", got, rounds+1, p.stdout.text())
	}
}

// rssKiB reads a process's resident set size from /proc.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc to read memory from: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", l, err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}

// TestListenCutsOffSlowClients holds a connection open sending one header
// byte a second (a slowloris): listen's ReadHeaderTimeout (5 s) must close
// it, while a normal client is served meanwhile.
func TestListenCutsOffSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 5 s")
	}
	p := startListen(t, []string{"CHECKLY_WEBHOOK_SECRET=slow-client-secret"})
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST /checkly HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		// The server answers 408 or just closes; either way reads end.
		_, _ = io.Copy(io.Discard, bufio.NewReader(c))
		closed <- time.Since(start)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case d := <-closed:
			if d < 4*time.Second {
				t.Fatalf("connection closed after %v, before the 5 s header timeout", d)
			}
			t.Logf("slow client cut off after %v", d.Round(100*time.Millisecond))
			return
		case <-tick.C:
			if time.Since(start) > 15*time.Second {
				t.Fatal("a client sending a byte a second was still connected after 15 s")
			}
			_, _ = c.Write([]byte("a")) // fails once the server has closed
			if time.Since(start) > 2*time.Second && time.Since(start) < 3*time.Second {
				// Meanwhile, other clients are served.
				if code, _ := post(t, p.url("/nope"), []byte("{}"), nil); code != 404 {
					t.Errorf("a normal request during the slow one answered %d, want 404", code)
				}
			}
		}
	}
}
