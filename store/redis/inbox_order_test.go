package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	redisstore "github.com/hookseal/hookseal/store/redis"
)

// A resource's turn follows its head: the cases where the head changes
// while the turn waits (for a backoff) or is queued, beyond what the
// contract suite checks. Each case runs against inbox.Memory too, so the
// two backends are seen to agree.

type orderHarness struct {
	*testing.T
	ib inbox.Inbox
}

func (h orderHarness) add(key, res string, at time.Duration, coalesce bool) string {
	h.Helper()
	id, added, err := h.ib.Append(h.Context(), inbox.Entry{Key: key, Route: "r", Resource: res, EventTime: t0.Add(at), Coalesce: coalesce})
	if err != nil || !added {
		h.Fatalf("Append(%s): %v, %v", key, added, err)
	}
	return id
}

func (h orderHarness) lease(d time.Duration, want string) inbox.Lease {
	h.Helper()
	l, err := h.ib.Lease(h.Context(), d)
	if err != nil || l.Entry.Key != want {
		h.Fatalf("Lease = %q, %v; want %s", l.Entry.Key, err, want)
	}
	return l
}

func (h orderHarness) empty() {
	h.Helper()
	if l, err := h.ib.Lease(h.Context(), time.Minute); !errors.Is(err, inbox.ErrEmpty) {
		h.Fatalf("Lease = %q, %v; want ErrEmpty", l.Entry.Key, err)
	}
}

func forBothBackends(t *testing.T, f func(h orderHarness)) {
	t.Run("memory", func(t *testing.T) { f(orderHarness{t, inbox.NewMemory()}) })
	t.Run("redis", func(t *testing.T) {
		f(orderHarness{t, newInbox(t, newClient(t, needRedis(t).Addr), uniqueName(t))})
	})
}

// An entry whose event is earlier than a head held back by a backoff runs
// at once: the resource's waiting turn is rescheduled for the new head.
func TestInboxEarlierEventOvertakesABackoff(t *testing.T) {
	forBothBackends(t, func(h orderHarness) {
		h.add("late", "r", 2*time.Second, false)
		l := h.lease(time.Minute, "late")
		if err := h.ib.Retry(h.Context(), l, time.Now().Add(time.Hour), "down"); err != nil {
			h.Fatal(err)
		}
		h.empty()
		h.add("early", "r", time.Second, false)
		h.ack(h.lease(time.Minute, "early"))
		h.empty() // "late" waits for its backoff again
	})
}

// A revived dead letter takes its place in its resource's event order.
func TestInboxRevivedEntryKeepsItsPlace(t *testing.T) {
	forBothBackends(t, func(h orderHarness) {
		first := h.add("first", "r", 0, false)
		h.add("second", "r", time.Second, false)
		if err := h.ib.Bury(h.Context(), h.lease(time.Minute, "first"), "bad"); err != nil {
			h.Fatal(err)
		}
		if err := h.ib.Revive(h.Context(), first); err != nil {
			h.Fatal(err)
		}
		l := h.lease(time.Minute, "first")
		if l.Entry.Attempts != 2 || l.Entry.LastError != "bad" {
			h.Fatalf("revived: %+v; want attempt 2 with its last error", l.Entry)
		}
		h.empty()
		h.ack(l)
		h.ack(h.lease(time.Minute, "second"))
	})
}

// A coalescing entry whose lease ran out is taken over as a lease of its
// resource is taken: the newest pending entry runs, superseding the rest.
func TestInboxCoalescingOnTakeover(t *testing.T) {
	forBothBackends(t, func(h orderHarness) {
		h.add("a", "r", 0, true)
		stale := h.lease(50*time.Millisecond, "a")
		h.add("b", "r", time.Second, true)
		h.add("c", "r", 2*time.Second, true)
		h.empty()
		time.Sleep(100 * time.Millisecond)
		l := h.lease(time.Minute, "c")
		if len(l.Superseded) != 2 {
			h.Fatalf("superseded %d entries, want a and b", len(l.Superseded))
		}
		if err := h.ib.Ack(h.Context(), stale); !errors.Is(err, inbox.ErrLeaseLost) {
			h.Fatalf("Ack of the superseded lease = %v, want ErrLeaseLost", err)
		}
		h.ack(l)
		h.empty()
	})
}

// A retried entry without a resource, held back, and the entries behind
// it: the others run meanwhile; it runs once its time comes.
func TestInboxBackoffOfAFreeEntry(t *testing.T) {
	forBothBackends(t, func(h orderHarness) {
		h.add("slow", "", 0, false)
		l := h.lease(time.Minute, "slow")
		if err := h.ib.Retry(h.Context(), l, time.Now().Add(150*time.Millisecond), "down"); err != nil {
			h.Fatal(err)
		}
		h.add("next", "", 0, false)
		h.ack(h.lease(time.Minute, "next"))
		h.empty()
		time.Sleep(200 * time.Millisecond)
		if l := h.lease(time.Minute, "slow"); l.Entry.Attempts != 2 || l.Entry.NotBefore.IsZero() {
			h.Fatalf("after its backoff: %+v", l.Entry)
		}
	})
}

// Entries appended to a resource while one of its entries runs wait for
// it, whatever their event times; the earliest runs next.
func TestInboxAppendToARunningResource(t *testing.T) {
	forBothBackends(t, func(h orderHarness) {
		h.add("b", "r", time.Second, false)
		l := h.lease(time.Minute, "b")
		h.add("c", "r", 2*time.Second, false)
		h.add("a", "r", 0, false)
		h.empty()
		h.ack(l)
		a := h.lease(time.Minute, "a")
		h.empty()
		h.ack(a)
		h.ack(h.lease(time.Minute, "c"))
		h.empty()
	})
}

// Superseded entries' keys are remembered as acknowledged ones are: an
// Append of one adds nothing and names no entry, since none is held.
func TestInboxSupersededKeyRemembered(t *testing.T) {
	forBothBackends(t, func(h orderHarness) {
		h.add("old", "r", 0, true)
		h.add("new", "r", time.Second, true)
		l := h.lease(time.Minute, "new")
		if len(l.Superseded) != 1 || l.Superseded[0].Key != "old" {
			h.Fatalf("superseded %+v, want old", l.Superseded)
		}
		id, added, err := h.ib.Append(h.Context(), inbox.Entry{Key: "old", Route: "r", Resource: "r", EventTime: t0, Coalesce: true})
		if err != nil || added || id != "" {
			h.Fatalf("Append of the superseded key = %q, %v, %v; want \"\", not added", id, added, err)
		}
		h.ack(l)
		h.empty()
	})
}

// The three resources' entries interleave; each resource's run in order.
func TestInboxResourcesDoNotBlockEachOther(t *testing.T) {
	forBothBackends(t, func(h orderHarness) {
		h.add("a1", "a", 0, false)
		h.add("b1", "b", 0, false)
		h.add("a2", "a", time.Second, false)
		h.add("c1", "c", 0, false)
		a1, b1, c1 := h.lease(time.Minute, "a1"), h.lease(time.Minute, "b1"), h.lease(time.Minute, "c1")
		h.empty()
		h.ack(b1)
		h.ack(c1)
		h.empty()
		h.ack(a1)
		h.lease(time.Minute, "a2")
	})
}

func (h orderHarness) ack(l inbox.Lease) {
	h.Helper()
	if err := h.ib.Ack(h.Context(), l); err != nil {
		h.Fatalf("Ack(%s): %v", l.Entry.Key, err)
	}
}

var _ inbox.Inbox = (*redisstore.Inbox)(nil)
