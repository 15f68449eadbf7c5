// Package oncall decodes the events Grafana OnCall's outgoing webhooks send
// when "forward all" is on (the default): one JSON object per alert-group
// action, described by [Event].
//
// Quick start, after the request was authenticated (OnCall signs nothing: use
// a shared token, HTTP Basic or a JWT verifier from package verify):
//
//	var ev oncall.Event
//	if err := event.Decode(r.Header.Get("Content-Type"), body, &ev); err != nil {
//		// 400: authentic but undecodable; err names the JSON path
//	}
//	switch ev.EventType() {
//	case oncall.TypeAlertGroupCreated, oncall.TypeEscalation:
//		page(ev.AlertGroup.ID, ev.AlertGroup.Title, ev.AlertGroup.Permalinks.Web)
//	case oncall.TypeResolve:
//		closeTicket(ev.AlertGroup.ID)
//	}
//
// # What is lenient
//
// OnCall's body mixes hand-built dictionaries with REST serializers, so a
// receiver meets more than one form for the same thing:
//
//   - Labels come as a flat object ({"severity":"critical"}) or as the REST
//     list ([{"key":{"id","name"},"value":{"id","name"}}]); [Labels] decodes
//     both into ordered key/value pairs with [Labels.Get] and [Labels.Map].
//   - alert_payload is the raw JSON of the group's first alert, or "" when
//     there is none; [AlertPayload] keeps the raw bytes, says
//     [AlertPayload.IsEmpty], and decodes them on demand with
//     [AlertPayload.Decode].
//   - Any member may be null (resolved_at, permalinks.slack, integration.team,
//     user, ...): nulls decode to zero values and nil pointers.
//   - Times are ISO 8601 with "Z" or "+00:00" and up to microseconds; they
//     decode into [time.Time].
//   - Members this package does not model are kept, as raw JSON, in the
//     Unknown field of the object that held them; event types it does not
//     know decode like the others.
//
// Decode and encode an [Event] (not one of its parts) with [event.Decode]
// or with encoding/json: both give the same result. (The parts keep unknown
// members in an encoding/json/v2 "embed" field, which encoding/json alone
// does not understand.) encoding/json/v2
// (github.com/go-json-experiment/json) does too, except that it matches
// member names case-sensitively unless asked not to.
//
// # Ordering
//
// [Event.ResourceKey] is the alert group id and [Event.OccurredAt] is
// event.time, falling back to the alert group's timestamp for the same
// action; events that carry no time of their own (escalation, unacknowledge,
// unresolve, unsilence, personal notification) report the zero time, which
// keeps them out of ordering instead of giving them a time that would be
// wrong. See [Event.OccurredAt] for why.
//
// # Deduplication
//
// OnCall sends no delivery id, so Event's identity is event.time alone
// ([Event.StampedAt]). That is a limit for the events without a time
// (escalation, unacknowledge, unresolve, unsilence, personal notification):
// two of them about one alert group whose bodies are identical (two
// escalation steps rendered with [RecommendedTemplate], for one) are one
// delivery to hookseal's deduplication, and the second is answered as a
// duplicate of the first and not handled.
package oncall
