package hooktest_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/alertmanager"
	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/grafana"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/event/pagerduty"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/hooktest"
	"github.com/hookseal/hookseal/verify"
)

// sampleAt has sub-microsecond digits and a non-UTC zone, to check that
// samples keep times at the precision their sender writes.
var sampleAt = time.Date(2024, 5, 2, 10, 15, 30, 123456789, time.FixedZone("CEST", 2*60*60))

// decodeAs decodes body as event.Decode does for a route and checks that the
// result is want, field for field.
func decodeAs[T any](t *testing.T, contentType string, body []byte, want T) T {
	t.Helper()
	if !json.Valid(body) {
		t.Fatalf("body is not JSON:\n%s", body)
	}
	var got T
	if err := event.Decode(contentType, body, &got); err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded body differs from the sample\n got: %+v\nwant: %+v\nbody: %s", got, want, body)
	}
	return got
}

func TestChecklySamplesDecode(t *testing.T) {
	for _, typ := range hooktest.ChecklyAlertTypes() {
		t.Run(string(typ), func(t *testing.T) {
			a := hooktest.ChecklyAlert(typ, sampleAt)
			body := hooktest.ChecklyBody(a)
			// The recommended template leaves out the free-text fields.
			want := a
			want.CheckErrorMessage, want.CheckDescription, want.AIRootCause, want.AIUserImpact, want.AICodeFix = "", "", "", "", ""
			got := decodeAs(t, "application/json", body, want)
			if got.EventType() != string(typ) || got.ResourceKey() != hooktest.ChecklyCheckID {
				t.Errorf("EventType %q ResourceKey %q", got.EventType(), got.ResourceKey())
			}
			if want := sampleAt.Truncate(time.Millisecond); !got.OccurredAt().Equal(want) {
				t.Errorf("OccurredAt %v, want %v", got.OccurredAt(), want)
			}
			// Every value is rendered as a string, as Checkly's template
			// renders it, and the keys are the recommended template's.
			var raw map[string]any
			if err := json.Unmarshal(body, &raw); err != nil {
				t.Fatal(err)
			}
			if len(raw) != strings.Count(checkly.RecommendedTemplate, `": `) {
				t.Errorf("body has %d keys, the template %d", len(raw), strings.Count(checkly.RecommendedTemplate, `": `))
			}
			for k, v := range raw {
				if _, ok := v.(string); !ok && k != "tags" {
					t.Errorf("%s is %T, want a string", k, v)
				}
			}
			if typ.IsSSL() != (got.SSLDaysRemaining != nil) || typ.IsRemain() != got.IsReminder {
				t.Errorf("SSL or reminder fields do not fit %s: %+v", typ, got)
			}
			if typ.IsFailure() && (a.CheckErrorMessage == "" || got.AILink == "") {
				t.Errorf("failure without an error message or an AI analysis")
			}
		})
	}
}

func TestChecklyBodyEscapesLikeHandlebars(t *testing.T) {
	a := hooktest.ChecklyAlert(checkly.AlertFailure, sampleAt)
	a.CheckName = "expected \"ok\" & got <nil> ='`"
	a.Tags = []string{`a"b`, "c"}
	body := hooktest.ChecklyBody(a)
	// On the wire, as Checkly's Handlebars renders {{VAR}}.
	if !strings.Contains(string(body), `expected &quot;ok&quot; &amp; got &lt;nil&gt; &#x3D;&#x27;&#x60;`) || !strings.Contains(string(body), `"a&quot;b"`) {
		t.Errorf("body is not escaped as Handlebars escapes: %s", body)
	}
	// Decoded, as Checkly knows the values.
	var got checkly.Alert
	if err := event.Decode("application/json", body, &got); err != nil {
		t.Fatal(err)
	}
	if got.CheckName != a.CheckName {
		t.Errorf("check name %q, want %q", got.CheckName, a.CheckName)
	}
	if !reflect.DeepEqual(got.Tags, []string{`a"b`, "c"}) {
		t.Errorf("tags %q", got.Tags)
	}
	// Handlebars does not escape for JSON: a line break or a backslash
	// breaks the body, as it would from Checkly; the recommended template
	// leaves out the free-text fields that carry them.
	for _, name := range []string{"line 1\nline 2", `C:\checks`} {
		a.CheckName = name
		if body := hooktest.ChecklyBody(a); json.Valid(body) {
			t.Errorf("check name %q: the body is valid JSON, but Checkly's would not be", name)
		}
	}
	a = hooktest.ChecklyAlert(checkly.AlertFailure, sampleAt)
	a.CheckErrorMessage = "Error: expect(received).toBe(expected)\n    at C:\\checks\\checkout.spec.ts:14:9"
	if body := hooktest.ChecklyBody(a); !json.Valid(body) || bytes.Contains(body, []byte("expect(received)")) {
		t.Errorf("the error message reaches the body:\n%s", body)
	}
}

