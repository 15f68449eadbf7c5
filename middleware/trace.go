package middleware

import "context"

// Tracer opens a span for each delivery a route or guard decides and, under
// it, one for each stage of the pipeline, so that a trace shows where a
// delivery's time went and the handler's own spans nest under hookseal's.
// Package observe/otel implements it with OpenTelemetry; the core knows no
// tracing library.
//
// The delivery span (SpanDelivery) is a child of the span in the request's
// context, so it joins the caller's trace (an otelhttp handler in front of
// the route). Observers are called with the delivery span's context, so
// an observer can set the delivery's attributes on it. Stage spans end
// with the stage's Result: zero when the stage passed the delivery on, the
// decision when it decided. Spans never carry bodies or secrets: a Tracer
// only gets names and Results, whose errors never hold secret material.
type Tracer interface {
	// Start opens the span name under ctx's span. It returns ctx carrying
	// the new span and the function that ends it, which is called once.
	Start(ctx context.Context, name string) (context.Context, func(Result))
}

// The spans a Tracer is asked to open, in pipeline order.
const (
	SpanDelivery     = "hookseal.delivery"     // the whole request, around every stage
	SpanRead         = "hookseal.read"         // reading the bounded body
	SpanAuthenticate = "hookseal.authenticate" // the verifier: signature, token, credentials
	SpanFreshness    = "hookseal.freshness"    // the delivery's own time against the window
	SpanDecode       = "hookseal.decode"       // decoding the payload, and its signed time
	SpanDedupe       = "hookseal.dedupe"       // claiming the delivery in the store
	SpanOrder        = "hookseal.order"        // comparing and advancing the resource's newest time
	SpanAccept       = "hookseal.accept"       // appending to the inbox (WithInbox)
	SpanHandle       = "hookseal.handle"       // the handler; its context carries this span
	SpanCommit       = "hookseal.commit"       // committing or releasing the claim
	SpanRun          = "hookseal.run"          // an inbox runner's run of an accepted delivery
)

// WithTracer makes the route or guard open spans through t (see Tracer).
// Without one, tracing costs nothing.
func WithTracer(t Tracer) Option { return func(c *config) { c.tracer = t } }

// trace opens a span when the route has a tracer; end closes it. Without a
// tracer it returns ctx and a nil end, which endSpan skips: no allocation.
func (p *pipeline) trace(ctx context.Context, name string) (context.Context, func(Result)) {
	if p.cfg.tracer == nil {
		return ctx, nil
	}
	return p.cfg.tracer.Start(ctx, name)
}

// endSpan ends a span trace opened, if it opened one.
func endSpan(end func(Result), res Result) {
	if end != nil {
		end(res)
	}
}
