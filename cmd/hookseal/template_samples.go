package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/hooktest"
)

// The sample scenarios a template is rendered over. Each sender gets the
// same four: an alert, its recovery, a second alert of the same check
// (alert group, monitor) later — a distinct alert that must render a
// distinct body — and an alert with every optional variable empty. Text
// values carry what breaks a careless template: quotes, a backslash, line
// breaks, a tab, HTML's special characters and non-ASCII text.

// tplScenario is one alert as the sender's template sees it.
type tplScenario struct {
	name string
	ctx  map[string]any // the template's context: strings, lists ([]any), objects, nil
	want tplPayload     // what the sender knows, as the payload type holds it
}

// tplBase is when the sample alerts start.
var tplBase = time.Date(2024, 5, 2, 8, 14, 0, 123e6, time.UTC)

const (
	tplName = `Checkout "API" ✓ — Zürich`
	// tplError is a Playwright error, as a browser check reports it.
	tplError = "Error: expect(locator).toBeVisible() failed\n\n" +
		`Locator: getByRole('button', { name: "Place order" })` + "\n" +
		"Expected: visible\nReceived: <element(s) not found>\nCall log:\n" +
		"  - waiting for `/checkout?step=pay&retry=off`\n\n" +
		`    at C:\checks\checkout.spec.ts:14:9`
)

// Checkly's free text, for a failure: each value with line breaks and a
// backslash, as real ones have, which Handlebars does not escape for JSON.
const (
	tplDescription = "Places a test order through the \"Checkout\" flow every 5 minutes.\n" +
		`Runbook: \\wiki\payments\checkout`
	tplRootCause = "The \"Place order\" button never rendered: the payments widget failed to load.\n" +
		`src\widgets\payments.tsx threw on a 503 from /api/payment-methods.`
	tplUserImpact = "Customers cannot place orders.\n" +
		`Carts are kept (export: \\share\exports\carts), so orders can be retried once it is fixed.`
	tplCodeFix = "await page.waitForResponse(r => r.url().includes('/api/payment-methods'))\n" +
		`await expect(page.getByRole('button', { name: /place\s+order/i })).toBeVisible()`
)

// Checkly: hooktest's alert for a browser check, with hostile text: quotes
// and HTML's special characters in the names, and line breaks and
// backslashes in every free-text variable.
func checklyScenarios() []tplScenario {
	alert := func(t checkly.AlertType, at time.Time) checkly.Alert {
		a := hooktest.ChecklyAlert(t, at)
		a.CheckName, a.CheckType, a.CheckDescription = tplName, checkly.CheckBrowser, tplDescription
		a.ResponseStatusCode, a.ResponseStatusText = nil, "" // an API check's
		a.Tags = []string{"browser", "checkout", "team=payments", `"quoted"`}
		a.ResultLink += "?tab=results&utm_source=webhook"
		switch {
		case t.IsFailure():
			a.AlertTitle = tplName + " has failed"
			a.CheckErrorMessage = tplError
			a.AIRootCause, a.AIUserImpact, a.AICodeFix = tplRootCause, tplUserImpact, tplCodeFix
		case t.IsRecovery():
			a.AlertTitle = tplName + " has recovered"
		}
		return a
	}
	empty := alert(checkly.AlertFailure, tplBase.Add(40*time.Minute))
	empty.CheckErrorMessage, empty.CheckDescription, empty.GroupName = "", "", ""
	empty.ResponseTimeMS, empty.ResponseStatusCode, empty.ResponseStatusText = nil, nil, ""
	empty.Tags = nil
	empty.AIClassification, empty.AICodeFix, empty.AILink, empty.AIRootCause, empty.AIUserImpact = "", "", "", "", ""
	alerts := []checkly.Alert{
		alert(checkly.AlertFailure, tplBase),
		alert(checkly.AlertRecovery, tplBase.Add(6*time.Minute)),
		alert(checkly.AlertFailure, tplBase.Add(20*time.Minute)),
		empty,
	}
	names := []string{"FAILURE", "RECOVERY", "second FAILURE", "FAILURE with empty values"}
	out := make([]tplScenario, len(alerts))
	for i := range alerts {
		out[i] = tplScenario{name: names[i], ctx: checklyContext(alerts[i]), want: &alerts[i]}
	}
	return out
}

