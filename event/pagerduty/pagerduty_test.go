package pagerduty

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hookseal/hookseal/event"
)

func decodeFile(t *testing.T, name string) *Message {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := event.Decode("application/json", b, &m); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return &m
}

func ref(id, typ, summary, path string) *Reference {
	r := &Reference{ID: id, Type: typ, Summary: summary}
	if path != "" {
		r.Self = "https://api.pagerduty.com/" + path + "/" + id
		r.HTMLURL = "https://acme.pagerduty.com/" + path + "/" + id
	}
	return r
}

func TestIncidentTriggered(t *testing.T) {
	m := decodeFile(t, "incident_triggered.json")
	at := time.Date(2020, 10, 2, 18, 45, 22, 169e6, time.UTC)
	want := Message{Event: Event{
		ID: "5ac64822-4adc-4fda-ade0-410becf0de4f", EventType: IncidentTriggered, ResourceType: "incident",
		OccurredAt: at,
		Agent:      ref("PLH1HKV", "user_reference", "Tenex Engineer", "users"),
		Client:     &Client{Name: "PagerDuty"},
		Data: Data{
			ID: "PGR0VU2", Type: "incident", Self: "https://api.pagerduty.com/incidents/PGR0VU2",
			HTMLURL: "https://acme.pagerduty.com/incidents/PGR0VU2", Number: 2, Status: StatusTriggered,
			IncidentKey: "d3640fbd41094207a1c11e58e46b1662", CreatedAt: time.Date(2020, 4, 9, 15, 16, 27, 0, time.UTC),
			Title: "A little bump in the road", Urgency: UrgencyHigh,
			Service:          ref("PF9KMXH", "service_reference", "API Service", "services"),
			Assignees:        []Reference{*ref("PTUXL6G", "user_reference", "User 123", "users")},
			EscalationPolicy: ref("PUS0KTE", "escalation_policy_reference", "Default", "escalation_policies"),
			Teams:            []Reference{*ref("PFCVPS0", "team_reference", "Engineering", "teams")},
			Priority: &Reference{ID: "PSO75BM", Type: "priority", Summary: "P1", Self: "https://api.pagerduty.com/priorities/PSO75BM",
				HTMLURL: "https://acme.pagerduty.com/account/incident_priorities"},
			Unknown: jsontext.Value(`{"conference_bridge":{"conference_number":"+1 1234123412,,987654321#","conference_url":"https://example.com"}}`),
		},
	}}
	var gotUnknown, wantUnknown any
	_ = json.Unmarshal(m.Event.Data.Unknown, &gotUnknown)
	_ = json.Unmarshal(want.Event.Data.Unknown, &wantUnknown)
	if !reflect.DeepEqual(gotUnknown, wantUnknown) {
		t.Errorf("data unknown = %s", m.Event.Data.Unknown)
	}
	m.Event.Data.Unknown, want.Event.Data.Unknown = nil, nil
	if !reflect.DeepEqual(*m, want) {
		t.Fatalf("decoded\n got %+v\nwant %+v", *m, want)
	}
	view := [5]any{m.EventType(), m.ResourceKey(), m.OccurredAt(), m.EventID(), m.StampedAt()}
	if wantView := [5]any{IncidentTriggered, "incident:PGR0VU2", at, want.Event.ID, at}; view != wantView {
		t.Errorf("payload view %v, want %v", view, wantView)
	}
	if m.IncidentID() != "PGR0VU2" || m.Event.Data.AsIncident() == nil || m.IsResolved() {
		t.Errorf("IncidentID %q AsIncident %v", m.IncidentID(), m.Event.Data.AsIncident())
	}
}

// An incident.annotated event's data is the note; the resource is still
// the incident it refers to, so it is ordered with the incident's other
// events.
func TestIncidentAnnotated(t *testing.T) {
	m := decodeFile(t, "incident_annotated.json")
	if m.ResourceKey() != "incident:PGR0VU2" || m.IncidentID() != "PGR0VU2" || m.Event.Data.Content != "Rolled back the deploy." ||
		m.Event.Data.AsIncident() != nil || m.Event.Client != nil || m.Event.Data.ID != "P4TGP1X" {
		t.Fatalf("message = %+v", m.Event)
	}
	if string(m.Event.Data.Unknown) != `{"trimmed":false}` {
		t.Errorf("unknown = %s", m.Event.Data.Unknown)
	}
}

func TestResourceKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    Event
		want string
	}{
		{"service event", Event{EventType: ServiceUpdated, Data: Data{ID: "PF9KMXH", Type: "service"}}, "service:PF9KMXH"},
		{"ping", Event{EventType: PageyPing, ResourceType: "pagey", Data: Data{Type: "ping"}}, ""},
		{"responder request", Event{EventType: IncidentResponderAdded, Data: Data{Type: "incident_responder", Incident: &Reference{ID: "Q1"}}}, "incident:Q1"},
		{"no event type, resource type decides", Event{ResourceType: "incident", Data: Data{ID: "Q2", Type: "incident"}}, "incident:Q2"},
		{"incident event without ids", Event{EventType: IncidentTriggered}, ""},
		{"unknown kind", Event{EventType: "user.created", Data: Data{ID: "U1"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Message{Event: tc.e}
			if got := m.ResourceKey(); got != tc.want {
				t.Fatalf("ResourceKey = %q, want %q", got, tc.want)
			}
		})
	}
}

// Bad bodies fail with an error naming where, never quoting the value.
func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ name, body, where string }{
		{"occurred_at not a time", `{"event":{"occurred_at":"yesterday-secret"}}`, "/event/occurred_at"},
		{"number not a number", `{"event":{"data":{"number":"two-secret"}}}`, "/event/data/number"},
		{"assignees not a list", `{"event":{"data":{"assignees":{"id":"secret"}}}}`, "/event/data/assignees"},
		{"event id twice", `{"event":{"id":"a","id":"b"}}`, "/event/id"},
		{"not an object", `["secret"]`, "top level"},
		{"truncated", `{"event":{"id":"secret`, "/event/id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			err := event.Decode("application/json", []byte(tc.body), &m)
			var de *event.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a DecodeError", err)
			}
			if !strings.Contains(err.Error(), tc.where) || strings.Contains(err.Error(), "secret") {
				t.Fatalf("err = %v, want it to name %s and not quote the body", err, tc.where)
			}
		})
	}
	var m Message
	if err := event.Decode("text/xml", []byte(`{}`), &m); !errors.Is(err, event.ErrContentType) {
		t.Fatalf("text/xml: %v", err)
	}
}

func TestEventTypes(t *testing.T) {
	types := EventTypes()
	if len(types) != 17 || types[0] != IncidentTriggered || types[len(types)-1] != PageyPing {
		t.Fatalf("EventTypes = %v", types)
	}
}
