package store

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Default bounds of a [Memory] store. An entry costs about 150 to 250 bytes
// (its key, the entry, its map and heap slots), so each table costs at most
// about 20 MB when full.
const (
	// DefaultMaxEntries bounds the deliveries a Memory remembers for
	// deduplication, in flight and done together.
	DefaultMaxEntries = 100_000
	// DefaultMaxResources bounds the resources a Memory keeps ordering
	// state for.
	DefaultMaxResources = 100_000
)

// sweepBudget is how many expired entries one operation removes on the side,
// besides the entry it works on. Every entry is removed at most once and
// every operation adds at most one, so a small budget keeps up; it only
// bounds the latency of an operation that follows a mass expiry.
const sweepBudget = 8

// Memory is a bounded in-process [Store], safe for concurrent use. It is the
// default store of a single process; replicas behind a load balancer need a
// shared store instead (see store/redis), or a retry that lands on another
// replica is processed twice.
//
// # Bounds
//
// Memory keeps two tables, bounded separately: deliveries (claims in flight
// and committed keys, [WithMaxEntries], default [DefaultMaxEntries]) and
// resources for ordering ([WithMaxResources], default
// [DefaultMaxResources]). Neither table ever holds more entries than its
// bound, whatever the traffic, so memory stays flat: about 150 bytes an
// entry with hookseal's 72-byte delivery keys, plus any longer key's extra
// length. Keys are copied, so a key sliced from a request body does not
// keep the body alive.
//
// # Expiry
//
// A lease, window or ttl of d that starts at t ends at t+d on the store's
// clock ([WithClock]): from that instant the entry is treated as absent
// whenever it is looked at. Expired entries are also removed without being
// looked at: every operation removes up to 8 of those that expired first in
// the shard it touches (each table is a min-heap on expiry, so finding them
// costs nothing when there are none). Memory starts no goroutine and needs
// no Close. Leases, windows and ttls must be positive; an operation given
// another returns an error.
//
// # Eviction
//
// When a table is full and a new key or resource arrives, one entry makes
// room, chosen in this order:
//
//  1. an expired entry (no information is lost);
//  2. the committed delivery nearest the end of its window (with one
//     window for every delivery, the oldest commit);
//  3. only when every entry is a live claim, the claim nearest the end of
//     its lease.
//
// Ordering state is evicted nearest-ttl first. Eviction weakens the
// guarantees, and [Memory.Stats] counts each case: an evicted committed key
// may let a duplicate through, an evicted claim lets a second copy be
// claimed while the first may still be running, and an evicted resource
// lets an older event through. Size the bounds for the deliveries one
// window sees (rate × window) and watch the counters.
//
// To keep locks short under concurrency, Memory splits both tables into
// shards by a hash of the key (up to 4×GOMAXPROCS, at most 64, and never
// fewer than 1024 entries of each bound per shard), each shard with an
// equal share of each bound. The eviction order above holds within the
// shard a new key falls into, and the bound is reached once that shard is
// full; hashing spreads keys evenly, so in practice this differs little
// from one global table. When the smaller bound is under 2048, Memory uses
// one shard and the order is exact.
//
// # Tokens
//
// Claim tokens are the decimal form of a counter unique to the store, so no
// two claims of one Memory share a token, and the counter is also the
// claim's Fence: it grows with every claim. They guard against mistakes (a
// slow handler whose lease ran out committing over the copy that took the
// key after it), not against an attacker: code that can call the store can
// do anything to it, so unguessable tokens would add nothing in-process.
//
// # Leases and contexts
//
// Renew, Commit and Release succeed after the claim's lease has run out as
// long as no other claim has taken the key and the expired claim has not
// yet been swept or evicted (the work was done, and recording it prevents a
// second run); otherwise they return [ErrClaimLost]. Every operation returns the
// context's error, changing nothing, when ctx is already done; an operation
// never blocks beyond a short lock, so the context is not consulted after
// that.
type Memory struct {
	clock  func() time.Time
	base   time.Time // clock() at construction; times are kept as offsets from it
	seed   maphash.Seed
	mask   uint64 // len(shards)-1; len(shards) is a power of two
	shards []shard
	tokens atomic.Uint64
}

var _ ClaimAdvancer = (*Memory)(nil)

