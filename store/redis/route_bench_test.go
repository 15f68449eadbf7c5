package redisstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/middleware/middlewaretest"
	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
)

// What the Redis inbox costs a sender, at the route: the time from a
// signed Checkly delivery reaching the route to its answer. The floor is
// the same route inline (memory store, a handler that does nothing),
// measured in the same run; the subject answers accepted once Redis has
// the entry (its state in Redis too, as replicas keep it). store/bolt has
// the same pair for the file inbox; make bench prints hookseal/floor.
//
//	go test -run '^$' -bench 'RouteAccept' -benchmem

// routeUnderBench returns the route named: inline on memory (the floor),
// or with the Redis inbox and the Redis store (its runner not running:
// only the sender's side is measured).
func routeUnderBench(b *testing.B, name string) (http.Handler, middleware.Outcome) {
	noop := func(context.Context, middleware.Event[checkly.Alert]) error { return nil }
	if name == "inline-floor" {
		h, err := middleware.NewRoute(middlewaretest.NewVerifier(b), noop,
			middleware.WithStore(store.NewMemory(store.WithMaxEntries(1<<24))), middleware.WithOrdering(0))
		if err != nil {
			b.Fatal(err)
		}
		return h, middleware.Processed
	}
	srv := needRedis(b)
	client := newClient(b, srv.Addr)
	st, err := redisstore.New(client, redisstore.WithPrefix(uniquePrefix(b)))
	if err != nil {
		b.Fatal(err)
	}
	ib, err := redisstore.NewInbox(client, uniqueName(b), redisstore.WithMaxEntries(1<<30), redisstore.WithMaxBytes(1<<40))
	if err != nil {
		b.Fatal(err)
	}
	runner, err := inbox.NewRunner(ib)
	if err != nil {
		b.Fatal(err)
	}
	h, err := middleware.NewRoute(middlewaretest.NewVerifier(b), noop, middleware.WithName("checkly"),
		middleware.WithStore(st), middleware.WithOrdering(0), middleware.WithInbox(runner))
	if err != nil {
		b.Fatal(err)
	}
	return h, middleware.Accepted
}

// BenchmarkRouteAccept: one delivery at a time.
func BenchmarkRouteAccept(b *testing.B) {
	for _, name := range []string{"inline-floor", "redis-inbox-hookseal"} {
		b.Run(name, func(b *testing.B) {
			h, want := routeUnderBench(b, name)
			ds := middlewaretest.Deliveries(b, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ds[i].Serve(b, h, want)
			}
		})
	}
}

// BenchmarkRouteAcceptParallel: 32 senders at once, as under load.
func BenchmarkRouteAcceptParallel(b *testing.B) {
	for _, name := range []string{"inline-floor", "redis-inbox-hookseal"} {
		b.Run(name, func(b *testing.B) {
			h, want := routeUnderBench(b, name)
			middlewaretest.ServeParallel(b, h, want)
		})
	}
}