// checklyContext is the alert's variables as Checkly passes them to
// Handlebars: every value a string ("" when not set), TAGS a list.
func checklyContext(a checkly.Alert) map[string]any {
	num := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	tags := make([]any, len(a.Tags))
	for i, t := range a.Tags {
		tags[i] = t
	}
	return map[string]any{
		"ALERT_TITLE": a.AlertTitle, "ALERT_TYPE": string(a.AlertType), "CHECK_ID": a.CheckID,
		"CHECK_NAME": a.CheckName, "CHECK_TYPE": string(a.CheckType), "CHECK_RESULT_ID": a.CheckResultID,
		"CHECK_ERROR_MESSAGE": a.CheckErrorMessage, "CHECK_DESCRIPTION": a.CheckDescription,
		"GROUP_NAME": a.GroupName, "RESPONSE_TIME": num(a.ResponseTimeMS), "RESULT_LINK": a.ResultLink,
		"RUN_LOCATION": a.RunLocation, "REGION": a.Region,
		"STARTED_AT":  a.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z"), // JavaScript's toISOString
		"TAGS":        tags,
		"IS_REMINDER": strconv.FormatBool(a.IsReminder), "REMINDER_SEQUENCE": strconv.Itoa(a.ReminderSequence),
		"API_CHECK_RESPONSE_STATUS_CODE": num(a.ResponseStatusCode), "API_CHECK_RESPONSE_STATUS_TEXT": a.ResponseStatusText,
		"SSL_CHECK_DOMAIN": a.SSLCheckDomain, "SSL_DAYS_REMAINING": num(a.SSLDaysRemaining),
		"AI_ANALYSIS_CLASSIFICATION": a.AIClassification, "AI_ANALYSIS_CODE_FIX": a.AICodeFix,
		"AI_ANALYSIS_LINK": a.AILink, "AI_ANALYSIS_ROOT_CAUSE": a.AIRootCause, "AI_ANALYSIS_USER_IMPACT": a.AIUserImpact,
	}
}

// OnCall: hooktest's forward-all body, decoded as the data template's
// context, with hostile text in the title, the integration's name and the
// alert's annotations.
func oncallScenarios() []tplScenario {
	ev := func(typ string, at time.Time) oncall.Event {
		e := hooktest.OnCallEvent(typ, at)
		e.AlertGroup.Title = "[firing:1] " + tplName + ` on C:\db-1`
		e.Integration.Name = `Production "Alertmanager" — Zürich`
		e.AlertPayload = oncall.AlertPayload(bytes.Replace([]byte(e.AlertPayload),
			[]byte(`has been down for more than 1 minute.`),
			[]byte(`has been down for more than 1 minute.\nRunbook: \"db down\" at C:\\runbooks`), 1))
		return e
	}
	empty := ev(oncall.TypeEscalation, tplBase.Add(40*time.Minute))
	empty.AlertGroup.Title, empty.Integration.Name, empty.Integration.Team = "", "", ""
	empty.AlertGroup.Labels, empty.AlertGroup.Permalinks = nil, oncall.Permalinks{}
	empty.AlertPayload, empty.NotifiedUsers, empty.UsersToBeNotified = nil, []oncall.User{}, []oncall.User{}
	events := []oncall.Event{
		ev(oncall.TypeAlertGroupCreated, tplBase),
		ev(oncall.TypeResolve, tplBase.Add(6*time.Minute)),
		ev(oncall.TypeAlertGroupCreated, tplBase.Add(20*time.Minute)),
		empty,
	}
	names := []string{"alert group created", "resolve", "second alert group created", "escalation with empty values"}
	out := make([]tplScenario, len(events))
	for i, e := range events {
		back := new(oncall.Event) // what Event makes of the forward-all body
		if err := event.Decode("application/json", hooktest.OnCallBody(e), back); err != nil {
			panic("hookseal: sample OnCall body: " + err.Error())
		}
		out[i] = tplScenario{name: names[i], ctx: oncallContext(e), want: back}
	}
	return out
}