// MemoryOption configures a [Memory].
type MemoryOption func(*memoryConfig)

type memoryConfig struct {
	maxEntries   int
	maxResources int
	clock        func() time.Time
}

// WithMaxEntries bounds the deliveries the store remembers, in flight and
// committed together. Default [DefaultMaxEntries]; n <= 0 selects the
// default.
func WithMaxEntries(n int) MemoryOption {
	return func(c *memoryConfig) { c.maxEntries = n }
}

// WithMaxResources bounds the resources the store keeps ordering state for.
// Default [DefaultMaxResources]; n <= 0 selects the default.
func WithMaxResources(n int) MemoryOption {
	return func(c *memoryConfig) { c.maxResources = n }
}

// WithClock sets the clock leases, windows and ttls are measured by. Tests
// inject a clock they step by hand. Default (and when now is nil):
// time.Now, whose monotonic reading makes expiry immune to wall-clock jumps.
// The store calls now while holding a lock: it must not call the store.
func WithClock(now func() time.Time) MemoryOption {
	return func(c *memoryConfig) { c.clock = now }
}

// NewMemory returns an empty Memory store. Without options it remembers up
// to [DefaultMaxEntries] deliveries and [DefaultMaxResources] resources and
// measures time with time.Now. Every option has a usable default for every
// value, so NewMemory cannot fail.
func NewMemory(opts ...MemoryOption) *Memory {
	c := memoryConfig{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.maxEntries <= 0 {
		c.maxEntries = DefaultMaxEntries
	}
	if c.maxResources <= 0 {
		c.maxResources = DefaultMaxResources
	}
	// Heap positions are int32: one shard never holds more than that.
	c.maxEntries = min(c.maxEntries, math.MaxInt32)
	c.maxResources = min(c.maxResources, math.MaxInt32)
	if c.clock == nil {
		c.clock = time.Now
	}

	n := shardCount(min(c.maxEntries, c.maxResources))
	m := &Memory{
		clock:  c.clock,
		base:   c.clock(),
		seed:   maphash.MakeSeed(),
		mask:   uint64(n - 1),
		shards: make([]shard, n),
	}
	for i := range m.shards {
		s := &m.shards[i]
		s.keys = make(map[string]*entry)
		s.res = make(map[string]*entry)
		s.maxKeys = share(c.maxEntries, n, i)
		s.maxRes = share(c.maxResources, n, i)
	}
	return m
}

// minShardSize keeps shards large enough that the per-shard eviction order
// stays close to the global one, and small bounds exact.
const minShardSize = 1024

// shardCount picks a power of two near 4×GOMAXPROCS (contention falls off
// quickly beyond that), at most 64, and small enough that every shard holds
// at least minShardSize entries of the smaller bound.
func shardCount(bound int) int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) && n < 64 && bound/(2*n) >= minShardSize {
		n *= 2
	}
	return n
}

// share is shard i's part of total split n ways; the parts sum to total.
func share(total, n, i int) int {
	s := total / n
	if i < total%n {
		s++
	}
	return s
}

// shard is one lock's worth of both tables.
type shard struct {
	mu sync.Mutex

	keys    map[string]*entry // deliveries
	held    expHeap           // claimed deliveries, by lease end
	done    expHeap           // committed deliveries, by window end
	maxKeys int

	res    map[string]*entry // ordering state
	resq   expHeap           // by ttl end
	maxRes int

	free []*entry // recycled entries, at most maxFree
	st   MemoryStats

	_ [64]byte // keep neighbouring shards' locks off one cache line
}

const maxFree = 64

// entry is one delivery or one resource. Times are nanoseconds since
// Memory.base on the store's clock.
type entry struct {
	key string
	exp int64 // when the lease, window or ttl runs out
	// val is the claim's token for a delivery, the Unix seconds of the
	// newest event time for a resource (nsec holds the nanoseconds).
	val  int64
	nsec int32
	idx  int32 // position in its heap
	done bool  // a delivery: committed (in done), or claimed (in held)
}

