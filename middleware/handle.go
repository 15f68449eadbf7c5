package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
)

// ErrUnhandled is what a handler returns to say it has nothing to do with
// an event: the delivery is answered 200 with outcome unhandled and
// committed like a processed one. Router returns it for event types without
// a handler.
var ErrUnhandled = errors.New("middleware: no handler for this event type")

// PanicError is the Result.Err (and Report.Err) of a handler that
// panicked: the panic value and the stack where it happened.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", p.Value) }

// handleStage runs the handler with the delivery's idempotency key and
// fence (SpanHandle), then commits the delivery or releases it (SpanCommit).
func (rt *Route[T]) handleStage(ctx context.Context, f *flow, e Event[T], incomplete error) Result {
	p := rt.p
	e.IdempotencyKey, e.Fence, e.Attempt = f.rep.Delivery, f.claim.Fence, 1
	hctx, end := p.trace(ctx, SpanHandle)
	lost, err := call(hctx, p, f, rt.fn, e)
	endSpan(end, Result{Err: err})
	sctx, end := p.trace(ctx, SpanCommit)
	res := p.settle(sctx, f, err, lost, incomplete)
	endSpan(end, res)
	return res
}

// call runs fn with the claim kept alive, turning a panic into an error so
// the claim is released and the sender is answered 500 (and retries). A
// handler that asked net/http to abort (panic(http.ErrAbortHandler)) gets
// its wish once the claim is released.
func call[T any](ctx context.Context, p *pipeline, f *flow, fn HandlerFunc[T], e Event[T]) (lost bool, err error) {
	hctx, k := p.keep(withTenant(ctx, f.tenant), f)
	defer func() {
		lost = p.unkeep(k)
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return false, fn(hctx, e)
}

// reraise re-raises a handler's http.ErrAbortHandler once its claim is
// settled.
func reraise(res Result) {
	if pe, ok := res.Err.(*PanicError); ok && pe.Value == http.ErrAbortHandler {
		panic(http.ErrAbortHandler)
	}
}
