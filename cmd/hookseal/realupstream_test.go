package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/hooktest"
)

// needTool skips the test when a tool the real upstreams run on is
// missing, except under CI=true, where .ci/run installs it: there a
// missing tool fails the test rather than hiding it.
func needTool(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed, and CI=true: .ci/run installs it", name)
			}
			t.Skipf("%s is not installed; the test runs an upstream on it (CI installs it)", name)
		}
	}
}

var (
	nodeOnce sync.Once
	nodeDir  string
	nodeErr  error
)

// nodeUpstreamDir is a copy of testdata/upstream/node with its locked
// dependencies installed (npm ci), made once per test binary in a
// directory of its own, so the source tree stays as checked out.
func nodeUpstreamDir(t *testing.T) string {
	t.Helper()
	nodeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hookseal-node-upstream-")
		if err != nil {
			nodeErr = err
			return
		}
		for _, f := range []string{"server.js", "package.json", "package-lock.json"} {
			b, err := os.ReadFile(filepath.Join("testdata", "upstream", "node", f))
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, f), b, 0o600)
			}
			if err != nil {
				nodeErr = err
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			nodeErr = fmt.Errorf("npm ci: %v\n%s", err, out)
			return
		}
		nodeDir = dir
	})
	if nodeErr != nil {
		t.Fatal(nodeErr)
	}
	return nodeDir
}

// appProc is an app behind the proxy running as a process of its own
// (node or python3), on a fixed port so that it can be stopped and
// started again; out collects the JSON lines of every run.
type appProc struct {
	t    *testing.T
	argv []string
	dir  string
	port int
	out  *lines
	cmd  *exec.Cmd
	done chan struct{}
}

func (a *appProc) start() {
	t := a.t
	t.Helper()
	cmd := exec.Command(a.argv[0], a.argv[1:]...)
	cmd.Dir = a.dir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(a.port), "HOOKSEAL_PROXY_SECRET="+tProxySecret)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = a.out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a.cmd, a.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(a.done) }()
	t.Cleanup(a.stop)
	from := len(a.out.snapshot())
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, l := range a.out.snapshot()[from:] {
			if strings.Contains(l, `"listening"`) {
				return
			}
		}
		select {
		case <-a.done:
			t.Fatalf("%v exited before listening:\n%s", a.argv, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v did not say it listens:\n%s", a.argv, stderr.String())
		}
	}
}

// stop ends the app with SIGTERM (the way an orchestrator stops it) and
// waits for it to exit.
func (a *appProc) stop() {
	if a.cmd == nil {
		return
	}
	select {
	case <-a.done:
	default:
		_ = a.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-a.done:
		case <-time.After(5 * time.Second):
			_ = a.cmd.Process.Kill()
			<-a.done
		}
	}
	a.cmd = nil
}

// TestProxyRealUpstreams puts the proxy in front of a Node app that checks
// each hop with the official standardwebhooks package and a Python app
// that checks it with hmac alone. Checkly, StatusStack, OnCall and Datadog
// alerts for two resources each go through; the app is stopped for a
// while, during which the proxy keeps accepting (200) the next alerts, and
// started again: every alert reaches it exactly once, in per-resource
// order, byte for byte, and passes its own check. It installs the Node
// app's dependencies and waits through the outage, so make test (-short)
// skips it; make test-long and CI run it. The two apps run side by side.
func TestProxyRealUpstreams(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real Node and Python upstreams through an outage (make test-long runs it)")
	}
	t.Run("node", func(t *testing.T) {
		t.Parallel()
		needTool(t, "node", "npm")
		dir := nodeUpstreamDir(t)
		runRealUpstream(t, []string{"node", "server.js"}, dir)
	})
	t.Run("python", func(t *testing.T) {
		t.Parallel()
		needTool(t, "python3")
		dir, err := filepath.Abs(filepath.Join("testdata", "upstream", "python"))
		if err != nil {
			t.Fatal(err)
		}
		runRealUpstream(t, []string{"python3", "-u", "server.py"}, dir)
	})
}

// alert is one delivery of the scenario.
type alert struct {
	path, resource string
	body           []byte
	header         http.Header
}

