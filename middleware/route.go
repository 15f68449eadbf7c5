package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/hookseal/hookseal/event"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// Event is one authentic, fresh, new, in-order delivery, decoded.
type Event[T any] struct {
	// Delivery is what verification established: provider, matched
	// secret's ID, sender timestamp, dedupe key.
	Delivery verify.Delivery
	// Type is the payload's event type (event.Payload EventType), or ""
	// when T does not implement event.Payload.
	Type string
	// Payload is the decoded body.
	Payload T
	// Body is the raw body. It is read into a pooled buffer and is valid
	// only until the handler returns: copy it to keep it. Payload does not
	// share its memory.
	Body []byte
}

// HandlerFunc handles one event. Returning an error answers 500 and releases
// the delivery's dedupe claim, so the sender's retry is processed; returning
// nil commits it.
type HandlerFunc[T any] func(ctx context.Context, e Event[T]) error

// ErrUnhandled is what a handler returns to say it has nothing to do with
// an event: the delivery is answered 200 with outcome unhandled and
// committed like a processed one. Router returns it for event types without
// a handler.
var ErrUnhandled = errors.New("middleware: no handler for this event type")

// Route is the whole flow of a delivery for payload type T, independent of
// any web framework: Gate's checks, then decode, dedupe, order, handle. It
// decides and does not write: Handle (net/http) and the echo and gin
// adapters turn its Result into their own responses.
type Route[T any] struct {
	gate      *Gate
	orderable bool
}

// NewRoute returns a Route for deliveries authenticated by v and decoded
// into T. T is a provider type (checkly.Alert, oncall.Event, ...) or any
// struct; with WithOrdering, *T must implement event.Payload.
func NewRoute[T any](v verify.Verifier, opts ...Option) (*Route[T], error) {
	g, err := NewGate(v, opts...)
	if err != nil {
		return nil, err
	}
	var zero T
	_, orderable := any(&zero).(event.Payload)
	if g.cfg.ordering && !orderable {
		return nil, fmt.Errorf("middleware: WithOrdering needs a payload that implements event.Payload; %T does not", zero)
	}
	return &Route[T]{gate: g, orderable: orderable}, nil
}

// Handle returns a net/http handler that runs fn for every authentic, fresh,
// new, in-order delivery decoded into T, and answers every request with the
// outcome's status code (see Outcome.Status).
func Handle[T any](v verify.Verifier, fn HandlerFunc[T], opts ...Option) (http.Handler, error) {
	if fn == nil {
		return nil, errors.New("middleware: handler is nil")
	}
	rt, err := NewRoute[T](v, opts...)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.Process(r, fn).WriteTo(w)
	}), nil
}

// Process runs the flow for one request and returns the decision. fn is
// called at most once, on the request's goroutine.
func (rt *Route[T]) Process(r *http.Request, fn HandlerFunc[T]) Result {
	g := rt.gate
	var rep Report
	start := g.start()
	res := rt.process(r, fn, &rep)
	g.finish(r.Context(), &rep, res, start)
	return res
}

