package verify

// DefaultMaxHeaderLen bounds the signature or credential header a verifier
// will parse. Real signature headers are under 200 bytes (a Stripe header
// with a few v1 entries); 4 KiB leaves room for many rotated secrets while
// keeping hostile headers from costing parse time.
const DefaultMaxHeaderLen = 4096

// Option configures a verifier.
type Option func(*options)

type options struct {
	maxHeaderLen int
}

func applyOptions(opts []Option) (options, error) {
	o := options{maxHeaderLen: DefaultMaxHeaderLen}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.maxHeaderLen <= 0 {
		return o, errorf(ErrInvalidConfig, "maximum header length must be positive (got %d)", o.maxHeaderLen)
	}
	return o, nil
}

// WithMaxHeaderLen bounds the length of the signature or credential header
// a verifier parses; longer values fail with ErrMalformedSignature (or
// ErrUnauthorized) before any parsing. Default DefaultMaxHeaderLen.
func WithMaxHeaderLen(n int) Option {
	return func(o *options) { o.maxHeaderLen = n }
}
