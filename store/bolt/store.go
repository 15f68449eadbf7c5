package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hookseal/hookseal/store"
)

// stx is the store's buckets in one transaction, and the moment the
// operation happens.
type stx struct {
	cfg *config
	now time.Time

	deliveries, held, done, order, orderExp, cnt *bolt.Bucket
}

func (d *DB) stx(tx *bolt.Tx) *stx {
	return &stx{
		cfg: &d.cfg, now: d.cfg.clock(),
		deliveries: tx.Bucket(bDeliveries), held: tx.Bucket(bHeld), done: tx.Bucket(bDone),
		order: tx.Bucket(bOrder), orderExp: tx.Bucket(bOrderExp), cnt: tx.Bucket(bStoreStats),
	}
}

// Counters in store.counts.
var (
	cDeliveries       = []byte("deliveries") // claimed and committed
	cCommitted        = []byte("committed")
	cResources        = []byte("resources")
	cExpired          = []byte("expired")
	cEvicted          = []byte("evicted")
	cEvictedInFlight  = []byte("evicted-in-flight")
	cEvictedResources = []byte("evicted-resources")
)

// Keys of store.deliveries and store.order: a byte, then the delivery key
// or resource, so that "" (which bolt refuses as a key) is one too.
func deliveryKey(key string) []byte   { return append([]byte{'k'}, key...) }
func orderKey(resource string) []byte { return append([]byte{'r'}, resource...) }

// delivery is a record of store.deliveries: claimed until exp, or
// committed until exp, with the claim's token, which is also its fence.
type delivery struct {
	done  bool
	token uint64
	exp   time.Time
}

func (v delivery) encode() []byte {
	b := appendBool(make([]byte, 0, 1+8+timeLen), v.done)
	b = binary.BigEndian.AppendUint64(b, v.token)
	return appendTime(b, v.exp)
}

func decodeDelivery(b []byte) (delivery, bool) {
	if len(b) != 1+8+timeLen {
		return delivery{}, false
	}
	return delivery{done: b[0] == 1, token: binary.BigEndian.Uint64(b[1:]), exp: readTime(b[9:])}, true
}

// expIndex is the index a delivery's expiry is kept in.
func (x *stx) expIndex(v delivery) *bolt.Bucket {
	if v.done {
		return x.done
	}
	return x.held
}

func (x *stx) get(k []byte) (delivery, bool) {
	b := x.deliveries.Get(k)
	if b == nil {
		return delivery{}, false
	}
	return decodeDelivery(b)
}

// put stores a delivery and its expiry record; unindex must have removed
// the previous one's.
func (x *stx) put(k []byte, v delivery) error {
	if err := x.deliveries.Put(k, v.encode()); err != nil {
		return err
	}
	if v.done {
		if err := addCounter(x.cnt, cCommitted, 1); err != nil {
			return err
		}
	}
	return x.expIndex(v).Put(timeKey(v.exp, k), nil)
}

// unindex removes a delivery's expiry record, before its record changes.
func (x *stx) unindex(k []byte, v delivery) error {
	if v.done {
		if err := addCounter(x.cnt, cCommitted, -1); err != nil {
			return err
		}
	}
	return x.expIndex(v).Delete(timeKey(v.exp, k))
}

// drop removes a delivery entirely, counting why.
func (x *stx) drop(k []byte, v delivery, why []byte) error {
	if err := x.unindex(k, v); err != nil {
		return err
	}
	if err := x.deliveries.Delete(k); err != nil {
		return err
	}
	if why != nil {
		if err := addCounter(x.cnt, why, 1); err != nil {
			return err
		}
	}
	return addCounter(x.cnt, cDeliveries, -1)
}

// first returns a copy of the first key of an expiry index and whether
// its time has come.
func (x *stx) first(b *bolt.Bucket) ([]byte, bool) {
	k, _ := b.Cursor().First()
	if k == nil {
		return nil, false
	}
	return bytes.Clone(k), !readTime(k).After(x.now)
}

// dropFirst drops the delivery whose expiry record in index b is k.
func (x *stx) dropFirst(b *bolt.Bucket, k []byte, why []byte) error {
	dk := k[timeLen:]
	if v, ok := x.get(dk); ok && x.expIndex(v) == b && bytes.Equal(timeKey(v.exp, dk), k) {
		return x.drop(dk, v, why)
	}
	return b.Delete(k) // a stray record: nothing refers to it
}

