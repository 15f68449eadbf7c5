package store_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	"github.com/hookseal/hookseal/store/storetest"
)

func TestMemoryContract(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
	})
	// Bounds this small use one shard: the suite runs against both layouts.
	t.Run("one-shard", func(t *testing.T) {
		storetest.Run(t, func(*testing.T) store.Store {
			return store.NewMemory(store.WithMaxEntries(2000), store.WithMaxResources(2000))
		})
	})
}

// newClock is hookseal's one hand-stepped test clock, set to a fixed start.
func newClock() *middlewaretest.Clock {
	return middlewaretest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
}

// fixture is a Memory on a stepped clock with helpers that fail the test.
type fixture struct {
	t   *testing.T
	m   *store.Memory
	clk *middlewaretest.Clock
}

func newFixture(t *testing.T, opts ...store.MemoryOption) *fixture {
	clk := newClock()
	return &fixture{t: t, clk: clk, m: store.NewMemory(append([]store.MemoryOption{store.WithClock(clk.Now)}, opts...)...)}
}

func (f *fixture) claim(key string, lease time.Duration, want store.State) store.Claim {
	f.t.Helper()
	c, err := f.m.Claim(context.Background(), key, lease)
	if err != nil || c.State != want {
		f.t.Fatalf("Claim(%q) = %v, %v; want %v", key, c.State, err, want)
	}
	return c
}

func (f *fixture) commit(c store.Claim, window time.Duration, want error) {
	f.t.Helper()
	if err := f.m.Commit(context.Background(), c, window); !errors.Is(err, want) {
		f.t.Fatalf("Commit(%q) = %v, want %v", c.Key, err, want)
	}
}

func (f *fixture) release(c store.Claim, want error) {
	f.t.Helper()
	if err := f.m.Release(context.Background(), c); !errors.Is(err, want) {
		f.t.Fatalf("Release(%q) = %v, want %v", c.Key, err, want)
	}
}

func (f *fixture) advance(r string, at time.Time, ttl time.Duration, want bool) {
	f.t.Helper()
	ok, err := f.m.Advance(context.Background(), r, at, ttl)
	if err != nil || ok != want {
		f.t.Fatalf("Advance(%q, %s) = %v, %v; want %v", r, at.Format(time.RFC3339), ok, err, want)
	}
}

