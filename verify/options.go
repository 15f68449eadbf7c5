package verify

import (
	"time"
)

// Default freshness tolerance: how far a sender's timestamp may lie behind
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

// DefaultMaxHeaderLen bounds the signature header a verifier will parse.
// Real signature headers are under 200 bytes (a Stripe header with a few
// v1 entries); 4 KiB leaves room for many rotated secrets while keeping
// hostile headers from costing parse time.
const DefaultMaxHeaderLen = 4096

// Option configures a verifier. Options not relevant to a verifier (a
// timestamp tolerance on a sender that sends no timestamp) have no effect.
type Option func(*options)

type options struct {
	maxAge, maxSkew time.Duration
	now             func() time.Time
	maxHeaderLen    int
	provider        string
	freshnessOff    bool
}

func defaultOptions() options {
	return options{
		maxAge:       DefaultMaxAge,
		maxSkew:      DefaultMaxSkew,
		now:          time.Now,
		maxHeaderLen: DefaultMaxHeaderLen,
	}
}

func applyOptions(opts []Option) (options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.maxAge <= 0 || o.maxSkew < 0 {
		return o, errorf(ErrInvalidConfig, "tolerance must be positive in the past and not negative in the future (got %s, %s); use WithoutFreshness to turn the check off", o.maxAge, o.maxSkew)
	}
	if o.maxHeaderLen <= 0 {
		return o, errorf(ErrInvalidConfig, "maximum header length must be positive (got %d)", o.maxHeaderLen)
	}
	if o.now == nil {
		return o, errorf(ErrInvalidConfig, "clock is nil")
	}
	if o.provider != "" {
		if err := checkProvider(o.provider); err != nil {
			return o, err
		}
	}
	return o, nil
}

// optionsFor applies opts for a verifier named provider, which WithProvider
// renames, and checks the name the verifier ends up with.
func optionsFor(provider string, opts []Option) (options, string, error) {
	o, err := applyOptions(opts)
	if err != nil {
		return o, "", err
	}
	if o.provider != "" {
		provider = o.provider
	}
	if err := checkProvider(provider); err != nil {
		return o, "", err
	}
	return o, provider, nil
}

// WithTolerance sets how far a sender's timestamp may lie in the past
// (maxAge) and in the future (maxSkew). Defaults: DefaultMaxAge and
// DefaultMaxSkew.
func WithTolerance(maxAge, maxSkew time.Duration) Option {
	return func(o *options) { o.maxAge, o.maxSkew = maxAge, maxSkew }
}

// WithClock sets the clock freshness and token expiry are judged by.
// Tests inject a fixed or stepping clock; the default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithMaxHeaderLen bounds the length of the signature or credential header
// a verifier parses; longer values fail with ErrMalformedSignature (or
// ErrUnauthorized) before any parsing. Default DefaultMaxHeaderLen.
func WithMaxHeaderLen(n int) Option {
	return func(o *options) { o.maxHeaderLen = n }
}

// WithProvider overrides the provider name a verifier reports in
// Delivery.Provider and mixes into Delivery.Key (for example to tell two
// Checkly accounts apart).
func WithProvider(name string) Option {
	return func(o *options) { o.provider = name }
}

// WithoutFreshness turns the timestamp window off: timestamps are still
// parsed and reported, but never cause ErrTooOld or ErrTooNew. Deduplication
// remains the only replay defence, so use it only where a sender's clock is
// known to be wrong.
func WithoutFreshness() Option {
	return func(o *options) { o.freshnessOff = true }
}

// checkFreshness judges ts against the window. A zero ts (no timestamp) is
// not judged: whether a timestamp is required is the scheme's decision.
func (o *options) checkFreshness(ts time.Time) error {
	if ts.IsZero() || o.freshnessOff {
		return nil
	}
	now := o.now()
	if age := now.Sub(ts); age > o.maxAge {
		return errorf(ErrTooOld, "sent %s before the receiver's clock, tolerance %s", age.Round(time.Second), o.maxAge)
	} else if -age > o.maxSkew {
		return errorf(ErrTooNew, "sent %s after the receiver's clock, tolerance %s", (-age).Round(time.Second), o.maxSkew)
	}
	return nil
}
