package oncall

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/grafana"
)

// decode decodes body the way the middleware does.
func decode(t testing.TB, body string) *Event {
	t.Helper()
	var e Event
	if err := event.Decode("application/json", []byte(body), &e); err != nil {
		t.Fatalf("decode: %v\nbody: %s", err, body)
	}
	return &e
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// readCaptured returns the event_data strings of the captured "webhook
// responses" document (testdata/webhook_responses.json, copied verbatim from
// OnCall's API reference), unescaped by decoding the outer document.
func readCaptured(t testing.TB) []string {
	t.Helper()
	outer, err := os.ReadFile(filepath.Join("testdata", "webhook_responses.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []struct {
			EventData string `json:"event_data"`
		} `json:"results"`
	}
	if err := json.Unmarshal(outer, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range doc.Results {
		out = append(out, r.EventData)
	}
	return out
}

func TestCapturedFilesMatchDocument(t *testing.T) {
	captured := readCaptured(t)
	if len(captured) != 2 {
		t.Fatalf("got %d event_data strings, want 2", len(captured))
	}
	for i, want := range captured {
		got, err := os.ReadFile(filepath.Join("testdata", fmt.Sprintf("captured_acknowledge_%d.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("testdata/captured_acknowledge_%d.json differs from results[%d].event_data", i, i)
		}
	}
}

func TestCapturedEvents(t *testing.T) {
	captured := readCaptured(t)
	tests := []struct {
		name           string
		eventTime      time.Time
		acknowledgedAt time.Time
	}{
		{"results[0]", time.Date(2023, 8, 18, 16, 38, 21, 442981000, time.UTC), utc("2023-08-18T16:38:21.442981Z")},
		{"results[1]", time.Date(2023, 8, 18, 16, 34, 37, 940655000, time.UTC), utc("2023-08-18T16:34:37.940655Z")},
	}
	var events []*Event
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode(t, captured[i])
			events = append(events, e)

			if e.Event.Type != TypeAcknowledge || e.EventType() != "acknowledge" {
				t.Errorf("type = %q", e.Event.Type)
			}
			// "+00:00" with six fractional digits.
			if !e.Event.Time.Equal(tt.eventTime) {
				t.Errorf("event.time = %v, want %v", e.Event.Time, tt.eventTime)
			}
			if !e.Event.Until.IsZero() || e.Event.User != nil {
				t.Errorf("until/user set: %v %v", e.Event.Until, e.Event.User)
			}
			if e.User == nil || !reflect.DeepEqual(*e.User, User{ID: "UK49JJNPZMFLJ", Username: "oncall", Email: "admin@localhost"}) {
				t.Errorf("user = %+v", e.User)
			}

			g := e.AlertGroup
			if g.ID != "IZQERPWKWCGH1" || g.IntegrationID != "CRV8A5MXC751A" || g.RouteID != "RWNCT6C77M3WM" || g.TeamID != "" {
				t.Errorf("alert group ids = %q %q %q %q", g.ID, g.IntegrationID, g.RouteID, g.TeamID)
			}
			if g.State != StateAcknowledged || g.AlertsCount != 1 || g.Title != "[firing:2] InstanceDown " {
				t.Errorf("state %q count %d title %q", g.State, g.AlertsCount, g.Title)
			}
			if !g.CreatedAt.Equal(utc("2023-08-18T16:34:27.678406Z")) {
				t.Errorf("created_at = %v", g.CreatedAt)
			}
			if !g.ResolvedAt.IsZero() || !g.SilencedAt.IsZero() { // "resolved_at": null; silenced_at absent
				t.Errorf("resolved_at %v silenced_at %v", g.ResolvedAt, g.SilencedAt)
			}
			if !g.AcknowledgedAt.Equal(tt.acknowledgedAt) {
				t.Errorf("acknowledged_at = %v", g.AcknowledgedAt)
			}
			if g.Permalinks.Web != "http://localhost:3000/a/grafana-oncall-app/alert-groups/IZQERPWKWCGH1" ||
				g.Permalinks.Slack != "" || g.Permalinks.Telegram != "" {
				t.Errorf("permalinks = %+v", g.Permalinks)
			}
			if g.Labels != nil || g.LastAlert != nil || g.Unknown != nil {
				t.Errorf("labels %v last_alert %v unknown %s", g.Labels, g.LastAlert, g.Unknown)
			}
			if e.AlertGroupID != "IZQERPWKWCGH1" {
				t.Errorf("alert_group_id = %q", e.AlertGroupID)
			}

			in := e.Integration
			if in.ID != "CRV8A5MXC751A" || in.Type != "alertmanager" || in.Name != "One - Alertmanager" || in.Team != "" || in.Labels != nil {
				t.Errorf("integration = %+v", in)
			}
			if e.NotifiedUsers == nil || len(e.NotifiedUsers) != 0 || e.UsersToBeNotified == nil || len(e.UsersToBeNotified) != 0 {
				t.Errorf("notified %#v to be notified %#v, want empty non-nil", e.NotifiedUsers, e.UsersToBeNotified)
			}
			if e.Webhook != nil || e.Responses != nil || e.ExternalID != "" || e.Unknown != nil ||
				e.AlertGroupAcknowledgedBy != nil || e.AlertGroupResolvedBy != nil {
				t.Errorf("optional members set: %+v", e)
			}

			// alert_payload: the Alertmanager notification, labels inside.
			if e.AlertPayload.IsEmpty() || e.AlertPayload.Raw().Kind() != '{' {
				t.Fatalf("alert_payload empty or not an object: %s", e.AlertPayload)
			}
			var am grafana.Message
			if err := e.AlertPayload.Decode(&am); err != nil {
				t.Fatal(err)
			}
			if am.CommonLabels["alertname"] != "InstanceDown" || am.CommonLabels["severity"] != "critical" || len(am.CommonLabels) != 3 {
				t.Errorf("commonLabels = %v", am.CommonLabels)
			}
			if len(am.Alerts) != 2 || am.Alerts[0].Labels["instance"] != "localhost:8081" ||
				am.Alerts[1].Labels["group"] != "canary" || am.Alerts[1].Fingerprint != "f8f08d4e32c61a9d" {
				t.Errorf("alerts = %+v", am.Alerts)
			}
			if !am.Alerts[0].EndsAt.IsZero() || !am.Alerts[0].StartsAt.Equal(utc("2023-06-12T08:24:38.326Z")) {
				t.Errorf("alert times = %v %v", am.Alerts[0].StartsAt, am.Alerts[0].EndsAt)
			}
			if am.GroupKey != `{}:{alertname="InstanceDown"}` || am.Receiver != "combo" || am.Version != "4" {
				t.Errorf("group key %q receiver %q version %q", am.GroupKey, am.Receiver, am.Version)
			}
			var extra map[string]int
			if err := json.Unmarshal(am.Unknown, &extra); err != nil || extra["numFiring"] != 2 || extra["numResolved"] != 0 {
				t.Errorf("unknown members of alert_payload = %s (%v)", am.Unknown, err)
			}

			// The ordering view.
			if e.ResourceKey() != "IZQERPWKWCGH1" || !e.OccurredAt().Equal(tt.eventTime) {
				t.Errorf("ResourceKey %q OccurredAt %v", e.ResourceKey(), e.OccurredAt())
			}
		})
	}
	// Both are acknowledgements of one alert group: the second captured
	// delivery is the older one, which ordering must put first.
	if len(events) == 2 && !events[1].OccurredAt().Before(events[0].OccurredAt()) {
		t.Errorf("results[1] (%v) should be older than results[0] (%v)", events[1].OccurredAt(), events[0].OccurredAt())
	}
}

// eventBody is a real-shaped event, as OnCall's serialize_event builds it
// with labels enabled, for the given event member.
func eventBody(eventMember string) string {
	return `{"event": ` + eventMember + `,
 "user": {"id": "U1", "username": "alice", "email": "alice@example.com"},
 "alert_group": {"id": "IG1", "integration_id": "CI1", "team_id": "TT1", "route_id": "RR1",
  "alerts_count": 3, "state": "resolved",
  "created_at": "2024-03-01T10:00:00.000001Z", "resolved_at": "2024-03-01T10:30:00Z", "resolved_by": "U1",
  "acknowledged_at": "2024-03-01T10:05:00Z", "acknowledged_by": "U2",
  "silenced_at": "2024-03-01T10:10:00.5Z",
  "labels": {"severity": "critical", "team": "db"},
  "title": "[firing:1] DiskFull", "permalinks": {"slack": "https://slack.example/x", "slack_app": null, "telegram": null, "web": "https://oncall.example/a/IG1"}},
 "alert_group_id": "IG1",
 "alert_payload": {"status": "firing", "commonLabels": {"alertname": "DiskFull"}},
 "integration": {"id": "CI1", "type": "grafana_alerting", "name": "Grafana", "team": "SRE", "labels": {"env": "prod"}},
 "notified_users": [{"id": "U2", "username": "bob", "email": "bob@example.com"}],
 "users_to_be_notified": [],
 "responses": {"WH2": {"ticket": 42}, "WH3": "plain text answer"},
 "webhook": {"id": "WH1", "name": "to-jira", "labels": {"dest": "jira"}}}`
}

func TestEventTypes(t *testing.T) {
	created := utc("2024-03-01T10:00:00.000001Z")
	acked := utc("2024-03-01T10:05:00Z")
	silenced := utc("2024-03-01T10:10:00.5Z")
	resolved := utc("2024-03-01T10:30:00Z")
	tests := []struct {
		name  string
		event string
		typ   string
		want  time.Time // OccurredAt
	}{
		{"alert group created", `{"type": "alert group created", "time": "2024-03-01T10:00:00.000001+00:00"}`, TypeAlertGroupCreated, created},
		{"escalation: no time", `{"type": "escalation"}`, TypeEscalation, time.Time{}},
		{"acknowledge", `{"type": "acknowledge", "time": "2024-03-01T10:05:00+00:00"}`, TypeAcknowledge, acked},
		{"resolve", `{"type": "resolve", "time": "2024-03-01T10:30:00+00:00"}`, TypeResolve, resolved},
		{"silence with until", `{"type": "silence", "time": "2024-03-01T10:10:00.500000+00:00", "until": "2024-03-01T12:10:00+00:00"}`, TypeSilence, silenced},
		{"unsilence: no time", `{"type": "unsilence"}`, TypeUnsilence, time.Time{}},
		{"unresolve: no time", `{"type": "unresolve"}`, TypeUnresolve, time.Time{}},
		{"unacknowledge: no time", `{"type": "unacknowledge"}`, TypeUnacknowledge, time.Time{}},
		{"status change", `{"type": "status change"}`, TypeStatusChange, time.Time{}},
		{"personal notification with user", `{"type": "personal notification", "user": {"id": "U2", "username": "bob", "email": "bob@example.com"}}`, TypePersonalNotification, time.Time{}},
		// OnCall writes event.time from the group's timestamp; when it
		// wrote null, the same timestamp is the fallback.
		{"acknowledge, time null: acknowledged_at", `{"type": "acknowledge", "time": null}`, TypeAcknowledge, acked},
		{"resolve, no time: resolved_at", `{"type": "resolve"}`, TypeResolve, resolved},
		{"silence, no time: silenced_at", `{"type": "silence"}`, TypeSilence, silenced},
		{"alert group created, no time: created_at", `{"type": "alert group created"}`, TypeAlertGroupCreated, created},
		{"unknown type passes through", `{"type": "alert group merged", "time": "2024-03-01T11:00:00Z", "reason": "dup"}`, "alert group merged", utc("2024-03-01T11:00:00Z")},
		{"unknown type without time", `{"type": "something new"}`, "something new", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode(t, eventBody(tt.event))
			if e.EventType() != tt.typ {
				t.Errorf("EventType = %q, want %q", e.EventType(), tt.typ)
			}
			if got := e.OccurredAt(); !got.Equal(tt.want) || got.IsZero() != tt.want.IsZero() {
				t.Errorf("OccurredAt = %v, want %v", got, tt.want)
			}
			if e.ResourceKey() != "IG1" {
				t.Errorf("ResourceKey = %q", e.ResourceKey())
			}
			// The rest of the body decodes the same whatever the type.
			g := e.AlertGroup
			if g.ResolvedBy != "U1" || g.AcknowledgedBy != "U2" || g.TeamID != "TT1" || g.AlertsCount != 3 {
				t.Errorf("alert group = %+v", g)
			}
			if v, ok := g.Labels.Get("severity"); !ok || v != "critical" {
				t.Errorf("labels = %+v", g.Labels)
			}
			if g.Permalinks.Slack != "https://slack.example/x" || g.Permalinks.SlackApp != "" {
				t.Errorf("permalinks = %+v", g.Permalinks)
			}
			if e.Integration.Team != "SRE" || e.Integration.Type != "grafana_alerting" || e.Integration.Labels.Map()["env"] != "prod" {
				t.Errorf("integration = %+v", e.Integration)
			}
			if len(e.NotifiedUsers) != 1 || e.NotifiedUsers[0].Username != "bob" || len(e.UsersToBeNotified) != 0 {
				t.Errorf("users = %+v %+v", e.NotifiedUsers, e.UsersToBeNotified)
			}
			if e.Webhook == nil || e.Webhook.ID != "WH1" || e.Webhook.Name != "to-jira" || e.Webhook.Labels.Map()["dest"] != "jira" {
				t.Errorf("webhook = %+v", e.Webhook)
			}
			if string(e.Responses["WH2"]) != `{"ticket": 42}` || string(e.Responses["WH3"]) != `"plain text answer"` {
				t.Errorf("responses = %q", e.Responses)
			}
		})
	}
	t.Run("silence until and event user", func(t *testing.T) {
		e := decode(t, eventBody(tests[4].event))
		if !e.Event.Until.Equal(utc("2024-03-01T12:10:00Z")) {
			t.Errorf("until = %v", e.Event.Until)
		}
		e = decode(t, eventBody(tests[9].event))
		if e.Event.User == nil || e.Event.User.ID != "U2" {
			t.Errorf("event.user = %+v", e.Event.User)
		}
		e = decode(t, eventBody(tests[14].event))
		if string(e.Event.Unknown) != `{"reason":"dup"}` {
			t.Errorf("event unknown = %s", e.Event.Unknown)
		}
	})
}

