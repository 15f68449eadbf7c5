package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	boltstore "github.com/hookseal/hookseal/store/bolt"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// The in-memory backends are the reference: random operations on small
// pools of keys and resources, on a clock both share and the test steps,
// must give the same answers from the file as from memory, step by step:
// IDs, tokens, attempts, run order, coalescing, retention, bounds, dead
// letters and stats for the inbox; states, fences, expiry and eviction for
// the store.
func TestInboxMatchesMemory(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) {
			clock := middlewaretest.NewClock(t0)
			mem := inbox.NewMemory(inbox.WithClock(clock.Now), inbox.WithMaxEntries(12),
				inbox.WithMaxBytes(500), inbox.WithRetention(time.Minute))
			file := newDB(t, boltstore.WithClock(clock.Now), boltstore.WithMaxEntries(12),
				boltstore.WithMaxBytes(500), boltstore.WithRetention(time.Minute)).Inbox()
			runInboxModel(t, rand.New(rand.NewPCG(seed, 7)), clock, mem, file, 300, nil)
		})
	}
}

// The file's indexes live in memory and are rebuilt from its records when
// it opens: closing and opening it again at random steps, with entries
// pending, held back, leased (some leases running out while it is
// closed), coalescing and dead, must change no answer. Memory, which is
// never restarted, is the reference.
func TestInboxMatchesMemoryAcrossReopens(t *testing.T) {
	// Many seeds: a divergence needs a particular history (a dead
	// letter revived into a resource whose lease ran out, then a
	// restart), which 6 seeds of 400 steps missed and 40 find.
	seeds := uint64(40)
	if testing.Short() {
		seeds = 12
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) {
			clock := middlewaretest.NewClock(t0)
			mem := inbox.NewMemory(inbox.WithClock(clock.Now), inbox.WithMaxEntries(12),
				inbox.WithMaxBytes(500), inbox.WithRetention(time.Minute))
			path := filepath.Join(t.TempDir(), "hookseal.db")
			opts := []boltstore.Option{boltstore.WithClock(clock.Now), boltstore.WithMaxEntries(12),
				boltstore.WithMaxBytes(500), boltstore.WithRetention(time.Minute)}
			var db *boltstore.DB
			open := func() inbox.Inbox {
				t.Helper()
				if db != nil {
					if err := db.Close(); err != nil {
						t.Fatal(err)
					}
				}
				var err error
				if db, err = boltstore.Open(path, opts...); err != nil {
					t.Fatal(err)
				}
				return db.Inbox()
			}
			t.Cleanup(func() { db.Close() })
			runInboxModel(t, rand.New(rand.NewPCG(seed, 11)), clock, mem, open(), 400, open)
		})
	}
}

// lease is a lease both inboxes gave, and when it runs out.
type heldLease struct {
	l   inbox.Lease
	end time.Time
}

