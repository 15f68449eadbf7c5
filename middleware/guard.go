package middleware

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/verify"
)

// Guard is the verify-only middleware, for applications that keep their own
// handlers: it bounds and reads the body, authenticates the delivery,
// judges its time, and (given a store) drops copies of a delivery already
// handled, then passes it on with the body restored byte for byte and the
// Delivery in the request's context. It does not decode the body, so it
// neither orders events nor checks what a payload carries: a Route does.
//
// Without WithStore a Guard does not deduplicate: every authentic, fresh
// copy of a delivery reaches the next handler, which must then be
// idempotent itself. With a store it claims each delivery before the next
// handler runs (renewing the claim while it runs), commits it when that
// handler answers below 500, and releases it otherwise, so the sender's
// retry is handled; copies of a handled delivery are answered 200
// duplicate, and a copy arriving while another is handled 409 in_flight.
//
// Because it does not decode, a Guard knows neither a signed body time nor
// whether the body carries an identity. For a Checkly delivery that has
// two consequences a Route does not have: a captured delivery replayed
// after the dedupe window with a rewritten x-checkly-timestamp reaches the
// next handler (a Route answers it stale by its STARTED_AT), and with a
// template that carries neither CHECK_RESULT_ID nor STARTED_AT, a flapping
// check's second FAILURE, byte-identical to the first, is answered
// duplicate within the window (a Route tells the two apart by the header).
// Use a Route where either matters.
type Guard struct {
	p *pipeline
}

// NewGuard returns a Guard for v. Options that only a Route can honour
// (WithOrdering, WithMaxStampAge, WithStrictPayload, WithBadPayloadStatus)
// are an error, rather than silently doing nothing.
func NewGuard(v verify.Verifier, opts ...Option) (*Guard, error) {
	p, err := newPipeline(v, opts)
	if err != nil {
		return nil, err
	}
	if len(p.cfg.routeOnly) > 0 {
		return nil, fmt.Errorf("middleware: %s configure a Route; a Guard does not decode the body", strings.Join(p.cfg.routeOnly, ", "))
	}
	p.dedupe = p.cfg.storeSet
	return &Guard{p: p}, nil
}

// Handler wraps next with the guard.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pass, res := g.Check(r)
		if pass == nil {
			res.Respond(w)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		panicked := true
		defer func() {
			if panicked {
				pass.Done(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(sw, pass.Request())
		panicked = false
		pass.Done(sw.status)
	})
}

// Check authenticates r. When the delivery may go on, it returns a Pass
// whose Request is r with its body restored and the Delivery in its
// context; the caller runs its handler with it, then calls Pass.Done.
// Otherwise it returns a nil Pass and the Result to answer with, and the
// observers have been told. Adapters use Check; net/http users use Handler.
func (g *Guard) Check(r *http.Request) (*Pass, Result) {
	ps := &Pass{g: g}
	f := &ps.f
	ctx, end := g.p.trace(r.Context(), SpanDelivery)
	g.p.begin(f, r)
	res := g.p.admit(ctx, f)
	if !res.decided() && g.p.dedupe {
		if res = g.p.claimTraced(ctx, f); res.decided() {
			f.free()
		}
	}
	if res.decided() {
		g.p.finish(ctx, f, res)
		endSpan(end, res)
		return nil, res
	}
	ps.end, ps.ctx = end, ctx
	// The next handler runs under SpanHandle, inside the delivery's span.
	ctx, ps.endHandle = g.p.trace(ctx, SpanHandle)
	if !g.p.dedupe {
		f.rep.Delivery = f.key.String()
	}
	hctx, k := g.p.keep(withTenant(ctx, f.tenant), f)
	ps.keeper = k
	hctx = context.WithValue(hctx, ctxKey{}, &ctxValue{delivery: f.d, body: f.body})
	ps.req = r.WithContext(hctx)
	ps.req.Body = io.NopCloser(bytes.NewReader(f.body))
	ps.req.ContentLength = int64(len(f.body))
	return ps, Result{}
}

// Pass is a delivery a Guard let through, until its handler is done.
type Pass struct {
	g      *Guard
	f      flow
	req    *http.Request
	keeper *keeper
	done   bool
	// end and endHandle end the delivery's and the next handler's spans
	// (WithTracer).
	end, endHandle func(Result)
	// ctx is the delivery's context, which the observers get.
	ctx context.Context
}

// Request is the request to hand the next handler.
func (ps *Pass) Request() *http.Request { return ps.req }

// Done tells the guard the next handler answered with status (0 for a
// handler that wrote nothing, which net/http answers 200): below 500 the
// delivery is committed, from 500 on released for the sender's retry. It
// returns the body buffer to its pool, so the body must not be used after,
// and tells the observers (outcome forwarded, or claim_lost). Calls after
// the first do nothing.
func (ps *Pass) Done(status int) {
	if ps.done {
		return
	}
	ps.done = true
	if status == 0 {
		status = http.StatusOK
	}
	g, f := ps.g, &ps.f
	lost := g.p.unkeep(ps.keeper)
	res := Result{Outcome: Forwarded, status: status}
	endSpan(ps.endHandle, res)
	ctx, end := g.p.trace(ps.ctx, SpanCommit)
	if status >= 500 {
		g.p.release(ctx, f)
	} else if err := g.p.commit(ctx, f); lost || errors.Is(err, store.ErrClaimLost) {
		res.Outcome = ClaimLost
		res.Err = errors.New("the delivery's claim was lost while the next handler ran: another copy may have been handled too")
	} else if err != nil {
		res.Err = fmt.Errorf("the next handler answered %d, but recording the delivery as handled failed: %w", status, err)
	}
	endSpan(end, res)
	f.free()
	g.p.finish(ps.ctx, f, res)
	endSpan(ps.end, res)
}

// statusWriter remembers the status the next handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Context accessors for a Guard's next handler.

type ctxKey struct{}

type ctxValue struct {
	delivery verify.Delivery
	body     []byte
}

// DeliveryFrom returns the Delivery a Guard authenticated for the request
// whose context is ctx.
func DeliveryFrom(ctx context.Context) (verify.Delivery, bool) {
	v, ok := ctx.Value(ctxKey{}).(*ctxValue)
	if !ok {
		return verify.Delivery{}, false
	}
	return v.delivery, true
}

// BodyFrom returns the raw body a Guard authenticated. The bytes are valid
// until the handler returns; copy them to keep them longer.
func BodyFrom(ctx context.Context) ([]byte, bool) {
	v, ok := ctx.Value(ctxKey{}).(*ctxValue)
	if !ok {
		return nil, false
	}
	return v.body, true
}
