package datadog

import (
	"strings"

	"github.com/hookseal/hookseal/event"
)

// RecommendedPayload is a custom payload to paste into a Datadog webhook
// ("Use custom payload"). It keeps every member of Datadog's default
// payload under the default names, and adds the monitor variables a
// receiver needs to act and to order events: the alert's id, cycle key,
// transition and type among them. Its keys are the keys [Event] marshals
// with.
//
// Every value is quoted, as in Datadog's default payload, so a variable
// that is empty for some monitor still renders valid JSON; numbers and
// dates decode from those strings. Datadog escapes each value for a JSON
// string as it substitutes it, so the quotes in a title and the line
// breaks of $EVENT_MSG (several lines of markdown) arrive as \" and \n
// and cannot break the JSON; outside quotes, text would. With "encode as
// form" the same keys arrive as form fields, org as org[id] and org[name]
// or as a JSON object.
const RecommendedPayload = `{
  "id": "$ID",
  "event_type": "$EVENT_TYPE",
  "title": "$EVENT_TITLE",
  "body": "$EVENT_MSG",
  "date": "$DATE",
  "last_updated": "$LAST_UPDATED",
  "org": {
    "id": "$ORG_ID",
    "name": "$ORG_NAME"
  },
  "alert_id": "$ALERT_ID",
  "alert_title": "$ALERT_TITLE",
  "alert_transition": "$ALERT_TRANSITION",
  "alert_type": "$ALERT_TYPE",
  "alert_status": "$ALERT_STATUS",
  "alert_cycle_key": "$ALERT_CYCLE_KEY",
  "alert_priority": "$ALERT_PRIORITY",
  "alert_scope": "$ALERT_SCOPE",
  "alert_metric": "$ALERT_METRIC",
  "alert_query": "$ALERT_QUERY",
  "aggreg_key": "$AGGREG_KEY",
  "hostname": "$HOSTNAME",
  "priority": "$PRIORITY",
  "tags": "$TAGS",
  "link": "$LINK",
  "snapshot": "$SNAPSHOT",
  "text_only_msg": "$TEXT_ONLY_MSG"
}
`

// Variables are the $VARIABLES of a Datadog webhook payload that Event
// reads: the names a route's template key map (event.KeyMap) may name.
var Variables = [...]string{
	"ID", "EVENT_TYPE", "EVENT_TITLE", "EVENT_MSG", "DATE", "LAST_UPDATED", "ORG_ID", "ORG_NAME",
	"ALERT_ID", "ALERT_TITLE", "ALERT_TRANSITION", "ALERT_TYPE", "ALERT_STATUS", "ALERT_CYCLE_KEY",
	"ALERT_PRIORITY", "ALERT_SCOPE", "ALERT_METRIC", "ALERT_QUERY", "AGGREG_KEY", "HOSTNAME",
	"PRIORITY", "TAGS", "LINK", "SNAPSHOT", "TEXT_ONLY_MSG",
}

var _ event.Mapped = (*Event)(nil)

// VariablePath returns where Event reads the payload variable v ($ALERT_TYPE
// or ALERT_TYPE, in any case): the member RecommendedPayload names after it.
// It implements [event.Mapped], so a route can map the keys of a user's own
// JSON payload onto Event's fields (middleware.WithTemplateKeys).
func (e *Event) VariablePath(v string) (string, bool) {
	v = strings.ToUpper(event.TrimVariable(v))
	for _, k := range Variables {
		if k == v {
			return "/" + strings.ToLower(k), true
		}
	}
	return "", false
}