// sweep removes up to sweepBudget deliveries and resources whose lease,
// window or ttl ran out, from the fronts of the three expiry indexes.
func (x *stx) sweep() error {
	for range sweepBudget {
		if k, due := x.first(x.held); due {
			if err := x.dropFirst(x.held, k, cExpired); err != nil {
				return err
			}
			continue
		}
		if k, due := x.first(x.done); due {
			if err := x.dropFirst(x.done, k, cExpired); err != nil {
				return err
			}
			continue
		}
		if k, due := x.first(x.orderExp); due {
			if err := x.dropResource(k, cExpired); err != nil {
				return err
			}
			continue
		}
		return nil
	}
	return nil
}

// evictKey makes room for one delivery, in store.Memory's order: an
// expired claim, then the commit nearest the end of its window, then the
// claim nearest the end of its lease.
func (x *stx) evictKey() error {
	if k, due := x.first(x.held); due {
		return x.dropFirst(x.held, k, cExpired)
	}
	if k, due := x.first(x.done); k != nil {
		why := cEvicted
		if due {
			why = cExpired
		}
		return x.dropFirst(x.done, k, why)
	}
	if k, _ := x.first(x.held); k != nil {
		return x.dropFirst(x.held, k, cEvictedInFlight)
	}
	return nil
}

func (x *stx) dropResource(k []byte, why []byte) error {
	if err := x.orderExp.Delete(k); err != nil {
		return err
	}
	rk := k[timeLen:]
	if v := x.order.Get(rk); len(v) == 2*timeLen && bytes.Equal(v[timeLen:], k[:timeLen]) {
		if err := x.order.Delete(rk); err != nil {
			return err
		}
		if err := addCounter(x.cnt, cResources, -1); err != nil {
			return err
		}
	}
	return addCounter(x.cnt, why, 1)
}

// storeOp runs fn in a write transaction and sweeps, unless ctx is done
// by the time it runs. Claim and Advance sweep first, so a new key finds
// the room expired ones leave; the others sweep after, as they may act on
// a claim whose lease ran out and that nobody took over (see Renew). Both
// are store.Memory's order.
func (d *DB) storeOp(ctx context.Context, sweepFirst bool, fn func(x *stx) error) error {
	var opErr error
	err := d.update(ctx, func(tx *bolt.Tx) error {
		if opErr = ctx.Err(); opErr != nil {
			return nil
		}
		x := d.stx(tx)
		if sweepFirst {
			if err := x.sweep(); err != nil {
				return err
			}
			return fn(x)
		}
		if err := fn(x); err != nil {
			return err
		}
		return x.sweep()
	})
	if err != nil {
		return err
	}
	return opErr
}

func checkKey(op, what, key string) error {
	if len(key) > maxKeyLen {
		return fmt.Errorf("boltstore: %s: the %s is %d bytes, more than %d", op, what, len(key), maxKeyLen)
	}
	return nil
}

// Claim implements store.Store. Tokens and fences come from one counter
// kept in the file, so they grow across restarts.
func (s *Store) Claim(ctx context.Context, key string, lease time.Duration) (store.Claim, error) {
	d := s.d
	if err := ctx.Err(); err != nil {
		return store.Claim{}, err
	}
	if lease <= 0 {
		return store.Claim{}, fmt.Errorf("%w: Claim lease %v", store.ErrInvalidDuration, lease)
	}
	if err := checkKey("Claim", "key", key); err != nil {
		return store.Claim{}, err
	}
	var out store.Claim
	err := d.storeOp(ctx, true, func(x *stx) error { return x.claim(key, lease, &out) })
	if err != nil {
		return store.Claim{}, err
	}
	return out, nil
}

// claim is Claim's transaction; out is its result.
func (x *stx) claim(key string, lease time.Duration, out *store.Claim) error {
	*out = store.Claim{Key: key}
	k := deliveryKey(key)
	v, found := x.get(k)
	switch {
	case found && x.now.Before(v.exp) && v.done:
		out.State = store.Done
		return nil
	case found && x.now.Before(v.exp):
		out.State = store.InFlight
		return nil
	case found: // its lease or window ran out: the key is free
		if err := x.unindex(k, v); err != nil {
			return err
		}
		if err := addCounter(x.cnt, cExpired, 1); err != nil {
			return err
		}
	default:
		if counter(x.cnt, cDeliveries) >= uint64(x.cfg.maxKeys) {
			if err := x.evictKey(); err != nil {
				return err
			}
		}
		if err := addCounter(x.cnt, cDeliveries, 1); err != nil {
			return err
		}
	}
	tok, err := x.deliveries.NextSequence()
	if err != nil {
		return err
	}
	if err := x.put(k, delivery{token: tok, exp: x.now.Add(lease)}); err != nil {
		return err
	}
	out.State, out.Token, out.Fence = store.Claimed, strconv.FormatUint(tok, 10), tok
	return nil
}

