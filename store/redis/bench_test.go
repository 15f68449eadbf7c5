package redisstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// The cost of the store in one delivery's path (a claim, then a commit),
// against the local redis-server beside the in-memory default, so one run
// shows the ratio. Keys have the middleware's shape: 64 hex digits.
//
//	go test -run '^$' -bench . -benchmem

func BenchmarkClaimCommit(b *testing.B) {
	forEachStore(b, func(b *testing.B, s store.Store, keys func(int) string) {
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			claimCommit(b, ctx, s, keys(i))
		}
	})
}

// Concurrent deliveries, as a busy receiver sees them.
func BenchmarkClaimCommitParallel(b *testing.B) {
	forEachStore(b, func(b *testing.B, s store.Store, keys func(int) string) {
		ctx := context.Background()
		var next atomicCounter
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				claimCommit(b, ctx, s, keys(next.add()))
			}
		})
	})
}

// The ordering check of a route WithOrdering: one Advance per delivery.
func BenchmarkAdvance(b *testing.B) {
	forEachStore(b, func(b *testing.B, s store.Store, keys func(int) string) {
		ctx := context.Background()
		at := time.Now()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := s.Advance(ctx, keys(i%1024), at.Add(time.Duration(i)*time.Millisecond), time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func claimCommit(b *testing.B, ctx context.Context, s store.Store, key string) {
	c, err := s.Claim(ctx, key, time.Minute)
	if err != nil || c.State != store.Claimed {
		b.Fatalf("Claim = %+v, %v", c, err)
	}
	if err := s.Commit(ctx, c, time.Minute); err != nil {
		b.Fatal(err)
	}
}

// forEachStore runs bench against store.NewMemory() and against Stores on
// the shared redis-server, each with keys unique to the run: through a
// client with go-redis's defaults ("redis") and one made as
// ClientConfig.NewClient makes them ("redis-url", as hookseal listen
// does), each batching concurrent calls (the default) and not
// ("-unbatched", WithMaxPipelines(0): every call its own round trip).
func forEachStore(b *testing.B, bench func(b *testing.B, s store.Store, keys func(int) string)) {
	b.Run("memory", func(b *testing.B) {
		bench(b, store.NewMemory(), keyspace(b))
	})
	for _, v := range []struct {
		name      string
		url       bool
		pipelines int
	}{
		{"redis", false, redisstore.DefaultMaxPipelines},
		{"redis-unbatched", false, 0},
		{"redis-url", true, redisstore.DefaultMaxPipelines},
		{"redis-url-unbatched", true, 0},
	} {
		b.Run(v.name, func(b *testing.B) {
			srv := needRedis(b)
			var client redis.UniversalClient = newClient(b, srv.Addr)
			if v.url {
				client = urlClient(b, srv.Addr)
			}
			s, err := redisstore.New(client, redisstore.WithPrefix(uniquePrefix(b)), redisstore.WithMaxPipelines(v.pipelines))
			if err != nil {
				b.Fatal(err)
			}
			bench(b, s, keyspace(b))
		})
	}
}

// How many round trips to keep in flight: 64 concurrent deliveries per
// CPU (make load sends on 64 connections) on a client made as hookseal
// listen makes it, with 1, 2 (the default), 4 and 8 pipelines, and
// without batching.
func BenchmarkClaimCommitParallelPipelines(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8, 0} {
		b.Run(fmt.Sprint("pipelines-", n), func(b *testing.B) {
			srv := needRedis(b)
			s, err := redisstore.New(urlClient(b, srv.Addr), redisstore.WithPrefix(uniquePrefix(b)), redisstore.WithMaxPipelines(n))
			if err != nil {
				b.Fatal(err)
			}
			keys := keyspace(b)
			ctx := context.Background()
			var next atomicCounter
			b.SetParallelism(64)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					claimCommit(b, ctx, s, keys(next.add()))
				}
			})
		})
	}
}

// urlClient is a client of addr made by ClientConfig.NewClient, closed
// when b ends.
func urlClient(b testing.TB, addr string) redis.UniversalClient {
	cfg, err := redisstore.ParseURL("redis://" + addr + "/0")
	if err != nil {
		b.Fatal(err)
	}
	c := cfg.NewClient()
	b.Cleanup(func() { c.Close() })
	return c
}

// keyspace returns key(i): a 64-hex-digit key unique to this benchmark run.
func keyspace(b *testing.B) func(int) string {
	base := strconv.FormatInt(time.Now().UnixNano(), 16)
	base += "0000000000000000000000000000000000000000000000000000000000000000"[len(base)+16:]
	return func(i int) string {
		s := strconv.FormatUint(uint64(i), 16)
		return base + "0000000000000000"[len(s):] + s
	}
}

type atomicCounter struct{ n atomic.Int64 }

func (c *atomicCounter) add() int { return int(c.n.Add(1)) }

// The inbox's cost: Append in a delivery's path (the sender waits for it),
// and Lease then Ack in its run, against the local redis-server beside
// inbox.Memory, so one run shows the ratio. Entries are shaped as the
// middleware appends them: a 64-hex-digit key, the delivery's meta, a
// 300-byte body.
//
//	go test -run '^$' -bench Inbox -benchmem

