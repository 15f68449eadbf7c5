package oncall

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/alertmanager"
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
		eventTime      time.Time // "+00:00" with six fractional digits
		acknowledgedAt time.Time
	}{
		{"results[0]", time.Date(2023, 8, 18, 16, 38, 21, 442981000, time.UTC), utc("2023-08-18T16:38:21.442981Z")},
		{"results[1]", time.Date(2023, 8, 18, 16, 34, 37, 940655000, time.UTC), utc("2023-08-18T16:34:37.940655Z")},
	}
	// alert_payload of both: the Alertmanager notification, labels inside.
	// Unknown holds the members grafana.Message does not model, as its
	// decoder writes them.
	alert := func(group, instance, fingerprint string) grafana.Alert {
		return grafana.Alert{AlertFields: alertmanager.AlertFields{
			Status:      "firing",
			Labels:      map[string]string{"job": "node", "group": group, "instance": instance, "severity": "critical", "alertname": "InstanceDown"},
			Annotations: map[string]string{"title": "Instance " + instance + " down", "description": instance + " of job node has been down for more than 1 minute."},
			StartsAt:    utc("2023-06-12T08:24:38.326Z"),
			EndsAt:      time.Time{}, // "0001-01-01T00:00:00Z"
			Fingerprint: fingerprint,
		}}
	}
	wantMessage := grafana.Message{Notification: alertmanager.Notification[grafana.Alert]{
		Receiver: "combo",
		Status:   "firing",
		Alerts: []grafana.Alert{
			alert("production", "localhost:8081", "f404ecabc8dd5cd7"),
			alert("canary", "localhost:8082", "f8f08d4e32c61a9d"),
		},
		GroupLabels:       map[string]string{"alertname": "InstanceDown"},
		CommonLabels:      map[string]string{"job": "node", "severity": "critical", "alertname": "InstanceDown"},
		CommonAnnotations: map[string]string{},
		Version:           "4",
		GroupKey:          `{}:{alertname="InstanceDown"}`,
	},
		Unknown: jsontext.Value(`{"numFiring":2,"numResolved":0}`),
	}
	var events []*Event
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode(t, captured[i])
			events = append(events, e)

			want := Event{
				Event: Trigger{Type: TypeAcknowledge, Time: tt.eventTime},
				User:  &User{ID: "UK49JJNPZMFLJ", Username: "oncall", Email: "admin@localhost"},
				AlertGroup: AlertGroup{
					ID:             "IZQERPWKWCGH1",
					IntegrationID:  "CRV8A5MXC751A",
					RouteID:        "RWNCT6C77M3WM",
					AlertsCount:    1,
					State:          StateAcknowledged,
					CreatedAt:      utc("2023-08-18T16:34:27.678406Z"),
					AcknowledgedAt: tt.acknowledgedAt,
					// "resolved_at": null; silenced_at, team_id, labels and
					// last_alert absent.
					Title:      "[firing:2] InstanceDown ",
					Permalinks: Permalinks{Web: "http://localhost:3000/a/grafana-oncall-app/alert-groups/IZQERPWKWCGH1"},
				},
				AlertGroupID: "IZQERPWKWCGH1",
				// Kept as sent, byte for byte.
				AlertPayload:      AlertPayload(rawMember(t, captured[i], "alert_payload")),
				Integration:       Integration{ID: "CRV8A5MXC751A", Type: "alertmanager", Name: "One - Alertmanager"},
				NotifiedUsers:     []User{}, // [] stays empty, not nil
				UsersToBeNotified: []User{},
			}
			checkEqual(t, "event", *e, want)
			checkEqual(t, "payload view", viewOf(e), payloadView{TypeAcknowledge, "IZQERPWKWCGH1", tt.eventTime})

			var am grafana.Message
			if err := e.AlertPayload.Decode(&am); err != nil {
				t.Fatal(err)
			}
			checkEqual(t, "alert_payload", am, wantMessage)
		})
	}
	// Both are acknowledgements of one alert group: the second captured
	// delivery is the older one, which ordering must put first.
	if len(events) == 2 && !events[1].OccurredAt().Before(events[0].OccurredAt()) {
		t.Errorf("results[1] (%v) should be older than results[0] (%v)", events[1].OccurredAt(), events[0].OccurredAt())
	}
}

