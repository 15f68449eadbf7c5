package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/hookseal/hookseal/hooktest"
)

// scrape reads the admin listener's /metrics and returns
// hookseal_deliveries_total summed by route and outcome.
func scrape(t *testing.T, admin string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	out := map[string]float64{}
	mf, ok := families["hookseal_deliveries_total"]
	if !ok {
		t.Fatal("/metrics has no hookseal_deliveries_total")
	}
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		out[labels["route"]+" "+labels["outcome"]] += m.GetCounter().GetValue()
	}
	if _, ok := families["go_goroutines"]; !ok {
		t.Error("/metrics lacks the Go runtime's series")
	}
	return out
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %q is not JSON", url, b)
	}
	return resp.StatusCode, m
}

// listen serves /healthz, /readyz and /metrics on --admin; after a
// scripted run of deliveries every outcome's count in /metrics is what was
// sent, and every declared route's series exist at zero beforehand.
func TestListenAdminMetrics(t *testing.T) {
	t.Parallel()
	p := startListen(t, []string{tChecklyEnv, "ONCALL_AUTHORIZATION=" + lOnCall}, "--order", "--admin", "127.0.0.1:0")
	if p.admin == "" {
		t.Fatalf("no admin address in the start-up line:\n%s", p.stderr.text())
	}
	if code, m := getJSON(t, "http://"+p.admin+"/healthz"); code != 200 || m["status"] != "ok" {
		t.Errorf("/healthz: %d %v", code, m)
	}
	if code, m := getJSON(t, "http://"+p.admin+"/readyz"); code != 200 || m["status"] != "ready" || m["store"] != "memory" {
		t.Errorf("/readyz: %d %v", code, m)
	}
	before := scrape(t, p.admin)
	for _, k := range []string{"checkly processed", "checkly handler_error", "oncall store_unavailable"} {
		if v, ok := before[k]; !ok || v != 0 {
			t.Errorf("before any delivery, %q = %v (present %v), want a series at 0", k, v, ok)
		}
	}

	now := time.Now()
	sent := map[string]float64{}
	send := func(path string, body []byte, h http.Header, want string) {
		t.Helper()
		_, outcome := post(t, p.url(path), body, h)
		if outcome != want {
			t.Fatalf("%s: %s, want %s", path, outcome, want)
		}
		sent[strings.TrimPrefix(path, "/")+" "+want]++
	}
	for i := range 5 {
		body, h := checklyDelivery(t, "ALERT_FAILURE", fmt.Sprintf("check-%d", i), now.Add(-time.Minute))
		send("/checkly", body, h, "processed")
		if i < 2 {
			send("/checkly", body, signedHeader(t, hooktest.Checkly(lChecklyNew), body, now.Add(time.Second)), "duplicate")
		}
		if i < 3 {
			send("/checkly", body, signedHeader(t, hooktest.Checkly("wrong"), body, now), "unauthenticated")
		}
	}
	late, lh := checklyDelivery(t, "ALERT_RECOVERY", "check-0", now.Add(-2*time.Minute))
	send("/checkly", late, lh, "out_of_order")
	stale, _ := checklyDelivery(t, "ALERT_SSL", "check-9", now.Add(-time.Minute))
	send("/checkly", stale, signedHeader(t, hooktest.Checkly(lChecklyNew), stale, now.Add(-10*time.Minute)), "stale")
	oc := hooktest.OnCallBody(hooktest.OnCallEvent("acknowledge", now))
	send("/oncall", oc, hooktest.AuthorizationHeader(lOnCall), "processed")
	send("/oncall", oc, hooktest.AuthorizationHeader("Bearer nope"), "unauthenticated")
	send("/oncall", []byte(`{"event":`), hooktest.AuthorizationHeader(lOnCall), "bad_payload")

	got := scrape(t, p.admin)
	for k, v := range got {
		if v != sent[k] {
			t.Errorf("%s: /metrics says %v, %v were sent", k, v, sent[k])
		}
	}
	for k, v := range sent {
		if got[k] != v {
			t.Errorf("%s: %v sent, /metrics says %v", k, v, got[k])
		}
	}

	// SIGTERM ends it cleanly. (TestReadyzShuttingDown, in readyz_test.go,
	// checks that /readyz answers 503 while it shuts down.)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.waitExit(t); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// The proxy's /readyz asks the file inbox; /metrics watches it.
func TestProxyReadyAndInboxGauges(t *testing.T) {
	t.Parallel()
	up := startUpstream(t, nil)
	p := startProxy(t, []string{tChecklyEnv, tProxyEnv}, fill(proxyBase+`
routes:
  - {path: /checkly, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}}
`, map[string]string{"data": t.TempDir(), "up": up.url()}))
	if code, m := getJSON(t, "http://"+p.admin+"/readyz"); code != 200 || m["store"] != "file" {
		t.Errorf("/readyz: %d %v", code, m)
	}
	body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
	post(t, p.url("/checkly"), body, h)
	up.wait(t, 1, 10*time.Second)
	p.stdout.wait(t, 0, "processed", func(map[string]any) bool { return true })
	wants := []string{`hookseal_inbox_up{inbox="hookseal"} 1`, `hookseal_inbox_entries{inbox="hookseal",state="dead"} 0`,
		`hookseal_deliveries_total{outcome="accepted",provider="checkly",reason="",route="checkly"} 1`,
		`hookseal_deliveries_total{outcome="processed",provider="checkly",reason="",route="checkly"} 1`}
	// The processed line can be printed a moment before the run's outcome
	// is counted: read /metrics until it has them all, for up to 10 s.
	var missing []string
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get("http://" + p.admin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		missing = missing[:0]
		for _, want := range wants {
			if !strings.Contains(string(b), want) {
				missing = append(missing, want)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range missing {
		t.Errorf("/metrics lacks %s", want)
	}
}

// listen --inbox keeps deliveries in a file inbox: the sender gets
// accepted, and the processed line comes from the run, with the event's
// type. --checkly-keys maps a template's own keys.
func TestListenInboxAndKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startListen(t, []string{tChecklyEnv}, "--inbox", dir, "--order", "--checkly-keys", "kind=ALERT_TYPE,check=CHECK_ID,started=STARTED_AT")
	start, _ := p.stderr.wait(t, 0, "listening", func(m map[string]any) bool { return m["msg"] == "listening" })
	if start["store"] != "file" || start["inbox"] != true {
		t.Errorf("start-up line: %v", start)
	}
	body := []byte(`{"kind":"ALERT_FAILURE","check":"c-1","started":"` + time.Now().Add(-time.Minute).UTC().Format(time.RFC3339) + `"}`)
	if status, outcome := post(t, p.url("/checkly"), body, signedHeader(t, hooktest.Checkly(lChecklyNew), body, time.Now())); status != 200 || outcome != "accepted" {
		t.Fatalf("%d %s", status, outcome)
	}
	m, _ := p.stdout.wait(t, 0, "processed", func(map[string]any) bool { return true })
	if m["provider"] != "checkly" || m["type"] != "ALERT_FAILURE" || m["resource"] != "c-1" || !hexKey.MatchString(fmt.Sprint(m["delivery"])) {
		t.Errorf("processed line: %v", m)
	}
	p.stderr.wait(t, 0, "accepted", func(m map[string]any) bool { return m["outcome"] == "accepted" && m["status"] == 200.0 })
	if _, err := os.Stat(filepath.Join(dir, "hookseal.db")); err != nil {
		t.Errorf("the inbox file: %v", err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitExit(t)
	r := hookseal(t, nil, nil, "inbox", "counts", "--data-dir", dir, "--json")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, `"pending":0`) || !strings.Contains(r.stdout, `"dead":0`) {
		t.Errorf("counts: %s", r.stdout)
	}
}

// listen --config serves a proxy's config file, printing instead of
// forwarding: no upstream is needed.
func TestListenConfig(t *testing.T) {
	t.Parallel()
	path := writeFile(t, t.TempDir(), "hooks.yaml", `
listen: 127.0.0.1:0
admin: ""
inbox: {enabled: false}
routes:
  - path: /alerts/checkly
    sender: checkly
    secrets: {env: CHECKLY_WEBHOOK_SECRET}
`)
	p := startServing(t, []string{tChecklyEnv}, "listen", "--config", path)
	body, h := checklyDelivery(t, "ALERT_FAILURE", "check-a", time.Now().Add(-time.Minute))
	if status, outcome := post(t, p.url("/alerts/checkly"), body, h); status != 200 || outcome != "processed" {
		t.Fatalf("%d %s", status, outcome)
	}
	m, _ := p.stdout.wait(t, 0, "processed", func(map[string]any) bool { return true })
	if m["provider"] != "alerts-checkly" || m["resource"] != "check-a" {
		t.Errorf("processed line: %v", m)
	}
	r := hookseal(t, nil, []string{tChecklyEnv}, "listen", "--config", path, "--order")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "--order goes in the config file") {
		t.Errorf("%s", r.stderr)
	}
}
