package inbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"
)

// Defaults of a Runner.
//
// DefaultMaxAge is how long an entry is retried before it becomes a dead
// letter. Senders give up within minutes (Checkly after 100 s, OnCall after
// 30 s); an inbox exists to outlast what they do not, the outage of the
// application behind the receiver, and such an outage can last a night. A
// day covers it; after that the entry is kept as a dead letter for an
// operator, not dropped.
const (
	DefaultConcurrency = 4
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = 5 * time.Minute
	DefaultMaxAge      = 24 * time.Hour
	DefaultLease       = time.Minute
	DefaultPoll        = time.Second
	DefaultGrace       = 10 * time.Second
)

// Handler runs one entry. nil acknowledges it. Any other error retries it
// with backoff until it is older than the Runner's max age, then buries it;
// an error wrapped by Permanent buries it at once, and one wrapped by
// RetryAfter is retried no sooner than it says. ctx is cancelled, with
// cause ErrLeaseLost, if the entry's lease is lost while it runs.
type Handler interface {
	Run(ctx context.Context, e Entry) error
}

// HandlerFunc is a function that is a Handler.
type HandlerFunc func(ctx context.Context, e Entry) error

// Run calls f.
func (f HandlerFunc) Run(ctx context.Context, e Entry) error { return f(ctx, e) }

// Reporter is implemented by handlers that want to hear what became of
// each of their entries' runs (a middleware route's observers do).
type Reporter interface {
	Report(ctx context.Context, r Report)
}

// Outcome is what became of one run of an entry.
type Outcome string

// The outcomes of a run.
const (
	Acked      Outcome = "processed"    // the handler succeeded; the entry is gone
	Retried    Outcome = "retrying"     // the handler failed; the entry waits for its backoff
	Buried     Outcome = "dead_letter"  // the entry is a dead letter
	Superseded Outcome = "superseded"   // a newer entry of its resource replaced it (coalescing)
	LeaseLost  Outcome = "lease_lost"   // its lease ran out while it ran; another holder has it
	Returned   Outcome = "returned"     // the runner stopped while it ran; it is pending again
	Unrouted   Outcome = "no_handler"   // no handler is registered for its route here; retried
	StoreError Outcome = "inbox_failed" // the inbox failed to record the run's result
)

// Report tells a Reporter what became of one run.
type Report struct {
	Entry   Entry
	Outcome Outcome
	// Err is the handler's error, or why the entry was buried or could
	// not be recorded.
	Err error
	// NotBefore is when a retried entry runs next.
	NotBefore time.Time
	// Duration is how long the handler ran.
	Duration time.Duration
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that the entry becomes a dead letter at once,
// rather than being retried: for failures a retry cannot fix (the
// application rejected the event as invalid).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

type retryAfter struct {
	err error
	d   time.Duration
}

func (r retryAfter) Error() string { return r.err.Error() }
func (r retryAfter) Unwrap() error { return r.err }

// RetryAfter wraps err so that the entry is retried no sooner than d from
// now (an upstream's Retry-After), the backoff permitting no later.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfter{err, d}
}

// Runner leases entries from an Inbox and runs the handler registered for
// each entry's route, with as many entries at once as its concurrency, never
// two of one resource.
type Runner struct {
	ib  Inbox
	cfg runnerConfig

	mu       sync.RWMutex
	handlers map[string]Handler
	wake     chan struct{}
}

// RunnerOption configures a Runner.
type RunnerOption func(*runnerConfig)

type runnerConfig struct {
	concurrency            int
	minBackoff, maxBackoff time.Duration
	maxAge, lease, poll    time.Duration
	grace                  time.Duration
	clock                  func() time.Time
	stats                  func(Stats)
	statsEvery             time.Duration
}

// WithConcurrency sets how many entries run at once (of different
// resources). Default DefaultConcurrency.
func WithConcurrency(n int) RunnerOption { return func(c *runnerConfig) { c.concurrency = n } }

// WithBackoff sets the bounds of the exponential backoff between runs of a
// failing entry: min after the first failure, doubling, at most max; each
// delay is drawn between half and all of its value (jitter), so replicas
// retrying one outage do not hit the application in step. Defaults
// DefaultMinBackoff and DefaultMaxBackoff.
func WithBackoff(min, max time.Duration) RunnerOption {
	return func(c *runnerConfig) { c.minBackoff, c.maxBackoff = min, max }
}

// WithMaxAge sets how long after its acceptance an entry is retried before
// it becomes a dead letter. Default DefaultMaxAge.
func WithMaxAge(d time.Duration) RunnerOption { return func(c *runnerConfig) { c.maxAge = d } }

// WithLease sets the lease each running entry is taken for, renewed every
// third of it while its handler runs. Default DefaultLease.
func WithLease(d time.Duration) RunnerOption { return func(c *runnerConfig) { c.lease = d } }

