package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/store"
)

// Defaults of a [Store].
const (
	// DefaultPrefix starts every key a Store writes.
	DefaultPrefix = "hookseal:"
	// DefaultTimeout bounds each Redis call: well under the 4 to 15 s
	// senders wait for an answer, so a slow or unreachable Redis turns into
	// a prompt 503 the sender retries, not a sender-side timeout.
	DefaultTimeout = time.Second
)

// Namespaces under the prefix: deliveries (dedupe claims and commits) and
// resources (ordering state) never share a key.
const (
	dedupeSpace = "dedupe:"
	orderSpace  = "order:"
)

// Values at a delivery key (see the package documentation): a claim is
// "c:<token>:<fence>:<deadline>", a committed delivery "d:<nonce>:<fence>",
// a released one "r:<fence>". The tags keep a token, whatever a caller
// passes, from ever matching another kind of value; tokens and nonces
// never hold a ':', and the scripts match whole values, so a token with
// one matches nothing.

// maxMillis bounds the times Advance stores: Lua numbers are doubles, exact
// for integers up to 2^53 (in milliseconds, about 285,000 years either side
// of 1970).
const maxMillis = 1<<53 - 1

// maxLease bounds the lease in milliseconds a script adds to the server's
// clock (about 71,000 years), so that a deadline stays an exact Lua number.
const maxLease = maxMillis / 4

// Retention: how long a delivery key outlives the end of a claim's lease,
// or a release, so that its fence is remembered for the next claim (and
// the holder of a lapsed claim that nobody took over can still commit).
// It is the larger of minRetention and retentionFactor leases.
const (
	minRetention    = time.Hour
	retentionFactor = 10
)

// Script replies.
const (
	replyLost    = 0 // Renew, Commit, Release: the claim is no longer held
	replyOK      = 1 // Renew, Commit, Release: done; Claim: claimed; Advance: advanced
	replyHeld    = 2 // Claim: another claim holds the key
	replyDone    = 3 // Claim: committed within its window
	replyRefused = 0 // Advance: older than the time recorded
)

// foreignValue is the error reply of a script that finds a value hookseal
// did not write.
const foreignValue = `redis.error_reply('hookseal: key holds a value hookseal did not write; another program may use this prefix (choose another with WithPrefix)')`

// nowMillis is a Lua prelude: the server's clock in ms since the Unix
// epoch, from TIME. Redis 5 and later replicate a script's effects, not
// the script, so a script may read the clock before it writes.
const nowMillis = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// claimFn defines claim(key, token, lease, keep), which takes a free key,
// or reports who holds it: key is the delivery key; token the caller's;
// lease in ms; keep the key's TTL in ms (lease + retention). It returns
// {code, fence}, or an error reply.
//
// A claim whose token is the caller's is this call's own, written by an
// attempt whose reply was lost and that go-redis retried: it is still
// claimed, with its fence. A claim past its deadline (on the server's
// clock) is taken over. The new fence is one more than the key's last, but
// no less than the server's clock in ms, so fences keep growing even after
// Redis forgot the key (see the package documentation). A "c:<token>"
// value without fence or deadline is a claim written by an earlier version
// of this package, whose TTL is its lease: in flight while it exists.
const claimFn = nowMillis + `
local function claim(key, token, lease, keep)
  local v = redis.call('GET', key)
  local last = 0
  if v then
    local tag = string.sub(v, 1, 2)
    if tag == 'c:' then
      local tok, f, dl = string.match(v, '^c:([^:]+):(%d+):(%d+)$')
      if tok == token then
        return {1, tonumber(f)}
      end
      if not tok then
        if string.match(v, '^c:[^:]+$') then
          return {2, 0}
        end
        return ` + foreignValue + `
      end
      if tonumber(dl) > now then
        return {2, 0}
      end
      last = tonumber(f)
    elseif tag == 'd:' then
      return {3, 0}
    elseif tag == 'r:' and string.match(v, '^r:%d+$') then
      last = tonumber(string.sub(v, 3))
    else
      return ` + foreignValue + `
    end
  end
  local fence = math.max(last + 1, now)
  redis.call('SET', key, string.format('c:%s:%d:%d', token, fence, now + tonumber(lease)), 'PX', keep)
  return {1, fence}
end
`

