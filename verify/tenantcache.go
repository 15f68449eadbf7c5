package verify

import (
	"context"
	"errors"
	"time"
)

// This file holds TenantAuth's cache: which tenants' verifiers are kept,
// which tenants are known to be unknown, and the lookups in progress, all
// under TenantAuth.mu.

// lookup is one call of the source in progress. Deliveries for the same
// tenant that arrive meanwhile wait for it instead of calling the source
// again.
type lookup struct {
	done      chan struct{} // closed when entry and err are set
	entry     *tenantEntry
	err       error
	forgotten bool // Forget ran meanwhile: the result is not cached
}

// verifier returns the tenant's verifier: cached, or looked up once for
// every delivery that waits for it.
func (a *TenantAuth) verifier(ctx context.Context, tenant string) (*tenantEntry, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	now := a.o.now()
	a.mu.Lock()
	if e, ok := a.known.get(tenant, now); ok {
		a.mu.Unlock()
		return e, nil
	}
	if err, ok := a.unknown.get(tenant, now); ok {
		a.mu.Unlock()
		return nil, err
	}
	l, waiting := a.calls[tenant]
	if !waiting {
		l = &lookup{done: make(chan struct{})}
		a.calls[tenant] = l
	}
	prev, _ := a.known.peek(tenant) // expired, but reused if its secrets are unchanged
	a.mu.Unlock()

	if waiting {
		select {
		case <-l.done:
			return l.entry, l.err
		case <-ctx.Done():
			return nil, errorf(ErrSecretsUnavailable, "waiting for the secrets of tenant %q: %w", tenant, context.Cause(ctx))
		}
	}
	a.run(ctx, tenant, prev, l)
	return l.entry, l.err
}

// run performs the lookup l on the caller's goroutine and publishes its
// result: to the cache (a verifier, or an unknown tenant; a failure is not
// cached) and to the deliveries waiting for it. A panic in the source or
// the build function is a failed lookup, so no waiter is left hanging.
func (a *TenantAuth) run(ctx context.Context, tenant string, prev *tenantEntry, l *lookup) {
	defer func() {
		if v := recover(); v != nil {
			l.entry, l.err = nil, errorf(ErrSecretsUnavailable, "looking up the secrets of tenant %q panicked: %v", tenant, v)
		}
		now := a.o.now()
		a.mu.Lock()
		if !l.forgotten {
			delete(a.calls, tenant)
			switch {
			case l.err == nil:
				a.known.put(tenant, l.entry, now.Add(a.o.ttl))
			case errors.Is(l.err, ErrUnknownTenant) && !errors.Is(l.err, ErrSecretsUnavailable):
				a.unknown.put(tenant, l.err, now.Add(a.o.unknownTTL))
			}
		}
		a.mu.Unlock()
		close(l.done)
	}()
	l.entry, l.err = a.load(ctx, tenant, prev)
}

// lru is a map with a bound: past it, the least recently used entry goes.
// Entries expire at their own time. Not safe for concurrent use.
type lru[V any] struct {
	max  int
	m    map[string]*lruNode[V]
	root lruNode[V] // root.next is the most recently used, root.prev the least
}

type lruNode[V any] struct {
	key        string
	val        V
	expires    time.Time
	prev, next *lruNode[V]
}

func newLRU[V any](max int) lru[V] {
	return lru[V]{max: max, m: map[string]*lruNode[V]{}}
}

func (c *lru[V]) init() {
	if c.root.next == nil {
		c.root.next, c.root.prev = &c.root, &c.root
	}
}

// get returns key's value unless it is missing or expired at now. An
// expired entry stays (see peek) until put replaces it or it is the least
// recently used.
func (c *lru[V]) get(key string, now time.Time) (V, bool) {
	var zero V
	n, ok := c.m[key]
	if !ok || !now.Before(n.expires) {
		return zero, false
	}
	c.unlink(n)
	c.pushFront(n)
	return n.val, true
}

// peek returns key's value, expired or not, without marking it used.
func (c *lru[V]) peek(key string) (V, bool) {
	if n, ok := c.m[key]; ok {
		return n.val, true
	}
	var zero V
	return zero, false
}

// put sets key's value until expires, dropping the least recently used
// entry when the cache is full.
func (c *lru[V]) put(key string, v V, expires time.Time) {
	c.init()
	if n, ok := c.m[key]; ok {
		n.val, n.expires = v, expires
		c.unlink(n)
		c.pushFront(n)
		return
	}
	if len(c.m) >= c.max {
		old := c.root.prev
		c.unlink(old)
		delete(c.m, old.key)
	}
	n := &lruNode[V]{key: key, val: v, expires: expires}
	c.m[key] = n
	c.pushFront(n)
}

func (c *lru[V]) remove(key string) {
	if n, ok := c.m[key]; ok {
		c.unlink(n)
		delete(c.m, key)
	}
}

func (c *lru[V]) unlink(n *lruNode[V]) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
}

func (c *lru[V]) pushFront(n *lruNode[V]) {
	c.init()
	n.prev, n.next = &c.root, c.root.next
	c.root.next.prev = n
	c.root.next = n
}