// WithPoll sets how often an idle worker looks for ready entries, besides
// being woken by Notify. Default DefaultPoll.
func WithPoll(d time.Duration) RunnerOption { return func(c *runnerConfig) { c.poll = d } }

// WithGrace sets how long Run lets running handlers finish once its
// context is done, before it cancels them and returns their entries to
// pending. Default DefaultGrace.
func WithGrace(d time.Duration) RunnerOption { return func(c *runnerConfig) { c.grace = d } }

// WithRunnerClock sets the clock backoffs and ages are judged by; tests
// step it by hand. Default time.Now.
func WithRunnerClock(now func() time.Time) RunnerOption {
	return func(c *runnerConfig) { c.clock = now }
}

// WithStats calls fn with the inbox's Stats every d while Run runs, for
// metrics: pending, running and dead counts, the oldest pending entry.
func WithStats(d time.Duration, fn func(Stats)) RunnerOption {
	return func(c *runnerConfig) { c.statsEvery, c.stats = d, fn }
}

// NewRunner returns a Runner for ib.
func NewRunner(ib Inbox, opts ...RunnerOption) (*Runner, error) {
	c := runnerConfig{
		concurrency: DefaultConcurrency, minBackoff: DefaultMinBackoff, maxBackoff: DefaultMaxBackoff,
		maxAge: DefaultMaxAge, lease: DefaultLease, poll: DefaultPoll, grace: DefaultGrace, clock: time.Now,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	var errs []error
	if ib == nil {
		errs = append(errs, errors.New("the inbox is nil"))
	}
	if c.concurrency <= 0 {
		errs = append(errs, fmt.Errorf("WithConcurrency: must be positive, got %d", c.concurrency))
	}
	if c.minBackoff <= 0 || c.maxBackoff < c.minBackoff {
		errs = append(errs, fmt.Errorf("WithBackoff: want 0 < min <= max, got %s and %s", c.minBackoff, c.maxBackoff))
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"WithMaxAge", c.maxAge}, {"WithLease", c.lease}, {"WithPoll", c.poll}} {
		if d.d <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive, got %s", d.name, d.d))
		}
	}
	if c.grace < 0 {
		errs = append(errs, fmt.Errorf("WithGrace: must not be negative, got %s", c.grace))
	}
	if c.clock == nil {
		errs = append(errs, errors.New("WithRunnerClock: clock is nil"))
	}
	if c.stats != nil && c.statsEvery <= 0 {
		errs = append(errs, fmt.Errorf("WithStats: interval must be positive, got %s", c.statsEvery))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return &Runner{ib: ib, cfg: c, handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}, nil
}

// Inbox returns the inbox the runner takes entries from.
func (r *Runner) Inbox() Inbox { return r.ib }

// Handle registers h for the entries of route. A route has one handler.
func (r *Runner) Handle(route string, h Handler) error {
	if route == "" || h == nil {
		return errors.New("inbox: Handle needs a route name and a handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[route]; dup {
		return fmt.Errorf("inbox: route %q already has a handler", route)
	}
	r.handlers[route] = h
	return nil
}

// Notify wakes an idle worker: an entry was just appended.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run runs entries until ctx is done. Then it stops taking entries, lets
// running handlers finish for the grace period, cancels those still
// running and returns their entries to pending, and returns ctx's error.
func (r *Runner) Run(ctx context.Context) error {
	// Handlers run under a context of their own, cancelled only after the
	// grace period, so a shutdown lets them finish.
	base, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	var wg sync.WaitGroup
	for range r.cfg.concurrency {
		wg.Go(func() { r.work(ctx, base) })
	}
	if r.cfg.stats != nil {
		wg.Go(func() { r.reportStats(ctx) })
	}
	<-ctx.Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.cfg.grace):
		cancelRuns()
		<-done
	}
	return ctx.Err()
}

