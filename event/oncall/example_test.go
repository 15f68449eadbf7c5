package oncall_test

import (
	"errors"
	"fmt"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/oncall"
)

func Example() {
	body := []byte(`{"event": {"type": "resolve", "time": "2024-03-01T10:30:00.123456+00:00"},
 "user": {"id": "U1", "username": "alice", "email": "alice@example.com"},
 "alert_group": {"id": "IG1", "state": "resolved", "resolved_at": "2024-03-01T10:30:00.123456Z",
  "labels": {"severity": "critical"}, "title": "DiskFull",
  "permalinks": {"slack": null, "telegram": null, "web": "https://oncall.example/a/IG1"}},
 "alert_group_id": "IG1", "alert_payload": "",
 "integration": {"id": "CI1", "type": "grafana_alerting", "name": "Grafana", "team": null},
 "notified_users": [], "users_to_be_notified": []}`)

	var ev oncall.Event
	if err := event.Decode("application/json", body, &ev); err != nil {
		fmt.Println("bad payload:", err)
		return
	}
	severity, _ := ev.AlertGroup.Labels.Get("severity")
	fmt.Println(ev.EventType(), ev.ResourceKey(), ev.OccurredAt().Format("15:04:05.000000"))
	fmt.Println(ev.AlertGroup.State, severity, ev.AlertGroup.Permalinks.Web)
	fmt.Println("resolved by:", ev.User.Username, "payload empty:", ev.AlertPayload.IsEmpty())
	// Output:
	// resolve IG1 10:30:00.123456
	// resolved critical https://oncall.example/a/IG1
	// resolved by: alice payload empty: true
}

// Labels come as a flat object or as OnCall's REST list; both decode to the
// same pairs.
func ExampleLabels() {
	for _, body := range []string{
		`{"alert_group": {"labels": {"team": "db", "severity": "critical"}}}`,
		`{"alert_group": {"labels": [{"key": {"id": "K1", "name": "team"}, "value": {"id": "V1", "name": "db"}},
		  {"key": {"id": "K2", "name": "severity"}, "value": {"id": "V2", "name": "critical"}}]}}`,
	} {
		var ev oncall.Event
		if err := event.Decode("application/json", []byte(body), &ev); err != nil {
			fmt.Println(err)
			return
		}
		team, _ := ev.AlertGroup.Labels.Get("team")
		fmt.Println(len(ev.AlertGroup.Labels), team, ev.AlertGroup.Labels.Map()["severity"])
	}
	// Output:
	// 2 db critical
	// 2 db critical
}

// alert_payload holds what the integration received; for an Alertmanager
// integration, decode it into an Alertmanager-shaped struct (or
// grafana.Message).
func ExampleAlertPayload_Decode() {
	var ev oncall.Event
	_ = event.Decode("application/json", []byte(`{"alert_payload": {"status": "firing",
	  "commonLabels": {"alertname": "InstanceDown"}, "alerts": [{"labels": {"instance": "db-1:9100"}}]}}`), &ev)

	var am struct {
		CommonLabels map[string]string `json:"commonLabels"`
		Alerts       []struct {
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	if err := ev.AlertPayload.Decode(&am); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(am.CommonLabels["alertname"], am.Alerts[0].Labels["instance"])

	// OnCall sends "" when the group has no alert.
	_ = event.Decode("application/json", []byte(`{"alert_payload": ""}`), &ev)
	err := ev.AlertPayload.Decode(&am)
	fmt.Println(ev.AlertPayload.IsEmpty(), errors.Is(err, oncall.ErrEmptyAlertPayload))
	// Output:
	// InstanceDown db-1:9100
	// true true
}

// Events that carry no time of their own stay out of ordering.
func ExampleEvent_OccurredAt() {
	for _, body := range []string{
		`{"event": {"type": "acknowledge", "time": "2024-03-01T10:05:00+00:00"}, "alert_group": {"id": "IG1"}}`,
		`{"event": {"type": "unacknowledge"}, "alert_group": {"id": "IG1", "created_at": "2024-03-01T10:00:00Z"}}`,
	} {
		var ev oncall.Event
		_ = event.Decode("application/json", []byte(body), &ev)
		fmt.Printf("%s: zero=%v %s\n", ev.EventType(), ev.OccurredAt().IsZero(), ev.OccurredAt().Format("15:04"))
	}
	// Output:
	// acknowledge: zero=false 10:05
	// unacknowledge: zero=true 00:00
}
