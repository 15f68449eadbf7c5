package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// Defaults.
//
// The claim lease outlasts any sender's timeout (Datadog waits 15 s) and is
// renewed while the handler runs, so a copy in flight is never processed
// twice while the first is still being handled.
//
// DefaultMaxStampAge bounds how old a signed body time (Checkly's
// STARTED_AT) may be. Checkly sends an alert after the check run that
// raised it, and the run's start can lie minutes before: a browser check
// runs for up to a few minutes, a failed run may be retried by the check's
// retry strategy for up to ten minutes before the alert is raised, and
// Checkly then retries the webhook for 100 s. An hour covers that with a
// wide margin, so no real alert is refused as stale, while a captured
// delivery cannot be replayed after it, whatever its unsigned
// x-checkly-timestamp header says.
//
// Reminders (IS_REMINDER, ALERT_FAILURE_REMAIN) are sent while a check keeps
// failing, long after the first alert. Checkly documents STARTED_AT as the
// start of "this check run" and CHECK_RESULT_ID as the result "that
// triggered this message", so a reminder carries the later run that
// triggered it and stays fresh. That reading is not confirmed: if a
// reminder carried the first run's STARTED_AT, one sent more than an hour
// after it would be answered stale (200, so Checkly does not retry) and its
// handler would not run. A receiver that acts on reminders and finds them
// stale should raise WithMaxStampAge to its longest reminder interval; the
// dedupe window follows.
//
// The dedupe window is at least DefaultDedupeWindow, and never shorter than
// the oldest time the route accepts plus the clock skew it allows (see
// WithDedupeWindow): then every replay of a delivery with a signed time is
// either a duplicate (inside the window) or stale (after it).
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultDedupeWindow = 10 * time.Minute
	DefaultClaimLease   = 1 * time.Minute
	DefaultOrderingTTL  = 2 * time.Hour
	DefaultRetryAfter   = 20 * time.Second
	DefaultMaxStampAge  = 1 * time.Hour

	defaultAllowedMethod = http.MethodPost
)

// Option configures a Route or a Guard. An option that a Guard cannot honour
// (it does not decode the body, so ordering and payload checks are not its
// to make) makes NewGuard fail rather than be ignored.
type Option func(*config)

