package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hookseal/hookseal/store"
)

// dedupeAndOrder claims the delivery (unless the route's inbox dedupes by
// itself, see accept) and checks its resource's order, each in its span.
func (p *pipeline) dedupeAndOrder(ctx context.Context, f *flow) Result {
	if p.cfg.runner == nil {
		if res := p.claimTraced(ctx, f); res.decided() {
			return res
		}
	}
	ctx, end := p.trace(ctx, SpanOrder)
	res := p.order(ctx, f)
	endSpan(end, res)
	return res
}

// claimTraced is claim inside a SpanDedupe span.
func (p *pipeline) claimTraced(ctx context.Context, f *flow) Result {
	ctx, end := p.trace(ctx, SpanDedupe)
	res := p.claim(ctx, f)
	endSpan(end, res)
	return res
}

// claim takes the delivery's dedupe claim before anything acts on it. A
// delivery already done is a duplicate; one being handled by another copy
// is in flight. A store that fails answers 503 (the sender retries), or,
// with WithStoreFailOpen, lets the delivery through unclaimed. On a route
// that orders this delivery, a store.ClaimAdvancer claims and advances in
// one call (see order).
func (p *pipeline) claim(ctx context.Context, f *flow) Result {
	f.rep.Delivery = f.key.String()
	cfg := p.cfg
	var c store.Claim
	var err error
	advanced := true
	ca, combined := p.claimAdvancer(f)
	if combined {
		c, advanced, err = ca.ClaimAndAdvance(ctx, f.rep.Delivery, cfg.lease, p.resource(f), f.occurred, cfg.orderingTTL)
	} else {
		c, err = cfg.store.Claim(ctx, f.rep.Delivery, cfg.lease)
	}
	if err != nil {
		if cfg.failOpen {
			return Result{}
		}
		return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("claiming delivery: %w", err)}
	}
	switch c.State {
	case store.Claimed:
		f.claim, f.claimed = c, true
		if !advanced {
			return p.outOfOrder(ctx, f)
		}
		return Result{}
	case store.Done:
		return Result{Outcome: Duplicate}
	case store.InFlight:
		return Result{Outcome: InFlight, RetryAfter: cfg.retryAfter,
			Err: errors.New("another copy of this delivery is being handled")}
	}
	return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("store returned unknown claim state %d", c.State)}
}

// commit records the delivery as done, after its handler succeeded.
func (p *pipeline) commit(ctx context.Context, f *flow) error {
	if !f.claimed {
		return nil
	}
	f.claimed = false
	ctx, cancel := p.detached(ctx)
	defer cancel()
	return p.cfg.store.Commit(ctx, f.claim, p.cfg.window)
}

// release gives the claim up, so the sender's retry is handled.
func (p *pipeline) release(ctx context.Context, f *flow) {
	if !f.claimed {
		return
	}
	f.claimed = false
	ctx, cancel := p.detached(ctx)
	defer cancel()
	_ = p.cfg.store.Release(ctx, f.claim) // a lost claim is already free
}

// settle records what the handler's error means for the claim and the
// answer: done (commit), or to be retried (release). incomplete is what
// the body lacked, when it lacked something; lost says the claim was lost
// while the handler ran.
func (p *pipeline) settle(ctx context.Context, f *flow, err error, lost bool, incomplete error) Result {
	unhandled := errors.Is(err, ErrUnhandled)
	if err != nil && !unhandled {
		p.release(ctx, f)
		res := Result{Outcome: HandlerError, Err: err}
		if s := p.cfg.handlerErrorStatus; s != http.StatusInternalServerError {
			res.status = s
		}
		return res
	}
	cerr := p.commit(ctx, f)
	switch {
	case lost || errors.Is(cerr, store.ErrClaimLost):
		return Result{Outcome: ClaimLost, Err: errors.Join(
			errors.New("the delivery's claim was lost while its handler ran: another copy may have been handled too"), cerr)}
	case incomplete != nil:
		return Result{Outcome: Incomplete, Err: errors.Join(incomplete, cerr)}
	case unhandled:
		return Result{Outcome: Unhandled, Err: cerr}
	case cerr != nil:
		// The work is done and the answer is 200; only the record of it
		// is lost, which the observer hears about.
		return Result{Outcome: Processed, Err: fmt.Errorf("committing processed delivery: %w", cerr)}
	}
	return Result{Outcome: Processed}
}
