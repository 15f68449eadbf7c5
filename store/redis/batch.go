package redisstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultMaxPipelines is how many round trips to Redis a [Store] keeps in
// flight at once when calls of concurrent deliveries wait to be sent (see
// [WithMaxPipelines]).
const DefaultMaxPipelines = 2

// Bounds of the batching: the calls one pipeline carries, and the calls
// that may wait for a pipeline. A call that finds the queue full waits for
// room within its budget, as it would for a free connection.
const (
	maxBatch  = 128
	maxQueued = 1024
)

// A batcher sends the script calls of concurrent callers to Redis
// together ("auto-pipelining"). A call that arrives while fewer than limit
// round trips are in flight, and none is waiting, is sent at once, as it
// would be without batching: on its caller's goroutine when the client
// honours deadlines, otherwise on a goroutine of its own. Otherwise it waits in a bounded queue, and a flusher
// (one of at most limit round trips in flight, counting the lone calls)
// sends every call waiting, up to maxBatch, in one pipeline: one write,
// one read, for all of them. Each caller gets its own reply or error, and
// waits no longer than its own budget (its context): a caller whose
// budget runs out returns at its deadline, whatever the pipeline it rides
// does; a call whose caller has already given up is not sent.
//
// A pipeline's own deadline is the latest of its callers' deadlines, so
// no caller's call is cut short by another's budget.
type batcher struct {
	client redis.UniversalClient
	direct bool // the client gives up a call when its context's deadline passes
	limit  int  // round trips in flight at most; 0: no batching
	queue  chan *call

	mu      sync.Mutex
	running int // round trips in flight: lone calls and flushers
}

// call is one script call waiting for a pipeline.
type call struct {
	ctx    context.Context // the caller's budget; not sent once it is done
	script *redis.Script
	keys   []string
	args   []any
	done   chan callResult // buffered: nobody waits for a caller that gave up
}

type callResult struct {
	v   any
	err error
}

func newBatcher(client redis.UniversalClient, direct bool, limit int) *batcher {
	b := &batcher{client: client, direct: direct, limit: limit}
	if limit > 0 {
		b.queue = make(chan *call, maxQueued)
	}
	return b
}

// do runs script on keys with args and returns its reply, or an error:
// Redis's, or ctx.Err() once ctx (the caller's budget, which must have a
// deadline) is done.
func (b *batcher) do(ctx context.Context, script *redis.Script, keys []string, args []any) (any, error) {
	if b.limit == 0 {
		return b.unbatched(ctx, script, keys, args)
	}
	if b.tryAlone() {
		return b.alone(ctx, script, keys, args, true)
	}
	c := &call{ctx: ctx, script: script, keys: keys, args: args, done: make(chan callResult, 1)}
	select {
	case b.queue <- c:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	b.kick()
	return await(ctx, c.done)
}

// unbatched is do without batching: every call its own round trip.
func (b *batcher) unbatched(ctx context.Context, script *redis.Script, keys []string, args []any) (any, error) {
	return b.alone(ctx, script, keys, args, false)
}

// alone sends one call as a round trip of its own: on the caller's
// goroutine when the client honours deadlines, and otherwise on a
// goroutine of its own, which the caller stops waiting for when ctx is
// done. With counted (tryAlone said yes), the round trip is given back
// (doneAlone) when it ends, whoever still waits for it.
func (b *batcher) alone(ctx context.Context, script *redis.Script, keys []string, args []any, counted bool) (any, error) {
	if b.direct {
		v, err := script.Run(ctx, b.client, keys, args...).Result()
		if counted {
			b.doneAlone()
		}
		return v, err
	}
	done := make(chan callResult, 1)
	go func() {
		v, err := script.Run(ctx, b.client, keys, args...).Result()
		if counted {
			b.doneAlone()
		}
		done <- callResult{v, err}
	}()
	return await(ctx, done)
}

// await returns the reply done brings, or ctx.Err() once ctx is done.
func await(ctx context.Context, done <-chan callResult) (any, error) {
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// tryAlone reports whether a call may be sent at once, on its own: a
// round trip is free and no call is waiting for one. It then counts as a
// round trip in flight until doneAlone.
func (b *batcher) tryAlone() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running >= b.limit || len(b.queue) > 0 {
		return false
	}
	b.running++
	return true
}

// doneAlone ends a lone call's round trip, and hands it to a flusher if
// calls queued meanwhile.
func (b *batcher) doneAlone() {
	b.mu.Lock()
	b.running--
	b.startFlusher(len(b.queue) > 0)
}

// kick starts a flusher for a call just queued, unless limit round trips
// are in flight: one of them takes the call when it ends.
func (b *batcher) kick() {
	b.mu.Lock()
	b.startFlusher(true)
}

// startFlusher, called with mu held, which it releases, starts a flusher
// when wanted and fewer than limit round trips are in flight, counting it
// as one of them before it releases mu.
func (b *batcher) startFlusher(wanted bool) {
	start := wanted && b.running < b.limit
	if start {
		b.running++
	}
	b.mu.Unlock()
	if start {
		go b.flush()
	}
}

// flush sends what is queued, batch after batch, until the queue is
// empty. The check for an empty queue and the end of the round trip are
// one step under mu, as kick's and doneAlone's checks are, so a call
// queued meanwhile always finds a flusher.
func (b *batcher) flush() {
	batch := make([]*call, 0, maxBatch)
	for {
		batch = b.take(batch[:0])
		if len(batch) == 0 {
			b.mu.Lock()
			if len(b.queue) == 0 {
				b.running--
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
			continue
		}
		b.exec(batch)
		clear(batch)
	}
}

// take appends to batch the calls queued, up to maxBatch. A call whose
// caller has given up is answered with its context's error (which its
// caller returns, if it has not returned yet) and not sent.
func (b *batcher) take(batch []*call) []*call {
	for len(batch) < maxBatch {
		select {
		case c := <-b.queue:
			if err := c.ctx.Err(); err != nil {
				c.done <- callResult{err: err}
				continue
			}
			batch = append(batch, c)
		default:
			return batch
		}
	}
	return batch
}

// exec sends batch in one pipeline of EVALSHAs and answers each call.
// Calls answered NOSCRIPT (Redis lost its script cache: a restart, a
// failover, SCRIPT FLUSH) are sent again as EVAL, in a second pipeline, as
// [redis.Script.Run] does for a single call. A lone call is sent with
// Run.
func (b *batcher) exec(batch []*call) {
	var deadline time.Time
	for _, c := range batch {
		if d, ok := c.ctx.Deadline(); ok && d.After(deadline) {
			deadline = d
		}
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if !deadline.IsZero() {
		ctx, cancel = context.WithDeadline(ctx, deadline)
	}
	defer cancel()
	if b.direct {
		b.send(ctx, batch)
		return
	}
	// A client that ignores deadlines may wait for a hung Redis for its
	// ReadTimeout, times its retries: the flusher stops waiting at the
	// deadline, when every caller of the batch has given up, and the
	// pipeline's goroutine answers nobody. (It has its own copy of
	// batch, which the flusher reuses.)
	finished := make(chan struct{})
	own := slices.Clone(batch)
	go func() {
		defer close(finished)
		b.send(ctx, own)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
	}
}

// send sends batch within ctx and answers each call.
func (b *batcher) send(ctx context.Context, batch []*call) {
	if len(batch) == 1 {
		c := batch[0]
		v, err := c.script.Run(ctx, b.client, c.keys, c.args...).Result()
		c.done <- callResult{v, err}
		return
	}
	pipe := b.client.Pipeline()
	cmds := make([]*redis.Cmd, len(batch))
	for i, c := range batch {
		cmds[i] = c.script.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // every command holds its own reply or error
	var again []int
	for i, cmd := range cmds {
		if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			again = append(again, i)
			continue
		}
		v, err := cmd.Result()
		batch[i].done <- callResult{v, err}
	}
	if len(again) == 0 {
		return
	}
	pipe = b.client.Pipeline()
	for _, i := range again {
		c := batch[i]
		cmds[i] = c.script.Eval(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx)
	for _, i := range again {
		v, err := cmds[i].Result()
		batch[i].done <- callResult{v, err}
	}
}
