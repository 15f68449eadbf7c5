// Package inboxtest is the contract test suite for inbox.Inbox
// implementations. Every backend, in this module or outside it, runs it
// from its own tests:
//
//	func TestContract(t *testing.T) {
//		inboxtest.Run(t, func(t *testing.T, c inboxtest.Config) inbox.Inbox {
//			return newBackend(t, c.MaxEntries)
//		})
//	}
//
// It checks the contract the inbox package documents: appending once per
// key, leasing in run order, one entry at a time per resource across
// concurrent holders, leases that run out, renewals, acknowledgements,
// retries held back, dead letters, coalescing, bounds, stats, and done
// contexts. It uses no injected clock, so it runs against a backend whose
// time is kept elsewhere (a Redis server): expiry is tested with short real
// leases (Tick, 50 ms) and generous upper bounds. Each subtest gets a new
// inbox from the factory; a factory over a shared backend must give each
// one its own namespace.
package inboxtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
)

// Tick is the short lease and backoff the expiry tests wait out.
const Tick = 50 * time.Millisecond

// long is a lease that must not run out during a subtest.
const long = time.Minute

// Config is what a subtest asks of the factory.
type Config struct {
	// MaxEntries, when not 0, is the bound the inbox must enforce:
	// Append fails with inbox.ErrFull once it holds that many entries.
	MaxEntries int
}

// Run runs the suite against the inboxes newInbox returns, one per
// subtest.
func Run(t *testing.T, newInbox func(t *testing.T, c Config) inbox.Inbox) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := &harness{T: t, ctx: t.Context()}
			h.ib = newInbox(t, c.cfg)
			c.fn(h)
		})
	}
}

type testCase struct {
	name string
	cfg  Config
	fn   func(h *harness)
}

var cases = []testCase{
	{"append/assigns-id-and-acceptance", Config{}, appendAssigns},
	{"append/once-per-key", Config{}, appendOncePerKey},
	{"append/acked-key-remembered", Config{}, appendAckedRemembered},
	{"append/dead-letter-directly", Config{}, appendDead},
	{"append/full", Config{MaxEntries: 3}, appendFull},
	{"append/empty-body", Config{}, appendEmptyBody},
	{"append/to-a-running-resource", Config{}, appendToRunningResource},
	{"lease/empty", Config{}, leaseEmpty},
	{"lease/fifo-without-resource", Config{}, leaseFIFO},
	{"lease/event-time-order", Config{}, leaseEventTimeOrder},
	{"lease/one-per-resource", Config{}, leaseOnePerResource},
	{"lease/counts-attempts", Config{}, leaseCountsAttempts},
	{"lease/runs-out", Config{}, leaseRunsOut},
	{"lease/renewed", Config{}, leaseRenewed},
	{"lease/ran-out-not-renewed", Config{}, leaseRanOutNotRenewed},
	{"ack/removes-and-frees-resource", Config{}, ackFrees},
	{"ack/foreign-token", Config{}, ackForeignToken},
	{"retry/held-back", Config{}, retryHeldBack},
	{"retry/blocks-its-resource", Config{}, retryBlocksResource},
	{"bury/dead-letters", Config{}, buryDead},
	{"bury/revive-and-drop", Config{}, reviveAndDrop},
	{"coalesce/newest-wins", Config{}, coalesceNewest},
	{"stats", Config{}, stats},
	{"durations/non-positive", Config{}, durationsNonPositive},
	{"context/done", Config{}, contextDone},
	{"concurrency/one-holder-per-resource", Config{}, concurrencyOneHolder},
}

// harness is one subtest's inbox with helpers that fail the test on an
// unexpected result.
type harness struct {
	*testing.T
	ib  inbox.Inbox
	ctx context.Context
	n   int
}

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// entry makes an entry with a fresh key.
func (h *harness) entry(resource string, at time.Duration) inbox.Entry {
	h.n++
	return inbox.Entry{
		Key: fmt.Sprintf("key-%d", h.n), Route: "route", Resource: resource,
		EventTime: t0.Add(at), Body: []byte(fmt.Sprintf(`{"n":%d}`, h.n)),
		Meta: map[string]string{"content-type": "application/json"},
	}
}

