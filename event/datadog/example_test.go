package datadog_test

import (
	"fmt"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/datadog"
)

// Datadog's default payload: every value a string, dates in epoch
// milliseconds.
func Example() {
	body := []byte(`{"body":"%%%\nCPU usage is high\n%%%","last_updated":"1714559400000",
	  "event_type":"query_alert_monitor","title":"[Triggered] CPU usage is high",
	  "date":"1714559400123","org":{"id":"123456","name":"Acme"},"id":"7478321456789012345"}`)
	var e datadog.Event
	if err := event.Decode("application/json", body, &e); err != nil {
		fmt.Println("bad payload:", err)
		return
	}
	fmt.Println(e.EventType(), e.Type == datadog.QueryAlertMonitor)
	fmt.Println(e.Title)
	fmt.Println(e.OccurredAt().UTC(), e.Org.Name)
	fmt.Printf("%q\n", e.ResourceKey()) // the default payload has no alert id or cycle key
	// Output:
	// query_alert_monitor true
	// [Triggered] CPU usage is high
	// 2024-05-01 10:30:00.123 +0000 UTC Acme
	// ""
}

// With "encode as form", the same keys arrive as form fields.
func Example_form() {
	body := []byte("event_type=query_alert_monitor&date=1714559400123&org%5Bid%5D=123456" +
		"&alert_id=98765432&alert_cycle_key=7207293469254349843&alert_transition=Recovered" +
		"&alert_type=success&tags=env%3Aprod%2Cservice%3Acheckout")
	var e datadog.Event
	if err := event.Decode("application/x-www-form-urlencoded", body, &e); err != nil {
		fmt.Println("bad payload:", err)
		return
	}
	fmt.Println(e.AlertTransition, e.IsRecovery(), e.ResourceKey())
	fmt.Println(e.Org.ID, e.Tags)
	// Output:
	// Recovered true 7207293469254349843
	// 123456 [env:prod service:checkout]
}

func ExampleTransition() {
	for _, s := range []string{"Triggered", "Re-Triggered", "Recovered", "re_no_data"} {
		t := datadog.ParseTransition(s)
		fmt.Printf("%-12s triggered=%-5v recovery=%-5v renotification=%v\n",
			t, t.IsTriggered(), t.IsRecovery(), t.IsRenotification())
	}
	// Output:
	// Triggered    triggered=true  recovery=false renotification=false
	// Re-Triggered triggered=true  recovery=false renotification=true
	// Recovered    triggered=false recovery=true  renotification=false
	// Re-No Data   triggered=false recovery=false renotification=true
}
