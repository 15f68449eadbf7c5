package hooksealotel

import (
	"context"
	"errors"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookseal/hookseal/middleware"
)

// Attribute keys. Values are outcome and reason names, configured names
// and status codes: never a body, a secret, a signature, or an error's
// text, which for a payload that failed to decode can quote the body.
const (
	keyRoute     = attribute.Key("hookseal.route")
	keyProvider  = attribute.Key("hookseal.provider")
	keyOutcome   = attribute.Key("hookseal.outcome")
	keyReason    = attribute.Key("hookseal.reason")
	keyEventType = attribute.Key("hookseal.event_type")
	keyDelivery  = attribute.Key("hookseal.delivery")
	keyResource  = attribute.Key("hookseal.resource")
	keyInbox     = attribute.Key("hookseal.inbox")
	keyState     = attribute.Key("hookseal.inbox.state")
	keyStatus    = attribute.Key("http.response.status_code")
	keyErrorType = attribute.Key("error.type")
)

// scope names hookseal's tracer and meter.
const scope = "github.com/hookseal/hookseal/observe/otel"

// tracer is the middleware.Tracer: one OpenTelemetry span per Start.
type tracer struct{ t trace.Tracer }

// deliveryKey marks a context whose span is a delivery span this package
// started, so the observer sets attributes on it and on nothing else (a
// runner's reports arrive with a context whose span, if any, is not a
// delivery's).
type deliveryKey struct{}

// Start implements middleware.Tracer. The span is a child of ctx's span:
// for the delivery span, the caller's (an otelhttp server span); for a
// stage, the delivery's; the handler's own spans are children of
// hookseal.handle, whose context the handler gets.
func (t tracer) Start(ctx context.Context, name string) (context.Context, func(middleware.Result)) {
	ctx, span := t.t.Start(ctx, name)
	if name == middleware.SpanDelivery {
		ctx = context.WithValue(ctx, deliveryKey{}, span)
	}
	return ctx, func(res middleware.Result) {
		end(span, res)
		span.End()
	}
}

// end records a span's Result: the outcome, reason and status code when
// the stage decided, and an Error status when the delivery failed on
// hookseal's side (a 5xx outcome) or the handler failed. The status
// description is the outcome's name, never Err's text.
func end(span trace.Span, res middleware.Result) {
	if !span.IsRecording() {
		return
	}
	if res.Outcome != "" {
		status := res.Status()
		attrs := []attribute.KeyValue{keyOutcome.String(string(res.Outcome)), keyStatus.Int(status)}
		if reason := (middleware.Report{Result: res}).Reason(); reason != "" {
			attrs = append(attrs, keyReason.String(reason))
		}
		span.SetAttributes(attrs...)
		if status >= http.StatusInternalServerError {
			span.SetAttributes(keyErrorType.String(string(res.Outcome)))
			span.SetStatus(codes.Error, string(res.Outcome))
		}
		return
	}
	// The handler's and an inbox run's spans end with the handler's
	// error and no outcome; ErrUnhandled is the handler declining an
	// event, not failing.
	if res.Err != nil && !errors.Is(res.Err, middleware.ErrUnhandled) {
		kind := string(middleware.HandlerError)
		var p *middleware.PanicError
		if errors.As(res.Err, &p) {
			kind = "panic"
		}
		span.SetAttributes(keyErrorType.String(kind))
		span.SetStatus(codes.Error, kind)
	}
}