// runInboxModel runs steps random operations on mem and file, comparing
// their answers; with reopen, some steps replace file by what reopen
// returns (the same file, closed and opened again).
func runInboxModel(t *testing.T, rng *rand.Rand, clock *middlewaretest.Clock, mem, file inbox.Inbox, steps int, reopen func() inbox.Inbox) {
	ctx := context.Background()
	var leases []heldLease
	var ids []string
	pick := func() string {
		if len(ids) == 0 || rng.IntN(8) == 0 {
			return fmt.Sprint(rng.IntN(40))
		}
		return ids[rng.IntN(len(ids))]
	}
	for step := range steps {
		at := func(what string) string { return fmt.Sprintf("step %d, %s", step, what) }
		switch op := rng.IntN(20); {
		case op < 6:
			e := inbox.Entry{
				Key: fmt.Sprint("k", rng.IntN(20)), Route: "route", Resource: []string{"", "", "a", "b", "c"}[rng.IntN(5)],
				EventTime: t0.Add(time.Duration(rng.IntN(5)) * time.Second), Coalesce: rng.IntN(4) == 0,
				Body: make([]byte, rng.IntN(60)), Meta: map[string]string{"n": fmt.Sprint(step)},
			}
			if rng.IntN(10) == 0 {
				e.Key = ""
			}
			if rng.IntN(10) == 0 {
				e.Dead, e.LastError = true, "undecodable"
			}
			id1, added1, err1 := mem.Append(ctx, e)
			id2, added2, err2 := file.Append(ctx, e)
			same(t, at("Append "+e.Key), []any{id1, added1, category(err1)}, []any{id2, added2, category(err2)})
			if added1 {
				ids = append(ids, id1)
			}
		case op < 10:
			d := []time.Duration{10 * time.Second, time.Minute}[rng.IntN(2)]
			l1, err1 := mem.Lease(ctx, d)
			l2, err2 := file.Lease(ctx, d)
			same(t, at("Lease"), []any{norm(l1), category(err1)}, []any{norm(l2), category(err2)})
			if err1 == nil {
				leases = append(leases, heldLease{l1, clock.Now().Add(d)})
			}
		case op < 15 && len(leases) > 0:
			h := leases[rng.IntN(len(leases))]
			var err1, err2 error
			switch rng.IntN(4) {
			case 0:
				// A lease that ran out may be renewed while nobody took
				// it over; the file refuses when its resource went on
				// without it (see TestRenewAfterLeaseRanOut), where
				// memory would let two run at once: compare live ones.
				if !clock.Now().Before(h.end) {
					continue
				}
				err1, err2 = mem.Renew(ctx, h.l, time.Minute), file.Renew(ctx, h.l, time.Minute)
			case 1:
				err1, err2 = mem.Ack(ctx, h.l), file.Ack(ctx, h.l)
			case 2:
				nb := clock.Now().Add(time.Duration(rng.IntN(30)) * time.Second)
				err1, err2 = mem.Retry(ctx, h.l, nb, "boom"), file.Retry(ctx, h.l, nb, "boom")
			case 3:
				err1, err2 = mem.Bury(ctx, h.l, "gave up"), file.Bury(ctx, h.l, "gave up")
			}
			same(t, at("settling "+h.l.Entry.ID), category(err1), category(err2))
		case op < 16:
			id := pick()
			same(t, at("Revive "+id), category(mem.Revive(ctx, id)), category(file.Revive(ctx, id)))
		case op < 17:
			id := pick()
			same(t, at("Drop "+id), category(mem.Drop(ctx, id)), category(file.Drop(ctx, id)))
		case op < 18:
			id := pick()
			e1, err1 := mem.Get(ctx, id)
			e2, err2 := file.Get(ctx, id)
			same(t, at("Get "+id), []any{norm(e1), category(err1)}, []any{norm(e2), category(err2)})
		case op < 19 && reopen != nil:
			file = reopen()
		default:
			clock.Add(time.Duration(rng.IntN(40)) * time.Second)
		}
		s1, err1 := mem.Stats(ctx)
		s2, err2 := file.Stats(ctx)
		same(t, at("Stats"), []any{norm(s1), err1}, []any{norm(s2), err2})
		d1, err1 := mem.Dead(ctx, 0)
		d2, err2 := file.Dead(ctx, 0)
		same(t, at("Dead"), []any{norm(d1), err1}, []any{norm(d2), err2})
		if t.Failed() {
			return
		}
	}
}

