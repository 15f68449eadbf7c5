package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// TestListenReplicasShareRedis runs two "hookseal listen" processes on one
// real redis-server, as two replicas behind a load balancer: a delivery
// sent to both at once and retried later is processed once, a late FAILURE
// that lands on the other replica than its RECOVERY is dropped, and with
// Redis down deliveries answer 503 and the sender's retry is processed once
// Redis is back.
func TestListenReplicasShareRedis(t *testing.T) {
	// A Redis with a password, which nothing may print, even through an
	// outage.
	const redisPassword = "redis-pa55word"
	srv := redistest.Start(t, "--requirepass", redisPassword)
	redisURL := "redis://:" + redisPassword + "@" + srv.Addr + "/0"
	const prefix = "billing-hooks:"
	secret := "CHECKLY_WEBHOOK_SECRET=" + lChecklyNew
	// One replica reads the environment, the other the flag.
	a := startListen(t, []string{secret, "HOOKSEAL_REDIS_URL=" + redisURL}, "--order", "--redis-prefix", prefix)
	b := startListen(t, []string{secret}, "--order", "--redis", redisURL, "--redis-prefix", prefix)
	for name, p := range map[string]*listenProc{"a": a, "b": b} {
		m, _ := p.stderr.wait(t, 0, "listening", func(m map[string]any) bool { return m["msg"] == "listening" })
		if m["store"] != "redis" {
			t.Errorf("replica %s: start-up line says store %v, want redis: %v", name, m["store"], m)
		}
	}
	signer := hooktest.Checkly(lChecklyNew)
	now := time.Now()

	// The same delivery to both replicas at once, four copies each.
	failure := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_FAILURE", now.Add(-time.Minute)))
	h := signedHeader(t, signer, failure, now)
	outcomes := concurrentPosts(t, []string{a.url("/checkly"), b.url("/checkly")}, 4, failure, h)
	if got := outcomes["200 processed"]; got != 1 {
		t.Errorf("one delivery sent 8 times to two replicas: processed %d times, want 1; outcomes %v", got, outcomes)
	}
	// Its state is under the prefix both were given.
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr, Password: redisPassword})
	defer rc.Close()
	if keys, err := rc.Keys(context.Background(), "*").Result(); err != nil || len(keys) == 0 {
		t.Errorf("keys in Redis: %v, %v; want the delivery's", keys, err)
	} else {
		for _, k := range keys {
			if !strings.HasPrefix(k, prefix) {
				t.Errorf("key %q does not start with --redis-prefix %q", k, prefix)
			}
		}
	}
	for o, n := range outcomes {
		if o != "200 processed" && o != "200 duplicate" && o != "409 in_flight" {
			t.Errorf("%d copies answered %s; want only processed, duplicate or in_flight", n, o)
		}
	}

	// Checkly's retry 20 s later, on either replica, is a duplicate.
	retry := signedHeader(t, signer, failure, now.Add(20*time.Second))
	for _, p := range []*listenProc{a, b} {
		if status, outcome := post(t, p.url("/checkly"), failure, retry); status != 200 || outcome != "duplicate" {
			t.Errorf("retry to %s: %d %s, want 200 duplicate", p.addr, status, outcome)
		}
	}

	// The RECOVERY lands on a, the late FAILURE before it on b.
	recovery := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_RECOVERY", now.Add(-30*time.Second)))
	late := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_FAILURE", now.Add(-45*time.Second)))
	if status, outcome := post(t, a.url("/checkly"), recovery, signedHeader(t, signer, recovery, now)); status != 200 || outcome != "processed" {
		t.Errorf("recovery on a: %d %s, want 200 processed", status, outcome)
	}
	if status, outcome := post(t, b.url("/checkly"), late, signedHeader(t, signer, late, now)); status != 200 || outcome != "out_of_order" {
		t.Errorf("late failure on b: %d %s, want 200 out_of_order", status, outcome)
	}

	// Redis goes away: fail closed with 503, so the sender retries.
	srv.Kill()
	again := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_FAILURE", now.Add(-10*time.Second)))
	if status, outcome := post(t, a.url("/checkly"), again, signedHeader(t, signer, again, now)); status != 503 || outcome != "store_unavailable" {
		t.Errorf("with Redis down: %d %s, want 503 store_unavailable", status, outcome)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The sender's retry lands on the other replica once Redis is back.
	// go-redis redials on its own; give it a few tries.
	var status int
	var outcome string
	for i := 0; i < 20; i++ {
		status, outcome = post(t, b.url("/checkly"), again, signedHeader(t, signer, again, now.Add(20*time.Second)))
		if status != 503 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status != 200 || outcome != "processed" {
		t.Errorf("retry after Redis is back: %d %s, want 200 processed", status, outcome)
	}

	// Stop both, so every line they wrote is in, and count: three events,
	// each printed once by one replica.
	for _, p := range []*listenProc{a, b} {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := p.waitExit(t); code != 0 {
			t.Errorf("replica %s exited %d; stderr:\n%s", p.addr, code, p.stderr.text())
		}
	}
	printed := append(a.stdout.snapshot(), b.stdout.snapshot()...)
	perType := map[string]int{}
	for _, line := range printed {
		switch {
		case strings.Contains(line, `"type":"ALERT_FAILURE"`):
			perType["ALERT_FAILURE"]++
		case strings.Contains(line, `"type":"ALERT_RECOVERY"`):
			perType["ALERT_RECOVERY"]++
		default:
			t.Errorf("unexpected stdout line: %s", line)
		}
	}
	if len(printed) != 3 || perType["ALERT_FAILURE"] != 2 || perType["ALERT_RECOVERY"] != 1 {
		t.Errorf("stdout of both replicas: %d lines %v, want the first failure, the recovery and the failure after the outage:\n%s",
			len(printed), perType, strings.Join(printed, "\n"))
	}
	// Redis errors on stderr are JSON lines like the rest, and name no secret.
	for _, p := range []*listenProc{a, b} {
		for _, line := range p.stderr.snapshot() {
			if !strings.HasPrefix(line, "{") {
				t.Errorf("stderr line of %s is not JSON: %s", p.addr, line)
			}
		}
		noSecrets(t, append(p.stdout.snapshot(), p.stderr.snapshot()...), lChecklyNew, redisPassword)
	}
}

// TestListenRedisUnreachable: a Redis that does not answer stops listen at
// start-up (exit 1), naming the setting and the address, and never the
// password in the URL.
func TestListenRedisUnreachable(t *testing.T) {
	addr := closedPort(t)
	for _, c := range []struct {
		name, source string
		env, args    []string
	}{
		{"flag", "--redis", nil, []string{"--redis", "redis://:hunter2@" + addr + "/0"}},
		{"env", "HOOKSEAL_REDIS_URL", []string{"HOOKSEAL_REDIS_URL=redis://:hunter2@" + addr + "/0"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := hookseal(t, nil, append(c.env, "CHECKLY_WEBHOOK_SECRET=s"), append([]string{"listen", "--addr", "127.0.0.1:0"}, c.args...)...)
			wantCode(t, r, 1)
			if took := time.Since(start); took > 15*time.Second {
				t.Errorf("listen took %s to give up on Redis", took)
			}
			if want := c.source + ": redisstore: Redis at " + addr; !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "does not answer PING") {
				t.Errorf("stderr does not say %q ... does not answer PING:\n%s", want, r.stderr)
			}
			if strings.Contains(r.stderr, `"listening"`) {
				t.Errorf("listen started serving without its store:\n%s", r.stderr)
			}
			noSecrets(t, []string{r.stdout, r.stderr}, "hunter2")
		})
	}
}