func (f *fixture) stats(want store.MemoryStats) {
	f.t.Helper()
	if got := f.m.Stats(); got != want {
		f.t.Fatalf("Stats() = %+v\nwant      %+v", got, want)
	}
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestMemoryClockExpiry(t *testing.T) {
	t.Run("lease ends exactly at its deadline", func(t *testing.T) {
		f := newFixture(t)
		c1 := f.claim("k", 10*time.Second, store.Claimed)
		f.clk.Add(10*time.Second - time.Nanosecond)
		f.claim("k", time.Minute, store.InFlight)
		f.clk.Add(time.Nanosecond)
		c2 := f.claim("k", time.Minute, store.Claimed)
		if c1.Token == c2.Token {
			t.Fatal("token reused")
		}
	})
	t.Run("window ends exactly at its deadline", func(t *testing.T) {
		f := newFixture(t)
		f.commit(f.claim("k", time.Minute, store.Claimed), 10*time.Minute, nil)
		f.clk.Add(10*time.Minute - time.Nanosecond)
		f.claim("k", time.Minute, store.Done)
		f.clk.Add(time.Nanosecond)
		f.claim("k", time.Minute, store.Claimed)
	})
	t.Run("commit after the lease, nobody took over: recorded", func(t *testing.T) {
		f := newFixture(t)
		c := f.claim("k", time.Second, store.Claimed)
		f.clk.Add(time.Hour)
		f.commit(c, 10*time.Minute, nil)
		f.claim("k", time.Minute, store.Done)
		f.stats(store.MemoryStats{Done: 1})
	})
	t.Run("release after the lease, nobody took over: freed", func(t *testing.T) {
		f := newFixture(t)
		c := f.claim("k", time.Second, store.Claimed)
		f.clk.Add(time.Hour)
		f.release(c, nil)
		f.stats(store.MemoryStats{})
		f.claim("k", time.Minute, store.Claimed)
	})
	t.Run("commit after a takeover: lost", func(t *testing.T) {
		f := newFixture(t)
		c1 := f.claim("k", time.Second, store.Claimed)
		f.clk.Add(2 * time.Second)
		c2 := f.claim("k", time.Minute, store.Claimed)
		f.commit(c1, time.Minute, store.ErrClaimLost)
		f.release(c1, store.ErrClaimLost)
		f.claim("k", time.Minute, store.InFlight)
		f.commit(c2, time.Minute, nil)
	})
	t.Run("ordering ttl ends exactly at its deadline", func(t *testing.T) {
		f := newFixture(t)
		f.advance("r", t0, time.Hour, true)
		f.clk.Add(time.Hour - time.Nanosecond)
		f.advance("r", t0.Add(-time.Second), time.Hour, false)
		f.clk.Add(time.Nanosecond)
		f.advance("r", t0.Add(-time.Second), time.Hour, true)
	})
	t.Run("a refused advance does not extend the ttl", func(t *testing.T) {
		f := newFixture(t)
		f.advance("r", t0, 10*time.Second, true)
		f.clk.Add(5 * time.Second)
		f.advance("r", t0.Add(-time.Second), time.Hour, false)
		f.clk.Add(5 * time.Second)
		f.advance("r", t0.Add(-time.Second), time.Hour, true)
	})
	t.Run("an accepted advance restarts the ttl", func(t *testing.T) {
		f := newFixture(t)
		f.advance("r", t0, 10*time.Second, true)
		f.clk.Add(5 * time.Second)
		f.advance("r", t0, 10*time.Second, true)
		f.clk.Add(7 * time.Second)
		f.advance("r", t0.Add(-time.Second), time.Hour, false)
		f.clk.Add(3 * time.Second)
		f.advance("r", t0.Add(-time.Second), time.Hour, true)
	})
	t.Run("huge durations saturate", func(t *testing.T) {
		f := newFixture(t)
		f.commit(f.claim("k", math.MaxInt64, store.Claimed), math.MaxInt64, nil)
		f.advance("r", t0, math.MaxInt64, true)
		f.clk.Add(200 * 365 * 24 * time.Hour)
		f.claim("k", time.Minute, store.Done)
		f.advance("r", t0.Add(-time.Second), time.Hour, false)
	})
	t.Run("the clock going back does not expire anything", func(t *testing.T) {
		f := newFixture(t)
		f.claim("k", time.Minute, store.Claimed)
		f.clk.Add(-time.Hour)
		f.claim("k", time.Minute, store.InFlight)
	})
	t.Run("leases measured from a clock behind its first reading", func(t *testing.T) {
		f := newFixture(t)
		f.clk.Add(-time.Hour)
		f.claim("k", time.Minute, store.Claimed)
		f.clk.Add(time.Minute)
		f.claim("k", time.Minute, store.Claimed)
	})
}

func TestMemoryInvalidDurations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := f.m.Claim(ctx, "k", d); err == nil || errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Claim with lease %v = %v, want a duration error", d, err)
		}
		c := f.claim("c", time.Minute, store.Claimed)
		if err := f.m.Commit(ctx, c, d); err == nil || errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Commit with window %v = %v, want a duration error", d, err)
		}
		f.release(c, nil) // the failed Commit left the claim as it was
		if _, err := f.m.Advance(ctx, "r", t0, d); err == nil {
			t.Errorf("Advance with ttl %v = nil error, want a duration error", d)
		}
	}
	f.stats(store.MemoryStats{})
}

// Tokens are compared exactly: another spelling of the same number is not
// the token.
func TestMemoryTokenSpelling(t *testing.T) {
	f := newFixture(t)
	c := f.claim("k", time.Minute, store.Claimed)
	for _, tok := range []string{"0" + c.Token, "+" + c.Token, " " + c.Token, c.Token + " "} {
		f.commit(store.Claim{Key: "k", Token: tok, State: store.Claimed}, time.Minute, store.ErrClaimLost)
		f.release(store.Claim{Key: "k", Token: tok, State: store.Claimed}, store.ErrClaimLost)
	}
	f.commit(c, time.Minute, nil)
}

func TestMemoryOptionDefaults(t *testing.T) {
	// Non-positive bounds and a nil clock select the defaults; nil options
	// are ignored.
	m := store.NewMemory(store.WithMaxEntries(0), store.WithMaxResources(-1), store.WithClock(nil), nil)
	c, err := m.Claim(context.Background(), "k", time.Minute)
	if err != nil || c.State != store.Claimed {
		t.Fatalf("Claim = %v, %v", c.State, err)
	}
}

