package hooksealprom

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
)

// Metrics holds hookseal's series on one registry. Its Observer counts
// deliveries; WatchInbox adds inboxes whose Stats are read at scrape time.
// It is safe for concurrent use.
type Metrics struct {
	deliveries *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inboxes    *inboxCollector
}

// New creates hookseal's series and registers them with reg (a
// prometheus.NewRegistry, or prometheus.DefaultRegisterer for the global
// one). It fails with ErrRegister, registering nothing, when reg already
// holds them: a second Metrics needs its own registry, or each Metrics on
// a shared registry a registerer wrapped with the same constant label
// names and different values (prometheus.WrapRegistererWith).
func New(reg prometheus.Registerer, opts ...Option) (*Metrics, error) {
	if reg == nil {
		// No silent fallback to the global registry: metrics registered
		// where nobody scrapes look like a route that receives nothing.
		return nil, fmt.Errorf("%w: the registerer is nil (pass prometheus.DefaultRegisterer for the global registry)", ErrInvalidOption)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookseal_deliveries_total",
			Help: "Webhook requests decided by a hookseal route, and inbox runs of accepted deliveries, by route, provider, outcome and refusal reason.",
		}, []string{"route", "provider", "outcome", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hookseal_delivery_duration_seconds",
			Help:    "Time from a webhook request reaching a hookseal route to its decision, handler included; for an inbox run, the handler's time.",
			Buckets: cfg.buckets,
		}, []string{"route", "outcome"}),
		inboxes: newInboxCollector(cfg),
	}
	cs := []prometheus.Collector{m.deliveries, m.duration, m.inboxes}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			// All or nothing: a half-registered Metrics would block the
			// retry with the right registerer.
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("%w: %w", ErrRegister, err)
		}
	}
	for _, r := range cfg.routes {
		m.declare(r)
	}
	return m, nil
}

// Observer returns the middleware.Observer that counts and times each
// report; add it to every route and guard with middleware.WithObserver.
// It takes only bounded values from the report (see the package
// documentation) and allocates nothing once a series exists.
func (m *Metrics) Observer() middleware.Observer {
	return func(_ context.Context, r middleware.Report) {
		// client_golang panics on a label value that is not UTF-8; a
		// route name read from a mangled config file must not turn every
		// request into a panic. ToValidUTF8 returns valid input as is.
		route, provider := strings.ToValidUTF8(r.Route, "\uFFFD"), strings.ToValidUTF8(r.Provider, "\uFFFD")
		outcome := string(r.Outcome)
		m.deliveries.WithLabelValues(route, provider, outcome, r.Reason()).Inc()
		m.duration.WithLabelValues(route, outcome).Observe(r.Duration.Seconds())
	}
}

// WatchInbox adds ib to the inboxes whose Stats are read at each scrape,
// under the label inbox="name". name is the operator's, such as the
// route's or the store's name: it must be non-empty and not already
// watched.
func (m *Metrics) WatchInbox(name string, ib inbox.Inbox) error {
	return m.inboxes.add(name, ib)
}

// preVerifier are the outcomes decided before the verifier runs, so their
// reports carry no provider.
var preVerifier = map[middleware.Outcome]bool{
	middleware.MethodNotAllowed: true, middleware.TooLarge: true, middleware.BadRequest: true,
}

// declare creates route r's delivery series at zero.
func (m *Metrics) declare(r routeDecl) {
	for _, o := range middleware.AllOutcomes() {
		provider := r.provider
		if preVerifier[o] {
			provider = ""
		}
		m.deliveries.WithLabelValues(r.name, provider, string(o), "")
		for _, reason := range o.Reasons() {
			m.deliveries.WithLabelValues(r.name, provider, string(o), reason)
		}
	}
}
