package main

import (
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// waitReady polls the admin listener's /readyz until it answers want,
// failing after 10 s, and returns the last answer's body.
func waitReady(t *testing.T, admin string, want int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, m := getJSON(t, "http://"+admin+"/readyz")
		if code == want {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still answers %d %v after 10 s, want %d", code, m, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// /readyz asks Redis, which holds the store (and, for the proxy, the
// inbox): a Redis that is killed or stops answering makes it 503 while
// /healthz stays 200 (the process is fine: restarting it would not bring
// Redis back), and it is 200 again once Redis is.
func TestReadyzRedisUnreachable(t *testing.T) {
	t.Parallel()
	const password = "redis-pa55word"
	for _, c := range []struct {
		name  string
		start func(t *testing.T, redisURL string) *listenProc
	}{
		{"listen", func(t *testing.T, redisURL string) *listenProc {
			return startListen(t, []string{tChecklyEnv}, "--redis", redisURL, "--admin", "127.0.0.1:0")
		}},
		{"proxy", func(t *testing.T, redisURL string) *listenProc {
			up := startUpstream(t, nil)
			return startProxy(t, []string{tChecklyEnv, tProxyEnv, "APP_REDIS=" + redisURL}, fill(`
listen: 127.0.0.1:0
admin: 127.0.0.1:0
redis: {url_env: APP_REDIS, prefix: "ready:"}
inbox: {backoff_min: 50ms, backoff_max: 200ms}
upstream: {url: {{up}}, secret: {env: HOOKSEAL_PROXY_SECRET}}
routes:
  - {path: /checkly, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}}
`, map[string]string{"up": up.url()}))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t, "--requirepass", password)
			p := c.start(t, "redis://:"+password+"@"+srv.Addr+"/0")
			if p.admin == "" {
				t.Fatalf("no admin listener:\n%s", p.stderr.text())
			}
			healthy := func(when string) {
				t.Helper()
				if code, m := getJSON(t, "http://"+p.admin+"/healthz"); code != 200 || m["status"] != "ok" {
					t.Errorf("/healthz %s: %d %v, want 200 ok", when, code, m)
				}
			}
			notReady := func(when string) {
				t.Helper()
				m := waitReady(t, p.admin, http.StatusServiceUnavailable)
				if m["status"] != "not ready" || m["store"] != "redis" || m["error"] == nil {
					t.Errorf("/readyz %s: %v, want not ready, store redis, and why", when, m)
				}
				noSecrets(t, []string{fmt.Sprint(m)}, password)
				healthy(when)
			}

			if code, m := getJSON(t, "http://"+p.admin+"/readyz"); code != 200 || m["status"] != "ready" || m["store"] != "redis" {
				t.Errorf("/readyz with Redis up: %d %v, want 200 ready redis", code, m)
			}
			healthy("with Redis up")

			// Stuck: the port still takes connections, nothing answers.
			if err := srv.Pause(); err != nil {
				t.Fatal(err)
			}
			notReady("with Redis paused")
			if err := srv.Resume(); err != nil {
				t.Fatal(err)
			}
			waitReady(t, p.admin, http.StatusOK)

			// Gone.
			srv.Kill()
			notReady("with Redis killed")
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			if m := waitReady(t, p.admin, http.StatusOK); m["status"] != "ready" {
				t.Errorf("/readyz once Redis is back: %v", m)
			}

			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code := p.waitExit(t); code != 0 {
				t.Errorf("exit %d; stderr:\n%s", code, p.stderr.text())
			}
			noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, password, lChecklyNew, tProxySecret)
		})
	}
}

// During a graceful shutdown /readyz answers 503, so a load balancer stops
// sending, while a request in flight is still being served; /healthz stays
// 200 until the process ends, and the request in flight gets its answer.
func TestReadyzShuttingDown(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once bool
	up := startUpstream(t, func(n int, w http.ResponseWriter) {
		<-release // holds the sender's request in flight (no inbox)
		w.WriteHeader(http.StatusOK)
	})
	t.Cleanup(func() {
		if !once {
			close(release)
		}
	})
	p := startProxy(t, []string{tChecklyEnv, tProxyEnv}, fill(`
listen: 127.0.0.1:0
admin: 127.0.0.1:0
inbox: {enabled: false}
shutdown_timeout: 20s
upstream:
  url: {{up}}
  timeout: 20s
  secret: {env: HOOKSEAL_PROXY_SECRET}
routes:
  - {path: /checkly, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}}
`, map[string]string{"up": up.url()}))
	if code, m := getJSON(t, "http://"+p.admin+"/readyz"); code != 200 || m["status"] != "ready" {
		t.Fatalf("/readyz before shutting down: %d %v", code, m)
	}

	type answer struct {
		status  int
		outcome string
	}
	answered := make(chan answer, 1)
	body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
	req, err := hooktest.Request(p.url("/checkly"), body, h)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{outcome: err.Error()}
			return
		}
		resp.Body.Close()
		answered <- answer{resp.StatusCode, resp.Header.Get("Hookseal-Outcome")}
	}()
	up.wait(t, 1, 10*time.Second) // the request is in flight, held by the upstream

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.stderr.wait(t, 0, "shutting down", func(m map[string]any) bool { return m["msg"] == "shutting down" })
	if code, m := getJSON(t, "http://"+p.admin+"/readyz"); code != http.StatusServiceUnavailable || m["status"] != "shutting down" {
		t.Errorf("/readyz while shutting down: %d %v, want 503 shutting down", code, m)
	}
	if code, m := getJSON(t, "http://"+p.admin+"/healthz"); code != 200 || m["status"] != "ok" {
		t.Errorf("/healthz while shutting down: %d %v, want 200 ok", code, m)
	}
	select {
	case <-p.done:
		t.Fatalf("the process exited (%d) with a request in flight", p.exit)
	case a := <-answered:
		t.Fatalf("the request in flight was answered %d %s before the upstream was", a.status, a.outcome)
	default:
	}

	once = true
	close(release)
	select {
	case a := <-answered:
		if a.status != 200 || a.outcome != "processed" {
			t.Errorf("the request in flight: %d %s, want 200 processed", a.status, a.outcome)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request in flight got no answer")
	}
	if code := p.waitExit(t); code != 0 {
		t.Errorf("exit %d; stderr:\n%s", code, p.stderr.text())
	}
}
