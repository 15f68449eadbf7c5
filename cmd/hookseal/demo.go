package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hookseal/hookseal/event/alertmanager"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/grafana"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/event/pagerduty"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/verify"
)

const demoAbout = `
Start a receiver on a free loopback port (the routes of "hookseal listen",
with the in-memory store and ordering on) and send it a scripted run of
real-shaped deliveries over HTTP: a valid one per provider, a tampered body,
a wrong secret, a stale Checkly retry, a duplicate, and a late FAILURE that
lands after its RECOVERY. Print what each was expected to get and what it
got. The receiver's clock is fixed, so every run prints the same table.
Exits 1 if any delivery got another answer than expected.`

const demoExamples = `  hookseal demo
  hookseal demo --verbose   # also show the receiver's JSON lines on stderr`

// demoNow is the receiver's fixed clock.
var demoNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Demo credentials: made up for the demo, and never printed all the same.
const (
	demoChecklySecret     = "demo-checkly-secret"
	demoStatusStackSecret = "demo-statusstack-secret"
	demoGrafanaSecret     = "demo-grafana-secret"
	demoOnCallAuth        = "Bearer demo-oncall-token"
	demoDatadogUser       = "datadog"
	demoDatadogPassword   = "demo-datadog-password"
	demoPagerDutySecret   = "demo-pagerduty-secret"
	demoAlertmanagerAuth  = "Bearer demo-alertmanager-token"
	demoCheckB            = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e"
)

// demoStep is one scripted delivery.
type demoStep struct {
	what string
	path string
	want middleware.Outcome
	// build returns the body and headers to send.
	build func() ([]byte, http.Header, error)
}

func runDemo(e *env, args []string) int {
	f := newFlags("demo", "hookseal demo [--verbose]", demoAbout, demoExamples)
	verbose := f.Bool("verbose", false, "also print the receiver's JSON lines on stderr")
	if ok, code := f.parse(e, args); !ok {
		return code
	}
	logw := io.Discard
	if *verbose {
		logw = e.stderr
	}
	cfg := &serveConfig{
		maxBody: middleware.DefaultMaxBodyBytes, maxAge: 5 * time.Minute,
		clock: func() time.Time { return demoNow },
		log:   &lineLog{out: logw, errw: logw},
	}
	// Standard Webhooks v1a: the sender signs with its Ed25519 secret key,
	// the receiver holds only the public key. A fresh pair per run.
	swSecretKey, swPublicKey := hooktest.NewStandardWebhooksKey()
	for _, r := range []*routeSpec{
		{name: "checkly", secrets: verify.Secrets(demoChecklySecret)},
		{name: "statusstack", secrets: verify.Secrets(demoStatusStackSecret)},
		{name: "oncall", secrets: verify.Secrets(demoOnCallAuth)},
		{name: "datadog", user: demoDatadogUser, secrets: verify.Secrets(demoDatadogPassword)},
		{name: "grafana", secrets: verify.Secrets(demoGrafanaSecret)},
		{name: "pagerduty", secrets: verify.Secrets(demoPagerDutySecret)},
		{name: "alertmanager", secrets: verify.Secrets(demoAlertmanagerAuth)},
		{name: "standardwebhooks", secrets: verify.Secrets(swPublicKey)},
	} {
		// Ordering needs a resource, which only typed senders' events name.
		r.path, r.sender, r.provider = "/"+r.name, findSender(r.name), r.name
		r.order = r.sender.typed
		r.scheme, _ = presetScheme(r.name, "")
		cfg.routes = append(cfg.routes, r)
	}
	rcv, err := build(e.ctx, cfg, buildServe)
	if err != nil {
		return fail(e, "demo", err)
	}
	defer rcv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(e, "demo", err)
	}
	srv := &http.Server{Handler: rcv.handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()

	base := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "hookseal demo: a receiver on %s serving %s\n", base, strings.Join(rcv.paths, " "))
	fmt.Fprintf(e.stdout, "(in-memory store, ordering on, receiver clock fixed at %s)\n\n", demoNow.Format(time.RFC3339))

	client := &http.Client{Timeout: 5 * time.Second}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tdelivery\texpected\tactual\tstatus")
	failed := 0
	steps := demoScript(swSecretKey)
	for i, s := range steps {
		actual, status := send(e, client, base+s.path, s)
		verdict := "ok"
		if actual != string(s.want) || status != fmt.Sprint(s.want.Status()) {
			verdict = "MISMATCH"
			failed++
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s  %s\n", i+1, s.what, s.want, actual, status, verdict)
	}
	_ = tw.Flush()
	if failed > 0 {
		fmt.Fprintf(e.stdout, "\n%d of %d deliveries did not get the expected answer.\n", failed, len(steps))
		return exitNo
	}
	fmt.Fprintf(e.stdout, "\nAll %d deliveries got the expected answer.\n", len(steps))
	return exitOK
}

