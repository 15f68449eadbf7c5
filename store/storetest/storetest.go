// Package storetest is the contract test suite for [store.Store]
// implementations. Every implementation, in this module or outside it, runs
// the same suite from its own tests:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			return store.NewMemory()
//		})
//	}
//
// The suite checks the contract documented in package store: every Claim
// state transition, token ownership, lease renewal, fencing tokens, expiry
// of leases, windows and ttls,
// ordering, non-positive durations, done contexts, and concurrent callers
// (run it with -race). It uses no injected clock, so it can run against a
// store whose time is kept elsewhere (a Redis server): expiry is tested
// with short real leases and ttls ([WithTick], default 50 ms) and polling
// with generous upper bounds. It takes under a second against Memory.
//
// Keys and resources are unique to each Run and subtest, so stores that
// share a backend between runs do not see each other's state. What the
// suite writes lives as long as the store keeps it: a minute for most
// entries, longer for released or lapsed claims in a store that remembers
// their fences (the Redis store keeps them for an hour).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/store"
)

// DefaultTick is the default short lease, window and ttl the suite waits
// out in its expiry tests.
const DefaultTick = 50 * time.Millisecond

// Option configures [Run].
type Option func(*config)

type config struct {
	tick     time.Duration
	ctxCheck bool
}

// WithTick sets the short lease, window and ttl used by the expiry tests
// (default [DefaultTick]). A store whose expiry is coarse or remote may
// need a longer one; the suite waits up to 40 ticks for an expiry to show.
// d below a millisecond selects the default.
func WithTick(d time.Duration) Option {
	return func(c *config) { c.tick = d }
}

// WithoutContextCheck skips the subtests that require every operation
// given an already-cancelled or expired context to return an error wrapping
// the context's error and to change nothing. Use it only for a store that
// documents why it ignores contexts.
func WithoutContextCheck() Option {
	return func(c *config) { c.ctxCheck = false }
}

// long is the lease, window or ttl of entries that must not expire during
// a subtest. It is short enough that a shared backend forgets them soon.
const long = time.Minute

