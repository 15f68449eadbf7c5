package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// These tests check the batching of concurrent calls (WithMaxPipelines):
// each caller gets its own reply, its own error and its own budget, when
// its call rides a pipeline with others'.

// pipeCounter is a client hook that counts round trips: single commands,
// pipelines, and the largest pipeline.
type pipeCounter struct {
	mu                         sync.Mutex
	singles, pipelines, inPipe int
	largest                    int
}

func (h *pipeCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *pipeCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if isScript(cmd) {
			h.mu.Lock()
			h.singles++
			h.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (h *pipeCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) == 0 || !isScript(cmds[0]) {
			return next(ctx, cmds)
		}
		h.mu.Lock()
		h.pipelines++
		h.inPipe += len(cmds)
		h.largest = max(h.largest, len(cmds))
		h.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (h *pipeCounter) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Sprintf("%d single calls, %d pipelines carrying %d calls (the largest %d)", h.singles, h.pipelines, h.inPipe, h.largest)
}

// warmUp makes s open connections through p for lone calls and for
// pipelines (go-redis keeps a pool of its own for pipelines), and load
// every script, so that no call pays for a new connection or NOSCRIPT
// later; it leaves p without delay.
func warmUp(t *testing.T, s *redisstore.Store, p *redistest.DelayProxy) {
	t.Helper()
	p.SetDelay(0)
	calls := func(i int) {
		ctx := t.Context()
		key := fmt.Sprint("warm-up-", i)
		c, _, err := s.ClaimAndAdvance(ctx, key, time.Minute, key, time.Now(), time.Minute)
		if err == nil {
			err = s.Release(ctx, c)
		}
		if err == nil {
			c, err = s.Claim(ctx, key, time.Minute)
		}
		if err == nil {
			err = s.Renew(ctx, c, time.Minute)
		}
		if err == nil {
			err = s.Commit(ctx, c, time.Minute)
		}
		if err == nil {
			_, err = s.Advance(ctx, key, time.Now(), time.Minute)
		}
		if err != nil {
			t.Error(err)
		}
	}
	calls(0)                          // alone
	p.SetDelay(20 * time.Millisecond) // the calls queue behind the first
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() { calls(i + 1) })
	}
	wg.Wait()
	p.SetDelay(0)
}

// startStallProbe starts measuring how late a 5 ms ticker runs, that is,
// how long this process goes without being scheduled (a busy machine, a
// garbage collection); the function it returns stops it and returns the
// longest delay.
func startStallProbe() func() time.Duration {
	stop, res := make(chan struct{}), make(chan time.Duration, 1)
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var worst time.Duration
		last := time.Now()
		for {
			select {
			case <-stop:
				res <- worst
				return
			case <-tick.C:
				now := time.Now()
				worst = max(worst, now.Sub(last)-5*time.Millisecond)
				last = now
			}
		}
	}()
	return func() time.Duration {
		close(stop)
		return <-res
	}
}

// isScript reports whether cmd is one of the Store's calls, not one a
// new connection makes (HELLO, CLIENT SETINFO).
func isScript(cmd redis.Cmder) bool {
	return cmd.Name() == "evalsha" || cmd.Name() == "eval"
}

// clientKinds are the two ways the Store waits for a call: a client that
// gives up a call at its context's deadline (as ClientConfig.NewClient
// makes them), and one that does not (go-redis's defaults).
var clientKinds = []struct {
	name string
	new  func(t *testing.T, addr string) redis.UniversalClient
}{
	{"deadline-aware", func(t *testing.T, addr string) redis.UniversalClient {
		cfg, err := redisstore.ParseURL("redis://" + addr + "/0")
		if err != nil {
			t.Fatal(err)
		}
		c := cfg.NewClient()
		t.Cleanup(func() { c.Close() })
		return c
	}},
	{"go-redis-defaults", func(t *testing.T, addr string) redis.UniversalClient { return newClient(t, addr) }},
}