func (rt *Route[T]) process(r *http.Request, fn HandlerFunc[T], rep *Report) Result {
	g := rt.gate
	a, res, ok := g.admit(r, rep)
	if !ok {
		return res
	}
	defer a.release()
	rep.Delivery = a.d.Key.String()

	// Decode. The payload never aliases the pooled body: the decoder copies
	// strings and raw JSON values out of it.
	var e Event[T]
	e.Delivery, e.Body = a.d, a.body
	if err := event.Decode(r.Header.Get("Content-Type"), a.body, &e.Payload); err != nil {
		return Result{Outcome: BadPayload, Err: fmt.Errorf("decoding %T: %w", e.Payload, err)}
	}
	var resource string
	var occurred time.Time
	if rt.orderable {
		p := any(&e.Payload).(event.Payload)
		e.Type = p.EventType()
		resource, occurred = p.ResourceKey(), p.OccurredAt()
		rep.EventType, rep.Resource, rep.OccurredAt = e.Type, resource, occurred
	}

	// Deduplicate: claim before the handler, commit after it succeeds.
	ctx := r.Context()
	cfg := g.cfg
	claim, err := cfg.store.Claim(ctx, rep.Delivery, cfg.lease)
	claimed := err == nil
	if err != nil {
		if !cfg.failOpen {
			return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("claiming delivery: %w", err)}
		}
	} else {
		switch claim.State {
		case store.Done:
			return Result{Outcome: Duplicate}
		case store.InFlight:
			return Result{Outcome: InFlight, RetryAfter: cfg.retryAfter,
				Err: errors.New("another copy of this delivery is being handled")}
		case store.Claimed:
		default:
			return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("store returned unknown claim state %d", claim.State)}
		}
	}

	// Order: refuse an event older than one already processed for its
	// resource. Advancing before the handler runs makes the check atomic
	// across concurrent deliveries; a failed handler's retry carries the
	// same time, and equal times advance.
	if cfg.ordering && resource != "" && !occurred.IsZero() {
		ok, err := cfg.store.Advance(ctx, rep.Provider+":"+resource, occurred, cfg.orderingTTL)
		switch {
		case err != nil && !cfg.failOpen:
			rt.release(ctx, claim, claimed)
			return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("ordering: %w", err)}
		case err == nil && !ok:
			// Dropped for good: commit so its retries are duplicates.
			_ = rt.commit(ctx, claim, claimed)
			return Result{Outcome: OutOfOrder,
				Err: fmt.Errorf("event at %s is older than the newest processed for %s", occurred.Format(time.RFC3339Nano), resource)}
		}
	}

	if err := callHandler(ctx, fn, e); err != nil {
		if errors.Is(err, ErrUnhandled) {
			// Nothing to do is still done: commit, answer 200.
			_ = rt.commit(ctx, claim, claimed)
			return Result{Outcome: Unhandled}
		}
		rt.release(ctx, claim, claimed)
		if p, ok := err.(*PanicError); ok && p.Value == http.ErrAbortHandler {
			panic(http.ErrAbortHandler) // the handler asked net/http to abort
		}
		return Result{Outcome: HandlerError, Err: err}
	}
	if err := rt.commit(ctx, claim, claimed); err != nil {
		// The work is done and the answer is 200; only the record of it
		// is lost, which the observer hears about.
		return Result{Outcome: Processed, Err: fmt.Errorf("committing processed delivery: %w", err)}
	}
	return Result{Outcome: Processed}
}

// commit and release run after the handler, with a context detached from
// the request: a sender hanging up must not leave a claim behind.
func (rt *Route[T]) commit(ctx context.Context, c store.Claim, claimed bool) error {
	if !claimed {
		return nil
	}
	ctx, cancel := rt.detached(ctx)
	defer cancel()
	return rt.gate.cfg.store.Commit(ctx, c, rt.gate.cfg.window)
}

func (rt *Route[T]) release(ctx context.Context, c store.Claim, claimed bool) {
	if !claimed {
		return
	}
	ctx, cancel := rt.detached(ctx)
	defer cancel()
	_ = rt.gate.cfg.store.Release(ctx, c) // a lost claim is already free
}

func (rt *Route[T]) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx = context.WithoutCancel(ctx)
	if d := rt.gate.cfg.storeTimeout; d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

// PanicError is the Result.Err (and Report.Err) of a handler that
// panicked: the panic value and the stack where it happened.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", p.Value) }

// callHandler runs fn, turning a panic into an error so the claim is
// released and the sender is answered 500 (and retries).
func callHandler[T any](ctx context.Context, fn HandlerFunc[T], e Event[T]) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(ctx, e)
}

// Router dispatches events to handlers by event type. Its Dispatch method
// is a HandlerFunc: pass it to Handle or NewRoute's Process.
type Router[T any] struct {
	handlers map[string]HandlerFunc[T]
	fallback HandlerFunc[T]
}

// NewRouter returns an empty Router.
func NewRouter[T any]() *Router[T] {
	return &Router[T]{handlers: map[string]HandlerFunc[T]{}}
}

// On registers fn for events of type eventType (Event.Type, from the
// payload's event.Payload EventType), replacing any earlier registration.
func (rt *Router[T]) On(eventType string, fn HandlerFunc[T]) *Router[T] {
	rt.handlers[eventType] = fn
	return rt
}

// Default registers fn for event types without a handler of their own.
// Without a default, such events are answered 200 with outcome unhandled.
func (rt *Router[T]) Default(fn HandlerFunc[T]) *Router[T] {
	rt.fallback = fn
	return rt
}

// Dispatch calls the handler registered for e.Type, the default handler, or
// returns ErrUnhandled.
func (rt *Router[T]) Dispatch(ctx context.Context, e Event[T]) error {
	if fn, ok := rt.handlers[e.Type]; ok && fn != nil {
		return fn(ctx, e)
	}
	if rt.fallback != nil {
		return rt.fallback(ctx, e)
	}
	return ErrUnhandled
}