// Stats returns the store's current size and its expiry and eviction
// counters since it was created.
func (m *Memory) Stats() MemoryStats {
	var t MemoryStats
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		t.InFlight += len(s.held)
		t.Done += len(s.done)
		t.Resources += len(s.resq)
		t.Expired += s.st.Expired
		t.Evicted += s.st.Evicted
		t.EvictedInFlight += s.st.EvictedInFlight
		t.EvictedResources += s.st.EvictedResources
		s.mu.Unlock()
	}
	return t
}

// MemoryStats describes a [Memory] store. Sizes count entries whose time has
// run out but that have not been removed yet.
type MemoryStats struct {
	InFlight  int // claimed deliveries held
	Done      int // committed deliveries remembered
	Resources int // resources with ordering state

	// Expired counts entries removed or reused after their lease, window
	// or ttl ran out: normal turnover, no guarantee lost.
	Expired uint64
	// Evicted counts committed deliveries dropped before the end of their
	// window because the table was full. Each one weakens deduplication:
	// a copy of that delivery arriving later is processed again.
	Evicted uint64
	// EvictedInFlight counts claims dropped before the end of their lease
	// because the table was full of live claims. Each one lets a second
	// copy be claimed while the first may still be in its handler, and
	// makes the first claim's Commit fail with ErrClaimLost.
	EvictedInFlight uint64
	// EvictedResources counts ordering states dropped before their ttl
	// because the table was full. Each one lets the resource's next event
	// through whatever its time.
	EvictedResources uint64
}

// Claim implements [Store.Claim]. It returns an error, changing nothing,
// when ctx is done or lease is not positive.
func (m *Memory) Claim(ctx context.Context, key string, lease time.Duration) (Claim, error) {
	if err := ctx.Err(); err != nil {
		return Claim{}, err
	}
	if lease <= 0 {
		return Claim{}, fmt.Errorf("%w: Claim lease %v", ErrInvalidDuration, lease)
	}
	s := m.shard(key)
	s.mu.Lock()
	now := m.now()
	exp := deadline(now, lease)
	s.sweep(now)
	e, ok := s.keys[key]
	switch {
	case ok && now < e.exp && e.done:
		s.mu.Unlock()
		return Claim{Key: key, State: Done}, nil
	case ok && now < e.exp:
		s.mu.Unlock()
		return Claim{Key: key, State: InFlight}, nil
	}
	tok := m.tokens.Add(1)
	switch {
	case ok && e.done: // window over: claim afresh
		s.st.Expired++
		s.done.remove(e)
		e.done, e.val, e.exp = false, int64(tok), exp
		s.held.push(e)
	case ok: // lease over: the key is free, the old token dies here
		s.st.Expired++
		e.val, e.exp = int64(tok), exp
		s.held.fix(e)
	default:
		if len(s.keys) >= s.maxKeys {
			s.evictKey(now)
		}
		// Clone: a key sliced from a larger string (a request body)
		// must not keep that string alive for the window.
		e = s.alloc(strings.Clone(key))
		e.val, e.exp = int64(tok), exp
		s.keys[e.key] = e
		s.held.push(e)
	}
	s.mu.Unlock()
	return Claim{Key: key, Token: strconv.FormatUint(tok, 10), State: Claimed, Fence: tok}, nil
}

// ClaimAndAdvance implements [ClaimAdvancer.ClaimAndAdvance]: Claim, then
// Advance when claimed. The two are not one atomic step in Memory; the
// outcome is the same as calling them in turn, which is all the contract
// asks.
func (m *Memory) ClaimAndAdvance(ctx context.Context, key string, lease time.Duration, resource string, at time.Time, ttl time.Duration) (Claim, bool, error) {
	if ttl <= 0 {
		return Claim{}, false, fmt.Errorf("%w: ClaimAndAdvance ttl %v", ErrInvalidDuration, ttl)
	}
	c, err := m.Claim(ctx, key, lease)
	if err != nil || c.State != Claimed {
		return c, false, err
	}
	return c, m.advance(resource, at, ttl), nil
}

// Renew implements [Store.Renew]. It returns another error, changing
// nothing, when ctx is done or lease is not positive.
func (m *Memory) Renew(ctx context.Context, c Claim, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if lease <= 0 {
		return fmt.Errorf("%w: Renew lease %v", ErrInvalidDuration, lease)
	}
	s := m.shard(c.Key)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now()
	tok, ok := parseToken(c.Token)
	e, found := s.keys[c.Key]
	if !ok || !found || e.done || e.val != tok {
		s.sweep(now)
		return ErrClaimLost
	}
	e.exp = deadline(now, lease)
	s.held.fix(e)
	s.sweep(now)
	return nil
}

