package verify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Secrets per tenant. One route serves many tenants ("/hooks/{tenant}/checkly"),
// each with secrets of its own kept in a store the operator controls. A
// TenantAuth looks a tenant's secrets up when a delivery for it arrives,
// builds that tenant's verifier from them, and keeps the verifier in a
// bounded cache for a while.

// SecretSource looks up the secrets of one tenant, from something the
// operator controls: a database table, a secrets manager, a file per
// tenant.
//
// Secrets returns the tenant's active secrets (several during a rotation),
// or an error wrapping ErrUnknownTenant when it has no such tenant (a nil or
// empty slice with a nil error means the same). Any other error means the
// lookup failed: the delivery is answered 503 and the sender retries. ctx
// carries the lookup's deadline (WithLookupTimeout). The tenant is passed as
// the route found it: normalise it here if tenants' names have several
// spellings. Errors must not carry secrets.
//
// It is called at most once at a time per tenant (unless TenantAuth.Forget
// drops a lookup in progress), and for different tenants concurrently.
type SecretSource interface {
	Secrets(ctx context.Context, tenant string) ([]Secret, error)
}

// SecretSourceFunc is a function that is a SecretSource.
type SecretSourceFunc func(ctx context.Context, tenant string) ([]Secret, error)

// Secrets implements SecretSource.
func (f SecretSourceFunc) Secrets(ctx context.Context, tenant string) ([]Secret, error) {
	return f(ctx, tenant)
}

// TenantVerifier authenticates a delivery to one tenant: like a Verifier,
// with the tenant the delivery was sent to and the request's context (for
// the lookup of the tenant's secrets). The middleware calls it on a route
// with middleware.WithTenant. *TenantAuth implements it.
type TenantVerifier interface {
	VerifyTenant(ctx context.Context, tenant string, h http.Header, body []byte) (Delivery, error)
}

// TenantAuth verifies deliveries with the secrets of the tenant each is sent
// to, looked up from a SecretSource. Build one with PerTenant; it is safe
// for concurrent use.
//
// A tenant's verifier is built (by the function given to PerTenant) from
// its secrets the first time a delivery for it arrives, and kept in a
// bounded LRU cache for a ttl, so a thousand deliveries for one tenant make
// one lookup, and a rotation in the source is picked up within the ttl.
// Concurrent deliveries for a tenant that is not cached wait for one
// lookup. A tenant the source does not know is remembered too, in a cache
// of its own, for a shorter ttl.
//
// Failure modes: the source failing (or not answering within the lookup
// timeout) is ErrSecretsUnavailable, answered 503 by the middleware, and is
// not cached, so deliveries get through again as soon as the source is
// back; an unknown tenant is ErrUnknownTenant, answered 401. A made-up
// tenant name that was never looked up costs one lookup: keep the source's
// answer for unknown names cheap (an indexed query), and constrain names in
// the route's pattern or a rate limit in front when that matters.
//
// Every Delivery it returns is kept apart per tenant: Scope is a one-way
// fingerprint of the tenant and the credential that matched, and Key is
// mixed with the tenant, so two tenants that share a secret (or whose
// senders send byte-identical bodies) never share dedupe or ordering state.
type TenantAuth struct {
	build func(secrets []Secret) (Verifier, error)
	src   SecretSource
	o     tenantOptions

	mu      sync.Mutex
	known   lru[*tenantEntry]
	unknown lru[error]
	calls   map[string]*lookup // lookups in progress, by tenant
}