// parseToken reverses the formatting in Claim. Anything else, including
// the empty token of an InFlight or Done result and non-canonical forms
// such as "01", is no token of ours.
func parseToken(s string) (uint64, bool) {
	if s == "" || s[0] == '0' {
		return 0, false
	}
	u, err := strconv.ParseUint(s, 10, 64)
	return u, err == nil && u != 0
}

// withClaim runs fn on c's delivery when c still holds it (its token, not
// committed, whether or not its lease ran out); otherwise it returns
// store.ErrClaimLost, changing nothing but the sweep.
func (d *DB) withClaim(ctx context.Context, c store.Claim, fn func(x *stx, k []byte, v delivery) error) error {
	tok, ok := parseToken(c.Token)
	lost := false
	err := d.storeOp(ctx, false, func(x *stx) error {
		k := deliveryKey(c.Key)
		v, found := x.get(k)
		lost = !ok || !found || v.done || v.token != tok
		if lost {
			return nil
		}
		return fn(x, k, v)
	})
	if err == nil && lost {
		return store.ErrClaimLost
	}
	return err
}

// ClaimAndAdvance implements store.ClaimAdvancer: Claim and, when
// claimed, Advance, in one transaction, so an ordered delivery costs one
// write (and one fsync) before its handler runs instead of two.
func (s *Store) ClaimAndAdvance(ctx context.Context, key string, lease time.Duration, resource string, at time.Time, ttl time.Duration) (store.Claim, bool, error) {
	d := s.d
	if err := ctx.Err(); err != nil {
		return store.Claim{}, false, err
	}
	if lease <= 0 || ttl <= 0 {
		return store.Claim{}, false, fmt.Errorf("%w: ClaimAndAdvance lease %v, ttl %v", store.ErrInvalidDuration, lease, ttl)
	}
	if err := errors.Join(checkKey("ClaimAndAdvance", "key", key), checkKey("ClaimAndAdvance", "resource", resource)); err != nil {
		return store.Claim{}, false, err
	}
	newest := appendTime(nil, at)
	var out store.Claim
	var advanced bool
	err := d.storeOp(ctx, true, func(x *stx) error {
		advanced = false
		if err := x.claim(key, lease, &out); err != nil || out.State != store.Claimed {
			return err
		}
		return x.advance(resource, newest, ttl, &advanced)
	})
	if err != nil {
		return store.Claim{}, false, err
	}
	return out, advanced, nil
}

// Renew implements store.Store. Like Commit and Release, it succeeds on a
// claim whose lease ran out as long as nobody took the key over and the
// sweep has not removed the claim yet.
func (s *Store) Renew(ctx context.Context, c store.Claim, lease time.Duration) error {
	d := s.d
	if err := ctx.Err(); err != nil {
		return err
	}
	if lease <= 0 {
		return fmt.Errorf("%w: Renew lease %v", store.ErrInvalidDuration, lease)
	}
	return d.withClaim(ctx, c, func(x *stx, k []byte, v delivery) error {
		if err := x.unindex(k, v); err != nil {
			return err
		}
		v.exp = x.now.Add(lease)
		return x.put(k, v)
	})
}

// Commit implements store.Store. A claim is consumed by its Commit: a
// second Commit or a Release with it returns store.ErrClaimLost.
func (s *Store) Commit(ctx context.Context, c store.Claim, window time.Duration) error {
	d := s.d
	if err := ctx.Err(); err != nil {
		return err
	}
	if window <= 0 {
		return fmt.Errorf("%w: Commit window %v", store.ErrInvalidDuration, window)
	}
	return d.withClaim(ctx, c, func(x *stx, k []byte, v delivery) error {
		if err := x.unindex(k, v); err != nil {
			return err
		}
		v.done, v.exp = true, x.now.Add(window)
		return x.put(k, v)
	})
}

