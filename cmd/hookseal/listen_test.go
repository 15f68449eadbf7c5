package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/alertmanager"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/event/pagerduty"
	"github.com/hookseal/hookseal/hooktest"
)

// Credentials of the listen tests: none may ever be printed.
const (
	lChecklyNew  = "checkly-new-s3cr3t"
	lChecklyOld  = "checkly-old-s3cr3t"
	lStatusStack = "statusstack-s3cr3t"
	lOnCall      = "Bearer oncall-t0ken-value"
	lDDUser      = "datadog-hooks"
	lDDPassword  = "datadog-passw0rd"
)

// post sends body with header to url and returns the status and outcome.
func post(t *testing.T, url string, body []byte, h http.Header) (int, string) {
	t.Helper()
	req, err := hooktest.Request(url, body, h)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(b), "s3cr3t") || strings.Contains(string(b), "passw0rd") {
		t.Errorf("response body carries a secret: %s", b)
	}
	return resp.StatusCode, resp.Header.Get("Hookseal-Outcome")
}

func signedHeader(t *testing.T, s *hooktest.Signer, body []byte, at time.Time) http.Header {
	t.Helper()
	d, err := s.Sign(body, hooktest.WithTimestamp(at))
	if err != nil {
		t.Fatal(err)
	}
	return d.Header
}

var hexKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestListen(t *testing.T) {
	t.Parallel()
	iss, err := hooktest.NewJWTIssuer("ES256", "https://login.example.com/", "https://hooks.example.com/datadog")
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(jwks, iss.JWKS(), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startListen(t, []string{
		"CHECKLY_WEBHOOK_SECRET=" + lChecklyNew + ", " + lChecklyOld, // rotation; whitespace ignored
		"STATUSSTACK_WEBHOOK_SECRET=" + lStatusStack,
		"ONCALL_AUTHORIZATION=" + lOnCall,
		"DATADOG_WEBHOOK_USER=" + lDDUser,
		"DATADOG_WEBHOOK_PASSWORD=" + lDDPassword,
	}, "--order", "--jwks", jwks, "--issuer", "https://login.example.com/",
		"--audience", "https://hooks.example.com/datadog", "--jwt-alg", "ES256")

	// The start-up line names the routes served and those not configured.
	start, _ := p.stderr.wait(t, 0, "listening", func(m map[string]any) bool { return m["msg"] == "listening" })
	if fmt.Sprint(start["routes"]) != "[/checkly /statusstack /oncall /datadog]" || fmt.Sprint(start["unconfigured"]) != "[/grafana /pagerduty /alertmanager /standardwebhooks]" {
		t.Errorf("start-up line: %v", start)
	}

	now := time.Now()
	alert := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_FAILURE", now.Add(-time.Minute)))
	recovery := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_RECOVERY", now.Add(-30*time.Second)))
	lateFailure := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_FAILURE", now.Add(-45*time.Second)))
	ss := hooktest.StatusStackBody(hooktest.StatusStackEvent("monitor.down", now))
	oc := hooktest.OnCallBody(hooktest.OnCallEvent("acknowledge", now))
	dd := hooktest.DatadogBody(hooktest.DatadogEvent("Triggered", now))
	ddJWT := hooktest.DatadogBody(hooktest.DatadogEvent("Recovered", now.Add(time.Second)))
	bearer, err := iss.Header()
	if err != nil {
		t.Fatal(err)
	}
	expired, err := iss.Header(hooktest.ExpiresIn(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	type sent struct {
		name     string
		path     string
		body     []byte
		header   http.Header
		status   int
		outcome  string
		provider string // for processed: the stdout line's provider and type
		typ      string
		resource string
	}
	deliveries := []sent{
		{"checkly, signed with the older secret", "/checkly", alert, signedHeader(t, hooktest.Checkly(lChecklyOld), alert, now), 200, "processed", "checkly", "ALERT_FAILURE", hooktest.ChecklyCheckID},
		{"checkly retry", "/checkly", alert, signedHeader(t, hooktest.Checkly(lChecklyOld), alert, now.Add(20*time.Second)), 200, "duplicate", "", "", ""},
		{"checkly wrong secret", "/checkly", alert, signedHeader(t, hooktest.Checkly("guessed"), alert, now), 401, "unauthenticated", "", "", ""},
		{"checkly tampered", "/checkly", hooktest.Tamper(recovery), signedHeader(t, hooktest.Checkly(lChecklyNew), recovery, now), 401, "unauthenticated", "", "", ""},
		{"checkly stale", "/checkly", recovery, signedHeader(t, hooktest.Checkly(lChecklyNew), recovery, now.Add(-10*time.Minute)), 200, "stale", "", "", ""},
		{"checkly recovery", "/checkly", recovery, signedHeader(t, hooktest.Checkly(lChecklyNew), recovery, now), 200, "processed", "checkly", "ALERT_RECOVERY", hooktest.ChecklyCheckID},
		{"checkly late failure", "/checkly", lateFailure, signedHeader(t, hooktest.Checkly(lChecklyNew), lateFailure, now), 200, "out_of_order", "", "", ""},
		{"statusstack", "/statusstack", ss, signedHeader(t, hooktest.StatusStack(lStatusStack), ss, now), 200, "processed", "statusstack", "monitor.down", "monitor:mon_k4q8z2"},
		{"oncall", "/oncall", oc, hooktest.AuthorizationHeader(lOnCall), 200, "processed", "oncall", "acknowledge", hooktest.OnCallAlertGroupID},
		{"oncall wrong token", "/oncall", oc, hooktest.AuthorizationHeader("Bearer nope"), 401, "unauthenticated", "", "", ""},
		{"datadog basic", "/datadog", dd, hooktest.BasicHeader(lDDUser, lDDPassword), 200, "processed", "datadog", "query_alert_monitor", hooktest.DatadogCycleKey},
		{"datadog jwt", "/datadog", ddJWT, bearer, 200, "processed", "datadog", "query_alert_monitor", hooktest.DatadogCycleKey},
		{"datadog expired jwt", "/datadog", ddJWT, expired, 401, "unauthenticated", "", "", ""},
		{"grafana not configured", "/grafana", []byte(`{}`), nil, 404, "not_found", "", "", ""},
		{"no such route", "/github", []byte(`{}`), nil, 404, "not_found", "", "", ""},
	}
	outLine, errLine := 0, 1
	for _, d := range deliveries {
		status, outcome := post(t, p.url(d.path), d.body, d.header)
		if status != d.status || outcome != d.outcome {
			t.Errorf("%s: %d %s, want %d %s", d.name, status, outcome, d.status, d.outcome)
			continue
		}
		if d.outcome == "processed" {
			m, i := p.stdout.wait(t, outLine, d.name, func(map[string]any) bool { return true })
			outLine = i + 1
			if len(m) != 5 || m["provider"] != d.provider || m["type"] != d.typ || m["resource"] != d.resource ||
				!hexKey.MatchString(fmt.Sprint(m["delivery"])) {
				t.Errorf("%s: stdout line %v", d.name, m)
			}
			if _, err := time.Parse(time.RFC3339, fmt.Sprint(m["time"])); err != nil {
				t.Errorf("%s: time %v is not RFC 3339", d.name, m["time"])
			}
			continue
		}
		m, i := p.stderr.wait(t, errLine, d.name, func(map[string]any) bool { return true })
		errLine = i + 1
		if m["outcome"] != d.outcome || fmt.Sprint(m["status"]) != fmt.Sprint(d.status) || m["reason"] == "" {
			t.Errorf("%s: stderr line %v", d.name, m)
		}
		switch d.name {
		case "checkly wrong secret":
			if !strings.Contains(fmt.Sprint(m["reason"]), "signature invalid") || m["provider"] != "checkly" {
				t.Errorf("%s: %v", d.name, m)
			}
		case "checkly stale":
			if !strings.Contains(fmt.Sprint(m["reason"]), "too old") {
				t.Errorf("%s: %v", d.name, m)
			}
		case "datadog expired jwt":
			if !strings.Contains(fmt.Sprint(m["reason"]), "expired") {
				t.Errorf("%s: %v", d.name, m)
			}
		case "grafana not configured":
			if !strings.Contains(fmt.Sprint(m["reason"]), "GRAFANA_WEBHOOK_SECRET") || m["path"] != "/grafana" {
				t.Errorf("%s: %v", d.name, m)
			}
		}
	}

	// A route answers 405 to other methods.
	resp, err := http.Get(p.url("/checkly"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /checkly: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	p.stderr.wait(t, errLine, "method_not_allowed", func(m map[string]any) bool { return m["outcome"] == "method_not_allowed" })

	// Every stderr line is JSON, as is every stdout line; and no secret was
	// printed anywhere.
	for _, l := range append(p.stdout.snapshot(), p.stderr.snapshot()...) {
		if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
			t.Errorf("not a JSON line: %q", l)
		}
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()},
		lChecklyNew, lChecklyOld, lStatusStack, "oncall-t0ken-value", lDDPassword, strings.TrimPrefix(bearer.Get("Authorization"), "Bearer "))

	if runtime.GOOS != "windows" {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := p.waitExit(t); code != 0 {
			t.Errorf("exit %d after SIGTERM; stderr:\n%s", code, p.stderr.text())
		}
	}
}

// The routes of PagerDuty, Alertmanager and Standard Webhooks (v1 HMAC
// secrets beside v1a public keys) are served from their variables, with
// --order on the two whose events name a resource.
func TestListenPagerDutyAlertmanagerStandardWebhooks(t *testing.T) {
	t.Parallel()
	const (
		pdSecret = "pagerduty-s3cr3t"
		amAuth   = "Bearer alertmanager-t0ken"
	)
	swSecretKey, swPublicKey := hooktest.NewStandardWebhooksKey()
	whsec := "whsec_" + base64.StdEncoding.EncodeToString([]byte("standard-webhooks-s3cr3t"))
	p := startListen(t, []string{
		"PAGERDUTY_WEBHOOK_SECRET=" + pdSecret,
		"ALERTMANAGER_AUTHORIZATION=" + amAuth,
		"STANDARD_WEBHOOKS_SECRET=" + whsec + "," + swPublicKey,
	}, "--order")
	start, _ := p.stderr.wait(t, 0, "listening", func(m map[string]any) bool { return m["msg"] == "listening" })
	if fmt.Sprint(start["routes"]) != "[/pagerduty /alertmanager /standardwebhooks]" {
		t.Errorf("start-up line: %v", start)
	}

	now := time.Now()
	resolved := hooktest.PagerDutyBody(hooktest.PagerDutyEvent(pagerduty.IncidentResolved, now.Add(-time.Minute)))
	acked := hooktest.PagerDutyBody(hooktest.PagerDutyEvent(pagerduty.IncidentAcknowledged, now.Add(-2*time.Minute)))
	firing := hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage(alertmanager.StatusFiring, now.Add(-time.Minute)))
	sw := []byte(`{"type":"invoice.paid"}`)
	sign := func(s *hooktest.Signer, body []byte, opts ...hooktest.Option) http.Header {
		t.Helper()
		d, err := s.Sign(body, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return d.Header
	}
	for _, d := range []struct {
		name, path string
		body       []byte
		header     http.Header
		status     int
		outcome    string
	}{
		{"pagerduty resolved", "/pagerduty", resolved, sign(hooktest.PagerDuty(pdSecret), resolved), 200, "processed"},
		{"pagerduty acknowledged before it", "/pagerduty", acked, sign(hooktest.PagerDuty(pdSecret), acked), 200, "out_of_order"},
		{"pagerduty wrong secret", "/pagerduty", resolved, sign(hooktest.PagerDuty("guessed"), resolved), 401, "unauthenticated"},
		{"alertmanager firing", "/alertmanager", firing, hooktest.AuthorizationHeader(amAuth), 200, "processed"},
		{"alertmanager retry", "/alertmanager", firing, hooktest.AuthorizationHeader(amAuth), 200, "duplicate"},
		{"alertmanager wrong token", "/alertmanager", firing, hooktest.AuthorizationHeader("Bearer nope"), 401, "unauthenticated"},
		{"standard webhooks v1a", "/standardwebhooks", sw, sign(hooktest.StandardWebhooks(swSecretKey), sw, hooktest.WithID("msg_a")), 200, "processed"},
		{"standard webhooks v1", "/standardwebhooks", sw, sign(hooktest.StandardWebhooks(whsec), sw, hooktest.WithID("msg_b")), 200, "processed"},
		{"standard webhooks retry", "/standardwebhooks", sw, sign(hooktest.StandardWebhooks(swSecretKey), sw, hooktest.WithID("msg_a")), 200, "duplicate"},
		{"standard webhooks another key", "/standardwebhooks", sw, sign(hooktest.StandardWebhooks(func() string { k, _ := hooktest.NewStandardWebhooksKey(); return k }()), sw, hooktest.WithID("msg_c")), 401, "unauthenticated"},
	} {
		if status, outcome := post(t, p.url(d.path), d.body, d.header); status != d.status || outcome != d.outcome {
			t.Errorf("%s: %d %s, want %d %s", d.name, status, outcome, d.status, d.outcome)
		}
	}
	for i, want := range []string{"pagerduty", "alertmanager", "standardwebhooks", "standardwebhooks"} {
		m, _ := p.stdout.wait(t, i, want, func(map[string]any) bool { return true })
		if m["provider"] != want {
			t.Errorf("stdout line %d: %v, want provider %s", i, m, want)
		}
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, pdSecret, "alertmanager-t0ken", whsec, swSecretKey)
}

// SIGTERM lets a request in flight finish, then exits 0; new connections
// are refused meanwhile.
func TestListenGracefulShutdown(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	p := startListen(t, []string{"CHECKLY_WEBHOOK_SECRET=" + lChecklyNew})
	body := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_DEGRADED", time.Now()))
	h := signedHeader(t, hooktest.Checkly(lChecklyNew), body, time.Now())

	// Start a request and send half its body: it is in flight.
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var req strings.Builder
	fmt.Fprintf(&req, "POST /checkly HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n", p.addr, len(body))
	for _, name := range []string{"X-Checkly-Signature", "X-Checkly-Timestamp"} {
		fmt.Fprintf(&req, "%s: %s\r\n", name, h.Get(name))
	}
	req.WriteString("\r\n")
	half := len(body) / 2
	if _, err := io.WriteString(conn, req.String()+string(body[:half])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server reads the headers

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.stderr.wait(t, 0, "shutting down", func(m map[string]any) bool { return m["msg"] == "shutting down" })
	select {
	case <-p.done:
		t.Fatalf("listen exited with a request in flight; stderr:\n%s", p.stderr.text())
	case <-time.After(300 * time.Millisecond):
	}
	// The listener is closed: a new delivery cannot get in.
	if c, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted during shutdown")
	}

	// The request in flight completes and is processed.
	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Hookseal-Outcome") != "processed" {
		t.Errorf("request in flight: %d %s", resp.StatusCode, resp.Header.Get("Hookseal-Outcome"))
	}
	if code := p.waitExit(t); code != 0 {
		t.Errorf("exit %d; stderr:\n%s", code, p.stderr.text())
	}
	p.stdout.wait(t, 0, "processed ALERT_DEGRADED", func(m map[string]any) bool { return m["type"] == "ALERT_DEGRADED" })
	p.stderr.wait(t, 0, "stopped", func(m map[string]any) bool { return m["msg"] == "stopped" })
}

// A flag wins over its environment variable; --max-body answers 413.
func TestListenFlagsOverEnv(t *testing.T) {
	t.Parallel()
	p := startListen(t, []string{"CHECKLY_WEBHOOK_SECRET=from-env-s3cr3t"}, "--checkly-secret", "from-flag-s3cr3t", "--max-body", "512")
	body := hooktest.ChecklyBody(hooktest.ChecklyAlert("ALERT_SSL", time.Now()))
	if status, _ := post(t, p.url("/checkly"), body, signedHeader(t, hooktest.Checkly("from-env-s3cr3t"), body, time.Now())); status != 413 {
		t.Errorf("a %d-byte body over --max-body 512: %d", len(body), status)
	}
	small := []byte(`{"alert_type":"ALERT_SSL","check_id":"c","check_result_id":"r1"}`)
	if status, outcome := post(t, p.url("/checkly"), small, signedHeader(t, hooktest.Checkly("from-env-s3cr3t"), small, time.Now())); status != 401 {
		t.Errorf("signed with the env secret while the flag is set: %d %s", status, outcome)
	}
	if status, outcome := post(t, p.url("/checkly"), small, signedHeader(t, hooktest.Checkly("from-flag-s3cr3t"), small, time.Now())); status != 200 || outcome != "processed" {
		t.Errorf("signed with the flag's secret: %d %s", status, outcome)
	}
	p.stderr.wait(t, 0, "too_large", func(m map[string]any) bool { return m["outcome"] == "too_large" })
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, "from-env-s3cr3t", "from-flag-s3cr3t")
}

// Secrets read from files (NAME_FILE, one per line), the way mounted
// secrets arrive: a secret with a comma in it stays one secret, the
// trailing newline every file has is no part of it, and both lines of a
// rotation are accepted.
func TestListenSecretsFromFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	checklyFile := filepath.Join(dir, "checkly")
	if err := os.WriteFile(checklyFile, []byte("new,with-a-comma-s3cr3t\nold-s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	oncallFile := filepath.Join(dir, "oncall")
	if err := os.WriteFile(oncallFile, []byte(lOnCall+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startListen(t, []string{"CHECKLY_WEBHOOK_SECRET_FILE=" + checklyFile, "ONCALL_AUTHORIZATION_FILE=" + oncallFile})
	for i, secret := range []string{"new,with-a-comma-s3cr3t", "old-s3cr3t"} {
		body := hooktest.ChecklyBody(hooktest.ChecklyAlert(checkly.AlertFailure, time.Now().Add(time.Duration(i)*time.Second)))
		if status, outcome := post(t, p.url("/checkly"), body, signedHeader(t, hooktest.Checkly(secret), body, time.Now())); status != 200 || outcome != "processed" {
			t.Errorf("signed with line %d of the file: %d %s", i+1, status, outcome)
		}
	}
	// The comma does not split the secret into two weaker ones.
	for _, half := range []string{"new", "with-a-comma-s3cr3t"} {
		body := hooktest.ChecklyBody(hooktest.ChecklyAlert(checkly.AlertRecovery, time.Now()))
		if status, _ := post(t, p.url("/checkly"), body, signedHeader(t, hooktest.Checkly(half), body, time.Now())); status != 401 {
			t.Errorf("signed with %q, half of a secret: %d, want 401", half, status)
		}
	}
	body := hooktest.OnCallBody(hooktest.OnCallEvent(oncall.TypeResolve, time.Now()))
	if status, outcome := post(t, p.url("/oncall"), body, hooktest.AuthorizationHeader(lOnCall)); status != 200 || outcome != "processed" {
		t.Errorf("OnCall with the value from a CRLF file: %d %s", status, outcome)
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, "with-a-comma-s3cr3t", "old-s3cr3t", "oncall-t0ken-value")
}
