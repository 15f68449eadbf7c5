package hooksealprom

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// DefaultBuckets returns the duration histogram's default upper bounds,
// in seconds.
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

// DefaultStatsTimeout bounds each inbox's Stats call during a scrape. A
// Stats call is one small query (a Redis round trip, a file read); two
// seconds leaves most of Prometheus's default 10 s scrape timeout for the
// rest of the scrape, so one unreachable inbox does not fail the target.
const DefaultStatsTimeout = 2 * time.Second

// Option configures New.
type Option func(*config)

type config struct {
	buckets      []float64
	routes       []routeDecl
	statsTimeout time.Duration
	now          func() time.Time
}

type routeDecl struct{ name, provider string }

func newConfig(opts []Option) (*config, error) {
	c := &config{buckets: DefaultBuckets(), statsTimeout: DefaultStatsTimeout, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	switch {
	case len(c.buckets) == 0:
		return nil, fmt.Errorf("%w: WithBuckets: no bucket", ErrInvalidOption)
	case !slices.IsSorted(c.buckets) || len(slices.Compact(slices.Clone(c.buckets))) != len(c.buckets):
		return nil, fmt.Errorf("%w: WithBuckets: bounds must increase, got %v", ErrInvalidOption, c.buckets)
	case c.statsTimeout <= 0:
		return nil, fmt.Errorf("%w: WithStatsTimeout: must be positive, got %s", ErrInvalidOption, c.statsTimeout)
	case c.now == nil:
		return nil, fmt.Errorf("%w: WithClock: clock is nil", ErrInvalidOption)
	}
	for _, r := range c.routes {
		switch {
		case r.name == "":
			return nil, fmt.Errorf("%w: WithRoute: the route's name is empty", ErrInvalidOption)
		case !utf8.ValidString(r.name) || !utf8.ValidString(r.provider):
			// Prometheus label values are UTF-8; client_golang would panic.
			return nil, fmt.Errorf("%w: WithRoute(%q, %q): not UTF-8", ErrInvalidOption, r.name, r.provider)
		}
	}
	return c, nil
}

// WithBuckets sets the duration histogram's upper bounds, in seconds, in
// increasing order. Default: DefaultBuckets.
func WithBuckets(bounds ...float64) Option {
	return func(c *config) { c.buckets = slices.Clone(bounds) }
}

// WithRoute declares a route by its name (middleware.WithName) and the
// provider its verifier names (verify.ProviderCheckly), so that its
// hookseal_deliveries_total series exist at zero from the start and
// alerting rules see the first delivery of every outcome (see the package
// documentation). Each WithRoute adds one route. Routes that are not
// declared are counted all the same, from their first delivery on.
func WithRoute(name, provider string) Option {
	return func(c *config) { c.routes = append(c.routes, routeDecl{name, provider}) }
}

// WithStatsTimeout bounds each inbox's Stats call during a scrape. Default
// DefaultStatsTimeout.
func WithStatsTimeout(d time.Duration) Option { return func(c *config) { c.statsTimeout = d } }

// WithClock sets the clock the oldest pending entry's age is measured by;
// tests fix it. Default time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }
