package middleware

import (
	"fmt"
	"time"

	"github.com/hookseal/hookseal/verify"
)

// checkFreshness judges the delivery's own time (a timestamp header, a
// signed timestamp) against the route's window. A delivery without one is
// not judged here; whether a sender must send one is its verifier's rule.
func (p *pipeline) checkFreshness(f *flow) Result {
	if p.cfg.freshnessOff {
		return Result{}
	}
	if err := p.cfg.freshness.Check(f.d.Timestamp, p.cfg.now()); err != nil {
		f.rep.Delivery = f.key.String()
		return Result{Outcome: Stale, Err: err}
	}
	return Result{}
}

// checkStamp judges the time a signed body carries (event.Stamped:
// Checkly's STARTED_AT). The signature covers it, so it bounds how old the
// delivery can be whatever an unsigned header says: a captured delivery
// replayed with a fresh x-checkly-timestamp is stale once its stamp is
// older than WithMaxStampAge. An unsigned body (a token or Basic sender)
// proves nothing about its times, so it is not judged.
func (p *pipeline) checkStamp(f *flow, stamp time.Time) Result {
	if p.cfg.freshnessOff || !f.d.BodySigned || stamp.IsZero() {
		return Result{}
	}
	w := verify.Window{MaxAge: p.cfg.maxStampAge, MaxSkew: p.cfg.freshness.MaxSkew}
	if err := w.Check(stamp, p.cfg.now()); err != nil {
		f.rep.Delivery = f.key.String()
		return Result{Outcome: Stale, Err: fmt.Errorf("the time signed in the body: %w", err)}
	}
	return Result{}
}