// claimScript claims a delivery: KEYS[1] delivery key; ARGV[1] token;
// ARGV[2] lease in ms; ARGV[3] the key's TTL in ms. It replies {code,
// fence}.
var claimScript = redis.NewScript(claimFn + `
return claim(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
`)

// heldBy is a Lua prelude for the scripts that act on the caller's claim:
// it reads the key and sets fence to the claim's fence (a string) if the
// key holds the claim of token ARGV[1], whatever its deadline.
const heldBy = `
local v = redis.call('GET', KEYS[1])
local tok, fence
if v then
  tok, fence = string.match(v, '^c:([^:]+):(%d+):%d+$')
end
`

// renewScript moves the deadline of the caller's claim to lease from now.
// KEYS[1] delivery key; ARGV[1] token; ARGV[2] lease in ms; ARGV[3] the
// key's TTL in ms (lease + retention). A retried attempt renews again,
// which is harmless.
var renewScript = redis.NewScript(heldBy + `
if tok ~= ARGV[1] then
  return 0
end
` + nowMillis + `
redis.call('SET', KEYS[1], string.format('c:%s:%s:%d', tok, fence, now + tonumber(ARGV[2])), 'PX', ARGV[3])
return 1
`)

// commitScript replaces the caller's claim with a done marker for the
// window, keeping its fence.
// KEYS[1] delivery key; ARGV[1] token; ARGV[2] nonce; ARGV[3] window in ms.
//
// The nonce is fresh for every Commit call, so a retried attempt of the
// same call (its first reply lost) finds its own marker and succeeds, while
// a second Commit with the same claim finds another call's marker and
// fails.
var commitScript = redis.NewScript(heldBy + `
if tok == ARGV[1] then
  redis.call('SET', KEYS[1], 'd:' .. ARGV[2] .. ':' .. fence, 'PX', ARGV[3])
  return 1
end
if v and string.match(v, '^d:([^:]+):%d+$') == ARGV[2] then
  return 1
end
return 0
`)

// releaseScript replaces the caller's claim with a release marker that
// keeps its fence for the retention.
// KEYS[1] delivery key; ARGV[1] token; ARGV[2] retention in ms.
var releaseScript = redis.NewScript(heldBy + `
if tok ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], 'r:' .. fence, 'PX', ARGV[2])
return 1
`)

// advanceFn defines readResource(key), which returns a resource's time
// (or false when there is none) or an error reply for a value hookseal did
// not write, and advance(key, cur, at, ttl), which raises the resource's
// time from cur to at (ms since the Unix epoch) for ttl ms unless at is
// older, returning 1, or 0 when refused. Equal times advance.
const advanceFn = `
local function readResource(key)
  local cur = redis.call('GET', key)
  if not cur then
    return false
  end
  local n = tonumber(cur)
  if n == nil then
    return ` + foreignValue + `
  end
  return n
end
local function advance(key, cur, at, ttl)
  if cur and cur > tonumber(at) then
    return 0
  end
  redis.call('SET', key, at, 'PX', ttl)
  return 1
end
`

// advanceScript raises a resource's time unless the time given is older.
// KEYS[1] resource key; ARGV[1] time in ms since the Unix epoch; ARGV[2]
// ttl in ms.
var advanceScript = redis.NewScript(advanceFn + `
local cur = readResource(KEYS[1])
if type(cur) == 'table' then
  return cur
end
return advance(KEYS[1], cur, ARGV[1], ARGV[2])
`)

