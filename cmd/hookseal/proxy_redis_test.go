package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/store/redis/redistest"
)

// With redis: in the config, the store and the inbox live in a real
// redis-server: /readyz pings it, a refused delivery is a dead letter
// there, and hookseal inbox operates it while the proxy runs (a Redis
// inbox is shared, unlike the file). SIGHUP does not stop the proxy.
func TestProxyRedisInbox(t *testing.T) {
	const password = "redis-pa55word"
	srv := redistest.Start(t, "--requirepass", password)
	redisURL := "redis://:" + password + "@" + srv.Addr + "/0"
	up := startUpstream(t, func(n int, w http.ResponseWriter) {
		if n == 0 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	p := startProxy(t, []string{tChecklyEnv, tProxyEnv, "APP_REDIS=" + redisURL}, fill(`
listen: 127.0.0.1:0
admin: 127.0.0.1:0
redis: {url_env: APP_REDIS, prefix: "alerts:"}
inbox: {name: alerts, backoff_min: 50ms, backoff_max: 200ms}
upstream: {url: {{up}}, secret: {env: HOOKSEAL_PROXY_SECRET}}
routes:
  - {path: /checkly, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}, order: true}
`, map[string]string{"up": up.url()}))
	if code, m := getJSON(t, "http://"+p.admin+"/readyz"); code != 200 || m["store"] != "redis" {
		t.Errorf("/readyz: %d %v", code, m)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.stderr.wait(t, 0, "SIGHUP", func(m map[string]any) bool { return strings.HasPrefix(fmt.Sprint(m["msg"]), "SIGHUP") })

	body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
	if status, outcome := post(t, p.url("/checkly"), body, h); status != 200 || outcome != "accepted" {
		t.Fatalf("%d %s", status, outcome)
	}
	p.stderr.wait(t, 0, "dead_letter", func(m map[string]any) bool { return m["outcome"] == "dead_letter" })

	env := []string{"HOOKSEAL_REDIS_URL=" + redisURL}
	r := hookseal(t, nil, env, "inbox", "dead", "--json", "--name", "alerts", "--redis-prefix", "alerts:")
	wantCode(t, r, 0)
	var dead map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &dead); err != nil || dead["route"] != "checkly" || !strings.Contains(fmt.Sprint(dead["last_error"]), "400") {
		t.Fatalf("dead: %s %v", r.stdout, err)
	}
	r = hookseal(t, nil, env, "inbox", "revive", fmt.Sprint(dead["id"]), "--name", "alerts", "--redis-prefix", "alerts:")
	wantCode(t, r, 0)
	hops := up.wait(t, 2, 10*time.Second)
	if string(hops[1].body) != string(body) || hops[1].header.Get("Hookseal-Attempt") != "2" {
		t.Errorf("the revived delivery: attempt %s", hops[1].header.Get("Hookseal-Attempt"))
	}
	p.stdout.wait(t, 0, "processed", func(m map[string]any) bool { return m["resource"] == "check-a" })
	r = hookseal(t, nil, env, "inbox", "counts", "--json", "--name", "alerts", "--redis-prefix", "alerts:")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, `"dead":0`) || !strings.Contains(r.stdout, `"pending":0`) {
		t.Errorf("counts: %s", r.stdout)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.waitExit(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text(), r.stdout, r.stderr}, password, lChecklyNew, tProxySecret)
}