func (h *harness) append(e inbox.Entry) string {
	h.Helper()
	id, added, err := h.ib.Append(h.ctx, e)
	if err != nil || !added || id == "" {
		h.Fatalf("Append(%s) = %q, %v, %v; want a new entry", e.Key, id, added, err)
	}
	return id
}

func (h *harness) lease(d time.Duration) inbox.Lease {
	h.Helper()
	l, err := h.ib.Lease(h.ctx, d)
	if err != nil {
		h.Fatalf("Lease: %v", err)
	}
	if l.Token == "" || l.Entry.ID == "" {
		h.Fatalf("Lease = %+v: no token or id", l)
	}
	return l
}

func (h *harness) empty() {
	h.Helper()
	if l, err := h.ib.Lease(h.ctx, long); !errors.Is(err, inbox.ErrEmpty) {
		h.Fatalf("Lease = %s (%s), %v; want ErrEmpty", l.Entry.ID, l.Entry.Key, err)
	}
}

func (h *harness) ack(l inbox.Lease, want error) {
	h.Helper()
	if err := h.ib.Ack(h.ctx, l); !errors.Is(err, want) {
		h.Fatalf("Ack(%s) = %v, want %v", l.Entry.Key, err, want)
	}
}

// eventually polls f until it is true, for at most 40 ticks.
func (h *harness) eventually(what string, f func() bool) {
	h.Helper()
	deadline := time.Now().Add(40 * Tick)
	for !f() {
		if time.Now().After(deadline) {
			h.Fatalf("%s: not seen within %s", what, 40*Tick)
		}
		time.Sleep(Tick / 5)
	}
}

func appendAssigns(h *harness) {
	before := time.Now().Add(-time.Second)
	e := h.entry("r", 0)
	id := h.append(e)
	got, err := h.ib.Get(h.ctx, id)
	if err != nil {
		h.Fatal(err)
	}
	if got.ID != id || got.Key != e.Key || got.Route != e.Route || got.Resource != "r" || !got.EventTime.Equal(e.EventTime) ||
		string(got.Body) != string(e.Body) || got.Meta["content-type"] != "application/json" || got.Attempts != 0 || got.Dead {
		h.Fatalf("Get = %+v, want what was appended", got)
	}
	if got.Accepted.Before(before) || got.Accepted.After(time.Now().Add(time.Second)) {
		h.Fatalf("Accepted = %v, want about now", got.Accepted)
	}
}

func appendOncePerKey(h *harness) {
	e := h.entry("r", 0)
	id := h.append(e)
	again := e
	again.Body = []byte(`{"other":true}`)
	id2, added, err := h.ib.Append(h.ctx, again)
	if err != nil || added || id2 != id {
		h.Fatalf("Append of a held key = %q, %v, %v; want %q, not added", id2, added, err, id)
	}
	l := h.lease(long) // still held while running
	if _, added, err := h.ib.Append(h.ctx, e); err != nil || added {
		h.Fatalf("Append of a running key: added %v, %v", added, err)
	}
	h.ack(l, nil)
	h.empty()
}

func appendAckedRemembered(h *harness) {
	e := h.entry("", 0)
	h.append(e)
	h.ack(h.lease(long), nil)
	if _, added, err := h.ib.Append(h.ctx, e); err != nil || added {
		h.Fatalf("Append of an acknowledged key = added %v, %v; want it remembered", added, err)
	}
	h.empty()
}

func appendDead(h *harness) {
	e := h.entry("r", 0)
	e.Dead, e.LastError = true, "undecodable body"
	id := h.append(e)
	h.empty()
	dead, err := h.ib.Dead(h.ctx, 10)
	if err != nil || len(dead) != 1 || dead[0].ID != id || !dead[0].Dead || dead[0].LastError != "undecodable body" {
		h.Fatalf("Dead = %+v, %v", dead, err)
	}
	if s, _ := h.ib.Stats(h.ctx); s.Dead != 1 || s.Pending != 0 {
		h.Fatalf("Stats = %+v", s)
	}
}

func appendFull(h *harness) {
	for range 3 {
		h.append(h.entry("", 0))
	}
	if _, _, err := h.ib.Append(h.ctx, h.entry("", 0)); !errors.Is(err, inbox.ErrFull) {
		h.Fatalf("Append beyond the bound = %v, want ErrFull", err)
	}
	h.ack(h.lease(long), nil)
	h.append(h.entry("", 0)) // room again
}

