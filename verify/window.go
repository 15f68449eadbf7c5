package verify

import (
	"time"
)

// Default freshness tolerance: how far a sender's time may lie behind
// (DefaultMaxAge) or ahead of (DefaultMaxSkew) the receiver's clock.
//
// Five minutes in the past covers Checkly's whole retry span (5 retries,
// 20 s apart) and Stripe's and Standard Webhooks' published tolerance; one
// minute ahead absorbs ordinary clock skew without accepting deliveries
// stamped far in the future.
const (
	DefaultMaxAge  = 5 * time.Minute
	DefaultMaxSkew = 1 * time.Minute
)

// Window is how far a sender's time may lie from the receiver's clock: at
// most MaxAge in the past and MaxSkew in the future. It is the one place
// freshness is judged; verifiers only report the sender's time.
type Window struct {
	MaxAge  time.Duration
	MaxSkew time.Duration
}

// DefaultWindow returns the window of DefaultMaxAge and DefaultMaxSkew.
func DefaultWindow() Window { return Window{MaxAge: DefaultMaxAge, MaxSkew: DefaultMaxSkew} }

// Check judges a sender's time t against the receiver's clock reading now.
// It returns nil when t lies within the window, and otherwise an error
// wrapping ErrTooOld or ErrTooNew. A zero t (no time sent) is not judged:
// whether a time is required is the verifier's decision.
//
// Times any distance away are judged correctly: a time centuries ahead is
// too new, however far it is (the difference is never computed as a
// Duration, which would saturate at about 292 years).
func (w Window) Check(t, now time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Before(now.Add(-w.MaxAge)) {
		return errorf(ErrTooOld, "sent %s before the receiver's clock, tolerance %s", describeGap(now, t), w.MaxAge)
	}
	if t.After(now.Add(w.MaxSkew)) {
		return errorf(ErrTooNew, "sent %s after the receiver's clock, tolerance %s", describeGap(t, now), w.MaxSkew)
	}
	return nil
}

// describeGap says how far later is after earlier, in words that stay true
// when the gap is beyond what a Duration holds.
func describeGap(later, earlier time.Time) string {
	if later.Sub(earlier) == time.Duration(1<<63-1) {
		return "more than 290 years"
	}
	return later.Sub(earlier).Round(time.Second).String()
}

// Validate returns an error wrapping ErrInvalidConfig when the window
// cannot be used (MaxAge not positive, MaxSkew negative).
func (w Window) Validate() error {
	if w.MaxAge <= 0 || w.MaxSkew < 0 {
		return errorf(ErrInvalidConfig, "freshness window must be positive in the past and not negative in the future (got %s, %s)", w.MaxAge, w.MaxSkew)
	}
	return nil
}
