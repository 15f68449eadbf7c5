package middleware

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hookseal/hookseal/store"
)

// claim takes the delivery's dedupe claim before anything acts on it. A
// delivery already done is a duplicate; one being handled by another copy
// is in flight. A store that fails answers 503 (the sender retries), or,
// with WithStoreFailOpen, lets the delivery through unclaimed.
func (p *pipeline) claim(ctx context.Context, f *flow) Result {
	f.rep.Delivery = f.key.String()
	cfg := p.cfg
	c, err := cfg.store.Claim(ctx, f.rep.Delivery, cfg.lease)
	if err != nil {
		if cfg.failOpen {
			return Result{}
		}
		return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("claiming delivery: %w", err)}
	}
	switch c.State {
	case store.Claimed:
		f.claim, f.claimed = c, true
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
		return Result{Outcome: HandlerError, Err: err}
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

// keeper renews a claim's lease while its holder works, so a handler that
// outlives the lease is never run twice at once, and cancels the holder's
// context, with cause store.ErrClaimLost, as soon as the claim is lost:
// the store says another holder has it, or no renewal succeeded before the
// lease ran out. A handler that finishes within a third of the lease costs
// one timer and no goroutine.
type keeper struct {
	p      *pipeline
	parent context.Context
	claim  store.Claim
	cancel context.CancelCauseFunc
	timer  *time.Timer

	mu      sync.Mutex
	stopped bool
	lost    bool
	expires time.Time // when the lease runs out unless renewed
}

// keep starts renewing f's claim and returns the context for its holder
// and the function that stops the renewal and reports whether the claim
// was lost. Without a claim (a store that failed open) it only makes the
// context.
func (p *pipeline) keep(parent context.Context, f *flow) (context.Context, func() (lost bool)) {
	ctx, cancel := context.WithCancelCause(parent)
	if !f.claimed {
		return ctx, func() bool { cancel(nil); return false }
	}
	k := &keeper{p: p, parent: parent, claim: f.claim, cancel: cancel, expires: time.Now().Add(p.cfg.lease)}
	k.mu.Lock() // renew, on the timer's goroutine, reads k.timer
	k.timer = time.AfterFunc(p.every(), k.renew)
	k.mu.Unlock()
	return ctx, k.stop
}

// every is how often a lease is renewed: three chances before it ends.
func (p *pipeline) every() time.Duration { return max(p.cfg.lease/3, time.Millisecond) }

func (k *keeper) renew() {
	k.mu.Lock()
	if k.stopped {
		k.mu.Unlock()
		return
	}
	k.mu.Unlock()

	every := k.p.every()
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(k.parent), every)
	err := k.p.cfg.store.Renew(ctx, k.claim, k.p.cfg.lease)
	cancel()

	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return
	}
	switch {
	case err == nil:
		k.expires = started.Add(k.p.cfg.lease)
	case errors.Is(err, store.ErrClaimLost), !time.Now().Before(k.expires):
		// Another holder has the key, or may have it by now: stop the
		// handler rather than let two copies run.
		k.lost = true
		k.cancel(store.ErrClaimLost)
		return
	}
	k.timer.Reset(every)
}

func (k *keeper) stop() bool {
	k.mu.Lock()
	k.stopped = true
	lost := k.lost
	k.timer.Stop()
	k.mu.Unlock()
	k.cancel(nil)
	return lost
}