// rawMember returns the named member of the JSON object body as sent.
func rawMember(t testing.TB, body, name string) jsontext.Value {
	t.Helper()
	var members map[string]jsontext.Value
	if err := json.Unmarshal([]byte(body), &members); err != nil {
		t.Fatal(err)
	}
	v, ok := members[name]
	if !ok {
		t.Fatalf("no member %q in %s", name, body)
	}
	return v
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

// eventBodyWant is the Event that eventBody(event member) decodes to, with
// trigger the decoded event member.
func eventBodyWant(trigger Trigger) Event {
	return Event{
		Event: trigger,
		User:  &User{ID: "U1", Username: "alice", Email: "alice@example.com"},
		AlertGroup: AlertGroup{
			ID:             "IG1",
			IntegrationID:  "CI1",
			TeamID:         "TT1",
			RouteID:        "RR1",
			AlertsCount:    3,
			State:          StateResolved,
			CreatedAt:      utc("2024-03-01T10:00:00.000001Z"),
			ResolvedAt:     utc("2024-03-01T10:30:00Z"),
			AcknowledgedAt: utc("2024-03-01T10:05:00Z"),
			SilencedAt:     utc("2024-03-01T10:10:00.5Z"),
			ResolvedBy:     "U1",
			AcknowledgedBy: "U2",
			Labels:         Labels{{Key: "severity", Value: "critical"}, {Key: "team", Value: "db"}},
			Title:          "[firing:1] DiskFull",
			// slack_app and telegram null.
			Permalinks: Permalinks{Slack: "https://slack.example/x", Web: "https://oncall.example/a/IG1"},
		},
		AlertGroupID:      "IG1",
		AlertPayload:      AlertPayload(`{"status": "firing", "commonLabels": {"alertname": "DiskFull"}}`),
		Integration:       Integration{ID: "CI1", Type: "grafana_alerting", Name: "Grafana", Team: "SRE", Labels: Labels{{Key: "env", Value: "prod"}}},
		NotifiedUsers:     []User{{ID: "U2", Username: "bob", Email: "bob@example.com"}},
		UsersToBeNotified: []User{},
		// Kept as sent, byte for byte.
		Responses: map[string]jsontext.Value{"WH2": jsontext.Value(`{"ticket": 42}`), "WH3": jsontext.Value(`"plain text answer"`)},
		Webhook:   &Webhook{ID: "WH1", Name: "to-jira", Labels: Labels{{Key: "dest", Value: "jira"}}},
	}
}

func TestEventTypes(t *testing.T) {
	created := utc("2024-03-01T10:00:00.000001Z")
	acked := utc("2024-03-01T10:05:00Z")
	silenced := utc("2024-03-01T10:10:00.5Z")
	resolved := utc("2024-03-01T10:30:00Z")
	tests := []struct {
		name    string
		event   string
		trigger Trigger   // the decoded event member
		want    time.Time // OccurredAt
	}{
		{"alert group created", `{"type": "alert group created", "time": "2024-03-01T10:00:00.000001+00:00"}`,
			Trigger{Type: TypeAlertGroupCreated, Time: created}, created},
		{"escalation: no time", `{"type": "escalation"}`, Trigger{Type: TypeEscalation}, time.Time{}},
		{"acknowledge", `{"type": "acknowledge", "time": "2024-03-01T10:05:00+00:00"}`, Trigger{Type: TypeAcknowledge, Time: acked}, acked},
		{"resolve", `{"type": "resolve", "time": "2024-03-01T10:30:00+00:00"}`, Trigger{Type: TypeResolve, Time: resolved}, resolved},
		{"silence with until", `{"type": "silence", "time": "2024-03-01T10:10:00.500000+00:00", "until": "2024-03-01T12:10:00+00:00"}`,
			Trigger{Type: TypeSilence, Time: silenced, Until: utc("2024-03-01T12:10:00Z")}, silenced},
		{"unsilence: no time", `{"type": "unsilence"}`, Trigger{Type: TypeUnsilence}, time.Time{}},
		{"unresolve: no time", `{"type": "unresolve"}`, Trigger{Type: TypeUnresolve}, time.Time{}},
		{"unacknowledge: no time", `{"type": "unacknowledge"}`, Trigger{Type: TypeUnacknowledge}, time.Time{}},
		{"status change", `{"type": "status change"}`, Trigger{Type: TypeStatusChange}, time.Time{}},
		{"personal notification with user", `{"type": "personal notification", "user": {"id": "U2", "username": "bob", "email": "bob@example.com"}}`,
			Trigger{Type: TypePersonalNotification, User: &User{ID: "U2", Username: "bob", Email: "bob@example.com"}}, time.Time{}},
		// OnCall writes event.time from the group's timestamp; when it
		// wrote null, the same timestamp is the fallback.
		{"acknowledge, time null: acknowledged_at", `{"type": "acknowledge", "time": null}`, Trigger{Type: TypeAcknowledge}, acked},
		{"resolve, no time: resolved_at", `{"type": "resolve"}`, Trigger{Type: TypeResolve}, resolved},
		{"silence, no time: silenced_at", `{"type": "silence"}`, Trigger{Type: TypeSilence}, silenced},
		{"alert group created, no time: created_at", `{"type": "alert group created"}`, Trigger{Type: TypeAlertGroupCreated}, created},
		{"unknown type passes through", `{"type": "alert group merged", "time": "2024-03-01T11:00:00Z", "reason": "dup"}`,
			Trigger{Type: "alert group merged", Time: utc("2024-03-01T11:00:00Z"), Unknown: jsontext.Value(`{"reason":"dup"}`)}, utc("2024-03-01T11:00:00Z")},
		{"unknown type without time", `{"type": "something new"}`, Trigger{Type: "something new"}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode(t, eventBody(tt.event))
			checkEqual(t, "payload view", viewOf(e), payloadView{tt.trigger.Type, "IG1", tt.want})
			// The rest of the body decodes the same whatever the type.
			checkEqual(t, "event", *e, eventBodyWant(tt.trigger))
		})
	}
}