// batchStore is a Store on client that keeps one round trip in flight at
// most, so concurrent calls queue and go together, and the hook counting
// its round trips.
func batchStore(t *testing.T, client redis.UniversalClient, opts ...redisstore.Option) (*redisstore.Store, *pipeCounter) {
	t.Helper()
	h := &pipeCounter{}
	client.AddHook(h)
	opts = append([]redisstore.Option{redisstore.WithPrefix(uniquePrefix(t)), redisstore.WithMaxPipelines(1)}, opts...)
	return newStore(t, client, opts...), h
}

// Many concurrent callers, every kind of call and reply in the same
// pipelines: each gets the reply to its own call. Claims are checked
// against the key's value in Redis (its token and fence), so replies that
// went to the wrong caller would show.
func TestBatchEachCallerGetsItsOwnReply(t *testing.T) {
	srv := needRedis(t)
	for _, kind := range clientKinds {
		t.Run(kind.name, func(t *testing.T) {
			p := redistest.StartDelayProxy(t, srv.Addr, 2*time.Millisecond)
			raw := newClient(t, srv.Addr)
			prefix := uniquePrefix(t)
			s, h := batchStore(t, kind.new(t, p.Addr), redisstore.WithPrefix(prefix), redisstore.WithTimeout(10*time.Second))
			ctx := t.Context()
			const n = 400
			// Set up: keys i%5 == 1 claimed by someone else, == 2 committed,
			// == 3 hold a value hookseal did not write; resources at time 1000 s.
			other := newStore(t, raw, redisstore.WithPrefix(prefix), redisstore.WithMaxPipelines(0))
			for i := range n {
				key := fmt.Sprint("k", i)
				switch i % 5 {
				case 1:
					if _, err := other.Claim(ctx, key, time.Minute); err != nil {
						t.Fatal(err)
					}
				case 2:
					c, err := other.Claim(ctx, key, time.Minute)
					if err == nil {
						err = other.Commit(ctx, c, time.Minute)
					}
					if err != nil {
						t.Fatal(err)
					}
				case 3:
					raw.Set(ctx, prefix+"dedupe:"+key, "not hookseal's", time.Minute)
				}
				if _, err := other.Advance(ctx, fmt.Sprint("r", i), time.Unix(1000, 0), time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2*n)
			for i := range n {
				wg.Go(func() {
					key, res := fmt.Sprint("k", i), fmt.Sprint("r", i)
					// Odd deliveries are older than the resource's time.
					at := time.Unix(1001+int64(i), 0)
					if i%2 == 1 {
						at = time.Unix(999-int64(i), 0)
					}
					c, advanced, err := s.ClaimAndAdvance(ctx, key, time.Minute, res, at, time.Minute)
					if err := checkClaim(ctx, raw, prefix, i, c, advanced, err); err != nil {
						errs <- err
						return
					}
					if c.State != store.Claimed {
						return
					}
					// A wrong token is lost; the right one commits.
					bad := c
					bad.Token = "not-" + c.Token
					if err := s.Commit(ctx, bad, time.Minute); !errors.Is(err, store.ErrClaimLost) {
						errs <- fmt.Errorf("%s: Commit with another token = %v, want ErrClaimLost", key, err)
					}
					if err := s.Commit(ctx, c, time.Minute); err != nil {
						errs <- fmt.Errorf("%s: Commit: %v", key, err)
					}
					if v := raw.Get(ctx, prefix+"dedupe:"+key).Val(); !strings.HasPrefix(v, "d:") || !strings.HasSuffix(v, fmt.Sprint(":", c.Fence)) {
						errs <- fmt.Errorf("%s: after Commit the key holds %q, want d:<nonce>:%d", key, v, c.Fence)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			t.Logf("%d deliveries: %v", n, h)
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.largest < 2 || h.singles+h.pipelines > n {
				t.Errorf("%d deliveries (%d calls) took %d round trips, the largest pipeline %d calls: the calls were not batched", n, h.singles+h.inPipe, h.singles+h.pipelines, h.largest)
			}
		})
	}
}

// checkClaim checks the reply to delivery i's ClaimAndAdvance against the
// state the test set up, and a claim against the key's value in Redis.
func checkClaim(ctx context.Context, raw *redis.Client, prefix string, i int, c store.Claim, advanced bool, err error) error {
	key := fmt.Sprint("k", i)
	switch i % 5 {
	case 1:
		if err != nil || c.State != store.InFlight {
			return fmt.Errorf("%s (claimed by another): %+v, %v, want InFlight", key, c, err)
		}
		return nil
	case 2:
		if err != nil || c.State != store.Done {
			return fmt.Errorf("%s (committed): %+v, %v, want Done", key, c, err)
		}
		return nil
	case 3:
		if err == nil || !strings.Contains(err.Error(), "did not write") || !strings.Contains(err.Error(), key) {
			return fmt.Errorf("%s (a foreign value): %+v, %v, want its own error naming its key", key, c, err)
		}
		return nil
	}
	if err != nil || c.State != store.Claimed || c.Key != key {
		return fmt.Errorf("%s: %+v, %v, want Claimed", key, c, err)
	}
	if want := i%2 == 0; advanced != want {
		return fmt.Errorf("%s: advanced = %v, want %v (the resource at 1000 s, the event newer for even deliveries)", key, advanced, want)
	}
	v := raw.Get(ctx, prefix+"dedupe:"+key).Val()
	if !strings.HasPrefix(v, fmt.Sprintf("c:%s:%d:", c.Token, c.Fence)) {
		return fmt.Errorf("%s: the reply says token %s, fence %d; the key holds %q", key, c.Token, c.Fence, v)
	}
	return nil
}

// One caller whose budget runs out, while its call waits for a pipeline
// or rides one, returns at its deadline with a timeout; the calls batched
// with it are not cut short, and succeed. A call whose caller gave up
// before it was sent is not sent.
func TestBatchExpiredBudgetFailsOnlyItsCaller(t *testing.T) {
	srv := needRedis(t)
	for _, kind := range clientKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel() // each kind has its own proxy and store: they wait side by side
			p := redistest.StartDelayProxy(t, srv.Addr, 0)
			raw := newClient(t, srv.Addr)
			prefix := uniquePrefix(t)
			s, h := batchStore(t, kind.new(t, p.Addr), redisstore.WithPrefix(prefix), redisstore.WithTimeout(2*time.Second))
			ctx := t.Context()
			// Connect (go-redis keeps a pool for pipelines apart: a new
			// connection there would cost two round trips more), load the
			// scripts.
			warmUp(t, s, p)
			// 250 ms each way: a round trip takes 500 ms.
			p.SetDelay(250 * time.Millisecond)
			stalled := startStallProbe()
			// A call in flight for 500 ms: the calls below wait for it, and go
			// together once it is back.
			blocked := make(chan error, 1)
			go func() {
				_, err := s.Advance(ctx, "blocker", time.Now(), time.Minute)
				blocked <- err
			}()
			time.Sleep(10 * time.Millisecond)
			type outcome struct {
				name string
				took time.Duration
				c    store.Claim
				err  error
			}
			var wg sync.WaitGroup
			out := make(chan outcome, 20)
			claim := func(name string, budget time.Duration) {
				wg.Go(func() {
					cctx, cancel := context.WithTimeout(ctx, budget)
					defer cancel()
					start := time.Now()
					c, err := s.Claim(cctx, name, time.Minute)
					out <- outcome{name, time.Since(start), c, err}
				})
			}
			claim("gives-up-queued", 30*time.Millisecond)     // before the pipeline leaves
			claim("gives-up-in-flight", 700*time.Millisecond) // while the pipeline is on its way
			for i := range 10 {
				claim(fmt.Sprint("patient-", i), 2*time.Second)
			}
			wg.Wait()
			close(out)
			if err := <-blocked; err != nil {
				t.Fatal(err)
			}
			stall := stalled()
			for o := range out {
				switch {
				case strings.HasPrefix(o.name, "gives-up"):
					want := 30 * time.Millisecond
					if o.name == "gives-up-in-flight" {
						want = 700 * time.Millisecond
					}
					if !errors.Is(o.err, context.DeadlineExceeded) || !strings.Contains(o.err.Error(), `Claim "`+prefix+"dedupe:"+o.name+`"`) {
						t.Errorf("%s: %+v, %v, want a timeout naming its key", o.name, o.c, o.err)
					}
					// The pipeline is back 300 ms after the later deadline;
					// the slack is for a busy machine.
					if o.took < want-5*time.Millisecond || o.took > want+150*time.Millisecond+stall {
						t.Errorf("%s returned after %v, want at its deadline, %v (the process stalled for up to %v meanwhile)", o.name, o.took, want, stall)
					}
				default:
					if o.err != nil || o.c.State != store.Claimed {
						t.Errorf("%s, batched with a caller that gave up: %+v, %v after %v, want Claimed", o.name, o.c, o.err, o.took)
					}
				}
			}
			// The claim of the caller that gave up while its pipeline was on
			// its way reached Redis: it is released in the background as soon
			// as Redis answers, so the sender's retry is not answered 409.
			key := prefix + "dedupe:gives-up-in-flight"
			for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
				v := raw.Get(ctx, key).Val()
				if strings.HasPrefix(v, "r:") {
					break
				}
				if time.Since(start) > 3*time.Second {
					t.Fatalf("%s holds %q 3 s after its caller gave up, want it released", key, v)
				}
			}
			// The call of the caller that gave up in the queue never reached
			// Redis (its background release finds nothing to release).
			if v, err := raw.Get(ctx, prefix+"dedupe:gives-up-queued").Result(); err != redis.Nil {
				t.Errorf("the claim of a caller that gave up before its pipeline left: %q, %v; want it never sent", v, err)
			}
			t.Logf("%v", h)
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.largest < 11 {
				t.Errorf("the largest pipeline carried %d calls, want the 11 sent together", h.largest)
			}
		})
	}
}

// A Redis that stops answering fails every caller at its own budget,
// whether its call went alone, rides a pipeline that hangs, or waits in
// the queue behind one: none waits for another's deadline.
func TestBatchHungRedisFailsEachCallerAtItsBudget(t *testing.T) {
	srv := needRedis(t)
	for _, kind := range clientKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel() // each kind has its own proxy and store: they wait side by side
			p := redistest.StartDelayProxy(t, srv.Addr, 0)
			const budget = 3 * time.Second
			s, h := batchStore(t, kind.new(t, p.Addr), redisstore.WithTimeout(budget), redisstore.WithMaxPipelines(2))
			warmUp(t, s, p)
			p.SetDelay(time.Minute)
			stalled := startStallProbe()
			type outcome struct {
				i         int
				took, due time.Duration
				err       error
			}
			const n = 60
			out := make(chan outcome, n)
			var wg sync.WaitGroup
			for i := range n {
				time.Sleep(5 * time.Millisecond) // callers arrive while earlier ones hang
				wg.Go(func() {
					start := time.Now()
					ctx := context.Background()
					due := budget
					if i%3 == 1 { // a caller with a shorter deadline of its own
						due = time.Duration(50+i) * time.Millisecond
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, due)
						defer cancel()
					}
					var err error
					switch i % 3 {
					case 0:
						_, err = s.Claim(ctx, fmt.Sprint("hung-", i), time.Minute)
					case 1:
						_, _, err = s.ClaimAndAdvance(ctx, fmt.Sprint("hung-", i), time.Minute, "r", time.Now(), time.Minute)
					case 2:
						err = s.Commit(ctx, store.Claim{Key: "k", Token: "t", State: store.Claimed}, time.Minute)
					}
					out <- outcome{i, time.Since(start), due, err}
				})
			}
			wg.Wait()
			close(out)
			stall := stalled()
			var worst time.Duration
			for o := range out {
				if !errors.Is(o.err, context.DeadlineExceeded) {
					t.Errorf("caller %d on a hung Redis: %v, want a timeout", o.i, o.err)
				}
				if o.due == budget && !strings.Contains(fmt.Sprint(o.err), "no answer from Redis within 3s") {
					t.Errorf("caller %d: %v, want the budget's message", o.i, o.err)
				}
				// Late by a scheduling delay at most (the machine may be
				// busy), not by another caller's budget (up to 2.95 s more)
				// nor by the client's ReadTimeout (3 s, each retry).
				if o.took < o.due-5*time.Millisecond || o.took > o.due+200*time.Millisecond+stall {
					t.Errorf("caller %d failed after %v, want at its deadline, %v (the process stalled for up to %v meanwhile)", o.i, o.took, o.due, stall)
				}
				worst = max(worst, o.took-o.due)
			}
			t.Logf("%d callers on a hung Redis each failed at most %v after its deadline (the process stalled for up to %v); %v", n, worst, stall, h)
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.singles >= n/2 {
				t.Errorf("%d of %d calls were sent alone: the callers did not queue", h.singles, n)
			}
		})
	}
}

