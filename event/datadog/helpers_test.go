package datadog

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// sampleVars is one monitor notification as Datadog's $VARIABLES, with
// values that need escaping (quotes, line breaks, '%', '&', '+', non-ASCII).
var sampleVars = map[string]string{
	"ID":               "7478321456789012345",
	"EVENT_TYPE":       "query_alert_monitor",
	"EVENT_TITLE":      "[Triggered on {host:web-1}] CPU usage is high",
	"EVENT_MSG":        "%%%\nCPU usage is above 90% on host:web-1 \"prod\" & rising + climbing – é\n\n@webhook-hookseal\n%%%",
	"DATE":             "1714559400123",
	"LAST_UPDATED":     "1714559400000",
	"ORG_ID":           "123456",
	"ORG_NAME":         `Acme "Prod"`,
	"ALERT_ID":         "98765432",
	"ALERT_TITLE":      "CPU usage is high",
	"ALERT_TRANSITION": "Triggered",
	"ALERT_TYPE":       "error",
	"ALERT_STATUS":     "system.cpu.user over host:web-1 was > 90.0 on average during the last 5m.",
	"ALERT_CYCLE_KEY":  "7207293469254349843",
	"ALERT_PRIORITY":   "P1",
	"ALERT_SCOPE":      "host:web-1",
	"ALERT_METRIC":     "system.cpu.user",
	"ALERT_QUERY":      "avg(last_5m):avg:system.cpu.user{env:prod} by {host} > 90",
	"AGGREG_KEY":       "9a8b7c6d5e4f",
	"HOSTNAME":         "web-1",
	"PRIORITY":         "normal",
	"TAGS":             "env:prod,host:web-1,service:checkout",
	"LINK":             "https://app.datadoghq.com/event/event?id=7478321456789012345",
	"SNAPSHOT":         "https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_123456/2024-05-01/abc.png",
	"TEXT_ONLY_MSG":    "CPU usage is above 90% on host:web-1",
}

var (
	sampleDate    = time.Date(2024, 5, 1, 10, 30, 0, 123e6, time.UTC)
	sampleUpdated = time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC)
)

// sampleEvent is what sampleVars must decode to.
func sampleEvent() Event {
	v := sampleVars
	return Event{
		ID: v["ID"], Type: QueryAlertMonitor, Title: v["EVENT_TITLE"], Body: v["EVENT_MSG"],
		Date: sampleDate, LastUpdated: sampleUpdated,
		Org:     Org{ID: "123456", Name: `Acme "Prod"`},
		AlertID: v["ALERT_ID"], AlertTitle: v["ALERT_TITLE"], AlertTransition: Triggered, AlertType: AlertError,
		AlertStatus: v["ALERT_STATUS"], AlertCycleKey: v["ALERT_CYCLE_KEY"], AlertPriority: "P1",
		AlertScope: "host:web-1", AlertMetric: "system.cpu.user", AlertQuery: v["ALERT_QUERY"],
		AggregKey: v["AGGREG_KEY"], Hostname: "web-1", Priority: "normal",
		Tags: []string{"env:prod", "host:web-1", "service:checkout"},
		Link: v["LINK"], Snapshot: v["SNAPSHOT"], TextOnlyMsg: v["TEXT_ONLY_MSG"],
	}
}

var varRE = regexp.MustCompile(`\$[A-Z_]+`)

// render stands in for Datadog filling a JSON payload: each $VARIABLE is
// replaced by its value with JSON string escaping. A variable without a
// value is an error.
func render(tpl string, vars map[string]string) (string, error) {
	var err error
	out := varRE.ReplaceAllStringFunc(tpl, func(m string) string {
		v, ok := vars[m[1:]]
		if !ok && err == nil {
			err = fmt.Errorf("payload uses %s, which has no value", m)
		}
		b, _ := json.Marshal(v)
		return string(b[1 : len(b)-1])
	})
	return out, err
}

func sampleJSON(tb testing.TB) []byte {
	tb.Helper()
	s, err := render(RecommendedPayload, sampleVars)
	if err != nil {
		tb.Fatal(err)
	}
	return []byte(s)
}

// sampleForm is the recommended payload with "encode as form": one field
// per top-level key, org as org[id] and org[name].
func sampleForm() []byte {
	f := url.Values{}
	for key, v := range map[string]string{
		"id": "ID", "event_type": "EVENT_TYPE", "title": "EVENT_TITLE", "body": "EVENT_MSG", "date": "DATE",
		"last_updated": "LAST_UPDATED", "org[id]": "ORG_ID", "org[name]": "ORG_NAME", "alert_id": "ALERT_ID",
		"alert_title": "ALERT_TITLE", "alert_transition": "ALERT_TRANSITION", "alert_type": "ALERT_TYPE",
		"alert_status": "ALERT_STATUS", "alert_cycle_key": "ALERT_CYCLE_KEY", "alert_priority": "ALERT_PRIORITY",
		"alert_scope": "ALERT_SCOPE", "alert_metric": "ALERT_METRIC", "alert_query": "ALERT_QUERY",
		"aggreg_key": "AGGREG_KEY", "hostname": "HOSTNAME", "priority": "PRIORITY", "tags": "TAGS",
		"link": "LINK", "snapshot": "SNAPSHOT", "text_only_msg": "TEXT_ONLY_MSG",
	} {
		f.Set(key, sampleVars[v])
	}
	return []byte(f.Encode())
}

// checkEvent compares two events field by field, with times compared as
// instants, and reports each differing field by name.
func checkEvent(t *testing.T, got, want Event) {
	t.Helper()
	if !got.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", got.Date, want.Date)
	}
	if !got.LastUpdated.Equal(want.LastUpdated) {
		t.Errorf("LastUpdated = %v, want %v", got.LastUpdated, want.LastUpdated)
	}
	got.Date, want.Date, got.LastUpdated, want.LastUpdated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			name := gv.Type().Field(i).Name
			if name == "Unknown" {
				t.Errorf("Unknown = %s, want %s", g, w)
				continue
			}
			t.Errorf("%s = %#v, want %#v", name, g, w)
		}
	}
}
