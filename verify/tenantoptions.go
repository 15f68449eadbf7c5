package verify

import "time"

// Defaults of a TenantAuth.
//
// A verifier is kept DefaultTenantTTL after its secrets were read, so a
// rotated or revoked secret takes effect within that long (or at once,
// with TenantAuth.Forget). An unknown tenant is remembered for
// DefaultUnknownTenantTTL, so a sender still configured for a deleted
// tenant, or a prober repeating one name, costs one lookup per that long,
// while a tenant created meanwhile waits at most that long.
const (
	DefaultTenantCacheSize  = 10_000
	DefaultTenantTTL        = 5 * time.Minute
	DefaultUnknownTenantTTL = 30 * time.Second
	DefaultLookupTimeout    = 5 * time.Second
)

// MaxTenantLen bounds a tenant's name in bytes. A longer name is unknown
// without a lookup.
const MaxTenantLen = 256

// TenantOption configures a TenantAuth.
type TenantOption func(*tenantOptions)

type tenantOptions struct {
	size, unknownSize int
	ttl, unknownTTL   time.Duration
	lookupTimeout     time.Duration
	now               func() time.Time
}

// WithTenantCache sets how many tenants' verifiers are kept (the least
// recently used is dropped first) and for how long after their secrets were
// read. Default DefaultTenantCacheSize and DefaultTenantTTL. Size it above
// the number of tenants that send in one ttl, or busy tenants' secrets are
// read again and again.
func WithTenantCache(size int, ttl time.Duration) TenantOption {
	return func(o *tenantOptions) { o.size, o.ttl = size, ttl }
}

// WithUnknownTenantCache sets how many unknown tenants are remembered, and
// for how long. They are kept apart from the known ones, so a flood of
// made-up names cannot push real tenants out of the cache. Default
// DefaultTenantCacheSize and DefaultUnknownTenantTTL.
func WithUnknownTenantCache(size int, ttl time.Duration) TenantOption {
	return func(o *tenantOptions) { o.unknownSize, o.unknownTTL = size, ttl }
}

// WithLookupTimeout bounds each call of the SecretSource. The lookup runs on
// after the request that started it is cancelled (other requests for the
// tenant may be waiting for it), so this is its only bound. Default
// DefaultLookupTimeout.
func WithLookupTimeout(d time.Duration) TenantOption {
	return func(o *tenantOptions) { o.lookupTimeout = d }
}

// WithTenantClock sets the clock the cache's ttls are measured by. Default
// time.Now.
func WithTenantClock(now func() time.Time) TenantOption {
	return func(o *tenantOptions) { o.now = now }
}