func TestMemoryEviction(t *testing.T) {
	t.Run("nearest window first, claims last", func(t *testing.T) {
		f := newFixture(t, store.WithMaxEntries(3))
		a := f.claim("a", time.Minute, store.Claimed) // held until +60s
		f.clk.Add(time.Second)
		f.commit(f.claim("b", time.Minute, store.Claimed), 10*time.Minute, nil)
		f.commit(f.claim("c", time.Minute, store.Claimed), time.Minute, nil)
		f.clk.Add(time.Second)
		f.claim("d", time.Minute, store.Claimed) // full: c goes (nearest window)
		f.stats(store.MemoryStats{InFlight: 2, Done: 1, Evicted: 1})
		f.claim("b", time.Minute, store.Done)
		f.claim("c", time.Minute, store.Claimed) // forgotten: dedupe weakened; b goes
		f.stats(store.MemoryStats{InFlight: 3, Evicted: 2})
		f.claim("e", time.Minute, store.Claimed) // all live claims: a goes (nearest lease)
		f.stats(store.MemoryStats{InFlight: 3, Evicted: 2, EvictedInFlight: 1})
		f.commit(a, time.Minute, store.ErrClaimLost)
		f.claim("d", time.Minute, store.InFlight)
		f.claim("c", time.Minute, store.InFlight)
		f.claim("e", time.Minute, store.InFlight)
	})
	t.Run("expired entries before live ones", func(t *testing.T) {
		f := newFixture(t, store.WithMaxEntries(3))
		f.claim("a", 10*time.Second, store.Claimed)
		f.commit(f.claim("b", time.Minute, store.Claimed), time.Minute, nil)
		f.commit(f.claim("c", time.Minute, store.Claimed), time.Hour, nil)
		f.clk.Add(2 * time.Minute) // a's lease and b's window are over
		f.claim("d", time.Minute, store.Claimed)
		f.claim("e", time.Minute, store.Claimed)
		f.stats(store.MemoryStats{InFlight: 2, Done: 1, Expired: 2})
		f.claim("c", time.Minute, store.Done)
	})
	t.Run("resources nearest ttl first", func(t *testing.T) {
		f := newFixture(t, store.WithMaxResources(2))
		f.advance("r1", t0, time.Hour, true)
		f.advance("r2", t0, 10*time.Minute, true)
		f.advance("r3", t0, time.Hour, true) // r2 goes
		f.stats(store.MemoryStats{Resources: 2, EvictedResources: 1})
		f.advance("r1", t0.Add(-time.Second), time.Hour, false)
		f.advance("r3", t0.Add(-time.Second), time.Hour, false)
		f.advance("r2", t0.Add(-time.Second), time.Hour, true) // forgotten
	})
	t.Run("tables are bounded separately", func(t *testing.T) {
		f := newFixture(t, store.WithMaxEntries(2), store.WithMaxResources(2))
		for i := range 2 {
			f.commit(f.claim("k"+strconv.Itoa(i), time.Minute, store.Claimed), time.Minute, nil)
			f.advance("r"+strconv.Itoa(i), t0, time.Minute, true)
		}
		f.stats(store.MemoryStats{Done: 2, Resources: 2})
	})
	t.Run("sharded bound is exact", func(t *testing.T) {
		const bound, n = 16 << 10, 40_000
		f := newFixture(t, store.WithMaxEntries(bound), store.WithMaxResources(bound))
		for i := range n {
			f.commit(f.claim("k"+strconv.Itoa(i), time.Minute, store.Claimed), time.Minute, nil)
			f.advance("r"+strconv.Itoa(i), t0, time.Minute, true)
		}
		f.stats(store.MemoryStats{Done: bound, Resources: bound, Evicted: n - bound, EvictedResources: n - bound})
	})
}

// Expired entries leave without being looked up, a few per operation on
// their shard. (A bound this small uses one shard.)
func TestMemorySweep(t *testing.T) {
	f := newFixture(t, store.WithMaxEntries(1000), store.WithMaxResources(1000))
	for i := range 100 {
		f.commit(f.claim("k"+strconv.Itoa(i), time.Minute, store.Claimed), time.Minute, nil)
		f.advance("r"+strconv.Itoa(i), t0, time.Minute, true)
	}
	f.stats(store.MemoryStats{Done: 100, Resources: 100})
	f.clk.Add(2 * time.Minute)
	f.claim("other", time.Hour, store.Claimed)
	for range 100 { // every operation sweeps a few
		if s := f.m.Stats(); s.Done == 0 && s.Resources == 0 {
			break
		}
		f.claim("other", time.Hour, store.InFlight)
	}
	got := f.m.Stats()
	if got.Done != 0 || got.Resources != 0 || got.InFlight != 1 || got.Expired < 200 {
		t.Fatalf("after expiry and some operations: %+v; want only the one claim left", got)
	}
}

