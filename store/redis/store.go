package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"
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

// Values at a delivery key: a claim is "c:" and its token, a committed
// delivery "d:" and a nonce of the Commit call (see commitScript). The two
// prefixes keep a token, whatever a caller passes, from ever matching a
// committed delivery.
const (
	claimTag = "c:"
	doneTag  = "d:"
)

// maxMillis bounds the times Advance stores: Lua numbers are doubles, exact
// for integers up to 2^53 (in milliseconds, about 285,000 years either side
// of 1970).
const maxMillis = 1<<53 - 1

// Script replies.
const (
	replyLost    = 0 // Commit, Release: the claim is no longer held
	replyOK      = 1 // Commit, Release: done; Claim: claimed; Advance: advanced
	replyHeld    = 2 // Claim: another claim holds the key
	replyDone    = 3 // Claim: committed within its window
	replyRefused = 0 // Advance: older than the time recorded
)

// claimScript takes a free key with SET NX PX, or reports who holds it.
// KEYS[1] delivery key; ARGV[1] "c:"+token; ARGV[2] lease in ms.
//
// A value equal to ARGV[1] is this call's own claim, written by an attempt
// whose reply was lost and that go-redis retried: it is still claimed.
var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  return 1
end
if type(v) == 'string' then
  local tag = string.sub(v, 1, 2)
  if tag == 'c:' then
    return 2
  end
  if tag == 'd:' then
    return 3
  end
end
return redis.error_reply('hookseal: key holds a value hookseal did not write; another program may use this prefix (choose another with WithPrefix)')
`)

// commitScript replaces the caller's claim with a done marker for the
// window, if the key still holds that claim.
// KEYS[1] delivery key; ARGV[1] "c:"+token; ARGV[2] "d:"+nonce; ARGV[3]
// window in ms.
//
// The nonce is fresh for every Commit call, so a retried attempt of the
// same call (its first reply lost) finds its own marker and succeeds, while
// a second Commit with the same claim finds another call's marker and
// fails.
var commitScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
if v == ARGV[2] then
  return 1
end
return 0
`)

// releaseScript deletes the key if it still holds the caller's claim.
// KEYS[1] delivery key; ARGV[1] "c:"+token.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`)

// advanceScript raises a resource's time unless the time given is older.
// KEYS[1] resource key; ARGV[1] time in ms since the Unix epoch; ARGV[2]
// ttl in ms.
var advanceScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local n = tonumber(cur)
  if n == nil then
    return redis.error_reply('hookseal: key holds a value hookseal did not write; another program may use this prefix (choose another with WithPrefix)')
  end
  if n > tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
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
}

var _ store.Store = (*Store)(nil)

// Option configures a [Store].
type Option func(*config)

