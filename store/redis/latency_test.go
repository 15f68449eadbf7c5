package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// latencyStore is a Store dialled through a delay proxy in front of the
// shared server, as Dial makes it, with its own prefix.
func latencyStore(t *testing.T, p *redistest.DelayProxy, poolSize int, timeout time.Duration) *redisstore.Store {
	t.Helper()
	cfg, err := redisstore.ParseURL("redis://" + p.Addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.PoolSize = poolSize
	client, err := cfg.Dial(dialCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	s, err := redisstore.New(client, redisstore.WithPrefix(uniquePrefix(t)), redisstore.WithTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A Redis that stops answering (a delay far beyond the budget) makes
// every call fail within its budget: the route answers 503 at once, never
// hangs.
func TestLatencyHungRedisAnswersWithinBudget(t *testing.T) {
	srv := needRedis(t)
	p := redistest.StartDelayProxy(t, srv.Addr, 0)
	const budget = 200 * time.Millisecond
	s := latencyStore(t, p, 0, budget)
	p.SetDelay(10 * time.Second)
	var worst time.Duration
	for i := range 5 {
		start := time.Now()
		_, _, err := s.ClaimAndAdvance(context.Background(), fmt.Sprint("hung-", i), time.Minute, "r", time.Now(), time.Minute)
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ClaimAndAdvance on a hung Redis: %v, want an error wrapping DeadlineExceeded", err)
		}
		worst = max(worst, took)
	}
	t.Logf("hung Redis, budget %v: the slowest of 5 calls failed after %v", budget, worst)
	if worst > budget+150*time.Millisecond {
		t.Errorf("a call on a hung Redis took %v, want about its budget, %v", worst, budget)
	}
}

// A claim that timed out on the client's side, but reached Redis, is
// released as soon as Redis answers again: the sender's retry is claimed,
// not answered 409 in_flight until the claim's lease (a minute) ends.
func TestLatencyTimedOutClaimIsReleased(t *testing.T) {
	srv := needRedis(t)
	p := redistest.StartDelayProxy(t, srv.Addr, 0)
	const budget = 100 * time.Millisecond
	s := latencyStore(t, p, 0, budget)
	// Redis has the scripts: each call is one EVALSHA, which runs on the
	// server though its reply is late (a first call would get NOSCRIPT
	// back late, and never send the script).
	if _, _, err := s.ClaimAndAdvance(context.Background(), "warm-up", time.Minute, "warm-up", time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(context.Background(), "warm-up-2", time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"Claim", "ClaimAndAdvance"} {
		t.Run(op, func(t *testing.T) {
			key := "slow-" + op
			// 70 ms each way: the script runs on Redis within the budget,
			// its reply comes after it.
			p.SetDelay(70 * time.Millisecond)
			start := time.Now()
			var err error
			if op == "Claim" {
				_, err = s.Claim(context.Background(), key, time.Minute)
			} else {
				_, _, err = s.ClaimAndAdvance(context.Background(), key, time.Minute, "r-"+op, time.Now(), time.Minute)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s through a slow link: %v, want a timeout", op, err)
			}
			p.SetDelay(time.Millisecond)
			// The sender retries: how long until the delivery can be claimed?
			var c store.Claim
			var inFlight int
			for {
				c, err = s.Claim(context.Background(), key, time.Minute)
				if err == nil && c.State == store.Claimed {
					break
				}
				inFlight++
				if time.Since(start) > time.Second {
					t.Fatalf("after a timed-out %s, the delivery is still %v (%v) %v later: its claim was not released", op, c.State, err, time.Since(start))
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("%s timed out after %v; the delivery was claimable again %v after the call began (%d retries answered in flight)",
				op, budget, time.Since(start).Round(time.Millisecond), inFlight)
		})
	}
}

// 400 deliveries a second through a link with a 20 ms round trip (10 ms
// each way), each an ordered delivery's two calls (ClaimAndAdvance, then
// Commit), as go-redis's default pool of 20 connections failed half of
// them: with the default pool, every one succeeds within its budget.
func TestLatencyThroughputAt20msRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 2 s")
	}
	srv := needRedis(t)
	p := redistest.StartDelayProxy(t, srv.Addr, 10*time.Millisecond)
	s := latencyStore(t, p, 0, redisstore.DefaultTimeout)
	const rate, dur = 400, 2 * time.Second
	var mu sync.Mutex
	var lat []time.Duration
	var failed []error
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	for i := 0; i < rate*int(dur/time.Second); i++ {
		<-tick.C
		wg.Go(func() {
			start := time.Now()
			ctx := context.Background()
			c, _, err := s.ClaimAndAdvance(ctx, fmt.Sprint("d-", i), time.Minute, fmt.Sprint("r-", i%50), time.Now(), time.Minute)
			if err == nil {
				err = s.Commit(ctx, c, time.Minute)
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, time.Since(start))
			if err != nil {
				failed = append(failed, err)
			}
		})
	}
	wg.Wait()
	slices.Sort(lat)
	t.Logf("%d deliveries at %d/s through a 20 ms round trip: %d failed; p50 %v, p99 %v, max %v",
		len(lat), rate, len(failed), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	if len(failed) > 0 {
		t.Errorf("%d of %d failed, first: %v", len(failed), len(lat), failed[0])
	}
}