// A store sized for rate × window never evicts: expired entries leave on
// their own as traffic flows through every shard.
func TestMemoryTurnoverByExpiry(t *testing.T) {
	f := newFixture(t, store.WithMaxEntries(10_000), store.WithMaxResources(10_000))
	ctx := context.Background()
	buf := make([]byte, 0, 128)
	peak := 0
	for i := range uint64(100_000) { // one delivery a millisecond, 1 s window
		c := f.claim(realisticKey(buf, i), time.Second, store.Claimed)
		f.commit(c, time.Second, nil)
		if _, err := f.m.Advance(ctx, "r"+strconv.FormatUint(i, 10), t0, time.Second); err != nil {
			t.Fatal(err)
		}
		f.clk.Add(time.Millisecond)
		if i%1000 == 0 {
			s := f.m.Stats()
			peak = max(peak, s.Done+s.InFlight, s.Resources)
		}
	}
	s := f.m.Stats()
	t.Logf("peak %d entries, stats %+v", peak, s)
	if s.Evicted != 0 || s.EvictedInFlight != 0 || s.EvictedResources != 0 {
		t.Errorf("evicted although expiry keeps up: %+v", s)
	}
	if peak > 1500 { // 1000 live, plus the few not swept yet
		t.Errorf("peak %d entries: expired entries are not being swept", peak)
	}
}

func TestMemoryContextCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.m.Claim(ctx, "k", time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("Claim = %v", err)
	}
	f.stats(store.MemoryStats{})
}

// realisticKey is shaped like a hookseal delivery key: provider and the
// hex SHA-256 of the authenticated material (72 bytes).
func realisticKey(buf []byte, i uint64) string {
	var sum [32]byte
	for j := 0; j < 32; j += 8 {
		binary.BigEndian.PutUint64(sum[j:], i*0x9e3779b97f4a7c15+uint64(j))
	}
	buf = append(buf[:0], "checkly:"...)
	return string(hex.AppendEncode(buf, sum[:]))
}

