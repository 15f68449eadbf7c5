// Package grafana decodes the body Grafana Alerting's webhook contact point
// sends: an Alertmanager-compatible group notification, described by
// [Message].
//
// Quick start, after verify's Grafana Alerting verifier accepted the request
// (when the contact point has an HMAC secret):
//
//	var msg grafana.Message
//	if err := event.Decode(r.Header.Get("Content-Type"), body, &msg); err != nil {
//		// 400: authentic but undecodable; err names the JSON path
//	}
//	for _, a := range msg.Alerts {
//		if a.IsResolved() {
//			closeTicket(a.Fingerprint, a.EndsAt)
//		} else {
//			openTicket(a.Fingerprint, a.Labels["alertname"], a.StartsAt)
//		}
//	}
//
// The same shape is what Alertmanager's webhook receiver sends, and what
// Grafana OnCall forwards as alert_payload for Alertmanager and Grafana
// Alerting integrations, so Message decodes those too.
//
// An alert that has not ended has endsAt "0001-01-01T00:00:00Z", which
// decodes to the zero [time.Time]. Alert values ("values") are numbers, or
// null, "NaN", "+Inf" or "-Inf" (see [Values]). Members this package does not
// model are kept, as raw JSON, in the Unknown field of the object that held
// them. Decode and encode a [Message] (not one of its parts) with
// [event.Decode] or with encoding/json: both give the same result.
//
// # Ordering
//
// [Message.ResourceKey] is the group key and [Message.OccurredAt] the latest
// time the notification reports (see there): a late "firing" notification
// that arrives after the "resolved" one for the same group is older, so
// ordering drops it.
package grafana
