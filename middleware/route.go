package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hookseal/hookseal/event"
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
	// ContentType is the request's Content-Type, which the body was
	// decoded by: forward it with Body (as hookseal proxy does).
	ContentType string
	// IdempotencyKey names the delivery: the same for every copy and retry
	// of it, different for every other delivery (it is the dedupe key, in
	// hex). Store it with the handler's side effect under a unique
	// constraint, and a second run of the handler (a crash between the
	// side effect and the commit, a lost claim) cannot repeat the effect.
	IdempotencyKey string
	// Fence is the fencing token of the claim the handler runs under (see
	// store.Claim): it grows with every claim of the delivery, so a
	// downstream that refuses writes with a smaller fence than it has seen
	// for IdempotencyKey refuses a holder whose claim was lost. 0 when the
	// store failed open and nothing was claimed. On a route with an inbox
	// (WithInbox) it is the entry's lease count, which grows the same way:
	// a run that took the entry over from a lost lease has a larger one.
	Fence uint64
	// Attempt counts the runs of a handler for this delivery by hookseal:
	// inline it is always 1 (a sender's retries are the sender's count);
	// on an inbox's runner it is 1, 2, ... with every retry.
	Attempt int
}

// HandlerFunc handles one event. Returning nil commits the delivery (200);
// returning ErrUnhandled commits it too (200, unhandled); any other error
// answers 500 (WithHandlerErrorStatus) and releases the delivery's claim, so the sender's retry is
// handled.
//
// ctx is cancelled, with context.Cause store.ErrClaimLost, when the
// delivery's claim is lost while the handler runs (the store unreachable
// for longer than the lease, or another holder having the key): stop then,
// since another copy may be running.
type HandlerFunc[T any] func(ctx context.Context, e Event[T]) error

// Route is the whole flow of a delivery for payload type T, independent of
// any web framework (see the package documentation for the stages). It is
// an http.Handler; Process decides without writing, for the echo and gin
// adapters.
type Route[T any] struct {
	p         *pipeline
	fn        HandlerFunc[T]
	name      string
	orderable bool // *T implements event.Payload
}

// NewRoute returns a Route that authenticates deliveries with v, decodes
// them into T and calls fn for each authentic, fresh, new, in-order one.
// T is a provider type (checkly.Alert, oncall.Event, ...) or any struct;
// with WithOrdering, *T must implement event.Payload.
func NewRoute[T any](v verify.Verifier, fn HandlerFunc[T], opts ...Option) (*Route[T], error) {
	if fn == nil {
		return nil, errors.New("middleware: handler is nil")
	}
	p, err := newPipeline(v, opts)
	if err != nil {
		return nil, err
	}
	var zero T
	_, orderable := any(&zero).(event.Payload)
	if p.cfg.ordering && !orderable {
		return nil, fmt.Errorf("middleware: WithOrdering needs a payload that implements event.Payload; %T does not", zero)
	}
	if p.cfg.keys != nil {
		m, ok := any(&zero).(event.Mapped)
		if !ok {
			return nil, fmt.Errorf("middleware: WithTemplateKeys needs a payload whose fields are named by template variables (event.Mapped); %T is not", zero)
		}
		if err := event.CheckKeyMap(p.cfg.keys, m); err != nil {
			return nil, fmt.Errorf("middleware: WithTemplateKeys: %w", err)
		}
	}
	rt := &Route[T]{p: p, fn: fn, name: p.cfg.name, orderable: orderable}
	if err := rt.useInbox(); err != nil {
		return nil, err
	}
	return rt, nil
}

// useInbox registers the route's handler with its inbox's runner.
func (rt *Route[T]) useInbox() error {
	cfg := rt.p.cfg
	switch {
	case cfg.runner == nil && cfg.coalesce:
		return errors.New("middleware: WithCoalescing needs WithInbox")
	case cfg.runner == nil:
		return nil
	case cfg.coalesce && !cfg.ordering:
		return errors.New("middleware: WithCoalescing needs WithOrdering: it replaces older events of a resource")
	case cfg.requestBound != "":
		return fmt.Errorf("middleware: WithInbox: the handler of %s takes the framework's context of the request, "+
			"but an inbox runs it after the answer: build the route with middleware.NewRoute and mount it with the adapter's Route", cfg.requestBound)
	case rt.name == "":
		return errors.New("middleware: WithInbox needs WithName: the route's handler is registered under its name")
	}
	if r, ok := cfg.runner.Inbox().(interface{ Retention() time.Duration }); ok && r.Retention() < cfg.window {
		return fmt.Errorf("middleware: WithInbox: the inbox remembers handled deliveries for %s, less than the route's dedupe window %s: "+
			"a copy arriving after that would run again; raise the inbox's retention", r.Retention(), cfg.window)
	}
	if err := cfg.runner.Handle(rt.name, inboxHandler[T]{rt}); err != nil {
		return fmt.Errorf("middleware: WithInbox: %w", err)
	}
	return nil
}

// ServeHTTP answers every request with its outcome's status, the
// Hookseal-Outcome header and a small JSON body (see Result).
func (rt *Route[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.Process(r).Respond(w)
}

// Process runs the flow for one request and returns the decision, without
// writing it. The handler is called at most once, on the caller's
// goroutine. Every outcome has reached the observers when it returns.
func (rt *Route[T]) Process(r *http.Request) Result {
	var f flow
	ctx, end := rt.p.trace(r.Context(), SpanDelivery)
	rt.p.begin(&f, r)
	res := rt.process(ctx, &f)
	rt.p.finish(ctx, &f, res)
	endSpan(end, res)
	reraise(res)
	return res
}

// process is the pipeline, one call per stage.
func (rt *Route[T]) process(ctx context.Context, f *flow) Result {
	p := rt.p
	if res := p.admit(ctx, f); res.decided() { // method, body bound, credential, delivery time
		return res
	}
	defer f.free()
	var e Event[T]
	if res := rt.decodeStage(ctx, f, &e); res.decided() { // payload and its signed time
		return res
	}
	incomplete := rt.incomplete(f, &e) // what the payload lacks, for the report
	if res := p.refuseIncomplete(incomplete); res.decided() {
		return res
	}
	if res := p.dedupeAndOrder(ctx, f); res.decided() { // claim (an inbox dedupes by itself), order
		return res
	}
	if p.cfg.runner != nil { // the inbox's runner calls the handler
		return rt.accept(ctx, f, p.deadLetterIfStrict(incomplete))
	}
	return rt.handleStage(ctx, f, e, incomplete) // the handler, then commit or release
}
