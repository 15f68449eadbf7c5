package checkly_test

import (
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/hooktest"
)

// Every body package hooktest renders for Checkly is in the recommended
// template's shape: the fast path takes it and gives the lenient path's
// Alert.
func TestFastPathTakesHooktestBodies(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 30, 0, 123e6, time.UTC)
	var bodies [][]byte
	for _, typ := range hooktest.EventTypes(hooktest.ProviderCheckly) {
		body, err := hooktest.SampleBody(hooktest.ProviderCheckly, typ, at)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	for _, typ := range hooktest.ChecklyAlertTypes() {
		a := hooktest.ChecklyAlert(typ, at)
		a.CheckName, a.GroupName = `Checkout & "Payments" <eu>`, "a=b's `group`"
		a.Tags = []string{"team:payments", " spaced ", "&amp;", "é"}
		bodies = append(bodies, hooktest.ChecklyBody(a))
		a.Tags = nil
		bodies = append(bodies, hooktest.ChecklyBody(a))
	}
	for _, body := range bodies {
		if !checkly.CheckFastPath(t, body) {
			t.Errorf("the fast path refused hooktest's body:\n%s", body)
		}
	}
}