func TestAlertPayloadForms(t *testing.T) {
	tests := []struct {
		name    string
		member  string // the alert_payload member, or "" for none
		empty   bool
		raw     string
		kind    jsontext.Kind
		decodes bool
	}{
		{"object", `"alert_payload": {"a": [1, 2], "b": {"c": null}}`, false, `{"a": [1, 2], "b": {"c": null}}`, '{', true},
		{"empty string (no alert)", `"alert_payload": ""`, true, ``, 0, false},
		{"null", `"alert_payload": null`, true, ``, 0, false},
		{"absent", ``, true, ``, 0, false},
		{"non-empty string kept", `"alert_payload": "raw text body"`, false, `"raw text body"`, '"', false},
		{"array kept", `"alert_payload": [1, "two"]`, false, `[1, "two"]`, '[', false},
		{"number kept", `"alert_payload": 12.5`, false, `12.5`, '0', false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"event": {"type": "escalation"}, "alert_group": {"id": "G"}`
			if tt.member != "" {
				body += ", " + tt.member
			}
			e := decode(t, body+"}")
			p := e.AlertPayload
			if p.IsEmpty() != tt.empty || string(p.Raw()) != tt.raw || p.Raw().Kind() != tt.kind {
				t.Errorf("IsEmpty %v Raw %q kind %v; want %v %q %v", p.IsEmpty(), p.Raw(), p.Raw().Kind(), tt.empty, tt.raw, tt.kind)
			}
			if tt.empty && p.Raw() != nil {
				t.Errorf("empty payload has raw bytes %q", p.Raw())
			}
			var dst map[string]any
			err := p.Decode(&dst)
			switch {
			case tt.empty && !errors.Is(err, ErrEmptyAlertPayload):
				t.Errorf("Decode of empty payload: %v, want ErrEmptyAlertPayload", err)
			case tt.decodes && err != nil:
				t.Errorf("Decode: %v", err)
			case !tt.empty && !tt.decodes && err == nil:
				t.Errorf("Decode of %s into a map succeeded", p.Raw())
			}
		})
	}
}

func TestDecodedEventDoesNotAliasBody(t *testing.T) {
	body := []byte(`{"alert_payload": {"k": "v"}, "responses": {"W1": {"ok": true}},
 "alert_group": {"id": "G1", "labels": [{"key": "a", "value": "b"}], "last_alert": {"payload": [1]}, "x": 1}, "y": "z"}`)
	var e Event
	if err := event.Decode("application/json", body, &e); err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'x' // the middleware reuses pooled bodies
	}
	if string(e.AlertPayload.Raw()) != `{"k": "v"}` || string(e.Responses["W1"]) != `{"ok": true}` ||
		string(e.AlertGroup.LastAlert.Payload) != `[1]` || string(e.AlertGroup.Unknown) != `{"x":1}` ||
		string(e.Unknown) != `{"y":"z"}` || e.AlertGroup.ID != "G1" || e.AlertGroup.Labels.Map()["a"] != "b" {
		t.Errorf("decoded values changed with the body: %+v", e)
	}
}

func TestNullsEverywhere(t *testing.T) {
	body := `{"event": {"type": "unresolve", "time": null, "until": null, "user": null},
 "user": null,
 "alert_group": {"id": "G9", "integration_id": null, "team_id": null, "route_id": null, "alerts_count": null,
  "state": null, "created_at": null, "resolved_at": null, "resolved_by": null, "acknowledged_at": null,
  "acknowledged_by": null, "silenced_at": null, "labels": null, "title": null,
  "permalinks": {"slack": null, "slack_app": null, "telegram": null, "web": null}, "last_alert": null},
 "alert_group_id": null, "alert_payload": null,
 "integration": {"id": null, "type": null, "name": null, "team": null, "labels": null},
 "notified_users": null, "users_to_be_notified": null,
 "alert_group_acknowledged_by": null, "alert_group_resolved_by": null,
 "responses": null, "webhook": null, "external_id": null}`
	e := decode(t, body)
	want := Event{
		Event:      Trigger{Type: TypeUnresolve},
		AlertGroup: AlertGroup{ID: "G9"},
	}
	if !reflect.DeepEqual(*e, want) {
		t.Errorf("got %+v\nwant %+v", *e, want)
	}
	if e.OccurredAt() != (time.Time{}) || e.ResourceKey() != "G9" {
		t.Errorf("OccurredAt %v ResourceKey %q", e.OccurredAt(), e.ResourceKey())
	}

	// Whole objects null.
	e = decode(t, `{"event": null, "alert_group": null, "integration": null, "alert_group_id": "G8"}`)
	if e.EventType() != "" || e.ResourceKey() != "G8" || !e.OccurredAt().IsZero() {
		t.Errorf("EventType %q ResourceKey %q OccurredAt %v", e.EventType(), e.ResourceKey(), e.OccurredAt())
	}
}

func TestMissingOptionalMembers(t *testing.T) {
	// What an escalation looks like without labels, responses or a
	// connected integration.
	e := decode(t, `{"event": {"type": "escalation"}, "user": null,
 "alert_group": {"id": "G1", "state": "firing", "created_at": "2024-01-01T00:00:00Z", "permalinks": {"web": "https://x/G1"}},
 "alert_group_id": "G1", "alert_payload": "", "integration": {"id": "I", "type": "webhook", "name": "n", "team": null},
 "notified_users": [], "users_to_be_notified": [{"id": "U3", "username": "carol", "email": "c@example.com"}]}`)
	if e.Webhook != nil || e.Responses != nil || e.ExternalID != "" || e.AlertGroup.Labels != nil || e.Integration.Labels != nil {
		t.Errorf("optional members not empty: %+v", e)
	}
	if e.AlertGroup.State != StateFiring || len(e.UsersToBeNotified) != 1 || e.UsersToBeNotified[0].ID != "U3" {
		t.Errorf("alert group %+v users %+v", e.AlertGroup, e.UsersToBeNotified)
	}
	if !e.AlertPayload.IsEmpty() || e.OccurredAt() != (time.Time{}) {
		t.Errorf("payload %q OccurredAt %v", e.AlertPayload, e.OccurredAt())
	}

	// alert_group.id missing: alert_group_id keys the event.
	e = decode(t, `{"event": {"type": "resolve", "time": "2024-01-01T00:00:00Z"}, "alert_group_id": "G2"}`)
	if e.ResourceKey() != "G2" {
		t.Errorf("ResourceKey = %q, want G2", e.ResourceKey())
	}
	// Nothing: no key, no ordering.
	e = decode(t, `{}`)
	if e.ResourceKey() != "" || !e.OccurredAt().IsZero() || e.EventType() != "" {
		t.Errorf("empty body: %q %v %q", e.ResourceKey(), e.OccurredAt(), e.EventType())
	}
}

func TestUnknownMembersReachable(t *testing.T) {
	e := decode(t, `{"event": {"type": "resolve", "time": "2024-01-01T00:00:00Z", "source": "api"},
 "alert_group": {"id": "G1", "latest_alert": {"id": "A1"}, "permalinks": {"web": "w", "mobile": "m"}},
 "integration": {"id": "I1", "verbal_name": "Grafana"},
 "user": {"id": "U1", "timezone": "UTC"},
 "webhook": {"id": "W1", "url": "https://x"},
 "external_id": "EXT-1",
 "brand_new": {"nested": [1, 2, {"x": true}]}, "another": 7}`)
	checks := []struct {
		where string
		got   jsontext.Value
		want  map[string]any
	}{
		{"top level", e.Unknown, map[string]any{"brand_new": map[string]any{"nested": []any{1.0, 2.0, map[string]any{"x": true}}}, "another": 7.0}},
		{"event", e.Event.Unknown, map[string]any{"source": "api"}},
		{"alert_group", e.AlertGroup.Unknown, map[string]any{"latest_alert": map[string]any{"id": "A1"}}},
		{"permalinks", e.AlertGroup.Permalinks.Unknown, map[string]any{"mobile": "m"}},
		{"integration", e.Integration.Unknown, map[string]any{"verbal_name": "Grafana"}},
		{"user", e.User.Unknown, map[string]any{"timezone": "UTC"}},
		{"webhook", e.Webhook.Unknown, map[string]any{"url": "https://x"}},
	}
	for _, c := range checks {
		var got map[string]any
		if err := json.Unmarshal(c.got, &got); err != nil {
			t.Errorf("%s: unknown members %q: %v", c.where, c.got, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: unknown members = %v, want %v", c.where, got, c.want)
		}
	}
	if e.ExternalID != "EXT-1" {
		t.Errorf("external_id = %q", e.ExternalID)
	}
}

func TestLastAlert(t *testing.T) {
	e := decode(t, `{"alert_group": {"id": "G1", "last_alert": {"id": "A9", "alert_group_id": "G1",
 "created_at": "2024-02-02T02:02:02.020202Z", "payload": {"state": "alerting"}}}}`)
	a := e.AlertGroup.LastAlert
	if a == nil || a.ID != "A9" || a.AlertGroupID != "G1" || !a.CreatedAt.Equal(utc("2024-02-02T02:02:02.020202Z")) ||
		string(a.Payload) != `{"state": "alerting"}` {
		t.Errorf("last_alert = %+v", a)
	}
}

func TestBadJSONNamesTheField(t *testing.T) {
	tests := []struct {
		name string
		body string
		path string // must appear in the error
	}{
		{"alerts_count as string", `{"alert_group": {"alerts_count": "3"}}`, "/alert_group/alerts_count"},
		{"event.time not a time", `{"event": {"type": "resolve", "time": "yesterday"}}`, "/event/time"},
		{"created_at as number", `{"alert_group": {"created_at": 1700000000}}`, "/alert_group/created_at"},
		{"id as number", `{"alert_group": {"id": 12}}`, "/alert_group/id"},
		{"notified_users as object", `{"notified_users": {"id": "U"}}`, "/notified_users"},
		{"user as string", `{"user": "U1"}`, "/user"},
		{"labels as string", `{"alert_group": {"labels": "severity=critical"}}`, "/alert_group/labels"},
		{"flat label value an object", `{"integration": {"labels": {"env": {"x": 1}}}}`, "/integration/labels/env"},
		{"list label entry a number", `{"webhook": {"labels": [7]}}`, "/webhook/labels"},
		{"list label key an array", `{"alert_group": {"labels": [{"key": ["k"]}]}}`, "/alert_group/labels/0/key"},
		{"duplicate label key", `{"alert_group": {"labels": {"a": "1", "a": "2"}}}`, "/alert_group/labels"},
		{"truncated body", `{"alert_group": {"id": "G1", "labels": [{"key"`, "/alert_group/labels/0"},
		{"permalinks as array", `{"alert_group": {"permalinks": []}}`, "/alert_group/permalinks"},
		{"responses as array", `{"responses": []}`, "/responses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Event
			err := event.Decode("application/json", []byte(tt.body), &e)
			if err == nil {
				t.Fatalf("no error for %s", tt.body)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name %s", err, tt.path)
			}
		})
	}
}

func TestNotJSON(t *testing.T) {
	for _, body := range []string{``, `not json`, `[]`, `"event"`, `{"event": {"type": "resolve"}} trailing`} {
		var e Event
		if err := event.Decode("application/json", []byte(body), &e); err == nil {
			t.Errorf("no error for %q", body)
		}
	}
}

// The encoding/json (v1) path must give what event.Decode gives.
func TestEncodingJSONMatchesDecode(t *testing.T) {
	bodies := append(readCaptured(t),
		eventBody(`{"type": "silence", "time": "2024-03-01T10:10:00.5Z", "until": null}`),
		`{"event": {"type": "x"}, "alert_group": {"labels": [{"key": {"id": "k1", "name": "team"}, "value": {"id": "v1", "name": "db"}}]}, "alert_payload": "", "extra": 1}`,
	)
	for i, body := range bodies {
		want := decode(t, body)
		var got Event
		if err := stdjson.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body %d: encoding/json: %v", i, err)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Errorf("body %d: encoding/json gave\n%+v\nevent.Decode gave\n%+v", i, got, *want)
		}
		// And encoding/json's Marshal writes what decodes back the same.
		out, err := stdjson.Marshal(want)
		if err != nil {
			t.Fatalf("body %d: encoding/json Marshal: %v", i, err)
		}
		again := decode(t, string(out))
		if !reflect.DeepEqual(compacted(again), compacted(want)) {
			t.Errorf("body %d: round trip through encoding/json changed the event:\n%s", i, out)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	bodies := append(readCaptured(t), eventBody(`{"type": "resolve", "time": "2024-03-01T10:30:00+00:00"}`),
		`{"alert_group": {"id": "G", "labels": [{"key": {"id": "k1", "name": "team"}, "value": {"id": "v1", "name": "db"}}, {"key": "a", "value": "b"}, {"key": "a", "value": "c"}]},
 "integration": {"labels": []}, "webhook": {"labels": {}}, "alert_payload": [1], "zzz": {"keep": "me"}}`)
	for i, body := range bodies {
		e := decode(t, body)
		out, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		again := decode(t, string(out))
		if !reflect.DeepEqual(compacted(again), compacted(e)) {
			t.Errorf("body %d: decode(marshal(e)) != e\nmarshaled: %s\nbefore %+v\nafter  %+v", i, out, *e, *again)
		}
	}
}

func TestCaseInsensitiveMemberNames(t *testing.T) {
	// event.Decode matches member names as encoding/json (v1) does.
	e := decode(t, `{"Event": {"Type": "resolve"}, "Alert_Group": {"ID": "G1"}}`)
	if e.EventType() != TypeResolve || e.ResourceKey() != "G1" {
		t.Errorf("EventType %q ResourceKey %q", e.EventType(), e.ResourceKey())
	}
}

func TestDecodeIsStable(t *testing.T) {
	body := []byte(readCaptured(t)[0])
	var a, b Event
	if err := event.Decode("", body, &a); err != nil {
		t.Fatal(err)
	}
	if err := event.Decode("", bytes.Clone(body), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two decodes of one body differ")
	}
}

// compacted returns a deep copy of e in which every raw JSON value is
// compacted and every time is in UTC: the encoder writes raw values without
// the sender's whitespace and "+00:00" as "Z", the only differences a
// marshal/unmarshal round trip may make.
func compacted(e *Event) *Event {
	c := normalize(reflect.ValueOf(e))
	return c.Interface().(*Event)
}

var timeType = reflect.TypeFor[time.Time]()

func normalize(v reflect.Value) reflect.Value {
	switch {
	case v.Type() == timeType:
		return reflect.ValueOf(v.Interface().(time.Time).UTC())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		if v.IsNil() {
			return v
		}
		raw := jsontext.Value(bytes.Clone(v.Bytes()))
		if err := raw.Compact(); err != nil {
			panic(err)
		}
		return reflect.ValueOf(raw).Convert(v.Type())
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(normalize(v.Elem()))
		return p
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			c.Field(i).Set(normalize(v.Field(i)))
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(normalize(v.Index(i)))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(it.Key(), normalize(it.Value()))
		}
		return c
	}
	return v
}
