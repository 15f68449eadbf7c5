package datadog

// RecommendedPayload is a custom payload to paste into a Datadog webhook
// ("Use custom payload"). It keeps every member of Datadog's default
// payload under the default names, and adds the monitor variables a
// receiver needs to act and to order events: the alert's id, cycle key,
// transition and type among them. Its keys are the keys [Event] marshals
// with.
//
// Every value is quoted, as in Datadog's default payload, so a variable
// that is empty for some monitor still renders valid JSON; numbers and
// dates decode from those strings. With "encode as form" the same keys
// arrive as form fields, org as org[id] and org[name] or as a JSON object.
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
