package boltstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/store"
	boltstore "github.com/hookseal/hookseal/store/bolt"
)

// The cost of the file in a delivery's path, beside the in-memory
// backends measured in the same run, so one run shows the ratio. Every
// write to the file is fsync'd: the numbers are the disk's as much as the
// code's.
//
//	go test -run '^$' -bench . -benchmem

// body is a typical delivery body: about 1 KiB.
var body = []byte(`{"alert_type":"ALERT_FAILURE","check_id":"` + strings.Repeat("x", 980) + `"}`)

// BenchmarkAppend: one sender at a time, each Append waiting for its own
// fsync.
func BenchmarkAppend(b *testing.B) {
	forEachInbox(b, func(b *testing.B, ib inbox.Inbox) {
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			appendOne(b, ctx, ib, fmt.Sprint("key-", i))
		}
	})
}

// BenchmarkAppendParallel: 16 appenders per core (32 on 2 cores), as a
// burst of deliveries; concurrent Appends share commits, and fsyncs.
func BenchmarkAppendParallel(b *testing.B) {
	forEachInbox(b, func(b *testing.B, ib inbox.Inbox) {
		ctx := context.Background()
		var next atomic.Int64
		b.ReportAllocs()
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				appendOne(b, ctx, ib, fmt.Sprint("key-", next.Add(1)))
			}
		})
	})
}

// BenchmarkLeaseAck: a runner's work per entry, Lease then Ack, with a
// backlog of pending entries (of 100 resources, so one at a time each)
// that stays the same size: Lease must not scan the backlog. Each
// iteration appends one entry to keep the backlog; only Lease and Ack are
// timed.
func BenchmarkLeaseAck(b *testing.B) {
	for _, backlog := range []int{100, 10_000} {
		b.Run(fmt.Sprint("backlog-", backlog), func(b *testing.B) {
			forEachInbox(b, func(b *testing.B, ib inbox.Inbox) {
				ctx := context.Background()
				fill(b, ib, backlog)
				b.ReportAllocs()
				i := backlog
				for b.Loop() {
					l, err := ib.Lease(ctx, time.Minute)
					if err != nil {
						b.Fatal(err)
					}
					if err := ib.Ack(ctx, l); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					i++
					appendOne(b, ctx, ib, fmt.Sprint("key-", i))
					b.StartTimer()
				}
			})
		})
	}
}

// BenchmarkLifecycleParallel: an entry's whole life in the inbox,
// appended, leased and acknowledged, from 16 goroutines per core (32 on 2
// cores) over a backlog of 100 entries, as a busy receiver and its runner
// see it. Their commits are shared.
func BenchmarkLifecycleParallel(b *testing.B) {
	forEachInbox(b, func(b *testing.B, ib inbox.Inbox) {
		ctx := context.Background()
		fill(b, ib, 100)
		next := atomic.Int64{}
		next.Store(100)
		b.ReportAllocs()
		b.ResetTimer()
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				appendOne(b, ctx, ib, fmt.Sprint("key-", next.Add(1)))
				l, err := ib.Lease(ctx, time.Minute)
				if err != nil {
					b.Error(err)
					return
				}
				if err := ib.Ack(ctx, l); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkClaimCommit: the store's work per delivery, a claim then a
// commit, sequentially and from 32 concurrent requests.
func BenchmarkClaimCommit(b *testing.B) {
	for _, par := range []int{0, 16} {
		name := "sequential"
		if par > 0 {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			forEachStore(b, func(b *testing.B, s store.Store) {
				ctx := context.Background()
				var next atomic.Int64
				b.ReportAllocs()
				claimCommit := func() {
					c, err := s.Claim(ctx, fmt.Sprintf("%064d", next.Add(1)), time.Minute)
					if err != nil || c.State != store.Claimed {
						b.Fatalf("Claim = %+v, %v", c, err)
					}
					if err := s.Commit(ctx, c, time.Minute); err != nil {
						b.Fatal(err)
					}
				}
				if par == 0 {
					for b.Loop() {
						claimCommit()
					}
					return
				}
				b.SetParallelism(par)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						claimCommit()
					}
				})
			})
		})
	}
}

func appendOne(b *testing.B, ctx context.Context, ib inbox.Inbox, key string) {
	if _, added, err := ib.Append(ctx, inbox.Entry{Key: key, Route: "checkly", Resource: "", Body: body}); err != nil || !added {
		b.Fatalf("Append = %v, %v", added, err)
	}
}

// fill appends n entries, over 100 resources when n is the backlog of
// BenchmarkLeaseAck, from concurrent appenders so the file's commits are
// shared and filling takes little time.
func fill(b *testing.B, ib inbox.Inbox, n int) {
	b.Helper()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 64 {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				e := inbox.Entry{Key: fmt.Sprint("key-", i), Route: "checkly", Resource: fmt.Sprint("r", i%100),
					EventTime: time.Unix(int64(i), 0), Body: body}
				if _, _, err := ib.Append(context.Background(), e); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// forEachInbox runs bench against inbox.Memory and the file, each large
// enough for any benchmark's entries.
func forEachInbox(b *testing.B, bench func(b *testing.B, ib inbox.Inbox)) {
	const max = 1 << 30
	b.Run("memory", func(b *testing.B) {
		bench(b, inbox.NewMemory(inbox.WithMaxEntries(max), inbox.WithMaxBytes(max)))
	})
	b.Run("file", func(b *testing.B) {
		bench(b, newDB(b, boltstore.WithMaxEntries(max), boltstore.WithMaxBytes(max)).Inbox())
	})
}

func forEachStore(b *testing.B, bench func(b *testing.B, s store.Store)) {
	b.Run("memory", func(b *testing.B) { bench(b, store.NewMemory(store.WithMaxEntries(1<<24))) })
	b.Run("file", func(b *testing.B) { bench(b, newDB(b, boltstore.WithMaxDeliveries(1<<24)).Store()) })
}
