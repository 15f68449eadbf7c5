package hooktest

import (
	"strconv"
	"strings"
	"time"

	"github.com/hookseal/hookseal/event/datadog"
)

// DatadogCycleKey is the $ALERT_CYCLE_KEY of every sample Datadog event:
// one alert cycle of one monitor, from trigger to recovery.
const DatadogCycleKey = "7083254152354658542"

// datadogDefaultPayload is the payload Datadog sends when the webhook has no
// custom payload.
const datadogDefaultPayload = `{"body":"$EVENT_MSG","last_updated":"$LAST_UPDATED","event_type":"$EVENT_TYPE","title":"$EVENT_TITLE","date":"$DATE","org":{"id":"$ORG_ID","name":"$ORG_NAME"},"id":"$ID"}`

// DatadogTransitions lists every $ALERT_TRANSITION value.
func DatadogTransitions() []datadog.Transition {
	return []datadog.Transition{
		datadog.Triggered, datadog.ReTriggered, datadog.Recovered, datadog.Warn,
		datadog.ReWarn, datadog.NoData, datadog.ReNoData, datadog.Renotify,
	}
}

// DatadogEvent returns what a Datadog metric monitor ("CPU usage above 90%
// on web-1", monitor 123456789, cycle [DatadogCycleKey]) fills in for the
// transition at the given time (kept to the millisecond, in UTC): the
// default payload's members (id, event type, title, message, date, org) and
// the monitor variables of [datadog.RecommendedPayload] (transition, alert
// type, status, scope, query, tags, links, ...). The title and message are
// worded the way Datadog words them for that transition.
func DatadogEvent(transition datadog.Transition, at time.Time) datadog.Event {
	at = at.UTC().Truncate(time.Millisecond)
	ms := at.UnixMilli()
	if ms < 0 {
		ms = -ms
	}
	id := strconv.FormatInt(7_100_000_000_000_000_000+ms%1_000_000_000_000_000, 10)
	const monitor = "123456789"
	alertType, value := datadog.AlertError, "93.5"
	switch {
	case transition.IsRecovery():
		alertType, value = datadog.AlertSuccess, "41.2"
	case transition.IsWarning():
		alertType, value = datadog.AlertWarning, "84.7"
	}
	what := "CPU usage on web-1 is " + value + "%, above the 90% threshold."
	switch {
	case transition.IsRecovery():
		what = "CPU usage on web-1 is back to " + value + "%, under the 90% threshold."
	case transition.IsWarning():
		what = "CPU usage on web-1 is " + value + "%, above the 80% warning threshold."
	case transition.IsNoData():
		what = "No CPU data from web-1 for the last 10 minutes."
	}
	name := "CPU usage above 90% on web-1"
	monitorURL := "https://app.datadoghq.com/monitors/" + monitor
	return datadog.Event{
		ID:    id,
		Type:  datadog.QueryAlertMonitor,
		Title: "[" + string(transition) + " on {host:web-1}] " + name,
		Body: "%%%\n" + what + "\n\n@webhook-hookseal\n\n- - -\n\n[[Monitor Status](" + monitorURL +
			"?group=host%3Aweb-1)] · [[Edit Monitor](" + monitorURL + "/edit)]\n%%%",
		Date:            at,
		LastUpdated:     at,
		Org:             datadog.Org{ID: "1234567", Name: "Acme Corp"},
		AlertID:         monitor,
		AlertTitle:      name,
		AlertTransition: transition,
		AlertType:       alertType,
		AlertStatus:     "system.cpu.user over host:web-1 was > 90.0 on average during the last 5m.",
		AlertCycleKey:   DatadogCycleKey,
		AlertPriority:   "P2",
		AlertScope:      "host:web-1",
		AlertMetric:     "system.cpu.user",
		AlertQuery:      "avg(last_5m):avg:system.cpu.user{host:web-1} > 90",
		AggregKey:       "5d2a7c4e9b1f3a6d8c0e2f4a6b8d0c1e",
		Hostname:        "web-1",
		Priority:        "normal",
		Tags:            []string{"env:production", "host:web-1", "service:checkout"},
		Link:            "https://app.datadoghq.com/event/event?id=" + id,
		Snapshot:        "https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_1234567/2024-05-02/cpu-web-1.png",
		TextOnlyMsg:     what + " @webhook-hookseal",
	}
}

// DatadogBody renders e as Datadog renders [datadog.RecommendedPayload]:
// every value as a JSON string, dates as epoch milliseconds, tags
// comma-separated. e.Unknown is not rendered.
func DatadogBody(e datadog.Event) []byte {
	return []byte(renderDatadog(datadog.RecommendedPayload, datadogVars(e)))
}

// DatadogDefaultBody renders e as Datadog's default payload, which has no
// monitor variables: only ID, Type, Title, Body, Date, LastUpdated and Org
// reach the receiver.
func DatadogDefaultBody(e datadog.Event) []byte {
	return []byte(renderDatadog(datadogDefaultPayload, datadogVars(e)))
}

func datadogVars(e datadog.Event) map[string]string {
	return map[string]string{
		"ID":               e.ID,
		"EVENT_TYPE":       string(e.Type),
		"EVENT_TITLE":      e.Title,
		"EVENT_MSG":        e.Body,
		"DATE":             epochMillis(e.Date),
		"LAST_UPDATED":     epochMillis(e.LastUpdated),
		"ORG_ID":           e.Org.ID,
		"ORG_NAME":         e.Org.Name,
		"ALERT_ID":         e.AlertID,
		"ALERT_TITLE":      e.AlertTitle,
		"ALERT_TRANSITION": string(e.AlertTransition),
		"ALERT_TYPE":       string(e.AlertType),
		"ALERT_STATUS":     e.AlertStatus,
		"ALERT_CYCLE_KEY":  e.AlertCycleKey,
		"ALERT_PRIORITY":   e.AlertPriority,
		"ALERT_SCOPE":      e.AlertScope,
		"ALERT_METRIC":     e.AlertMetric,
		"ALERT_QUERY":      e.AlertQuery,
		"AGGREG_KEY":       e.AggregKey,
		"HOSTNAME":         e.Hostname,
		"PRIORITY":         e.Priority,
		"TAGS":             strings.Join(e.Tags, ","),
		"LINK":             e.Link,
		"SNAPSHOT":         e.Snapshot,
		"TEXT_ONLY_MSG":    e.TextOnlyMsg,
	}
}

// renderDatadog replaces each $VARIABLE of payload with its value, escaped
// for a JSON string. Unknown variables are left as they are.
func renderDatadog(payload string, vars map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(payload, '$')
		if i < 0 {
			b.WriteString(payload)
			return b.String()
		}
		b.WriteString(payload[:i])
		j := i + 1
		for j < len(payload) && (payload[j] == '_' || payload[j] >= 'A' && payload[j] <= 'Z') {
			j++
		}
		if v, ok := vars[payload[i+1:j]]; ok {
			for _, r := range v {
				b.WriteString(jsonEscapeRune(r))
			}
		} else {
			b.WriteString(payload[i:j])
		}
		payload = payload[j:]
	}
}

func epochMillis(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}