// send delivers one step and returns the outcome and status it got.
func send(e *env, client *http.Client, url string, s demoStep) (outcome, status string) {
	body, h, err := s.build()
	if err != nil {
		return "error: " + err.Error(), "-"
	}
	req, err := hooktest.Request(url, body, h)
	if err != nil {
		return "error: " + err.Error(), "-"
	}
	resp, err := client.Do(req.WithContext(e.ctx))
	if err != nil {
		return "error: " + err.Error(), "-"
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Header.Get(middleware.OutcomeHeader), fmt.Sprint(resp.StatusCode)
}

// demoScript is the run of deliveries, in order. Times are relative to the
// receiver's fixed clock. swSecretKey is the Standard Webhooks sender's
// whsk_ key, whose public key the /standardwebhooks route holds.
func demoScript(swSecretKey string) []demoStep {
	at := func(d time.Duration) time.Time { return demoNow.Add(d) }
	checklyA := hooktest.Checkly(demoChecklySecret)
	pd := hooktest.PagerDuty(demoPagerDutySecret)
	sw := hooktest.StandardWebhooks(swSecretKey)
	firing := hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage(alertmanager.StatusFiring, at(-time.Minute)))
	swBody := []byte(`{"type":"invoice.paid","data":{"id":"in_1"}}`)
	hmac := func(s *hooktest.Signer, body []byte, opts ...hooktest.Option) func() ([]byte, http.Header, error) {
		return func() ([]byte, http.Header, error) {
			d, err := s.Sign(body, opts...)
			return d.Body, d.Header, err
		}
	}
	plain := func(body []byte, h http.Header) func() ([]byte, http.Header, error) {
		return func() ([]byte, http.Header, error) { return body, h, nil }
	}

	failureA := hooktest.ChecklyBody(hooktest.ChecklyAlert(checkly.AlertFailure, at(-time.Minute)))
	degradedA := hooktest.ChecklyBody(hooktest.ChecklyAlert(checkly.AlertDegraded, at(-30*time.Second)))
	checkB := func(t checkly.AlertType, run time.Time) []byte {
		a := hooktest.ChecklyAlert(t, run)
		a.CheckID, a.CheckName = demoCheckB, "Login page"
		a.ResultLink = "https://app.checklyhq.com/checks/" + demoCheckB + "/check-sessions/" + a.CheckResultID
		a.AILink = ""
		return hooktest.ChecklyBody(a)
	}
	return []demoStep{
		{"Checkly ALERT_FAILURE, check A (HMAC, fresh)", "/checkly", middleware.Processed,
			hmac(checklyA, failureA, hooktest.WithTimestamp(at(0)))},
		{"StatusStack component.status_changed (HMAC, signed time)", "/statusstack", middleware.Processed,
			hmac(hooktest.StatusStack(demoStatusStackSecret), hooktest.StatusStackBody(hooktest.StatusStackEvent(statusstack.ComponentStatusChanged, at(-10*time.Second))))},
		{"Grafana OnCall \"alert group created\" (Authorization token)", "/oncall", middleware.Processed,
			plain(hooktest.OnCallBody(hooktest.OnCallEvent(oncall.TypeAlertGroupCreated, at(-2*time.Minute))), hooktest.AuthorizationHeader(demoOnCallAuth))},
		{"Datadog Triggered, recommended payload (Basic)", "/datadog", middleware.Processed,
			plain(hooktest.DatadogBody(hooktest.DatadogEvent(datadog.Triggered, at(-30*time.Second))), hooktest.BasicHeader(demoDatadogUser, demoDatadogPassword))},
		{"Datadog Triggered, default payload: no resource to order by", "/datadog", middleware.Incomplete,
			plain(hooktest.DatadogDefaultBody(hooktest.DatadogEvent(datadog.Triggered, at(-20*time.Second))), hooktest.BasicHeader(demoDatadogUser, demoDatadogPassword))},
		{"Checkly alert from a template without ALERT_TYPE", "/checkly", middleware.Incomplete,
			hmac(checklyA, []byte(`{"alert":"Checkout API is down","check_id":"`+demoCheckB+`","started_at":"`+at(-time.Minute).Format(time.RFC3339)+`"}`), hooktest.WithTimestamp(at(0)))},
		{"Grafana Alerting firing (HMAC)", "/grafana", middleware.Processed,
			hmac(hooktest.GrafanaAlerting(demoGrafanaSecret), hooktest.GrafanaBody(hooktest.GrafanaMessage(grafana.StatusFiring, at(-5*time.Minute))))},
		{"Checkly ALERT_DEGRADED, body changed after signing", "/checkly", middleware.Unauthenticated,
			hmac(checklyA, degradedA, hooktest.WithTimestamp(at(0)), hooktest.Tampered())},
		{"StatusStack monitor.down signed with a wrong secret", "/statusstack", middleware.Unauthenticated,
			hmac(hooktest.StatusStack("not-the-configured-secret"), hooktest.StatusStackBody(hooktest.StatusStackEvent(statusstack.MonitorDown, at(-5*time.Second))))},
		{"Datadog with a wrong Basic password", "/datadog", middleware.Unauthenticated,
			plain(hooktest.DatadogDefaultBody(hooktest.DatadogEvent(datadog.Recovered, at(0))), hooktest.BasicHeader(demoDatadogUser, "guessed"))},
		{"Checkly retry of #1, x-checkly-timestamp 6 min old", "/checkly", middleware.Stale,
			hmac(checklyA, failureA, hooktest.WithTimestamp(at(-6*time.Minute)))},
		{"Checkly retry of #1, fresh (a duplicate)", "/checkly", middleware.Duplicate,
			hmac(checklyA, failureA, hooktest.WithTimestamp(at(20*time.Second)))},
		{"Checkly ALERT_RECOVERY, check B, run at 11:59", "/checkly", middleware.Processed,
			hmac(checklyA, checkB(checkly.AlertRecovery, at(-time.Minute)), hooktest.WithTimestamp(at(0)))},
		{"Checkly ALERT_FAILURE, check B, run at 11:58, retry after RECOVERY", "/checkly", middleware.OutOfOrder,
			hmac(checklyA, checkB(checkly.AlertFailure, at(-2*time.Minute)), hooktest.WithTimestamp(at(0)))},
		{"Grafana OnCall resolve, same alert group, later", "/oncall", middleware.Processed,
			plain(hooktest.OnCallBody(hooktest.OnCallEvent(oncall.TypeResolve, at(0))), hooktest.AuthorizationHeader(demoOnCallAuth))},
		{"PagerDuty incident.resolved (HMAC v1=, signed event.id)", "/pagerduty", middleware.Processed,
			hmac(pd, hooktest.PagerDutyBody(hooktest.PagerDutyEvent(pagerduty.IncidentResolved, at(-time.Minute))))},
		{"PagerDuty incident.acknowledged at 11:58, after the resolution", "/pagerduty", middleware.OutOfOrder,
			hmac(pd, hooktest.PagerDutyBody(hooktest.PagerDutyEvent(pagerduty.IncidentAcknowledged, at(-2*time.Minute))))},
		{"Alertmanager firing, group InstanceDown (bearer token)", "/alertmanager", middleware.Processed,
			plain(firing, hooktest.AuthorizationHeader(demoAlertmanagerAuth))},
		{"Alertmanager retry of it, before repeat_interval", "/alertmanager", middleware.Duplicate,
			plain(firing, hooktest.AuthorizationHeader(demoAlertmanagerAuth))},
		{"Standard Webhooks v1a (Ed25519, whpk_ public key)", "/standardwebhooks", middleware.Processed,
			hmac(sw, swBody, hooktest.WithID("msg_demo1"), hooktest.WithTimestamp(at(0)))},
		{"Standard Webhooks retry, same webhook-id", "/standardwebhooks", middleware.Duplicate,
			hmac(sw, swBody, hooktest.WithID("msg_demo1"), hooktest.WithTimestamp(at(10*time.Second)))},
	}
}
