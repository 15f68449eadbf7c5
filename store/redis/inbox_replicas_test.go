package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/inbox"
	redisstore "github.com/hookseal/hookseal/store/redis"
)

// These tests run an inbox as a receiver deployed twice would: two
// Inboxes of one name, each with its own Redis client (its own
// connections) and consumer, sharing one redis-server.

// streamKey is the inbox's stream, as the package documentation names it.
func streamKey(name string) string { return redisstore.DefaultPrefix + "inbox:{" + name + "}:stream" }

// run runs r until the test ends, and waits for it to return.
func run(t *testing.T, r *inbox.Runner) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// within polls f for at most d.
func within(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two replicas with runners share one inbox: 200 entries over 8 resources,
// appended through both, half before the runners start in an order unlike
// their event times, half while they run, a tenth of them failing their
// first run. Every entry succeeds exactly once, the
// entries of a resource never run at once (on either replica), each
// resource's entries succeed in event-time order (equal times in
// acceptance order), and both replicas do some of the work.
func TestInboxTwoReplicas(t *testing.T) {
	srv := needRedis(t)
	name := uniqueName(t)
	const resources, total = 8, 200

	type appended struct {
		key, res string
		at       time.Time
	}
	var all []appended
	ibs := [2]*redisstore.Inbox{}
	for i := range ibs {
		ibs[i] = newInbox(t, newClient(t, srv.Addr), name)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	add := func(i int, at time.Time) {
		res := fmt.Sprintf("check-%d", i%resources)
		e := inbox.Entry{Key: fmt.Sprintf("delivery-%03d", i), Route: "checkly", Resource: res, EventTime: at, Body: fmt.Appendf(nil, `{"n":%d}`, i)}
		if _, added, err := ibs[i%2].Append(t.Context(), e); err != nil || !added {
			t.Errorf("Append %d: %v, %v", i, added, err)
		}
		all = append(all, appended{e.Key, res, at})
	}
	// The first half before the runners start, with event times out of
	// acceptance order, and ties.
	for i := range total / 2 {
		add(i, t0.Add(time.Duration(rng.IntN(total/8))*time.Second))
	}

	var mu sync.Mutex
	running := map[string]int{}
	succeeded := map[string]int{}  // key → successes
	order := map[string][]string{} // resource → keys, in success order
	byReplica := [2]int{}
	var calls, done atomic.Int32
	handler := func(replica int) inbox.HandlerFunc {
		return func(_ context.Context, e inbox.Entry) error {
			calls.Add(1)
			mu.Lock()
			running[e.Resource]++
			if n := running[e.Resource]; n > 1 {
				t.Errorf("%d entries of %s run at once", n, e.Resource)
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			running[e.Resource]--
			var n int
			fmt.Sscanf(e.Key, "delivery-%d", &n)
			if n%10 == 0 && e.Attempts == 1 {
				return errors.New("downstream hiccup")
			}
			succeeded[e.Key]++
			order[e.Resource] = append(order[e.Resource], e.Key)
			byReplica[replica]++
			done.Add(1)
			return nil
		}
	}
	for i, ib := range ibs {
		r, err := inbox.NewRunner(ib, inbox.WithConcurrency(4), inbox.WithPoll(2*time.Millisecond),
			inbox.WithBackoff(time.Millisecond, 5*time.Millisecond), inbox.WithLease(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Handle("checkly", handler(i)); err != nil {
			t.Fatal(err)
		}
		run(t, r)
	}
	// The second half while they run, later events in order: each lands
	// on a resource that may be running, and must wait its turn.
	for i := total / 2; i < total; i++ {
		add(i, t0.Add(time.Duration(total+i)*time.Second))
		time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
	}
	within(t, 30*time.Second, "every entry handled", func() bool { return done.Load() == total })

	mu.Lock()
	defer mu.Unlock()
	for _, a := range all {
		if succeeded[a.key] != 1 {
			t.Errorf("%s succeeded %d times, want once", a.key, succeeded[a.key])
		}
	}
	if got, want := calls.Load(), int32(total+total/10); got != want {
		t.Errorf("handler calls = %d, want %d (every entry once, a tenth twice)", got, want)
	}
	for r := range resources {
		res := fmt.Sprintf("check-%d", r)
		var want []appended
		for _, a := range all {
			if a.res == res {
				want = append(want, a)
			}
		}
		slices.SortStableFunc(want, func(a, b appended) int { return a.at.Compare(b.at) })
		var keys []string
		for _, a := range want {
			keys = append(keys, a.key)
		}
		if !slices.Equal(order[res], keys) {
			t.Errorf("%s ran %v,\nwant (event time, then acceptance) %v", res, order[res], keys)
		}
	}
	if byReplica[0] == 0 || byReplica[1] == 0 {
		t.Errorf("entries handled per replica: %v; want both to take part", byReplica)
	}
	t.Logf("entries handled per replica: %v", byReplica)
	within(t, 5*time.Second, "an empty inbox", func() bool {
		s, err := ibs[0].Stats(t.Context())
		return err == nil && s == (inbox.Stats{})
	})
}

// Replica A leases an entry and dies (it never renews, acks or returns
// it). Replica B does not get it, nor the next entry of its resource, while
// A's lease lasts; after it, B's runner gets the entry with its attempt
// raised, through the consumer group: the stream message moves from A's
// consumer to B's, and A's consumer, holding nothing more, leaves the
// group. A, were it alive after all, has lost the lease.
func TestInboxDeadConsumer(t *testing.T) {
	srv := needRedis(t)
	name := uniqueName(t)
	admin := newClient(t, srv.Addr)
	a := newInbox(t, newClient(t, srv.Addr), name, redisstore.WithConsumer("replica-a"))
	b := newInbox(t, newClient(t, srv.Addr), name, redisstore.WithConsumer("replica-b"))
	ctx := t.Context()
	first, _, _ := b.Append(ctx, inbox.Entry{Key: "k1", Route: "checkly", Resource: "check-1", EventTime: t0})
	second, _, _ := b.Append(ctx, inbox.Entry{Key: "k2", Route: "checkly", Resource: "check-1", EventTime: t0.Add(time.Second)})
	free, _, _ := b.Append(ctx, inbox.Entry{Key: "k3", Route: "checkly"})

	const lease = 500 * time.Millisecond
	crashed, err := a.Lease(ctx, lease)
	leasedAt := time.Now()
	if err != nil || crashed.Entry.ID != first || crashed.Entry.Attempts != 1 {
		t.Fatalf("A's lease: %+v, %v; want %s, attempt 1", crashed.Entry, err, first)
	}
	// A is gone. B takes what may run: the free entry, not check-1's second.
	l, err := b.Lease(ctx, time.Minute)
	if err != nil || l.Entry.ID != free {
		t.Fatalf("B's lease: %+v, %v; want the free entry %s", l.Entry, err, free)
	}
	if err := b.Ack(ctx, l); err != nil {
		t.Fatal(err)
	}
	if l, err := b.Lease(ctx, time.Minute); !errors.Is(err, inbox.ErrEmpty) {
		t.Fatalf("B's lease while A's runs: %+v, %v; want ErrEmpty", l.Entry, err)
	}
	pending := func() []redis.XPendingExt {
		p, err := admin.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: streamKey(name), Group: "runners", Start: "-", End: "+", Count: 10}).Result()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := pending(); len(p) != 1 || p[0].Consumer != "replica-a" || p[0].RetryCount != 1 {
		t.Fatalf("pending messages = %+v, want check-1's turn, delivered once to replica-a", p)
	}

	type ran struct {
		id       string
		attempts int
		at       time.Time
	}
	var mu sync.Mutex
	var runs []ran
	r, err := inbox.NewRunner(b, inbox.WithPoll(5*time.Millisecond), inbox.WithLease(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	r.Handle("checkly", inbox.HandlerFunc(func(_ context.Context, e inbox.Entry) error {
		mu.Lock()
		defer mu.Unlock()
		runs = append(runs, ran{e.ID, e.Attempts, time.Now()})
		return nil
	}))
	run(t, r)
	within(t, 10*time.Second, "both entries of check-1 handled by B", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(runs) == 2
	})
	mu.Lock()
	got := slices.Clone(runs)
	mu.Unlock()
	if got[0].id != first || got[0].attempts != 2 || got[1].id != second || got[1].attempts != 1 {
		t.Fatalf("B ran %+v; want %s on attempt 2, then %s on attempt 1", got, first, second)
	}
	if early := got[0].at.Sub(leasedAt); early < lease-50*time.Millisecond {
		t.Errorf("B ran A's entry %s after A leased it, before its %s lease ran out", early, lease)
	}
	if err := a.Ack(ctx, crashed); !errors.Is(err, inbox.ErrLeaseLost) {
		t.Errorf("A's Ack after B took over = %v, want ErrLeaseLost", err)
	}
	consumers, err := admin.XInfoConsumers(ctx, streamKey(name), "runners").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range consumers {
		if c.Name == "replica-a" {
			t.Errorf("consumer replica-a is still in the group: %+v", consumers)
		}
	}
	if p := pending(); len(p) != 0 {
		t.Errorf("pending messages after B handled everything: %+v", p)
	}
}