// claimAdvanceScript claims a delivery and, when claimed, advances its
// resource: one round trip for an ordered delivery instead of two.
// KEYS[1] delivery key; KEYS[2] resource key; ARGV[1..3] as claimScript's;
// ARGV[4] the event's time in ms since the Unix epoch; ARGV[5] the
// resource's ttl in ms. It replies {code, fence, advanced}. The resource
// is read before anything is written, so a value hookseal did not write at
// either key is an error that changes nothing. Both keys must be in one
// hash slot in a Redis Cluster (Store.ClaimAndAdvance checks).
var claimAdvanceScript = redis.NewScript(claimFn + advanceFn + `
local cur = readResource(KEYS[2])
if type(cur) == 'table' then
  return cur
end
local c = claim(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if c.err or c[1] ~= 1 then
  return c
end
return {1, c[2], advance(KEYS[2], cur, ARGV[4], ARGV[5])}
`)

// Store is a [store.Store] kept in Redis, so every replica of a receiver
// sees the same deliveries and the same ordering state. It is safe for
// concurrent use. The package documentation describes its keys, scripts,
// timeouts and failure behaviour.
//
// A Store made by [New] does not own its client: close the client when
// done with it. One made by [Dial] does: [Store.Close] closes it.
type Store struct {
	client  redis.UniversalClient
	owned   bool   // made by Dial: Close closes client
	dedupe  string // prefix + dedupeSpace
	order   string // prefix + orderSpace
	timeout time.Duration
	batch   *batcher // sends the calls of concurrent deliveries together
}

var _ store.Store = (*Store)(nil)

// Option configures a [Store].
type Option func(*config)

type config struct {
	prefix    string
	timeout   time.Duration
	pipelines int
}

// WithPrefix sets the string every key starts with (default
// [DefaultPrefix], "hookseal:"). Give each application sharing a Redis
// database its own prefix; replicas of one receiver must use the same one.
// The prefix must not be empty. A Redis Cluster hash tag in it ("{hs}:")
// puts every key in one hash slot, on one node: allowed, but it forgoes
// spreading the load.
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithTimeout sets the budget of each Redis call (default
// [DefaultTimeout], 1 s). A call that has no answer within it fails, and the
// route answers 503 so the sender retries. It must be positive; keep it well
// under the senders' delivery timeouts (4 to 15 s), since one delivery
// makes up to three calls.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithMaxPipelines sets how many round trips to Redis the Store keeps in
// flight at once (default [DefaultMaxPipelines], 2). A call made while
// fewer are in flight is sent at once; a call made while n are waits, with
// the other calls made meanwhile, and they are sent together, in one
// pipeline of up to 128 calls, as soon as a round trip ends. Each call
// keeps its own reply, its own error and its own budget ([WithTimeout]):
// batching saves Redis and the receiver a write and a read per call, not
// correctness. Up to 1,024 calls wait; more wait for room, within their
// budget. n = 0 turns batching off: every call is a round trip of its
// own, on a connection of its own. n must not be negative.
func WithMaxPipelines(n int) Option { return func(c *config) { c.pipelines = n } }

// New returns a Store that keeps its state in Redis through client, which
// may be a *redis.Client, a *redis.ClusterClient, a failover client or a
// *redis.Ring. New does not contact Redis: a Redis that is down shows in the
// operations' errors (a route answers 503), not here.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	c, err := storeConfig(isNil(client), opts)
	if err != nil {
		return nil, err
	}
	return &Store{
		client:  client,
		dedupe:  c.prefix + dedupeSpace,
		order:   c.prefix + orderSpace,
		timeout: c.timeout,
		batch:   newBatcher(client, honoursDeadlines(client), c.pipelines),
	}, nil
}

// storeConfig applies opts to the defaults and checks the result (and
// that there is a client, when nilClient says there is none).
func storeConfig(nilClient bool, opts []Option) (config, error) {
	c := config{prefix: DefaultPrefix, timeout: DefaultTimeout, pipelines: DefaultMaxPipelines}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	var errs []error
	if nilClient {
		errs = append(errs, errors.New("client is nil; pass one from redis.NewClient, redis.NewClusterClient or redis.NewUniversalClient"))
	}
	if c.prefix == "" {
		errs = append(errs, errors.New("WithPrefix: prefix must not be empty, or hookseal's keys could collide with other data in the database (the default is \"hookseal:\")"))
	}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("WithTimeout: timeout must be positive, got %s (the default is %s)", c.timeout, DefaultTimeout))
	}
	if c.pipelines < 0 {
		errs = append(errs, fmt.Errorf("WithMaxPipelines: must not be negative, got %d (0 turns batching off; the default is %d)", c.pipelines, DefaultMaxPipelines))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("redisstore: %w", err)
	}
	return c, nil
}