func leaseEmpty(h *harness) { h.empty() }

func leaseFIFO(h *harness) {
	a, b, c := h.append(h.entry("", 0)), h.append(h.entry("", 0)), h.append(h.entry("", 0))
	for _, want := range []string{a, b, c} {
		l := h.lease(long)
		if l.Entry.ID != want {
			h.Fatalf("Lease = %s, want %s (acceptance order)", l.Entry.ID, want)
		}
	}
	h.empty()
}

func leaseEventTimeOrder(h *harness) {
	late := h.append(h.entry("r", 2*time.Second))
	early := h.append(h.entry("r", time.Second))
	same := h.append(h.entry("r", 2*time.Second)) // equal times: acceptance order
	for _, want := range []string{early, late, same} {
		l := h.lease(long)
		if l.Entry.ID != want {
			h.Fatalf("Lease = %s (%v), want %s", l.Entry.ID, l.Entry.EventTime, want)
		}
		h.ack(l, nil)
	}
}

func leaseOnePerResource(h *harness) {
	r1a := h.append(h.entry("r1", 0))
	h.append(h.entry("r1", time.Second))
	r2 := h.append(h.entry("r2", 0))
	first := h.lease(long)
	second := h.lease(long)
	if first.Entry.ID != r1a || second.Entry.ID != r2 {
		h.Fatalf("leased %s then %s, want %s then %s (r1's second waits for its first)", first.Entry.ID, second.Entry.ID, r1a, r2)
	}
	h.empty() // r1's second entry waits while its first runs
	h.ack(first, nil)
	if l := h.lease(long); l.Entry.Resource != "r1" {
		h.Fatalf("after the ack: leased %+v, want r1's second", l.Entry)
	}
}

func leaseCountsAttempts(h *harness) {
	h.append(h.entry("", 0))
	l := h.lease(long)
	if l.Entry.Attempts != 1 {
		h.Fatalf("first lease Attempts = %d, want 1", l.Entry.Attempts)
	}
	if err := h.ib.Retry(h.ctx, l, time.Time{}, "boom"); err != nil {
		h.Fatal(err)
	}
	if l := h.lease(long); l.Entry.Attempts != 2 || l.Entry.LastError != "boom" {
		h.Fatalf("second lease Attempts = %d, LastError %q", l.Entry.Attempts, l.Entry.LastError)
	}
}

func leaseRunsOut(h *harness) {
	h.append(h.entry("r", 0))
	h.append(h.entry("r", time.Second))
	first := h.lease(Tick)
	var again inbox.Lease
	h.eventually("the entry leased again after its lease ran out", func() bool {
		l, err := h.ib.Lease(h.ctx, long)
		if err != nil {
			return false
		}
		again = l
		return true
	})
	if again.Entry.ID != first.Entry.ID || again.Entry.Attempts != 2 || again.Token == first.Token {
		h.Fatalf("after the lease ran out: %+v (token %q), want entry %s again, attempt 2, a new token", again.Entry, again.Token, first.Entry.ID)
	}
	h.ack(first, inbox.ErrLeaseLost) // the first holder lost it
	h.ack(again, nil)
}

// A renewed lease outlives its first expiry, and no one else can lease the
// entry meanwhile. The lease is long (20 ticks) and renewed every tick, so
// only a stall of nearly a second between two renewals could make it run
// out; the holder keeps renewing until it is well past the first expiry.
func leaseRenewed(h *harness) {
	const lease = 20 * Tick
	h.append(h.entry("r", 0))
	l := h.lease(lease)
	taken := time.Now()
	firstExpiry := taken.Add(lease) // no earlier than the backend's
	for renewals := 0; ; renewals++ {
		time.Sleep(Tick)
		if err := h.ib.Renew(h.ctx, l, lease); err != nil {
			h.Fatalf("Renew %d, %s after the lease was taken: %v", renewals+1, time.Since(taken).Round(time.Millisecond), err)
		}
		if renewals%4 == 0 {
			h.empty() // no other worker gets it while it is held
		}
		if time.Now().After(firstExpiry.Add(2 * Tick)) {
			break
		}
	}
	h.empty() // held past its first lease
	if err := h.ib.Renew(h.ctx, inbox.Lease{Entry: l.Entry, Token: "forged"}, long); !errors.Is(err, inbox.ErrLeaseLost) {
		h.Fatalf("Renew with a forged token = %v", err)
	}
	h.ack(l, nil) // still the holder's
}

