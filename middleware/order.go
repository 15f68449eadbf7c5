package middleware

import (
	"context"
	"fmt"
	"time"
)

// order refuses an event older than one already handled for its resource:
// the late FAILURE retry that lands after its RECOVERY. Advancing before
// the handler runs makes the check atomic across concurrent deliveries; a
// failed handler's retry carries the same time, and equal times advance.
// Ordering state is kept per provider and credential scope, so two routes
// of one provider (two accounts) never order each other's events.
func (p *pipeline) order(ctx context.Context, f *flow) Result {
	if !p.cfg.ordering || f.resource == "" || f.occurred.IsZero() {
		return Result{}
	}
	resource := f.d.Provider + ":" + f.d.Scope + ":" + f.resource
	ok, err := p.cfg.store.Advance(ctx, resource, f.occurred, p.cfg.orderingTTL)
	switch {
	case err != nil && !p.cfg.failOpen:
		p.release(ctx, f)
		return Result{Outcome: StoreUnavailable, Err: fmt.Errorf("ordering: %w", err)}
	case err == nil && !ok:
		// Dropped for good: commit so its retries are duplicates.
		_ = p.commit(ctx, f)
		return Result{Outcome: OutOfOrder,
			Err: fmt.Errorf("event at %s is older than the newest handled for %s", f.occurred.Format(time.RFC3339Nano), f.resource)}
	}
	return Result{}
}
