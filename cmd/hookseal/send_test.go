package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// send delivers realistic samples to a listen process, each authenticated
// as its sender does it, and reports the answer.
func TestSendToListen(t *testing.T) {
	t.Parallel()
	p := startListen(t, []string{
		"CHECKLY_WEBHOOK_SECRET=" + lChecklyNew,
		"STATUSSTACK_WEBHOOK_SECRET=" + lStatusStack,
		"GRAFANA_WEBHOOK_SECRET=grafana-s3cr3t",
		"ONCALL_AUTHORIZATION=" + lOnCall,
		"DATADOG_WEBHOOK_USER=" + lDDUser,
		"DATADOG_WEBHOOK_PASSWORD=" + lDDPassword,
	}, "--order")
	body := filepath.Join(t.TempDir(), "alert.json")
	if err := os.WriteFile(body, []byte(`{"ALERT_TYPE":"ALERT_DEGRADED","CHECK_ID":"own-body","CHECK_RESULT_ID":"r-1","STARTED_AT":"`+time.Now().UTC().Format(time.RFC3339)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(t.TempDir(), "bare.json")
	if err := os.WriteFile(bare, []byte(`{"ALERT_TYPE":"ALERT_DEGRADED","CHECK_ID":"own-body"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		code    int
		status  string
		outcome string
		typ     string // the processed event's type in listen's stdout
	}{
		{"checkly default", []string{"--provider", "checkly", "--secret", lChecklyNew, "--url", p.url("/checkly")}, 0, "200 OK", "processed", "ALERT_FAILURE"},
		{"checkly stamped far ahead", []string{"--provider", "checkly", "--secret", lChecklyNew, "--url", p.url("/checkly"), "--event", "alert_recovery", "--timestamp", "2099-01-01T00:00:00Z"}, 0, "200 OK", "stale", ""},
		{"checkly own body", []string{"--provider", "checkly", "--secret", lChecklyNew, "--url", p.url("/checkly"), "--body", body}, 0, "200 OK", "processed", "ALERT_DEGRADED"},
		// A template with neither CHECK_RESULT_ID nor STARTED_AT: handled,
		// and said to be incomplete, never printed as processed.
		{"checkly own body without identity", []string{"--provider", "checkly", "--secret", lChecklyNew, "--url", p.url("/checkly"), "--body", bare}, 0, "200 OK", "incomplete", ""},
		{"statusstack", []string{"--provider", "statusstack", "--secret", lStatusStack, "--url", p.url("/statusstack"), "--event", "incident.created"}, 0, "200 OK", "processed", "incident.created"},
		{"oncall", []string{"--provider", "oncall", "--secret", lOnCall, "--url", p.url("/oncall"), "--event", "resolve"}, 0, "200 OK", "processed", "resolve"},
		{"datadog", []string{"--provider", "datadog", "--secret", lDDUser + ":" + lDDPassword, "--url", p.url("/datadog"), "--event", "Re-Triggered"}, 0, "200 OK", "processed", "query_alert_monitor"},
		{"grafana", []string{"--provider", "grafana", "--secret", "grafana-s3cr3t", "--url", p.url("/grafana"), "--event", "resolved"}, 0, "200 OK", "processed", "resolved"},
		{"wrong secret", []string{"--provider", "checkly", "--secret", "guessed-s3cr3t", "--url", p.url("/checkly"), "--event", "ALERT_SSL"}, 1, "401 Unauthorized", "unauthenticated", ""},
		{"wrong route", []string{"--provider", "github", "--secret", "gh-s3cr3t", "--url", p.url("/github")}, 1, "404 Not Found", "not_found", ""},
	}
	outLine := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := hookseal(t, nil, nil, append([]string{"send"}, c.args...)...)
			wantCode(t, r, c.code)
			if !strings.Contains(r.stdout, "status: "+c.status+"\n") || !strings.Contains(r.stdout, "outcome: "+c.outcome+"\n") {
				t.Errorf("send said:\n%s", r.stdout)
			}
			if !strings.HasPrefix(r.stdout, "sent ") {
				t.Errorf("send said:\n%s", r.stdout)
			}
			if c.typ != "" {
				m, i := p.stdout.wait(t, outLine, c.typ, func(map[string]any) bool { return true })
				outLine = i + 1
				if m["type"] != c.typ {
					t.Errorf("listen printed %v, want type %q", m, c.typ)
				}
			}
			noSecrets(t, []string{r.stdout, r.stderr}, lChecklyNew, lStatusStack, "oncall-t0ken-value", lDDPassword, "grafana-s3cr3t", "guessed-s3cr3t", "gh-s3cr3t")
		})
	}
	noSecrets(t, []string{p.stdout.text(), p.stderr.text()}, lChecklyNew, lStatusStack, "oncall-t0ken-value", lDDPassword, "grafana-s3cr3t", "guessed-s3cr3t")

	// Nothing listening: a clear error, exit 1.
	r := hookseal(t, nil, nil, "send", "--provider", "checkly", "--secret", "s", "--url", "http://127.0.0.1:1/checkly")
	wantCode(t, r, 1)
	if !strings.Contains(r.stderr, "hookseal send:") {
		t.Errorf("stderr: %s", r.stderr)
	}
}
