// Package hooksealotel traces and measures hookseal's routes with
// OpenTelemetry: a middleware.Tracer that opens real spans, and a
// middleware.Observer that sets the delivery's attributes on its span and
// records metrics with the same meaning as package observe/prometheus's.
//
// Quick start:
//
//	otelInst, err := hooksealotel.New(
//		hooksealotel.WithTracerProvider(tp), hooksealotel.WithMeterProvider(mp))
//	if err != nil { ... }
//	route, err := middleware.NewRoute(v, handle,
//		append(otelInst.Options(), middleware.WithName("checkly"))...)
//	if err != nil { ... }
//	_ = otelInst.WatchInbox("main", ib) // only with middleware.WithInbox
//	mux.Handle("POST /hooks/checkly", otelhttp.NewHandler(route, "checkly"))
//
// Without WithTracerProvider and WithMeterProvider, the global providers
// (otel.GetTracerProvider, otel.GetMeterProvider) are used.
//
// # Spans
//
// hookseal.delivery is a child of the span in the request's context (the
// otelhttp server span in front of the route), so it joins the caller's
// trace. Under it, one span per stage the delivery reached, in order:
// hookseal.read, hookseal.authenticate, hookseal.freshness,
// hookseal.decode, hookseal.dedupe, hookseal.order, hookseal.accept (with
// an inbox), hookseal.handle and hookseal.commit (see the Span constants
// of package middleware). The handler's context carries hookseal.handle,
// so the spans the handler starts are its children. An inbox runner's run
// of an entry is a span hookseal.run, the root of a trace of its own.
//
// Every span that decided the delivery's outcome (the stage that decided,
// and hookseal.delivery) has these attributes:
//
//   - hookseal.outcome: one of middleware.AllOutcomes.
//   - hookseal.reason: why an unauthenticated or stale delivery was
//     refused (middleware.Report.Reason); absent otherwise.
//   - http.response.status_code: the status the route answered.
//
// Its status is Error, with the outcome as description and as the
// error.type attribute, when the outcome is answered 5xx (handler_error,
// store_unavailable, inbox_full). hookseal.handle and hookseal.run are
// Error when the handler returned an error (error.type handler_error) or
// panicked (error.type panic). 4xx outcomes are the sender's failures,
// not the receiver's, and leave the status unset, as OpenTelemetry's HTTP
// conventions do for server spans.
//
// The observer adds to hookseal.delivery:
//
//   - hookseal.route: the route's name (middleware.WithName), or the
//     pattern net/http's ServeMux matched.
//   - hookseal.provider: the verifier's sender name ("checkly").
//   - hookseal.event_type: the payload's event type, when decoded (at
//     most 256 bytes).
//   - hookseal.delivery and hookseal.resource, the dedupe key and the
//     resource, only with WithDeliveryIdentifiers.
//
// Spans never carry a body, a secret, a signature, a header, or an
// error's text: Result.Err holds no secret, but a payload that failed to
// decode can be quoted in it. Log Err with the slog observer instead. No
// exception events are recorded, for the same reason.
//
// # Metrics
//
// hookseal.deliveries (counter, {delivery}), attributes hookseal.route,
// hookseal.provider, hookseal.outcome, hookseal.reason: the reports the
// route's observers were told of. One per request a route or guard
// decides, and, on a route with an inbox, one per run of an entry by the
// runner (accepted when the sender is answered, then processed, retrying,
// dead_letter or superseded). provider is "" for requests refused before
// the verifier ran; reason is "" when there is none.
//
// hookseal.delivery.duration (histogram, s), attributes hookseal.route,
// hookseal.outcome: the time from the request reaching the route to its
// decision, the handler included; for an inbox run, the handler's time.
// Buckets: DefaultBuckets.
//
// hookseal.inbox.entries (gauge, {entry}), attributes hookseal.inbox,
// hookseal.inbox.state (pending, running, dead): the entries an inbox
// holds, read from inbox.Inbox.Stats when the metrics are collected.
//
// hookseal.inbox.oldest_pending.age (gauge, s), attribute hookseal.inbox:
// how long ago the oldest pending or running entry was accepted; 0 when
// there is none.
//
// hookseal.inbox.up (gauge, no unit), attribute hookseal.inbox: 1 when the
// collection read the inbox's Stats, 0 when Stats failed or took longer
// than WithStatsTimeout; the two gauges above are then left out.
//
// Exported to Prometheus (OpenTelemetry's Prometheus exporter), these
// become hookseal_deliveries_total, hookseal_delivery_duration_seconds,
// hookseal_inbox_entries, hookseal_inbox_oldest_pending_age_seconds and
// hookseal_inbox_up, as package observe/prometheus names them; the labels
// keep their namespace (hookseal_route, hookseal_outcome,
// hookseal_inbox_state, ...), so rules written for observe/prometheus's
// route, outcome and state need those names.
//
// Store errors have no instrument of their own: a delivery the store
// failed to decide is counted with outcome store_unavailable.
//
// Metric attributes are bounded: every value comes from configuration
// (route, provider, inbox) or a fixed set (outcome, reason, state). The
// event type, the delivery key, the resource and the path are never metric
// attributes.
package hooksealotel
