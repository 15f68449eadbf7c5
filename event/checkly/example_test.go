package checkly_test

import (
	"fmt"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/event/checkly"
)

// A body from a template that names its keys after Checkly's variables and
// renders every value as a string, as most templates do.
func Example() {
	body := []byte(`{
	  "ALERT_TYPE": "ALERT_FAIL",
	  "CHECK_ID": "0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c1e11",
	  "CHECK_NAME": "Checkout API",
	  "RESPONSE_TIME": "1649",
	  "API_CHECK_RESPONSE_STATUS_CODE": "503",
	  "SSL_DAYS_REMAINING": "",
	  "STARTED_AT": "2024-05-01T10:30:00.000Z",
	  "TAGS": "api,prod",
	  "link": "https://app.checklyhq.com/checks/0d7c7c4e",
	  "priority": "P1"
	}`)
	var a checkly.Alert
	if err := event.Decode("application/json", body, &a); err != nil {
		fmt.Println("bad payload:", err)
		return
	}
	rt, _ := a.ResponseTime()
	fmt.Println(a.EventType(), a.AlertType.IsFailure())
	fmt.Println(a.CheckName, a.ResourceKey())
	fmt.Println(rt, *a.ResponseStatusCode, a.SSLDaysRemaining == nil)
	fmt.Println(a.OccurredAt().UTC(), a.Tags)
	fmt.Println(a.ResultLink)
	fmt.Println(string(a.Unknown))
	// Output:
	// ALERT_FAILURE true
	// Checkout API 0d7c7c4e-4e8c-4f5a-9d4e-2b7f0a6c1e11
	// 1.649s 503 true
	// 2024-05-01 10:30:00 +0000 UTC [api prod]
	// https://app.checklyhq.com/checks/0d7c7c4e
	// {"priority":"P1"}
}

// A bad value is an error that names the member and what was wanted, never
// the value itself: decode errors end up in logs.
func Example_errorNamesTheMember() {
	var a checkly.Alert
	err := event.Decode("application/json", []byte(`{"response_time":"1649ms"}`), &a)
	fmt.Println(err)
	// Output:
	// event: /response_time: want an integer or a numeric string, got string (byte 17)
}

func ExampleAlertType() {
	for _, t := range []checkly.AlertType{
		checkly.AlertFailure, checkly.AlertDegradedFailure, checkly.AlertFailureDegraded,
		checkly.AlertDegradedRecovery, checkly.AlertSSL,
	} {
		fmt.Printf("%-23s failure=%-5v degraded=%-5v recovery=%v\n", t, t.IsFailure(), t.IsDegraded(), t.IsRecovery())
	}
	// Output:
	// ALERT_FAILURE           failure=true  degraded=false recovery=false
	// ALERT_DEGRADED_FAILURE  failure=true  degraded=false recovery=false
	// ALERT_FAILURE_DEGRADED  failure=false degraded=true  recovery=false
	// ALERT_DEGRADED_RECOVERY failure=false degraded=false recovery=true
	// ALERT_SSL               failure=false degraded=false recovery=false
}

func ExampleParseAlertType() {
	fmt.Println(checkly.ParseAlertType("ALERT_FAIL"))
	fmt.Println(checkly.ParseAlertType("alert_degraded_recovery"))
	fmt.Println(checkly.ParseAlertType("ALERT_FROM_THE_FUTURE"))
	// Output:
	// ALERT_FAILURE
	// ALERT_DEGRADED_RECOVERY
	// ALERT_FROM_THE_FUTURE
}