// A lease that ran out cannot be renewed, even before anyone takes the
// entry over: an entry of its resource with an earlier event time, appended
// meanwhile, may already run, and renewing would make two run at once.
func leaseRanOutNotRenewed(h *harness) {
	late := h.append(h.entry("r", time.Second))
	l := h.lease(Tick)
	if l.Entry.ID != late {
		h.Fatalf("leased %s, want %s", l.Entry.ID, late)
	}
	time.Sleep(3 * Tick)
	early := h.append(h.entry("r", 0))
	if err := h.ib.Renew(h.ctx, l, long); !errors.Is(err, inbox.ErrLeaseLost) {
		h.Fatalf("Renew after the lease ran out = %v, want ErrLeaseLost", err)
	}
	if next := h.lease(long); next.Entry.ID != early {
		h.Fatalf("leased %s after the lapse, want the earlier event %s", next.Entry.ID, early)
	}
	h.empty() // one of the resource at a time
}

func ackFrees(h *harness) {
	id := h.append(h.entry("r", 0))
	next := h.append(h.entry("r", time.Second))
	h.ack(h.lease(long), nil)
	if _, err := h.ib.Get(h.ctx, id); !errors.Is(err, inbox.ErrNotFound) {
		h.Fatalf("Get of an acknowledged entry = %v, want ErrNotFound", err)
	}
	if l := h.lease(long); l.Entry.ID != next {
		h.Fatalf("after the ack: %s, want %s", l.Entry.ID, next)
	}
}

func ackForeignToken(h *harness) {
	h.append(h.entry("", 0))
	l := h.lease(long)
	for _, bad := range []inbox.Lease{{Entry: l.Entry, Token: "forged"}, {Entry: l.Entry}, {Entry: inbox.Entry{ID: "nope"}, Token: l.Token}} {
		h.ack(bad, inbox.ErrLeaseLost)
		if err := h.ib.Retry(h.ctx, bad, time.Time{}, "x"); !errors.Is(err, inbox.ErrLeaseLost) {
			h.Fatalf("Retry with a foreign lease = %v", err)
		}
		if err := h.ib.Bury(h.ctx, bad, "x"); !errors.Is(err, inbox.ErrLeaseLost) {
			h.Fatalf("Bury with a foreign lease = %v", err)
		}
	}
	h.ack(l, nil)
	h.ack(l, inbox.ErrLeaseLost) // twice
}

func retryHeldBack(h *harness) {
	h.append(h.entry("", 0))
	l := h.lease(long)
	until := time.Now().Add(3 * Tick)
	if err := h.ib.Retry(h.ctx, l, until, "downstream down"); err != nil {
		h.Fatal(err)
	}
	if time.Now().Before(until.Add(-Tick)) {
		h.empty()
	}
	h.eventually("the entry ready after its backoff", func() bool {
		_, err := h.ib.Lease(h.ctx, long)
		return err == nil
	})
}

func retryBlocksResource(h *harness) {
	h.append(h.entry("r", 0))
	h.append(h.entry("r", time.Second))
	other := h.append(h.entry("s", 0))
	l := h.lease(long)
	if err := h.ib.Retry(h.ctx, l, time.Now().Add(time.Hour), "down"); err != nil {
		h.Fatal(err)
	}
	// r's second entry must not overtake its first, held back.
	if got := h.lease(long); got.Entry.ID != other {
		h.Fatalf("leased %+v; want only resource s's entry while r's first waits", got.Entry)
	}
	h.empty()
}

func buryDead(h *harness) {
	id := h.append(h.entry("r", 0))
	next := h.append(h.entry("r", time.Second))
	l := h.lease(long)
	if err := h.ib.Bury(h.ctx, l, "gave up"); err != nil {
		h.Fatal(err)
	}
	if got := h.lease(long); got.Entry.ID != next {
		h.Fatalf("after the bury: %s, want %s (a dead letter does not block its resource)", got.Entry.ID, next)
	}
	e, err := h.ib.Get(h.ctx, id)
	if err != nil || !e.Dead || e.LastError != "gave up" {
		h.Fatalf("Get of the dead letter = %+v, %v", e, err)
	}
	if dead, err := h.ib.Dead(h.ctx, 0); err != nil || len(dead) != 1 || dead[0].ID != id {
		h.Fatalf("Dead = %+v, %v", dead, err)
	}
}

