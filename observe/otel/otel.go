package hooksealotel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookseal/hookseal/middleware"
)

// Instrumentation traces and measures hookseal's routes through
// OpenTelemetry. Options gives the middleware options that install it;
// WatchInbox adds inboxes whose Stats are observed at each collection. It
// is safe for concurrent use.
type Instrumentation struct {
	cfg    *config
	tracer tracer

	deliveries metric.Int64Counter
	duration   metric.Float64Histogram
	entries    metric.Int64ObservableGauge
	age        metric.Float64ObservableGauge
	up         metric.Int64ObservableGauge
	reg        metric.Registration

	// sets caches each label combination's measurement options: the
	// combinations are bounded (see the package documentation), and
	// building attribute sets per request would cost most of the
	// observer's time and allocations.
	sets sync.Map // setKey → *measureOpts

	mu      sync.Mutex
	watched map[string]*watched
}

type setKey struct{ route, provider, outcome, reason string }

// measureOpts are the attributes of a delivery's count and of its
// duration.
type measureOpts struct{ count, duration metric.MeasurementOption }

func (in *Instrumentation) measureOpts(k setKey) *measureOpts {
	if o, ok := in.sets.Load(k); ok {
		return o.(*measureOpts)
	}
	route, outcome := keyRoute.String(k.route), keyOutcome.String(k.outcome)
	o := &measureOpts{
		count:    metric.WithAttributeSet(attribute.NewSet(route, keyProvider.String(k.provider), outcome, keyReason.String(k.reason))),
		duration: metric.WithAttributeSet(attribute.NewSet(route, outcome)),
	}
	actual, _ := in.sets.LoadOrStore(k, o)
	return actual.(*measureOpts)
}

// New creates hookseal's tracer and instruments from the configured
// providers (the global ones by default) and registers the callback that
// observes the inboxes WatchInbox adds.
func New(opts ...Option) (*Instrumentation, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	in := &Instrumentation{cfg: cfg, tracer: tracer{cfg.tp.Tracer(scope)}, watched: map[string]*watched{}}
	m := cfg.mp.Meter(scope)
	var errs []error
	record := func(err error) { errs = append(errs, err) }
	in.deliveries, err = m.Int64Counter("hookseal.deliveries", metric.WithUnit("{delivery}"),
		metric.WithDescription("Webhook requests decided by a hookseal route, and inbox runs of accepted deliveries."))
	record(err)
	in.duration, err = m.Float64Histogram("hookseal.delivery.duration", metric.WithUnit("s"),
		metric.WithDescription("Time from a webhook request reaching a hookseal route to its decision, handler included; for an inbox run, the handler's time."),
		metric.WithExplicitBucketBoundaries(cfg.buckets...))
	record(err)
	in.entries, err = m.Int64ObservableGauge("hookseal.inbox.entries", metric.WithUnit("{entry}"),
		metric.WithDescription("Entries held by a hookseal inbox, by state: pending (waiting, backoffs included), running (leased), dead (dead letters)."))
	record(err)
	in.age, err = m.Float64ObservableGauge("hookseal.inbox.oldest_pending.age", metric.WithUnit("s"),
		metric.WithDescription("Seconds since the oldest pending or running entry of a hookseal inbox was accepted; 0 when there is none."))
	record(err)
	in.up, err = m.Int64ObservableGauge("hookseal.inbox.up",
		metric.WithDescription("1 when this collection read the hookseal inbox's stats, 0 when reading them failed or timed out."))
	record(err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInstrument, err)
	}
	in.reg, err = m.RegisterCallback(in.observeInboxes, in.entries, in.age, in.up)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInstrument, err)
	}
	return in, nil
}

// Options returns the middleware options that install the tracer and the
// observer: add them to every route and guard, beside the route's own.
func (in *Instrumentation) Options() []middleware.Option {
	return []middleware.Option{middleware.WithTracer(in.Tracer()), middleware.WithObserver(in.Observer())}
}

// Tracer returns the middleware.Tracer that opens hookseal's spans (see
// the package documentation), for a route that wants spans without the
// observer.
func (in *Instrumentation) Tracer() middleware.Tracer { return in.tracer }

// Observer returns the middleware.Observer that records each report in
// hookseal.deliveries and hookseal.delivery.duration and, when the report
// arrives with a delivery span this Instrumentation's Tracer started, sets
// the delivery's attributes on it. The measurements carry the report's
// context, so a backend that keeps exemplars links them to the trace.
func (in *Instrumentation) Observer() middleware.Observer {
	return func(ctx context.Context, r middleware.Report) {
		// OTLP encodes strings as protobuf strings, which must be UTF-8: a
		// route name from a mangled config file would fail whole export
		// batches. ToValidUTF8 returns valid input as is.
		routeName, provider := strings.ToValidUTF8(r.Route, "\uFFFD"), strings.ToValidUTF8(r.Provider, "\uFFFD")
		o := in.measureOpts(setKey{routeName, provider, string(r.Outcome), r.Reason()})
		in.deliveries.Add(ctx, 1, o.count)
		in.duration.Record(ctx, r.Duration.Seconds(), o.duration)

		span, ok := ctx.Value(deliveryKey{}).(trace.Span)
		if !ok || !span.IsRecording() {
			return
		}
		// Outcome, reason and status are set by the tracer when the span
		// ends; these are what only the report knows.
		attrs := make([]attribute.KeyValue, 0, 5)
		attrs = append(attrs, keyRoute.String(routeName), keyProvider.String(provider))
		if r.EventType != "" {
			attrs = append(attrs, keyEventType.String(clip(r.EventType)))
		}
		if in.cfg.identifiers {
			if r.Delivery != "" {
				attrs = append(attrs, keyDelivery.String(r.Delivery))
			}
			if r.Resource != "" {
				attrs = append(attrs, keyResource.String(clip(r.Resource)))
			}
		}
		span.SetAttributes(attrs...)
	}
}

// maxValue bounds the attribute values that come from a sender's body (the
// event type, the resource), so an authentic but odd sender cannot make a
// span large.
const maxValue = 256

func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD") // OTLP strings must be UTF-8
	if len(s) > maxValue {
		cut := maxValue
		for cut > 0 && !utf8.RuneStart(s[cut]) { // do not cut a character in two
			cut--
		}
		s = s[:cut]
	}
	return s
}

// Close unregisters the inbox callback from the MeterProvider: the inboxes
// are no longer observed. The tracer and observer keep working.
func (in *Instrumentation) Close() error { return in.reg.Unregister() }
