// Package datadog is the typed payload of Datadog webhooks (the Webhooks
// integration, notified from monitors and events).
//
// Datadog sends a default JSON payload whose values are all strings:
//
//	{"body":"$EVENT_MSG","last_updated":"$LAST_UPDATED","event_type":"$EVENT_TYPE",
//	 "title":"$EVENT_TITLE","date":"$DATE","org":{"id":"$ORG_ID","name":"$ORG_NAME"},"id":"$ID"}
//
// or a custom payload the user writes with the same $VARIABLES.
// [RecommendedPayload] is a custom payload that keeps the default members
// and adds the monitor variables a receiver needs; [Event] holds either.
//
//	var e datadog.Event
//	if err := event.Decode(r.Header.Get("Content-Type"), body, &e); err != nil {
//		// 400: authentic but undecodable; the error names the member
//	}
//	if e.AlertTransition.IsTriggered() { ... }
//
// Datadog signs nothing: authenticate its deliveries with a shared token in
// a custom header, HTTP Basic credentials, or an OAuth 2.0 bearer token (see
// package verify).
//
// # What decoding accepts
//
// Keys: each member is found under its snake_case name ("alert_id"), the
// variable's own name ("ALERT_ID"), or any spelling equal to those when
// case, '_' and '-' are ignored ("alertId", "host_name" for hostname). A
// member of the default payload is also found under its variable's name:
// "event_msg" for body, "event_title" for title, and "org_id" and
// "org_name" beside the nested org; the default name wins when both are
// present. Two spellings of one key in the same body are a duplicate-name
// error.
//
// Values: $DATE and $LAST_UPDATED are epoch milliseconds, as a string or a
// number (an RFC 3339 string is accepted too). $TAGS is comma-separated
// ("env:prod,service:web"); a JSON array is accepted too. String fields
// accept numbers and booleans as their literal text, so "alert_id": $ALERT_ID
// without quotes works. "" and null mean "not set". $ALERT_TRANSITION,
// $ALERT_TYPE and $EVENT_TYPE are normalised by [ParseTransition],
// [ParseAlertType] and [ParseEventType]; values Datadog adds later pass
// through as their string. Members that match no field are kept, as raw
// JSON, in [Event.Unknown].
//
// # Identity
//
// $ID (the Datadog event's id) and $DATE (when it happened) are the
// delivery's identity and signed time ([Event.EventID], [Event.StampedAt]);
// keep them in a custom payload, as RecommendedPayload does. Datadog sends
// no delivery id or timestamp header, so a payload with neither renders
// identical bodies for two different alerts with the same content (the
// same monitor triggering twice), and hookseal's deduplication takes the
// second for a copy of the first while the first is within the route's
// dedupe window: it is answered duplicate and its handler does not run.
// The route reports such payloads as incomplete, naming $ID and $DATE, and
// `hookseal template --provider datadog --check` refuses them.
//
// # Form bodies
//
// With "encode as form", Datadog sends application/x-www-form-urlencoded.
// [Event.DecodeBody] (which [event.Decode] calls) decodes it into the same
// type with the same keys, aliases and value rules. The nesting of org in a
// form is not documented, so every plausible form is accepted: org[id] and
// org[name], org.id and org.name, flat org_id and org_name, or org holding
// the JSON object. A repeated key, or name[], makes a list (fine for tags,
// an error naming the member for anything else). A form has at most 1000
// fields.
package datadog