// TestMemoryFlatUnderMillionDeliveries claims, commits and orders a million
// distinct deliveries and resources through a store bounded at 10k of each,
// sampling the live heap as it goes: once the store is full the heap must
// stop growing.
func TestMemoryFlatUnderMillionDeliveries(t *testing.T) {
	if testing.Short() {
		t.Skip("1M deliveries: skipped with -short")
	}
	const (
		bound  = 10_000
		every  = 50_000
		keyLen = 72
	)
	deliveries := uint64(1_000_000)
	if raceEnabled() {
		deliveries = 250_000 // the race detector makes each call ~10× slower
		t.Logf("race detector on: %d deliveries instead of a million", deliveries)
	}
	var ms runtime.MemStats
	heap := func() (alloc, inuse uint64) {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc, ms.HeapInuse
	}

	baseAlloc, baseInuse := heap()
	m := store.NewMemory(store.WithMaxEntries(bound), store.WithMaxResources(bound))
	ctx := context.Background()
	buf := make([]byte, 0, 128)
	var fullAlloc, peakAlloc, peakInuse uint64
	start := time.Now()
	for i := range deliveries {
		c, err := m.Claim(ctx, realisticKey(buf, i), time.Minute)
		if err != nil || c.State != store.Claimed {
			t.Fatalf("delivery %d: Claim = %v, %v", i, c.State, err)
		}
		if err := m.Commit(ctx, c, 10*time.Minute); err != nil {
			t.Fatalf("delivery %d: Commit = %v", i, err)
		}
		res := "checkly:check-" + strconv.FormatUint(i, 10)
		if ok, err := m.Advance(ctx, res, t0, time.Hour); err != nil || !ok {
			t.Fatalf("delivery %d: Advance = %v, %v", i, ok, err)
		}
		if n := i + 1; n == 2*bound || n%every == 0 {
			a, u := heap()
			if n == 2*bound {
				fullAlloc = a
			}
			peakAlloc, peakInuse = max(peakAlloc, a), max(peakInuse, u)
		}
	}
	elapsed := time.Since(start)
	runtime.KeepAlive(m)

	st := m.Stats()
	perEntry := float64(fullAlloc-baseAlloc) / (2 * bound)
	t.Logf("%d deliveries in %v; stats %+v", deliveries, elapsed.Round(time.Millisecond), st)
	t.Logf("unbounded, %d deliveries and as many resources would hold about %.0f MiB live", deliveries, perEntry*2*float64(deliveries)/(1<<20))
	t.Logf("live heap: base %.1f MiB, full (%d+%d entries) %.1f MiB (%.0f B/entry), peak %.1f MiB; HeapInuse base %.1f MiB, peak %.1f MiB",
		mib(baseAlloc), bound, bound, mib(fullAlloc), perEntry, mib(peakAlloc), mib(baseInuse), mib(peakInuse))

	if st.Done != bound || st.Resources != bound || st.Evicted != deliveries-bound {
		t.Errorf("stats %+v: want both tables full and every other delivery evicted", st)
	}
	// Flat: a million deliveries cost no more than the first 20k (with
	// slack for map and heap-slice growth steps and GC timing).
	if peakAlloc-baseAlloc > 2*(fullAlloc-baseAlloc)+1<<20 {
		t.Errorf("live heap grew past the full store: peak %.1f MiB, full %.1f MiB (base %.1f MiB)", mib(peakAlloc), mib(fullAlloc), mib(baseAlloc))
	}
	// Bounded by the caps: at most 512 B an entry, live or in use...
	limit := uint64(2 * bound * 512)
	if peakAlloc-baseAlloc > limit || peakInuse-baseInuse > limit {
		t.Errorf("heap over %.1f MiB (512 B × %d entries): alloc +%.1f MiB, inuse +%.1f MiB", mib(limit), 2*bound, mib(peakAlloc-baseAlloc), mib(peakInuse-baseInuse))
	}
	// ...which is far below what a million remembered deliveries would
	// take: their key bytes alone are 72 MB.
	if limit*4 > 1_000_000*keyLen {
		t.Fatalf("the bound (%d B) is not much less than a million keys", limit)
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// ---- benchmarks ----

// benchKeys is a ring of distinct delivery keys, longer than the default
// bound, so a store cycling through it is always full and every claim of a
// new key evicts the oldest committed one (the steady state under load).
var benchKeys = sync.OnceValue(func() []string {
	keys := make([]string, 1<<18)
	buf := make([]byte, 0, 128)
	for i := range keys {
		keys[i] = realisticKey(buf, uint64(i))
	}
	return keys
})

func BenchmarkMemory(b *testing.B) {
	ctx := context.Background()
	keys := benchKeys()
	mask := uint64(len(keys) - 1)

	b.Run("ClaimCommitDistinct", func(b *testing.B) {
		m := store.NewMemory()
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			c, err := m.Claim(ctx, keys[i&mask], time.Minute)
			if err != nil || c.State != store.Claimed {
				b.Fatalf("Claim = %v, %v", c.State, err)
			}
			if err := m.Commit(ctx, c, 10*time.Minute); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("ClaimCommitDistinctParallel", func(b *testing.B) {
		m := store.NewMemory()
		var next atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c, err := m.Claim(ctx, keys[next.Add(1)&mask], time.Minute)
				if err != nil || c.State != store.Claimed {
					b.Errorf("Claim = %v, %v", c.State, err)
					return
				}
				if err := m.Commit(ctx, c, 10*time.Minute); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})

	dupStore := func(b *testing.B) *store.Memory {
		m := store.NewMemory()
		for _, k := range keys[:1024] {
			c, _ := m.Claim(ctx, k, time.Minute)
			if err := m.Commit(ctx, c, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
		return m
	}
	b.Run("ClaimDuplicate", func(b *testing.B) {
		m := dupStore(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if c, err := m.Claim(ctx, keys[i&1023], time.Minute); err != nil || c.State != store.Done {
				b.Fatalf("Claim = %v, %v", c.State, err)
			}
			i++
		}
	})
	b.Run("ClaimDuplicateParallel", func(b *testing.B) {
		m := dupStore(b)
		var next atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if c, err := m.Claim(ctx, keys[next.Add(1)&1023], time.Minute); err != nil || c.State != store.Done {
					b.Errorf("Claim = %v, %v", c.State, err)
					return
				}
			}
		})
	})

	// Advance: 1024 resources, each event newer than the last.
	b.Run("Advance", func(b *testing.B) {
		m := store.NewMemory()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if ok, err := m.Advance(ctx, keys[i&1023], t0.Add(time.Duration(i)), time.Hour); err != nil || !ok {
				b.Fatalf("Advance = %v, %v", ok, err)
			}
			i++
		}
	})
	b.Run("AdvanceParallel", func(b *testing.B) {
		m := store.NewMemory()
		var next atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1)
				// Concurrent callers may land slightly out of order:
				// either answer is fine, the cost is what is measured.
				if _, err := m.Advance(ctx, keys[i&1023], t0.Add(time.Duration(i)), time.Hour); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
