package grafana_test

import (
	"fmt"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/grafana"
)

func Example() {
	body := []byte(`{"receiver": "ops-webhook", "status": "resolved", "orgId": 1,
	  "alerts": [{"status": "resolved", "labels": {"alertname": "HighMemoryUsage", "instance": "db-1:9100"},
	    "annotations": {"summary": "Memory above 90%"}, "startsAt": "2024-05-02T06:00:00Z", "endsAt": "2024-05-02T06:12:00Z",
	    "fingerprint": "9c1a8e3f0b5d7a21", "values": {"A": 71.2, "B": 0}}],
	  "groupKey": "{}:{alertname=\"HighMemoryUsage\"}", "version": "1", "truncatedAlerts": 0}`)

	var msg grafana.Message
	if err := event.Decode("application/json", body, &msg); err != nil {
		fmt.Println("bad payload:", err)
		return
	}
	fmt.Println(msg.EventType(), msg.ResourceKey(), msg.OccurredAt().Format("15:04"))
	for _, a := range msg.Alerts {
		fmt.Println(a.Labels["instance"], a.IsResolved(), a.EndsAt.Format("15:04"), a.Values["A"])
	}
	// Output:
	// resolved {}:{alertname="HighMemoryUsage"} 06:12
	// db-1:9100 true 06:12 71.2
}

// An alert that has not ended carries endsAt "0001-01-01T00:00:00Z": the
// zero time.
func ExampleAlert_IsResolved() {
	var msg grafana.Message
	_ = event.Decode("application/json", []byte(`{"status": "firing", "alerts": [
	  {"status": "firing", "startsAt": "2024-05-02T06:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "values": {"A": null}}]}`), &msg)
	a := msg.Alerts[0]
	fmt.Println(a.IsResolved(), a.EndsAt.IsZero(), a.Values["A"])
	// Output:
	// false true NaN
}