func (r *Runner) reportStats(ctx context.Context) {
	t := time.NewTicker(r.cfg.statsEvery)
	defer t.Stop()
	for {
		if s, err := r.ib.Stats(ctx); err == nil {
			r.cfg.stats(s)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// work leases and runs entries until ctx is done.
func (r *Runner) work(ctx, base context.Context) {
	for ctx.Err() == nil {
		l, err := r.ib.Lease(ctx, r.cfg.lease)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-r.wake:
			case <-time.After(r.cfg.poll):
			}
			continue
		}
		for _, s := range l.Superseded {
			r.report(ctx, Report{Entry: s, Outcome: Superseded,
				Err: fmt.Errorf("superseded by entry %s, newer for resource %s", l.Entry.ID, s.Resource)})
		}
		r.run(base, l)
	}
}

// run runs one leased entry and records what became of it.
func (r *Runner) run(base context.Context, l Lease) {
	r.mu.RLock()
	h := r.handlers[l.Entry.Route]
	r.mu.RUnlock()
	now := r.cfg.clock()
	if h == nil {
		next := now.Add(r.cfg.poll)
		err := fmt.Errorf("no handler for route %q on this runner", l.Entry.Route)
		r.settle(base, l, Report{Entry: l.Entry, Outcome: Unrouted, Err: err, NotBefore: next},
			func(ctx context.Context) error { return r.ib.Retry(ctx, l, next, err.Error()) })
		return
	}

	ctx, lost, stop := r.keep(base, l)
	start := time.Now()
	err := call(ctx, h, l.Entry)
	stop()
	rep := Report{Entry: l.Entry, Err: err, Duration: time.Since(start)}
	switch {
	case lost():
		rep.Outcome = LeaseLost
		r.report(base, rep) // another holder has it; nothing to record
		return
	case err == nil:
		rep.Outcome = Acked
		r.settle(base, l, rep, func(ctx context.Context) error { return r.ib.Ack(ctx, l) })
		return
	case base.Err() != nil:
		rep.Outcome, rep.NotBefore = Returned, r.cfg.clock()
		r.settle(context.WithoutCancel(base), l, rep, func(ctx context.Context) error {
			return r.ib.Retry(ctx, l, rep.NotBefore, "returned at shutdown: "+err.Error())
		})
		return
	}
	now = r.cfg.clock()
	var perm permanent
	if errors.As(err, &perm) {
		rep.Outcome = Buried
		r.settle(base, l, rep, func(ctx context.Context) error { return r.ib.Bury(ctx, l, err.Error()) })
		return
	}
	next := now.Add(r.backoff(l.Entry.Attempts, err))
	if next.Sub(l.Entry.Accepted) > r.cfg.maxAge {
		rep.Outcome = Buried
		rep.Err = fmt.Errorf("gave up after %d attempts over %s (max age %s): %w",
			l.Entry.Attempts, now.Sub(l.Entry.Accepted).Round(time.Second), r.cfg.maxAge, err)
		r.settle(base, l, rep, func(ctx context.Context) error { return r.ib.Bury(ctx, l, rep.Err.Error()) })
		return
	}
	rep.Outcome, rep.NotBefore = Retried, next
	r.settle(base, l, rep, func(ctx context.Context) error { return r.ib.Retry(ctx, l, next, err.Error()) })
}

// settle records a run's result in the inbox, then reports it.
func (r *Runner) settle(ctx context.Context, l Lease, rep Report, record func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.lease/3+time.Second)
	defer cancel()
	if err := record(ctx); err != nil {
		rep.Outcome = StoreError
		if errors.Is(err, ErrLeaseLost) {
			rep.Outcome = LeaseLost
		}
		rep.Err = errors.Join(rep.Err, err)
	}
	r.report(ctx, rep)
}

func (r *Runner) report(ctx context.Context, rep Report) {
	r.mu.RLock()
	h := r.handlers[rep.Entry.Route]
	r.mu.RUnlock()
	if rp, ok := h.(Reporter); ok {
		rp.Report(ctx, rep)
	}
}

// backoff is the delay before the next run of an entry that failed its
// attempt-th run: exponential between the bounds, with jitter, or an
// error's RetryAfter when that is longer.
func (r *Runner) backoff(attempt int, err error) time.Duration {
	d := r.cfg.minBackoff
	for i := 1; i < attempt && d < r.cfg.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.cfg.maxBackoff)
	d = d/2 + rand.N(d/2+1)
	var ra retryAfter
	if errors.As(err, &ra) && ra.d > d {
		d = min(ra.d, r.cfg.maxAge)
	}
	return d
}

// keep renews l while its handler runs. lost reports whether the lease was
// lost; stop ends the renewal.
func (r *Runner) keep(base context.Context, l Lease) (ctx context.Context, lost func() bool, stop func()) {
	ctx, cancel := context.WithCancelCause(base)
	var mu sync.Mutex
	gone := false
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		every := max(r.cfg.lease/3, time.Millisecond)
		expires := time.Now().Add(r.cfg.lease)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			started := time.Now()
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(base), every)
			err := r.ib.Renew(rctx, l, r.cfg.lease)
			rcancel()
			switch {
			case err == nil:
				expires = started.Add(r.cfg.lease)
			case errors.Is(err, ErrLeaseLost), !time.Now().Before(expires):
				mu.Lock()
				gone = true
				mu.Unlock()
				cancel(ErrLeaseLost)
				return
			}
		}
	}()
	return ctx,
		func() bool { mu.Lock(); defer mu.Unlock(); return gone },
		func() { close(quit); <-finished; cancel(nil) }
}

// PanicError is the error of a handler that panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", p.Value) }

func call(ctx context.Context, h Handler, e Entry) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return h.Run(ctx, e)
}
