package pagerduty_test

import (
	"fmt"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/pagerduty"
)

func Example() {
	body := []byte(`{"event": {"id": "01DEN7Q5GJ84GIM3K1Z2OK3GB6", "event_type": "incident.resolved",
	  "resource_type": "incident", "occurred_at": "2026-03-02T06:12:00.120Z",
	  "agent": {"id": "PLH1HKV", "type": "user_reference", "summary": "Alice"},
	  "data": {"id": "PGR0VU2", "type": "incident", "number": 2, "status": "resolved",
	    "title": "Checkout latency", "urgency": "high",
	    "service": {"id": "PF9KMXH", "type": "service_reference", "summary": "API Service"}}}}`)

	var msg pagerduty.Message
	if err := event.Decode("application/json", body, &msg); err != nil {
		fmt.Println("bad payload:", err)
		return
	}
	fmt.Println(msg.EventType(), msg.ResourceKey(), msg.OccurredAt().Format("15:04:05.000"), msg.EventID())
	if inc := msg.Event.Data.AsIncident(); inc != nil {
		fmt.Println(inc.Number, inc.Status, inc.Title, inc.Service.Summary, msg.Event.Agent.Summary)
	}
	// Output:
	// incident.resolved incident:PGR0VU2 06:12:00.120 01DEN7Q5GJ84GIM3K1Z2OK3GB6
	// 2 resolved Checkout latency API Service Alice
}