func runRealUpstream(t *testing.T, argv []string, dir string) {
	app := &appProc{t: t, argv: argv, dir: dir, port: freePort(t), out: newLines()}
	app.start()
	const ddUser, ddPassword = "datadog", "dd-passw0rd"
	p := startProxy(t, []string{tChecklyEnv, tProxyEnv, "STATUSSTACK_WEBHOOK_SECRET=" + lStatusStack, "ONCALL_AUTHORIZATION=" + lOnCall,
		"DATADOG_WEBHOOK_PASSWORD=" + ddPassword}, fill(`
listen: 127.0.0.1:0
admin: 127.0.0.1:0
data_dir: {{data}}
inbox: {backoff_min: 100ms, backoff_max: 1s}
upstream:
  url: http://127.0.0.1:{{port}}/hooks
  timeout: 2s
  secret: {env: HOOKSEAL_PROXY_SECRET}
routes:
  - {path: /checkly, sender: checkly, secrets: {env: CHECKLY_WEBHOOK_SECRET}, order: true}
  - {path: /statusstack, sender: statusstack, secrets: {env: STATUSSTACK_WEBHOOK_SECRET}, order: true}
  - {path: /oncall, sender: oncall, secrets: {env: ONCALL_AUTHORIZATION}, order: true}
  - {path: /datadog, sender: datadog, user: datadog, secrets: {env: DATADOG_WEBHOOK_PASSWORD}, order: true}
`, map[string]string{"data": t.TempDir(), "port": strconv.Itoa(app.port)}))

	// Four alerts per resource, in event-time order: two sent while the
	// app is up, two while it is down.
	base := time.Now().Add(-3 * time.Minute).UTC().Truncate(time.Second)
	var batches [2][]alert
	for r := range 2 {
		for i := range 4 {
			at := base.Add(time.Duration(10*r+i) * time.Second)
			batch := &batches[i/2]
			check := fmt.Sprintf("check-%d", r)
			ca := hooktest.ChecklyAlert([]checkly.AlertType{checkly.AlertFailure, checkly.AlertDegraded, checkly.AlertRecovery, checkly.AlertFailure}[i], at)
			ca.CheckID = check
			cb := hooktest.ChecklyBody(ca)
			*batch = append(*batch, alert{"/checkly", check, cb, signedHeader(t, hooktest.Checkly(lChecklyNew), cb, time.Now())})

			se := hooktest.StatusStackEvent([]string{statusstack.MonitorDown, statusstack.MonitorRecovered}[i%2], at)
			se.Monitor.ID = fmt.Sprintf("mon_%d", r)
			sb := hooktest.StatusStackBody(se)
			*batch = append(*batch, alert{"/statusstack", "monitor:" + se.Monitor.ID, sb, signedHeader(t, hooktest.StatusStack(lStatusStack), sb, time.Now())})

			oe := hooktest.OnCallEvent([]string{oncall.TypeAlertGroupCreated, oncall.TypeAcknowledge, oncall.TypeResolve, oncall.TypeAcknowledge}[i], at)
			oe.AlertGroup.ID = fmt.Sprintf("GROUP%d", r)
			oe.AlertGroupID = oe.AlertGroup.ID
			ob := hooktest.OnCallBody(oe)
			*batch = append(*batch, alert{"/oncall", oe.AlertGroup.ID, ob, hooktest.AuthorizationHeader(lOnCall)})

			de := hooktest.DatadogEvent([]datadog.Transition{datadog.Triggered, datadog.Recovered}[i%2], at)
			de.AlertCycleKey = fmt.Sprintf("cycle-%d", r)
			db := hooktest.DatadogBody(de)
			*batch = append(*batch, alert{"/datadog", de.AlertCycleKey, db, hooktest.BasicHeader(ddUser, ddPassword)})
		}
	}
	send := func(batch []alert) {
		t.Helper()
		for _, a := range batch {
			if status, outcome := post(t, p.url(a.path), a.body, a.header); status != 200 || outcome != "accepted" {
				t.Fatalf("%s %s: %d %s, want 200 accepted", a.path, a.resource, status, outcome)
			}
		}
	}
	received := func() []map[string]any {
		var got []map[string]any
		for _, l := range app.out.snapshot() {
			if !strings.Contains(l, `"listening"`) {
				got = append(got, mustJSONObject(t, l))
			}
		}
		return got
	}
	waitReceived := func(n int, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for len(received()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("the app got %d requests after %s, want %d; proxy stderr:\n%s", len(received()), timeout, n, p.stderr.text())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	send(batches[0])
	waitReceived(len(batches[0]), 20*time.Second)
	app.stop()
	send(batches[1]) // the proxy takes them while the app is down
	p.stderr.wait(t, 0, "a retry of a refused connection", func(m map[string]any) bool {
		return m["outcome"] == "retrying" && strings.Contains(fmt.Sprint(m["reason"]), "connection refused")
	})
	time.Sleep(1500 * time.Millisecond) // a few more backoffs
	app.start()
	all := append(append([]alert(nil), batches[0]...), batches[1]...)
	waitReceived(len(all), 30*time.Second)
	time.Sleep(500 * time.Millisecond) // nothing more comes

	got := received()
	if len(got) != len(all) {
		t.Errorf("the app got %d requests, want %d (each alert once)", len(got), len(all))
	}
	// Which alert each body is, and its place in its resource's order.
	type place struct {
		a   alert
		seq int
	}
	bySum := map[string]place{}
	seqs := map[string]int{}
	for _, a := range all {
		sum := sha256.Sum256(a.body)
		key := a.path + " " + a.resource
		bySum[hex.EncodeToString(sum[:])] = place{a, seqs[key]}
		seqs[key]++
	}
	seen := map[string]bool{}
	next := map[string]int{}
	for _, m := range got {
		pl, ok := bySum[fmt.Sprint(m["sha256"])]
		switch {
		case m["verified"] != true:
			t.Errorf("the app's own check refused a hop: %v", m)
		case m["duplicate"] != false:
			t.Errorf("the app got a webhook-id twice: %v", m)
		case !ok:
			t.Errorf("the app got a body nobody sent (not byte for byte?): %v", m)
		case seen[fmt.Sprint(m["sha256"])]:
			t.Errorf("an alert arrived twice: %v", m)
		}
		if !ok {
			continue
		}
		seen[fmt.Sprint(m["sha256"])] = true
		key := pl.a.path + " " + pl.a.resource
		if pl.seq != next[key] {
			t.Errorf("%s: alert %d of the resource arrived when %d was due", key, pl.seq, next[key])
		}
		next[key] = pl.seq + 1
		if m["resource"] != pl.a.resource || m["route"] != strings.TrimPrefix(pl.a.path, "/") || m["content_type"] != "application/json" {
			t.Errorf("%s: the hop's headers: %v", key, m)
		}
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, lChecklyNew, lStatusStack, "oncall-t0ken-value", ddPassword, tProxySecret)
}

func mustJSONObject(t *testing.T, line string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("the app printed %q: %v", line, err)
	}
	return m
}