// payloadForm is what AlertPayload's methods report.
type payloadForm struct {
	Empty bool
	Raw   jsontext.Value // nil when empty
	Kind  jsontext.Kind
}

func TestAlertPayloadForms(t *testing.T) {
	tests := []struct {
		name    string
		member  string // the alert_payload member, or "" for none
		want    payloadForm
		decodes bool
	}{
		{"object", `"alert_payload": {"a": [1, 2], "b": {"c": null}}`, payloadForm{false, jsontext.Value(`{"a": [1, 2], "b": {"c": null}}`), '{'}, true},
		{"empty string (no alert)", `"alert_payload": ""`, payloadForm{true, nil, 0}, false},
		{"null", `"alert_payload": null`, payloadForm{true, nil, 0}, false},
		{"absent", ``, payloadForm{true, nil, 0}, false},
		{"non-empty string kept", `"alert_payload": "raw text body"`, payloadForm{false, jsontext.Value(`"raw text body"`), '"'}, false},
		{"array kept", `"alert_payload": [1, "two"]`, payloadForm{false, jsontext.Value(`[1, "two"]`), '['}, false},
		{"number kept", `"alert_payload": 12.5`, payloadForm{false, jsontext.Value(`12.5`), '0'}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"event": {"type": "escalation"}, "alert_group": {"id": "G"}`
			if tt.member != "" {
				body += ", " + tt.member
			}
			e := decode(t, body+"}")
			p := e.AlertPayload
			checkEqual(t, "alert_payload", payloadForm{p.IsEmpty(), p.Raw(), p.Raw().Kind()}, tt.want)
			var dst map[string]any
			err := p.Decode(&dst)
			switch {
			case tt.want.Empty && !errors.Is(err, ErrEmptyAlertPayload):
				t.Errorf("Decode of empty payload: %v, want ErrEmptyAlertPayload", err)
			case tt.decodes && err != nil:
				t.Errorf("Decode: %v", err)
			case !tt.want.Empty && !tt.decodes && err == nil:
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
	want := Event{
		AlertGroup: AlertGroup{
			ID:        "G1",
			Labels:    Labels{{Key: "a", Value: "b"}},
			LastAlert: &Alert{Payload: jsontext.Value(`[1]`)},
			Unknown:   jsontext.Value(`{"x":1}`),
		},
		AlertPayload: AlertPayload(`{"k": "v"}`),
		Responses:    map[string]jsontext.Value{"W1": jsontext.Value(`{"ok": true}`)},
		Unknown:      jsontext.Value(`{"y":"z"}`),
	}
	checkEqual(t, "event after the body changed", e, want)
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
	checkEqual(t, "event", *e, want)
	checkEqual(t, "payload view", viewOf(e), payloadView{TypeUnresolve, "G9", time.Time{}})

	// Whole objects null.
	e = decode(t, `{"event": null, "alert_group": null, "integration": null, "alert_group_id": "G8"}`)
	checkEqual(t, "event", *e, Event{AlertGroupID: "G8"})
	checkEqual(t, "payload view", viewOf(e), payloadView{"", "G8", time.Time{}})
}

func TestMissingOptionalMembers(t *testing.T) {
	// What an escalation looks like without labels, responses or a
	// connected integration.
	e := decode(t, `{"event": {"type": "escalation"}, "user": null,
 "alert_group": {"id": "G1", "state": "firing", "created_at": "2024-01-01T00:00:00Z", "permalinks": {"web": "https://x/G1"}},
 "alert_group_id": "G1", "alert_payload": "", "integration": {"id": "I", "type": "webhook", "name": "n", "team": null},
 "notified_users": [], "users_to_be_notified": [{"id": "U3", "username": "carol", "email": "c@example.com"}]}`)
	want := Event{
		Event: Trigger{Type: TypeEscalation},
		AlertGroup: AlertGroup{
			ID:         "G1",
			State:      StateFiring,
			CreatedAt:  utc("2024-01-01T00:00:00Z"),
			Permalinks: Permalinks{Web: "https://x/G1"},
		},
		AlertGroupID:      "G1",
		AlertPayload:      nil, // ""
		Integration:       Integration{ID: "I", Type: "webhook", Name: "n"},
		NotifiedUsers:     []User{},
		UsersToBeNotified: []User{{ID: "U3", Username: "carol", Email: "c@example.com"}},
		// No webhook, responses, external_id or labels.
	}
	checkEqual(t, "event", *e, want)
	checkEqual(t, "payload view", viewOf(e), payloadView{TypeEscalation, "G1", time.Time{}})

	// alert_group.id missing: alert_group_id keys the event.
	e = decode(t, `{"event": {"type": "resolve", "time": "2024-01-01T00:00:00Z"}, "alert_group_id": "G2"}`)
	checkEqual(t, "payload view", viewOf(e), payloadView{TypeResolve, "G2", utc("2024-01-01T00:00:00Z")})
	// Nothing: no key, no ordering.
	e = decode(t, `{}`)
	checkEqual(t, "event", *e, Event{})
	checkEqual(t, "payload view", viewOf(e), payloadView{})
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
	want := Event{AlertGroup: AlertGroup{ID: "G1", LastAlert: &Alert{
		ID:           "A9",
		AlertGroupID: "G1",
		CreatedAt:    utc("2024-02-02T02:02:02.020202Z"),
		Payload:      jsontext.Value(`{"state": "alerting"}`), // as sent
	}}}
	checkEqual(t, "event", *e, want)
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
	checkEqual(t, "event", *e, Event{Event: Trigger{Type: TypeResolve}, AlertGroup: AlertGroup{ID: "G1"}})
	checkEqual(t, "payload view", viewOf(e), payloadView{TypeResolve, "G1", time.Time{}})
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

// payloadView is what the middleware reads of an event: the methods of
// event.Payload.
type payloadView struct {
	EventType   string
	ResourceKey string
	OccurredAt  time.Time
}

func viewOf(e *Event) payloadView {
	return payloadView{e.EventType(), e.ResourceKey(), e.OccurredAt()}
}

// checkEqual fails t unless got and want are deeply equal, and names the
// fields that differ.
//
// Before comparing, every non-zero time is moved to UTC in both: a time
// decoded from "+00:00" is in a fixed zone (or Local) and so not
// reflect.DeepEqual to the same instant in UTC, and the tests mean the
// instant (time.Time.Equal). Zero times are left alone, so a want of
// time.Time{} still demands exactly the zero time.
//
// Raw JSON (jsontext.Value, AlertPayload) is deliberately not compacted: the
// decoder keeps alert_payload, responses and last_alert.payload byte for
// byte as sent, and writes the Unknown members it collects compact, so the
// exact bytes are part of what these tests expect. Compacting belongs to
// the round-trip tests (see compacted), where the encoder may rewrite
// whitespace.
func checkEqual[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	got = normalize(reflect.ValueOf(got), false).Interface().(T)
	want = normalize(reflect.ValueOf(want), false).Interface().(T)
	if reflect.DeepEqual(got, want) {
		return
	}
	diffs := fieldDiffs(what, reflect.ValueOf(got), reflect.ValueOf(want), nil)
	const most = 8
	if len(diffs) > most {
		diffs = append(diffs[:most], fmt.Sprintf("... and %d more", len(diffs)-most))
	}
	t.Errorf("%s differs from want:\n\t%s", what, strings.Join(diffs, "\n\t"))
}

// fieldDiffs appends to diffs a "path: got …, want …" line for each part of
// got and want (values of one type) that differs, descending into exported
// struct fields, pointers, and slices and maps of the same length and keys.
func fieldDiffs(path string, got, want reflect.Value, diffs []string) []string {
	if reflect.DeepEqual(got.Interface(), want.Interface()) {
		return diffs
	}
	n := len(diffs)
	switch got.Kind() {
	case reflect.Struct:
		if got.Type() == timeType {
			break
		}
		for i := range got.NumField() {
			if f := got.Type().Field(i); f.IsExported() {
				diffs = fieldDiffs(path+"."+f.Name, got.Field(i), want.Field(i), diffs)
			}
		}
	case reflect.Pointer:
		if !got.IsNil() && !want.IsNil() {
			diffs = fieldDiffs(path, got.Elem(), want.Elem(), diffs)
		}
	case reflect.Slice:
		if got.Type().Elem().Kind() != reflect.Uint8 && !got.IsNil() && !want.IsNil() && got.Len() == want.Len() {
			for i := range got.Len() {
				diffs = fieldDiffs(fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i), diffs)
			}
		}
	case reflect.Map:
		if got.IsNil() || want.IsNil() || got.Len() != want.Len() {
			break
		}
		keys := got.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			w := want.MapIndex(k)
			if !w.IsValid() { // other keys: show the whole maps
				diffs = diffs[:n]
				break
			}
			diffs = fieldDiffs(fmt.Sprintf("%s[%#v]", path, k), got.MapIndex(k), w, diffs)
		}
	}
	if len(diffs) == n { // not descended into, or differing in what is not shown
		diffs = append(diffs, fmt.Sprintf("%s: got %s, want %s", path, show(got), show(want)))
	}
	return diffs
}

// show formats v for fieldDiffs: raw JSON and other byte slices as text,
// everything else with %#v.
func show(v reflect.Value) string {
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
		if v.IsNil() {
			return "nil"
		}
		if s := string(v.Bytes()); strconv.CanBackquote(s) {
			return "`" + s + "`"
		}
		return fmt.Sprintf("%q", v.Bytes())
	}
	return fmt.Sprintf("%#v", v.Interface())
}

// compacted returns a deep copy of e in which every raw JSON value is
// compacted and every time is in UTC: the encoder writes raw values without
// the sender's whitespace and "+00:00" as "Z", the only differences a
// marshal/unmarshal round trip may make.
func compacted(e *Event) *Event {
	c := normalize(reflect.ValueOf(e), true)
	return c.Interface().(*Event)
}

var timeType = reflect.TypeFor[time.Time]()

// normalize returns a deep copy of v with its non-zero times in UTC; with
// roundTrip, zero times too are put in UTC and every byte slice (raw JSON)
// is compacted (see compacted).
func normalize(v reflect.Value, roundTrip bool) reflect.Value {
	switch {
	case v.Type() == timeType:
		t := v.Interface().(time.Time)
		if t.IsZero() && !roundTrip {
			return v
		}
		return reflect.ValueOf(t.UTC())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		if v.IsNil() || !roundTrip {
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
		p.Elem().Set(normalize(v.Elem(), roundTrip))
		return p
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			c.Field(i).Set(normalize(v.Field(i), roundTrip))
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(normalize(v.Index(i), roundTrip))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(it.Key(), normalize(it.Value(), roundTrip))
		}
		return c
	}
	return v
}