func BenchmarkInboxAppend(b *testing.B) {
	forEachInbox(b, func(b *testing.B, ib inbox.Inbox, keys func(int) string) {
		ctx := context.Background()
		e := benchEntry("")
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			e.Key = keys(i)
			if _, added, err := ib.Append(ctx, e); err != nil || !added {
				b.Fatalf("Append: %v, %v", added, err)
			}
		}
	})
}

// Concurrent appends, as a busy receiver's requests make them.
func BenchmarkInboxAppendParallel(b *testing.B) {
	forEachInbox(b, func(b *testing.B, ib inbox.Inbox, keys func(int) string) {
		ctx := context.Background()
		var next atomicCounter
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			e := benchEntry("")
			for pb.Next() {
				e.Key = keys(next.add())
				if _, added, err := ib.Append(ctx, e); err != nil || !added {
					b.Errorf("Append: %v, %v", added, err)
					return
				}
			}
		})
	})
}

// A run's bookkeeping: lease the next entry, acknowledge it. Entries are
// appended in batches, off the clock.
func BenchmarkInboxLeaseAck(b *testing.B) {
	benchLeaseAck(b, 0)
}

// The same with the entries spread over 8 resources, each run in order:
// the turn of a resource passes from entry to entry.
func BenchmarkInboxLeaseAckResources(b *testing.B) {
	benchLeaseAck(b, 8)
}

func benchLeaseAck(b *testing.B, resources int) {
	forEachInbox(b, func(b *testing.B, ib inbox.Inbox, keys func(int) string) {
		ctx := context.Background()
		const batch = 1000
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if i%batch == 0 {
				b.StopTimer()
				for j := i; j < min(i+batch, b.N); j++ {
					e := benchEntry("")
					if resources > 0 {
						e.Resource = fmt.Sprintf("checkly:default:check-%d", j%resources)
					}
					e.Key, e.EventTime = keys(j), time.Unix(int64(j), 0)
					if _, _, err := ib.Append(ctx, e); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
			}
			l, err := ib.Lease(ctx, time.Minute)
			if err != nil {
				b.Fatalf("Lease %d: %v", i, err)
			}
			if err := ib.Ack(ctx, l); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchEntry(resource string) inbox.Entry {
	return inbox.Entry{
		Route: "checkly", Resource: resource, EventTime: time.Now(), Body: bytes.Repeat([]byte("x"), 300),
		Meta: map[string]string{
			"content-type": "application/json", "provider": "checkly", "secret-id": "primary", "scope": "default",
			"timestamp-signed": "true", "body-signed": "true", "id": "", "key": strings.Repeat("ab", 32),
			"timestamp": "2026-11-23T08:00:00Z",
		},
	}
}

// forEachInbox runs bench against inbox.NewMemory() and against an Inbox
// on the shared redis-server, each unbounded (the benchmark decides how
// many entries it holds) with keys unique to the run.
func forEachInbox(b *testing.B, bench func(b *testing.B, ib inbox.Inbox, keys func(int) string)) {
	b.Run("memory", func(b *testing.B) {
		bench(b, inbox.NewMemory(inbox.WithMaxEntries(1<<30), inbox.WithMaxBytes(1<<40)), keyspace(b))
	})
	b.Run("redis", func(b *testing.B) {
		srv := needRedis(b)
		ib, err := redisstore.NewInbox(newClient(b, srv.Addr), uniqueName(b),
			redisstore.WithMaxEntries(1<<30), redisstore.WithMaxBytes(1<<40))
		if err != nil {
			b.Fatal(err)
		}
		bench(b, ib, keyspace(b))
	})
}

// What WithWaitReplicas costs: Append on a primary with one replica
// attached, without waiting (the floor) and waiting until the replica has
// the entry (WAIT 1). The difference is a replication round trip on
// loopback; across machines it grows with the network's round trip.
//
//	go test -run '^$' -bench InboxAppendWaitReplica -benchmem
func BenchmarkInboxAppendWaitReplica(b *testing.B) {
	needRedis(b) // skips (or fails under CI) where no redis-server runs
	primary := redistest.Start(b)
	redistest.StartReplica(b, primary)
	for _, tc := range []struct {
		name string
		opts []redisstore.InboxOption
	}{
		{"no-wait-floor", nil},
		{"wait-1-replica-hookseal", []redisstore.InboxOption{redisstore.WithWaitReplicas(1, time.Second)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := append([]redisstore.InboxOption{redisstore.WithMaxEntries(1 << 30), redisstore.WithMaxBytes(1 << 40)}, tc.opts...)
			ib, err := redisstore.NewInbox(newClient(b, primary.Addr), uniqueName(b), opts...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			keys := keyspace(b)
			e := benchEntry("")
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				e.Key = keys(i)
				if _, added, err := ib.Append(ctx, e); err != nil || !added {
					b.Fatalf("Append: %v, %v", added, err)
				}
			}
		})
	}
}