// TestListenInterruptedWhileDialling: SIGINT while listen waits for a
// Redis that accepts connections but never answers stops it cleanly
// (exit 0), as SIGINT does once it serves, not with a Redis error.
func TestListenInterruptedWhileDialling(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGINT")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c // held open, never answered
		}
	}()
	defer func() {
		l.Close()
		for c := range accepted {
			c.Close()
		}
	}()

	cmd := exec.Command(bin, "listen", "--addr", "127.0.0.1:0", "--redis", "redis://"+l.Addr().String()+"/0")
	cmd.Env = environ("CHECKLY_WEBHOOK_SECRET=s")
	stderr := newLines()
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-accepted: // listen is waiting for its PING
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("listen never connected to the Redis address")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = cmd.Wait()
	// The Redis check's own budget is 5 s: stopping must not wait for it.
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("listen took %s to stop after SIGINT", took)
	}
	if err != nil {
		t.Errorf("listen interrupted while dialling Redis: %v, want exit 0; stderr:\n%s", err, stderr.text())
	}
	if text := stderr.text(); !strings.Contains(text, "stopped before serving") || strings.Contains(text, `"listening"`) {
		t.Errorf("stderr should say it stopped before serving:\n%s", text)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// concurrentPosts sends body with h to each url copies times, all at
// once, and counts the answers as "status outcome".
func concurrentPosts(t *testing.T, urls []string, copies int, body []byte, h http.Header) map[string]int {
	t.Helper()
	var (
		mu       sync.Mutex
		outcomes = map[string]int{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	for _, u := range urls {
		for range copies {
			req, err := hooktest.Request(u, body, h)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				<-start
				key := ""
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					key = "error " + err.Error()
				} else {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					key = fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("Hookseal-Outcome"))
				}
				mu.Lock()
				outcomes[key]++
				mu.Unlock()
			})
		}
	}
	close(start)
	wg.Wait()
	return outcomes
}
