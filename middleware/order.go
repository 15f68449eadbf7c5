package middleware

import (
	"context"
	"fmt"
	"time"

	"github.com/hookseal/hookseal/store"
)

// order refuses an event older than one already handled for its resource:
// the late FAILURE retry that lands after its RECOVERY. Advancing before
// the handler runs makes the check atomic across concurrent deliveries; a
// failed handler's retry carries the same time, and equal times advance.
// Ordering state is kept per provider and credential scope, so two routes
// of one provider (two accounts) never order each other's events.
//
// A store.ClaimAdvancer has advanced already, with the claim (see claim),
// unless the claim failed open.
func (p *pipeline) order(ctx context.Context, f *flow) Result {
	if !p.cfg.ordering || f.resource == "" || f.occurred.IsZero() {
		return Result{}
	}
	if _, combined := p.claimAdvancer(f); combined && f.claimed {
		return Result{}
	}
	ok, err := p.cfg.store.Advance(ctx, p.resource(f), f.occurred, p.cfg.orderingTTL)
	switch {
	case err != nil && !p.cfg.failOpen:
		p.release(ctx, f)
		return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("ordering: %w", err)}
	case err == nil && !ok:
		return p.outOfOrder(ctx, f)
	}
	return Result{}
}

// outOfOrder drops the delivery for good: commit, so its retries are
// duplicates.
func (p *pipeline) outOfOrder(ctx context.Context, f *flow) Result {
	_ = p.commit(ctx, f)
	return Result{Outcome: OutOfOrder,
		Err: fmt.Errorf("event at %s is older than the newest handled for %s", f.occurred.Format(time.RFC3339Nano), f.resource)}
}

// resource is the ordering state's name for f's resource: kept per
// provider and credential scope.
func (p *pipeline) resource(f *flow) string {
	return f.d.Provider + ":" + f.d.Scope + ":" + f.resource
}

// claimAdvancer returns the route's store as a store.ClaimAdvancer when
// f is claimed inline and ordered, so that one call claims and advances.
func (p *pipeline) claimAdvancer(f *flow) (store.ClaimAdvancer, bool) {
	if !p.cfg.ordering || f.resource == "" || f.occurred.IsZero() || p.cfg.runner != nil {
		return nil, false
	}
	ca, ok := p.cfg.store.(store.ClaimAdvancer)
	return ca, ok
}
