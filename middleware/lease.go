package middleware

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hookseal/hookseal/store"
)

// Leases. A delivery's claim is renewed every third of its lease while its
// holder (the handler, or a Guard's next handler) works, so a holder that
// outlives the lease is never run twice at once; and the holder's context
// is cancelled, with cause store.ErrClaimLost, as soon as the claim is
// lost: the store says another holder has it, or no renewal succeeded
// before the lease ran out.
//
// Most handlers finish long before a third of their lease, so a delivery
// costs one small allocation here: its keeper. One goroutine per route,
// started while any of its handlers runs and gone when none does, renews
// the claims that need it; and the holder's cancellable context is made
// only when the holder asks for it (Done), the rare case.

// keeper is one held claim and the context its holder gets.
type keeper struct {
	ctx   claimCtx
	claim store.Claim

	// Guarded by the renewer's mu.
	renewAt  time.Time // when the next renewal is due
	expires  time.Time // when the lease runs out unless renewed
	renewing bool
	stopped  bool
	lost     bool
}

// renewer renews the claims of one pipeline's running holders.
type renewer struct {
	mu      sync.Mutex
	held    map[*keeper]struct{}
	running bool
}

// keep registers f's claim for renewal and returns the context for its
// holder and the keeper to hand unkeep when the holder is done. Without a
// claim (a store that failed open, a Guard without a store) the context is
// the parent's and the keeper nil.
func (p *pipeline) keep(parent context.Context, f *flow) (context.Context, *keeper) {
	if !f.claimed {
		return parent, nil
	}
	now := time.Now()
	k := &keeper{ctx: claimCtx{Context: parent}, claim: f.claim,
		renewAt: now.Add(p.every()), expires: now.Add(p.cfg.lease)}
	r := &p.renewer
	r.mu.Lock()
	if r.held == nil {
		r.held = make(map[*keeper]struct{})
	}
	r.held[k] = struct{}{}
	if !r.running {
		r.running = true
		go p.renewLoop()
	}
	r.mu.Unlock()
	return &k.ctx, k
}

// every is how often a lease is renewed: three chances before it ends.
func (p *pipeline) every() time.Duration { return max(p.cfg.lease/3, time.Millisecond) }

// unkeep stops renewing k and reports whether its claim was lost.
func (p *pipeline) unkeep(k *keeper) bool {
	if k == nil {
		return false
	}
	r := &p.renewer
	r.mu.Lock()
	k.stopped = true
	delete(r.held, k)
	lost := k.lost
	r.mu.Unlock()
	return lost
}

// renewLoop wakes every tick while any claim is held, renews those due,
// and ends when none is held.
func (p *pipeline) renewLoop() {
	r := &p.renewer
	tick := max(p.every()/4, time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	var due []*keeper
	for now := range t.C {
		r.mu.Lock()
		if len(r.held) == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		due = due[:0]
		for k := range r.held {
			if !k.renewing && !now.Before(k.renewAt) {
				k.renewing = true
				due = append(due, k)
			}
		}
		r.mu.Unlock()
		for _, k := range due {
			go p.renew(k)
		}
	}
}

// renew renews one claim, or declares it lost.
func (p *pipeline) renew(k *keeper) {
	every, lease := p.every(), p.cfg.lease
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(k.ctx.Context), every)
	err := p.cfg.store.Renew(ctx, k.claim, lease)
	cancel()

	r := &p.renewer
	r.mu.Lock()
	defer r.mu.Unlock()
	k.renewing = false
	if k.stopped {
		return
	}
	switch {
	case err == nil:
		k.expires = started.Add(lease)
		k.renewAt = started.Add(every)
	case errors.Is(err, store.ErrClaimLost), !time.Now().Before(k.expires):
		// Another holder has the key, or may have it by now: stop this
		// one rather than let two copies run.
		k.lost = true
		delete(r.held, k)
		k.ctx.lose()
	default:
		k.renewAt = time.Now().Add(every / 3) // the store failed: try again soon
	}
}

// claimCtx is a holder's context: its parent's, cancelled with cause
// store.ErrClaimLost when the claim is lost. The cancellable context is
// made on first need (Done, or the loss), so a holder that never asks for
// it costs no more than its parent.
type claimCtx struct {
	context.Context
	mu     sync.Mutex
	inner  context.Context
	cancel context.CancelCauseFunc
	lost   bool
}

func (c *claimCtx) get(create bool) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inner == nil && create {
		c.inner, c.cancel = context.WithCancelCause(c.Context)
		if c.lost {
			c.cancel(store.ErrClaimLost)
		}
	}
	return c.inner
}

func (c *claimCtx) lose() {
	c.mu.Lock()
	c.lost = true
	cancel := c.cancel
	c.mu.Unlock()
	if cancel == nil {
		c.get(true) // makes the context, cancelled
		return
	}
	cancel(store.ErrClaimLost)
}

// Done implements context.Context.
func (c *claimCtx) Done() <-chan struct{} { return c.get(true).Done() }

// Err implements context.Context.
func (c *claimCtx) Err() error {
	if in := c.get(false); in != nil {
		return in.Err()
	}
	return c.Context.Err()
}

// Value implements context.Context. Once the cancellable context exists it
// answers, so context.Cause finds store.ErrClaimLost.
func (c *claimCtx) Value(key any) any {
	if in := c.get(false); in != nil {
		return in.Value(key)
	}
	return c.Context.Value(key)
}