type config struct {
	maxBody int64

	store        store.Store
	storeSet     bool
	window       time.Duration
	windowSet    bool
	lease        time.Duration
	failOpen     bool
	storeTimeout time.Duration
	retryAfter   time.Duration

	ordering    bool
	orderingTTL time.Duration

	freshness    verify.Window
	freshnessOff bool
	maxStampAge  time.Duration
	now          func() time.Time

	observers []Observer
	name      string

	methods []string
	allow   string

	strict             bool
	badPayloadStatus   int
	handlerErrorStatus int
	keys               event.KeyMap

	runner   *inbox.Runner
	coalesce bool
	tracer   Tracer
	// tenant finds the tenant a delivery is for (WithTenant).
	tenant    func(*http.Request) string
	tenantSet bool
	// requestBound names the adapter whose handler needs the request
	// being answered (WithRequestBoundHandler).
	requestBound string

	// routeOnly names the options set that only a Route honours, for
	// NewGuard's error.
	routeOnly []string
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		maxBody:            DefaultMaxBodyBytes,
		window:             DefaultDedupeWindow,
		lease:              DefaultClaimLease,
		orderingTTL:        DefaultOrderingTTL,
		methods:            []string{defaultAllowedMethod},
		retryAfter:         DefaultRetryAfter,
		freshness:          verify.DefaultWindow(),
		maxStampAge:        DefaultMaxStampAge,
		now:                time.Now,
		badPayloadStatus:   http.StatusBadRequest,
		handlerErrorStatus: http.StatusInternalServerError,
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
	if c.storeSet && c.store == nil {
		errs = append(errs, errors.New("WithStore: store is nil"))
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
	if err := c.freshness.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("WithFreshness: %w", err))
	}
	if c.maxStampAge <= 0 {
		errs = append(errs, fmt.Errorf("WithMaxStampAge: must be positive, got %s", c.maxStampAge))
	}
	if c.now == nil {
		errs = append(errs, errors.New("WithClock: clock is nil"))
	}
	if c.tenantSet && c.tenant == nil {
		errs = append(errs, errors.New("WithTenant: the function that finds the tenant is nil"))
	}
	if s := c.badPayloadStatus; s < 200 || s > 599 {
		errs = append(errs, fmt.Errorf("WithBadPayloadStatus: %d is not an HTTP status", s))
	}
	if s := c.handlerErrorStatus; s < 500 || s > 599 {
		errs = append(errs, fmt.Errorf("WithHandlerErrorStatus: %d is not a 5xx status, which every sender retries", s))
	}
	for _, o := range c.observers {
		if o == nil {
			errs = append(errs, errors.New("WithObserver: observer is nil"))
			break
		}
	}
	if err := c.keepInvariant(); err != nil {
		errs = append(errs, err)
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

// keepInvariant holds the route to its replay guarantee: the dedupe window
// is at least the oldest signed time the route accepts plus the skew it
// allows, so a replayed delivery is remembered for as long as its signed
// time would let it in. A window left at its default is raised to that; one
// set explicitly below it is a configuration error. The ordering ttl is
// raised the same way, so a resource's newest time is not forgotten while
// an older event of it could still be accepted.
func (c *config) keepInvariant() error {
	if c.freshnessOff {
		return nil
	}
	need := max(c.freshness.MaxAge, c.maxStampAge) + c.freshness.MaxSkew
	if c.window < need {
		if c.windowSet {
			return fmt.Errorf("WithDedupeWindow: a window of %s is shorter than the oldest signed time the route accepts plus its clock skew (%s), so a replay after the window could pass; "+
				"raise the window, or lower WithFreshness and WithMaxStampAge", c.window, need)
		}
		c.window = need
	}
	if c.orderingTTL < need {
		c.orderingTTL = need
	}
	return nil
}

func (c *config) methodAllowed(m string) bool {
	for _, a := range c.methods {
		if a == m {
			return true
		}
	}
	return false
}

func (c *config) routeOption(name string) { c.routeOnly = append(c.routeOnly, name) }

// WithMaxBodyBytes sets the body limit, enforced before authentication:
// larger bodies are answered 413 without being read to the end. Default
// DefaultMaxBodyBytes (1 MiB), far above any monitoring alert.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithStore sets the dedupe and ordering store. A Route's default is a
// store.Memory of its own; replicas behind a load balancer must share one
// (see the Redis store), or a retry landing on another replica is processed
// twice. A Guard deduplicates only when given a store.
func WithStore(s store.Store) Option {
	return func(c *config) { c.store, c.storeSet = s, true }
}

// WithDedupeWindow sets how long a processed delivery is remembered. The
// default is DefaultDedupeWindow, raised to the oldest signed time the route
// accepts plus its clock skew (1 h 1 min with the defaults); a window set
// below that is a construction error, because a replay arriving after the
// window, with a signed time the route still accepts, would be handled
// again.
func WithDedupeWindow(d time.Duration) Option {
	return func(c *config) { c.window, c.windowSet = d, true }
}

// WithClaimLease sets how long a claim on a delivery being handled lasts
// before another copy may take over (a crashed process's claim expires).
// The lease is renewed every third of it while the handler runs, so a slow
// handler keeps its claim; the lease only bounds how long a crashed
// process's delivery waits. Default DefaultClaimLease (1 minute).
func WithClaimLease(d time.Duration) Option { return func(c *config) { c.lease = d } }

// WithOrdering turns ordering on for the route: per resource (the payload's
// event.Payload ResourceKey), an event older than one already processed is
// dropped as out_of_order. ttl is how long a resource's newest time is kept
// (DefaultOrderingTTL when ttl is 0, and never less than the oldest signed
// time the route accepts). The payload type must implement event.Payload.
// A Route only.
func WithOrdering(ttl time.Duration) Option {
	return func(c *config) {
		c.routeOption("WithOrdering")
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

// WithObserver adds a hook told of every request's outcome, for logs and
// metrics (see SlogObserver). Observers are called in the order they were
// added; each WithObserver adds one, so logs and metrics can both listen.
func WithObserver(o Observer) Option {
	return func(c *config) { c.observers = append(c.observers, o) }
}

// WithName names the route in every Report (Report.Route), for logs and
// metric labels. Default: the pattern net/http's ServeMux matched, if any.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithMethods sets the request methods the route accepts; others are
// answered 405. Default POST, the method every supported sender uses.
func WithMethods(methods ...string) Option {
	return func(c *config) { c.methods = append([]string(nil), methods...) }
}

// WithRetryAfter sets the Retry-After sent with in_flight (409) and
// inbox_full (503) answers, and with store_unavailable (503) when a
// tenant's secrets could not be looked up (WithTenant). Default
// DefaultRetryAfter (20 s, Checkly's own retry interval).
func WithRetryAfter(d time.Duration) Option { return func(c *config) { c.retryAfter = d } }

// WithStoreTimeout bounds each store call made after the handler ran
// (commit or release), which use a context detached from the request so a
// client hanging up does not leave a claim behind. Default: no bound beyond
// the store's own (the Redis store has one).
func WithStoreTimeout(d time.Duration) Option { return func(c *config) { c.storeTimeout = d } }

// WithFreshness sets how far a delivery's time (a timestamp header, or a
// signed timestamp) may lie from the receiver's clock. Default
// verify.DefaultWindow: 5 minutes in the past, 1 minute in the future.
func WithFreshness(w verify.Window) Option { return func(c *config) { c.freshness = w } }

// WithMaxStampAge sets how old a signed body time (event.Stamped: Checkly's
// STARTED_AT) may be before the delivery is stale, whatever its unsigned
// headers say. Default DefaultMaxStampAge (1 hour). A Route only.
func WithMaxStampAge(d time.Duration) Option {
	return func(c *config) {
		c.routeOption("WithMaxStampAge")
		c.maxStampAge = d
	}
}

// WithoutFreshness turns every freshness check off: times are still
// reported, but no delivery is ever stale. Deduplication within its window
// is then the only replay defence, and a delivery captured today can be
// replayed after the window. Use it only where a sender's clock is known
// to be wrong.
func WithoutFreshness() Option { return func(c *config) { c.freshnessOff = true } }

// WithClock sets the clock freshness is judged by. Tests inject a fixed or
// stepping clock; the default is time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithStrictPayload refuses an authentic delivery whose body lacks what the
// route needs (the event type, the resource or time when ordering, an
// identity), answering 422 incomplete without calling the handler, instead
// of handling it with what it has and reporting it as incomplete (the
// default; see the package documentation). For users who prefer a sender's
// failed delivery to a handler working on a partial alert. A Route only.
func WithStrictPayload() Option {
	return func(c *config) {
		c.routeOption("WithStrictPayload")
		c.strict = true
	}
}

// WithBadPayloadStatus sets the status answered to an authentic delivery
// whose body does not decode (outcome bad_payload). Default 400, which
// every sender shows as a failed delivery; Checkly also retries it five
// times in vain, and http.StatusOK stops that (the observer still reports
// every such delivery). A Route only.
func WithBadPayloadStatus(status int) Option {
	return func(c *config) {
		c.routeOption("WithBadPayloadStatus")
		c.badPayloadStatus = status
	}
}

// WithHandlerErrorStatus sets the status answered when the handler fails
// (outcome handler_error). Default 500. It must be a 5xx, which every
// sender retries: hookseal proxy answers 503 when the application behind
// it cannot be reached, since the fault is not the handler's own and
// "unavailable" says so to the sender's dashboards. On a route with an
// inbox (WithInbox) the handler runs after the answer, so the option
// changes nothing there. A Route only.
func WithHandlerErrorStatus(status int) Option {
	return func(c *config) {
		c.routeOption("WithHandlerErrorStatus")
		c.handlerErrorStatus = status
	}
}

// WithTemplateKeys tells the route which key of the sender's body, as the
// user's template writes it, carries which of the sender's variables:
// WithTemplateKeys(event.KeyMap{"type": "ALERT_TYPE", "started":
// "STARTED_AT"}) for a Checkly template rendering {"type":"{{ALERT_TYPE}}",
// "started":"{{STARTED_AT}}"}. The payload type (checkly.Alert, oncall.Event,
// datadog.Event) is then filled from those keys as if the template used its
// own names (see event.Remap): the event type, the resource, the time and
// the identity the route needs among them. Keys may be JSON Pointers for
// nested members. The payload type must implement event.Mapped, and every
// variable must be one it has; construction fails otherwise. JSON bodies
// only: a form-encoded Datadog body is decoded as it is. A Route only.
func WithTemplateKeys(keys event.KeyMap) Option {
	return func(c *config) {
		c.routeOption("WithTemplateKeys")
		c.keys = keys
	}
}

// WithInbox makes the route store each authentic, fresh, new, in-order
// delivery in the runner's inbox and answer accepted (200) once the inbox
// has it, instead of calling the handler while the sender waits: the
// runner calls the handler, retrying with backoff until it succeeds or the
// entry grows older than the runner's max age (then it is a dead letter).
// Entries of one resource (with WithOrdering) run one at a time, in event
// order. The inbox is the route's dedupe: it takes each delivery once by
// its key and remembers handled ones for its retention, which must be at
// least the route's dedupe window (NewRoute checks it when the inbox says
// its retention, as hookseal's backends do); the store keeps only the
// ordering state. With an inbox, a body that does not decode, and an
// incomplete one on a strict route, are kept as dead letters (200
// dead_letter) rather than refused. The route needs a name (WithName), under which it registers its
// handler with the runner. A Route only.
func WithInbox(r *inbox.Runner) Option {
	return func(c *config) {
		c.routeOption("WithInbox")
		c.runner = r
	}
}

// WithCoalescing lets a newer pending event of a resource supersede the
// older pending ones in the route's inbox: when the handler falls behind, it
// gets the latest state of each resource rather than every step. The
// superseded entries are reported (outcome superseded). It needs WithInbox
// and WithOrdering. A Route only.
func WithCoalescing() Option {
	return func(c *config) {
		c.routeOption("WithCoalescing")
		c.coalesce = true
	}
}

// WithRequestBoundHandler declares that the route's handler needs the
// request being answered: an adapter's handler that takes the framework's
// context (an echo.Context, a *gin.Context). A handler on an inbox runs
// after the answer, when that context is gone, so NewRoute refuses
// WithInbox with such a handler, naming who (the adapter's function).
// Adapters add it; a route built with NewRoute and mounted with an
// adapter's Route does not need it. A Route only.
func WithRequestBoundHandler(who string) Option {
	return func(c *config) {
		c.routeOption("WithRequestBoundHandler")
		c.requestBound = who
	}
}