func reviveAndDrop(h *harness) {
	a := h.append(h.entry("", 0))
	b := h.append(h.entry("", 0))
	for range 2 {
		if err := h.ib.Bury(h.ctx, h.lease(long), "x"); err != nil {
			h.Fatal(err)
		}
	}
	if err := h.ib.Revive(h.ctx, a); err != nil {
		h.Fatal(err)
	}
	// Its attempts go on from where they were: a handler's fence (the
	// attempt) must keep growing across a revival.
	if l := h.lease(long); l.Entry.ID != a || l.Entry.Attempts != 2 {
		h.Fatalf("revived entry: %+v, want %s leased for the second time", l.Entry, a)
	}
	if err := h.ib.Drop(h.ctx, b); err != nil {
		h.Fatal(err)
	}
	if _, err := h.ib.Get(h.ctx, b); !errors.Is(err, inbox.ErrNotFound) {
		h.Fatalf("Get of a dropped entry = %v", err)
	}
	for _, id := range []string{b, "nope", a} { // a is running, not dead
		if err := h.ib.Drop(h.ctx, id); !errors.Is(err, inbox.ErrNotFound) {
			h.Fatalf("Drop(%s) = %v, want ErrNotFound", id, err)
		}
		if err := h.ib.Revive(h.ctx, id); !errors.Is(err, inbox.ErrNotFound) {
			h.Fatalf("Revive(%s) = %v, want ErrNotFound", id, err)
		}
	}
}

func coalesceNewest(h *harness) {
	var ids []string
	for i := range 3 {
		e := h.entry("r", time.Duration(i)*time.Second)
		e.Coalesce = true
		ids = append(ids, h.append(e))
	}
	l := h.lease(long)
	if l.Entry.ID != ids[2] || len(l.Superseded) != 2 {
		h.Fatalf("Lease = %s with %d superseded; want the newest, %s, superseding 2", l.Entry.ID, len(l.Superseded), ids[2])
	}
	var gone []string
	for _, s := range l.Superseded {
		gone = append(gone, s.ID)
		if _, err := h.ib.Get(h.ctx, s.ID); !errors.Is(err, inbox.ErrNotFound) {
			h.Fatalf("a superseded entry is still held: %v", err)
		}
		if id, added, err := h.ib.Append(h.ctx, s); err != nil || added || id != "" {
			h.Fatalf("a superseded entry's key was appended again: %q, %v, %v; want no entry", id, added, err)
		}
	}
	slices.Sort(gone)
	want := []string{ids[0], ids[1]}
	slices.Sort(want)
	if !slices.Equal(gone, want) {
		h.Fatalf("superseded %v, want %v", gone, want)
	}
	h.ack(l, nil)
	h.empty()
}

// An empty body is a body: kept, leased and counted like any other.
func appendEmptyBody(h *harness) {
	e := h.entry("", 0)
	e.Body = nil
	id := h.append(e)
	l := h.lease(long)
	if l.Entry.ID != id || len(l.Entry.Body) != 0 {
		h.Fatalf("leased %+v, want %s with an empty body", l.Entry, id)
	}
	h.ack(l, nil)
	if s, err := h.ib.Stats(h.ctx); err != nil || s != (inbox.Stats{}) {
		h.Fatalf("Stats after the empty body was acknowledged = %+v, %v", s, err)
	}
	h.append(h.entry("", 0)) // and the bounds' accounting still works
}

// An entry appended to a resource while one of its entries runs waits
// for it, even when its event time is earlier: one at a time.
func appendToRunningResource(h *harness) {
	first := h.append(h.entry("r", time.Second))
	l := h.lease(long)
	early := h.append(h.entry("r", 0))
	late := h.append(h.entry("r", 2*time.Second))
	h.empty()
	h.ack(l, nil)
	if next := h.lease(long); next.Entry.ID != early {
		h.Fatalf("after %s: leased %s, want %s, the earliest event waiting", first, next.Entry.ID, early)
	} else {
		h.empty()
		h.ack(next, nil)
	}
	if next := h.lease(long); next.Entry.ID != late {
		h.Fatalf("leased %s, want %s", next.Entry.ID, late)
	}
}