// Commit implements [Store.Commit]. A claim is consumed by Commit: a second
// Commit or a Release with it returns [ErrClaimLost]. It returns another
// error, changing nothing, when ctx is done or window is not positive.
func (m *Memory) Commit(ctx context.Context, c Claim, window time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if window <= 0 {
		return fmt.Errorf("%w: Commit window %v", ErrInvalidDuration, window)
	}
	s := m.shard(c.Key)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now()
	e := s.heldClaim(c, now)
	if e == nil {
		return ErrClaimLost
	}
	e.done, e.exp = true, deadline(now, window)
	s.done.push(e)
	s.sweep(now)
	return nil
}

// Release implements [Store.Release]. It returns another error, changing
// nothing, when ctx is done.
func (m *Memory) Release(ctx context.Context, c Claim) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := m.shard(c.Key)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now()
	e := s.heldClaim(c, now)
	if e == nil {
		return ErrClaimLost
	}
	delete(s.keys, e.key)
	s.recycle(e)
	s.sweep(now)
	return nil
}

// Advance implements [Store.Advance]. Times are compared to the nanosecond,
// whatever their location and monotonic reading. It returns an error,
// changing nothing, when ctx is done or ttl is not positive.
func (m *Memory) Advance(ctx context.Context, resource string, at time.Time, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, fmt.Errorf("%w: Advance ttl %v", ErrInvalidDuration, ttl)
	}
	return m.advance(resource, at, ttl), nil
}

// advance is Advance, its arguments checked.
func (m *Memory) advance(resource string, at time.Time, ttl time.Duration) bool {
	sec, nsec := at.Unix(), int32(at.Nanosecond())
	s := m.shard(resource)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now()
	exp := deadline(now, ttl)
	s.sweep(now)
	e, ok := s.res[resource]
	switch {
	case ok && now < e.exp:
		if sec < e.val || sec == e.val && nsec < e.nsec {
			return false
		}
	case ok: // ttl over: anything goes
		s.st.Expired++
	default:
		if len(s.res) >= s.maxRes {
			s.evictResource(now)
		}
		e = s.alloc(strings.Clone(resource))
		s.res[e.key] = e
		e.val, e.nsec, e.exp = sec, nsec, exp
		s.resq.push(e)
		return true
	}
	e.val, e.nsec, e.exp = sec, nsec, exp
	s.resq.fix(e)
	return true
}

func (m *Memory) shard(key string) *shard {
	if m.mask == 0 {
		return &m.shards[0]
	}
	return &m.shards[maphash.String(m.seed, key)&m.mask]
}

// now is the store's clock as nanoseconds since base. With time.Now both
// readings carry a monotonic clock, so the difference ignores wall jumps.
// Operations read it under their shard's lock, so each shard sees its
// operations in clock order.
func (m *Memory) now() int64 { return int64(m.clock().Sub(m.base)) }

// deadline is now+d, saturating instead of wrapping for huge durations.
// (now is negative when an injected clock is set before its first reading;
// then now+d cannot overflow.)
func deadline(now int64, d time.Duration) int64 {
	if now > 0 && int64(d) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(d)
}

// parseToken reverses the formatting in Claim. Anything else, including
// the empty token of an InFlight or Done result and non-canonical forms
// such as "01", is no token of ours.
func parseToken(s string) (int64, bool) {
	if s == "" || s[0] == '0' {
		return 0, false
	}
	u, err := strconv.ParseUint(s, 10, 64)
	if err != nil || u == 0 {
		return 0, false
	}
	return int64(u), true
}

// heldClaim takes c's entry off the held heap and returns it when c still
// holds its key, for Commit or Release to finish; otherwise it sweeps and
// returns nil (the claim is lost). It looks before sweeping: a claim past
// its lease that nobody took over may still commit or release (see
// Memory). s.mu must be held.
func (s *shard) heldClaim(c Claim, now int64) *entry {
	tok, ok := parseToken(c.Token)
	e, found := s.keys[c.Key]
	if !ok || !found || e.done || e.val != tok {
		s.sweep(now)
		return nil
	}
	s.held.remove(e)
	return e
}

