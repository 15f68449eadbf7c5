package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/hooktest"
)

// proxyBase is the top of a proxy config with a file inbox in {{data}}, a
// short backoff (the tests wait for retries) and the upstream in {{up}}.
const proxyBase = `
listen: 127.0.0.1:0
admin: 127.0.0.1:0
data_dir: {{data}}
inbox:
  backoff_min: 50ms
  backoff_max: 400ms
upstream:
  url: {{up}}
  timeout: 2s
  secret: {env: HOOKSEAL_PROXY_SECRET}
`

// The hop carries the body byte for byte with its Content-Type, and the
// headers saying what hookseal established; it is signed with Standard
// Webhooks under the proxy's secret, webhook-id being the delivery key;
// and nothing the sender sent besides Content-Type reaches the app, so a
// spoofed Hookseal-* or webhook-* header cannot.
func TestProxyForwards(t *testing.T) {
	t.Parallel()
	up := startUpstream(t, nil)
	p := startProxy(t, []string{tChecklyEnv, tProxyEnv, "GITHUB_WEBHOOK_SECRET=gh-s3cr3t"}, fill(proxyBase+`
routes:
  - path: /checkly
    sender: checkly
    secrets: {env: CHECKLY_WEBHOOK_SECRET}
    order: true
  - path: /hooks/github
    name: gh
    sender: github
    secrets: {env: GITHUB_WEBHOOK_SECRET}
`, map[string]string{"data": t.TempDir(), "up": up.url()}))
	start, _ := p.stderr.wait(t, 0, "listening", func(m map[string]any) bool { return m["msg"] == "listening" })
	if start["store"] != "file" || start["inbox"] != true || fmt.Sprint(start["upstreams"]) != "["+up.url()+"]" {
		t.Errorf("start-up line: %v", start)
	}

	started := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", started)
	spoofed := map[string]string{
		"Hookseal-Provider": "evil", "Hookseal-Delivery": "spoofed", "Hookseal-Event-Type": "ALERT_RECOVERY",
		"Hookseal-Resource": "other", "Hookseal-Attempt": "9", "Hookseal-Signed-Time": "2000-01-01T00:00:00Z", "Hookseal-Route": "x",
		"Webhook-Id": "spoofed-id", "Webhook-Timestamp": "1", "Webhook-Signature": "v1,c3Bvb2ZlZA==",
		"Authorization": "Bearer app-t0ken", "Cookie": "session=abc", "X-Forwarded-For": "203.0.113.9",
	}
	for k, v := range spoofed {
		h.Set(k, v)
	}
	if status, outcome := post(t, p.url("/checkly"), body, h); status != 200 || outcome != "accepted" {
		t.Fatalf("checkly: %d %s, want 200 accepted", status, outcome)
	}
	form := []byte("payload=%7B%22zen%22%3A%22Keep+it+logically+awesome.%22%7D&x=\xff")
	gh := signedHeader(t, hooktest.GitHub("gh-s3cr3t"), form, time.Now())
	gh.Set("Content-Type", "application/x-www-form-urlencoded")
	gh.Set("X-GitHub-Event", "ping")
	if status, outcome := post(t, p.url("/hooks/github"), form, gh); status != 200 || outcome != "accepted" {
		t.Fatalf("github: %d %s, want 200 accepted", status, outcome)
	}

	hops := up.wait(t, 2, 10*time.Second)
	byRoute := map[string]hop{}
	for _, h := range hops {
		byRoute[h.header.Get("Hookseal-Route")] = h
	}
	allowed := []string{"Content-Type", "Content-Length", "User-Agent", "Accept-Encoding", "Hookseal-Provider", "Hookseal-Route",
		"Hookseal-Event-Type", "Hookseal-Resource", "Hookseal-Signed-Time", "Hookseal-Delivery", "Hookseal-Attempt",
		"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"}
	for route, h := range byRoute {
		for name, vs := range h.header {
			if !slices.Contains(allowed, name) {
				t.Errorf("%s: the hop carries %s: %q, which the proxy never sends", route, name, vs)
			}
			if len(vs) != 1 {
				t.Errorf("%s: the hop carries %d values of %s: %q", route, len(vs), name, vs)
			}
			for _, v := range vs {
				if spoofed[name] == v {
					t.Errorf("%s: the sender's %s reached the app", route, name)
				}
			}
		}
		d := verifyHop(t, h)
		if d.ID != h.header.Get("Hookseal-Delivery") || !hexKey.MatchString(d.ID) {
			t.Errorf("%s: webhook-id %q, Hookseal-Delivery %q: want the delivery key in both", route, d.ID, h.header.Get("Hookseal-Delivery"))
		}
	}

	c := byRoute["checkly"]
	if string(c.body) != string(body) {
		t.Errorf("checkly body changed on the way:\n%s\n%s", c.body, body)
	}
	want := map[string]string{
		"Content-Type": "application/json", "Hookseal-Provider": "checkly", "Hookseal-Event-Type": "ALERT_FAILURE",
		"Hookseal-Resource": "check-a", "Hookseal-Signed-Time": started.Format(time.RFC3339), "Hookseal-Attempt": "1",
	}
	for k, v := range want {
		if got := c.header.Get(k); got != v {
			t.Errorf("checkly hop %s = %q, want %q", k, got, v)
		}
	}
	g := byRoute["gh"]
	if string(g.body) != string(form) || g.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("github hop: %q %q", g.body, g.header.Get("Content-Type"))
	}
	for _, k := range []string{"Hookseal-Event-Type", "Hookseal-Resource", "Hookseal-Signed-Time"} {
		if v := g.header.Get(k); v != "" {
			t.Errorf("github hop: %s = %q, but GitHub's body names no such thing hookseal decodes", k, v)
		}
	}
	if g.header.Get("Hookseal-Provider") != "github" {
		t.Errorf("github hop provider %q", g.header.Get("Hookseal-Provider"))
	}

	// Each was printed once processed, after it reached the app.
	p.stdout.wait(t, 0, "checkly processed", func(m map[string]any) bool {
		return m["provider"] == "checkly" && m["type"] == "ALERT_FAILURE" && m["resource"] == "check-a"
	})
	p.stdout.wait(t, 0, "gh processed", func(m map[string]any) bool { return m["provider"] == "gh" })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.waitExit(t); code != 0 {
		t.Errorf("exit %d; stderr:\n%s", code, p.stderr.text())
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, lChecklyNew, tProxySecret, strings.TrimPrefix(tProxySecret, "whsec_"), "gh-s3cr3t")
}