// Pipelines carry at most 128 calls, and no more round trips are in
// flight than WithMaxPipelines allows.
func TestBatchBounds(t *testing.T) {
	srv := needRedis(t)
	p := redistest.StartDelayProxy(t, srv.Addr, 5*time.Millisecond)
	client := clientKinds[0].new(t, p.Addr)
	inFlight := &concurrency{}
	client.AddHook(inFlight)
	// A budget for a busy machine: this test is about bounds, not time.
	s, h := batchStore(t, client, redisstore.WithMaxPipelines(2), redisstore.WithTimeout(10*time.Second))
	ctx := t.Context()
	const n = 1500 // more than the queue holds
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := s.Claim(ctx, fmt.Sprint("k", i), time.Minute)
			if err != nil || c.State != store.Claimed {
				t.Errorf("Claim %d: %+v, %v", i, c, err)
			}
		})
	}
	wg.Wait()
	inFlight.mu.Lock()
	defer inFlight.mu.Unlock()
	t.Logf("%d concurrent claims: %v; at most %d round trips in flight", n, h, inFlight.peak)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.largest != 128 {
		t.Errorf("the largest pipeline carried %d calls, want 128, the bound, reached", h.largest)
	}
	if inFlight.peak > 2 {
		t.Errorf("%d round trips were in flight at once, want at most 2", inFlight.peak)
	}
}

