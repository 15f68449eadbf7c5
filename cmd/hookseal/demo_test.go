package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDemo(t *testing.T) {
	start := time.Now()
	r := hookseal(t, nil, nil, "demo")
	wantCode(t, r, 0)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("demo took %s", d)
	}
	want := []struct{ delivery, outcome, status string }{
		{"Checkly ALERT_FAILURE, check A", "processed", "200"},
		{"StatusStack component.status_changed", "processed", "200"},
		{`Grafana OnCall "alert group created" (Authorization token)`, "processed", "200"},
		{"Datadog Triggered, recommended payload (Basic)", "processed", "200"},
		{"Datadog Triggered, default payload: no resource", "incomplete", "200"},
		{"Checkly alert from a template without ALERT_TYPE", "incomplete", "200"},
		{"Grafana Alerting firing", "processed", "200"},
		{"body changed after signing", "unauthenticated", "401"},
		{"signed with a wrong secret", "unauthenticated", "401"},
		{"wrong Basic password", "unauthenticated", "401"},
		{"x-checkly-timestamp 6 min old", "stale", "200"},
		{"(a duplicate)", "duplicate", "200"},
		{"Checkly ALERT_RECOVERY, check B", "processed", "200"},
		{"retry after RECOVERY", "out_of_order", "200"},
		{"Grafana OnCall resolve", "processed", "200"},
		{"PagerDuty incident.resolved", "processed", "200"},
		{"PagerDuty incident.acknowledged at 11:58, after the resolution", "out_of_order", "200"},
		{"Alertmanager firing, group InstanceDown (bearer token)", "processed", "200"},
		{"Alertmanager retry of it, before repeat_interval", "duplicate", "200"},
		{"Standard Webhooks v1a (Ed25519, whpk_ public key)", "processed", "200"},
		{"Standard Webhooks retry, same webhook-id", "duplicate", "200"},
	}
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var table []string
	for _, row := range rows {
		if regexp.MustCompile(`^\d+\s`).MatchString(row) {
			table = append(table, row)
		}
	}
	if len(table) != len(want) {
		t.Fatalf("%d table rows, want %d:\n%s", len(table), len(want), r.stdout)
	}
	for i, w := range want {
		row := table[i]
		// expected, actual and status are the columns after the delivery.
		re := regexp.MustCompile(regexp.QuoteMeta(w.outcome) + `\s+` + regexp.QuoteMeta(w.outcome) + `\s+` + w.status + `\s+ok$`)
		if !strings.Contains(row, w.delivery) || !re.MatchString(row) {
			t.Errorf("row %d = %q, want %q expected and got %s %s", i+1, row, w.delivery, w.outcome, w.status)
		}
	}
	if !strings.Contains(r.stdout, "#") || !strings.Contains(r.stdout, "expected") || !strings.Contains(r.stdout, "actual") ||
		!strings.Contains(r.stdout, "All 21 deliveries got the expected answer.") {
		t.Errorf("header or summary missing:\n%s", r.stdout)
	}
	noSecrets(t, []string{r.stdout, r.stderr}, demoChecklySecret, demoStatusStackSecret, demoGrafanaSecret,
		"demo-oncall-token", demoDatadogPassword, demoPagerDutySecret, "demo-alertmanager-token", "whsk_")
}

// With --verbose the receiver's JSON lines go to stderr, and still no
// secret does.
func TestDemoVerbose(t *testing.T) {
	r := hookseal(t, nil, nil, "demo", "--verbose")
	wantCode(t, r, 0)
	for _, want := range []string{`"outcome":"stale"`, `"outcome":"duplicate"`, `"outcome":"out_of_order"`, `"type":"ALERT_RECOVERY"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %s:\n%s", want, r.stderr)
		}
	}
	noSecrets(t, []string{r.stdout, r.stderr}, demoChecklySecret, demoStatusStackSecret, demoGrafanaSecret,
		"demo-oncall-token", demoDatadogPassword, demoPagerDutySecret, "demo-alertmanager-token", "whsk_")
}