type config struct {
	prefix  string
	timeout time.Duration
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

// New returns a Store that keeps its state in Redis through client, which
// may be a *redis.Client, a *redis.ClusterClient, a failover client or a
// *redis.Ring. New does not contact Redis: a Redis that is down shows in the
// operations' errors (a route answers 503), not here.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	c := config{prefix: DefaultPrefix, timeout: DefaultTimeout}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	var errs []error
	if isNil(client) {
		errs = append(errs, errors.New("client is nil; pass one from redis.NewClient, redis.NewClusterClient or redis.NewUniversalClient"))
	}
	if c.prefix == "" {
		errs = append(errs, errors.New("WithPrefix: prefix must not be empty, or hookseal's keys could collide with other data in the database (the default is \"hookseal:\")"))
	}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("WithTimeout: timeout must be positive, got %s (the default is %s)", c.timeout, DefaultTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	return &Store{
		client:  client,
		dedupe:  c.prefix + dedupeSpace,
		order:   c.prefix + orderSpace,
		timeout: c.timeout,
	}, nil
}

// ErrInvalidURL is the error [Dial] returns for a URL it cannot use. It
// says what a valid one looks like and never quotes the URL given, which may
// carry a password.
var ErrInvalidURL = errors.New("redisstore: not a Redis URL; want redis://[[user]:password@]host[:port][/db], rediss://... for TLS, " +
	"or unix:///path/to/redis.sock, with @ : / ? # % and spaces in the user name or password percent-encoded")

// Dial connects to the Redis server rawURL names and returns a Store on it,
// for programs configured with a URL (a flag or an environment variable)
// rather than a client of their own. The URL is what [redis.ParseURL]
// takes: redis://[[user]:password@]host[:port][/db] ("redis" and port 6379
// by default), rediss://... for TLS, or unix://[[user]:password@]/path.
// For Sentinel or Cluster, build the client yourself and call [New].
//
// Unlike New, Dial checks that Redis answers a PING within ctx, so a wrong
// address or password stops a receiver at start-up instead of turning
// every delivery into a 503. The client gives up a socket read when the
// Store's per-call budget runs out (ContextTimeoutEnabled). Close the
// Store when done: that closes its client.
//
// Errors never quote the URL, which may carry a password.
func Dial(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	if !wellFormed(rawURL) {
		return nil, ErrInvalidURL
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		// go-redis's message may quote the URL, password and all.
		return nil, ErrInvalidURL
	}
	opt.ContextTimeoutEnabled = true
	client := redis.NewClient(opt)
	s, err := New(client, opts...)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	s.owned = true
	// go-redis reads a reply until the deadline of ctx, not until ctx is
	// cancelled, so the PING runs on a goroutine of its own: a caller that
	// gives up (a receiver told to stop while Redis hangs) need not wait
	// for the deadline. Closing the client ends that PING.
	pinged := make(chan error, 1)
	go func() { pinged <- client.Ping(ctx).Err() }()
	select {
	case err = <-pinged:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisstore: Redis at %s (database %d) does not answer PING: %w; check the address, the password and that redis-server is running", opt.Addr, opt.DB, err)
	}
	return s, nil
}

// wellFormed reports whether rawURL parses as a URL whose credentials, if
// it has any, were read as credentials. An unencoded '#' in a password
// ends the URL's authority early: "redis://:4242#rest@host" would parse as
// host "" port 4242, and the address in a later error would show the
// start of the password. Redis URLs never carry a fragment, so one means
// such a mistake.
func wellFormed(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Fragment != "" || strings.Contains(rawURL, "#") {
		return false
	}
	return u.User != nil || !strings.Contains(rawURL, "@")
}

// Close closes the client of a Store made by [Dial]. For a Store made by
// [New] it does nothing and returns nil: that client belongs to its caller.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	return s.client.Close()
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

// Claim implements [store.Store.Claim] with one script around
// SET key "c:"+token NX PX lease. The token is 128 bits from crypto/rand.
// It returns an error, changing nothing, when ctx is done or lease is not
// positive; an error from Redis or the timeout leaves the delivery's state
// unknown (the claim may have been written; it then ends with its lease).
func (s *Store) Claim(ctx context.Context, key string, lease time.Duration) (store.Claim, error) {
	if err := ctx.Err(); err != nil {
		return store.Claim{}, fmt.Errorf("redisstore: Claim: %w", err)
	}
	if lease <= 0 {
		return store.Claim{}, fmt.Errorf("redisstore: Claim: %w, got lease %v", store.ErrInvalidDuration, lease)
	}
	token := rand.Text()
	rkey := s.dedupe + key
	n, err := s.run(ctx, "Claim", claimScript, rkey, claimTag+token, millis(lease))
	if err != nil {
		return store.Claim{}, err
	}
	switch n {
	case replyOK:
		return store.Claim{Key: key, Token: token, State: store.Claimed}, nil
	case replyHeld:
		return store.Claim{Key: key, State: store.InFlight}, nil
	case replyDone:
		return store.Claim{Key: key, State: store.Done}, nil
	}
	return store.Claim{}, unexpected("Claim", rkey, n)
}

// Commit implements [store.Store.Commit]: one script that replaces the
// claim with a done marker for window if the key still holds c's token,
// and otherwise returns [store.ErrClaimLost]. Redis drops a claim when its
// lease runs out, so a Commit after the lease fails with ErrClaimLost even
// when nobody took the key over. It returns another error, changing
// nothing, when ctx is done or window is not positive.
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
	n, err := s.run(ctx, "Commit", commitScript, rkey, claimTag+c.Token, doneTag+rand.Text(), millis(window))
	if err != nil {
		return err
	}
	return s.held("Commit", rkey, n)
}

