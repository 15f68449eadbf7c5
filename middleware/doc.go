// Package middleware runs a webhook delivery through hookseal's pipeline on
// net/http, and decides the answer for the echo and gin adapters. One core
// does every step; the faces only translate.
//
// A [Route] is the whole pipeline for a payload type T, with the handler
// that receives each [Event]:
//
//	request ─▶ method ─▶ read body ─▶ authenticate ─▶ freshness ─▶ decode ─▶ signed time
//	   (405)     (413)      (401)         (200 stale)     (400)    (200 stale)
//	                                                                   │
//	 answer ◀─ settle ◀── handle ◀── order ◀── claim ◀── what the body lacks
//	          commit or    (500)   (200 out_  (200 duplicate,  (200 incomplete, or
//	          release              of_order)  409 in_flight,   422 when strict)
//	                                          503 store down)
//
// Each stage is a small function in a file named after it: read.go (method
// and the bounded body: memory grows with the bytes read, never with a
// declared length), authenticate.go (the route's verify.Verifier, and
// tenant.go for secrets per tenant, WithTenant),
// freshness.go (the delivery's time in a verify.Window, then a signed body
// time), decode.go (event.Decode, and what the payload lacks), dedupe.go
// (claim, lease renewal, commit or release), order.go (per-resource newest
// time) and handle.go (the handler, panics recovered). route.go reads the
// stages in order, one call each. A [Guard] runs the stages up to the
// claim in front of an application's own handler.
//
// # Outcomes
//
// Every request gets exactly one [Outcome], in the Hookseal-Outcome header,
// the status code ([Outcome.Status]) and every [Observer]'s [Report].
// Deliberate drops (duplicate, stale, out_of_order) answer 200 so senders
// stop retrying; failures a retry can fix (handler_error, store_unavailable,
// in_flight) answer 5xx or 409 so they retry.
//
// # Nothing authentic is shelved quietly
//
// A body that lacks what the route needs is authentic all the same: a
// Checkly template without ALERT_TYPE, an OnCall data template without
// event.type, a template with neither CHECK_RESULT_ID nor STARTED_AT. The
// route says so with outcome incomplete, whose cause names each missing
// piece and the template variable that carries it; SlogObserver logs it at
// WARN. By default the handler still runs with what the body has (a
// [Router]'s Default handler sees an event without a type), ordering is
// skipped for an event without a resource or time, and the answer is 200:
// the template will not change between the sender's retries, so a refusal
// would only turn one loud report into six, and then lose the alert at the
// sender. A handler that runs on a partial alert loses less than one that
// never runs. [WithStrictPayload] makes the other choice for users who
// prefer a failed delivery at the sender: 422, without calling the
// handler, and the claim released so a retry after the template is fixed
// is handled.
//
// # Identity, replays and the unsigned timestamp
//
// The dedupe key derives from authenticated material only (verify.Key):
// for Checkly, a keyed hash of the body. Two alerts that render
// byte-identical bodies (a template with neither CHECK_RESULT_ID nor
// STARTED_AT, and a flapping check: FAILURE, RECOVERY, FAILURE) would
// share it, and the second FAILURE would be dropped as a duplicate. So
// when a payload that can carry an identity or a signed time carries
// neither, the route mixes the delivery's unsigned timestamp
// (x-checkly-timestamp) into the key: each alert has its own, and each
// retry of one alert, sent with the same header, keeps its key. That
// assumes Checkly keeps the header unchanged across the retries of one
// delivery, which its documentation implies but does not state. If it did
// not, a retry after a lost answer would be handled twice. And since the
// header is unsigned, whoever captured such a delivery can replay it with
// a new header, and it is handled as a new alert, at any time. A template
// with CHECK_RESULT_ID but no STARTED_AT has an identity (the key ignores
// the header) but still no signed time: a replay is a duplicate within the
// dedupe window and handled again after it. Both holes
// close with the recommended template (checkly.RecommendedTemplate), whose
// CHECK_RESULT_ID and STARTED_AT are signed: the key ignores the header,
// and STARTED_AT bounds how old a delivery may be ([WithMaxStampAge],
// default 1 hour) whatever the header says. The dedupe window is kept at
// least that long plus the clock skew allowed ([WithDedupeWindow]), so
// every replay of such a delivery is either a duplicate or stale.
//
// # Claims and handlers that outlive them
//
// A delivery is claimed before its handler runs, and the claim's lease is
// renewed every third of it while the handler runs, so copies arriving
// meanwhile are answered in_flight however long the handler takes. If the
// claim is lost all the same (the store unreachable for longer than the
// lease, so another replica may take the delivery over), the handler's
// context is cancelled with cause store.ErrClaimLost, and a handler that
// finishes anyway is reported as claim_lost, not processed. The handler
// gets the delivery's IdempotencyKey and the claim's Fence: storing the
// side effect under a unique constraint on the key makes it happen once
// even then (see the idempotencyKey example of Event).
package middleware