// Release implements store.Store.
func (s *Store) Release(ctx context.Context, c store.Claim) error {
	d := s.d
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.withClaim(ctx, c, func(x *stx, k []byte, v delivery) error {
		return x.drop(k, v, nil)
	})
}

// Advance implements store.Store. Times are compared to the nanosecond,
// whatever their location and monotonic reading.
func (s *Store) Advance(ctx context.Context, resource string, at time.Time, ttl time.Duration) (bool, error) {
	d := s.d
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, fmt.Errorf("%w: Advance ttl %v", store.ErrInvalidDuration, ttl)
	}
	if err := checkKey("Advance", "resource", resource); err != nil {
		return false, err
	}
	newest := appendTime(nil, at)
	var advanced bool
	err := d.storeOp(ctx, true, func(x *stx) error { return x.advance(resource, newest, ttl, &advanced) })
	return advanced, err
}

// advance is Advance's transaction; newest is the event's time, encoded;
// advanced is its result.
func (x *stx) advance(resource string, newest []byte, ttl time.Duration, advanced *bool) error {
	*advanced = false
	rk := orderKey(resource)
	v := x.order.Get(rk) // the newest time, then the ttl's end
	switch {
	case len(v) == 2*timeLen && x.now.Before(readTime(v[timeLen:])):
		if bytes.Compare(newest, v[:timeLen]) < 0 {
			return nil // older: refused, nothing recorded
		}
		if err := x.orderExp.Delete(timeKey(readTime(v[timeLen:]), rk)); err != nil {
			return err
		}
	case len(v) == 2*timeLen: // the ttl ran out: anything goes
		if err := x.orderExp.Delete(timeKey(readTime(v[timeLen:]), rk)); err != nil {
			return err
		}
		if err := addCounter(x.cnt, cExpired, 1); err != nil {
			return err
		}
	default:
		if counter(x.cnt, cResources) >= uint64(x.cfg.maxResources) {
			if k, due := x.first(x.orderExp); k != nil {
				why := cEvictedResources
				if due {
					why = cExpired
				}
				if err := x.dropResource(k, why); err != nil {
					return err
				}
			}
		}
		if err := addCounter(x.cnt, cResources, 1); err != nil {
			return err
		}
	}
	exp := x.now.Add(ttl)
	if err := x.order.Put(rk, appendTime(bytes.Clone(newest), exp)); err != nil {
		return err
	}
	*advanced = true
	return x.orderExp.Put(timeKey(exp, rk), nil)
}

// StoreStats describes a Store, like store.MemoryStats a store.Memory.
type StoreStats struct {
	InFlight  int // claimed deliveries held, including expired ones not yet swept
	Done      int // committed deliveries remembered, likewise
	Resources int // resources with ordering state, likewise

	// Expired counts entries removed or reused after their lease, window
	// or ttl ran out: normal turnover, no guarantee lost.
	Expired uint64
	// Evicted counts committed deliveries dropped before the end of
	// their window because the store was full (WithMaxDeliveries): a copy
	// of each arriving later is processed again.
	Evicted uint64
	// EvictedInFlight counts claims dropped before the end of their
	// lease because the store was full of live claims.
	EvictedInFlight uint64
	// EvictedResources counts ordering states dropped before their ttl
	// because the store was full (WithMaxResources).
	EvictedResources uint64
}

// Stats returns the store's size and its counters since the file was
// created, from a read-only transaction.
func (s *Store) Stats(ctx context.Context) (StoreStats, error) {
	d := s.d
	if err := ctx.Err(); err != nil {
		return StoreStats{}, err
	}
	var st StoreStats
	err := d.view(func(tx *bolt.Tx) error {
		x := d.stx(tx)
		st = StoreStats{
			Done:             int(counter(x.cnt, cCommitted)),
			Resources:        int(counter(x.cnt, cResources)),
			Expired:          counter(x.cnt, cExpired),
			Evicted:          counter(x.cnt, cEvicted),
			EvictedInFlight:  counter(x.cnt, cEvictedInFlight),
			EvictedResources: counter(x.cnt, cEvictedResources),
		}
		st.InFlight = int(counter(x.cnt, cDeliveries)) - st.Done
		return nil
	})
	return st, err
}

var _ store.ClaimAdvancer = (*Store)(nil)