// sweep removes up to sweepBudget entries whose time ran out, from the
// heads of the three heaps.
func (s *shard) sweep(now int64) {
	for range sweepBudget {
		switch {
		case len(s.held) > 0 && s.held[0].exp <= now:
			s.dropKey(&s.held, s.held[0].e)
		case len(s.done) > 0 && s.done[0].exp <= now:
			s.dropKey(&s.done, s.done[0].e)
		case len(s.resq) > 0 && s.resq[0].exp <= now:
			e := s.resq[0].e
			s.resq.remove(e)
			delete(s.res, e.key)
			s.recycle(e)
		default:
			return
		}
		s.st.Expired++
	}
}

// evictKey makes room for one delivery in a full shard (see Memory).
func (s *shard) evictKey(now int64) {
	switch {
	case len(s.held) > 0 && s.held[0].exp <= now:
		s.st.Expired++
		s.dropKey(&s.held, s.held[0].e)
	case len(s.done) > 0:
		if s.done[0].exp <= now {
			s.st.Expired++
		} else {
			s.st.Evicted++
		}
		s.dropKey(&s.done, s.done[0].e)
	case len(s.held) > 0:
		s.st.EvictedInFlight++
		s.dropKey(&s.held, s.held[0].e)
	}
}

// evictResource makes room for one resource in a full shard.
func (s *shard) evictResource(now int64) {
	if len(s.resq) == 0 {
		return
	}
	e := s.resq[0].e
	if e.exp <= now {
		s.st.Expired++
	} else {
		s.st.EvictedResources++
	}
	s.resq.remove(e)
	delete(s.res, e.key)
	s.recycle(e)
}

func (s *shard) dropKey(h *expHeap, e *entry) {
	h.remove(e)
	delete(s.keys, e.key)
	s.recycle(e)
}

func (s *shard) alloc(key string) *entry {
	if n := len(s.free); n > 0 {
		e := s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		e.key = key
		return e
	}
	return &entry{key: key}
}

func (s *shard) recycle(e *entry) {
	*e = entry{} // drop the key so its bytes can be collected
	if len(s.free) < maxFree {
		s.free = append(s.free, e)
	}
}

// expHeap is a 4-ary min-heap of entries on their expiry. Each slot holds
// its entry's expiry beside the pointer, so sifting compares four children
// in one or two cache lines without touching the entries; an entry knows
// its index, for removal and fixing from the middle.
type expHeap []slot

type slot struct {
	exp int64 // a copy of e.exp
	e   *entry
}

func (h *expHeap) push(e *entry) {
	e.idx = int32(len(*h))
	*h = append(*h, slot{e.exp, e})
	h.up(int(e.idx))
}

// remove takes e out of the heap.
func (h *expHeap) remove(e *entry) {
	old := *h
	i, n := int(e.idx), len(old)-1
	if i != n {
		old[i] = old[n]
		old[i].e.idx = int32(i)
	}
	old[n] = slot{}
	*h = old[:n]
	if i != n {
		h.fix(old[i].e)
	}
	e.idx = -1
}

// fix restores the heap after e.exp changed.
func (h expHeap) fix(e *entry) {
	i := int(e.idx)
	h[i].exp = e.exp
	if !h.down(i) {
		h.up(i)
	}
}

func (h expHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].e.idx = int32(i)
	h[j].e.idx = int32(j)
}

func (h expHeap) up(j int) {
	for j > 0 {
		p := (j - 1) / 4
		if h[p].exp <= h[j].exp {
			break
		}
		h.swap(p, j)
		j = p
	}
}

// down sifts slot i0 towards the leaves and reports whether it moved.
func (h expHeap) down(i0 int) bool {
	i, n := i0, len(h)
	for {
		first := 4*i + 1
		if first >= n || first < 0 {
			break
		}
		m := first
		for c := first + 1; c < min(first+4, n); c++ {
			if h[c].exp < h[m].exp {
				m = c
			}
		}
		if h[i].exp <= h[m].exp {
			break
		}
		h.swap(i, m)
		i = m
	}
	return i > i0
}