func stats(h *harness) {
	if s, err := h.ib.Stats(h.ctx); err != nil || s != (inbox.Stats{}) {
		h.Fatalf("Stats of an empty inbox = %+v, %v", s, err)
	}
	first := h.append(h.entry("a", 0))
	h.append(h.entry("b", 0))
	h.append(h.entry("c", 0))
	l := h.lease(long)
	if err := h.ib.Bury(h.ctx, h.lease(long), "x"); err != nil {
		h.Fatal(err)
	}
	s, err := h.ib.Stats(h.ctx)
	if err != nil || s.Pending != 1 || s.Running != 1 || s.Dead != 1 {
		h.Fatalf("Stats = %+v, %v; want 1 pending, 1 running, 1 dead", s, err)
	}
	e, _ := h.ib.Get(h.ctx, first)
	if !s.OldestPending.Equal(e.Accepted) {
		h.Fatalf("OldestPending = %v, want the first entry's acceptance %v", s.OldestPending, e.Accepted)
	}
	h.ack(l, nil)
}

func durationsNonPositive(h *harness) {
	h.append(h.entry("", 0))
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := h.ib.Lease(h.ctx, d); !errors.Is(err, inbox.ErrInvalidDuration) {
			h.Fatalf("Lease(%s) = %v, want ErrInvalidDuration", d, err)
		}
	}
	l := h.lease(long)
	if err := h.ib.Renew(h.ctx, l, 0); !errors.Is(err, inbox.ErrInvalidDuration) {
		h.Fatalf("Renew(0) = %v", err)
	}
	h.ack(l, nil)
}

func contextDone(h *harness) {
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	if _, _, err := h.ib.Append(ctx, h.entry("", 0)); !errors.Is(err, context.Canceled) {
		h.Fatalf("Append with a done context = %v", err)
	}
	if s, _ := h.ib.Stats(h.ctx); s.Pending != 0 {
		h.Fatalf("a failed Append appended: %+v", s)
	}
	if _, err := h.ib.Lease(ctx, long); !errors.Is(err, context.Canceled) {
		h.Fatalf("Lease with a done context = %v", err)
	}
}

// concurrencyOneHolderPerResource: workers leasing at once never hold two
// entries of one resource, run each resource's entries in order, and
// acknowledge every entry once.
func concurrencyOneHolder(h *harness) {
	const resources, per = 4, 10
	want := map[string][]string{}
	for i := range per {
		for r := range resources {
			res := fmt.Sprintf("r%d", r)
			id := h.append(h.entry(res, time.Duration(i)*time.Second))
			want[res] = append(want[res], id)
		}
	}
	var mu sync.Mutex
	got := map[string][]string{}
	holding := map[string]bool{}
	var acked atomic.Int32
	var wg sync.WaitGroup
	// A broken inbox may never hand out what is left: fail, not hang.
	deadline := time.Now().Add(30 * time.Second)
	for range 8 {
		wg.Go(func() {
			for acked.Load() < resources*per {
				if time.Now().After(deadline) {
					h.Errorf("only %d of %d entries handled within 30 s", acked.Load(), resources*per)
					return
				}
				l, err := h.ib.Lease(h.ctx, long)
				if errors.Is(err, inbox.ErrEmpty) {
					time.Sleep(time.Millisecond)
					continue
				}
				if err != nil {
					h.Error(err)
					return
				}
				mu.Lock()
				if holding[l.Entry.Resource] {
					h.Errorf("two holders of resource %s at once", l.Entry.Resource)
				}
				holding[l.Entry.Resource] = true
				got[l.Entry.Resource] = append(got[l.Entry.Resource], l.Entry.ID)
				mu.Unlock()
				time.Sleep(time.Millisecond)
				mu.Lock()
				holding[l.Entry.Resource] = false
				mu.Unlock()
				if err := h.ib.Ack(h.ctx, l); err != nil {
					h.Error(err)
					return
				}
				acked.Add(1)
			}
		})
	}
	wg.Wait()
	for res, ids := range want {
		if !slices.Equal(got[res], ids) {
			h.Errorf("resource %s ran %v, want %v", res, got[res], ids)
		}
	}
}