// Release implements [store.Store.Release]: one script that deletes the key
// if it still holds c's token, and otherwise returns [store.ErrClaimLost],
// changing nothing. It returns another error, changing nothing, when ctx is
// done.
func (s *Store) Release(ctx context.Context, c store.Claim) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: Release: %w", err)
	}
	if c.State != store.Claimed || c.Token == "" {
		return store.ErrClaimLost
	}
	rkey := s.dedupe + c.Key
	n, err := s.run(ctx, "Release", releaseScript, rkey, claimTag+c.Token)
	if err != nil {
		return err
	}
	return s.held("Release", rkey, n)
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
	n, err := s.run(ctx, "Advance", advanceScript, rkey, epochMillis(at), millis(ttl))
	if err != nil {
		return false, err
	}
	switch n {
	case replyOK:
		return true, nil
	case replyRefused:
		return false, nil
	}
	return false, unexpected("Advance", rkey, n)
}

func (s *Store) held(op, rkey string, n int64) error {
	switch n {
	case replyOK:
		return nil
	case replyLost:
		return store.ErrClaimLost
	}
	return unexpected(op, rkey, n)
}

// result is one script call's reply.
type result struct {
	n   int64
	err error
}

// run runs script on rkey within the Store's timeout. The call runs on a
// goroutine of its own, so the budget holds whatever the client's options:
// go-redis honours a context's deadline in its socket reads and writes
// only when the client has ContextTimeoutEnabled, and otherwise waits up to
// its ReadTimeout (3 s by default, for each of its retries).
func (s *Store) run(ctx context.Context, op string, script *redis.Script, rkey string, args ...any) (int64, error) {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	done := make(chan result, 1)
	go func() {
		n, err := script.Run(cctx, s.client, []string{rkey}, args...).Int64()
		done <- result{n, err}
	}()
	var r result
	select {
	case r = <-done:
		if r.err == nil {
			return r.n, nil
		}
	case <-cctx.Done():
		r.err = cctx.Err()
	}
	return 0, s.failure(ctx, cctx, op, rkey, r.err)
}

// failure describes a failed call: the caller's context ending, the budget
// running out, or Redis's own error.
func (s *Store) failure(parent, budget context.Context, op, rkey string, err error) error {
	if perr := parent.Err(); perr != nil {
		if errors.Is(err, perr) {
			return fmt.Errorf("redisstore: %s %q: %w", op, rkey, err)
		}
		return fmt.Errorf("redisstore: %s %q: %w (%w)", op, rkey, perr, err)
	}
	if budget.Err() != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("redisstore: %s %q: no answer from Redis within %v; check that Redis is up and reachable, or raise WithTimeout if it is only slow: %w",
				op, rkey, s.timeout, err)
		}
		return fmt.Errorf("redisstore: %s %q: no answer from Redis within %v; check that Redis is up and reachable, or raise WithTimeout if it is only slow: %w (%w)",
			op, rkey, s.timeout, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("redisstore: %s %q: %w", op, rkey, err)
}

func unexpected(op, rkey string, n int64) error {
	return fmt.Errorf("redisstore: %s %q: unexpected script reply %d; is another version of hookseal using the same prefix?", op, rkey, n)
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