// concurrency is a hook that records the most round trips in flight at
// once.
type concurrency struct {
	mu        sync.Mutex
	now, peak int
}

func (h *concurrency) enter() {
	h.mu.Lock()
	h.now++
	h.peak = max(h.peak, h.now)
	h.mu.Unlock()
}

func (h *concurrency) leave() {
	h.mu.Lock()
	h.now--
	h.mu.Unlock()
}

func (h *concurrency) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *concurrency) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !isScript(cmd) {
			return next(ctx, cmd)
		}
		h.enter()
		defer h.leave()
		return next(ctx, cmd)
	}
}

func (h *concurrency) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) == 0 || !isScript(cmds[0]) {
			return next(ctx, cmds)
		}
		h.enter()
		defer h.leave()
		return next(ctx, cmds)
	}
}

// A pipeline that Redis answers NOSCRIPT (its script cache flushed: a
// restart, a failover) is sent again as EVAL: every call succeeds.
func TestBatchScriptCacheFlushed(t *testing.T) {
	srv := redistest.Start(t) // SCRIPT FLUSH affects the whole server
	p := redistest.StartDelayProxy(t, srv.Addr, 5*time.Millisecond)
	raw := newClient(t, srv.Addr)
	s, h := batchStore(t, clientKinds[0].new(t, p.Addr), redisstore.WithTimeout(10*time.Second))
	ctx := t.Context()
	for round := range 3 {
		if err := raw.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() {
				key := fmt.Sprint(round, "-", i)
				c, err := s.Claim(ctx, key, time.Minute)
				if err != nil || c.State != store.Claimed {
					t.Errorf("Claim after SCRIPT FLUSH = %+v, %v", c, err)
					return
				}
				if err := s.Commit(ctx, c, time.Minute); err != nil {
					t.Errorf("Commit after SCRIPT FLUSH: %v", err)
				}
			})
		}
		wg.Wait()
	}
	t.Logf("%v", h)
}