func TestStatusStackSamplesDecode(t *testing.T) {
	keys := map[string]string{}
	for _, typ := range hooktest.StatusStackEventTypes() {
		t.Run(typ, func(t *testing.T) {
			e := hooktest.StatusStackEvent(typ, sampleAt)
			got := decodeAs(t, "application/json", hooktest.StatusStackBody(e), e)
			if got.EventType() != typ || got.ResourceKey() == "" {
				t.Errorf("EventType %q ResourceKey %q", got.EventType(), got.ResourceKey())
			}
			keys[typ] = got.ResourceKey()
			if want := sampleAt.Truncate(time.Second); !got.OccurredAt().Equal(want) {
				t.Errorf("OccurredAt %v, want %v", got.OccurredAt(), want)
			}
		})
	}
	e := hooktest.StatusStackEvent(statusstack.ComponentStatusChanged, sampleAt)
	rec := hooktest.StatusStackEvent(statusstack.MonitorRecovered, sampleAt)
	if !e.IsDown() || !rec.IsRecovery() {
		t.Error("component.status_changed sample is not down, or monitor.recovered not a recovery")
	}
	if keys[statusstack.IncidentCreated] != keys[statusstack.IncidentResolved] {
		t.Errorf("incident events have different resources: %v", keys)
	}
}

func TestOnCallSamplesDecode(t *testing.T) {
	timed := map[string]bool{
		oncall.TypeAlertGroupCreated: true, oncall.TypeAcknowledge: true, oncall.TypeResolve: true,
		oncall.TypeSilence: true, oncall.TypeStatusChange: true,
	}
	for _, typ := range hooktest.OnCallEventTypes() {
		t.Run(typ, func(t *testing.T) {
			e := hooktest.OnCallEvent(typ, sampleAt)
			body := hooktest.OnCallBody(e)
			got := decodeAs(t, "application/json", body, e)
			if got.EventType() != typ || got.ResourceKey() != hooktest.OnCallAlertGroupID {
				t.Errorf("EventType %q ResourceKey %q", got.EventType(), got.ResourceKey())
			}
			if want := sampleAt.Truncate(time.Microsecond); timed[typ] != got.OccurredAt().Equal(want) {
				t.Errorf("OccurredAt %v (timed type: %v)", got.OccurredAt(), timed[typ])
			}
			if !bytes.Contains(body, []byte(`"event": {"type": "`+typ+`"`)) {
				t.Errorf("body is not written with Python's separators:\n%s", body)
			}
			var alert grafana.Message
			if err := got.AlertPayload.Decode(&alert); err != nil || len(alert.Alerts) != 1 {
				t.Errorf("alert_payload: %v, %d alerts", err, len(alert.Alerts))
			}
		})
	}
}

func TestDatadogSamplesDecode(t *testing.T) {
	for _, tr := range hooktest.DatadogTransitions() {
		t.Run(string(tr), func(t *testing.T) {
			e := hooktest.DatadogEvent(tr, sampleAt)
			got := decodeAs(t, "application/json", hooktest.DatadogBody(e), e)
			if got.EventType() != string(datadog.QueryAlertMonitor) || got.ResourceKey() != hooktest.DatadogCycleKey {
				t.Errorf("EventType %q ResourceKey %q", got.EventType(), got.ResourceKey())
			}
			if want := sampleAt.Truncate(time.Millisecond); !got.OccurredAt().Equal(want) {
				t.Errorf("OccurredAt %v, want %v", got.OccurredAt(), want)
			}
			if got.IsRecovery() != (tr == datadog.Recovered) {
				t.Errorf("IsRecovery %v", got.IsRecovery())
			}
			if !strings.HasPrefix(got.Title, "["+string(tr)+" on ") {
				t.Errorf("title %q does not name the transition", got.Title)
			}

			// The default payload carries the default members only.
			def := datadog.Event{ID: e.ID, Type: e.Type, Title: e.Title, Body: e.Body, Date: e.Date, LastUpdated: e.LastUpdated, Org: e.Org}
			decodeAs(t, "application/json", hooktest.DatadogDefaultBody(e), def)
		})
	}
}

