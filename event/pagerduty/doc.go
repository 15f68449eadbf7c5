// Package pagerduty decodes the body of PagerDuty's Generic Webhooks (v3):
// one event, described by [Message], about an incident, a service or
// PagerDuty's own ping.
//
// Quick start, after verify's PagerDuty verifier accepted the request:
//
//	var msg pagerduty.Message
//	if err := event.Decode(r.Header.Get("Content-Type"), body, &msg); err != nil {
//		// 400: authentic but undecodable; err names the JSON path
//	}
//	switch msg.Event.EventType {
//	case pagerduty.IncidentTriggered:
//		if inc := msg.Event.Data.AsIncident(); inc != nil {
//			page(inc.ID, inc.Title, inc.Urgency)
//		}
//	case pagerduty.IncidentResolved:
//		...
//	}
//
// # Identity, time and ordering
//
// The whole body is signed, so everything in it is authentic:
// [Message.EventID] is the sender's unique event.id (the verifier makes it
// the dedupe key, see verify.PagerDutyScheme), [Message.StampedAt] and
// [Message.OccurredAt] are event.occurred_at, the signed time a route judges
// freshness by (middleware.WithMaxStampAge) and orders by, and
// [Message.ResourceKey] is the incident ("incident:PGR0VU2") for every
// incident.* event, including those whose data is a note, a responder
// request or a status update about the incident, so a late
// incident.acknowledged is dropped after the incident.resolved it
// preceded.
//
// Members this package does not model are kept, as raw JSON, in the
// Unknown field of the object that held them.
package pagerduty