// Run runs the contract suite against the stores newStore returns. newStore
// is called once per subtest, with that subtest's t (register cleanup
// there); the subtests run one after another.
func Run(t *testing.T, newStore func(t *testing.T) store.Store, opts ...Option) {
	cfg := config{tick: DefaultTick, ctxCheck: true}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.tick < time.Millisecond {
		cfg.tick = DefaultTick
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatUint(rand.Uint64(), 36)

	for _, group := range groups(cfg) {
		t.Run(group.name, func(t *testing.T) {
			for _, c := range group.cases {
				t.Run(c.name, func(t *testing.T) {
					h := &harness{
						T:      t,
						s:      newStore(t),
						ctx:    t.Context(),
						prefix: "storetest/" + run + "/" + t.Name() + "/",
						tick:   cfg.tick,
					}
					c.fn(h)
				})
			}
		})
	}
}

type testCase struct {
	name string
	fn   func(h *harness)
}

type group struct {
	name  string
	cases []testCase
}

func groups(cfg config) []group {
	g := []group{
		{"claim", []testCase{
			{"free", claimFree},
			{"in-flight", claimInFlight},
			{"done", claimDone},
			{"released", claimReleased},
			{"lease-expired", claimLeaseExpired},
			{"window-expired", claimWindowExpired},
			{"keys-independent", claimKeysIndependent},
			{"tokens-unique", claimTokensUnique},
		}},
		{"commit", []testCase{
			{"foreign-token", commitForeignToken},
			{"token-of-other-key", commitTokenOfOtherKey},
			{"stale-after-takeover", commitStaleAfterTakeover},
			{"after-release", commitAfterRelease},
			{"twice", commitTwice},
			{"non-claimed-result", commitNonClaimedResult},
			{"after-lease-expired", commitAfterLeaseExpired},
		}},
		{"renew", []testCase{
			{"extends-lease", renewExtendsLease},
			{"foreign-token", renewForeignToken},
			{"after-commit", renewAfterCommit},
			{"after-release", renewAfterRelease},
			{"stale-after-takeover", renewStaleAfterTakeover},
		}},
		{"fence", []testCase{
			{"grows", fenceGrows},
			{"only-claimed", fenceOnlyClaimed},
		}},
		{"release", []testCase{
			{"frees-key", releaseFreesKey},
			{"foreign-token", releaseForeignToken},
			{"stale-after-takeover", releaseStaleAfterTakeover},
			{"twice", releaseTwice},
			{"after-commit", releaseAfterCommit},
			{"after-lease-expired", releaseAfterLeaseExpired},
		}},
		{"advance", []testCase{
			{"first", advanceFirst},
			{"newer", advanceNewer},
			{"equal", advanceEqual},
			{"older-refused", advanceOlderRefused},
			{"millisecond-resolution", advanceMillisecond},
			{"same-instant-other-zone", advanceOtherZone},
			{"monotonic-reading-ignored", advanceMonotonic},
			{"independent-resources", advanceIndependent},
			{"ttl-expired", advanceTTLExpired},
			{"separate-from-claims", advanceSeparateFromClaims},
		}},
		{"concurrency", []testCase{
			{"same-key", concurrentSameKey},
			{"same-key-done", concurrentSameKeyDone},
			{"mutual-exclusion", concurrentMutualExclusion},
			{"many-keys", concurrentManyKeys},
			{"overlapping-keys", concurrentOverlappingKeys},
			{"advance", concurrentAdvance},
		}},
	}
	g = append(g, group{"claim-and-advance", []testCase{
		{"claimed-advances", caaClaimedAdvances},
		{"claimed-older-refused", caaClaimedOlderRefused},
		{"claimed-equal-advances", caaClaimedEqual},
		{"in-flight-advances-nothing", caaInFlight},
		{"done-advances-nothing", caaDone},
		{"released-claims-again", caaReleased},
		{"durations-non-positive", caaDurations},
		{"concurrent-same-key", caaConcurrent},
	}})
	if cfg.ctxCheck {
		g[len(g)-1].cases = append(g[len(g)-1].cases, testCase{"context-cancelled", caaContextCancelled})
	}
	g = append(g, group{"durations", []testCase{
		{"non-positive", durationsNonPositive},
	}})
	if cfg.ctxCheck {
		g = append(g, group{"context", []testCase{
			{"cancelled", contextCancelled},
			{"deadline-exceeded", contextDeadlineExceeded},
		}})
	}
	return g
}

// harness is one subtest's store with helpers that fail the test on an
// unexpected result.
type harness struct {
	*testing.T
	s      store.Store
	ctx    context.Context
	prefix string
	tick   time.Duration
}

// key names a key or resource unique to this run and subtest.
func (h *harness) key(name string) string { return h.prefix + name }

// limit bounds every wait for an expiry to show.
func (h *harness) limit() time.Duration { return 40 * h.tick }

func (h *harness) claim(key string, lease time.Duration, want store.State) store.Claim {
	h.Helper()
	c, err := h.s.Claim(h.ctx, key, lease)
	if err != nil {
		h.Fatalf("Claim(%q): %v", key, err)
	}
	if c.State != want {
		h.Fatalf("Claim(%q) = %v, want %v", key, c.State, want)
	}
	if c.Key != key {
		h.Fatalf("Claim(%q).Key = %q", key, c.Key)
	}
	if want == store.Claimed && c.Token == "" {
		h.Fatalf("Claim(%q) = claimed with an empty token", key)
	}
	return c
}

func (h *harness) commit(c store.Claim, window time.Duration, want error) {
	h.Helper()
	if err := h.s.Commit(h.ctx, c, window); !errors.Is(err, want) {
		h.Fatalf("Commit(%q, token %q) = %v, want %v", c.Key, c.Token, err, want)
	}
}

func (h *harness) renew(c store.Claim, lease time.Duration, want error) {
	h.Helper()
	if err := h.s.Renew(h.ctx, c, lease); !errors.Is(err, want) {
		h.Fatalf("Renew(%q, token %q) = %v, want %v", c.Key, c.Token, err, want)
	}
}

func (h *harness) release(c store.Claim, want error) {
	h.Helper()
	if err := h.s.Release(h.ctx, c); !errors.Is(err, want) {
		h.Fatalf("Release(%q, token %q) = %v, want %v", c.Key, c.Token, err, want)
	}
}

func (h *harness) advance(resource string, at time.Time, ttl time.Duration, want bool) {
	h.Helper()
	ok, err := h.s.Advance(h.ctx, resource, at, ttl)
	if err != nil {
		h.Fatalf("Advance(%q, %s): %v", resource, at.Format(time.RFC3339Nano), err)
	}
	if ok != want {
		h.Fatalf("Advance(%q, %s) = %v, want %v", resource, at.Format(time.RFC3339Nano), ok, want)
	}
}

// eventually polls f until it reports true, failing the test when that
// takes longer than limit.
func (h *harness) eventually(what string, f func() bool) {
	h.Helper()
	start := time.Now()
	for !f() {
		if time.Since(start) > h.limit() {
			h.Fatalf("%s: not seen within %v (tick %v)", what, h.limit(), h.tick)
		}
		time.Sleep(h.tick / 5)
	}
}

// claimOnceFree polls until key can be claimed (its lease or window ran
// out) and returns the new claim, held for long.
func (h *harness) claimOnceFree(key string) store.Claim {
	h.Helper()
	var c store.Claim
	h.eventually("key "+key+" free again", func() bool {
		var err error
		c, err = h.s.Claim(h.ctx, key, long)
		if err != nil {
			h.Fatalf("Claim(%q): %v", key, err)
		}
		return c.State == store.Claimed
	})
	if c.Token == "" {
		h.Fatalf("Claim(%q) = claimed with an empty token", key)
	}
	return c
}

// expiring claims key with a short lease and returns the claim and the
// time the claim started (taken before the call, so start+tick is no later
// than the store's own deadline).
func (h *harness) expiring(key string) (store.Claim, time.Time) {
	h.Helper()
	start := time.Now()
	return h.claim(key, h.tick, store.Claimed), start
}

// before reports whether now is still safely before start+d, so an entry
// made at start with duration d must not have expired yet.
func before(start time.Time, d time.Duration) bool { return time.Since(start) < d*9/10 }

// t0 is a fixed event time; the suite only compares times relative to it.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// ---- claim ----

func claimFree(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	if c.State.String() != "claimed" {
		h.Errorf("State.String() = %q", c.State.String())
	}
}

func claimInFlight(h *harness) {
	k := h.key("k")
	h.claim(k, long, store.Claimed)
	c := h.claim(k, long, store.InFlight)
	h.claim(k, long, store.InFlight)
	if c.Token != "" {
		h.Errorf("an InFlight result carries token %q, want none", c.Token)
	}
}

func claimDone(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	h.commit(c, long, nil)
	d := h.claim(k, long, store.Done)
	if d.Token != "" {
		h.Errorf("a Done result carries token %q, want none", d.Token)
	}
	h.claim(k, long, store.Done)
}

func claimReleased(h *harness) {
	k := h.key("k")
	c1 := h.claim(k, long, store.Claimed)
	h.release(c1, nil)
	c2 := h.claim(k, long, store.Claimed)
	if c2.Token == c1.Token {
		h.Errorf("the claim after a release reused token %q", c1.Token)
	}
	h.claim(k, long, store.InFlight)
}

func claimLeaseExpired(h *harness) {
	k := h.key("k")
	c1, start := h.expiring(k)
	c, err := h.s.Claim(h.ctx, k, long)
	if err != nil {
		h.Fatal(err)
	}
	if before(start, h.tick) && c.State != store.InFlight {
		h.Fatalf("Claim during the lease = %v, want in_flight", c.State)
	}
	if c.State != store.Claimed {
		c = h.claimOnceFree(k)
	}
	if c.Token == c1.Token {
		h.Errorf("the claim after the lease expired reused token %q", c1.Token)
	}
	h.claim(k, long, store.InFlight)
}

func claimWindowExpired(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	start := time.Now()
	h.commit(c, h.tick, nil)
	d, err := h.s.Claim(h.ctx, k, long)
	if err != nil {
		h.Fatal(err)
	}
	if before(start, h.tick) && d.State != store.Done {
		h.Fatalf("Claim during the window = %v, want done", d.State)
	}
	if d.State != store.Claimed {
		h.claimOnceFree(k)
	}
	h.claim(k, long, store.InFlight)
}

func claimKeysIndependent(h *harness) {
	a, b, c := h.key("a"), h.key("b"), h.key("c")
	ca := h.claim(a, long, store.Claimed)
	h.claim(b, long, store.Claimed)
	h.commit(ca, long, nil)
	h.claim(a, long, store.Done)
	h.claim(b, long, store.InFlight)
	h.claim(c, long, store.Claimed)
}

func claimTokensUnique(h *harness) {
	seen := make(map[string]string)
	note := func(c store.Claim) {
		if prev, dup := seen[c.Token]; dup {
			h.Fatalf("token %q issued for %q and again for %q", c.Token, prev, c.Key)
		}
		seen[c.Token] = c.Key
	}
	for i := range 50 {
		k := h.key(strconv.Itoa(i))
		c := h.claim(k, long, store.Claimed)
		note(c)
		h.release(c, nil)
		note(h.claim(k, long, store.Claimed))
	}
}

// ---- commit ----

func commitForeignToken(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	for _, tok := range []string{"", "forged", c.Token + "0", "0"} {
		if tok == c.Token {
			continue
		}
		h.commit(store.Claim{Key: k, Token: tok, State: store.Claimed}, long, store.ErrClaimLost)
	}
	h.claim(k, long, store.InFlight)
	h.commit(c, long, nil)
	h.claim(k, long, store.Done)
}

func commitTokenOfOtherKey(h *harness) {
	a, b := h.key("a"), h.key("b")
	ca := h.claim(a, long, store.Claimed)
	cb := h.claim(b, long, store.Claimed)
	h.commit(store.Claim{Key: a, Token: cb.Token, State: store.Claimed}, long, store.ErrClaimLost)
	h.claim(a, long, store.InFlight)
	h.claim(b, long, store.InFlight)
	h.commit(ca, long, nil)
	h.commit(cb, long, nil)
	h.claim(a, long, store.Done)
	h.claim(b, long, store.Done)
}

func commitStaleAfterTakeover(h *harness) {
	k := h.key("k")
	c1, _ := h.expiring(k)
	c2 := h.claimOnceFree(k)
	h.commit(c1, long, store.ErrClaimLost)
	h.claim(k, long, store.InFlight) // still c2's, not done
	h.commit(c2, long, nil)
	h.claim(k, long, store.Done)
}

func commitAfterRelease(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	h.release(c, nil)
	h.commit(c, long, store.ErrClaimLost)
	h.claim(k, long, store.Claimed)
}

func commitTwice(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	h.commit(c, long, nil)
	h.commit(c, long, store.ErrClaimLost)
	h.claim(k, long, store.Done)
}

// A result that is not Claimed owns nothing, whatever it carries.
func commitNonClaimedResult(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	inFlight := h.claim(k, long, store.InFlight)
	h.commit(inFlight, long, store.ErrClaimLost)
	h.release(inFlight, store.ErrClaimLost)
	h.claim(k, long, store.InFlight)
	h.commit(c, long, nil)
	done := h.claim(k, long, store.Done)
	h.commit(done, long, store.ErrClaimLost)
	h.release(done, store.ErrClaimLost)
	h.claim(k, long, store.Done)
}

// Commit after the lease ran out with nobody taking over: a store may
// record it (the work was done) or report ErrClaimLost, but what it
// reports must be what it did.
func commitAfterLeaseExpired(h *harness) {
	k := h.key("k")
	c, _ := h.expiring(k)
	time.Sleep(3 * h.tick)
	switch err := h.s.Commit(h.ctx, c, long); {
	case err == nil:
		h.Log("this store accepts a commit after the lease expired")
		h.claim(k, long, store.Done)
	case errors.Is(err, store.ErrClaimLost):
		h.Log("this store refuses a commit after the lease expired")
		h.claim(k, long, store.Claimed)
	default:
		h.Fatalf("Commit after the lease = %v, want nil or ErrClaimLost", err)
	}
}

// ---- renew ----

// A claim renewed before its lease runs out stays held past the original
// lease: the slow handler's copy is not claimed by another caller.
func renewExtendsLease(h *harness) {
	k := h.key("k")
	c, start := h.expiring(k)
	// Renew several times, each well within the lease, for 4 ticks.
	for i := 0; i < 8; i++ {
		time.Sleep(h.tick / 2)
		if err := h.s.Renew(h.ctx, c, h.tick*3); err != nil {
			if time.Since(start) < h.tick*2 {
				h.Fatalf("Renew %d: %v", i, err)
			}
			h.Skipf("renew %d came late on a slow machine: %v", i, err)
		}
	}
	if time.Since(start) < 3*h.tick {
		h.Fatalf("the loop took %v, less than 3 ticks", time.Since(start))
	}
	h.claim(k, long, store.InFlight) // past the first lease, still held
	h.commit(c, long, nil)
	h.claim(k, long, store.Done)
}

func renewForeignToken(h *harness) {
	a, b := h.key("a"), h.key("b")
	ca := h.claim(a, long, store.Claimed)
	cb := h.claim(b, long, store.Claimed)
	h.renew(store.Claim{Key: a, Token: "forged", State: store.Claimed}, long, store.ErrClaimLost)
	h.renew(store.Claim{Key: a, Token: "", State: store.Claimed}, long, store.ErrClaimLost)
	h.renew(store.Claim{Key: a, Token: cb.Token, State: store.Claimed}, long, store.ErrClaimLost)
	h.renew(ca, long, nil)
	h.commit(ca, long, nil)
}

func renewAfterCommit(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	h.commit(c, long, nil)
	h.renew(c, long, store.ErrClaimLost) // must not turn done back into held
	h.claim(k, long, store.Done)
}

func renewAfterRelease(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	h.release(c, nil)
	h.renew(c, long, store.ErrClaimLost)
	h.claim(k, long, store.Claimed) // the released key is free
}

// A holder whose lease ran out and whose key another caller claimed cannot
// renew: it has lost, and must hear so.
func renewStaleAfterTakeover(h *harness) {
	k := h.key("k")
	c1, _ := h.expiring(k)
	c2 := h.claimOnceFree(k)
	h.renew(c1, long, store.ErrClaimLost)
	h.renew(c2, long, nil)
	h.commit(c2, long, nil)
}

// ---- fence ----

// Every claim of a key, after a release or a lease that ran out, has a
// larger fence than the claims before it.
func fenceGrows(h *harness) {
	k := h.key("k")
	c1 := h.claim(k, long, store.Claimed)
	if c1.Fence == 0 {
		h.Fatalf("a Claimed result has fence 0")
	}
	h.release(c1, nil)
	c2 := h.claim(k, h.tick, store.Claimed)
	if c2.Fence <= c1.Fence {
		h.Fatalf("fence after a release = %d, want more than %d", c2.Fence, c1.Fence)
	}
	c3 := h.claimOnceFree(k) // c2's lease ran out
	if c3.Fence <= c2.Fence {
		h.Fatalf("fence after a takeover = %d, want more than %d", c3.Fence, c2.Fence)
	}
	h.commit(c3, long, nil)
}

func fenceOnlyClaimed(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	if f := h.claim(k, long, store.InFlight).Fence; f != 0 {
		h.Errorf("an InFlight result carries fence %d", f)
	}
	h.commit(c, long, nil)
	if f := h.claim(k, long, store.Done).Fence; f != 0 {
		h.Errorf("a Done result carries fence %d", f)
	}
}

// ---- release ----

func releaseFreesKey(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	h.release(c, nil)
	retry := h.claim(k, long, store.Claimed)
	h.commit(retry, long, nil)
	h.claim(k, long, store.Done)
}

func releaseForeignToken(h *harness) {
	a, b := h.key("a"), h.key("b")
	ca := h.claim(a, long, store.Claimed)
	cb := h.claim(b, long, store.Claimed)
	h.release(store.Claim{Key: a, Token: "forged", State: store.Claimed}, store.ErrClaimLost)
	h.release(store.Claim{Key: a, Token: "", State: store.Claimed}, store.ErrClaimLost)
	h.release(store.Claim{Key: a, Token: cb.Token, State: store.Claimed}, store.ErrClaimLost)
	h.claim(a, long, store.InFlight)
	h.release(ca, nil)
	h.claim(a, long, store.Claimed)
}

func releaseStaleAfterTakeover(h *harness) {
	k := h.key("k")
	c1, _ := h.expiring(k)
	c2 := h.claimOnceFree(k)
	h.release(c1, store.ErrClaimLost)
	h.claim(k, long, store.InFlight) // still c2's
	h.commit(c2, long, nil)
	h.claim(k, long, store.Done)
}

func releaseTwice(h *harness) {
	k := h.key("k")
	c1 := h.claim(k, long, store.Claimed)
	h.release(c1, nil)
	h.release(c1, store.ErrClaimLost)
	c2 := h.claim(k, long, store.Claimed)
	h.release(c1, store.ErrClaimLost) // must not free c2's claim
	h.claim(k, long, store.InFlight)
	h.commit(c2, long, nil)
}

func releaseAfterCommit(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	h.commit(c, long, nil)
	h.release(c, store.ErrClaimLost) // must not undo the commit
	h.claim(k, long, store.Done)
}

// Release after the lease ran out with nobody taking over: nil or
// ErrClaimLost, and the key is free either way.
func releaseAfterLeaseExpired(h *harness) {
	k := h.key("k")
	c, _ := h.expiring(k)
	time.Sleep(3 * h.tick)
	if err := h.s.Release(h.ctx, c); err != nil && !errors.Is(err, store.ErrClaimLost) {
		h.Fatalf("Release after the lease = %v, want nil or ErrClaimLost", err)
	}
	h.claim(k, long, store.Claimed)
}

// ---- advance ----

func advanceFirst(h *harness) {
	h.advance(h.key("r"), t0, long, true)
}

func advanceNewer(h *harness) {
	r := h.key("r")
	h.advance(r, t0, long, true)
	h.advance(r, t0.Add(time.Second), long, true)
	h.advance(r, t0.Add(time.Hour), long, true)
	h.advance(r, t0, long, false)
}

func advanceEqual(h *harness) {
	r := h.key("r")
	h.advance(r, t0, long, true)
	h.advance(r, t0, long, true)
	h.advance(r, t0, long, true)
}

func advanceOlderRefused(h *harness) {
	r := h.key("r")
	h.advance(r, t0.Add(10*time.Second), long, true)
	h.advance(r, t0, long, false)
	// The refused time was not recorded: the newest is still t0+10s.
	h.advance(r, t0.Add(5*time.Second), long, false)
	h.advance(r, t0.Add(10*time.Second), long, true)
}

func advanceMillisecond(h *harness) {
	r := h.key("r")
	h.advance(r, t0.Add(time.Millisecond), long, true)
	h.advance(r, t0, long, false)
	h.advance(r, t0.Add(2*time.Millisecond), long, true)
	h.advance(r, t0.Add(time.Millisecond), long, false)
}

func advanceOtherZone(h *harness) {
	r := h.key("r")
	zone := time.FixedZone("UTC+5", 5*60*60)
	h.advance(r, t0, long, true)
	h.advance(r, t0.In(zone), long, true) // the same instant
	h.advance(r, t0.In(zone).Add(-time.Second), long, false)
}

func advanceMonotonic(h *harness) {
	r := h.key("r")
	now := time.Now() // carries a monotonic reading
	h.advance(r, now, long, true)
	h.advance(r, now.Round(0), long, true) // same instant without it
	h.advance(r, now.Round(0).Add(-time.Second), long, false)
}

func advanceIndependent(h *harness) {
	a, b := h.key("a"), h.key("b")
	h.advance(a, t0.Add(time.Hour), long, true)
	h.advance(b, t0, long, true)
	h.advance(a, t0, long, false)
	h.advance(b, t0, long, true)
	h.advance(b, t0.Add(-time.Second), long, false)
}

func advanceTTLExpired(h *harness) {
	r := h.key("r")
	start := time.Now()
	h.advance(r, t0.Add(time.Hour), h.tick, true)
	ok, err := h.s.Advance(h.ctx, r, t0, long)
	if err != nil {
		h.Fatal(err)
	}
	if before(start, h.tick) && ok {
		h.Fatal("an older event advanced before the ttl ran out")
	}
	if !ok {
		h.eventually("ordering state of "+r+" expired", func() bool {
			ok, err := h.s.Advance(h.ctx, r, t0, long)
			if err != nil {
				h.Fatal(err)
			}
			return ok
		})
	}
	// The state kept now is t0, for long.
	h.advance(r, t0.Add(-time.Second), long, false)
}

func advanceSeparateFromClaims(h *harness) {
	x := h.key("x")
	c := h.claim(x, long, store.Claimed)
	h.advance(x, t0, long, true)
	h.claim(x, long, store.InFlight)
	h.advance(x, t0.Add(-time.Second), long, false)
	h.commit(c, long, nil)
	h.advance(x, t0, long, true)
	h.claim(x, long, store.Done)
}

// ---- concurrency ----

// goroutines is how many callers the concurrency subtests run at once.
const goroutines = 16

// together runs f(i) for i in [0, n) on n goroutines released at once.
func together(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

func concurrentSameKey(h *harness) {
	for round := range 20 {
		k := h.key(strconv.Itoa(round))
		var claimed, inFlight atomic.Int32
		together(goroutines, func(int) {
			c, err := h.s.Claim(h.ctx, k, long)
			switch {
			case err != nil:
				h.Errorf("Claim: %v", err)
			case c.State == store.Claimed:
				claimed.Add(1)
			case c.State == store.InFlight:
				inFlight.Add(1)
			default:
				h.Errorf("Claim = %v", c.State)
			}
		})
		if claimed.Load() != 1 || inFlight.Load() != goroutines-1 {
			h.Fatalf("round %d: %d claimed and %d in flight of %d, want exactly one claimed", round, claimed.Load(), inFlight.Load(), goroutines)
		}
	}
}

func concurrentSameKeyDone(h *harness) {
	k := h.key("k")
	c := h.claim(k, long, store.Claimed)
	h.commit(c, long, nil)
	together(goroutines, func(int) {
		c, err := h.s.Claim(h.ctx, k, long)
		if err != nil || c.State != store.Done {
			h.Errorf("Claim of a committed key = %v, %v; want done", c.State, err)
		}
	})
}

// Claims are locks: while one caller holds a key, no other gets it.
func concurrentMutualExclusion(h *harness) {
	const keys, iterations = 4, 100
	var inside [keys]atomic.Int32
	var wins atomic.Int32
	var mu sync.Mutex
	tokens := make(map[string]bool)
	together(goroutines, func(g int) {
		for i := range iterations {
			n := (g + i) % keys
			c, err := h.s.Claim(h.ctx, h.key(strconv.Itoa(n)), long)
			if err != nil {
				h.Errorf("Claim: %v", err)
				return
			}
			switch c.State {
			case store.InFlight:
				continue
			case store.Claimed:
			default:
				h.Errorf("Claim = %v, want claimed or in_flight", c.State)
				return
			}
			if v := inside[n].Add(1); v != 1 {
				h.Errorf("key %d held by %d callers at once", n, v)
			}
			mu.Lock()
			if tokens[c.Token] {
				h.Errorf("token %q issued twice", c.Token)
			}
			tokens[c.Token] = true
			mu.Unlock()
			wins.Add(1)
			inside[n].Add(-1)
			if err := h.s.Release(h.ctx, c); err != nil {
				h.Errorf("Release: %v", err)
			}
		}
	})
	if wins.Load() == 0 {
		h.Error("no caller ever claimed a key")
	}
}

func concurrentManyKeys(h *harness) {
	const perGoroutine = 100
	name := func(g, i int) string { return h.key(fmt.Sprintf("%d-%d", g, i)) }
	together(goroutines, func(g int) {
		for i := range perGoroutine {
			c, err := h.s.Claim(h.ctx, name(g, i), long)
			if err != nil || c.State != store.Claimed {
				h.Errorf("Claim of a fresh key = %v, %v", c.State, err)
				return
			}
			if err := h.s.Commit(h.ctx, c, long); err != nil {
				h.Errorf("Commit: %v", err)
				return
			}
		}
	})
	if h.Failed() {
		return
	}
	for g := range goroutines {
		for i := range perGoroutine {
			h.claim(name(g, i), long, store.Done)
		}
	}
}

// Callers race over one set of keys, each claiming and committing what it
// wins: every key is won exactly once.
func concurrentOverlappingKeys(h *harness) {
	const keys = 100
	var wins [keys]atomic.Int32
	together(goroutines, func(g int) {
		order := rand.Perm(keys)
		for _, n := range order {
			c, err := h.s.Claim(h.ctx, h.key(strconv.Itoa(n)), long)
			if err != nil {
				h.Errorf("Claim: %v", err)
				return
			}
			switch c.State {
			case store.Claimed:
				wins[n].Add(1)
				if err := h.s.Commit(h.ctx, c, long); err != nil {
					h.Errorf("Commit: %v", err)
				}
			case store.InFlight, store.Done:
			default:
				h.Errorf("Claim = %v", c.State)
			}
		}
	})
	for n := range keys {
		if w := wins[n].Load(); w != 1 {
			h.Errorf("key %d won %d times, want 1", n, w)
		}
	}
}

// Callers advance one resource with times in shuffled order; afterwards
// the newest time is recorded. Each caller also advances a resource of its
// own in order, which must always succeed.
func concurrentAdvance(h *harness) {
	const steps = 50
	shared := h.key("shared")
	together(goroutines, func(g int) {
		own := h.key("own-" + strconv.Itoa(g))
		for _, i := range rand.Perm(steps) {
			at := t0.Add(time.Duration(i*goroutines+g) * time.Second)
			if _, err := h.s.Advance(h.ctx, shared, at, long); err != nil {
				h.Errorf("Advance: %v", err)
				return
			}
			// Shuffled: older steps are refused, which is fine here.
			if _, err := h.s.Advance(h.ctx, own, t0.Add(time.Duration(i)*time.Second), long); err != nil {
				h.Errorf("Advance: %v", err)
				return
			}
		}
		for i := range steps {
			ok, err := h.s.Advance(h.ctx, own, t0.Add(time.Duration(steps+i)*time.Second), long)
			if err != nil || !ok {
				h.Errorf("in-order Advance of %s = %v, %v; want true", own, ok, err)
				return
			}
		}
	})
	newest := t0.Add(time.Duration(steps*goroutines-1) * time.Second)
	h.advance(shared, newest.Add(-time.Second), long, false)
	h.advance(shared, newest, long, true)
}

// ---- durations ----

// A lease, window or ttl that is not positive is an error, and the call
// changes nothing.
func durationsNonPositive(h *harness) {
	k, r := h.key("k"), h.key("r")
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := h.s.Claim(h.ctx, k, d); !errors.Is(err, store.ErrInvalidDuration) {
			h.Fatalf("Claim with lease %v: %v, want ErrInvalidDuration", d, err)
		}
	}
	c := h.claim(k, long, store.Claimed)
	for _, d := range []time.Duration{0, -time.Second} {
		if err := h.s.Renew(h.ctx, c, d); !errors.Is(err, store.ErrInvalidDuration) {
			h.Fatalf("Renew with lease %v: %v, want ErrInvalidDuration", d, err)
		}
		if err := h.s.Commit(h.ctx, c, d); !errors.Is(err, store.ErrInvalidDuration) {
			h.Fatalf("Commit with window %v: %v, want ErrInvalidDuration", d, err)
		}
		if _, err := h.s.Advance(h.ctx, r, t0.Add(time.Hour), d); !errors.Is(err, store.ErrInvalidDuration) {
			h.Fatalf("Advance with ttl %v: %v, want ErrInvalidDuration", d, err)
		}
	}
	h.claim(k, long, store.InFlight) // not committed
	h.commit(c, long, nil)           // the claim still holds
	h.advance(r, t0, long, true)     // nothing recorded
}

// ---- claim and advance (store.ClaimAdvancer, when implemented) ----

// claimAdvancer returns the store as a ClaimAdvancer, or skips the test.
func (h *harness) claimAdvancer() store.ClaimAdvancer {
	h.Helper()
	ca, ok := h.s.(store.ClaimAdvancer)
	if !ok {
		h.Skipf("%T does not implement store.ClaimAdvancer", h.s)
	}
	return ca
}

func (h *harness) claimAndAdvance(key, resource string, at time.Time, want store.State, wantAdvanced bool) store.Claim {
	h.Helper()
	c, ok, err := h.claimAdvancer().ClaimAndAdvance(h.ctx, key, long, resource, at, long)
	if err != nil {
		h.Fatalf("ClaimAndAdvance(%q, %q, %s): %v", key, resource, at.Format(time.RFC3339Nano), err)
	}
	if c.State != want || ok != wantAdvanced || c.Key != key {
		h.Fatalf("ClaimAndAdvance(%q, %q, %s) = %v (key %q), advanced %v; want %v, advanced %v",
			key, resource, at.Format(time.RFC3339Nano), c.State, c.Key, ok, want, wantAdvanced)
	}
	if want == store.Claimed && (c.Token == "" || c.Fence == 0) {
		h.Fatalf("ClaimAndAdvance(%q) = claimed with token %q, fence %d", key, c.Token, c.Fence)
	}
	if want != store.Claimed && (c.Token != "" || c.Fence != 0) {
		h.Fatalf("ClaimAndAdvance(%q) = %v with token %q, fence %d; want neither", key, c.State, c.Token, c.Fence)
	}
	return c
}

func caaClaimedAdvances(h *harness) {
	k, r := h.key("k"), h.key("r")
	c := h.claimAndAdvance(k, r, t0, store.Claimed, true)
	h.claim(k, long, store.InFlight)                // the claim holds
	h.advance(r, t0.Add(-time.Second), long, false) // and the resource is at t0
	h.commit(c, long, nil)
	h.claim(k, long, store.Done)
}

func caaClaimedOlderRefused(h *harness) {
	k, r := h.key("k"), h.key("r")
	h.advance(r, t0.Add(time.Second), long, true)
	c := h.claimAndAdvance(k, r, t0, store.Claimed, false)
	h.claim(k, long, store.InFlight)                        // the claim holds, for its caller to commit
	h.advance(r, t0.Add(500*time.Millisecond), long, false) // unchanged: still t0+1s
	h.commit(c, long, nil)
	h.claim(k, long, store.Done)
}

func caaClaimedEqual(h *harness) {
	k, r := h.key("k"), h.key("r")
	h.advance(r, t0, long, true)
	h.claimAndAdvance(k, r, t0, store.Claimed, true)
}

func caaInFlight(h *harness) {
	k, r := h.key("k"), h.key("r")
	h.claim(k, long, store.Claimed)
	h.claimAndAdvance(k, r, t0.Add(time.Hour), store.InFlight, false)
	h.advance(r, t0, long, true) // nothing was recorded
}

func caaDone(h *harness) {
	k, r := h.key("k"), h.key("r")
	h.commit(h.claim(k, long, store.Claimed), long, nil)
	h.claimAndAdvance(k, r, t0.Add(time.Hour), store.Done, false)
	h.advance(r, t0, long, true) // nothing was recorded
}

func caaReleased(h *harness) {
	k, r := h.key("k"), h.key("r")
	first := h.claimAndAdvance(k, r, t0, store.Claimed, true)
	h.release(first, nil)
	second := h.claimAndAdvance(k, r, t0, store.Claimed, true) // the retry: same event time
	if second.Token == first.Token || second.Fence <= first.Fence {
		h.Fatalf("claim after release: token %q fence %d, after token %q fence %d; want a new token and a larger fence",
			second.Token, second.Fence, first.Token, first.Fence)
	}
}

func caaDurations(h *harness) {
	ca := h.claimAdvancer()
	k, r := h.key("k"), h.key("r")
	for _, d := range []time.Duration{0, -time.Second} {
		if _, _, err := ca.ClaimAndAdvance(h.ctx, k, d, r, t0, long); !errors.Is(err, store.ErrInvalidDuration) {
			h.Fatalf("ClaimAndAdvance with lease %v: %v, want ErrInvalidDuration", d, err)
		}
		if _, _, err := ca.ClaimAndAdvance(h.ctx, k, long, r, t0, d); !errors.Is(err, store.ErrInvalidDuration) {
			h.Fatalf("ClaimAndAdvance with ttl %v: %v, want ErrInvalidDuration", d, err)
		}
	}
	h.claim(k, long, store.Claimed)              // nothing was claimed
	h.advance(r, t0.Add(-time.Hour), long, true) // nothing was recorded
}

func caaConcurrent(h *harness) {
	ca := h.claimAdvancer()
	k, r := h.key("k"), h.key("r")
	var claimed, advanced, failed atomic.Int32
	together(16, func(int) {
		c, ok, err := ca.ClaimAndAdvance(h.ctx, k, long, r, t0, long)
		switch {
		case err != nil:
			failed.Add(1)
		case c.State == store.Claimed:
			claimed.Add(1)
		}
		if ok {
			advanced.Add(1)
		}
	})
	if failed.Load() != 0 || claimed.Load() != 1 || advanced.Load() != 1 {
		h.Fatalf("16 concurrent ClaimAndAdvance of one key: %d claimed, %d advanced, %d failed; want 1, 1, 0",
			claimed.Load(), advanced.Load(), failed.Load())
	}
}

func caaContextCancelled(h *harness) {
	ca := h.claimAdvancer()
	k, r := h.key("k"), h.key("r")
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	if _, _, err := ca.ClaimAndAdvance(ctx, k, long, r, t0, long); !errors.Is(err, context.Canceled) {
		h.Fatalf("ClaimAndAdvance with a cancelled context: %v, want context.Canceled", err)
	}
	h.claim(k, long, store.Claimed)
	h.advance(r, t0.Add(-time.Hour), long, true)
}

// ---- context ----

func contextCancelled(h *harness) {
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	checkDeadContext(h, ctx)
}

func contextDeadlineExceeded(h *harness) {
	ctx, cancel := context.WithDeadline(h.ctx, time.Now().Add(-time.Second))
	defer cancel()
	checkDeadContext(h, ctx)
}

// checkDeadContext: with a done ctx, every operation returns an error
// wrapping ctx.Err() and changes nothing.
func checkDeadContext(h *harness, ctx context.Context) {
	h.Helper()
	want := ctx.Err()
	k, r := h.key("k"), h.key("r")

	if _, err := h.s.Claim(ctx, k, long); !errors.Is(err, want) {
		h.Fatalf("Claim with a done context = %v, want %v", err, want)
	}
	c := h.claim(k, long, store.Claimed) // the failed call claimed nothing

	if err := h.s.Commit(ctx, c, long); !errors.Is(err, want) {
		h.Fatalf("Commit with a done context = %v, want %v", err, want)
	}
	if err := h.s.Release(ctx, c); !errors.Is(err, want) {
		h.Fatalf("Release with a done context = %v, want %v", err, want)
	}
	if err := h.s.Renew(ctx, c, long); !errors.Is(err, want) {
		h.Fatalf("Renew with a done context = %v, want %v", err, want)
	}
	h.claim(k, long, store.InFlight) // neither committed nor released
	h.commit(c, long, nil)           // and the claim still holds

	if _, err := h.s.Advance(ctx, r, t0.Add(time.Hour), long); !errors.Is(err, want) {
		h.Fatalf("Advance with a done context = %v, want %v", err, want)
	}
	h.advance(r, t0, long, true) // the failed call recorded nothing
}
