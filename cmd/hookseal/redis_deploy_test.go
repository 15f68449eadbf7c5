package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// TestListenReplicasOnClusterAndSentinel runs two "hookseal listen"
// replicas on a Redis Cluster of three primaries, then on a Sentinel
// deployment, each reached through its URL form (from the environment
// for one replica, the flag for the other): a delivery sent to both at once is
// processed once, and its retry is a duplicate on either.
func TestListenReplicasOnClusterAndSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster and a sentinel deployment")
	}
	for _, d := range []struct {
		name, kind string
		url        func(t *testing.T) string
	}{
		{"cluster", "Redis Cluster through ", func(t *testing.T) string {
			cl := redistest.StartCluster(t, 3)
			return "redis+cluster://" + strings.Join(cl.Addrs, ",")
		}},
		{"sentinel", `Redis Sentinel primary "hookseal"`, func(t *testing.T) string {
			s := redistest.StartSentinel(t, "hookseal")
			return "redis+sentinel://" + s.Addr + "/hookseal/0?pool_size=8"
		}},
	} {
		t.Run(d.name, func(t *testing.T) {
			redisURL := d.url(t)
			secret := "CHECKLY_WEBHOOK_SECRET=" + lChecklyNew
			a := startListen(t, []string{secret, "HOOKSEAL_REDIS_URL=" + redisURL}, "--order", "--redis-timeout", "500ms")
			b := startListen(t, []string{secret}, "--order", "--redis", redisURL, "--redis-pool-size", "16")
			for _, p := range []*listenProc{a, b} {
				m, _ := p.stderr.wait(t, 0, "listening", func(m map[string]any) bool { return m["msg"] == "listening" })
				if m["store"] != "redis" || !strings.HasPrefix(m["redis"].(string), d.kind) {
					t.Errorf("start-up line: store %v, redis %v; want redis, %s...", m["store"], m["redis"], d.kind)
				}
			}
			signer := hooktest.Checkly(lChecklyNew)
			now := time.Now()
			body := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_FAILURE", now.Add(-time.Minute)))
			outcomes := concurrentPosts(t, []string{a.url("/checkly"), b.url("/checkly")}, 4, body, signedHeader(t, signer, body, now))
			if outcomes["200 processed"] != 1 {
				t.Errorf("one delivery sent 8 times to two replicas: outcomes %v, want one processed", outcomes)
			}
			for _, p := range []*listenProc{a, b} {
				if status, outcome := post(t, p.url("/checkly"), body, signedHeader(t, signer, body, now.Add(20*time.Second))); status != 200 || outcome != "duplicate" {
					t.Errorf("retry to %s: %d %s, want 200 duplicate", p.addr, status, outcome)
				}
			}
			for _, p := range []*listenProc{a, b} {
				if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				if code := p.waitExit(t); code != 0 {
					t.Errorf("replica %s exited %d; stderr:\n%s", p.addr, code, p.stderr.text())
				}
				noSecrets(t, append(p.stdout.snapshot(), p.stderr.snapshot()...), lChecklyNew)
			}
		})
	}
}