// Batched calls on a Redis Cluster: a pipeline is split by node, and a
// call that reaches a node that does not hold its slot (MOVED: the slot
// moved since the client loaded the slot map) is sent on, within the
// pipeline, to the node that does.
func TestBatchClusterFollowsMovedSlots(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	cl := redistest.StartCluster(t, 3)
	ctx := t.Context()
	// A client whose slot map is wrong, and stays wrong: every slot on
	// the first primary. Two thirds of the calls are answered MOVED; a
	// hook on each node's client counts those replies.
	stale := func(context.Context) ([]redis.ClusterSlot, error) {
		return []redis.ClusterSlot{{Start: 0, End: 16383, Nodes: []redis.ClusterNode{{Addr: cl.Addrs[0]}}}}, nil
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{ClusterSlots: stale, ContextTimeoutEnabled: true})
	t.Cleanup(func() { cc.Close() })
	moves := &movedCounter{}
	cc.OnNewNode(func(c *redis.Client) { c.AddHook(moves) })
	h := &pipeCounter{}
	cc.AddHook(h)
	prefix := uniquePrefix(t)
	// A budget for a busy machine: this test is about redirection.
	s := newStore(t, cc, redisstore.WithPrefix(prefix), redisstore.WithMaxPipelines(1), redisstore.WithTimeout(10*time.Second))
	const n = 300
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprint("k", i)
			c, err := s.Claim(ctx, key, time.Minute)
			if err == nil && c.State == store.Claimed {
				err = s.Commit(ctx, c, time.Minute)
			}
			if err != nil || c.State != store.Claimed {
				t.Errorf("%s: %+v, %v", key, c, err)
			}
		})
	}
	wg.Wait()
	// Each key is on the node that holds its slot, committed.
	right := dialURL(t, clusterURL(cl))
	for i := range n {
		key := fmt.Sprint(prefix, "dedupe:k", i)
		if v := right.Get(ctx, key).Val(); !strings.HasPrefix(v, "d:") {
			t.Errorf("%s holds %q; want a committed delivery", key, v)
		}
	}
	t.Logf("%d deliveries on a stale slot map: %d pipelined calls answered MOVED, then sent to their node; %v", n, moves.n.Load(), h)
	if moves.n.Load() == 0 {
		t.Errorf("no pipelined call was answered MOVED: the test did not exercise the redirection")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.largest < 2 {
		t.Errorf("the calls were not batched")
	}
}

// movedCounter is a node client's hook that counts the MOVED replies to
// pipelined commands.
type movedCounter struct{ n atomic.Int64 }

func (h *movedCounter) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *movedCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *movedCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			if redis.HasErrorPrefix(c.Err(), "MOVED") {
				h.n.Add(1)
			}
		}
		return err
	}
}

// WithMaxPipelines takes 0 (no batching) and more; not a negative number.
func TestWithMaxPipelinesBounds(t *testing.T) {
	client := unreachable(t)
	if _, err := redisstore.New(client, redisstore.WithMaxPipelines(-1)); err == nil || !strings.Contains(err.Error(), "WithMaxPipelines: must not be negative") {
		t.Errorf("New(WithMaxPipelines(-1)) = %v, want an error saying it must not be negative", err)
	}
	for _, n := range []int{0, 1, 64} {
		if _, err := redisstore.New(client, redisstore.WithMaxPipelines(n)); err != nil {
			t.Errorf("New(WithMaxPipelines(%d)) = %v", n, err)
		}
	}
}