// category is the sentinel an error wraps, so that two backends' wordings
// compare equal.
func category(err error) error {
	for _, s := range []error{inbox.ErrFull, inbox.ErrEmpty, inbox.ErrLeaseLost, inbox.ErrNotFound,
		inbox.ErrInvalidDuration, store.ErrClaimLost, store.ErrInvalidDuration, context.Canceled} {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// norm puts values in the form both backends return: times in UTC
// without a monotonic reading, empty bodies and maps as nil.
func norm(v any) any {
	switch v := v.(type) {
	case inbox.Entry:
		for _, t := range []*time.Time{&v.EventTime, &v.Accepted, &v.NotBefore} {
			*t = t.UTC().Round(0)
		}
		if len(v.Body) == 0 {
			v.Body = nil
		}
		if len(v.Meta) == 0 {
			v.Meta = nil
		}
		return v
	case inbox.Lease:
		out := []any{norm(v.Entry), v.Token}
		for _, s := range v.Superseded {
			out = append(out, norm(s))
		}
		return out
	case []inbox.Entry:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = norm(e)
		}
		return out
	case inbox.Stats:
		v.OldestPending = v.OldestPending.UTC().Round(0)
		return v
	}
	return v
}

func same(t *testing.T, what string, mem, file any) {
	t.Helper()
	if !reflect.DeepEqual(mem, file) {
		t.Errorf("%s:\nmemory: %+v\nfile:   %+v", what, mem, file)
	}
}

func TestStoreMatchesMemory(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) {
			clock := middlewaretest.NewClock(t0)
			mem := store.NewMemory(store.WithClock(clock.Now), store.WithMaxEntries(6), store.WithMaxResources(4))
			db := newDB(t, boltstore.WithClock(clock.Now), boltstore.WithMaxDeliveries(6), boltstore.WithMaxResources(4))
			runStoreModel(t, rand.New(rand.NewPCG(seed, 11)), clock, mem, db, 400)
		})
	}
}

func runStoreModel(t *testing.T, rng *rand.Rand, clock *middlewaretest.Clock, mem *store.Memory, db *boltstore.DB, steps int) {
	ctx := context.Background()
	file := db.Store()
	var claims []store.Claim
	// Whole seconds, and a part unique to the step: no two deadlines tie,
	// for Memory breaks ties between equal deadlines in no stated order.
	step := 0
	dur := func() time.Duration {
		return time.Duration(1+rng.IntN(30))*time.Second + time.Duration(step)*time.Microsecond
	}
	for ; step < steps; step++ {
		at := func(what string) string { return fmt.Sprintf("step %d, %s", step, what) }
		switch op := rng.IntN(12); {
		case op < 4:
			key, lease := fmt.Sprint("d", rng.IntN(10)), dur()
			c1, err1 := mem.Claim(ctx, key, lease)
			c2, err2 := file.Claim(ctx, key, lease)
			same(t, at("Claim "+key), []any{c1, err1}, []any{c2, err2})
			if c1.State == store.Claimed {
				claims = append(claims, c1)
			}
		case op < 8 && len(claims) > 0:
			c := claims[rng.IntN(len(claims))]
			var err1, err2 error
			switch d := dur(); rng.IntN(3) {
			case 0:
				err1, err2 = mem.Renew(ctx, c, d), file.Renew(ctx, c, d)
			case 1:
				err1, err2 = mem.Commit(ctx, c, d), file.Commit(ctx, c, d)
			case 2:
				err1, err2 = mem.Release(ctx, c), file.Release(ctx, c)
			}
			same(t, at("settling "+c.Key+" "+c.Token), category(err1), category(err2))
		case op < 10:
			res, when, ttl := fmt.Sprint("r", rng.IntN(6)), t0.Add(time.Duration(rng.IntN(5))*time.Second), dur()
			ok1, err1 := mem.Advance(ctx, res, when, ttl)
			ok2, err2 := file.Advance(ctx, res, when, ttl)
			same(t, at("Advance "+res), []any{ok1, err1}, []any{ok2, err2})
		default:
			clock.Add(time.Duration(rng.IntN(20)) * time.Second)
		}
		st, err := file.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ms := mem.Stats()
		same(t, at("Stats"), ms, store.MemoryStats(st))
		if t.Failed() {
			return
		}
	}
	if !slices.ContainsFunc(claims, func(c store.Claim) bool { return c.Fence > 1 }) {
		t.Error("the operations never claimed twice: a weak run")
	}
}
