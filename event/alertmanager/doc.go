// Package alertmanager decodes the body Prometheus Alertmanager's webhook
// receiver sends (version "4"): a group notification, described by
// [Message], with its group key and the fingerprint of every alert.
//
// Grafana Alerting's webhook contact point sends the same shape with more
// members: what the two share is defined here once ([Notification],
// [AlertFields]) and package event/grafana embeds it.
//
// # Authentication
//
// Alertmanager signs nothing. A receiver authenticates it by what the
// receiver's http_config sends, with package verify's existing verifiers:
//
//   - authorization (credentials, type Bearer by default), sent as
//     "Authorization: Bearer <credentials>": verify.Authorization with the
//     value "Bearer <credentials>";
//   - basic_auth: verify.Basic;
//   - oauth2 (client credentials; the token is a JWT where the identity
//     provider issues JWT access tokens): package verify/jwt, as for
//     Datadog;
//   - several at once, while moving from one to another: verify.AnyOf.
//
// # Deduplication and repeats
//
// While a group is unchanged, Alertmanager re-sends its notification every
// repeat_interval (4 h by default), and the repeat is byte-identical to the
// notification before it: no timestamp header, no id, and the alerts'
// times do not move (a firing alert's endsAt is written as the zero time).
// Nothing in a repeat tells it from a retry, so a dedupe key derived from
// the body alone (which is what these verifiers derive) would take a due
// repeat for a copy of the notification before it, for as long as the
// route's dedupe window remembers it (at least an hour with the defaults),
// and swallow every repeat of a route whose repeat_interval is shorter.
//
// Wrap the verifier with verify.Repeating and the receiver's
// repeat_interval: a delivery's dedupe key then also says in which repeat
// interval it arrived, so a repeat (at least one interval later) is a new
// delivery while a retry (seconds later) is a duplicate:
//
//	auth, err := verify.Authorization("alertmanager", verify.Secrets("Bearer "+os.Getenv("AM_TOKEN")))
//	...
//	v, err := verify.Repeating(auth, 4*time.Hour) // the route's repeat_interval
//	...
//	rt, err := middleware.NewRoute(v, handle) // handle(ctx, middleware.Event[alertmanager.Message])
//
// Message implements neither event.Identified nor event.Stamped: there is
// no identity or signed time in the body to give.
//
// # Ordering
//
// [Notification.ResourceKey] is the group key and
// [Notification.OccurredAt] the latest time the notification reports. A
// repeat carries the same time as the notification before it, and equal
// times pass ordering, so a route may order; see OccurredAt for the one
// repeat that ordering drops.
package alertmanager
