package redisstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
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

// forEachStore runs bench against store.NewMemory() and against a Store on
// the shared redis-server, each with keys unique to the run.
func forEachStore(b *testing.B, bench func(b *testing.B, s store.Store, keys func(int) string)) {
	b.Run("memory", func(b *testing.B) {
		bench(b, store.NewMemory(), keyspace(b))
	})
	b.Run("redis", func(b *testing.B) {
		srv := needRedis(b)
		s, err := redisstore.New(newClient(b, srv.Addr), redisstore.WithPrefix(uniquePrefix(b)))
		if err != nil {
			b.Fatal(err)
		}
		bench(b, s, keyspace(b))
	})
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