// PerTenant returns a TenantAuth that verifies each tenant's deliveries with
// the verifier build makes from the tenant's secrets in src: for Checkly,
//
//	func(s []verify.Secret) (verify.Verifier, error) { return verify.Checkly(s) }
//
// build runs once per lookup; an error from it (a blank secret in the
// source, say) makes the tenant unknown until it is looked up again, and is
// reported in the delivery's error, so it must not carry secrets (the
// package's constructors' errors do not). It fails when build or src is
// nil, or an option is out of range (errors wrap ErrInvalidConfig).
func PerTenant(build func(secrets []Secret) (Verifier, error), src SecretSource, opts ...TenantOption) (*TenantAuth, error) {
	if build == nil {
		return nil, errorf(ErrInvalidConfig, "PerTenant: the build function is nil")
	}
	if src == nil {
		return nil, errorf(ErrInvalidConfig, "PerTenant: the secret source is nil")
	}
	o := tenantOptions{
		size: DefaultTenantCacheSize, ttl: DefaultTenantTTL,
		unknownSize: DefaultTenantCacheSize, unknownTTL: DefaultUnknownTenantTTL,
		lookupTimeout: DefaultLookupTimeout, now: time.Now,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	var errs []error
	if o.size <= 0 || o.ttl <= 0 {
		errs = append(errs, errorf(ErrInvalidConfig, "WithTenantCache: size and ttl must be positive (got %d, %s)", o.size, o.ttl))
	}
	if o.unknownSize <= 0 || o.unknownTTL <= 0 {
		errs = append(errs, errorf(ErrInvalidConfig, "WithUnknownTenantCache: size and ttl must be positive (got %d, %s)", o.unknownSize, o.unknownTTL))
	}
	if o.lookupTimeout <= 0 {
		errs = append(errs, errorf(ErrInvalidConfig, "WithLookupTimeout: must be positive (got %s)", o.lookupTimeout))
	}
	if o.now == nil {
		errs = append(errs, errorf(ErrInvalidConfig, "WithTenantClock: clock is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &TenantAuth{
		build: build, src: src, o: o,
		known:   newLRU[*tenantEntry](o.size),
		unknown: newLRU[error](o.unknownSize),
		calls:   map[string]*lookup{},
	}, nil
}

// VerifyTenant implements TenantVerifier: it finds the tenant's verifier (in
// the cache, or by a lookup in the source) and verifies the delivery with
// it. The error wraps ErrUnknownTenant, ErrSecretsUnavailable, or the
// sentinel of the tenant's verifier (ErrInvalidSignature, ...).
func (a *TenantAuth) VerifyTenant(ctx context.Context, tenant string, h http.Header, body []byte) (Delivery, error) {
	e, err := a.verifier(ctx, tenant)
	if err != nil {
		return Delivery{}, err
	}
	d, err := e.v.Verify(h, body)
	if err != nil {
		return Delivery{Provider: d.Provider}, err
	}
	return e.seal(d), nil
}

// Verify implements Verifier, so that a TenantAuth can be given where a
// Verifier is expected (middleware.NewRoute, an adapter's Handler). It
// cannot know the tenant, so it refuses every delivery with
// ErrUnknownTenant: serve it with middleware.WithTenant, which calls
// VerifyTenant with the tenant the route's path names (and refuses to
// build a route without it).
func (a *TenantAuth) Verify(http.Header, []byte) (Delivery, error) {
	return Delivery{}, errorf(ErrUnknownTenant, "a TenantAuth needs the tenant: serve it with middleware.WithTenant, or call VerifyTenant")
}

// Forget drops what is cached about tenant (its verifier, or its being
// unknown), so the next delivery for it looks its secrets up again; a
// lookup in progress is not cached. Call it after changing a tenant's
// secrets in the source, to have a revoked secret refused now rather than
// within the ttl.
func (a *TenantAuth) Forget(tenant string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.known.remove(tenant)
	a.unknown.remove(tenant)
	if l, ok := a.calls[tenant]; ok {
		l.forgotten = true
		delete(a.calls, tenant)
	}
}

// checkTenant refuses a name no tenant can have, before any lookup. It
// never quotes a name it refuses.
func checkTenant(tenant string) error {
	switch {
	case tenant == "":
		return errorf(ErrUnknownTenant, "the request names no tenant")
	case len(tenant) > MaxTenantLen:
		return errorf(ErrUnknownTenant, "the tenant's name is %d bytes, limit %d", len(tenant), MaxTenantLen)
	case !utf8.ValidString(tenant):
		return errorf(ErrUnknownTenant, "the tenant's name is not UTF-8")
	}
	for i, r := range tenant {
		if unicode.IsControl(r) {
			return errorf(ErrUnknownTenant, "the tenant's name holds a control character at byte %d", i)
		}
	}
	return nil
}

// load looks the tenant's secrets up and builds its verifier; or, when the
// secrets are those prev (the tenant's expired entry, if any) was built
// from, keeps prev: a refresh that finds nothing changed rebuilds nothing
// (a verifier's first delivery derives its credentials' scopes with
// PBKDF2, which is worth doing once per secret, not once per ttl).
func (a *TenantAuth) load(ctx context.Context, tenant string, prev *tenantEntry) (*tenantEntry, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.o.lookupTimeout)
	defer cancel()
	secrets, err := a.src.Secrets(ctx, tenant)
	switch {
	case errors.Is(err, ErrUnknownTenant):
		return nil, fmt.Errorf("verify: tenant %q: %w", tenant, err)
	case err != nil:
		return nil, errorf(ErrSecretsUnavailable, "looking up the secrets of tenant %q: %w", tenant, err)
	case len(secrets) == 0:
		return nil, errorf(ErrUnknownTenant, "the secret source holds no secret for tenant %q", tenant)
	}
	sum := secretsDigest(secrets)
	if prev != nil && hmac.Equal(prev.secrets[:], sum[:]) {
		return prev, nil
	}
	v, err := a.build(secrets)
	if err == nil && v == nil {
		err = errorf(ErrInvalidConfig, "the build function returned neither a verifier nor an error")
	}
	if err != nil {
		return nil, errorf(ErrUnknownTenant, "the secrets of tenant %q make no verifier: %w", tenant, err)
	}
	return &tenantEntry{v: v, keyTag: tenantKeyTag + tenant, tenant: tenant, secrets: sum}, nil
}

// secretsDigest is a one-way summary of a tenant's secrets, IDs and order
// included, to tell whether they changed without keeping them.
func secretsDigest(secrets []Secret) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, s := range secrets {
		for _, part := range [...]string{s.ID, s.Value} {
			binary.BigEndian.PutUint64(n[:], uint64(len(part)))
			h.Write(n[:])
			h.Write([]byte(part))
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// Domains of the tenant's Scope and Key derivations.
const (
	tenantScopeDomain = "hookseal/tenant-scope/v1\x00"
	tenantKeyTag      = "hookseal/tenant-key/v1\x00"
)

// maxScopesPerTenant bounds the fingerprints a tenant's entry remembers: one
// per secret that matched, so a handful.
const maxScopesPerTenant = 64

// tenantEntry is one tenant's verifier, and the fingerprints its
// deliveries' Scopes are turned into.
type tenantEntry struct {
	v      Verifier
	tenant string
	keyTag string // tenantKeyTag + tenant, mixed into each Key
	// secrets is the digest of the secrets v was built from.
	secrets [sha256.Size]byte

	mu     sync.RWMutex
	scopes map[[2]string]string // {provider, verifier's scope} → tenant's scope
}

// seal keeps the delivery's state apart from other tenants': Scope becomes a
// fingerprint of the tenant and the credential, and Key is mixed with the
// tenant. A zero Key stays zero, so the middleware still refuses a custom
// verifier that returned none.
func (e *tenantEntry) seal(d Delivery) Delivery {
	d.Scope = e.scope(d.Provider, d.Scope)
	if !d.Key.IsZero() {
		d.Key = d.Key.Mix(e.keyTag)
	}
	return d
}

func (e *tenantEntry) scope(provider, inner string) string {
	k := [2]string{provider, inner}
	e.mu.RLock()
	s, ok := e.scopes[k]
	e.mu.RUnlock()
	if ok {
		return s
	}
	h := sha256.New()
	for _, part := range [...]string{tenantScopeDomain, provider, "\x00", e.tenant, "\x00", inner} {
		h.Write([]byte(part))
	}
	var sum [sha256.Size]byte
	s = hex.EncodeToString(h.Sum(sum[:0])[:scopeLen])
	e.mu.Lock()
	if e.scopes == nil {
		e.scopes = map[[2]string]string{}
	}
	if len(e.scopes) < maxScopesPerTenant {
		e.scopes[k] = s
	}
	e.mu.Unlock()
	return s
}