// Close closes the client of a Store made by [Dial]. For a Store made by
// [New] it does nothing and returns nil: that client belongs to its caller.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	return s.client.Close()
}

// honoursDeadlines reports whether c gives up a socket read or write when
// its context's deadline passes (ContextTimeoutEnabled), as clients made by
// ClientConfig.NewClient do.
func honoursDeadlines(c redis.UniversalClient) bool {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	}
	return false
}

// isNil reports whether c is nil, or a nil pointer to one of go-redis's
// clients.
func isNil(c redis.UniversalClient) bool {
	switch c := c.(type) {
	case nil:
		return true
	case *redis.Client:
		return c == nil
	case *redis.ClusterClient:
		return c == nil
	case *redis.Ring:
		return c == nil
	}
	return false
}

// Claim implements [store.Store.Claim] with one script: a key that is
// absent, released, or holds a claim whose deadline has passed on the
// server's clock is claimed with a fresh token and a larger fence. The
// token is 128 bits from crypto/rand. It returns an error, changing
// nothing, when ctx is done or lease is not positive; an error from Redis
// or the timeout leaves the delivery's state unknown (the claim may have
// been written; it then ends with its lease).
func (s *Store) Claim(ctx context.Context, key string, lease time.Duration) (store.Claim, error) {
	if err := ctx.Err(); err != nil {
		return store.Claim{}, fmt.Errorf("redisstore: Claim: %w", err)
	}
	if lease <= 0 {
		return store.Claim{}, fmt.Errorf("redisstore: Claim: %w, got lease %v", store.ErrInvalidDuration, lease)
	}
	token := rand.Text()
	rkey := s.dedupe + key
	r, err := s.run(ctx, "Claim", claimScript, rkey, token, leaseMillis(lease), keepMillis(lease))
	if err != nil {
		s.abandon(rkey, token, err)
		return store.Claim{}, err
	}
	switch {
	case r.n == replyOK && r.fence > 0:
		return store.Claim{Key: key, Token: token, State: store.Claimed, Fence: uint64(r.fence)}, nil
	case r.n == replyHeld:
		return store.Claim{Key: key, State: store.InFlight}, nil
	case r.n == replyDone:
		return store.Claim{Key: key, State: store.Done}, nil
	}
	return store.Claim{}, unexpected("Claim", rkey, r)
}

// ClaimAndAdvance implements [store.ClaimAdvancer.ClaimAndAdvance]: one
// script that claims the delivery as Claim does and, when claimed,
// advances the resource as Advance does, so an ordered delivery costs one
// round trip before its handler runs instead of two. Both keys must be on
// one server: they are with a single Redis and with Sentinel; in a Redis
// Cluster only when both hash to one slot (a delivery key and a resource
// that share a {hash tag}), and otherwise, and with a client of another
// kind (a *redis.Ring), ClaimAndAdvance calls Claim, then Advance. An
// error after a claim may have been written releases that claim in the
// background (see Claim), so the sender's retry is not answered 409
// in_flight for the claim's lease.
func (s *Store) ClaimAndAdvance(ctx context.Context, key string, lease time.Duration, resource string, at time.Time, ttl time.Duration) (store.Claim, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.Claim{}, false, fmt.Errorf("redisstore: ClaimAndAdvance: %w", err)
	}
	if lease <= 0 || ttl <= 0 {
		return store.Claim{}, false, fmt.Errorf("redisstore: ClaimAndAdvance: %w, got lease %v, ttl %v", store.ErrInvalidDuration, lease, ttl)
	}
	rkey, okey := s.dedupe+key, s.order+resource
	if !s.oneNode(rkey, okey) {
		return s.claimThenAdvance(ctx, key, lease, resource, at, ttl)
	}
	token := rand.Text()
	r, err := s.runKeys(ctx, "ClaimAndAdvance", claimAdvanceScript, []string{rkey, okey},
		token, leaseMillis(lease), keepMillis(lease), epochMillis(at), millis(ttl))
	if err != nil {
		s.abandon(rkey, token, err)
		return store.Claim{}, false, err
	}
	switch {
	case r.list == 3 && r.n == replyOK && r.fence > 0 && (r.advanced == replyOK || r.advanced == replyRefused):
		return store.Claim{Key: key, Token: token, State: store.Claimed, Fence: uint64(r.fence)}, r.advanced == replyOK, nil
	case r.list == 2 && r.n == replyHeld:
		return store.Claim{Key: key, State: store.InFlight}, false, nil
	case r.list == 2 && r.n == replyDone:
		return store.Claim{Key: key, State: store.Done}, false, nil
	}
	return store.Claim{}, false, unexpected("ClaimAndAdvance", rkey, r)
}

