// Package hooksealprom exports what hookseal's routes decide as Prometheus
// metrics: an Observer that counts every delivery and times it, and a
// collector that reads inboxes' Stats each time Prometheus scrapes.
//
// Quick start:
//
//	reg := prometheus.NewRegistry()
//	m, err := hooksealprom.New(reg, hooksealprom.WithRoute("checkly", verify.ProviderCheckly))
//	if err != nil { ... }
//	route, err := middleware.NewRoute(v, handle,
//		middleware.WithName("checkly"), middleware.WithObserver(m.Observer()))
//	if err != nil { ... }
//	_ = m.WatchInbox("main", ib) // only with middleware.WithInbox
//	mux.Handle("POST /hooks/checkly", route)
//	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// # Series
//
// hookseal_deliveries_total{route, provider, outcome, reason} (counter):
// the reports the route's observers were told of. One per request a route
// or guard decides, and, on a route with an inbox (middleware.WithInbox),
// one per run of an entry by the runner: a delivery is counted accepted
// when the sender is answered, then processed, retrying, dead_letter or
// superseded as the runner runs it.
//
//   - route: the route's configured name (middleware.WithName), or the
//     pattern net/http's ServeMux matched; "" when neither is known.
//   - provider: the verifier's sender name ("checkly"); "" for requests
//     refused before the verifier ran (method_not_allowed, too_large,
//     bad_request).
//   - outcome: one of middleware.AllOutcomes.
//   - reason: why an unauthenticated, stale or store_unavailable delivery
//     was refused (middleware.Report.Reason: unknown_tenant,
//     missing_signature, malformed_signature, invalid_signature,
//     unauthorized, missing_timestamp, malformed_timestamp, too_old,
//     too_new, and secrets_unavailable for a tenant whose secrets could
//     not be looked up); "" otherwise.
//
// hookseal_delivery_duration_seconds{route, outcome} (histogram): the time
// from the request reaching the route to its decision, the handler
// included (middleware.Report.Duration); for an inbox runner's run, how
// long the handler ran. See DefaultBuckets for the buckets and why.
//
// hookseal_inbox_entries{inbox, state} (gauge): the entries an inbox holds,
// state pending (waiting, including those held back by a backoff), running
// (leased) or dead (dead letters), read from inbox.Inbox.Stats at scrape
// time. inbox is the name given to Metrics.WatchInbox.
//
// hookseal_inbox_oldest_pending_age_seconds{inbox} (gauge): how long ago
// the oldest pending or running entry was accepted; 0 when there is none.
//
// hookseal_inbox_up{inbox} (gauge): 1 when the last scrape read the
// inbox's Stats, 0 when Stats failed or took longer than the timeout
// (WithStatsTimeout). The two series above are left out of a scrape that
// could not read them rather than reported as 0, so that an alert on them
// does not resolve itself while the inbox is unreachable: alert on
// hookseal_inbox_up == 0 too.
//
// # Store errors
//
// There is no store-error counter of its own: a delivery that the dedupe,
// ordering or inbox store failed to decide is reported with outcome
// store_unavailable (answered 503, so the sender retries), and
// hookseal_deliveries_total{outcome="store_unavailable"} counts exactly
// those. A second counter would count the same reports again. Store
// failures that do not decide the answer are not in it: a route built with
// middleware.WithStoreFailOpen does not report its failures at all, and a
// commit that failed after the handler succeeded is reported as processed
// (its Err says so, which the slog observer logs; Err is not a label).
//
// # Bounded labels
//
// Every label value comes from configuration (route, provider, inbox) or
// from a fixed set (outcome, reason), never from what a sender chose: not
// the path (middleware.Report.Path), the delivery key, the resource, the
// event type nor the error's text. A scanner sending a million distinct
// paths adds no series.
//
// # Zeroes for alerting rules
//
// A counter series appears the first time it is incremented, and rate()
// and increase() cannot see that first increment, so a rule watching a
// rare outcome (store_unavailable, handler_error) would miss the first
// one. WithRoute declares a route and the provider its verifier names;
// New then creates its series at zero: every outcome with an empty reason,
// and each outcome with each of its reasons (middleware.Outcome.Reasons).
// Histograms are not pre-created: latency rules look at rates of
// deliveries that happened.
//
// Several Metrics on one registry collide; give each its own registry, or
// wrap each one's registerer (prometheus.WrapRegistererWith) with the same
// constant label names and different values, such as service="billing"
// and service="alerts".
package hooksealprom