func TestGrafanaSamplesDecode(t *testing.T) {
	var firing, resolved grafana.Message
	for _, status := range hooktest.GrafanaStatuses() {
		t.Run(status, func(t *testing.T) {
			m := hooktest.GrafanaMessage(status, sampleAt)
			body := hooktest.GrafanaBody(m)
			got := decodeAs(t, "application/json", body, m)
			if got.EventType() != status || got.ResourceKey() != hooktest.GrafanaGroupKey {
				t.Errorf("EventType %q ResourceKey %q", got.EventType(), got.ResourceKey())
			}
			if !bytes.Contains(body, []byte(`\u0026`)) {
				t.Errorf("body does not escape & as Go's encoding/json does")
			}
			if status == grafana.StatusFiring {
				firing = got
			} else {
				resolved = got
			}
		})
	}
	// A resolved message sent after the firing one is newer: ordering keeps it.
	later := hooktest.GrafanaMessage(grafana.StatusResolved, sampleAt.Add(time.Minute))
	if !later.OccurredAt().After(firing.OccurredAt()) || !resolved.OccurredAt().After(firing.OccurredAt().Add(-time.Second)) {
		t.Errorf("firing %v, resolved %v", firing.OccurredAt(), later.OccurredAt())
	}
}

func TestSamplesAreDeterministic(t *testing.T) {
	for _, p := range hooktest.SampleProviders() {
		for _, typ := range hooktest.EventTypes(p) {
			a, err1 := hooktest.SampleBody(p, typ, sampleAt)
			b, err2 := hooktest.SampleBody(p, typ, sampleAt)
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("%s %s: %v %v, equal %v", p, typ, err1, err2, bytes.Equal(a, b))
			}
		}
	}
}

