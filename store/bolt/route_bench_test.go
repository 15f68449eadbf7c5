package boltstore_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	boltstore "github.com/hookseal/hookseal/store/bolt"
)

// What the inbox costs a sender, at the route: the time from a signed
// Checkly delivery reaching the route to its answer. The floor is the same
// route inline (memory store, a handler that does nothing), measured in the
// same run; the subject answers accepted once the file has the entry
// fsync'd. make bench prints hookseal/floor for each pair.
//
//	go test -run '^$' -bench 'Accept|Drain' -benchmem

// acceptRoutes are the two routes compared: inline, and with the file
// inbox (its runner not running: only the sender's side is measured).
func acceptRoutes(b *testing.B) map[string]struct {
	h    http.Handler
	want middleware.Outcome
} {
	noop := func(context.Context, middleware.Event[checkly.Alert]) error { return nil }
	inline, err := middleware.NewRoute(middlewaretest.NewVerifier(b), noop,
		middleware.WithStore(store.NewMemory(store.WithMaxEntries(1<<24))), middleware.WithOrdering(0))
	if err != nil {
		b.Fatal(err)
	}
	db := newDB(b, boltstore.WithMaxEntries(1<<30), boltstore.WithMaxBytes(1<<30), boltstore.WithMaxResources(1<<20))
	runner, err := inbox.NewRunner(db.Inbox())
	if err != nil {
		b.Fatal(err)
	}
	withInbox, err := middleware.NewRoute(middlewaretest.NewVerifier(b), noop, middleware.WithName("checkly"),
		middleware.WithStore(db.Store()), middleware.WithOrdering(0), middleware.WithInbox(runner))
	if err != nil {
		b.Fatal(err)
	}
	return map[string]struct {
		h    http.Handler
		want middleware.Outcome
	}{
		"inline-floor":        {inline, middleware.Processed},
		"file-inbox-hookseal": {withInbox, middleware.Accepted},
	}
}

// BenchmarkAccept: one delivery at a time, each waiting for its own fsync.
func BenchmarkAccept(b *testing.B) {
	for _, name := range []string{"inline-floor", "file-inbox-hookseal"} {
		b.Run(name, func(b *testing.B) {
			rt := acceptRoutes(b)[name]
			ds := middlewaretest.Deliveries(b, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ds[i].Serve(b, rt.h, rt.want)
			}
		})
	}
}

// BenchmarkAcceptParallel: 32 senders at once, as under load; concurrent
// appends share the file's commits.
func BenchmarkAcceptParallel(b *testing.B) {
	for _, name := range []string{"inline-floor", "file-inbox-hookseal"} {
		b.Run(name, func(b *testing.B) {
			rt := acceptRoutes(b)[name]
			middlewaretest.ServeParallel(b, rt.h, rt.want)
		})
	}
}

// BenchmarkDrain: a runner's throughput, entries handled per second by a
// no-op handler with four workers, from backlogs of 256 entries over 16
// resources appended while the timer and the runner are stopped: the
// memory inbox is the floor. (Memory's Lease scans its backlog, so a backlog of b.N would
// measure the scan, not the runner.)
func BenchmarkDrain(b *testing.B) {
	for _, c := range []struct {
		name string
		ib   func(b *testing.B) inbox.Inbox
	}{
		{"memory-floor", func(*testing.B) inbox.Inbox {
			return inbox.NewMemory(inbox.WithMaxEntries(1<<30), inbox.WithMaxBytes(1<<30))
		}},
		{"file-hookseal", func(b *testing.B) inbox.Inbox {
			return newDB(b, boltstore.WithMaxEntries(1<<30), boltstore.WithMaxBytes(1<<30)).Inbox()
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ib := c.ib(b)
			ctx := context.Background()
			var done atomic.Int64
			runner, err := inbox.NewRunner(ib, inbox.WithPoll(time.Millisecond))
			if err != nil {
				b.Fatal(err)
			}
			if err := runner.Handle("r", inbox.HandlerFunc(func(context.Context, inbox.Entry) error {
				done.Add(1)
				return nil
			})); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; {
				// The runner is stopped while a batch is appended, so the
				// timer sees only its work.
				batch := min(256, b.N-n)
				b.StopTimer()
				for i := n; i < n+batch; i++ {
					if _, _, err := ib.Append(ctx, inbox.Entry{Key: fmt.Sprint("k", i), Route: "r", Resource: fmt.Sprint("check-", i%16),
						EventTime: time.Unix(int64(i), 0), Body: body}); err != nil {
						b.Fatal(err)
					}
				}
				rctx, stop := context.WithCancel(ctx)
				ran := make(chan struct{})
				b.StartTimer()
				go func() { _ = runner.Run(rctx); close(ran) }()
				n += batch
				for done.Load() < int64(n) {
					time.Sleep(50 * time.Microsecond)
				}
				b.StopTimer()
				stop()
				<-ran
			}
		})
	}
}
