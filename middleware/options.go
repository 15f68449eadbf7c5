package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookseal/hookseal/store"
)

// Defaults. The dedupe window outlasts every sender's retry span (Checkly:
// 5 retries 20 s apart, 100 s in all; OnCall: 3 retries 10 s apart) with a
// wide margin; the claim lease outlasts any sender's timeout (Datadog waits
// 15 s), so a copy in flight is not processed twice while the first is
// still being handled.
const (
	DefaultMaxBodyBytes  = 1 << 20
	DefaultDedupeWindow  = 10 * time.Minute
	DefaultClaimLease    = 1 * time.Minute
	DefaultOrderingTTL   = 1 * time.Hour
	DefaultRetryAfter    = 20 * time.Second
	defaultAllowedMethod = http.MethodPost
)

// Option configures a route.
type Option func(*config)

type config struct {
	maxBody      int64
	store        store.Store
	window       time.Duration
	lease        time.Duration
	ordering     bool
	orderingTTL  time.Duration
	failOpen     bool
	observer     Observer
	methods      []string
	allow        string
	retryAfter   time.Duration
	storeTimeout time.Duration
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		maxBody:     DefaultMaxBodyBytes,
		window:      DefaultDedupeWindow,
		lease:       DefaultClaimLease,
		orderingTTL: DefaultOrderingTTL,
		methods:     []string{defaultAllowedMethod},
		retryAfter:  DefaultRetryAfter,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	var errs []error
	if c.maxBody <= 0 {
		errs = append(errs, fmt.Errorf("WithMaxBodyBytes: limit must be positive, got %d", c.maxBody))
	}
	if c.window <= 0 {
		errs = append(errs, fmt.Errorf("WithDedupeWindow: window must be positive, got %s", c.window))
	}
	if c.lease <= 0 {
		errs = append(errs, fmt.Errorf("WithClaimLease: lease must be positive, got %s", c.lease))
	}
	if c.orderingTTL <= 0 {
		errs = append(errs, fmt.Errorf("WithOrdering: ttl must be positive, got %s", c.orderingTTL))
	}
	if len(c.methods) == 0 {
		errs = append(errs, errors.New("WithMethods: at least one method is required"))
	}
	if c.retryAfter < 0 {
		errs = append(errs, fmt.Errorf("WithRetryAfter: must not be negative, got %s", c.retryAfter))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("middleware: %w", err)
	}
	c.allow = strings.Join(c.methods, ", ")
	if c.store == nil {
		c.store = store.NewMemory()
	}
	return c, nil
}

func (c *config) methodAllowed(m string) bool {
	for _, a := range c.methods {
		if a == m {
			return true
		}
	}
	return false
}

// WithMaxBodyBytes sets the body limit, enforced before authentication:
// larger bodies are answered 413 without being read to the end. Default
// DefaultMaxBodyBytes (1 MiB), far above any monitoring alert.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithStore sets the dedupe and ordering store. Default: a store.Memory of
// the route's own. Replicas behind a load balancer must share one (see the
// Redis store), or a retry landing on another replica is processed twice.
func WithStore(s store.Store) Option { return func(c *config) { c.store = s } }

// WithDedupeWindow sets how long a processed delivery is remembered.
// Default DefaultDedupeWindow (10 minutes).
func WithDedupeWindow(d time.Duration) Option { return func(c *config) { c.window = d } }

// WithClaimLease sets how long a claim on a delivery being handled lasts
// before another copy may take over (a crashed process's claim expires).
// Default DefaultClaimLease (1 minute); keep it above your handler's
// longest run.
func WithClaimLease(d time.Duration) Option { return func(c *config) { c.lease = d } }

// WithOrdering turns ordering on for the route: per resource (the payload's
// event.Payload ResourceKey), an event older than one already processed is
// dropped as out_of_order. ttl is how long a resource's newest time is kept
// (default DefaultOrderingTTL when ttl is 0). The payload type must
// implement event.Payload.
func WithOrdering(ttl time.Duration) Option {
	return func(c *config) {
		c.ordering = true
		if ttl != 0 {
			c.orderingTTL = ttl
		}
	}
}

// WithStoreFailOpen makes the route process deliveries when the store
// fails, instead of answering 503 so the sender retries later. Deliveries
// are still authenticated, but duplicates and out-of-order events may reach
// the handler while the store is down. Default: fail closed.
func WithStoreFailOpen() Option { return func(c *config) { c.failOpen = true } }

// WithObserver sets the hook told of every request's outcome, for logs and
// metrics (see SlogObserver).
func WithObserver(o Observer) Option { return func(c *config) { c.observer = o } }

// WithMethods sets the request methods the route accepts; others are
// answered 405. Default POST, the method every supported sender uses.
func WithMethods(methods ...string) Option {
	return func(c *config) { c.methods = append([]string(nil), methods...) }
}

// WithRetryAfter sets the Retry-After sent with in_flight (409) answers.
// Default DefaultRetryAfter (20 s, Checkly's own retry interval).
func WithRetryAfter(d time.Duration) Option { return func(c *config) { c.retryAfter = d } }

// WithStoreTimeout bounds each store call made after the handler ran
// (commit or release), which use a context detached from the request so a
// client hanging up does not leave a claim behind. Default: no bound beyond
// the store's own (the Redis store has one).
func WithStoreTimeout(d time.Duration) Option { return func(c *config) { c.storeTimeout = d } }
