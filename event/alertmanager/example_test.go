package alertmanager_test

import (
	"fmt"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/alertmanager"
)

func Example() {
	body := []byte(`{"receiver":"hookseal","status":"resolved","alerts":[
	  {"status":"resolved","labels":{"alertname":"InstanceDown","instance":"db-1:9100"},"annotations":{},
	   "startsAt":"2026-03-02T05:40:00Z","endsAt":"2026-03-02T06:00:00Z","generatorURL":"","fingerprint":"b7b4d1c7e1a9f0d3"}],
	  "groupLabels":{"alertname":"InstanceDown"},"commonLabels":{"alertname":"InstanceDown"},"commonAnnotations":{},
	  "externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\"InstanceDown\"}","truncatedAlerts":0}`)

	var msg alertmanager.Message
	if err := event.Decode("application/json", body, &msg); err != nil {
		fmt.Println("bad payload:", err)
		return
	}
	fmt.Println(msg.EventType(), msg.ResourceKey(), msg.OccurredAt().Format("15:04"), msg.Fingerprints())
	for _, a := range msg.Alerts {
		fmt.Println(a.Labels["instance"], a.IsResolved(), a.EndsAt.Format("15:04"))
	}
	// Output:
	// resolved {}:{alertname="InstanceDown"} 06:00 [b7b4d1c7e1a9f0d3]
	// db-1:9100 true 06:00
}
