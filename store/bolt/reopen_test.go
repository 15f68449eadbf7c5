package boltstore_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	boltstore "github.com/hookseal/hookseal/store/bolt"
)

// Everything the DB promises survives a restart: entries pending, held
// back, running and dead, acknowledged keys, the run order of a resource,
// committed and claimed deliveries, ordering state, and the counters that
// make IDs, tokens and fences new. A lease held when the process stopped
// runs out, and the entry is leased again with a higher attempt count.
func TestReopenKeepsEverything(t *testing.T) {
	clock := middlewaretest.NewClock(t0)
	path := filepath.Join(t.TempDir(), "hookseal.db")
	ctx := t.Context()
	db, err := boltstore.Open(path, boltstore.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	ib, st := db.Inbox(), db.Store()
	add := func(e inbox.Entry) string {
		t.Helper()
		e.Route, e.Body, e.Meta = "checkly", []byte(`{"key":"`+e.Key+`"}`), map[string]string{"content-type": "application/json"}
		id, added, err := ib.Append(ctx, e)
		if err != nil || !added {
			t.Fatalf("Append(%s) = %v, %v", e.Key, added, err)
		}
		return id
	}
	lease := func(d time.Duration, want string) inbox.Lease {
		t.Helper()
		l, err := ib.Lease(ctx, d)
		if err != nil || l.Entry.ID != want {
			t.Fatalf("Lease = %s, %v; want %s", l.Entry.ID, err, want)
		}
		return l
	}
	acked := add(inbox.Entry{Key: "acked"})
	heldBack := add(inbox.Entry{Key: "held-back"})
	first := add(inbox.Entry{Key: "first", Resource: "check-1", EventTime: t0})
	second := add(inbox.Entry{Key: "second", Resource: "check-1", EventTime: t0.Add(time.Second)})
	dead := add(inbox.Entry{Key: "dead", Dead: true, LastError: "undecodable"})
	if err := ib.Ack(ctx, lease(time.Minute, acked)); err != nil {
		t.Fatal(err)
	}
	if err := ib.Retry(ctx, lease(time.Minute, heldBack), t0.Add(time.Hour), "downstream down"); err != nil {
		t.Fatal(err)
	}
	running := lease(time.Minute, first) // held when the process stops

	committed, err := st.Claim(ctx, "committed", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(ctx, committed, time.Hour); err != nil {
		t.Fatal(err)
	}
	inFlight, err := st.Claim(ctx, "in-flight", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Advance(ctx, "check-1", t0.Add(5*time.Second), time.Hour); !ok || err != nil {
		t.Fatalf("Advance = %v, %v", ok, err)
	}

	ids := []string{heldBack, first, second, dead}
	before := map[string]any{}
	for _, id := range ids {
		e, err := ib.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		before[id] = norm(e)
	}
	statsBefore, _ := ib.Stats(ctx)
	deadBefore, _ := ib.Dead(ctx, 0)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = reopen(t, path, boltstore.WithClock(clock.Now))
	ib, st = db.Inbox(), db.Store()
	for _, id := range ids {
		e, err := ib.Get(ctx, id)
		if err != nil {
			t.Fatalf("Get(%s) after reopening: %v", id, err)
		}
		same(t, "entry "+id, before[id], norm(e))
	}
	if _, err := ib.Get(ctx, acked); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("the acknowledged entry after reopening: %v", err)
	}
	statsAfter, err := ib.Stats(ctx)
	same(t, "Stats", []any{norm(statsBefore), nil}, []any{norm(statsAfter), err})
	if statsAfter.Pending != 2 || statsAfter.Running != 1 || statsAfter.Dead != 1 {
		t.Errorf("Stats = %+v; want 2 pending, 1 running, 1 dead", statsAfter)
	}
	deadAfter, err := ib.Dead(ctx, 0)
	same(t, "Dead", []any{norm(deadBefore), nil}, []any{norm(deadAfter), err})

	for _, tc := range []struct{ key, id string }{{"acked", ""}, {"held-back", heldBack}, {"first", first}, {"dead", dead}} {
		id, added, err := ib.Append(ctx, inbox.Entry{Key: tc.key})
		if err != nil || added || id != tc.id {
			t.Errorf("Append(%s) after reopening = %q, %v, %v; want %q, not added", tc.key, id, added, err, tc.id)
		}
	}
	// The held-back entry waits for its backoff, the second entry of
	// check-1 for the first, whose lease still runs.
	if l, err := ib.Lease(ctx, time.Minute); !errors.Is(err, inbox.ErrEmpty) {
		t.Fatalf("Lease after reopening = %s, %v; want ErrEmpty", l.Entry.ID, err)
	}

	if c, err := st.Claim(ctx, "committed", time.Minute); err != nil || c.State != store.Done {
		t.Errorf("Claim of the committed delivery after reopening = %v, %v; want done", c.State, err)
	}
	if c, err := st.Claim(ctx, "in-flight", time.Minute); err != nil || c.State != store.InFlight {
		t.Errorf("Claim of the claimed delivery after reopening = %v, %v; want in_flight", c.State, err)
	}
	if ok, err := st.Advance(ctx, "check-1", t0.Add(4*time.Second), time.Hour); ok || err != nil {
		t.Errorf("an older event after reopening: Advance = %v, %v; want refused", ok, err)
	}

	// The lease held at close runs out: the entry runs again, attempt 2.
	clock.Add(2 * time.Minute)
	again := lease(time.Minute, first)
	if again.Entry.Attempts != 2 || again.Token == running.Token {
		t.Errorf("leased again: attempts %d, token %q (was %q); want attempt 2, a new token", again.Entry.Attempts, again.Token, running.Token)
	}
	if err := ib.Ack(ctx, running); !errors.Is(err, inbox.ErrLeaseLost) {
		t.Errorf("Ack by the holder before the restart = %v, want ErrLeaseLost", err)
	}
	if err := ib.Ack(ctx, again); err != nil {
		t.Fatal(err)
	}
	if l := lease(time.Minute, second); l.Entry.Attempts != 1 {
		t.Errorf("the second entry of check-1: attempt %d", l.Entry.Attempts)
	}

	// IDs, tokens and fences go on from where they were.
	clock.Add(10 * time.Minute)
	c, err := st.Claim(ctx, "in-flight", time.Minute)
	if err != nil || c.State != store.Claimed || c.Fence <= inFlight.Fence || c.Fence <= committed.Fence {
		t.Errorf("Claim after the lease ran out = %+v, %v; want claimed with a fence above %d", c, err, inFlight.Fence)
	}
	id, _, err := ib.Append(ctx, inbox.Entry{Key: "new"})
	if n, _ := strconv.Atoi(id); err != nil || n <= 5 {
		t.Errorf("Append after reopening = %q, %v; want an ID after the five before", id, err)
	}
}

// A lease that ran out is not a lease when the file opens: its resource
// may have gone on without it. Here entry 2's holder crashed; entry 1, a
// dead letter of the same resource revived since (its event time is
// earlier), is leased and running when the process restarts. After the
// restart entry 1 is still running, not handed out a second time, and
// its holder can renew and acknowledge it, as with inbox.Memory.
func TestReopenKeepsTheLiveLeaseOfAResource(t *testing.T) {
	clock := middlewaretest.NewClock(t0)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hookseal.db")
	mem := inbox.NewMemory(inbox.WithClock(clock.Now))
	db, err := boltstore.Open(path, boltstore.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	both := func(fn func(i int, ib inbox.Inbox) error) {
		t.Helper()
		for i, ib := range []inbox.Inbox{mem, db.Inbox()} {
			if err := fn(i, ib); err != nil {
				t.Fatalf("%s: %v", []string{"memory", "file"}[i], err)
			}
		}
	}
	both(func(_ int, ib inbox.Inbox) error {
		if _, _, err := ib.Append(ctx, inbox.Entry{Key: "y", Resource: "r", EventTime: t0}); err != nil {
			return err
		}
		l, err := ib.Lease(ctx, time.Minute)
		if err != nil {
			return err
		}
		if err := ib.Bury(ctx, l, "boom"); err != nil {
			return err
		}
		if _, _, err := ib.Append(ctx, inbox.Entry{Key: "x", Resource: "r", EventTime: t0.Add(time.Second)}); err != nil {
			return err
		}
		_, err = ib.Lease(ctx, 10*time.Second) // entry 2; its holder crashes
		return err
	})
	clock.Add(11 * time.Second)
	var running [2]inbox.Lease
	both(func(i int, ib inbox.Inbox) error {
		if err := ib.Revive(ctx, "1"); err != nil {
			return err
		}
		var err error
		if running[i], err = ib.Lease(ctx, time.Minute); err == nil && running[i].Entry.ID != "1" {
			err = errors.New("leased entry " + running[i].Entry.ID + ", want 1")
		}
		return err
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = boltstore.Open(path, boltstore.WithClock(clock.Now)); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	both(func(i int, ib inbox.Inbox) error {
		if l, err := ib.Lease(ctx, time.Minute); !errors.Is(err, inbox.ErrEmpty) {
			return errors.New("Lease while entry 1 runs = entry " + l.Entry.ID + ", want none: " + fmt.Sprint(err))
		}
		if err := ib.Renew(ctx, running[i], time.Minute); err != nil {
			return err
		}
		return ib.Ack(ctx, running[i])
	})
}
