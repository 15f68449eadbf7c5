package hooksealotel

import (
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// DefaultBuckets returns the duration histogram's default explicit
// bucket bounds, in seconds: the same as package observe/prometheus's, so
// the two agree on a dashboard.
//
// The low end resolves refusals, which are decided from the headers and
// one HMAC over a small body in well under a millisecond; the middle
// resolves handlers and store round trips (a Redis call on a LAN is about
// a millisecond, a handler calling an API tens to hundreds of them); the
// top bounds sit at the senders' own timeouts (Grafana OnCall gives up
// after 4 s, StatusStack asks for an answer within 5 s, Datadog waits
// 15 s): a delivery slower than its sender waits is retried, so the share
// above 5 s is the share at risk of being sent again. 30 s catches
// handlers that run on an inbox's runner, where no sender waits.
func DefaultBuckets() []float64 {
	return []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30}
}

// DefaultStatsTimeout bounds each inbox's Stats call when the inbox gauges
// are observed. A Stats call is one small query (a Redis round trip, a
// file read); two seconds keeps a collection well inside a periodic
// reader's default 30 s timeout even when an inbox is unreachable.
const DefaultStatsTimeout = 2 * time.Second

// Option configures New.
type Option func(*config)

type config struct {
	tp           trace.TracerProvider
	mp           metric.MeterProvider
	identifiers  bool
	buckets      []float64
	statsTimeout time.Duration
	now          func() time.Time
}

func newConfig(opts []Option) (*config, error) {
	// The global providers are OpenTelemetry's convention for
	// instrumentation libraries (otelhttp does the same): an application
	// that sets them up once gets hookseal's spans and metrics too.
	c := &config{tp: otel.GetTracerProvider(), mp: otel.GetMeterProvider(),
		buckets: DefaultBuckets(), statsTimeout: DefaultStatsTimeout, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	switch {
	case c.tp == nil:
		return nil, fmt.Errorf("%w: WithTracerProvider: provider is nil", ErrInvalidOption)
	case c.mp == nil:
		return nil, fmt.Errorf("%w: WithMeterProvider: provider is nil", ErrInvalidOption)
	case len(c.buckets) == 0:
		return nil, fmt.Errorf("%w: WithBuckets: no bucket", ErrInvalidOption)
	case !slices.IsSorted(c.buckets) || len(slices.Compact(slices.Clone(c.buckets))) != len(c.buckets):
		return nil, fmt.Errorf("%w: WithBuckets: bounds must increase, got %v", ErrInvalidOption, c.buckets)
	case c.statsTimeout <= 0:
		return nil, fmt.Errorf("%w: WithStatsTimeout: must be positive, got %s", ErrInvalidOption, c.statsTimeout)
	case c.now == nil:
		return nil, fmt.Errorf("%w: WithClock: clock is nil", ErrInvalidOption)
	}
	return c, nil
}

// WithTracerProvider sets where spans go. Default: the global provider
// (otel.GetTracerProvider), read when New is called.
func WithTracerProvider(tp trace.TracerProvider) Option { return func(c *config) { c.tp = tp } }

// WithMeterProvider sets where metrics go. Default: the global provider
// (otel.GetMeterProvider), read when New is called.
func WithMeterProvider(mp metric.MeterProvider) Option { return func(c *config) { c.mp = mp } }

// WithDeliveryIdentifiers adds to each delivery span the delivery's dedupe
// key (hookseal.delivery, also the handler's idempotency key) and its
// resource (hookseal.resource, such as a Checkly check's id), so that a
// trace can be found from a log line or an inbox entry. They are off by
// default: the resource comes from the sender's body, and both single out
// one delivery, which a tracing backend's retention and access rules may
// not have been chosen for. They are never metric attributes.
func WithDeliveryIdentifiers() Option { return func(c *config) { c.identifiers = true } }

// WithBuckets sets the duration histogram's bucket bounds, in seconds, in
// increasing order. Default: DefaultBuckets. A view configured on the
// MeterProvider overrides them.
func WithBuckets(bounds ...float64) Option {
	return func(c *config) { c.buckets = slices.Clone(bounds) }
}

// WithStatsTimeout bounds each inbox's Stats call. Default
// DefaultStatsTimeout.
func WithStatsTimeout(d time.Duration) Option { return func(c *config) { c.statsTimeout = d } }

// WithClock sets the clock the oldest pending entry's age is measured by;
// tests fix it. Default time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }
