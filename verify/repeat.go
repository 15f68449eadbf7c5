package verify

import (
	"net/http"
	"strconv"
	"time"
)

// RepeatAuth wraps the verifier of a sender that legitimately re-sends
// byte-identical deliveries on a schedule, so that deduplication tells a
// due repeat from a retry. Build one with Repeating. It is safe for
// concurrent use.
//
// Prometheus Alertmanager is the case in point: while an alert group is
// unchanged, Alertmanager re-sends its notification every repeat_interval
// (4 h by default), and the repeat is the same bytes as the notification
// before it (no timestamp header, no id, and the alerts' times do not
// change). A dedupe key derived from the body alone would take every repeat
// inside the dedupe window for a copy and swallow it.
//
// RepeatAuth mixes the number of the repeat interval the delivery arrived in
// (arrival time divided by the interval, on the receiver's clock) into
// Delivery.Key, when the wrapped verifier found no delivery id signed by
// the sender. Repeats arrive at least one interval apart, so they fall in
// different intervals and get different keys, whatever the route's dedupe
// window; retries of one notification arrive seconds apart, so they share
// an interval and a key, and are duplicates. A retry that straddles the end
// of an interval is handled once more: at-least-once, never a lost repeat.
// The chance of that is the retry's delay over the interval (10 s over
// 4 h: 0.07%).
type RepeatAuth struct {
	v        Verifier
	interval time.Duration
	now      func() time.Time
}

// RepeatOption configures a RepeatAuth.
type RepeatOption func(*RepeatAuth)

// WithRepeatClock sets the clock that places deliveries in intervals.
// Default time.Now.
func WithRepeatClock(now func() time.Time) RepeatOption {
	return func(r *RepeatAuth) { r.now = now }
}

// MinRepeatInterval is the shortest interval Repeating accepts: a shorter
// one would put a sender's retries in different intervals, so they would
// not be deduplicated. Alertmanager's group_interval (the least its
// repeat_interval can usefully be) defaults to 5 minutes.
const MinRepeatInterval = time.Minute

// Repeating returns v with repeat-aware dedupe keys (see RepeatAuth).
// interval is the sender's repeat interval, Alertmanager's repeat_interval
// for the receiver's route; if routes differ, pass the shortest. A longer
// interval than the sender's would put two repeats in one interval and
// swallow the second; a shorter one only makes a retry more likely to be
// handled twice.
//
// It fails when v is nil, when interval is shorter than MinRepeatInterval
// (errors wrap ErrInvalidConfig), or when an option sets a nil clock.
func Repeating(v Verifier, interval time.Duration, opts ...RepeatOption) (*RepeatAuth, error) {
	if v == nil {
		return nil, errorf(ErrInvalidConfig, "Repeating: verifier is nil")
	}
	if interval < MinRepeatInterval {
		return nil, errorf(ErrInvalidConfig, "Repeating: a repeat interval of %s is shorter than %s; pass the sender's repeat_interval", interval, MinRepeatInterval)
	}
	r := &RepeatAuth{v: v, interval: interval, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
	if r.now == nil {
		return nil, errorf(ErrInvalidConfig, "Repeating: WithRepeatClock was given a nil clock")
	}
	return r, nil
}

// Interval returns the repeat interval.
func (r *RepeatAuth) Interval() time.Duration { return r.interval }

// Verify implements Verifier: it runs the wrapped verifier and, for an
// authentic delivery without a sender's id, mixes the repeat interval it
// arrived in into its Key.
func (r *RepeatAuth) Verify(h http.Header, body []byte) (Delivery, error) {
	d, err := r.v.Verify(h, body)
	if err != nil || d.ID != "" {
		return d, err
	}
	n := r.now().UnixNano() / int64(r.interval)
	d.Key = d.Key.Mix("repeat:" + strconv.FormatInt(int64(r.interval), 10) + ":" + strconv.FormatInt(n, 10))
	return d, nil
}