func TestSampleBody(t *testing.T) {
	cases := []struct {
		provider, eventType string
		wantType            string // "" when an error is expected
	}{
		{"checkly", "", "ALERT_FAILURE"},
		{"checkly", "alert_recovery", "ALERT_RECOVERY"},
		{"checkly", "ALERT_FAIL", "ALERT_FAILURE"},
		{"statusstack", "", "component.status_changed"},
		{"statusstack", "Monitor.Down", "monitor.down"},
		{"oncall", "", "alert group created"},
		{"oncall", "resolve", "resolve"},
		{"datadog", "", "query_alert_monitor"},
		{"datadog", "re-triggered", "query_alert_monitor"},
		{"grafana", "RESOLVED", "resolved"},
		{"pagerduty", "", "incident.triggered"},
		{"pagerduty", "Incident.Resolved", "incident.resolved"},
		{"pagerduty", "incident.closed", ""},
		{"alertmanager", "", "firing"},
		{"alertmanager", "Resolved", "resolved"},
		{"checkly", "ALERT_NOPE", ""},
		{"oncall", "acknowledged", ""},
		{"github", "", ""},
	}
	for _, c := range cases {
		body, err := hooktest.SampleBody(c.provider, c.eventType, sampleAt)
		if c.wantType == "" {
			if err == nil {
				t.Errorf("%s %q: no error", c.provider, c.eventType)
			} else if !strings.Contains(err.Error(), c.provider) {
				t.Errorf("%s %q: error %q does not name the provider", c.provider, c.eventType, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", c.provider, c.eventType, err)
			continue
		}
		var p event.Payload
		switch c.provider {
		case "checkly":
			p = new(checkly.Alert)
		case "statusstack":
			p = new(statusstack.Event)
		case "oncall":
			p = new(oncall.Event)
		case "datadog":
			p = new(datadog.Event)
		case "grafana":
			p = new(grafana.Message)
		case "pagerduty":
			p = new(pagerduty.Message)
		case "alertmanager":
			p = new(alertmanager.Message)
		}
		if err := event.Decode("application/json", body, p); err != nil || p.EventType() != c.wantType {
			t.Errorf("%s %q: decoded %v, type %q, want %q", c.provider, c.eventType, err, p.EventType(), c.wantType)
		}
	}
	if got := hooktest.EventTypes("oncall"); got[0] != "alert group created" || len(got) != 10 {
		t.Errorf("EventTypes(oncall) = %q", got)
	}
}

func TestPagerDutySamples(t *testing.T) {
	ids := map[string]bool{}
	for _, typ := range hooktest.PagerDutyEventTypes() {
		t.Run(typ, func(t *testing.T) {
			m := hooktest.PagerDutyEvent(typ, sampleAt)
			body := hooktest.PagerDutyBody(m)
			got := decodeAs(t, "application/json", body, m)
			want := sampleAt.Truncate(time.Millisecond)
			if got.EventType() != typ || !got.OccurredAt().Equal(want) || !got.StampedAt().Equal(want) || len(got.EventID()) != 26 {
				t.Errorf("EventType %q OccurredAt %v EventID %q", got.EventType(), got.OccurredAt(), got.EventID())
			}
			ids[got.EventID()] = true
			switch {
			case strings.HasPrefix(typ, "incident."):
				if got.ResourceKey() != "incident:"+hooktest.PagerDutyIncidentID || got.IncidentID() != hooktest.PagerDutyIncidentID {
					t.Errorf("ResourceKey %q", got.ResourceKey())
				}
			case strings.HasPrefix(typ, "service."):
				if got.ResourceKey() != "service:PF9KMXH" {
					t.Errorf("ResourceKey %q", got.ResourceKey())
				}
			default:
				if got.ResourceKey() != "" {
					t.Errorf("ping ResourceKey %q", got.ResourceKey())
				}
			}
		})
	}
	if len(ids) != len(hooktest.PagerDutyEventTypes()) {
		t.Errorf("%d distinct event ids for %d types", len(ids), len(hooktest.PagerDutyEventTypes()))
	}
	if a, b := hooktest.PagerDutyEvent(pagerduty.IncidentResolved, sampleAt), hooktest.PagerDutyEvent(pagerduty.IncidentResolved, sampleAt.Add(time.Second)); a.EventID() == b.EventID() {
		t.Error("two resolutions a second apart share an event id")
	}
	if r := hooktest.PagerDutyEvent(pagerduty.IncidentResolved, sampleAt); r.Event.Data.Status != pagerduty.StatusResolved || !r.IsResolved() {
		t.Errorf("resolved sample: %+v", r.Event.Data)
	}
}

// A PagerDuty delivery signed by the sample signer verifies with the
// preset, and its id is the body's event.id.
func TestPagerDutySigned(t *testing.T) {
	m := hooktest.PagerDutyEvent(pagerduty.IncidentTriggered, sampleAt)
	s := hooktest.PagerDuty("pd-new", "pd-old")
	signed, err := s.Sign(hooktest.PagerDutyBody(m))
	if err != nil {
		t.Fatal(err)
	}
	if got := signed.Header.Get("X-PagerDuty-Signature"); strings.Count(got, "v1=") != 2 || strings.Count(got, ",") != 1 {
		t.Fatalf("X-PagerDuty-Signature = %q", got)
	}
	v, err := verify.PagerDuty(verify.Secrets("pd-old"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := v.Verify(signed.Header, signed.Body)
	if err != nil || d.ID != m.EventID() || !d.BodySigned || !d.Timestamp.IsZero() {
		t.Fatalf("Verify: %+v, %v", d, err)
	}
}

func TestAlertmanagerSamples(t *testing.T) {
	var firing, resolved alertmanager.Message
	for _, status := range hooktest.AlertmanagerStatuses() {
		m := hooktest.AlertmanagerMessage(status, sampleAt)
		body := hooktest.AlertmanagerBody(m)
		got := decodeAs(t, "application/json", body, m)
		if got.EventType() != status || got.ResourceKey() != hooktest.AlertmanagerGroupKey || got.Version != "4" ||
			len(got.Fingerprints()) != 2 || got.Fingerprints()[0] == got.Fingerprints()[1] {
			t.Errorf("%s: EventType %q ResourceKey %q fingerprints %q", status, got.EventType(), got.ResourceKey(), got.Fingerprints())
		}
		if !bytes.HasSuffix(body, []byte("}\n")) || !bytes.Contains(body, []byte(`"endsAt":"`)) {
			t.Errorf("body is not written as Alertmanager writes it:\n%s", body)
		}
		if status == "firing" {
			firing = got
			if !bytes.Contains(body, []byte(`"endsAt":"0001-01-01T00:00:00Z"`)) {
				t.Errorf("a firing alert's endsAt is not the zero time:\n%s", body)
			}
		} else {
			resolved = got
		}
	}
	if !resolved.OccurredAt().After(firing.OccurredAt().Add(-time.Second)) || !firing.OccurredAt().Equal(sampleAt.Truncate(time.Millisecond)) {
		t.Errorf("firing at %v, resolved at %v", firing.OccurredAt(), resolved.OccurredAt())
	}
	// A repeat is byte-identical.
	a := hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage("firing", sampleAt))
	if !bytes.Equal(a, hooktest.AlertmanagerBody(hooktest.AlertmanagerMessage("firing", sampleAt))) {
		t.Error("two renderings of one notification differ")
	}
}
