package oncall

import (
	stdjson "encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event"
)

// plainEvent is the floor: the same members decoded by encoding/json into
// plain types, with no leniency (labels and alert_payload left raw).
type plainEvent struct {
	Event struct {
		Type  string     `json:"type"`
		Time  *time.Time `json:"time"`
		Until *time.Time `json:"until"`
		User  *plainUser `json:"user"`
	} `json:"event"`
	User       *plainUser `json:"user"`
	AlertGroup struct {
		ID             string             `json:"id"`
		IntegrationID  string             `json:"integration_id"`
		TeamID         *string            `json:"team_id"`
		RouteID        string             `json:"route_id"`
		AlertsCount    int                `json:"alerts_count"`
		State          string             `json:"state"`
		CreatedAt      *time.Time         `json:"created_at"`
		ResolvedAt     *time.Time         `json:"resolved_at"`
		ResolvedBy     *string            `json:"resolved_by"`
		AcknowledgedAt *time.Time         `json:"acknowledged_at"`
		AcknowledgedBy *string            `json:"acknowledged_by"`
		SilencedAt     *time.Time         `json:"silenced_at"`
		Labels         stdjson.RawMessage `json:"labels"`
		Title          string             `json:"title"`
		Permalinks     struct {
			Slack    *string `json:"slack"`
			SlackApp *string `json:"slack_app"`
			Telegram *string `json:"telegram"`
			Web      string  `json:"web"`
		} `json:"permalinks"`
	} `json:"alert_group"`
	AlertGroupID string             `json:"alert_group_id"`
	AlertPayload stdjson.RawMessage `json:"alert_payload"`
	Integration  struct {
		ID     string             `json:"id"`
		Type   string             `json:"type"`
		Name   string             `json:"name"`
		Team   *string            `json:"team"`
		Labels stdjson.RawMessage `json:"labels"`
	} `json:"integration"`
	NotifiedUsers     []plainUser                   `json:"notified_users"`
	UsersToBeNotified []plainUser                   `json:"users_to_be_notified"`
	Responses         map[string]stdjson.RawMessage `json:"responses"`
	ExternalID        string                        `json:"external_id"`
}

type plainUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
}

// largeEvent is the first captured event with an alert_payload of n
// Alertmanager alerts instead of two.
func largeEvent(tb testing.TB, n int) []byte {
	tb.Helper()
	captured := readCaptured(tb)[0]
	const start, end = `"alert_payload": {"alerts": [`, `], "status": "firing", "version": "4"`
	i, j := strings.Index(captured, start), strings.Index(captured, end)
	if i < 0 || j < 0 {
		tb.Fatal("captured event changed shape")
	}
	var b strings.Builder
	b.WriteString(captured[:i+len(start)])
	for k := range n {
		if k > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"endsAt": "0001-01-01T00:00:00Z", "labels": {"job": "node", "group": "production", "instance": "host-%03d:9100", "severity": "critical", "alertname": "InstanceDown"}, "status": "firing", "startsAt": "2023-06-12T08:24:38.326Z", "annotations": {"title": "Instance host-%03d:9100 down", "description": "host-%03d:9100 of job node has been down for more than 1 minute."}, "fingerprint": "f404ecabc8dd%04x", "generatorURL": ""}`, k, k, k, k)
	}
	b.WriteString(captured[j:])
	return []byte(b.String())
}

func BenchmarkDecode(b *testing.B) {
	bodies := []struct {
		name string
		body []byte
	}{
		{"captured_2KiB", []byte(readCaptured(b)[0])},
		{"many_alerts_16KiB", largeEvent(b, 36)},
	}
	for _, bb := range bodies {
		b.Run(bb.name+"/hookseal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				var e Event
				if err := event.Decode("application/json", bb.body, &e); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bb.name+"/encoding_json_floor", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				var e plainEvent
				if err := stdjson.Unmarshal(bb.body, &e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestLargeEventShape(t *testing.T) {
	body := largeEvent(t, 36)
	if n := len(body); n < 15*1024 || n > 17*1024 {
		t.Errorf("large event is %d bytes, want about 16 KiB", n)
	}
	e := decode(t, string(body))
	var am struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	if err := e.AlertPayload.Decode(&am); err != nil || len(am.Alerts) != 36 || am.Alerts[35].Labels["instance"] != "host-035:9100" {
		t.Errorf("alert payload: %d alerts, %v", len(am.Alerts), err)
	}
	var p plainEvent
	if err := stdjson.Unmarshal(body, &p); err != nil || p.AlertGroup.ID != e.AlertGroup.ID || p.Event.Time == nil || !p.Event.Time.Equal(e.Event.Time) {
		t.Errorf("floor struct decoded %+v, %v", p.AlertGroup, err)
	}
}
