package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hopTimeout is the route's upstream timeout in the failure tests: an
// upstream that hangs longer has timed out. It is short, yet long enough
// for an upstream's immediate 200 to beat it in a loaded -race run.
const hopTimeout = time.Second

// upstreamFailures are the failures of the first request that the proxy
// must retry (with an inbox) or answer 503 for (without one): the app
// hangs past the route's upstream timeout, or answers 408. Every later
// request is answered 200.
var upstreamFailures = []struct {
	name   string
	reason string // what the log line's reason says
	first  func(w http.ResponseWriter, release <-chan struct{})
}{
	{"timeout", "upstream did not answer within", func(w http.ResponseWriter, release <-chan struct{}) {
		// Hangs far past the timeout (until the test ends); its late
		// answer goes nowhere.
		select {
		case <-release:
		case <-time.After(15 * time.Second):
		}
		w.WriteHeader(http.StatusInternalServerError)
	}},
	{"408", "upstream answered 408", func(w http.ResponseWriter, _ <-chan struct{}) {
		w.WriteHeader(http.StatusRequestTimeout)
	}},
}

// failingUpstream answers the first request with first and every later one
// with 200.
func failingUpstream(t *testing.T, first func(http.ResponseWriter, <-chan struct{})) *upstream {
	release := make(chan struct{})
	up := startUpstream(t, func(n int, w http.ResponseWriter) {
		if n == 0 {
			first(w, release)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	t.Cleanup(func() { close(release) }) // before the upstream's Close waits for it
	return up
}

// failureConfig is a proxy config whose one route's upstream times out
// after hopTimeout; top is its further top-level settings (the inbox's).
func failureConfig(up *upstream, top string) string {
	return fill(`
listen: 127.0.0.1:0
admin: ""
{{top}}
upstream:
  url: {{up}}
  timeout: 10s
  secret: {env: HOOKSEAL_PROXY_SECRET}
routes:
  - path: /checkly
    sender: checkly
    secrets: {env: CHECKLY_WEBHOOK_SECRET}
    upstream: {url: {{up}}, timeout: {{timeout}}}
`, map[string]string{"up": up.url(), "top": top, "timeout": hopTimeout.String()})
}

// With an inbox, an upstream that times out or answers 408 is retried
// while the sender already has its 200: the retry carries the same
// webhook-id and the next attempt, the delivery is processed once the
// upstream takes it, and it is never a dead letter.
func TestProxyRetriesTimeoutAnd408(t *testing.T) {
	t.Parallel()
	for _, c := range upstreamFailures {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			up := failingUpstream(t, c.first)
			data := t.TempDir()
			p := startProxy(t, []string{tChecklyEnv, tProxyEnv},
				failureConfig(up, "data_dir: "+data+"\ninbox: {backoff_min: 50ms, backoff_max: 200ms}"))
			body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
			if status, outcome := post(t, p.url("/checkly"), body, h); status != 200 || outcome != "accepted" {
				t.Fatalf("%d %s, want 200 accepted", status, outcome)
			}

			hops := up.wait(t, 2, 5*time.Second)
			for i, hp := range hops[:2] {
				if hp.header.Get("Webhook-Id") != hops[0].header.Get("Webhook-Id") || hp.header.Get("Hookseal-Attempt") != fmt.Sprint(i+1) {
					t.Errorf("hop %d: webhook-id %q attempt %q", i, hp.header.Get("Webhook-Id"), hp.header.Get("Hookseal-Attempt"))
				}
				if string(hp.body) != string(body) {
					t.Errorf("hop %d: the body changed", i)
				}
				verifyHop(t, hp)
			}
			if c.name == "timeout" {
				// Retried once the timeout gave up on the first, not once
				// the hung upstream would have answered.
				if wait := hops[1].at.Sub(hops[0].at); wait < hopTimeout || wait > 5*hopTimeout {
					t.Errorf("retried %s after a request that timed out after %s", wait, hopTimeout)
				}
			}
			m, _ := p.stderr.wait(t, 0, "retrying", func(m map[string]any) bool { return m["outcome"] == "retrying" })
			if !strings.Contains(fmt.Sprint(m["reason"]), c.reason) || m["attempt"] != 1.0 {
				t.Errorf("retrying line: %v, want attempt 1 and a reason saying %q", m, c.reason)
			}
			if c.name == "timeout" && (!strings.Contains(fmt.Sprint(m["reason"]), "timeout "+hopTimeout.String()) || strings.Contains(fmt.Sprint(m["reason"]), "http://")) {
				t.Errorf("retrying line: %v, want the route's timeout and no URL", m)
			}
			p.stdout.wait(t, 0, "processed", func(m map[string]any) bool {
				return m["provider"] == "checkly" && m["resource"] == "check-a"
			})
			time.Sleep(300 * time.Millisecond) // no further retry comes
			if n := len(up.wait(t, 2, 0)); n != 2 {
				t.Errorf("the upstream got %d requests, want 2; stderr:\n%s", n, p.stderr.text())
				for _, hp := range up.wait(t, 2, 0) {
					t.Logf("hop at %s attempt %s", hp.at.Format("15:04:05.000"), hp.header.Get("Hookseal-Attempt"))
				}
			}
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code := p.waitExit(t); code != 0 {
				t.Fatalf("exit %d:\n%s", code, p.stderr.text())
			}
			for _, line := range p.stderr.snapshot() {
				if strings.Contains(line, `"dead_letter"`) {
					t.Errorf("a retryable failure was dead-lettered: %s", line)
				}
			}
			r := hookseal(t, nil, nil, "inbox", "counts", "--data-dir", data, "--json")
			wantCode(t, r, 0)
			var counts map[string]float64
			if err := json.Unmarshal([]byte(r.stdout), &counts); err != nil || counts["dead"] != 0 || counts["pending"] != 0 || counts["running"] != 0 {
				t.Errorf("inbox counts at the end: %s %v, want nothing left", r.stdout, err)
			}
		})
	}
}

// Without an inbox, an upstream that times out or answers 408 is the
// sender's 503 (its claim released), and the sender's retry is forwarded
// and processed.
func TestProxyInlineTimeoutAnd408(t *testing.T) {
	t.Parallel()
	for _, c := range upstreamFailures {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			up := failingUpstream(t, c.first)
			p := startProxy(t, []string{tChecklyEnv, tProxyEnv}, failureConfig(up, "inbox: {enabled: false}"))
			body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
			start := time.Now()
			if status, outcome := post(t, p.url("/checkly"), body, h); status != 503 || outcome != "handler_error" {
				t.Errorf("%d %s, want 503 handler_error", status, outcome)
			}
			if took := time.Since(start); took > 5*hopTimeout {
				t.Errorf("the sender waited %s for an upstream that times out after %s", took, hopTimeout)
			}
			m, _ := p.stderr.wait(t, 0, "handler_error", func(m map[string]any) bool { return m["outcome"] == "handler_error" })
			if m["status"] != 503.0 || !strings.Contains(fmt.Sprint(m["reason"]), c.reason) || strings.Contains(fmt.Sprint(m["reason"]), "http://") {
				t.Errorf("log line: %v, want status 503 and a reason saying %q (no URL)", m, c.reason)
			}
			if status, outcome := post(t, p.url("/checkly"), body, h); status != 200 || outcome != "processed" {
				t.Errorf("the sender's retry: %d %s, want 200 processed", status, outcome)
			}
			if hops := up.wait(t, 2, time.Second); len(hops) != 2 || string(hops[1].body) != string(body) || hops[1].header.Get("Webhook-Id") != hops[0].header.Get("Webhook-Id") {
				t.Errorf("the upstream got %d requests, want the delivery twice", len(hops))
			}
			p.stdout.wait(t, 0, "processed", func(m map[string]any) bool { return m["resource"] == "check-a" })
		})
	}
}