// claimThenAdvance is ClaimAndAdvance in two calls, for keys on two nodes.
func (s *Store) claimThenAdvance(ctx context.Context, key string, lease time.Duration, resource string, at time.Time, ttl time.Duration) (store.Claim, bool, error) {
	c, err := s.Claim(ctx, key, lease)
	if err != nil || c.State != store.Claimed {
		return c, false, err
	}
	ok, err := s.Advance(ctx, resource, at, ttl)
	if err != nil {
		s.abandon(s.dedupe+key, c.Token, err)
		return store.Claim{}, false, err
	}
	return c, ok, nil
}

// oneNode reports whether one script may touch both keys: the client
// talks to one server (a *redis.Client, Sentinel's included), or to a
// Cluster in which both keys hash to one slot.
func (s *Store) oneNode(a, b string) bool {
	switch s.client.(type) {
	case *redis.Client:
		return true
	case *redis.ClusterClient:
		return keySlot(a) == keySlot(b)
	}
	return false
}

// abandon releases, in the background, the claim a failed call may have
// written under token: the call timed out or lost its connection, so the
// script may still have run, or may yet run, on the server, and nobody
// acts on its claim. Without this, the sender's retries would be answered
// 409 in_flight until the claim's lease ran out (a minute, with the
// middleware's default). The release is tried at once and, while the
// key does not hold the claim (not written, or not yet: the script may
// still be on its way), twice more, 1 and 3 budgets later; the key is
// released only if it holds token, so this never touches another claim.
func (s *Store) abandon(rkey, token string, cause error) {
	var rerr redis.Error
	if errors.As(cause, &rerr) && !topologyMayHaveChanged(cause) {
		return // Redis ran the script and answered with an error: nothing was written
	}
	go func() {
		for _, wait := range []time.Duration{0, s.timeout, 2 * s.timeout} {
			time.Sleep(wait)
			ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
			r, err := s.run(ctx, "Release", releaseScript, rkey, token, minRetention.Milliseconds())
			cancel()
			if err == nil && r.list == 0 && r.n == replyOK {
				return
			}
		}
	}()
}

// Renew implements [store.Store.Renew]: one script that moves the claim's
// deadline to lease from now (on the server's clock) if the key still
// holds c's token, and otherwise returns [store.ErrClaimLost], changing
// nothing. A claim whose lease ran out and that nobody took over is still
// held, so it can be renewed. It returns another error, changing nothing,
// when ctx is done or lease is not positive.
func (s *Store) Renew(ctx context.Context, c store.Claim, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: Renew: %w", err)
	}
	if lease <= 0 {
		return fmt.Errorf("redisstore: Renew: %w, got lease %v", store.ErrInvalidDuration, lease)
	}
	if c.State != store.Claimed || c.Token == "" {
		return store.ErrClaimLost
	}
	rkey := s.dedupe + c.Key
	r, err := s.run(ctx, "Renew", renewScript, rkey, c.Token, leaseMillis(lease), keepMillis(lease))
	if err != nil {
		return err
	}
	return s.held("Renew", rkey, r)
}

