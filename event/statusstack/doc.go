// Package statusstack decodes StatusStack notification webhooks into
// [Event].
//
// Quick start, after verify's StatusStack verifier accepted the request
// (HMAC-SHA256 of the raw body in X-StatusStack-Signature; the body's
// timestamp is signed, so freshness is judged on it):
//
//	var ev statusstack.Event
//	if err := event.Decode(r.Header.Get("Content-Type"), body, &ev); err != nil {
//		// 400: authentic but undecodable; err names the JSON path
//	}
//	switch {
//	case ev.IsDown():
//		page(ev.Stack.Name, ev.Component.Name)
//	case ev.IsRecovery():
//		resolve(ev.ResourceKey())
//	}
//
// # What is known and what is not
//
// StatusStack documents one body, component.status_changed:
//
//	{"event":"component.status_changed","timestamp":"2025-01-19T10:30:00Z",
//	 "stack":{"id","name","slug"},
//	 "component":{"id","name","previous_status","current_status"},
//	 "incident":{"id","created_at"}}
//
// and lists six more event types whose bodies it does not publish. So every
// object but stack is optional (a nil pointer when absent or null), the
// monitor and maintenance objects are modelled on plausible fields and
// decoded leniently (see [Monitor] and [Maintenance]), every object keeps the
// members this package does not model as raw JSON in its Unknown field, and
// an event type this package does not know decodes like any other: it
// reaches the handler, never an error.
//
// Decode and encode an [Event] (not one of its parts) with [event.Decode] or
// with encoding/json: both give the same result.
//
// # Ordering
//
// [Event.ResourceKey] names the object the event is about, prefixed with
// its kind ("component:comp_xyz789", "monitor:...") so that a component and
// a monitor sharing an id never share ordering state; [Event.OccurredAt] is
// the signed timestamp.
package statusstack