// oncallContext decodes the forward-all body into the values Jinja2 sees:
// objects, lists, strings, integers, floats, booleans and None. Empty
// links are null, as OnCall sends them.
func oncallContext(e oncall.Event) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(hooktest.OnCallBody(e)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic("hookseal: sample OnCall body: " + err.Error())
	}
	if g, ok := m["alert_group"].(map[string]any); ok {
		if links, ok := g["permalinks"].(map[string]any); ok {
			for k, v := range links {
				if v == "" {
					links[k] = nil
				}
			}
		}
	}
	return tplNumbers(m).(map[string]any)
}

// tplNumbers turns json.Numbers into int64 or float64, as Python's json
// gives int and float.
func tplNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = tplNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = tplNumbers(e)
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// Datadog: hooktest's monitor event, with hostile text in the titles and
// the message. The second trigger, after the recovery, opens a new alert
// cycle, as Datadog does.
func datadogScenarios() []tplScenario {
	ev := func(tr datadog.Transition, at time.Time) datadog.Event {
		e := hooktest.DatadogEvent(tr, at)
		e.AlertTitle = tplName + ` is above 90% on C:\web-1`
		e.Title = "[" + string(tr) + " on {host:web-1}] " + e.AlertTitle
		e.Body = strings.Replace(e.Body, "\n\n@webhook", "\nSee the \"checkout\" runbook.\n\n@webhook", 1)
		return e
	}
	second := ev(datadog.Triggered, tplBase.Add(20*time.Minute))
	second.AlertCycleKey = "7083254152354658999"
	empty := ev(datadog.Triggered, tplBase.Add(40*time.Minute))
	empty.AlertCycleKey = "7083254152354659111"
	empty.AlertMetric, empty.AlertQuery, empty.AlertScope, empty.AlertPriority = "", "", "", ""
	empty.AggregKey, empty.Hostname, empty.Snapshot, empty.Tags, empty.LastUpdated = "", "", "", nil, time.Time{}
	events := []datadog.Event{ev(datadog.Triggered, tplBase), ev(datadog.Recovered, tplBase.Add(6*time.Minute)), second, empty}
	names := []string{"Triggered", "Recovered", "second Triggered", "Triggered with empty values"}
	out := make([]tplScenario, len(events))
	for i := range events {
		out[i] = tplScenario{name: names[i], ctx: datadogContext(events[i]), want: &events[i]}
	}
	return out
}

// datadogContext is the event's $VARIABLES as text: dates as epoch
// milliseconds, tags comma-separated, "" when not set.
func datadogContext(e datadog.Event) map[string]any {
	ms := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return map[string]any{
		"ID": e.ID, "EVENT_TYPE": string(e.Type), "EVENT_TITLE": e.Title, "EVENT_MSG": e.Body,
		"DATE": ms(e.Date), "LAST_UPDATED": ms(e.LastUpdated), "ORG_ID": e.Org.ID, "ORG_NAME": e.Org.Name,
		"ALERT_ID": e.AlertID, "ALERT_TITLE": e.AlertTitle, "ALERT_TRANSITION": string(e.AlertTransition),
		"ALERT_TYPE": string(e.AlertType), "ALERT_STATUS": e.AlertStatus, "ALERT_CYCLE_KEY": e.AlertCycleKey,
		"ALERT_PRIORITY": e.AlertPriority, "ALERT_SCOPE": e.AlertScope, "ALERT_METRIC": e.AlertMetric,
		"ALERT_QUERY": e.AlertQuery, "AGGREG_KEY": e.AggregKey, "HOSTNAME": e.Hostname, "PRIORITY": e.Priority,
		"TAGS": strings.Join(e.Tags, ","), "LINK": e.Link, "SNAPSHOT": e.Snapshot, "TEXT_ONLY_MSG": e.TextOnlyMsg,
	}
}