// Commit implements [store.Store.Commit]: one script that replaces the
// claim with a done marker for window if the key still holds c's token,
// and otherwise returns [store.ErrClaimLost]. A claim whose lease ran out
// and that nobody took over is still held, so it commits. It returns
// another error, changing nothing, when ctx is done or window is not
// positive.
func (s *Store) Commit(ctx context.Context, c store.Claim, window time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: Commit: %w", err)
	}
	if window <= 0 {
		return fmt.Errorf("redisstore: Commit: %w, got window %v", store.ErrInvalidDuration, window)
	}
	if c.State != store.Claimed || c.Token == "" {
		return store.ErrClaimLost
	}
	rkey := s.dedupe + c.Key
	r, err := s.run(ctx, "Commit", commitScript, rkey, c.Token, rand.Text(), millis(window))
	if err != nil {
		return err
	}
	return s.held("Commit", rkey, r)
}

// Release implements [store.Store.Release]: one script that replaces the
// claim with a release marker, which keeps the claim's fence for the next
// one, if the key still holds c's token, and otherwise returns
// [store.ErrClaimLost], changing nothing. It returns another error,
// changing nothing, when ctx is done.
func (s *Store) Release(ctx context.Context, c store.Claim) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: Release: %w", err)
	}
	if c.State != store.Claimed || c.Token == "" {
		return store.ErrClaimLost
	}
	rkey := s.dedupe + c.Key
	r, err := s.run(ctx, "Release", releaseScript, rkey, c.Token, minRetention.Milliseconds())
	if err != nil {
		return err
	}
	return s.held("Release", rkey, r)
}

// Advance implements [store.Store.Advance] with one compare-and-set script.
// Times are kept as whole milliseconds since the Unix epoch (rounded down),
// so times within the same millisecond count as equal; times more than
// about 285,000 years from 1970 are clamped. It returns an error, changing
// nothing, when ctx is done or ttl is not positive.
func (s *Store) Advance(ctx context.Context, resource string, at time.Time, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("redisstore: Advance: %w", err)
	}
	if ttl <= 0 {
		return false, fmt.Errorf("redisstore: Advance: %w, got ttl %v", store.ErrInvalidDuration, ttl)
	}
	rkey := s.order + resource
	r, err := s.run(ctx, "Advance", advanceScript, rkey, epochMillis(at), millis(ttl))
	if err != nil {
		return false, err
	}
	switch {
	case r.list != 0:
	case r.n == replyOK:
		return true, nil
	case r.n == replyRefused:
		return false, nil
	}
	return false, unexpected("Advance", rkey, r)
}

func (s *Store) held(op, rkey string, r reply) error {
	switch {
	case r.list != 0:
	case r.n == replyOK:
		return nil
	case r.n == replyLost:
		return store.ErrClaimLost
	}
	return unexpected(op, rkey, r)
}

// reply is a script's reply: an integer n, or (Claim) a list {n, fence},
// or (ClaimAndAdvance, when claimed) {n, fence, advanced}.
type reply struct {
	n, fence, advanced int64
	list               int // the list's length; 0 for an integer
}

func (r reply) String() string {
	switch r.list {
	case 2:
		return fmt.Sprintf("{%d, %d}", r.n, r.fence)
	case 3:
		return fmt.Sprintf("{%d, %d, %d}", r.n, r.fence, r.advanced)
	}
	return strconv.FormatInt(r.n, 10)
}

// parseReply reads an integer reply, or a list of two or three integers.
func parseReply(v any) (reply, bool) {
	switch v := v.(type) {
	case int64:
		return reply{n: v}, true
	case []any:
		if len(v) == 2 || len(v) == 3 {
			r := reply{list: len(v)}
			var ok1, ok2, ok3 bool
			r.n, ok1 = v[0].(int64)
			r.fence, ok2 = v[1].(int64)
			ok3 = true
			if len(v) == 3 {
				r.advanced, ok3 = v[2].(int64)
			}
			return r, ok1 && ok2 && ok3
		}
	}
	return reply{}, false
}

