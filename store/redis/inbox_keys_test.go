package redisstore_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/inbox"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// ttls returns the inbox's keys, without its prefix, each with its TTL
// (-1 for none).
func ttls(t *testing.T, client *redis.Client, name string) map[string]time.Duration {
	t.Helper()
	prefix := redisstore.DefaultPrefix + "inbox:{" + name + "}:"
	keys, err := client.Keys(t.Context(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Duration{}
	for _, k := range keys {
		d, err := client.PTTL(t.Context(), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(k, prefix)] = d
	}
	return out
}

// The keys of the package documentation, each with the TTL it says, and
// nothing left behind once every entry is handled but the stream (with
// its group), the counters and the remembered delivery keys.
func TestInboxKeysAndTTLs(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	name := uniqueName(t)
	const retention = time.Hour
	ib := newInbox(t, client, name, redisstore.WithRetention(retention))
	ctx := t.Context()
	add := func(e inbox.Entry) string {
		id, added, err := ib.Append(ctx, e)
		if err != nil || !added {
			t.Fatalf("Append(%s): %v, %v", e.Key, added, err)
		}
		return id
	}
	add(inbox.Entry{Key: "ka", Route: "r", Body: []byte("a")})
	b := add(inbox.Entry{Key: "kb", Route: "r", Resource: "check:1", EventTime: t0, Body: []byte("b")})
	c := add(inbox.Entry{Key: "kc", Route: "r", Dead: true, LastError: "undecodable"})
	l, err := ib.Lease(ctx, time.Minute)
	if err != nil || l.Entry.Key != "ka" {
		t.Fatalf("Lease = %+v, %v", l.Entry, err)
	}
	if err := ib.Ack(ctx, l); err != nil {
		t.Fatal(err)
	}

	got := ttls(t, client, name)
	remembered := got["k:ka"]
	if remembered < retention-time.Minute || remembered > retention {
		t.Errorf("the acknowledged key's TTL = %s, want the retention, %s", remembered, retention)
	}
	delete(got, "k:ka")
	want := map[string]time.Duration{}
	for _, k := range []string{"stream", "held", "dead", "turns", "counters", "q:check:1", "k:kb", "k:kc",
		"e:" + b, "b:" + b, "e:" + c, "b:" + c} {
		want[k] = -1
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys and TTLs:\n got %v\nwant %v (and k:ka)", got, want)
	}

	l, err = ib.Lease(ctx, time.Minute)
	if err != nil || l.Entry.ID != b {
		t.Fatalf("Lease = %+v, %v", l.Entry, err)
	}
	if err := ib.Ack(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := ib.Drop(ctx, c); err != nil {
		t.Fatal(err)
	}
	got = ttls(t, client, name)
	var left []string
	for k, d := range got {
		left = append(left, k)
		if strings.HasPrefix(k, "k:") != (d > 0) {
			t.Errorf("%s has TTL %s", k, d)
		}
	}
	slices.Sort(left)
	if want := []string{"counters", "k:ka", "k:kb", "stream"}; !slices.Equal(left, want) {
		t.Errorf("keys left when every entry is handled: %v, want %v (the dropped key forgotten)", left, want)
	}
	if n, err := client.XLen(ctx, streamKey(name)).Result(); err != nil || n != 0 {
		t.Errorf("stream length %d, %v; want no message left", n, err)
	}
	counters, _ := client.HGetAll(ctx, redisstore.DefaultPrefix+"inbox:{"+name+"}:counters").Result()
	if counters["bytes"] != "0" || counters["seq"] != "3" {
		t.Errorf("counters = %v, want bytes 0 and seq 3", counters)
	}
}

// An acknowledged key is remembered for the retention, then forgotten.
func TestInboxRetention(t *testing.T) {
	ib := newInbox(t, newClient(t, needRedis(t).Addr), uniqueName(t), redisstore.WithRetention(300*time.Millisecond))
	ctx := t.Context()
	e := inbox.Entry{Key: "k", Route: "r"}
	if _, _, err := ib.Append(ctx, e); err != nil {
		t.Fatal(err)
	}
	l, err := ib.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := ib.Ack(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, added, err := ib.Append(ctx, e); err != nil || added {
		t.Fatalf("within the retention: added %v, %v", added, err)
	}
	time.Sleep(400 * time.Millisecond)
	if _, added, err := ib.Append(ctx, e); err != nil || !added {
		t.Fatalf("after the retention: added %v, %v; want a new entry", added, err)
	}
}

// WithMaxBytes bounds the bodies held; handling an entry makes room.
func TestInboxMaxBytes(t *testing.T) {
	ib := newInbox(t, newClient(t, needRedis(t).Addr), uniqueName(t), redisstore.WithMaxBytes(10))
	ctx := t.Context()
	if _, _, err := ib.Append(ctx, inbox.Entry{Key: "a", Body: []byte("123456")}); err != nil {
		t.Fatal(err)
	}
	_, _, err := ib.Append(ctx, inbox.Entry{Key: "b", Body: []byte("123456")})
	if !errors.Is(err, inbox.ErrFull) || !strings.Contains(err.Error(), "WithMaxBytes") {
		t.Fatalf("Append beyond 10 bytes = %v, want ErrFull naming WithMaxBytes", err)
	}
	if _, added, err := ib.Append(ctx, inbox.Entry{Key: "c", Body: []byte("1234")}); err != nil || !added {
		t.Fatalf("Append up to the bound: %v, %v", added, err)
	}
	l, err := ib.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := ib.Ack(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, added, err := ib.Append(ctx, inbox.Entry{Key: "b", Body: []byte("123456")}); err != nil || !added {
		t.Fatalf("Append after an ack made room: %v, %v", added, err)
	}
}

// Dead letters count towards WithMaxEntries until dropped.
func TestInboxDeadLettersCountTowardsTheBound(t *testing.T) {
	ib := newInbox(t, newClient(t, needRedis(t).Addr), uniqueName(t), redisstore.WithMaxEntries(2))
	ctx := t.Context()
	var ids []string
	for i := range 2 {
		id, _, err := ib.Append(ctx, inbox.Entry{Key: strconv.Itoa(i), Dead: true})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, _, err := ib.Append(ctx, inbox.Entry{Key: "x"}); !errors.Is(err, inbox.ErrFull) {
		t.Fatalf("Append with two dead letters held = %v, want ErrFull", err)
	}
	if err := ib.Drop(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ib.Append(ctx, inbox.Entry{Key: "x"}); err != nil {
		t.Fatal(err)
	}
}

// Messages on the stream that are no current turn (put there by something
// other than the inbox's scripts: an entry that does not exist, a resource
// without entries, a second turn for a resource whose entry runs) are
// acknowledged and deleted, never run.
func TestInboxSkipsForeignMessages(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	name := uniqueName(t)
	ib := newInbox(t, client, name)
	ctx := t.Context()
	if _, _, err := ib.Append(ctx, inbox.Entry{Key: "a", Resource: "r", EventTime: t0}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ib.Append(ctx, inbox.Entry{Key: "b", Resource: "r", EventTime: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	l, err := ib.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range [][]string{{"i", "999"}, {"r", "ghost"}, {"r", "r"}, {"i", l.Entry.ID}} {
		if err := client.XAdd(ctx, &redis.XAddArgs{Stream: streamKey(name), Values: m}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := ib.Lease(ctx, time.Minute); !errors.Is(err, inbox.ErrEmpty) {
		t.Fatalf("Lease with foreign messages queued = %+v, %v; want ErrEmpty (r's entry runs)", got.Entry, err)
	}
	if err := ib.Ack(ctx, l); err != nil {
		t.Fatal(err)
	}
	if got, err := ib.Lease(ctx, time.Minute); err != nil || got.Entry.Key != "b" {
		t.Fatalf("Lease after the ack = %+v, %v; want b", got.Entry, err)
	} else if err := ib.Ack(ctx, got); err != nil {
		t.Fatal(err)
	}
	if n, err := client.XLen(ctx, streamKey(name)).Result(); err != nil || n != 0 {
		t.Errorf("stream length %d, %v; want the foreign messages gone", n, err)
	}
	if p, err := client.XPending(ctx, streamKey(name), "runners").Result(); err != nil || p.Count != 0 {
		t.Errorf("pending %+v, %v; want none", p, err)
	}
}

// Close takes the consumer out of the group unless it holds a lease.
func TestInboxClose(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	name := uniqueName(t)
	ib := newInbox(t, client, name, redisstore.WithConsumer("leaving"))
	ctx := t.Context()
	if err := ib.Close(ctx); err != nil { // no stream yet: nothing to do
		t.Fatal(err)
	}
	if _, _, err := ib.Append(ctx, inbox.Entry{Key: "k"}); err != nil {
		t.Fatal(err)
	}
	l, err := ib.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	consumers := func() []string {
		cs, err := client.XInfoConsumers(ctx, streamKey(name), "runners").Result()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
		}
		return names
	}
	if err := ib.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := consumers(); !slices.Equal(got, []string{"leaving"}) {
		t.Fatalf("consumers after Close with a lease held: %v, want it kept", got)
	}
	if err := ib.Ack(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := ib.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := consumers(); len(got) != 0 {
		t.Fatalf("consumers after Close: %v, want none", got)
	}
}

// Every field comes back as it was appended: an empty or binary body, nil
// and empty meta, an event time in a zone of its own to the nanosecond,
// keys and resources with the characters that separate Redis keys; an
// empty key is never deduplicated.
func TestInboxEntryRoundTrip(t *testing.T) {
	ib := newInbox(t, newClient(t, needRedis(t).Addr), uniqueName(t))
	ctx := t.Context()
	zone := time.FixedZone("CEST", 2*3600)
	for i, e := range []inbox.Entry{
		{Key: "k:1", Route: "checkly", Resource: "checkly:{scope}:c-1", EventTime: time.Date(2026, 3, 1, 10, 0, 0, 123456789, zone),
			Coalesce: true, Body: []byte{0, 1, 2, 0xff, '\n'}, Meta: map[string]string{"content-type": "application/json", "": "empty key", "x": ""}},
		{Key: "", Route: "", Body: nil, Meta: nil},
		{Key: "", Route: "ünïcode", Body: []byte{}, Meta: map[string]string{}},
		{Key: "dead", Route: "r", Dead: true, LastError: "decoding: unexpected end of JSON input", Resource: "r"},
	} {
		id, added, err := ib.Append(ctx, e)
		if err != nil || !added {
			t.Fatalf("entry %d: Append = %v, %v", i, added, err)
		}
		got, err := ib.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Accepted.IsZero() || time.Since(got.Accepted) > time.Minute {
			t.Errorf("entry %d: Accepted %v", i, got.Accepted)
		}
		// The instant and its offset are kept; a zone's name is not.
		if _, off := got.EventTime.Zone(); !got.EventTime.Equal(e.EventTime) || off != zoneOffset(e.EventTime) {
			t.Errorf("entry %d: EventTime %v, want %v", i, got.EventTime, e.EventTime)
		}
		want := e
		want.ID, want.Accepted, want.EventTime = id, got.Accepted, got.EventTime
		if len(want.Body) == 0 {
			want.Body = []byte{} // empty bodies come back empty, not nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("entry %d:\n got %#v\nwant %#v", i, got, want)
		}
	}
	s, err := ib.Stats(ctx)
	if err != nil || s.Pending != 3 || s.Dead != 1 {
		t.Errorf("Stats = %+v, %v; want both keyless entries held", s, err)
	}
}

func zoneOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}

// What an entry costs Redis, measured as the growth of used_memory (which
// counts the allocator's rounding) on a server of its own, for entries
// shaped as the middleware appends them: a 64-hex-digit key, a Checkly
// resource, the delivery's meta and a 300-byte body. The package
// documentation quotes these numbers; the bounds catch a change that
// makes an entry much dearer (such as a hash losing its compact encoding).
func TestInboxMemoryPerEntry(t *testing.T) {
	srv := redistest.Start(t)
	client := newClient(t, srv.Addr)
	ctx := t.Context()
	used := func() int64 {
		info, err := client.InfoMap(ctx, "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.ParseInt(info["Memory"]["used_memory"], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	const n = 5000 // beyond 128, so the sorted sets are skiplists, as in a busy inbox
	body := []byte(strings.Repeat("x", 300))
	meta := map[string]string{
		"content-type": "application/json", "provider": "checkly", "secret-id": "primary", "scope": "default",
		"timestamp-signed": "true", "body-signed": "true", "id": "", "key": strings.Repeat("ab", 32),
		"timestamp": "2026-11-23T08:00:00Z",
	}
	entry := func(i int, resource bool) inbox.Entry {
		e := inbox.Entry{Key: fmt.Sprintf("%064x", i), Route: "checkly", EventTime: t0.Add(time.Duration(i) * time.Second), Body: body, Meta: meta}
		if resource {
			e.Resource = fmt.Sprintf("checkly:default:0d7c7c4e-4e8c-4f5a-9d4e-%012x", i%100)
		}
		return e
	}
	measure := func(name string, resource bool, bound int64) {
		what := "pending, no resource"
		if resource {
			what = "pending, 100 resources"
		}
		ib := newInbox(t, client, name, redisstore.WithMaxEntries(n+1))
		if _, _, err := ib.Append(ctx, entry(-1, resource)); err != nil { // the stream and its group
			t.Fatal(err)
		}
		start := used()
		before := start
		inParallel(t, n, func(i int) error {
			_, _, err := ib.Append(ctx, entry(i, resource))
			return err
		})
		per := (used() - before) / n
		overhead := per - int64(len(body))
		t.Logf("%s: %d bytes per entry, %d besides its %d-byte body", what, per, overhead, len(body))
		if overhead > bound {
			t.Errorf("%s: %d bytes per entry besides the body, want at most %d", what, overhead, bound)
		}
		// Running (free entries only: a resource runs one at a time).
		var leases []inbox.Lease
		if !resource {
			before = used()
			leases = make([]inbox.Lease, n)
			inParallel(t, n, func(i int) (err error) {
				leases[i], err = ib.Lease(ctx, time.Minute)
				return err
			})
			t.Logf("%s: a lease adds %d bytes", what, (used()-before)/n)
		}
		// Handled: what remains is the remembered key.
		inParallel(t, n, func(i int) error {
			if leases != nil {
				return ib.Ack(ctx, leases[i])
			}
			// A resource runs one entry at a time: a worker leases
			// whichever is ready (at most one per resource), and retries
			// while every ready one is another worker's.
			for deadline := time.Now().Add(10 * time.Second); ; {
				l, err := ib.Lease(ctx, time.Minute)
				if errors.Is(err, inbox.ErrEmpty) && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
					continue
				}
				if err != nil {
					return err
				}
				return ib.Ack(ctx, l)
			}
		})
		t.Logf("%s, handled: %d bytes per remembered key", what, (used()-start)/n)
	}
	// Names as short as a route's: the server is this test's alone.
	measure("checkly", false, 1100)
	measure("checkly-r", true, 1200)
}

// inParallel runs fn(0) … fn(n-1) on 16 goroutines, as a busy receiver's
// deliveries and workers call the inbox (and so through its pipelines:
// one at a time, the 30,000 round trips of TestInboxMemoryPerEntry took
// most of its 7 s), and fails t with the first error.
func inParallel(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make(chan error, 16)
	)
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}
