package statusstack_test

import (
	"fmt"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/statusstack"
)

func Example() {
	// The body StatusStack documents.
	body := []byte(`{"event": "component.status_changed", "timestamp": "2025-01-19T10:30:00Z",
	  "stack": {"id": "stack_abc123", "name": "Production Infrastructure", "slug": "production"},
	  "component": {"id": "comp_xyz789", "name": "Production API", "previous_status": "operational", "current_status": "critical"},
	  "incident": {"id": "inc_123", "created_at": "2025-01-19T10:30:00Z"}}`)

	var ev statusstack.Event
	if err := event.Decode("application/json", body, &ev); err != nil {
		fmt.Println("bad payload:", err)
		return
	}
	fmt.Println(ev.EventType(), ev.ResourceKey(), ev.OccurredAt().Format("2006-01-02 15:04"))
	fmt.Println(ev.Component.Name, ev.Component.PreviousStatus, "->", ev.Component.CurrentStatus, "down:", ev.IsDown())
	// Output:
	// component.status_changed component:comp_xyz789 2025-01-19 10:30
	// Production API operational -> critical down: true
}

// Bodies StatusStack does not document decode leniently: a monitor may be a
// bare id, and members of unexpected shape stay reachable as raw JSON.
func ExampleMonitor() {
	for _, body := range []string{
		`{"event": "monitor.recovered", "timestamp": "2025-01-19T10:35:00Z", "monitor": "mon_42"}`,
		`{"event": "monitor.down", "timestamp": "2025-01-19T10:30:00Z", "monitor": {"id": 42, "status": {"code": "timeout"}}}`,
	} {
		var ev statusstack.Event
		if err := event.Decode("application/json", []byte(body), &ev); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s down=%v recovery=%v unknown=%s\n", ev.ResourceKey(), ev.IsDown(), ev.IsRecovery(), string(ev.Monitor.Unknown))
	}
	// Output:
	// monitor:mon_42 down=false recovery=true unknown=
	// monitor:42 down=true recovery=false unknown={"status":{"code": "timeout"}}
}
