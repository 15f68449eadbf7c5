package boltstore_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	boltstore "github.com/hookseal/hookseal/store/bolt"
)

// Acknowledged keys are forgotten after the retention: a copy appended
// then is new, and each key remembered sweeps a few records, so the file
// keeps no more than about a retention's worth.
func TestSweepForgetsAckedKeys(t *testing.T) {
	clock := middlewaretest.NewClock(t0)
	db := newDB(t, boltstore.WithClock(clock.Now), boltstore.WithRetention(time.Minute))
	ib, ctx := db.Inbox(), t.Context()
	run := func(key string) {
		t.Helper()
		if _, added, err := ib.Append(ctx, inbox.Entry{Key: key}); !added || err != nil {
			t.Fatalf("Append(%s): added %v, %v", key, added, err)
		}
		l, err := ib.Lease(ctx, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := ib.Ack(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	const n = 40
	for i := range n {
		run(fmt.Sprint("k", i))
	}
	if k := boltstore.BucketLen(db, "inbox.keys"); k != n {
		t.Fatalf("%d keys remembered, want %d", k, n)
	}
	clock.Add(time.Minute - time.Nanosecond)
	if _, added, _ := ib.Append(ctx, inbox.Entry{Key: "k0"}); added {
		t.Fatal("a key acknowledged within the retention was appended again")
	}
	clock.Add(time.Nanosecond)
	// k39 is past its retention too: a copy is new, before any sweep
	// reached its record.
	run("k39")
	// That one acknowledgement swept at most 8, the budget: the work of
	// one operation is bounded whatever expired.
	if k := boltstore.BucketLen(db, "inbox.keys"); k < n-8 {
		t.Fatalf("%d keys left after one acknowledgement, want at least %d", k, n-8)
	}
	for i := range 10 {
		run(fmt.Sprint("new", i))
	}
	// The hand has gone round: only the 11 keys acknowledged since are
	// left.
	if k := boltstore.BucketLen(db, "inbox.keys"); k != 11 {
		t.Fatalf("%d keys in the file, want the 11 acknowledged within the retention", k)
	}
	if _, added, _ := ib.Append(ctx, inbox.Entry{Key: "new3"}); added {
		t.Fatal("the sweep forgot a key within its retention")
	}
}

// Deliveries and resources past their window, lease or ttl are removed a
// few per operation.
func TestSweepForgetsExpiredDeliveries(t *testing.T) {
	clock := middlewaretest.NewClock(t0)
	db := newDB(t, boltstore.WithClock(clock.Now))
	st, ctx := db.Store(), t.Context()
	for i := range 30 {
		c, err := st.Claim(ctx, fmt.Sprint("d", i), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 != 0 { // a third stay claimed, their lease runs out
			if err := st.Commit(ctx, c, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 10 {
		if _, err := st.Advance(ctx, fmt.Sprint("r", i), t0, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(time.Minute)
	// d29's window ended; the sweep of this Claim does not reach it (it
	// removes 8 claims first), so the Claim itself must see it ended.
	if c, err := st.Claim(ctx, "d29", time.Hour); err != nil || c.State != store.Claimed {
		t.Fatalf("Claim of a delivery whose window ended = %v, %v; want claimed", c.State, err)
	}
	if n := boltstore.BucketLen(db, "store.deliveries"); n != 30-8 {
		t.Fatalf("%d deliveries after one Claim, want %d: 8 swept", n, 30-8)
	}
	// Likewise r9's ttl ended: its sweep takes deliveries first.
	if ok, err := st.Advance(ctx, "r9", t0.Add(-time.Hour), time.Minute); err != nil || !ok {
		t.Fatalf("Advance of a resource whose ttl ended = %v, %v; want true, whatever the time", ok, err)
	}
	for range 5 {
		if _, err := st.Advance(ctx, "d29", t0, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	got := []int{boltstore.BucketLen(db, "store.deliveries"), boltstore.BucketLen(db, "store.held"), boltstore.BucketLen(db, "store.done"),
		boltstore.BucketLen(db, "store.order"), boltstore.BucketLen(db, "store.order-exp")}
	same(t, "records left (deliveries, held, done, order, order-exp)", []int{1, 1, 0, 2, 2}, got)
	s, err := st.Stats(ctx)
	same(t, "Stats", []any{boltstore.StoreStats{InFlight: 1, Resources: 2, Expired: 40}, nil}, []any{s, err})
}

// A steady load of deliveries, each appended, run, acknowledged, claimed
// and committed, with time going on, keeps the file at the size the first
// rounds reached: what expires is removed and its pages reused.
func TestFileStopsGrowing(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a few thousand records")
	}
	clock := middlewaretest.NewClock(t0)
	db := newDB(t, boltstore.WithClock(clock.Now), boltstore.WithRetention(time.Minute))
	ib, st, ctx := db.Inbox(), db.Store(), t.Context()
	body := []byte(strings.Repeat("x", 1024))
	var sizes []int64
	for round := range 6 {
		for i := range 150 {
			key := fmt.Sprintf("round%d-%d", round, i)
			c, err := st.Claim(ctx, key, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := ib.Append(ctx, inbox.Entry{Key: key, Body: body}); err != nil {
				t.Fatal(err)
			}
			if err := st.Commit(ctx, c, time.Minute); err != nil {
				t.Fatal(err)
			}
			l, err := ib.Lease(ctx, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := ib.Ack(ctx, l); err != nil {
				t.Fatal(err)
			}
			clock.Add(time.Second)
		}
		fi, err := os.Stat(db.Path())
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, fi.Size())
	}
	if sizes[len(sizes)-1] > sizes[2] {
		t.Errorf("file sizes by round %v: still growing", sizes)
	}
	if n := boltstore.BucketLen(db, "inbox.keys"); n > 70 {
		t.Errorf("%d acknowledged keys remembered with a one-minute retention at one a second", n)
	}
}

// Keys and resources that cannot be bolt keys are refused with an error
// that says so, not ErrFull.
func TestTooLongKeys(t *testing.T) {
	db := newDB(t)
	long := strings.Repeat("k", 4097)
	ctx := t.Context()
	if _, _, err := db.Inbox().Append(ctx, inbox.Entry{Key: long}); err == nil || errors.Is(err, inbox.ErrFull) || !strings.Contains(err.Error(), "4096") {
		t.Errorf("Append with a long Key: %v", err)
	}
	if _, _, err := db.Inbox().Append(ctx, inbox.Entry{Key: "k", Resource: long}); err == nil || !strings.Contains(err.Error(), "4096") {
		t.Errorf("Append with a long Resource: %v", err)
	}
	if _, err := db.Store().Claim(ctx, long, time.Minute); err == nil || !strings.Contains(err.Error(), "4096") {
		t.Errorf("Claim with a long key: %v", err)
	}
	if _, err := db.Store().Advance(ctx, long, t0, time.Minute); err == nil || !strings.Contains(err.Error(), "4096") {
		t.Errorf("Advance with a long resource: %v", err)
	}
	if c, err := db.Store().Claim(ctx, "", time.Minute); err != nil || c.State != store.Claimed {
		t.Errorf("Claim of the empty key = %+v, %v; want claimed, as with store.Memory", c, err)
	}
}