// run runs script on rkey within the Store's timeout, through the
// batcher: alone, or in a pipeline with the calls of concurrent
// deliveries (see [WithMaxPipelines]). go-redis honours a context's
// deadline in its socket reads and writes only when the client has
// ContextTimeoutEnabled, and otherwise waits up to its ReadTimeout (3 s by
// default, for each of its retries); so, unless the client is known to
// have it, the call runs on another goroutine than its caller's
// (a flusher's, or without batching its own), and the budget holds
// whatever the client's options.
func (s *Store) run(ctx context.Context, op string, script *redis.Script, rkey string, args ...any) (reply, error) {
	return s.runKeys(ctx, op, script, []string{rkey}, args...)
}

// runKeys is run on several keys; errors name the first.
func (s *Store) runKeys(ctx context.Context, op string, script *redis.Script, keys []string, args ...any) (reply, error) {
	rkey := keys[0]
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, err := s.batch.do(cctx, script, keys, args)
	if err == nil {
		r, ok := parseReply(v)
		if ok {
			return r, nil
		}
		err = fmt.Errorf("unexpected script reply %v; is another version of hookseal using the same prefix?", v)
	}
	return reply{}, s.failure(ctx, cctx, op, rkey, err)
}

// failure describes a failed call: the caller's context ending, the budget
// running out, or Redis's own error.
func (s *Store) failure(parent, budget context.Context, op, rkey string, err error) error {
	if perr := ended(parent); perr != nil {
		if errors.Is(err, perr) {
			return fmt.Errorf("redisstore: %s %q: %w", op, rkey, err)
		}
		return fmt.Errorf("redisstore: %s %q: %w (%w)", op, rkey, perr, err)
	}
	if ended(budget) != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("redisstore: %s %q: no answer from Redis within %v; check that Redis is up and reachable, or raise WithTimeout if it is only slow: %w",
				op, rkey, s.timeout, err)
		}
		return fmt.Errorf("redisstore: %s %q: no answer from Redis within %v; check that Redis is up and reachable, or raise WithTimeout if it is only slow: %w (%w)",
			op, rkey, s.timeout, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("redisstore: %s %q: %w", op, rkey, err)
}

// ended is ctx.Err(), or DeadlineExceeded once ctx's deadline has passed:
// a socket's deadline (go-redis sets the context's) may fire, and its
// error reach the caller, a moment before the context's own timer.
func ended(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func unexpected(op, rkey string, r reply) error {
	return fmt.Errorf("redisstore: %s %q: unexpected script reply %v; is another version of hookseal using the same prefix?", op, rkey, r)
}

// millis converts a positive duration to whole milliseconds for PX,
// rounding up so a sub-millisecond duration is not PX 0, which Redis
// refuses.
func millis(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}

// leaseMillis is a lease in whole milliseconds (see millis), at most
// maxLease, for a script to add to the server's clock.
func leaseMillis(d time.Duration) int64 { return min(millis(d), maxLease) }

// keepMillis is the TTL in milliseconds of a delivery key that holds a
// claim with lease d: the lease and then the retention, the larger of
// minRetention and retentionFactor leases, at most maxMillis.
func keepMillis(d time.Duration) int64 {
	lease := leaseMillis(d)
	return min(lease+max(minRetention.Milliseconds(), retentionFactor*lease), maxMillis)
}

// epochMillis is t in whole milliseconds since the Unix epoch, rounded
// down, clamped to what a Lua number holds exactly.
func epochMillis(t time.Time) int64 {
	const maxSec = maxMillis / 1000
	switch sec := t.Unix(); {
	case sec >= maxSec:
		return maxMillis
	case sec <= -maxSec:
		return -maxMillis
	}
	return t.UnixMilli()
}