// Without an inbox the upstream's answer is the sender's: a 2xx is
// processed, and an upstream that fails or is down answers 503 (the
// sender retries) with the claim released, so the retry is forwarded.
func TestProxyInline(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	failing.Store(true)
	up := startUpstream(t, func(n int, w http.ResponseWriter) {
		if failing.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	down := fmt.Sprintf("http://127.0.0.1:%d/hooks", freePort(t))
	p := startProxy(t, []string{tChecklyEnv, tProxyEnv}, fill(`
listen: 127.0.0.1:0
admin: ""
inbox: {enabled: false}
upstream:
  url: {{up}}
  secret: {env: HOOKSEAL_PROXY_SECRET}
routes:
  - path: /checkly
    sender: checkly
    secrets: {env: CHECKLY_WEBHOOK_SECRET}
  - path: /down
    sender: checkly
    secrets: {env: CHECKLY_WEBHOOK_SECRET}
    upstream: {url: {{down}}, timeout: 1s}
`, map[string]string{"up": up.url(), "down": down}))
	body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
	if status, outcome := post(t, p.url("/checkly"), body, h); status != 503 || outcome != "handler_error" {
		t.Errorf("upstream answered 502: %d %s, want 503 handler_error", status, outcome)
	}
	m, _ := p.stderr.wait(t, 0, "handler_error", func(m map[string]any) bool { return m["outcome"] == "handler_error" })
	if m["status"] != 503.0 || !strings.Contains(fmt.Sprint(m["reason"]), "upstream answered 502") {
		t.Errorf("log line: %v", m)
	}
	failing.Store(false)
	if status, outcome := post(t, p.url("/checkly"), body, h); status != 200 || outcome != "processed" {
		t.Errorf("the sender's retry: %d %s, want 200 processed", status, outcome)
	}
	if hops := up.wait(t, 2, time.Second); len(hops) != 2 || string(hops[1].body) != string(body) {
		t.Errorf("upstream got %d requests", len(hops))
	}
	body2, h2 := checklyDelivery(t, "ALERT_FAILURE", "check-b", time.Now().Add(-time.Minute))
	if status, outcome := post(t, p.url("/down"), body2, h2); status != 503 || outcome != "handler_error" {
		t.Errorf("upstream down: %d %s, want 503 handler_error", status, outcome)
	}
	m, _ = p.stderr.wait(t, 0, "connection refused", func(m map[string]any) bool {
		return m["provider"] == "down" && m["outcome"] == "handler_error"
	})
	if !strings.Contains(fmt.Sprint(m["reason"]), "connection refused") || strings.Contains(fmt.Sprint(m["reason"]), "http://") {
		t.Errorf("log line for a refused connection (no URL in it): %v", m)
	}
}

// With the inbox, an upstream's 503 is retried while the sender already
// has its 200, no sooner than the upstream's Retry-After (longer than the
// backoff would wait); the retry carries the same webhook-id and the next
// attempt number.
func TestProxyRetriesHonourRetryAfter(t *testing.T) {
	up := startUpstream(t, func(n int, w http.ResponseWriter) {
		switch n {
		case 0:
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusServiceUnavailable)
		case 1:
			w.WriteHeader(http.StatusTooManyRequests) // retried after the backoff
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	p := startProxy(t, []string{tChecklyEnv, tProxyEnv}, fill(proxyBase+`
routes:
  - path: /checkly
    sender: checkly
    secrets: {env: CHECKLY_WEBHOOK_SECRET}
`, map[string]string{"data": t.TempDir(), "up": up.url()}))
	body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
	if status, outcome := post(t, p.url("/checkly"), body, h); status != 200 || outcome != "accepted" {
		t.Fatalf("%d %s, want 200 accepted", status, outcome)
	}
	hops := up.wait(t, 3, 15*time.Second)
	if wait := hops[1].at.Sub(hops[0].at); wait < 2*time.Second {
		t.Errorf("retried %s after a 503 with Retry-After: 2", wait)
	}
	if wait := hops[2].at.Sub(hops[1].at); wait > 1500*time.Millisecond {
		t.Errorf("retried %s after a 429 without Retry-After; the backoff is at most 400ms", wait)
	}
	for i, h := range hops {
		if h.header.Get("Webhook-Id") != hops[0].header.Get("Webhook-Id") || h.header.Get("Hookseal-Attempt") != fmt.Sprint(i+1) {
			t.Errorf("hop %d: webhook-id %q attempt %q", i, h.header.Get("Webhook-Id"), h.header.Get("Hookseal-Attempt"))
		}
		verifyHop(t, h)
	}
	p.stderr.wait(t, 0, "retrying", func(m map[string]any) bool {
		return m["outcome"] == "retrying" && strings.Contains(fmt.Sprint(m["reason"]), "retry after 2s") && m["attempt"] == 1.0
	})
	p.stdout.wait(t, 0, "processed", func(m map[string]any) bool { return m["type"] == "ALERT_FAILURE" })
	time.Sleep(300 * time.Millisecond)
	if n := len(up.wait(t, 3, 0)); n != 3 {
		t.Errorf("the upstream got %d requests, want 3", n)
	}
}

// A 4xx other than 408 and 429 makes the delivery a dead letter at once;
// hookseal inbox then shows, revives and drops it.
func TestProxyDeadLetters(t *testing.T) {
	t.Parallel()
	var refuse atomic.Bool
	refuse.Store(true)
	up := startUpstream(t, func(n int, w http.ResponseWriter) {
		if refuse.Load() {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	data := t.TempDir()
	config := fill(proxyBase+`
routes:
  - path: /checkly
    sender: checkly
    secrets: {env: CHECKLY_WEBHOOK_SECRET}
    order: true
`, map[string]string{"data": data, "up": up.url()})
	p := startProxy(t, []string{tChecklyEnv, tProxyEnv}, config)
	bodyA, hA := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
	bodyB, hB := checklyDelivery(t, "ALERT_DEGRADED", "check-b", time.Now().Add(-time.Minute))
	for _, d := range []struct {
		body []byte
		h    http.Header
	}{{bodyA, hA}, {bodyB, hB}} {
		if status, outcome := post(t, p.url("/checkly"), d.body, d.h); status != 200 || outcome != "accepted" {
			t.Fatalf("%d %s, want 200 accepted", status, outcome)
		}
	}
	up.wait(t, 2, 10*time.Second)
	for range 2 {
		p.stderr.wait(t, 0, "dead_letter", func(m map[string]any) bool {
			return m["outcome"] == "dead_letter" && strings.Contains(fmt.Sprint(m["reason"]), "upstream answered 422")
		})
	}
	time.Sleep(500 * time.Millisecond) // no retry comes
	if n := len(up.wait(t, 2, 0)); n != 2 {
		t.Errorf("the upstream got %d requests for 2 dead letters", n)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.waitExit(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.stderr.text())
	}

	// The file inbox, now that the proxy let go of it.
	r := hookseal(t, nil, nil, "inbox", "counts", "--data-dir", data, "--json")
	wantCode(t, r, 0)
	var counts map[string]float64
	if err := json.Unmarshal([]byte(r.stdout), &counts); err != nil || counts["dead"] != 2 || counts["pending"] != 0 || counts["running"] != 0 {
		t.Errorf("counts: %v %v", r.stdout, err)
	}
	r = hookseal(t, nil, nil, "inbox", "dead", "--data-dir", data)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "ID") || strings.Count(r.stdout, "upstream answered 422") != 2 {
		t.Errorf("dead:\n%s", r.stdout)
	}
	r = hookseal(t, nil, nil, "inbox", "dead", "--json", "--data-dir", data)
	wantCode(t, r, 0)
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("dead --json line %q: %v", line, err)
		}
		if m["route"] != "checkly" || m["dead"] != true || m["attempts"] != 1.0 {
			t.Errorf("dead letter %v", m)
		}
		ids = append(ids, fmt.Sprint(m["id"]))
	}
	if len(ids) != 2 {
		t.Fatalf("dead --json listed %d", len(ids))
	}
	r = hookseal(t, nil, nil, "inbox", "show", ids[0], "--data-dir", data)
	wantCode(t, r, 0)
	for _, want := range []string{"state", "dead", "provider", "checkly", "content-type", "application/json", "upstream answered 422", string(bodyA)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	noSecrets(t, []string{r.stdout, r.stderr}, lChecklyNew, tProxySecret)

	r = hookseal(t, nil, nil, "inbox", "--data-dir", data, "revive", ids[0])
	wantCode(t, r, 0)
	r = hookseal(t, nil, nil, "inbox", "drop", ids[1], "--data-dir", data)
	wantCode(t, r, 0)
	for _, args := range [][]string{{"drop", ids[1]}, {"revive", ids[1]}, {"show", ids[1]}, {"revive", ids[0]}} {
		r = hookseal(t, nil, nil, append(append([]string{"inbox"}, args...), "--data-dir", data)...)
		wantCode(t, r, 1)
		if !strings.Contains(r.stderr, "no such entry") {
			t.Errorf("%v: %s", args, r.stderr)
		}
	}
	r = hookseal(t, nil, nil, "inbox", "counts", "--data-dir", data)
	wantCode(t, r, 0)
	if !regexp.MustCompile(`pending\s+1\n`).MatchString(r.stdout) || !regexp.MustCompile(`dead\s+0\n`).MatchString(r.stdout) {
		t.Errorf("counts after revive and drop:\n%s", r.stdout)
	}

	// Started again with an upstream that takes it, the revived entry is
	// forwarded; the dropped one is gone.
	refuse.Store(false)
	p = startProxy(t, []string{tChecklyEnv, tProxyEnv}, config)
	hops := up.wait(t, 3, 10*time.Second)
	if string(hops[2].body) != string(bodyA) || hops[2].header.Get("Hookseal-Attempt") != "2" {
		t.Errorf("the revived entry: %s attempt %s", hops[2].body, hops[2].header.Get("Hookseal-Attempt"))
	}
	p.stdout.wait(t, 0, "processed", func(m map[string]any) bool { return m["resource"] == "check-a" })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitExit(t)
	r = hookseal(t, nil, nil, "inbox", "counts", "--json", "--data-dir", data)
	if err := json.Unmarshal([]byte(r.stdout), &counts); err != nil || counts["dead"] != 0 || counts["pending"] != 0 {
		t.Errorf("counts at the end: %v", r.stdout)
	}
}

// The inbox command's usage errors exit 2; an inbox that is not there, 1.
func TestInboxCommandErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"inbox"}, 2, "say what to do"},
		{[]string{"inbox", "list", "--data-dir", dir}, 2, `"list" is not one of`},
		{[]string{"inbox", "show", "--data-dir", dir}, 2, "show takes one entry ID"},
		{[]string{"inbox", "counts", "7", "--data-dir", dir}, 2, "counts takes no argument"},
		{[]string{"inbox", "counts"}, 2, "--data-dir DIR"},
		{[]string{"inbox", "counts", "--data-dir", dir, "--redis", "redis://127.0.0.1:1"}, 2, "give one"},
		{[]string{"inbox", "dead", "--data-dir", dir, "--limit", "0"}, 2, "--limit"},
		{[]string{"inbox", "counts", "--data-dir", dir}, 1, "no inbox there"},
		{[]string{"inbox", "counts", "--redis", "http://u:hunter2@x"}, 2, "not a Redis URL"},
	} {
		r := hookseal(t, nil, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.says) {
			t.Errorf("%v: want exit %d saying %q, got %s", c.args, c.code, c.says, r)
		}
		noSecrets(t, []string{r.stdout, r.stderr}, "hunter2")
	}
	// Looking did not create an empty inbox where there was none.
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("the inbox command left %v behind", m)
	}
}
